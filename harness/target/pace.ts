// target.maxRps: requests to the backend are spaced so that no window of one second holds more than
// this process's share of them. One pacer per worker, shared by every client in it: the run's workers
// each get maxRps divided by their number (run.ts), so together they never exceed it. A sliding window
// of the times requests were released, not a fixed interval: a timer that fires late must not let the
// next requests crowd into the same second.
import { setTimeout as delay } from 'node:timers/promises';

/** Added to the window: a request released at the end of one second may reach the backend in the next. */
const DELIVERY_MARGIN_MS = 50;

/** Release times of the latest requests (performance.now()). */
const released: number[] = [];
let queue: Promise<void> = Promise.resolve();

/** Waits for this worker's next send slot at `perSecond` (below 1: one request per 1/perSecond seconds). */
export function pace(perSecond: number): Promise<void> {
  const limit = Math.max(1, Math.floor(perSecond));
  const windowMs = (perSecond >= 1 ? 1000 : 1000 / perSecond) + DELIVERY_MARGIN_MS;
  const turn = queue.then(async () => {
    for (;;) {
      const oldest = released.length >= limit ? released[released.length - limit]! : undefined;
      const wait = oldest === undefined ? 0 : oldest + windowMs - performance.now();
      if (wait <= 0) break;
      await delay(wait);
    }
    released.push(performance.now());
    if (released.length > limit) released.splice(0, released.length - limit);
  });
  queue = turn;
  return turn;
}

/** A storm of `n` requests cut to what `maxRps` allows in `seconds` (at least `floor`), so a rate-limited run still finishes. */
export function scaledToRate(n: number, maxRps: number | undefined, seconds = 10, floor = 10): number {
  return maxRps === undefined ? n : Math.min(n, Math.max(floor, Math.floor(maxRps * seconds)));
}
