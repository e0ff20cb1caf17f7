// `ba-conformance run`: test a backend against the check catalogue and write report.json.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfigFile, overridesFromEnv, resolveConfig } from '../config/config.js';
import type { Overrides } from '../config/config.js';
import { ISSUER_ALGORITHMS, ISSUER_MODES } from '../issuer/index.js';
import { consoleSummary } from '../run/report.js';
import type { RunOutcome } from '../run/run.js';
import { runConformance } from '../run/run.js';

interface RunFlags {
  config?: string;
  target?: string;
  protected?: string;
  identity?: string;
  start?: string;
  issuerMode?: string;
  alg?: string[];
  only?: string[];
  out?: string;
  seed?: number;
  timeout?: number;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the conformance checks against a backend and write <out>/report.json')
    .option('--config <file>', 'conformance.config.ts to load (default: ./conformance.config.ts when present)')
    .option('--target <url>', 'base URL of the backend under test')
    .option('--protected <path>', 'an endpoint that requires a bearer token')
    .option('--identity <path>', "an endpoint that answers with the caller's subject (JSON `sub`)")
    .option('--start <command>', 'shell command that starts the backend; it gets JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS, BETTER_AUTH_URL')
    .addOption(new Option('--issuer-mode <mode>', 'where the harness issuer runs').choices(ISSUER_MODES))
    .addOption(new Option('--alg <alg...>', 'issuer key algorithms').choices(ISSUER_ALGORITHMS))
    .option('--only <prefixes...>', 'run only checks whose ID starts with one of these (e.g. SIG- CLM-EXP)')
    .option('--out <dir>', 'where to write report.json (default: reports)')
    .option('--seed <n>', 'seed for the generated users', wholeNumber)
    .option('--timeout <ms>', 'per-request timeout against the backend (default 5000)', wholeNumber)
    .action(async (flags: RunFlags) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const fromFlags: Overrides = {
        target: flags.target,
        protectedPath: flags.protected,
        identityPath: flags.identity,
        start: flags.start,
        issuerMode: flags.issuerMode,
        algorithms: flags.alg,
        only: flags.only,
        outDir: flags.out,
        seed: flags.seed,
        timeoutMs: flags.timeout,
      };
      const config = resolveConfig(await loadConfigFile(flags.config, process.cwd()), overridesFromEnv(process.env), fromFlags);
      let outcome: RunOutcome;
      try {
        outcome = await runConformance(config, log);
      } catch (err) {
        const partial = (err as { partial?: RunOutcome }).partial;
        if (partial) process.stdout.write(consoleSummary(partial.report, partial.reportFile));
        throw err;
      }
      process.stdout.write(consoleSummary(outcome.report, outcome.reportFile));
      process.exitCode = outcome.exitCode;
    });
}
