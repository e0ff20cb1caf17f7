// `ba-conformance`: assembles the commands, and maps errors to clear messages and exit codes
// (2 for usage and configuration, 3 when the harness itself could not work).
import { Command, CommanderError } from 'commander';
import { issuerCommand } from './commands/issuer.js';
import { initCommand } from './commands/init.js';
import { listCommand } from './commands/list.js';
import { mergeCommand } from './commands/merge.js';
import { reproduceCommand } from './commands/reproduce.js';
import { runCommand } from './commands/run.js';
import { EXIT_CODES, describeError, exitCodeFor } from './errors.js';
import { COMPILED, PACKAGE as pkg } from './paths.js';

const program = new Command('ba-conformance')
  .description('Conformance and attack tests for backends that verify Better Auth JWTs')
  .version(pkg.version)
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

program.addCommand(runCommand());
program.addCommand(listCommand());
program.addCommand(mergeCommand());
program.addCommand(reproduceCommand());
// demo runs the example backends under fixtures/, which only a checkout has.
if (!COMPILED) program.addCommand((await import('./commands/demo.js')).demoCommand());
program.addCommand(initCommand());
program.addCommand(issuerCommand());
for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed its message already; help and version are not errors.
    process.exit(err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage);
  }
  process.stderr.write(`ba-conformance: ${describeError(err)}\n`);
  process.exit(exitCodeFor(err));
}
