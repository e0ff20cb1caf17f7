// Starts the backend under test from its start command, pointed at the harness issuer through
// JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS and BETTER_AUTH_URL, and given its port as PORT
// (and in place of {port} in the command); waits until it answers;
// watches it for the rest of the run; stops it and every process it started (its process group).
// A port that already answers before the start is refused: the run would test whatever holds it.
import { spawn } from 'node:child_process';
import { request } from 'undici';
import { HarnessError } from '../errors.js';
import { trackForCleanup } from '../issuer/cleanup.js';
import { OutputTail } from '../issuer/runtime.js';
import { portAnswers } from '../net.js';
import { pollUntil } from '../poll.js';
import { inert } from '../text.js';

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
  /** Called once if the process exits without being asked to (a crash, a failed bind, a kill). */
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

/** Host and port a base URL listens on. */
export function endpointOf(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

export async function launchTarget(options: LaunchOptions): Promise<LaunchedTarget> {
  const { host, port } = endpointOf(options.baseUrl);
  if (await portAnswers(host, port)) {
    throw new HarnessError('TARGET_PORT_TAKEN', `port ${port} (${options.baseUrl}) already answers before the backend was started: another server holds it, and the run would test that server instead`, {
      hint: `stop what listens on port ${port} (\`ss -ltnp 'sport = :${port}'\` names it), or give the backend a free port in --target and --start; to test a backend you started yourself, leave out --start`,
    });
  }
  // Its own process group, so that stopping it also stops what it spawned (npm, tsx, uvicorn workers).
  const child = spawn('/bin/sh', ['-c', commandOnPort(options.command, port)], {
    cwd: options.cwd,
    env: { ...process.env, PORT: String(port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail = new OutputTail();
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => tail.push(inert(l))));
  child.on('error', (err) => tail.push(`(could not start /bin/sh: ${err.message})`));
  let asked = false;
  let unexpected: TargetExit | undefined;
  const exited = new Promise<TargetExit>((resolve) =>
    child.once('exit', (code, signal) => {
      const exit = { code, signal, output: tail.toString(), describe: describeExit(code, signal) };
      if (!asked) {
        unexpected = exit;
        options.onUnexpectedExit?.(exit);
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
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      asked = true;
      if (!gone && child.pid !== undefined) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      if (child.pid !== undefined) signalGroup('SIGKILL'); // anything of the group that outlived its leader
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
  const url = new URL(path, baseUrl).toString();
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
