// The backend's clock, as its HTTP Date header shows it. Time-bound claims (exp, nbf, iat) are judged
// by the backend's clock, not this machine's: a backend 40 s behind accepts a token "expired 61 s
// ago" that its clock calls 21 s, and CLM-EXP-LEEWAY would report a policy it does not have. The Date
// header has a resolution of one second; several answers that straddle second boundaries narrow the
// offset to a fraction of it.
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { targetUrl } from './origin.js';

/** An offset below this is within what a Date header can tell (one second) and a second of margin: token times stay on this machine's clock. */
export const CLOCK_OFFSET_APPLIED_FROM_MS = 2_000;

/** Over a little more than a second: a live clock's Date advances at least once between them. */
const SAMPLES = 7;
/** Between samples: not a divisor of 1000 ms, so the answers fall at different points of the server's second. */
const SPACING_MS = 170;

export interface BackendClock {
  /** The backend's clock minus this machine's, in milliseconds (positive: the backend is ahead); absent when its answers carry no Date header. */
  offsetMs?: number;
  /** Half the width of the interval the answers leave for it. */
  uncertaintyMs?: number;
  /** Whole seconds added to "now" for every token time the checks set (0 below CLOCK_OFFSET_APPLIED_FROM_MS). */
  appliedOffsetS: number;
  /** How many answers carried a Date header. */
  samples: number;
  /** Why a measured offset was not applied (answers that disagree, a Date that never advanced, a cache's answer). */
  notApplied?: string;
}

interface Sample {
  sentAt: number;
  receivedAt: number;
  /** The Date header, in milliseconds (whole seconds). */
  date: number;
  /** The answer carried an Age header: a cache's copy, whose Date is not the backend's now. */
  cached: boolean;
}

/** Interval arithmetic over each answer: its Date (floored to the second) was stamped between sending and receiving. */
export function offsetFrom(samples: Pick<Sample, 'sentAt' | 'receivedAt' | 'date'>[]): Pick<BackendClock, 'offsetMs' | 'uncertaintyMs'> & { consistent?: boolean } {
  if (!samples.length) return {};
  let low = -Infinity;
  let high = Infinity;
  for (const { sentAt, receivedAt, date } of samples) {
    low = Math.max(low, date - receivedAt);
    high = Math.min(high, date + 1_000 - sentAt);
  }
  if (low <= high) return { offsetMs: Math.round((low + high) / 2), uncertaintyMs: Math.round((high - low) / 2), consistent: true };
  // Inconsistent answers (a clock stepped meanwhile, or several servers behind one address): the median, with its spread.
  const mids = samples.map((s) => s.date + 500 - (s.sentAt + s.receivedAt) / 2).sort((a, b) => a - b);
  const median = mids[Math.floor(mids.length / 2)]!;
  return { offsetMs: Math.round(median), uncertaintyMs: Math.round((mids.at(-1)! - mids[0]!) / 2 + 500), consistent: false };
}

/** Whether one answer alone shows the offset below CLOCK_OFFSET_APPLIED_FROM_MS (its Date was stamped between sending and receiving). */
function withinAgreement({ sentAt, receivedAt, date }: Pick<Sample, 'sentAt' | 'receivedAt' | 'date'>): boolean {
  return date - receivedAt > -CLOCK_OFFSET_APPLIED_FROM_MS && date + 1_000 - sentAt < CLOCK_OFFSET_APPLIED_FROM_MS;
}

/** The offset to apply to token times: whole seconds, none when the measured offset is within the Date header's resolution. */
export function appliedOffsetS(offsetMs: number | undefined): number {
  return offsetMs !== undefined && Math.abs(offsetMs) >= CLOCK_OFFSET_APPLIED_FROM_MS ? Math.round(offsetMs / 1_000) : 0;
}

/**
 * Reads the backend's clock from the Date header of a few unauthenticated GETs of `path`, no faster
 * than `maxRps`. The offset is applied only when it can be trusted: answers that agree, a Date that
 * advanced between them (not a stamp frozen by a proxy), and none from a cache (Age).
 */
export async function measureClock(baseUrl: string, path: string, timeoutMs: number, maxRps?: number): Promise<BackendClock> {
  const url = targetUrl(baseUrl, path).toString();
  const samples: Sample[] = [];
  const spacingMs = Math.max(SPACING_MS, maxRps ? Math.ceil(1_000 / maxRps) : 0);
  for (let i = 0; i < SAMPLES; i++) {
    // One answer bounds the offset within a second and its round trip: when that bound is inside what is
    // never applied, the clocks agree and the run does not spend the second more samples take.
    if (i === 1 && samples.length === 1 && withinAgreement(samples[0]!)) break;
    if (i) await delay(spacingMs);
    const sentAt = Date.now();
    try {
      const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      const receivedAt = Date.now();
      await res.body.dump();
      const header = res.headers.date;
      const date = Date.parse(Array.isArray(header) ? header[0]! : (header ?? ''));
      if (Number.isFinite(date)) samples.push({ sentAt, receivedAt, date, cached: res.headers.age !== undefined });
    } catch {
      // A lost answer tells nothing of the clock; the others still do.
    }
  }
  const { consistent, ...measured } = offsetFrom(samples);
  const clock: BackendClock = { ...measured, appliedOffsetS: appliedOffsetS(measured.offsetMs), samples: samples.length };
  const distrust = !clock.appliedOffsetS
    ? undefined
    : samples.some((s) => s.cached)
      ? 'an answer came from a cache (Age header): its Date is not the backend\'s now'
      : new Set(samples.map((s) => s.date)).size < 2
        ? 'its Date did not advance over a second of answers (a stamp a proxy or cache keeps)'
        : consistent === false
          ? 'its answers disagree about the time (several servers behind one address, or a clock stepped meanwhile)'
          : undefined;
  return distrust ? { ...clock, appliedOffsetS: 0, notApplied: distrust } : clock;
}

/** One line for the console and the reports, or undefined when the clocks agree within what can be told. */
export function describeClock(clock: BackendClock | undefined): string | undefined {
  if (!clock) return undefined;
  if (clock.offsetMs === undefined) return "the backend's answers carry no Date header: its clock was not measured, token times are on this machine's clock";
  if (clock.notApplied) return `the backend's Date header says ${(clock.offsetMs / 1_000).toFixed(1)} s from this machine's clock, but ${clock.notApplied}: token times stay on this machine's clock, and the time checks may judge the skew`;
  if (!clock.appliedOffsetS) return undefined;
  const seconds = (Math.abs(clock.offsetMs) / 1_000).toFixed(1);
  return `the backend's clock is ${seconds} s ${clock.offsetMs > 0 ? 'ahead of' : 'behind'} this machine's (±${((clock.uncertaintyMs ?? 0) / 1_000).toFixed(1)} s, from its Date header): token times (exp, nbf, iat) were set on its clock, so the time checks judge its policy, not the skew`;
}
