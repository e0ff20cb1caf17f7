// Whatever the harness starts (child processes, containers) is registered here, so that SIGINT,
// SIGTERM or SIGHUP stop it before the harness exits, and a plain exit still kills child processes.
type Resource = { stop: () => Promise<void>; killNow?: () => void };

const live = new Set<Resource>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const STOP_BUDGET_MS = 5_000;
let installed = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  // Counted now: a `once` listener of someone else's is gone by the time the stops have finished.
  const othersHandleIt = process.listenerCount(signal) > 1;
  const stops = [...live].map((r) => r.stop().catch(() => {}));
  await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, STOP_BUDGET_MS).unref())]);
  // When someone else (the CLI, a test runner) also handles the signal, leave the exit to them;
  // otherwise restore the default behaviour and die of the same signal.
  if (othersHandleIt) return;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

function onExit(): void {
  for (const r of live) r.killNow?.();
}

/** Registers a started resource; call the returned function once it is stopped. */
export function trackForCleanup(resource: Resource): () => void {
  if (!installed) {
    installed = true;
    for (const s of SIGNALS) process.on(s, onSignal);
    process.on('exit', onExit);
  }
  live.add(resource);
  return () => live.delete(resource);
}
