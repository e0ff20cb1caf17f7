// Whatever the harness starts (child processes, containers) is registered here, so that SIGINT,
// SIGTERM or SIGHUP stop it before the harness exits, and a plain exit still kills child processes.
// After a signal the process exits with 128 + the signal number, unless someone awaits
// `interrupted()` or listens with `onInterrupt()`: that caller decides what happens next (the
// issuer command prints and exits 0; a run writes its report and exits 128 + the signal number).
// Counting other signal listeners cannot decide this: libraries (signal-exit) add their own.
import { constants } from 'node:os';

type Resource = { stop: () => Promise<void>; killNow?: () => void };

const live = new Set<Resource>();
export interface Interruption {
  signal: NodeJS.Signals;
  /** False when something was still stopping after the budget ran out. */
  allStopped: boolean;
}

const waiters: ((interruption: Interruption) => void)[] = [];
const listeners = new Set<(signal: NodeJS.Signals) => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const STOP_BUDGET_MS = 5_000;
let installed = false;
let handling = false;

/** 128 + the signal's number, as shells report a process a signal ended: 130 SIGINT, 143 SIGTERM, 129 SIGHUP. */
export const signalExitCode = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 0);

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  // A second signal while stopping means "now": leave at once (the process's own exit kills children).
  if (handling) process.exit(signalExitCode(signal));
  handling = true;
  // Told first, before anything is stopped: a run stops deciding the moment the signal arrives.
  const owned = listeners.size > 0;
  for (const listener of listeners) {
    try {
      listener(signal);
    } catch {
      // a listener's failure must not keep the rest from stopping
    }
  }
  const stops = Promise.all([...live].map((r) => r.stop().catch(() => {}))).then(() => true);
  const allStopped = await Promise.race([stops, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_BUDGET_MS).unref())]);
  if (waiters.length > 0 || owned) {
    for (const resolve of waiters.splice(0)) resolve({ signal, allStopped });
    // Still "handling" when a listener owns the exit: a second signal exits at once.
    if (!owned) handling = false;
    return;
  }
  process.exit(signalExitCode(signal));
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

/** Resolves once a signal arrived and everything tracked was stopped (or the budget ran out); the process then stays up. */
export function interrupted(): Promise<Interruption> {
  install();
  return new Promise((resolve) => waiters.push(resolve));
}

/** Calls `listener` at once on the first SIGINT, SIGTERM or SIGHUP; while registered, the listener's owner exits the process. Returns the unregistration. */
export function onInterrupt(listener: (signal: NodeJS.Signals) => void): () => void {
  install();
  listeners.add(listener);
  return () => listeners.delete(listener);
}
