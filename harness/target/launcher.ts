// Starts the backend under test from its start command, pointed at the harness issuer through
// JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS and BETTER_AUTH_URL, and given its port as PORT
// (and in place of {port} in the command); waits until it answers;
// watches it for the rest of the run; stops it and every process it started (its process group).
// A port that already answers before the start is refused: the run would test whatever holds it.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { HarnessError } from '../errors.js';
import { trackForCleanup } from '../issuer/cleanup.js';
import { OutputTail } from '../issuer/runtime.js';
import { portAnswers } from '../net.js';
import { pollUntil } from '../poll.js';
import { inert } from '../text.js';
import { targetUrl } from './origin.js';
import { describeProcesses, groupMembers, guardGroup, listenersOf, type ProcessInfo } from './processes.js';

export interface LaunchOptions {
  command: string;
  baseUrl: string;
  readinessPath: string;
  readinessTimeoutMs: number;
  /** Each readiness request's own timeout (the run's per-request timeout; default 5 s). */
  requestTimeoutMs?: number;
  env: Record<string, string>;
  cwd?: string;
  /** Ready on any answer, 5xx included (a backend that reports itself degraded while its JWKS is down). */
  anyStatus?: boolean;
  /** Called once if the process exits, after it became ready, without being asked to (a crash, a kill). */
  onUnexpectedExit?: (exit: TargetExit) => void;
}

export interface TargetExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Its last lines of output, quoted (control characters removed). */
  output: string;
  /** "exit code 7" or "signal SIGKILL". */
  describe: string;
}

export interface LaunchedTarget {
  pid: number;
  /** False once the process has exited, asked to or not. */
  alive(): boolean;
  /** Set when it exited without being asked to. */
  unexpectedExit(): TargetExit | undefined;
  stop(): Promise<void>;
}

/** The start command for a backend on `port`: {port} replaced (PORT is in its environment too). */
function commandOnPort(command: string, port: number): string {
  return command.replaceAll('{port}', String(port));
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `signal ${signal}` : `exit code ${code}`);

/** How long a stopped backend's group gets to exit after SIGTERM, and then after SIGKILL. */
const STOP_GRACE_MS = 3_000;
const STOP_KILL_MS = 2_000;

/** The sessions (group leaders' pids) of every backend this process started, to tell its own leftovers from a squatter. */
const startedSessions = new Set<number>();
/** Processes that still held a backend's port after its group was gone (they left the group). */
const survivors = new Map<number, ProcessInfo>();

async function pollFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  return pollForAsync(async () => done(), timeoutMs);
}

async function pollForAsync(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + Math.max(0, timeoutMs);
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The port answers before the start: the harness's own leftover (say so, and who) or another server (say who, when we can). */
function portTaken(port: number, baseUrl: string): HarnessError {
  const holders = listenersOf(port);
  const own = holders.filter((h) => startedSessions.has(h.session) || survivors.has(h.pid));
  if (own.length > 0) {
    return new HarnessError('TARGET_PORT_TAKEN', `port ${port} (${baseUrl}) still answers: ${describeProcesses(own)}, started by this run's earlier start of the backend, did not exit when the harness stopped it`, {
      hint: 'the start command leaves a process behind that outlives its process group (a daemon, setsid, or a supervisor that restarts it); start the server in the foreground, ideally with `exec` so it is the process the harness signals',
    });
  }
  const who = holders.length > 0 ? `${describeProcesses(holders)} holds it` : 'another server holds it';
  return new HarnessError('TARGET_PORT_TAKEN', `port ${port} (${baseUrl}) already answers before the backend was started: ${who}, and the run would test that server instead`, {
    hint: `stop what listens on port ${port}${holders.length > 0 ? '' : ` (\`ss -ltnp 'sport = :${port}'\` names it)`}, or give the backend a free port in --target and --start; to test a backend you started yourself, leave out --start`,
  });
}

/** Host and port a base URL listens on. */
export function endpointOf(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

export async function launchTarget(options: LaunchOptions): Promise<LaunchedTarget> {
  const { host, port } = endpointOf(options.baseUrl);
  if (await portAnswers(host, port)) throw portTaken(port, options.baseUrl);
  // Its own process group, so that stopping it also stops what it spawned (npm, tsx, uvicorn workers).
  const child = spawn('/bin/sh', ['-c', commandOnPort(options.command, port)], {
    cwd: options.cwd,
    // Never the harness's own settings: BA_CONFORMANCE_* holds the staging accounts' passwords.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BA_CONFORMANCE_'))), PORT: String(port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail = new OutputTail();
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => tail.push(inert(l))));
  child.on('error', (err) => tail.push(`(could not start /bin/sh: ${err.message})`));
  let asked = false;
  let ready = false;
  let unexpected: TargetExit | undefined;
  const exited = new Promise<TargetExit>((resolve) =>
    child.once('exit', (code, signal) => {
      const exit = { code, signal, output: tail.toString(), describe: describeExit(code, signal) };
      if (!asked) {
        unexpected = exit;
        // Before it was ready, the exit is this launch's failure, which it throws; after, nobody else would see it.
        if (ready) options.onUnexpectedExit?.(exit);
      }
      resolve(exit);
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  if (child.pid !== undefined) startedSessions.add(child.pid);
  // However the harness dies, the group dies with it (SIGKILL and the OOM killer skip every handler).
  const watchdog = child.pid !== undefined ? guardGroup(child.pid) : undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      asked = true;
      if (child.pid !== undefined) {
        // The whole group gets SIGTERM and time to exit; the leader exiting is not the end of it
        // (sh -> npm exec -> next-server: the server may outlive the two above it by seconds).
        signalGroup('SIGTERM');
        const deadline = Date.now() + STOP_GRACE_MS;
        // Unreferenced: a backend that exited at once must not hold the harness's exit for the grace time.
        await Promise.race([exited, sleep(STOP_GRACE_MS, undefined, { ref: false })]);
        await pollFor(() => groupMembers(child.pid!).length === 0, deadline - Date.now());
        signalGroup('SIGKILL'); // whatever did not take the hint
        await exited;
        await pollFor(() => groupMembers(child.pid!).length === 0, STOP_KILL_MS);
        // Stopped means the port is free again: a process that left the group (setsid) may still hold it.
        if (!(await pollForAsync(async () => !(await portAnswers(host, port, 200)), STOP_KILL_MS))) {
          for (const holder of listenersOf(port)) survivors.set(holder.pid, holder);
        }
        watchdog?.disarm();
      }
      untrack();
    })());
  const untrack = trackForCleanup({ stop, killNow: () => signalGroup('SIGKILL') });

  try {
    // The exit of the start command ends the wait at once: no point polling a port nobody will open.
    const gaveUp = new AbortController();
    await Promise.race([
      waitUntilAnswering(options.baseUrl, options.readinessPath, options.readinessTimeoutMs, { anyStatus: options.anyStatus, requestTimeoutMs: options.requestTimeoutMs, signal: gaveUp.signal }),
      exited.then((exit) => {
        gaveUp.abort();
        throw new Error(`the start command exited (${exit.describe}) before ${options.baseUrl} answered`);
      }),
    ]);
    if (gone) throw new Error(`the start command exited (${unexpected?.describe ?? 'unknown'}) while another process answered at ${options.baseUrl}`);
    ready = true;
  } catch (err) {
    await stop();
    throw new HarnessError('TARGET_UNREACHABLE', `the backend did not become ready: ${(err as Error).message}; its last output:\n${tail}`, {
      hint: `check the start command and that it listens at ${options.baseUrl} (readiness probe: GET ${options.readinessPath}; target.readinessTimeoutMs waits ${options.readinessTimeoutMs} ms, --timeout bounds each probe)`,
    });
  }
  return { pid: child.pid!, alive: () => !gone, unexpectedExit: () => unexpected, stop };
}

export interface ReadinessOptions {
  /** Ready on any answer, 5xx included. */
  anyStatus?: boolean | undefined;
  /** Each probe's timeout (default 5 s): a slow /health is slow, not down. */
  requestTimeoutMs?: number | undefined;
  /** Stops polling (the process awaited exited): nothing keeps probing, or keeps the process alive, after that. */
  signal?: AbortSignal | undefined;
}

/** Polls GET <baseUrl><path> until it answers below 500 (or at all, with `anyStatus`). */
export async function waitUntilAnswering(baseUrl: string, path: string, timeoutMs: number, options: ReadinessOptions = {}): Promise<void> {
  const url = targetUrl(baseUrl, path).toString();
  const probeMs = options.requestTimeoutMs ?? 5_000;
  await pollUntil(
    async () => {
      const res = await request(url, { headersTimeout: probeMs, bodyTimeout: probeMs, signal: AbortSignal.timeout(probeMs) });
      await res.body.dump();
      if (options.anyStatus || res.statusCode < 500) return true;
      // Thrown, so a timeout names the latest answer rather than an older refused connection.
      throw new Error(`GET ${url} answered ${res.statusCode}`);
    },
    { timeoutMs, intervalMs: 100, what: `${url} to answer`, signal: options.signal },
  );
}
