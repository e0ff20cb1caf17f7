// target.maxRps: requests to the backend are spaced so that this process sends at most its share
// per second. One pacer per process, shared by every client in it: the run's worker processes each
// get maxRps divided by their number (run.ts), so together they never exceed it.
import { setTimeout as delay } from 'node:timers/promises';

let next = 0;

/** Waits for this process's next send slot at `perSecond`. */
export async function pace(perSecond: number): Promise<void> {
  const now = performance.now();
  const at = Math.max(now, next);
  next = at + 1000 / perSecond;
  if (at > now) await delay(at - now);
}

/** A storm of `n` requests cut to what `maxRps` allows in `seconds` (at least `floor`), so a rate-limited run still finishes. */
export function scaledToRate(n: number, maxRps: number | undefined, seconds = 10, floor = 10): number {
  return maxRps === undefined ? n : Math.min(n, Math.max(floor, Math.floor(maxRps * seconds)));
}
