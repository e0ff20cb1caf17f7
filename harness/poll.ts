// Waiting without fixed sleeps: poll a condition until it holds or a deadline passes.
import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  what: string;
  /** Stops the polling (the caller no longer waits: e.g. the process being awaited exited). */
  signal?: AbortSignal | undefined;
}

/** Calls `probe` until it returns a value other than undefined; rethrows nothing, times out with the last error. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new Error(`stopped waiting for ${options.what}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}`);
    }
    await delay(options.intervalMs ?? 50);
  }
}
