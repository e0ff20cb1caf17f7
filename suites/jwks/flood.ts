// A flood of invalid tokens: what the backend does under one, measured on a backend of its own (a lab),
// where a limiter it closes costs no other check; without labs it is SKIP.
import { jwksCheck, percentile, seconds } from './lab.js';
import type { Exchange } from '../../harness/checks/model.js';
import { statusOf, statusTally } from '../../harness/checks/oracle.js';
import { scaledToRate } from '../../harness/target/pace.js';

/** Invalid tokens sent, and how many at once. */
const FLOOD_REQUESTS = 1_000;
const FLOOD_WIDTH = 20;
/** How long a valid token may stay refused after the flood before the check stops waiting. */
const RECOVERY_WAIT_MS = 20_000;

jwksCheck(
  {
    id: 'DOS-VERIFY-FLOOD',
    needs: [],
    requires: ['ownBackend'],
    title: 'A flood of invalid tokens: throughput, throttling, and a valid token afterwards',
    severity: 'info',
    requirement:
      'Measured, not judged: how many invalid tokens a second the backend refuses, whether and when it throttles (429 or 503, Retry-After), and how soon a valid token from the same client is accepted again. A limiter that is not per client is one an attacker keeps closed for everyone.',
    references: ['OWASP API4:2023', 'RFC 6585 §4 (429)', 'RFC 9110 §10.2.3 (Retry-After)'],
    taxonomy: { cwe: ['CWE-770', 'CWE-400'], capec: ['CAPEC-125'], owaspApi: 'API4:2023' },
    expected: `INFO: ${FLOOD_REQUESTS} distinct invalid tokens, ${FLOOD_WIDTH} at a time (fewer under target.maxRps), on a backend of its own`,
    requests: FLOOD_REQUESTS + 80,
  },
  async (lab, t) => {
    const n = scaledToRate(FLOOD_REQUESTS, t.target.settings.maxRps);
    const { kid } = await t.currentKey();
    // Distinct tokens (a random signature each) with the current kid, if the issuer's tokens carry one.
    const tokens = Array.from({ length: n }, () => lab.garbage(kid));
    const flooder = lab.client(FLOOD_WIDTH);
    let flood: Exchange[];
    const started = performance.now();
    try {
      flood = await lab.sendBatch((i) => `invalid token ${i + 1} of ${n} (random signature)`, tokens, { flood: true }, flooder);
    } finally {
      await flooder.close();
    }
    const tookMs = performance.now() - started;
    const firstThrottled = flood.findIndex((e) => e.response?.status === 429 || e.response?.status === 503);
    const unanswered = flood.filter((e) => e.outcome === 'transport-error');
    const latencies = flood.filter((e) => e.response).map((e) => e.durationMs);
    const measured: Record<string, number | string> = {
      requests: n,
      perSecond: Math.round(n / (tookMs / 1000)),
      p50Ms: latencies.length ? percentile(latencies, 50) : -1,
      p99Ms: latencies.length ? percentile(latencies, 99) : -1,
      throttledFrom: firstThrottled >= 0 ? firstThrottled + 1 : 0,
      unanswered: unanswered.length,
    };
    const retryAfter = firstThrottled >= 0 ? flood[firstThrottled]!.response!.headers['retry-after'] : undefined;
    const throttling = firstThrottled >= 0
      ? `throttled from request ${firstThrottled + 1} (${flood[firstThrottled]!.response!.status}${retryAfter ? `, Retry-After: ${String(retryAfter)}` : ', no Retry-After'})`
      : 'no throttling (no 429 or 503)';
    // A valid token from the same client now, and until it gets in (a limiter closes for a while).
    // (Its answers are the flood's too: a limiter's 503 while it reopens is throttling.)
    const after = await lab.poll('a fresh valid token after the flood', await lab.valid(), (e) => e.outcome === 'accepted', RECOVERY_WAIT_MS, { flood: true });
    // Under target.maxRps the rate is the pacing's, not the backend's.
    const rate = t.target.settings.maxRps ? `paced by target.maxRps = ${t.target.settings.maxRps}` : `${measured.perSecond} a second`;
    const figures = `${n} invalid tokens in ${seconds(tookMs)} s (${rate}; p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms): ${statusTally(flood)}; ${throttling}`;
    const evidence = [flood[0]!, ...(firstThrottled >= 0 ? [flood[firstThrottled]!] : []), flood.at(-1)!, ...after.sample];
    const stillRefused = `a valid token from this client is still refused ${seconds(after.waitedMs)} s later (${statusOf(after.sample.at(-1))})`;
    const recovery = after.atMs === undefined
      ? firstThrottled >= 0 ? `${stillRefused}: if that limiter is not per client, an attacker keeps it closed for everyone` : stillRefused
      : after.sent === 1 ? 'a valid token is accepted right after it' : `a valid token is accepted again after ${seconds(after.atMs)} s`;
    const down = unanswered.length > n / 2 ? `; most of the flood got no answer (${unanswered[0]!.error}): the backend stopped answering under it` : '';
    return { verdict: 'INFO', observed: `${figures}; ${recovery}${down}`, measured: { ...measured, recoveryS: after.atMs === undefined ? -1 : seconds(after.atMs) }, evidence };
  },
  { spendsLab: true, estimateS: () => 4 + RECOVERY_WAIT_MS / 4_000 },
);
