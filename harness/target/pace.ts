// target.maxRps: no window of one second, as the backend's clock sees it, holds more than this
// worker's share of requests. One pacer per worker, shared by every client in it: the run's workers
// each get maxRps divided by their number (run.ts), so together they never exceed it.
//
// The rule: a request goes out only while fewer than `limit` earlier ones are in flight or were
// answered less than a window ago. A request reaches the backend after it is sent and before its
// answer comes back, so any `limit + 1` arrivals span at least a window, however late a timer fires,
// however long a busy thread holds a request before writing it, or a busy backend reads it. (Spacing
// by the time requests were sent, as this once did, let a thread held up by other work send late and
// then at once: 11 arrivals in one second for a limit of 8 on a loaded CI machine.)
import { setTimeout as delay } from 'node:timers/promises';

/** When this worker's latest answers came (performance.now()), oldest first. */
const answered: number[] = [];
let inFlight = 0;
/** Woken when a request is answered: a sender waiting for a free place looks again. */
let onAnswer: (() => void) | undefined;
let queue: Promise<void> = Promise.resolve();

/** Sends with `send` once this worker's rate allows, at `perSecond` (below 1: one request per 1/perSecond seconds). */
export async function paced<T>(perSecond: number, send: () => Promise<T>): Promise<T> {
  const limit = Math.max(1, Math.floor(perSecond));
  const windowMs = perSecond >= 1 ? 1000 : 1000 / perSecond;
  // One sender at a time looks for a place, in the order they asked.
  const turn = queue.then(async () => {
    for (;;) {
      const now = performance.now();
      while (answered.length && answered[0]! + windowMs <= now) answered.shift();
      if (inFlight + answered.length < limit) break;
      const timer = new AbortController();
      const answer = new Promise<void>((resolve) => (onAnswer = resolve));
      const aged = answered.length ? delay(answered[0]! + windowMs - now, undefined, { signal: timer.signal }).catch(() => {}) : undefined;
      await (aged ? Promise.race([answer, aged]) : answer);
      timer.abort();
    }
    inFlight++;
  });
  queue = turn;
  await turn;
  try {
    return await send();
  } finally {
    inFlight--;
    answered.push(performance.now());
    onAnswer?.();
  }
}

/** A storm of `n` requests cut to what `maxRps` allows in `seconds` (at least `floor`), so a rate-limited run still finishes. */
export function scaledToRate(n: number, maxRps: number | undefined, seconds = 10, floor = 10): number {
  return maxRps === undefined ? n : Math.min(n, Math.max(floor, Math.floor(maxRps * seconds)));
}
