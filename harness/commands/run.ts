// `ba-conformance run`: test a backend against the check catalogue and write report.json.
import { Command } from 'commander';
import { loadConfigFile, resolveConfig } from '../config/config.js';
import { overridesFromEnv, overridesFromFlags, settingOptions } from '../config/settings.js';
import { consoleSummary } from '../run/report.js';
import type { RunOutcome } from '../run/run.js';
import { runConformance } from '../run/run.js';
import { consoleProgress } from '../terminal.js';
import { planText } from '../run/plan.js';

export function runCommand(): Command {
  const command = new Command('run')
    .description('run the conformance checks against a backend and write <out>/report.json')
    .option('--config <file>', 'the config to load (.ts, .mts, .js or .mjs; its relative paths are relative to it; default: ./conformance.config.ts or .mts, .js, .mjs when present)')
    .option('--plan', 'print the checks that would run, roughly how many requests each sends and the hosts contacted, and exit without sending anything')
    .option('--quiet', 'print the findings (FAIL, NON-STRICT, ERROR), warnings, problems and the closing lines only: no progress, INFO or SKIP lines (the reports hold everything)');
  // Every setting's flag, from the settings' table (config/schema.ts), with its default.
  for (const option of settingOptions()) command.addOption(option);
  return command.action(async (flags: { config?: string; plan?: boolean; quiet?: boolean } & Record<string, unknown>) => {
      const quiet = { quiet: Boolean(flags.quiet) };
      // Quiet keeps what asks for action: warnings (an attacker listener the backend cannot reach, live credentials kept).
      const log = (line: string) => (!quiet.quiet || /WARNING/.test(line) ? process.stderr.write(`${line}\n`) : undefined);
      const config = resolveConfig(
        await loadConfigFile(flags.config, process.cwd()),
        { kind: 'env', name: 'the environment', settings: overridesFromEnv(process.env) },
        { kind: 'flags', name: 'the flags', settings: overridesFromFlags(flags) },
      );
      if (flags.plan) {
        process.stdout.write(await planText(config));
        return;
      }
      let outcome: RunOutcome;
      try {
        outcome = await runConformance(config, log, quiet.quiet ? { line: () => {} } : consoleProgress());
      } catch (err) {
        const partial = (err as { partial?: RunOutcome }).partial;
        if (partial) process.stdout.write(consoleSummary(partial.report, partial.reportFile, quiet));
        throw err;
      }
      process.stdout.write(consoleSummary(outcome.report, outcome.reportFile, quiet));
      process.exitCode = outcome.exitCode;
      // A halted run's checks may still be winding down in Vitest's workers: leave now, the report is written.
      if (outcome.halted) await new Promise<void>((resolve) => process.stdout.write('', () => resolve())).then(() => process.exit(outcome.exitCode));
    });
}
