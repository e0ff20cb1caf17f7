// `ba-conformance reproduce <report.json> <CHECK-ID>`: runs one check of a report again, against the same
// backend, with the check's own code, so every token is minted afresh the way it was then (the same
// header, claims and forgery), and says whether the finding still holds. Each exchange is printed as a
// curl command with its answer. The run's options (the config file, --start...) are given as to `run`;
// a backend the harness did not start is found at the report's URL by default.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { CheckRecord, Exchange } from '../checks/model.js';
import { loadConfigFile, resolveConfig } from '../config/config.js';
import { overridesFromEnv, overridesFromFlags, settingOptions } from '../config/settings.js';
import { HarnessError } from '../errors.js';
import { readReport } from '../report/read.js';
import { REDACTION_MARK } from '../report/redact.js';
import { FINDING_VERDICTS } from '../report-model.js';
import { runConformance } from '../run/run.js';

/** A string as one shell word (POSIX single quotes). */
const word = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The exchange as a curl command, then its answer, as a reader would paste and compare them. */
export function curlOf(e: Exchange): string {
  const parts = ['curl', '-sS', '-i', '-X', e.request.method, word(e.request.url)];
  for (const [name, value] of Object.entries(e.request.headers)) for (const line of value.split('\n')) parts.push('-H', word(`${name}: ${line}`));
  if (e.request.body !== undefined) parts.push('--data-raw', word(e.request.body));
  // A redacted credential (report/redact.ts): the request as reported cannot be replayed as it is.
  const redacted = REDACTION_MARK.test(JSON.stringify(e.request)) ? '\n# a credential in it is redacted (a real signature, a password): reproduce sent a freshly minted one in its place' : '';
  const answer = e.response ? `${e.response.status} ${e.response.bodyExcerpt.slice(0, 200).replaceAll('\n', ' ')}` : `no answer (${e.error})`;
  return `# ${e.label}\n${parts.join(' ')}${redacted}\n# → ${answer} (${e.outcome})`;
}

/**
 * What `now` says of the finding of `then`, in one line, and the exit code: 1 while a finding holds (as
 * `run` fails on one), 0 only when the check decided it is gone (PASS, or a measurement), 3 when this
 * run decided nothing (ERROR, SKIP, undecided within the wait budget, not run).
 */
export function stillHolds(then: CheckRecord, now: CheckRecord | undefined): { exitCode: number; line: string } {
  if (!now) return { exitCode: 3, line: `${then.id} did not run this time: nothing decided` };
  if (now.verdict === 'ERROR' || now.verdict === 'SKIP' || now.undecided) return { exitCode: 3, line: `undecided this time (${now.verdict}${now.undecided ? ', within the wait budget' : ''}): whether the finding holds is not known` };
  const finding = FINDING_VERDICTS.includes(then.verdict);
  if (FINDING_VERDICTS.includes(now.verdict)) return { exitCode: 1, line: now.verdict === then.verdict ? `the finding still holds: ${now.verdict} again` : `still a finding: ${then.verdict} then, ${now.verdict} now` };
  return { exitCode: 0, line: finding ? `the finding no longer holds: ${then.verdict} then, ${now.verdict} now` : `no finding, then or now: ${then.verdict} then, ${now.verdict} now` };
}

export function reproduceCommand(): Command {
  const command = new Command('reproduce')
    .description('run one check of a report again against the same backend, its tokens minted afresh the same way, and say whether the finding still holds; prints each exchange as a curl command')
    .argument('<report>', 'the report.json the finding is in')
    .argument('<check>', 'the check ID, as the report names it')
    .option('--config <file>', "the run's config, as given to `run` (default: ./conformance.config.ts or .mts, .js, .mjs when present)")
    .option('--exchange <n>', 'print only the n-th exchange (1-based), of the evidence the check keeps');
  // The run's settings as flags, as `run` takes them (a backend the harness starts needs its start command again).
  for (const option of settingOptions()) if (!['--only', '--skip', '--out', '--format', '--keep-secrets'].includes(option.long ?? '')) command.addOption(option);
  return command.action(async (reportFile: string, id: string, flags: { config?: string; exchange?: string } & Record<string, unknown>) => {
    const report = await readReport(reportFile);
    const then = report.checks.find((c) => c.id === id);
    if (!then) {
      const near = report.checks.map((c) => c.id).filter((c) => c.startsWith(id.split('-')[0] ?? id)).slice(0, 8);
      throw new HarnessError('USAGE', `${id} is not a check of ${reportFile}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
    }
    if (then.alone === false) throw new HarnessError('USAGE', `${id} is judged over a whole run (or after a family's checks), not on its own: run the suite again (ba-conformance run) to see it`);
    const exchangeIndex = flags.exchange === undefined ? undefined : Number(flags.exchange);
    if (exchangeIndex !== undefined && (!Number.isInteger(exchangeIndex) || exchangeIndex < 1)) throw new HarnessError('USAGE', `--exchange takes a number from 1, not ${flags.exchange}`);
    const file = await loadConfigFile(flags.config, process.cwd());
    // A backend the harness did not start is where the report found it, unless the config says otherwise.
    const reported = report.target.started ? {} : { baseUrl: report.target.baseUrl, protectedPath: report.target.protectedPath, ...(report.target.identityPath ? { identityPath: report.target.identityPath } : {}) };
    const fromFile = { ...file, target: { ...reported, ...((file as { target?: object }).target ?? {}) } };
    const out = await mkdtemp(path.join(tmpdir(), 'ba-reproduce-'));
    const config = resolveConfig(
      fromFile,
      { kind: 'env', name: 'the environment', settings: overridesFromEnv(process.env) },
      // Never the live credentials on disk (report.unredacted.json): a reproduction is read and shared like a report.
      { kind: 'flags', name: 'the flags', settings: overridesFromFlags({ ...flags, only: [id], out, format: ['json'], keepSecrets: false }) },
    );
    const outcome = await runConformance(config, (line) => process.stderr.write(`${line}\n`));
    const now = outcome.report.checks.find((c) => c.id === id);
    const { exitCode, line } = stillHolds(then, now);
    const exchanges = now ? (exchangeIndex ? now.evidence.slice(exchangeIndex - 1, exchangeIndex) : now.evidence) : [];
    process.stdout.write(
      [
        `${id} (${then.severity}), from run ${report.run.id} (${report.run.startedAt}) against ${report.target.baseUrl}`,
        `then: ${then.verdict}: ${then.observed}`,
        now ? `now:  ${now.verdict}: ${now.observed}` : 'now:  not run',
        line,
        '',
        ...exchanges.map((e) => `${curlOf(e)}\n`),
        `report of this run: ${outcome.reportFile}`,
        '',
      ].join('\n'),
    );
    process.exitCode = exitCode;
  });
}
