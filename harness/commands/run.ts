// `ba-conformance run`: test a backend against the check catalogue and write report.json.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfigFile, overridesFromEnv, resolveConfig } from '../config/config.js';
import type { Overrides } from '../config/config.js';
import { ISSUER_ALGORITHMS } from '../issuer/index.js';
import { SEVERITIES } from '../checks/model.js';
import { REPORT_FORMATS } from '../report/index.js';
import { consoleSummary } from '../run/report.js';
import type { RunOutcome } from '../run/run.js';
import { runConformance } from '../run/run.js';
import { issuerModeOption, onlyOption, skipOption } from './options.js';
import { consoleProgress } from '../terminal.js';
import { planText } from '../run/plan.js';

interface RunFlags {
  config?: string;
  target?: string;
  protected?: string;
  identity?: string;
  start?: string;
  issuerMode?: string;
  issuerUrl?: string;
  issuerJwksUrl?: string;
  maxRps?: number;
  jobs?: number;
  plan?: boolean;
  alg?: string[];
  only?: string[];
  skip?: string[];
  out?: string;
  seed?: number;
  timeout?: number;
  waitBudget?: number;
  maxCacheAge?: number;
  maxRotationDelay?: number;
  openapi?: string;
  resource?: string;
  resourceBody?: string;
  resourceOwner?: string;
  format?: string[];
  failOn?: string;
  strict?: boolean;
  baseline?: string;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the conformance checks against a backend and write <out>/report.json')
    .option('--config <file>', 'the config to load (.ts, .mts, .js or .mjs; its relative paths are relative to it; default: ./conformance.config.ts or .mts, .js, .mjs when present)')
    .option('--target <url>', 'base URL of the backend under test')
    .option('--protected <path>', 'an endpoint that requires a bearer token')
    .option('--identity <path>', "an endpoint that answers with the caller's subject (JSON `sub`)")
    .option('--start <command>', 'shell command that starts the backend; it gets JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS, BETTER_AUTH_URL')
    .addOption(issuerModeOption())
    .option('--issuer-url <url>', "external mode: the Better Auth base URL the backend trusts (its JWKS: <url>/api/auth/jwks unless --issuer-jwks-url)")
    .option('--issuer-jwks-url <url>', "external mode: the JWKS URL, when it is not <url>/api/auth/jwks")
    .addOption(new Option('--alg <alg...>', 'issuer key algorithms (HS256: the shared-secret mode, the secret from BA_CONFORMANCE_SECRET or generated)').choices(ISSUER_ALGORITHMS))
    .option('--max-rps <n>', 'the most requests per second sent to the backend (a staging host); the storm checks scale down', positiveNumber)
    .option('--jobs <n>', 'labs at once: the JWKS checks each get an issuer and a backend of their own, this many side by side (1: one after another; default from cores and memory)', wholeNumber)
    .option('--plan', 'print the checks that would run, roughly how many requests each sends and the hosts contacted, and exit without sending anything')
    .addOption(onlyOption())
    .addOption(skipOption())
    .option('--wait-budget <s>', 'the longest one time-bound JWKS check waits, in seconds (default 120)', positiveNumber)
    .option('--max-cache-age <s>', 'the longest a removed JWKS key may keep verifying, in seconds (default 600)', positiveNumber)
    .option('--max-rotation-delay <s>', 'the longest a newly published kid may be refused, in seconds (default 60)', positiveNumber)
    .option('--openapi <path|url|file>', "the backend's OpenAPI document: every bearer-protected operation is probed (COV-PROTECTED-OPS)")
    .option('--resource <path>', 'a collection the isolation checks use as two users (REST: POST/GET <path>, GET/PUT/DELETE <path>/{id})')
    .option('--resource-body <json>', 'its create body; strings may hold Faker placeholders, e.g. \'{"title":"{{lorem.sentence}}"}\'')
    .option('--resource-owner <dotted path>', "where the owner's user id is in a resource's JSON (e.g. ownerId)")
    .addOption(new Option('--format <formats...>', 'files next to report.json (default: all)').choices(REPORT_FORMATS))
    .addOption(new Option('--fail-on <severity>', 'the lowest severity whose FAIL makes the run exit 1 (default: info, any FAIL)').choices(SEVERITIES))
    .option('--strict', 'NON-STRICT counts as FAIL')
    .option('--baseline <file>', 'waivers: checks expected to fail, each with a comment; they stay in the report and do not fail the run')
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
        issuerUrl: flags.issuerUrl,
        issuerJwksUrl: flags.issuerJwksUrl,
        maxRps: flags.maxRps,
        jobs: flags.jobs,
        algorithms: flags.alg,
        only: flags.only,
        skip: flags.skip,
        outDir: flags.out,
        seed: flags.seed,
        timeoutMs: flags.timeout,
        waitBudgetS: flags.waitBudget,
        maxCacheAgeS: flags.maxCacheAge,
        maxRotationDelayS: flags.maxRotationDelay,
        openapi: flags.openapi,
        resource: flags.resource,
        resourceBody: flags.resourceBody,
        resourceOwner: flags.resourceOwner,
        formats: flags.format,
        failOn: flags.failOn,
        strict: flags.strict,
        baseline: flags.baseline,
      };
      const config = resolveConfig(await loadConfigFile(flags.config, process.cwd()), overridesFromEnv(process.env), fromFlags);
      if (flags.plan) {
        process.stdout.write(await planText(config));
        return;
      }
      let outcome: RunOutcome;
      try {
        outcome = await runConformance(config, log, consoleProgress());
      } catch (err) {
        const partial = (err as { partial?: RunOutcome }).partial;
        if (partial) process.stdout.write(consoleSummary(partial.report, partial.reportFile));
        throw err;
      }
      process.stdout.write(consoleSummary(outcome.report, outcome.reportFile));
      process.exitCode = outcome.exitCode;
      // A halted run's checks may still be winding down in Vitest's workers: leave now, the report is written.
      if (outcome.halted) await new Promise<void>((resolve) => process.stdout.write('', () => resolve())).then(() => process.exit(outcome.exitCode));
    });
}
