// One conformance run, as phases: start the issuer the backend will trust; start the backend (when a
// start command is given) and the labs; run the families in Vitest with the run's context; judge what
// they recorded (and the run-wide checks); write the reports; clean up. report.json is written also
// when the run fails midway (whatever was decided by then is kept). A signal, or the exit of the
// backend the harness started, halts the run (halt.ts): nothing is decided after that moment, the
// checks not finished are ERROR, and the report is written before the process leaves.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest } from 'vitest/node';
import type { CheckRecord } from '../checks/model.js';
import { HarnessError } from '../errors.js';
import type { ProvidedRun } from '../checks/suite.js';
import type { ResolvedConfig } from '../config/config.js';
import { CODE_ROOT, PACKAGE as pkg } from '../paths.js';
import { SUITES_MODULE_CACHE, SUITES_VITE, projectsFor, suiteProjects } from './projects.js';
import type { OpenApiSource } from '../openapi/operations.js';
import { coverageOf } from '../report/coverage.js';
import { writeFormats } from '../report/index.js';
import { signalExitCode } from '../issuer/cleanup.js';
import type { Capability, IssuerProfile } from '../issuer/index.js';
import { startRunIssuer } from './issuer-setup.js';
import { removeLeftovers } from './leftovers.js';
import { createLedger, removeLedger } from '../ledger.js';
import { attackerReach, probeReach } from '../attacker/reach.js';
import { LabPool, defaultJobs } from './labs.js';
import type { RunIssuer } from './issuer-setup.js';
import { restartRoute, serveControl } from '../target/control.js';
import type { ControlRoutes } from '../target/control.js';
import { waitUntilAnswering } from '../target/launcher.js';
import type { LaunchOptions, LaunchedTarget } from '../target/launcher.js';
import { targetUrl } from '../target/origin.js';
import { describeClock, measureClock } from '../target/clock.js';
import type { BackendClock } from '../target/clock.js';
import { RUN_WIDE_CHECKS, challengeOnRejection, distrustUnproven, linkCauses, mergeById, noFindingWithoutAnswer, noLeaks, noServerErrors, runTraffic, sayWhenUnanswered } from './aggregate.js';
import { loadCatalogue } from './catalogue.js';
import { lockOutDir } from './lock.js';
import { CheckCollector } from './collector.js';
import type { Progress } from '../terminal.js';
import { keepUnredacted, writeReport } from './report.js';
import { REPORT_SCHEMA_VERSION, exitCodeOf, summarize } from '../report-model.js';
import { Redactor } from '../report/redact.js';
import type { KnownSecret } from '../report/redact.js';
import { inert, inertLine } from '../text.js';
import type { Report } from '../report-model.js';
import { applyWaivers, loadBaseline } from './waivers.js';
import type { Waiver } from './waivers.js';
import { Halter, RunHalted } from './halt.js';
import type { AttackerReach } from '../attacker/reach.js';
import type { ControlServer } from '../target/control.js';

export interface RunOutcome {
  report: Report;
  reportFile: string;
  exitCode: number;
  /** Set when a signal stopped the run: `exitCode` is 128 + its number. */
  signal?: NodeJS.Signals;
  /** The run was halted (a signal, the backend's exit): checks may still be winding down in Vitest's workers, so the caller exits the process once it has printed. */
  halted: boolean;
}

/** Vitest worker processes running the families (I/O-bound: more family files in flight than cores). */
const SUITE_WORKERS = 2;

const RUN_WIDE_IDS = RUN_WIDE_CHECKS.map((c) => c.id);

/** How long a halted run may spend listing the selected checks that never started. */
const CATALOGUE_BUDGET_MS = 4_000;

/** The selected checks with no record yet, as ERROR "interrupted"; undefined when the catalogue could not be read in time. */
async function selectedButAbsent(records: CheckRecord[], config: ResolvedConfig, reason: string): Promise<CheckRecord[] | undefined> {
  const seen = new Set(records.map((r) => r.id));
  const catalogue = loadCatalogue({ ...(config.only ? { only: config.only } : {}), ...(config.skip ? { skip: config.skip } : {}) });
  catalogue.catch(() => {});
  const entries = await Promise.race([catalogue, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), CATALOGUE_BUDGET_MS).unref())]).catch(() => undefined);
  return entries
    ?.filter((e) => !seen.has(e.id) && !RUN_WIDE_IDS.includes(e.id))
    .map((e) => ({ ...e, suite: e.family, verdict: 'ERROR' as const, observed: `interrupted: ${reason} before this check started`, evidence: [], durationMs: 0, interrupted: true }));
}

/**
 * Vitest's logger exits the process on SIGINT/SIGTERM, before a report could be written: the run
 * handles those itself. Its handlers are never installed (removing them once created left a window
 * in which a signal exited the run without a report).
 */
async function withoutNewSignalHandlers<T>(create: () => Promise<T>): Promise<T> {
  const signals = new Set<string | symbol>(['SIGINT', 'SIGTERM', 'SIGHUP']);
  const patched = ['on', 'addListener', 'once'] as const;
  const own = patched.map((name) => Object.getOwnPropertyDescriptor(process, name));
  type Register = (this: NodeJS.Process, event: string | symbol, listener: (...args: unknown[]) => void) => NodeJS.Process;
  for (const name of patched) {
    const register = process[name] as unknown as Register;
    const skipping: Register = function (event, listener) {
      return signals.has(event) ? this : register.call(this, event, listener);
    };
    process[name] = skipping as unknown as NodeJS.Process[typeof name];
  }
  try {
    return await create();
  } finally {
    patched.forEach((name, i) => (own[i] ? Object.defineProperty(process, name, own[i]) : delete process[name]));
  }
}

/** How long a backend the harness did not start may take to answer its readiness path. */
const UNSTARTED_TARGET_WAIT_MS = 5_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A URL as is; a path that is not a file, on the backend ("/openapi.json"); otherwise a file (file:// when a config file named it). */
export function openApiSource(where: string, baseUrl: string): OpenApiSource {
  if (/^https?:\/\//.test(where)) return { url: where };
  const file = where.startsWith('file:') ? fileURLToPath(where) : path.resolve(where);
  if (where.startsWith('/') && !existsSync(file)) return { url: targetUrl(baseUrl, where).toString() };
  if (!existsSync(file)) throw new HarnessError('CONFIG_INVALID', `target.openapi: no file ${file}`, { hint: 'give a path on the backend starting with "/", a URL, or an existing file' });
  return { file };
}

/** Labs need the harness to start the backend (a second one per lab); with --jobs 1 they run one at a time. */
function labsPlan(config: ResolvedConfig, issuer: RunIssuer): { used: boolean; why?: string } {
  if (!projectsFor(config).includes('jwks')) return { used: false, why: 'no check of the JWKS family is selected' };
  if (!config.target.start) return { used: false, why: 'the harness does not start the backend (no target.start), so it cannot start one per lab: the JWKS checks run one at a time' };
  if (!issuer.profile.capabilities.includes('keys')) return { used: false, why: `the ${issuer.profile.mode} issuer mode has no keys of the harness's own to give each lab` };
  return { used: true };
}

/** What the run can do: what the issuer mode provides, and a cold start when the harness starts the backend. */
function runProfile(config: ResolvedConfig, issuer: RunIssuer): IssuerProfile {
  return { ...issuer.profile, capabilities: [...issuer.profile.capabilities, ...(config.target.start ? (['restart-backend'] as Capability[]) : [])] };
}

/** The secrets the config holds, whatever their length: the accounts' passwords, and the shared HS256 secret (a human-chosen one is as guessable as a password: a marker, no fingerprint). */
function configuredSecrets(config: ResolvedConfig): (KnownSecret & { always: true })[] {
  return [
    ...(config.issuer.users ?? []).map((u) => ({ value: u.password, kind: 'password' as const, always: true as const })),
    ...(config.issuer.secret ? [{ value: config.issuer.secret, kind: 'password' as const, always: true as const }] : []),
    ...(config.issuer.token ? [{ value: config.issuer.token, kind: 'credential' as const, always: true as const }] : []),
  ];
}

/** What the phases of one run share: its settings, its identity and what it has started. */
interface RunContext {
  config: ResolvedConfig;
  log: (line: string) => void;
  runId: string;
  ledger: string;
  startedAt: Date;
  problems: string[];
  collector: CheckCollector;
  halter: Halter;
  redactor: Redactor;
  phasesMs: { issuer: number; target: number; labs: number; checks: number };
  jobs: number;
  /** Whether the checks that ask for labs get them, and why not. */
  labs: { used: boolean; why?: string };
  /** The backend's clock as its Date header showed it, once it answered. */
  clock?: BackendClock;
  /** What the run started and must stop: the issuer, the backend (replaced on a restart), the control server, the labs. */
  started: { issuer?: RunIssuer; target?: LaunchedTarget; control?: ControlServer; pool?: LabPool };
}

/** Times a phase into phasesMs. */
async function timed<T>(ctx: RunContext, phase: keyof RunContext['phasesMs'], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    ctx.phasesMs[phase] = Math.round(performance.now() - started);
  }
}

export async function runConformance(config: ResolvedConfig, log: (line: string) => void, progress?: Progress): Promise<RunOutcome> {
  // What reaches the console is redacted as the reports are, and loses control characters (an
  // external issuer's iss, a backend's output).
  const redactor = new Redactor(configuredSecrets(config));
  const print = log;
  log = (line) => print(inert(redactor.text(line)));
  // Notices name settings and where they came from, never a value: shown as they are (redacting would mangle "issuer.token (…)").
  for (const notice of config.notices ?? []) print(inert(`config: ${notice}`));
  const openapi = config.target.openapi ? openApiSource(config.target.openapi, config.target.baseUrl) : undefined;
  // Read before anything starts: a broken baseline must not cost a whole run.
  const waivers: Waiver[] | undefined = config.report.baseline ? await loadBaseline(config.report.baseline) : undefined;
  const outDir = path.resolve(config.report.outDir);
  const releaseLock = lockOutDir(outDir);
  const collector = new CheckCollector(progress);
  const problems: string[] = [];
  const ctx: RunContext = {
    config,
    log,
    runId: randomUUID().slice(0, 8),
    // Where every process notes the resources it creates on the backend, for the clean-up to delete (leftovers.ts).
    ledger: createLedger(),
    startedAt: new Date(),
    problems,
    collector,
    halter: new Halter(collector, problems, log),
    redactor,
    phasesMs: { issuer: 0, target: 0, labs: 0, checks: 0 },
    jobs: config.run.jobs ?? defaultJobs(),
    labs: { used: false },
    started: {},
  };
  // Filled as the judging goes: a partial report keeps what had been judged when something threw.
  const judged: Judged = { records: [], requests: 0 };
  const finish = () => writeRun(ctx, judged, { outDir, waivers });
  try {
    const issuer = await ctx.halter.unlessHalted(timed(ctx, 'issuer', () => startRunIssuer(config, log)));
    ctx.started.issuer = issuer;
    ctx.labs = labsPlan(config, issuer);
    if (config.target.start) await startBackendAndLabs(ctx, issuer);
    else await backendAnswering(ctx);
    ctx.clock = await measureClock(config.target.baseUrl, config.target.readinessPath, config.target.timeoutMs, config.target.maxRps);
    const clockNote = describeClock(ctx.clock);
    if (clockNote) log(`clock: ${clockNote}`);
    const attacker = await attackerFor(ctx, issuer);
    await runFamilies(ctx, providedRun(ctx, issuer, attacker, openapi));
    await judge(ctx, judged);
  } catch (err) {
    if (!(err instanceof RunHalted)) {
      problems.push(`the run stopped early: ${(err as Error).message}`);
      await stopStarted(ctx, releaseLock);
      const partial = await finish();
      // The CLI prints the message (or the stack): redacted, as the report that quotes it.
      const error = err as Error;
      error.message = redactor.text(error.message);
      if (error.stack) error.stack = redactor.text(error.stack);
      throw Object.assign(error, { partial });
    }
    const { halted } = ctx.halter;
    if (halted && !halted.backendExit) problems.push(`${halted.reason} while the harness was starting up; no check ran`);
  }
  // Halted or not, the report comes first, then everything started is removed: also when writing the
  // report fails (a full disk, an unwritable file), or staging keeps what the run created.
  try {
    return await finish();
  } finally {
    await stopStarted(ctx, releaseLock);
  }
}

/** Starts the backend from its command and, when the checks get labs, the first lab and the control routes (restart, labs). */
async function startBackendAndLabs(ctx: RunContext, issuer: RunIssuer): Promise<void> {
  const { config, log, halter, started, jobs } = ctx;
  log(`starting the backend: ${config.target.start}`);
  const launch: LaunchOptions = {
    command: config.target.start!,
    baseUrl: config.target.baseUrl,
    readinessPath: config.target.readinessPath,
    readinessTimeoutMs: config.target.readinessTimeoutMs,
    requestTimeoutMs: config.target.timeoutMs,
    ...(config.target.cwd ? { cwd: config.target.cwd } : {}),
    env: issuer.backendEnv,
  };
  if (ctx.labs.used) {
    started.pool = new LabPool({
      jobs,
      baseUrl: config.target.baseUrl,
      // The lab's issuer like the run's, on a loopback port of its own (never the run's public URL); its
      // users have their own seed; no alternate key (only SIG-ALG-NOT-ALLOWED, outside the labs, uses it).
      // The run's second issuer (issuer.second) serves every lab, and mints for the run's audience: a
      // lab's issuer then does too (one API trusting two issuers), or the lab's backend would refuse the second's tokens.
      startIssuer: (index) =>
        startRunIssuer(
          {
            ...config,
            issuer: { ...config.issuer, port: undefined, host: undefined, publicUrl: undefined, second: undefined, secondPort: undefined, ...(issuer.second ? { audience: issuer.handle.audience } : {}) },
            ...(config.seed !== undefined ? { seed: (config.seed + index) % 2 ** 32 } : {}),
          },
          () => {},
          { alternateKey: false },
        ),
      launchOptions: (baseUrl, env) => ({ ...launch, baseUrl, env: { ...env, ...issuer.second?.backendEnv } }),
      control: () => started.control!.connection,
    });
  }
  started.target = await halter.unlessHalted(timed(ctx, 'target', () => halter.launchWatched(launch)));
  // The first lab, once the backend holds its port: proof that the command starts a second one
  // on another port (a command that hard-codes the port fails here, and the checks run one at a time).
  const pool = started.pool;
  const refused = pool ? await halter.unlessHalted(timed(ctx, 'labs', () => pool.probe().then(() => undefined, (err: unknown) => (err as Error).message))) : undefined;
  if (pool && refused === undefined) log(`labs: the JWKS checks run side by side, each with an issuer and a backend of its own, up to ${jobs} at once (--jobs)`);
  if (pool && refused !== undefined) {
    ctx.labs = { used: false, why: `a second backend did not start on another port (${refused.split('\n')[0]}); let target.start take its port from {port} or $PORT` };
    log(`labs: ${ctx.labs.why}; the JWKS checks run one at a time`);
    await pool.close();
    started.pool = undefined;
  }
  const routes: ControlRoutes = {
    // The JWKS checks restart it for a cold start (an empty key cache).
    'POST /restart': restartRoute(async ({ anyStatus }) => {
      if (halter.halted) throw new Error(`not restarted: ${halter.halted.reason}`);
      await started.target?.stop();
      started.target = undefined;
      started.target = await halter.launchWatched({ ...launch, ...(anyStatus ? { anyStatus } : {}) });
    }),
    ...started.pool?.routes(),
  };
  started.control = await serveControl(routes);
}

/** Nothing to start: the backend must already be up, or every check would be a misleading ERROR. */
async function backendAnswering({ config, halter }: RunContext): Promise<void> {
  await halter.unlessHalted(waitUntilAnswering(config.target.baseUrl, config.target.readinessPath, UNSTARTED_TARGET_WAIT_MS, { requestTimeoutMs: config.target.timeoutMs })).catch((err: unknown) => {
    if (err instanceof RunHalted) throw err;
    throw new HarnessError('TARGET_UNREACHABLE', `the backend at ${config.target.baseUrl} does not answer: ${(err as Error).message}`, {
      hint: 'let the harness start it with --start "<command>" (it gets JWKS_URL, JWT_ISSUER, JWT_AUDIENCE), or start it yourself trusting an issuer on a fixed port (issuer.port in conformance.config.ts)',
    });
  });
}

/** The checks that pass on no request reaching the attacker listener decide nothing where the backend cannot reach it. */
async function attackerFor({ config, log }: RunContext, issuer: RunIssuer): Promise<AttackerReach> {
  const configured = attackerReach(config);
  const attacker = await probeReach(configured).catch((err: unknown) => {
    throw new HarnessError('CONFIG_INVALID', `the attacker listener cannot listen on ${configured.host}: ${(err as Error).message}`, { hint: 'set attacker.host to an address of this machine (default 127.0.0.1)' });
  });
  // The backend's JWKS fetches may still decide each check (harness/checks/suite.ts): say so rather than warn of SKIPs that may not come.
  const byFetches = attacker.fetchesDecide && issuer.profile.capabilities.includes('fetch-log');
  if (!attacker.reachable && byFetches) log(`attacker: by the configuration, the backend may not reach the listener at ${attacker.advertisedHost} (${attacker.why}); where its JWKS fetches come from decides each check that passes on no request reaching it: over this machine's loopback, decided; otherwise SKIP unless it fails (${attacker.fix})`);
  else if (!attacker.reachable) log(`attacker: WARNING: ${attacker.why}; the checks that pass on no request reaching it (a jku or x5u URL not fetched) are SKIP unless they fail: ${attacker.fix}`);
  else if (config.attacker.publicUrl) log(`attacker: listeners bound on ${attacker.host}, reached at http://${attacker.advertisedHost}:<port> (attacker.publicUrl)`);
  return attacker;
}

/**
 * I/O-bound: more family files in flight than cores; with labs, the JWKS family has a worker of its own.
 * A run narrowed by --only to one family (a developer's rerun of SIG-ALG-NONE) has one: each worker
 * loads the harness (about 0.7 CPU-s), more than the few checks it would run beside the first cost.
 */
const workersOf = (ctx: RunContext) => (familiesNamed(ctx.config.only) === 1 ? 1 : SUITE_WORKERS) + (ctx.labs.used ? 1 : 0);

/** How many families an --only list names (IDs start with their family: SIG-ALG-NONE); Infinity when a prefix may span several. */
function familiesNamed(only: string[] | undefined): number {
  if (!only?.length || !only.every((prefix) => /^[A-Z0-9]+-/.test(prefix))) return Infinity;
  return new Set(only.map((prefix) => prefix.split('-')[0])).size;
}

/** What every check's worker gets of the run (Vitest's provide: serializable). */
function providedRun(ctx: RunContext, issuer: RunIssuer, attacker: AttackerReach, openapi: OpenApiSource | undefined): ProvidedRun {
  const { config, started, runId, jobs } = ctx;
  const { control, pool } = started;
  const workers = workersOf(ctx);
  return {
    runId,
    ledger: ctx.ledger,
    ...(config.only?.length ? { only: config.only } : {}),
    ...(config.skip?.length ? { skip: config.skip } : {}),
    issuer: issuer.connection,
    // What the mode provides, and a cold start when the harness starts the backend.
    profile: runProfile(config, issuer),
    jwks: config.jwks,
    attacker,
    resources: config.resources,
    ...(openapi ? { openapi } : {}),
    ...(control ? { targetControl: { ...control.connection, readinessTimeoutMs: config.target.readinessTimeoutMs } } : {}),
    ...(pool && control ? { labs: { control: control.connection, jobs } } : {}),
    ...(issuer.alternateKey ? { alternateKey: issuer.alternateKey } : {}),
    ...(issuer.second ? { secondIssuer: issuer.second.connection } : {}),
    target: {
      baseUrl: config.target.baseUrl,
      protectedPath: config.target.protectedPath,
      identityPath: config.target.identityPath,
      identitySubject: config.target.identitySubject,
      timeoutMs: config.target.timeoutMs,
      concurrency: config.target.concurrency,
      rejectStatuses: config.target.rejectStatuses,
      clockOffsetS: ctx.clock?.appliedOffsetS ?? 0,
      ...(config.target.algorithms ? { algorithms: config.target.algorithms } : {}),
      // Each worker paces itself: together they stay under target.maxRps.
      ...(config.target.maxRps !== undefined ? { maxRps: config.target.maxRps / workers } : {}),
      runId,
      toolVersion: pkg.version,
    },
  };
}

/** Runs the families in Vitest (the `suites` and `jwks` projects); a halt stops waiting for them. */
async function runFamilies(ctx: RunContext, provided: ProvidedRun): Promise<void> {
  const { config, halter, problems, collector } = ctx;
  const names = (prefixes: string[]) => prefixes.map(escape).join('|');
  const only = config.only?.length || config.skip?.length
    ? new RegExp(`^${config.skip?.length ? `(?!${names(config.skip)})` : ''}(${config.only?.length ? names([...config.only, 'CTL-PERSIST']) : ''})`)
    : undefined;
  await timed(ctx, 'checks', async () => {
    // As startVitest prepares it (the suites may read these).
    process.env.TEST = 'true';
    process.env.VITEST = 'true';
    process.env.NODE_ENV ??= 'test';
    const vitest = await withoutNewSignalHandlers(() => createVitest('test', {
      root: CODE_ROOT,
      config: false,
      // Two groups, one after the other: every family at once, then the JWKS family alone (it
      // rotates keys, breaks the JWKS and restarts the backend, and counts fetches).
      projects: suiteProjects({ labs: ctx.labs.used }),
      project: projectsFor(config),
      watch: false,
      maxWorkers: workersOf(ctx),
      reporters: [collector],
      ...SUITES_MODULE_CACHE,
      provide: { conformance: provided },
      ...(only ? { testNamePattern: only } : {}),
    }, SUITES_VITE));
    const ran = vitest.start([]).then(
      () => true,
      (err: unknown) => {
        problems.push(`the checks could not run: ${(err as Error).message}`);
        return true;
      },
    );
    if (await Promise.race([ran, halter.requested.then(() => false)])) return vitest.close();
    // Halted: in-flight checks are not awaited (their results would not be believed anyway).
    void vitest.cancelCurrentRun('keyboard-input').catch(() => {});
  });
}

interface Judged {
  records: CheckRecord[];
  /** Every exchange sent to the backends under test, labs included (counted before the run-wide checks, which quote them). */
  requests: number;
}

/** The records as reported: what was decided before a halt, the unproven distrusted, the run-wide checks, causes linked. */
async function judge(ctx: RunContext, out: Judged): Promise<void> {
  const { config, halter, problems, collector, started } = ctx;
  // The backend the harness started must have lived through the checks it answered.
  if (!halter.halted && started.target && !started.target.alive()) halter.backendExited(started.target.unexpectedExit() ?? { code: null, signal: null, output: '', describe: 'unknown exit' });
  const { halted, frozen } = halter;
  const died = halted?.backendExit;
  let records: CheckRecord[];
  if (halted) {
    const notStarted = await selectedButAbsent([...frozen!.records, ...frozen!.unfinished], config, halted.reason);
    records = [...frozen!.records, ...frozen!.unfinished, ...(notStarted ?? [])];
    const unfinished = frozen!.unfinished.length + (notStarted?.length ?? 0);
    problems.push(`${halted.reason}: ${unfinished} checks had not finished and are ERROR${notStarted ? '' : '; checks of families that had not started are not listed'}`);
  } else {
    records = collector.records;
    problems.push(...collector.problems);
  }
  out.records = records;
  records = sayWhenUnanswered(distrustUnproven(records));
  if (died) records = noFindingWithoutAnswer(records, `the backend exited (${died.describe})`);
  records = mergeById(records);
  out.records = records;
  out.requests = runTraffic(records).requests; // before the run-wide checks, which quote exchanges
  const scope = { selective: Boolean(config.only?.length || config.skip?.length), halted: Boolean(halted) };
  if (records.length > 0) {
    const runWide = [noServerErrors(records, scope), challengeOnRejection(records, scope), noLeaks(records, scope)];
    // Judged over part of the run only: what was not sent cannot be vouched for.
    records.push(...(halted ? runWide.map((r) => (r.verdict === 'PASS' ? { ...r, verdict: 'ERROR' as const, observed: `interrupted: ${halted.reason}; so far ${r.observed}` } : r)) : runWide));
  }
  records = linkCauses(records);
  // A typo in --only must not turn a CI gate green with nothing tested.
  for (const prefix of halted ? [] : (config.only ?? [])) {
    if (!records.some((r) => r.id.startsWith(prefix))) problems.push(`--only ${prefix} matched no check (IDs look like SIG-ALG-NONE; \`ba-conformance list\` prints them)`);
  }
  if (records.length === 0) problems.push('no check ran');
  out.records = records;
}

/** Everything the run started, stopped: its resources on the backend deleted first (through the backend), then the processes. */
async function stopStarted(ctx: RunContext, releaseLock: () => void): Promise<void> {
  const { halter, started, log } = ctx;
  halter.stopListening();
  try {
    // Before the backend stops: deleting the run's resources goes through it.
    await removeLeftovers(started.issuer?.handle, ctx.ledger, ctx.config, ctx.runId, log).catch((err: unknown) => log(`clean-up: WARNING: ${inertLine((err as Error).message)}`));
    await started.control?.close({ now: Boolean(halter.halted) });
    await started.pool?.close();
    await started.target?.stop();
    // Both, whatever the other's stop does (a Docker error); then its error, as before.
    const stopped = await Promise.allSettled([started.issuer?.handle.stop(), started.issuer?.second?.handle.stop()]);
    const failed = stopped.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // After a signal, cleanup.ts also stops what a phase abandoned mid-start (a container being created).
    if (halter.halted?.signal) await halter.stoppedAfterSignal;
  } finally {
    removeLedger(ctx.ledger);
    releaseLock();
  }
}

/** Writes report.json and the other formats (redacted), and the unredacted copy when asked; returns the outcome. */
async function writeRun(ctx: RunContext, { records, requests }: Judged, { outDir, waivers }: { outDir: string; waivers: Waiver[] | undefined }): Promise<RunOutcome> {
  const { config, started, collector, redactor, log, problems } = ctx;
  const { halted } = ctx.halter;
  const { issuer, pool } = started;
  const finishedAt = new Date();
  // The traffic was counted for the run-wide checks and run.requests; the report keeps the evidence.
  const sorted = records.map(({ traffic: _, ...r }) => r).sort((a, b) => a.id.localeCompare(b.id));
  const waived = waivers
    ? applyWaivers(sorted, waivers, { baseUrl: config.target.baseUrl, file: config.report.baseline!, ...(config.only ? { only: config.only } : {}), ...(config.skip ? { skip: config.skip } : {}) })
    : undefined;
  const checks = waived?.checks ?? sorted;
  const unredacted: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: pkg.name, version: pkg.version, ...(config.report.catalogueUrl ? { catalogueUrl: config.report.catalogueUrl } : {}) },
    run: {
      id: ctx.runId,
      startedAt: ctx.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - ctx.startedAt.getTime(),
      seed: issuer?.handle.seed ?? null,
      phasesMs: ctx.phasesMs,
      requests,
      jobs: ctx.jobs,
      labs: { ...ctx.labs, ...(pool ? { peak: pool.peak } : {}) },
      interrupted: Boolean(halted),
      ...(halted?.signal ? { signal: halted.signal } : {}),
    },
    target: { baseUrl: config.target.baseUrl, protectedPath: config.target.protectedPath, identityPath: config.target.identityPath ?? null, started: Boolean(config.target.start), sarifLocation: config.report.sarifLocation, ...(ctx.clock ? { clock: ctx.clock } : {}) },
    issuer: issuer?.report ?? null,
    coverage: coverageOf(checks, issuer ? runProfile(config, issuer) : null),
    summary: summarize(checks),
    gate: { failOn: config.report.failOn, strict: config.report.strict },
    waivers: waived?.outcome ?? null,
    problems,
    checks,
  };
  // Every file and the console get the redacted copy; the checks judged the real exchanges.
  redactor.add([...collector.secrets, ...(issuer?.handle.sharedSecret ? [{ value: issuer.handle.sharedSecret, kind: 'credential' as const }] : [])]);
  const report = redactor.value(unredacted);
  const written = await writeReport(report, outDir);
  await writeFormats(report, outDir, config.report.formats, { reportSha256: written.sha256 });
  const kept = await keepUnredacted(unredacted, outDir, config.report.keepSecrets);
  if (kept) log(`--keep-secrets: WARNING: ${kept} holds live credentials (tokens, session cookies, passwords), readable by you only; keep it out of uploaded artifacts and delete it when done`);
  // Read again: a signal that came while the files were written still decides the exit code.
  const late = ctx.halter.halted;
  const signal = late?.signal;
  return { report, reportFile: written.file, exitCode: signal ? signalExitCode(signal) : exitCodeOf(report), ...(signal ? { signal } : {}), halted: Boolean(late) };
}
