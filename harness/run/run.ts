// One conformance run: start the issuer the backend will trust, start the backend (when a start
// command is given), run the suites in Vitest with the run's context, and write report.json, also
// when the run fails midway (whatever was decided by then is kept).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startVitest } from 'vitest/node';
import pkg from '../../package.json' with { type: 'json' };
import type { CheckRecord } from '../checks/model.js';
import { HarnessError } from '../errors.js';
import type { ProvidedRun } from '../checks/suite.js';
import type { ResolvedConfig } from '../config/config.js';
import { REPO_ROOT } from '../issuer/bundle.js';
import type { OpenApiSource } from '../openapi/operations.js';
import { writeFormats } from '../report/index.js';
import { startIssuer } from '../issuer/index.js';
import type { Issuer, IssuerAlgorithm } from '../issuer/index.js';
import { serveTargetControl } from '../target/control.js';
import { launchTarget, waitUntilAnswering } from '../target/launcher.js';
import type { LaunchOptions, LaunchedTarget } from '../target/launcher.js';
import { challengeOnRejection, distrustAfterLockout, mergeById, noLeaks, noServerErrors } from './aggregate.js';
import { CheckCollector } from './collector.js';
import type { Progress } from './collector.js';
import { REPORT_SCHEMA_VERSION, exitCodeOf, summarize, writeReport } from './report.js';
import type { Report } from './report.js';
import { applyWaivers, loadBaseline } from './waivers.js';
import type { Waiver } from './waivers.js';

export interface RunOutcome {
  report: Report;
  reportFile: string;
  exitCode: number;
}

/** How long a backend the harness did not start may take to answer its readiness path. */
const UNSTARTED_TARGET_WAIT_MS = 5_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An algorithm the backend does not expect, for a key published from the start (SIG-ALG-NOT-ALLOWED); none when all are configured. */
function alternateAlgorithm(algorithms: readonly IssuerAlgorithm[]): IssuerAlgorithm | undefined {
  return (['RS256', 'ES256', 'EdDSA', 'ES512', 'PS256'] as const).find((a) => !algorithms.includes(a));
}

/** A URL as is; a path that is not a file, on the backend ("/openapi.json"); otherwise a file. */
function openApiSource(where: string, baseUrl: string): OpenApiSource {
  if (/^https?:\/\//.test(where)) return { url: where };
  const file = path.resolve(where);
  if (where.startsWith('/') && !existsSync(file)) return { url: new URL(where, baseUrl).toString() };
  if (!existsSync(file)) throw new HarnessError('CONFIG_INVALID', `target.openapi: no file ${file}`, { hint: 'give a path on the backend starting with "/", a URL, or an existing file' });
  return { file };
}

export async function runConformance(config: ResolvedConfig, log: (line: string) => void, progress?: Progress): Promise<RunOutcome> {
  const openapi = config.target.openapi ? openApiSource(config.target.openapi, config.target.baseUrl) : undefined;
  // Read before anything starts: a broken baseline must not cost a whole run.
  const waivers: Waiver[] | undefined = config.report.baseline ? await loadBaseline(config.report.baseline) : undefined;
  const runId = randomUUID().slice(0, 8);
  const startedAt = new Date();
  const problems: string[] = [];
  let records: CheckRecord[] = [];
  let requests = 0;
  let issuer: Issuer | undefined;
  let target: LaunchedTarget | undefined;
  let control: Awaited<ReturnType<typeof serveTargetControl>> | undefined;
  const phasesMs = { issuer: 0, target: 0, checks: 0 };
  const timed = async <T>(phase: keyof typeof phasesMs, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      phasesMs[phase] = Math.round(performance.now() - started);
    }
  };
  try {
    issuer = await timed('issuer', () => startIssuer({
      mode: config.issuer.mode,
      ...(config.issuer.algorithms ? { algorithms: config.issuer.algorithms } : {}),
      ...(config.issuer.issuer ? { issuer: config.issuer.issuer } : {}),
      ...(config.issuer.audience ? { audience: config.issuer.audience } : {}),
      ...(config.issuer.expirationTime ? { expirationTime: config.issuer.expirationTime } : {}),
      ...(config.issuer.port !== undefined ? { port: config.issuer.port } : {}),
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      log,
    }));
    const alternateAlg = alternateAlgorithm(issuer.algorithms);
    const alternate = alternateAlg ? await issuer.rotate(alternateAlg) : undefined;
    const jwks = { url: issuer.jwksUrl, issuer: issuer.issuer, audience: issuer.audience, algorithms: issuer.algorithms, baseUrl: issuer.baseUrl };
    if (config.target.start) {
      log(`starting the backend: ${config.target.start}`);
      const launch: LaunchOptions = {
        command: config.target.start,
        baseUrl: config.target.baseUrl,
        readinessPath: config.target.readinessPath,
        readinessTimeoutMs: config.target.readinessTimeoutMs,
        ...(config.target.cwd ? { cwd: config.target.cwd } : {}),
        env: {
          JWKS_URL: jwks.url,
          JWT_ISSUER: jwks.issuer,
          JWT_AUDIENCE: Array.isArray(jwks.audience) ? jwks.audience.join(',') : jwks.audience,
          JWT_ALGORITHMS: jwks.algorithms.join(','),
          BETTER_AUTH_URL: jwks.baseUrl,
        },
      };
      target = await timed('target', () => launchTarget(launch));
      // The JWKS checks restart it for a cold start (an empty key cache).
      control = await serveTargetControl(async ({ anyStatus }) => {
        await target?.stop();
        target = undefined;
        target = await launchTarget({ ...launch, ...(anyStatus ? { anyStatus } : {}) });
      });
    }
    if (!target) {
      // Nothing to start: the backend must already be up, or every check would be a misleading ERROR.
      await waitUntilAnswering(config.target.baseUrl, config.target.readinessPath, UNSTARTED_TARGET_WAIT_MS).catch((err: unknown) => {
        throw new HarnessError('TARGET_UNREACHABLE', `the backend at ${config.target.baseUrl} does not answer: ${(err as Error).message}`, {
          hint: 'let the harness start it with --start "<command>" (it gets JWKS_URL, JWT_ISSUER, JWT_AUDIENCE), or start it yourself trusting an issuer on a fixed port (issuer.port in conformance.config.ts)',
        });
      });
    }
    const provided: ProvidedRun = {
      runId,
      ...(config.only?.length ? { only: config.only } : {}),
      ...(config.skip?.length ? { skip: config.skip } : {}),
      issuer: issuer.connection(),
      jwks: config.jwks,
      resources: config.resources,
      ...(openapi ? { openapi } : {}),
      ...(control ? { targetControl: { ...control.connection, readinessTimeoutMs: config.target.readinessTimeoutMs } } : {}),
      ...(alternate ? { alternateKey: { kid: alternate.kid, alg: alternate.alg as IssuerAlgorithm } } : {}),
      target: {
        baseUrl: config.target.baseUrl,
        protectedPath: config.target.protectedPath,
        identityPath: config.target.identityPath,
        identitySubject: config.target.identitySubject,
        timeoutMs: config.target.timeoutMs,
        concurrency: config.target.concurrency,
        rejectStatuses: config.target.rejectStatuses,
        runId,
        toolVersion: pkg.version,
      },
    };
    const collector = new CheckCollector(progress);
    const names = (prefixes: string[]) => prefixes.map(escape).join('|');
    const only = config.only?.length || config.skip?.length
      ? new RegExp(`^${config.skip?.length ? `(?!${names(config.skip)})` : ''}(${config.only?.length ? names([...config.only, 'CTL-PERSIST']) : ''})`)
      : undefined;
    const vitest = await timed('checks', () => startVitest(
      'test',
      [],
      {
        root: REPO_ROOT,
        config: path.join(REPO_ROOT, 'vitest.config.ts'),
        // Two groups, one after the other: every family at once, then the JWKS family alone (it
        // rotates keys, breaks the JWKS and restarts the backend, and counts fetches).
        project: ['suites', 'jwks'],
        watch: false,
        // I/O-bound: more family files in flight than cores.
        maxWorkers: 2,
        reporters: [collector],
        provide: { conformance: provided },
        ...(only ? { testNamePattern: only } : {}),
      },
      {},
    ));
    await vitest.close();
    records = mergeById(distrustAfterLockout(collector.records));
    requests = records.reduce((n, r) => n + r.evidence.length, 0); // before the run-wide checks, which quote exchanges
    if (records.length > 0) records.push(noServerErrors(records), challengeOnRejection(records), noLeaks(records));
    problems.push(...collector.problems);
    // A typo in --only must not turn a CI gate green with nothing tested.
    for (const prefix of config.only ?? []) {
      if (!records.some((r) => r.id.startsWith(prefix))) problems.push(`--only ${prefix} matched no check (IDs look like SIG-ALG-NONE; see the catalogue)`);
    }

    if (records.length === 0) problems.push('no check ran');
  } catch (err) {
    problems.push(`the run stopped early: ${(err as Error).message}`);
    throw Object.assign(err as Error, { partial: await finish() });
  } finally {
    await control?.close();
    await target?.stop();
    await issuer?.stop();
  }
  return finish();

  async function finish(): Promise<RunOutcome> {
    const finishedAt = new Date();
    const sorted = [...records].sort((a, b) => a.id.localeCompare(b.id));
    const waived = waivers
      ? applyWaivers(sorted, waivers, { baseUrl: config.target.baseUrl, file: config.report.baseline!, ...(config.only ? { only: config.only } : {}), ...(config.skip ? { skip: config.skip } : {}) })
      : undefined;
    const checks = waived?.checks ?? sorted;
    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: pkg.name, version: pkg.version },
      run: {
        id: runId,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        seed: issuer?.seed ?? null,
        phasesMs,
        requests,
      },
      target: { baseUrl: config.target.baseUrl, protectedPath: config.target.protectedPath, identityPath: config.target.identityPath ?? null, started: Boolean(config.target.start) },
      issuer: issuer ? { mode: issuer.mode, alg: [...issuer.algorithms], issuer: issuer.issuer, audience: issuer.audience, jwksUrl: issuer.jwksUrl } : null,
      summary: summarize(checks),
      gate: { failOn: config.report.failOn, strict: config.report.strict },
      waivers: waived?.outcome ?? null,
      problems,
      checks,
    };
    const written = await writeReport(report, path.resolve(config.report.outDir));
    await writeFormats(report, path.resolve(config.report.outDir), config.report.formats, { reportSha256: written.sha256 });
    return { report, reportFile: written.file, exitCode: exitCodeOf(report) };
  }
}
