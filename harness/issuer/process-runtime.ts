// Runs the bundled issuer app as a child process of the harness.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { HarnessError } from '../errors.js';
import type { IssuerBundle } from './bundle.js';
import { trackForCleanup } from './cleanup.js';
import { ENV } from './protocol.js';
import type { IssuerAppConfig } from './protocol.js';
import { OutputTail, readyEventFrom } from './runtime.js';
import type { IssuerRuntime, ReadyEvent } from './runtime.js';

const STOP_GRACE_MS = 3_000;

export async function startProcessIssuer(
  bundle: IssuerBundle,
  config: IssuerAppConfig,
  adminToken: string,
  startupTimeoutMs: number,
): Promise<IssuerRuntime> {
  const child = spawn(process.execPath, [bundle.file], {
    // A clean environment: nothing of the harness's (NODE_OPTIONS loaders, NODE_ENV) leaks in.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      [ENV.config]: JSON.stringify(config),
      [ENV.adminToken]: adminToken,
      [ENV.exitWithStdin]: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Not events.once: it rejects on 'error' (a failed spawn), and nothing here would handle that.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  const tail = new OutputTail();
  child.on('error', (err) => tail.push(`(process error: ${err.message})`)); // never an uncaught 'error' event
  createInterface({ input: child.stderr }).on('line', (line) => tail.push(line));
  const stdout = createInterface({ input: child.stdout });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  const untrack = trackForCleanup({ stop, killNow: () => child.kill('SIGKILL') });
  void exited.then(untrack);

  const ready = await new Promise<ReadyEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(startError(`did not become ready within ${startupTimeoutMs} ms`, tail));
    }, startupTimeoutMs);
    stdout.on('line', (line) => {
      const event = readyEventFrom(line);
      if (event) {
        clearTimeout(timer);
        resolve(event);
      } else tail.push(line);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(startError(`could not be spawned: ${err.message}`, tail));
      untrack();
    });
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(startError(`exited during start-up (${signal ?? `code ${code}`})`, tail));
    });
  });
  // After start-up the app's stdout is only read to keep the pipe drained.
  stdout.removeAllListeners('line');
  stdout.on('line', () => {});

  return {
    mode: 'process',
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${ready.port}`,
    ready,
    id: String(child.pid),
    stop: async () => {
      await stop();
      untrack();
    },
  };
}

function startError(what: string, tail: OutputTail): HarnessError {
  return new HarnessError('ISSUER_START_FAILED', `the issuer process ${what}; its last output:\n${tail}`, {
    hint: 'run `npx ba-conformance issuer --mode process` to see the issuer on its own',
  });
}
