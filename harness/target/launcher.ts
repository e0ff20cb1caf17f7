// Starts the backend under test from its start command, pointed at the harness issuer through
// JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS and BETTER_AUTH_URL; waits until it answers;
// stops it and every process it started (its process group) at the end.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { HarnessError } from '../errors.js';
import { trackForCleanup } from '../issuer/cleanup.js';
import { OutputTail } from '../issuer/runtime.js';
import { pollUntil } from '../poll.js';

export interface LaunchOptions {
  command: string;
  baseUrl: string;
  readinessPath: string;
  readinessTimeoutMs: number;
  env: Record<string, string>;
  cwd?: string;
  /** Ready on any answer, 5xx included (a backend that reports itself degraded while its JWKS is down). */
  anyStatus?: boolean;
}

export interface LaunchedTarget {
  pid: number;
  stop(): Promise<void>;
}

export async function launchTarget(options: LaunchOptions): Promise<LaunchedTarget> {
  // Its own process group, so that stopping it also stops what it spawned (npm, tsx, uvicorn workers).
  const child = spawn('/bin/sh', ['-c', options.command], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail = new OutputTail();
  for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => tail.push(l)));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
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
      if (!gone) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      signalGroup('SIGKILL'); // anything of the group that outlived its leader
      untrack();
    })());
  const untrack = trackForCleanup({ stop, killNow: () => signalGroup('SIGKILL') });

  try {
    await waitUntilAnswering(options.baseUrl, options.readinessPath, options.readinessTimeoutMs, () => gone, options.anyStatus);
  } catch (err) {
    const exitedEarly = gone ? `the start command exited (${child.exitCode ?? child.signalCode})` : `${(err as Error).message}`;
    await stop();
    throw new HarnessError('TARGET_UNREACHABLE', `the backend did not become ready: ${exitedEarly}; its last output:\n${tail}`, {
      hint: `check the start command and that it listens at ${options.baseUrl} (readiness probe: GET ${options.readinessPath})`,
    });
  }
  return { pid: child.pid!, stop };
}

/** Polls GET <baseUrl><path> until it answers below 500 (or at all, with `anyStatus`); `gaveUp` ends the wait early (the process died). */
export async function waitUntilAnswering(baseUrl: string, path: string, timeoutMs: number, gaveUp: () => boolean = () => false, anyStatus = false): Promise<void> {
  const url = new URL(path, baseUrl).toString();
  await pollUntil(
    async () => {
      if (gaveUp()) throw new Error('the start command exited');
      const res = await request(url, { headersTimeout: 1_000, bodyTimeout: 1_000, signal: AbortSignal.timeout(1_000) });
      await res.body.dump();
      return anyStatus || res.statusCode < 500 ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `${url} to answer` },
  );
}
