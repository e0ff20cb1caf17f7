// Whatever the harness starts (child processes, containers) is registered here, so that SIGINT,
// SIGTERM or SIGHUP stop it before the harness exits, and a plain exit still kills child processes.
// After a signal the process exits with 128 + the signal number, unless someone awaits
// `interrupted()`, in which case that caller decides what happens next (the CLI prints and exits 0).
// Counting other signal listeners cannot decide this: libraries (signal-exit) add their own.
import { constants } from 'node:os';

type Resource = { stop: () => Promise<void>; killNow?: () => void };

const live = new Set<Resource>();
const waiters: ((signal: NodeJS.Signals) => void)[] = [];
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const STOP_BUDGET_MS = 5_000;
let installed = false;
let handling = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (handling) return;
  handling = true;
  const stops = [...live].map((r) => r.stop().catch(() => {}));
  await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, STOP_BUDGET_MS).unref())]);
  if (waiters.length > 0) {
    for (const resolve of waiters.splice(0)) resolve(signal);
    handling = false;
    return;
  }
  process.exit(128 + (constants.signals[signal] ?? 0));
}

function onExit(): void {
  for (const r of live) r.killNow?.();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);
}

/** Registers a started resource; call the returned function once it is stopped. */
export function trackForCleanup(resource: Resource): () => void {
  install();
  live.add(resource);
  return () => live.delete(resource);
}

/** Resolves with the signal once one arrived and everything tracked has been stopped; the process then stays up. */
export function interrupted(): Promise<NodeJS.Signals> {
  install();
  return new Promise((resolve) => waiters.push(resolve));
}
