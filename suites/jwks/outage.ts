// Outages and bad answers: what the backend does while its JWKS is down, hangs, trickles, redirects
// or answers garbage, warm and cold, and whether it starts and recovers without it.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { JWKS_LAB_NEEDS, JwksLab, eachScenario, fetchSummary, jwksCheck, notFetched, seconds, timeBound, withAttacker } from './lab.js';
import type { Exchange } from '../../harness/checks/model.js';
import { CAUSES, FETCH_WINDOW_MS, combine, followsFrom, statusOf } from '../../harness/checks/oracle.js';
import type { CheckResult } from '../../harness/checks/oracle.js';
import type { CheckTools } from '../../harness/checks/suite.js';
import type { JwksFault } from '../../harness/issuer/protocol.js';

// Outages: one set of probes per fault, warm and (when the harness can restart the backend) cold.

interface OutageProbe {
  scenario: string;
  fault: string;
  /** Tokens no secure backend can accept during the outage. */
  forged: Exchange[];
  /** Every exchange of the scenario, valid tokens included. */
  all: Exchange[];
  /** The backend did try the JWKS and got the fault: the outage path was exercised. */
  served: boolean;
  /** Cold: the backend did not become ready while the JWKS was down (a client that loads its keys before it serves); why. */
  notStarted?: string;
  /** A hang: after how many seconds the held fetches were reset, when the backend still held probes then (RELEASED_HANG_ANSWER_MS). */
  releasedAfterS?: number;
}

/**
 * How long a probe of a hanging JWKS may wait for its answer: at least as long as the common clients
 * take to give up (jwks-rsa and PyJWKClient: 30 s), so JWKS-OUTAGE-FAILCLOSED sees what the backend
 * does then; JWKS-OUTAGE-STATUS still judges every answer against jwks.maxOutageResponseS.
 */
const HUNG_FETCH_GIVE_UP_MS = 35_000;
/**
 * A client that holds on longer (PyJWKClient serializes its lookups, 30 s each; get-jwks and a bare
 * fetch never give up) still answers: at HUNG_FETCH_GIVE_UP_MS the hanging JWKS resets every fetch it
 * holds, which any client takes as the failed fetch its own timeout would have given it, and the
 * probes wait this much longer for what the backend then decides. keyfunc's jwkset holds a request
 * for its rate limiter up to a minute whatever the fetch did: 30 s more covers it.
 */
const RELEASED_HANG_ANSWER_MS = 30_000;
/** What the label of an answer that came only after that reset says (JWKS-OUTAGE-FAILCLOSED looks for it). */
const AFTER_RESET = 'answered after the held JWKS fetches were reset';
/** What the label of the request that took the backend to the broken JWKS says (warm scenarios). */
const TRIES_JWKS = 'until the backend tries the JWKS';

const OUTAGE_FAULTS: JwksFault[] = [{ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'hang' }];
let outages: Promise<OutageProbe[]> | undefined;

const faultName = (f: JwksFault) => (f.kind === 'status' ? `HTTP ${f.status}` : f.kind === 'reset' ? 'connection reset' : 'no answer (hang)');
const scenarioName = ({ fault, cold }: { fault: JwksFault; cold: boolean }) => `${cold ? 'cold start' : 'warm cache'}, JWKS ${faultName(fault)}`;

/** The scenarios that exercised nothing, and why: the backend never tried the JWKS, or did not start without it. */
function untriedNote(all: OutageProbe[]): string {
  const notStarted = all.filter((p) => p.notStarted);
  const untried = all.filter((p) => !p.served && !p.notStarted).map((p) => p.scenario);
  return [
    ...(untried.length ? [`in ${untried.join(', ')} the backend never tried the JWKS`] : []),
    ...(notStarted.length ? [`in ${notStarted.map((p) => p.scenario).join(', ')} the backend did not start while the JWKS was down (${notStarted[0]!.notStarted}; see JWKS-STARTUP-DOWN)`] : []),
  ].map((note) => `; ${note}`).join('');
}

/** The outage scenarios (each fault, warm and cold), side by side in labs of their own when the run gives labs. */
function probeOutages(lab: JwksLab, t: CheckTools): Promise<OutageProbe[]> {
  const scenarios = OUTAGE_FAULTS.flatMap((fault) => (lab.canRestart ? [false, true] : [false]).map((cold) => ({ fault, cold })));
  outages ??= eachScenario(lab, t, scenarios, scenarioName, lab.settings.maxOutageResponseS, probeOutage);
  return outages;
}

async function probeOutage(lab: JwksLab, t: CheckTools, { fault, cold }: { fault: JwksFault; cold: boolean }): Promise<OutageProbe> {
  const timeoutMs = fault.kind === 'hang' ? Math.max(lab.outageTimeoutMs, HUNG_FETCH_GIVE_UP_MS) : lab.outageTimeoutMs;
  // Warm from a fresh start where the harness can: the unknown kid that takes the backend to the broken
  // JWKS must not meet a limiter an earlier check spent (keyfunc: one refresh per 5 minutes).
  if (!cold && lab.canRestart) await lab.restart();
  const health = await lab.ensureHealthy();
  if (!health.ok) throw new Error(`the backend did not recover between outage probes: ${health.observed}`);
  const current = await t.issuer.signingKey();
  const unseen = await t.issuer.rotate(t.issuer.algorithms[0]); // published during the outage only: the backend has never seen it
  await t.issuer.setJwksFault(fault);
  const mark = await lab.mark();
  const options = { timeoutMs, jwksFault: fault.kind };
  const scenario = scenarioName({ fault, cold });
  // Warm: unknown kids until the backend tries the broken JWKS (after its own cooldown), so the
  // probes meet the outage path, not a cooldown; the token that got it there counts as a probe.
  const trigger: Exchange[] = [];
  const hang = fault.kind === 'hang';
  // A hang is cut once the common clients would have given up (RELEASED_HANG_ANSWER_MS): every probe waits for the answer that follows.
  const probe = hang ? { ...options, timeoutMs: timeoutMs + RELEASED_HANG_ANSWER_MS } : options;
  let held: Promise<Exchange> | undefined;
  // The hang becomes a reset of every held fetch (never the real key set: the unseen key stays unfetchable).
  let released: { atMs: number; done: Promise<unknown> } | undefined;
  let startedMs = Date.now();
  // An answer that came only after the reset says so in its label: it is the backend's answer to a failed fetch, not to its own timeout.
  const marked = (exchange: Exchange): Exchange =>
    released && Date.now() >= released.atMs ? { ...exchange, label: `${exchange.label} (${AFTER_RESET} at ${seconds(released.atMs - startedMs)} s)` } : exchange;
  if (cold) {
    try {
      await lab.restart({ anyStatus: true });
    } catch (err) {
      // It loads its keys before it serves (jwkset waits up to a minute for a hanging JWKS): nothing to
      // probe in this scenario, and a start without keys is JWKS-STARTUP-DOWN's question.
      return { scenario, fault: fault.kind, forged: [], all: [], served: false, notStarted: (err as Error).message.split('\n')[0]! };
    }
  } else if (hang) {
    // The request that made the backend fetch may be held with the fetch: it stays in flight beside the probes.
    const tried = await lab.untilFetchedInFlight(mark, `${scenario}: garbage signature, an unknown kid, ${TRIES_JWKS}`, () => lab.garbage(JwksLab.randomKid()), probe);
    // Labelled when it is answered (before the reset, or after it), not when the probes are done.
    if (tried.fetches.length) held = tried.sent.at(-1)!.then((e) => marked(e));
  } else {
    const tried = await lab.untilFetched(mark, `${scenario}: garbage signature, an unknown kid, ${TRIES_JWKS}`, () => lab.garbage(JwksLab.randomKid()), options);
    if (tried.fetches.length && tried.last) trigger.push(tried.last);
  }
  const [unseenToken, validToken] = [await lab.signedBy(unseen.kid), await lab.signedBy(current.kid)];
  const release = hang ? setTimeout(() => (released = { atMs: Date.now(), done: t.issuer.setJwksFault({ kind: 'reset' }).catch(() => undefined) }), timeoutMs) : undefined;
  startedMs = Date.now();
  const sendProbe = (label: string, token: string) => lab.sendQuiet(`${scenario}: ${label}`, token, probe).then(marked);
  const [forgedKnown, forgedUnknown, garbage, unseenKey, valid] = await Promise.all([
    sendProbe(`attacker signature, the issuer's kid ${current.kid}`, lab.forged(current.kid)),
    sendProbe('attacker signature, an unknown kid', lab.forged(JwksLab.randomKid())),
    sendProbe('garbage signature, an unknown kid', lab.garbage(JwksLab.randomKid())),
    sendProbe(`a key published only during the outage (${unseen.kid}): cannot be verified`, unseenToken),
    sendProbe(`a valid token of the cached key ${current.kid}`, validToken),
  ]).finally(() => clearTimeout(release));
  if (held) trigger.push(await held);
  // The reset must be in place before the next scenario sets its own fault, never after.
  await released?.done;
  const forged = [...trigger, forgedKnown!, forgedUnknown!, garbage!, unseenKey!];
  // Cold, nothing is cached: a valid token cannot be verified either.
  if (cold) forged.push(valid!);
  const served = (await lab.fetchesSince(mark)).some((f) => f.fault === fault.kind);
  return { scenario, fault: fault.kind, forged, all: [...forged, ...(cold ? [] : [valid!])], served, ...(released ? { releasedAfterS: seconds(released.atMs - startedMs) } : {}) };
}

jwksCheck(
  {
    id: 'JWKS-OUTAGE-FAILCLOSED',
    title: 'While the JWKS cannot be fetched, nothing unverifiable is accepted',
    severity: 'critical',
    requirement: 'A verifier that cannot get keys must refuse the token; accepting it when the key fetch fails (fail-open) lets anyone in during an outage they may cause.',
    references: ['CVE-2024-47073', 'CVE-2025-49001', 'RFC 8725 §3.1'],
    taxonomy: { cwe: ['CWE-636', 'CWE-347'], capec: ['CAPEC-115'], owaspApi: 'API2:2023' },
    expected: 'forged tokens, unknown kids and keys the backend could not fetch: never accepted, for 503, reset and hang, warm and cold',
  },
  async (lab, t) => {
    const all = await probeOutages(lab, t);
    const forged = all.flatMap((p) => p.forged);
    const accepted = forged.filter((e) => e.outcome === 'accepted');
    const measured = { scenarios: all.length, requests: forged.length, accepted: accepted.length };
    if (accepted.length) return { verdict: 'FAIL', observed: `accepted during the outage: ${accepted.map((e) => `"${e.label}"`).join(', ')}`, measured, evidence: accepted };
    const probes = all.filter((p) => p.served);
    const notTried = untriedNote(all);
    if (!probes.length) return { verdict: 'ERROR', observed: `inconclusive: the backend never tried the broken JWKS in any scenario${notTried}`, measured };
    const unanswered = probes.flatMap((p) => p.forged).filter((e) => e.outcome === 'transport-error');
    if (unanswered.length) return { verdict: 'ERROR', observed: `inconclusive: ${unanswered.length} probes got no answer (${[...new Set(unanswered.map((e) => e.label.split(':')[0]))].join('; ')}; the longest wait: ${seconds(Math.max(...unanswered.map((e) => e.durationMs)))} s; see JWKS-OUTAGE-STATUS), so whether the backend lets them through once its fetch gives up was not observed: a jwks.maxOutageResponseS above its JWKS client's fetch timeout would show it`, measured, evidence: unanswered.slice(0, 3) };
    // Probes the backend still held when the hang was reset were answered to a failed fetch: its own fetch timeout, later, was not reached.
    const cut = probes.filter((p) => p.releasedAfterS !== undefined && p.forged.some((e) => e.label.includes(AFTER_RESET)));
    const cutNote = cut.map((p) => `; in ${p.scenario} the backend still held requests after ${p.releasedAfterS} s, when the harness reset the held JWKS fetches, and refused them then (what it does when its own fetch timeout fires, later, was not observed: a jwks.maxOutageResponseS above that timeout would show it)`).join('');
    return { verdict: 'PASS', observed: `none of ${forged.length} unverifiable tokens accepted in ${probes.map((p) => p.scenario).join('; ')}${notTried}${cutNote}`, measured, evidence: probes.map((p) => p.forged[0]!) };
  },
  { labGroup: 'outages', estimateS: (s) => Math.min(s.maxOutageResponseS, 10) + 4, explains: CAUSES.jwksFailOpen },
);

jwksCheck(
  {
    id: 'JWKS-OUTAGE-STATUS',
    title: 'During a JWKS outage the backend answers 401 or 503 promptly',
    severity: 'medium',
    requirement: 'A JWKS outage must not turn into 500s, hung requests or a crash: the client has a fetch timeout, and the API answers 401 (or 503) within it.',
    references: ['RFC 6750 §3.1', 'RFC 9110 §15.6.4', 'jose timeoutDuration (5 s)', 'PyJWKClient timeout'],
    taxonomy: { cwe: ['CWE-1088', 'CWE-248'], capec: [], owaspApi: 'API10:2023' },
    expected: `every refusal is 401/403 or 503, within jwks.maxOutageResponseS`,
  },
  async (lab, t) => {
    const all = await probeOutages(lab, t);
    const probes = all.filter((p) => p.served);
    if (!probes.length) return { verdict: 'ERROR', observed: `inconclusive: the backend never tried the broken JWKS in any scenario${untriedNote(all)}` };
    const limitMs = lab.settings.maxOutageResponseS * 1000;
    const refusals = probes.flatMap((p) => p.all).filter((e) => e.outcome !== 'accepted');
    const slow = refusals.filter((e) => e.outcome === 'transport-error' || e.durationMs > limitMs);
    const wrong = refusals.filter((e) => e.outcome !== 'transport-error' && e.outcome !== 'rejected' && e.response?.status !== 503);
    const slowest = Math.max(0, ...refusals.map((e) => e.durationMs));
    const measured = { requests: refusals.length, slowestMs: slowest, late: slow.length, wrongStatus: wrong.length };
    const problems: string[] = [];
    if (slow.length) problems.push(`${slow.length} not answered within ${lab.settings.maxOutageResponseS} s (${slow.slice(0, 3).map((e) => `"${e.label}": ${e.error ?? `${e.durationMs} ms`}`).join('; ')})`);
    if (wrong.length) problems.push(`${wrong.length} answered ${[...new Set(wrong.map((e) => statusOf(e)))].join(', ')}`);
    // Hung probes held until the harness gave up name a fetch with no timeout at all, the cause a trickling
    // JWKS shares (JWKS-HUGE-SLOW); answered late by the client's own timeout, a timeout too long, which
    // may time each read only (a trickle then never ends: not the same cause). 500s name an unhandled
    // key-fetch error, which ERR-NO-5XX counts too: one cause, one finding.
    // The request that made the fetch tells (requests queued behind a serialized lookup, PyJWKClient's,
    // are answered after the reset though the client times out by itself): held until the reset, or not.
    const cut = (e: Exchange) => e.outcome === 'transport-error' || e.label.includes(AFTER_RESET);
    const triggers = slow.filter((e) => e.label.includes(TRIES_JWKS));
    const heldForGood = triggers.length ? triggers.some(cut) : slow.some(cut);
    const explains = [...(slow.length ? [heldForGood ? CAUSES.jwksFetchUnbounded : CAUSES.jwksFetchTimeoutLong] : []), ...(wrong.some((e) => e.outcome === 'server-error') ? [CAUSES.jwksOutageServerError] : [])];
    if (problems.length) return { verdict: 'FAIL', observed: problems.join('; '), measured, evidence: [...slow, ...wrong].slice(0, 6), ...(explains.length ? { explains } : {}) };
    const statuses = [...new Set(refusals.map((e) => statusOf(e)))].join(', ');
    return { verdict: 'PASS', observed: `${refusals.length} refusals during ${probes.length} outage scenarios, all ${statuses}, the slowest in ${slowest} ms${untriedNote(all)}`, measured, evidence: probes.map((p) => p.all[0]!) };
  },
  { labGroup: 'outages' },
);

// The stale-if-error timeline: the JWKS goes down while the cache is warm, and valid tokens of the
// cached key are sent ten times a second until the backend refuses them (its cache expired and it
// failed closed) and for five seconds after its first failed fetch (its retry rate).
interface StaleTimeline {
  acceptedForMs: number | undefined;
  observedMs: number;
  short: boolean;
  firstFailedFetchMs: number | undefined;
  rate: { requests: number; fetches: number; windowMs: number } | undefined;
  sample: Exchange[];
}

let staleTimeline: Promise<StaleTimeline> | undefined;

function observeStale(lab: JwksLab, t: CheckTools): Promise<StaleTimeline> {
  staleTimeline ??= (async () => {
    const token = await lab.valid();
    await t.issuer.setJwksFault({ kind: 'status', status: 503 });
    const mark = await lab.mark();
    const started = Date.now();
    const { ms, short } = lab.bound((lab.settings.maxCacheAgeS + 10) * 1000);
    const rateWindowMs = 5_000;
    const timeoutMs = lab.outageTimeoutMs;
    let acceptedForMs: number | undefined;
    let firstFailedAt: number | undefined;
    const inWindow: Exchange[] = [];
    const sample: Exchange[] = [];
    while (Date.now() - started < ms) {
      const e = await lab.sendQuiet(`valid token of the cached key, t+${seconds(Date.now() - started)} s into the outage`, token, { timeoutMs, jwksFault: 'status' });
      if (sample.length === 0) sample.push(e);
      if (acceptedForMs === undefined && e.outcome !== 'accepted') {
        acceptedForMs = Date.now() - started;
        sample.push(e);
      }
      if (firstFailedAt === undefined) {
        const failed = await lab.fetchesSince(mark);
        if (failed.length) firstFailedAt = failed[0]!.epochMs;
      } else {
        inWindow.push(e);
        if (Date.now() - firstFailedAt >= rateWindowMs && acceptedForMs !== undefined) break;
      }
      await delay(100);
    }
    let rate: StaleTimeline['rate'];
    if (firstFailedAt !== undefined) {
      const windowEnd = Date.now();
      const fetches = (await t.issuer.jwksFetches(mark)).filter((f) => f.epochMs > firstFailedAt! && f.epochMs <= windowEnd);
      rate = { requests: inWindow.length, fetches: fetches.length, windowMs: windowEnd - firstFailedAt };
    }
    return { acceptedForMs, observedMs: Date.now() - started, short, firstFailedFetchMs: firstFailedAt !== undefined ? firstFailedAt - started : undefined, rate, sample };
  })();
  return staleTimeline;
}

jwksCheck(
  {
    id: 'JWKS-OUTAGE-STALE',
    title: 'How long cached keys keep working while the JWKS is down',
    severity: 'info',
    requirement: 'Measured only: failing closed once the cache expires and serving bounded stale keys are both acceptable; the report says which the backend does.',
    references: ['auth0/node-jwks-rsa#385, #502', 'pyjwt#1162', 'smallrye-jwt#826'],
    taxonomy: { cwe: ['CWE-324', 'CWE-672'], capec: [], owaspApi: 'API4:2023' },
    expected: 'reported: seconds valid tokens of a cached key stay accepted into an outage',
  },
  async (lab, t): Promise<CheckResult> => {
    const s = await observeStale(lab, t);
    const firstFetch = s.firstFailedFetchMs !== undefined ? `its first failed fetch came ${seconds(s.firstFailedFetchMs)} s into the outage` : 'it did not try to fetch the JWKS during the outage';
    if (s.acceptedForMs !== undefined) {
      return { verdict: 'INFO', observed: `valid tokens of the cached key were accepted for ${seconds(s.acceptedForMs)} s into the outage, then refused (fail closed once its cache expired); ${firstFetch}`, measured: { staleAcceptedS: seconds(s.acceptedForMs) }, evidence: s.sample };
    }
    return { verdict: 'INFO', observed: `valid tokens of the cached key were still accepted after ${seconds(s.observedMs)} s of outage (the end of observation${s.short ? ', set by the wait budget' : ''}); ${firstFetch}`, measured: { staleAcceptedAtLeastS: seconds(s.observedMs) }, evidence: s.sample };
  },
  { labGroup: 'stale', estimateS: (s) => Math.min(s.maxCacheAgeS, s.waitBudgetS) + 5, timelineBound: { setting: 'maxCacheAgeS', after: 'fault-set' } },
);

jwksCheck(
  {
    id: 'JWKS-OUTAGE-FETCH-RATE',
    title: 'During a JWKS outage the backend backs off instead of fetching for every request',
    severity: 'medium',
    requirement: "A failing JWKS is retried with a bound (backoff or a cooldown), not once per incoming request: that multiplies load on an issuer that is already failing.",
    references: ['valbuild/val#590', 'jose createRemoteJWKSet (a failed reload keeps the cache stale)'],
    taxonomy: { cwe: ['CWE-770', 'CWE-406'], capec: [], owaspApi: 'API4:2023' },
    expected: 'well under one fetch per request once the first fetch has failed (NON-STRICT otherwise)',
  },
  async (lab, t) => {
    const s = await observeStale(lab, t);
    if (!s.rate) {
      // Cut short by the wait budget before the cache could expire: undecided, with the budget that decides it.
      const decidingBudgetS = Math.ceil(lab.settings.maxCacheAgeS) + 10;
      return s.short
        ? {
            verdict: 'INFO',
            observed: `undecided within the wait budget: no JWKS fetch during ${seconds(s.observedMs)} s of outage, before the accepted cache age (${lab.settings.maxCacheAgeS} s) ran out; --wait-budget ${decidingBudgetS} (jwks.waitBudgetS) would decide it`,
            measured: { fetches: 0 },
            undecided: { waitedS: seconds(s.observedMs), decidingBudgetS },
            evidence: s.sample,
          }
        : { verdict: 'PASS', observed: `no JWKS fetch during ${seconds(s.observedMs)} s of outage with 10 requests a second, beyond the accepted cache age`, measured: { fetches: 0 }, evidence: s.sample };
    }
    const { requests, fetches, windowMs } = s.rate;
    const measured = { requests, fetches, windowS: seconds(windowMs), fetchesPerRequest: requests ? Math.round((fetches / requests) * 100) / 100 : 0 };
    const observed = `${fetchSummary(Array(fetches))} for ${requests} requests in the ${seconds(windowMs)} s after its first failed fetch`;
    if (requests === 0) return { verdict: 'ERROR', observed: 'inconclusive: no request was sent after the first failed fetch', measured };
    return fetches / requests >= 0.5
      ? { verdict: 'NON-STRICT', observed: `${observed}: about one per request, no backoff`, measured, evidence: s.sample }
      : { verdict: 'PASS', observed: `${observed}: bounded`, measured, evidence: s.sample };
  },
  // A client that caches nothing fetches per request whether the JWKS answers or not.
  { labGroup: 'stale', causes: [CAUSES.keysNotCached] },
);

/**
 * One broken refresh: fresh keys cached, then a refresh that gets `fault`; are the cached keys still
 * used? Fresh keys come from a restart where the harness can (the valid token of ensureHealthy makes a
 * lazy client load them), and else from a good refresh first: a client whose cache age ran out
 * meanwhile would reload (and refuse) for that reason, not for the broken body. A restart also means
 * no refresh is spent before the broken one (keyfunc allows one for unknown kids every 5 minutes).
 */
interface BrokenRefresh {
  result: CheckResult;
  measured: string;
  evidence: Exchange[];
  /** The backend fetched again after the broken refresh, before its refusal: an expiry reload, or a client that fetches for every request. */
  reloaded?: boolean;
}

async function brokenRefresh(lab: JwksLab, t: CheckTools, name: string, fault: JwksFault): Promise<BrokenRefresh> {
  const evidence: Exchange[] = [];
  if (lab.canRestart) await lab.restart();
  const health = await lab.ensureHealthy();
  if (!health.ok) return { result: { verdict: 'ERROR', observed: `${name}: inconclusive, before the refresh ${health.observed}` }, measured: 'unhealthy', evidence: health.exchanges };
  const key = await t.issuer.signingKey();
  if (!lab.canRestart) {
    const good = await lab.untilFetched(await lab.mark(), `an unknown kid, to refresh the keys before the ${name} refresh`, () => lab.garbage(JwksLab.randomKid()));
    // No refresh for unknown kids at all: no broken one can be made either (and no second wait for it).
    if (!good.fetches.length) return { result: { verdict: 'ERROR', observed: `${name}: inconclusive, unknown kids did not make the backend refresh within ${seconds(good.waitedMs)} s` }, measured: 'no refresh', evidence: good.first ? [good.first] : [] };
  }
  await t.issuer.setJwksFault(fault);
  // Unknown kids make the backend refresh (after its cooldown); stop at its first broken fetch.
  const mark = await lab.mark();
  const trigger = await lab.untilFetched(mark, `an unknown kid, to make the backend refresh (${name})`, () => lab.garbage(JwksLab.randomKid()), { jwksFault: fault.kind });
  if (trigger.first) evidence.push(trigger.first);
  if (!trigger.fetches.length) return { result: { verdict: 'ERROR', observed: `${name}: inconclusive, unknown kids did not make the backend refresh within ${seconds(trigger.waitedMs)} s` }, measured: 'no refresh', evidence };
  // A garbage signature is never accepted, least of all when the refresh failed: one more after it, and
  // the one that made it refresh (a backend that fails open on a broken answer lets them through).
  const forged = await lab.sendQuiet(`after a refresh that got ${name}: garbage signature, an unknown kid`, lab.garbage(JwksLab.randomKid()), { jwksFault: fault.kind });
  const openings = [trigger.last, forged].filter((e): e is Exchange => e?.outcome === 'accepted');
  if (openings.length) {
    return { result: { verdict: 'FAIL', observed: `${name}: a token with a garbage signature was accepted (${openings.map((e) => `"${e.label}"`).join(', ')}): the backend fails open when a JWKS refresh answers badly`, causes: [CAUSES.jwksFailOpen] }, measured: 'fail-open', evidence: [...evidence, ...openings] };
  }
  // Asked three times over half a second: a client that refreshes in the background may apply the broken body a moment later.
  let after: Exchange | undefined;
  for (let i = 0; i < 3 && (!after || after.outcome === 'accepted'); i++) {
    if (i) await delay(250);
    after = await lab.sendQuiet(`after a refresh that got ${name}: a valid token of the cached key ${key.kid} (#${i + 1})`, await lab.signedBy(key.kid), { jwksFault: fault.kind });
    evidence.push(after);
  }
  const kept = after!.outcome === 'accepted';
  const reloaded = (await lab.fetchesSince(Math.max(...trigger.fetches.map((f) => f.seq)))).length > 0;
  // An empty set is a well-formed answer (the issuer may have withdrawn every key): reported, not judged.
  const result: CheckResult =
    fault.kind === 'empty-keys'
      ? { verdict: 'PASS', observed: `${name}: ${kept ? 'kept its keys' : 'dropped its keys (a well-formed set; not judged)'}` }
      : { verdict: kept ? 'PASS' : 'FAIL', observed: `${name}: ${kept ? 'kept its keys' : `refused a valid token afterwards (${statusOf(after!)})`}` };
  return { result, measured: kept ? 'kept' : 'dropped', evidence, reloaded };
}

/**
 * A broken refresh, decided: where unknown kids make the backend refresh nothing (right after a restart,
 * where the harness can restart it), nothing here can break its cache, and a client that never
 * refetches is JWKS-ROTATE-NEWKID's finding.
 */
async function refreshDecided(lab: JwksLab, t: CheckTools, name: string, fault: JwksFault): ReturnType<typeof brokenRefresh> {
  const outcome = await brokenRefresh(lab, t, name, fault);
  if (outcome.result.verdict === 'FAIL' && outcome.measured === 'dropped' && outcome.reloaded && lab.canRestart) {
    // A refusal that came with another fetch: a client whose cache lifespan lapsed between the broken
    // refresh and the valid token (a short lifespan on a loaded machine: PyJWKClient's, shortened for
    // the known-answer runs) refused for its expiry reload, not for the broken answer. A client that
    // drops its keys on a broken answer drops them every time: a second attempt from a fresh restart
    // tells which. (A refusal with no fetch after the broken one is the broken answer's, as it stands.)
    const again = await brokenRefresh(lab, t, `${name} (again, from a fresh restart)`, fault);
    const evidence = [...outcome.evidence, ...again.evidence];
    if (again.measured === 'kept') return { ...again, result: { verdict: 'PASS', observed: `${name}: kept its keys from a fresh restart (a first attempt's refusal did not recur: a client that drops its keys on a broken answer drops them every time)` }, evidence };
    if (again.measured === 'dropped' || again.measured === 'fail-open') return { ...again, evidence };
    return { ...outcome, result: { ...outcome.result, observed: `${outcome.result.observed} (a second attempt was undecided: ${again.result.observed})` }, evidence };
  }
  if (outcome.measured !== 'no refresh') return outcome;
  const fresh = lab.canRestart ? ' right after a restart' : '';
  return { ...outcome, result: { verdict: 'SKIP', observed: `${name}: unknown kids made the backend refresh nothing${fresh}, so no refresh could be broken (JWKS-ROTATE-NEWKID judges a backend that does not refetch)`, causes: [CAUSES.keysNeverRefetched] } };
}

jwksCheck(
  {
    id: 'JWKS-BAD-RESPONSE-KEEPS-CACHE',
    title: 'A broken JWKS response does not throw away the last good keys',
    severity: 'medium',
    requirement: 'A refresh that returns HTML, invalid JSON or a 500 is a failed refresh: the keys already cached stay in use.',
    references: ['pyjwt#1162/#1159', 'smallstep/certificates#2769', 'valbuild/val#590'],
    taxonomy: { cwe: ['CWE-754', 'CWE-636'], capec: [], owaspApi: 'API10:2023' },
    expected: 'valid tokens of the cached key still accepted after each broken refresh, and a garbage signature refused (accepted: FAIL, failing open)',
  },
  async (lab, t) => {
    const variants: [string, JwksFault][] = [
      ['an HTML page (200)', { kind: 'html' }],
      ['invalid JSON (200)', { kind: 'invalid-json' }],
      ['500 with a JSON body', { kind: 'status', status: 500, body: '{"error":"internal"}' }],
      ['an empty key set (200 {"keys":[]})', { kind: 'empty-keys' }],
    ];
    const refreshes = await eachScenario(lab, t, variants, ([name]) => name, 4, (l, tt, [name, fault]) => refreshDecided(l, tt, name, fault));
    const results = refreshes.map((r) => r.result);
    const evidence = refreshes.flatMap((r) => r.evidence);
    const measured = Object.fromEntries(variants.map(([, fault], i) => [fault.kind, refreshes[i]!.measured]));
    return { ...combine(results), measured, evidence };
  },
  { estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS) + 2, causes: [CAUSES.keysNotCached] },
);

jwksCheck(
  {
    id: 'JWKS-REDIRECT',
    title: 'A redirect from the JWKS URL to another origin is not followed',
    severity: 'low',
    requirement: 'The JWKS comes from the configured URL; following a redirect to another origin hands key selection to whoever controls the redirect (jose fetches with redirect: "manual").',
    references: ['jose createRemoteJWKSet (redirect: manual)', 'RFC 8725 §3.10'],
    taxonomy: { cwe: ['CWE-918', 'CWE-346'], capec: [], owaspApi: 'API10:2023' },
    expected: 'no request to the redirect target',
    watchesAttacker: true,
  },
  (lab, t) => withAttacker(t.run, async (attacker) => {
    // The redirect goes to the attacker listener (another port, so another origin), serving the real new key.
    const path = `/redirected-jwks-${randomBytes(4).toString('hex')}`;
    // With its kid, as the issuer serves it (Better Auth adds the kid when it serves the set): a client
    // that selects by kid could use it, so an accepted token shows the redirected set in use.
    const loaded = await lab.freshFetch((key) => ({ kind: 'redirect', location: attacker.serve(path, 'application/json', JSON.stringify({ keys: [{ ...key.publicJwk, kid: key.kid }] })) }));
    // A redirect followed in the background (after the answer) counts too.
    const followed = await attacker.hitsWithin(path, FETCH_WINDOW_MS);
    const evidence = loaded.probe ? [loaded.probe] : [];
    const measured = { fetches: loaded.fetches.length, followed: followed.length };
    // The redirect is served by the configured issuer origin: following it trusts that origin's word, a hardening gap (no standard forbids it).
    if (followed.length) return { verdict: 'NON-STRICT', observed: `the backend followed the JWKS redirect to ${attacker.url}${path} (${followed.length} request${followed.length === 1 ? '' : 's'}) and its key token answered ${statusOf(loaded.probe)}: whoever controls the issuer's redirects chooses its keys`, measured, evidence };
    const unfetched = notFetched(loaded);
    if (unfetched) return { ...unfetched, measured };
    // Not followed, yet the new key's token got in: the backend never had that key, so it let in a token
    // it could not verify (fail-open during a broken fetch), JWKS-OUTAGE-FAILCLOSED's finding, not this one.
    const unverified = loaded.probe?.outcome === 'accepted' ? `; it accepted that token without ever getting its key: a token it could not verify got in (see JWKS-OUTAGE-FAILCLOSED)` : '';
    return { verdict: 'PASS', observed: `the JWKS answered 302 to another origin; the backend did not follow it within ${FETCH_WINDOW_MS / 1000} s of the last answer (${loaded.how}; a token of the new key answered ${statusOf(loaded.probe)})${unverified}`, measured, evidence };
  }),
);

const yardstickTexts = new Map<number, string>();

/** Milliseconds this process takes, now, to parse a key set of about `bytes` (the issuer's padding keys): the better of two parses, so one garbage-collection pause does not inflate it. */
function parseYardstickMs(bytes: number): number {
  return Math.min(parseOnceMs(bytes), parseOnceMs(bytes));
}

function parseOnceMs(bytes: number): number {
  let text = yardstickTexts.get(bytes);
  if (text === undefined) {
    const member = `{"kty":"OKP","crv":"Ed25519","kid":"padding-0","x":"${Buffer.alloc(32, 7).toString('base64url')}"}`;
    text = `{"keys":[${Array(Math.ceil(bytes / (member.length + 1))).fill(member).join(',')}]}`;
    yardstickTexts.set(bytes, text);
  }
  const started = performance.now();
  JSON.parse(text);
  return Math.round(performance.now() - started);
}

/**
 * What a huge key set may cost a correct backend on this machine, as loaded now: the pause while it
 * parses (jose's createRemoteJWKSet pauses about four times this process's bare parse, idle or loaded)
 * and the answer's extra time beyond jwks.maxOutageResponseS. On two loaded cores (six labs, and other
 * runs beside them) the same backend paused 7 times the yardstick and answered in 10.5 s: the bounds
 * scale with the yardstick, taken before and after the fetch, the larger. A backend that blocks on the
 * whole fetch, or imports the keys one by one (jwks-rsa: no answer in 15 s idle), is far beyond both.
 * The yardstick counts up to 1 s (six times an idle parse here): beyond that the machine is too loaded
 * to tell a blocked backend from a slow machine, and a bound it breaks is ERROR, not FAIL, while no
 * allowance grows without end (a PASS is never bought with a slower harness).
 */
const HUGE_PAUSE_YARDSTICKS = 8;
const HUGE_ANSWER_YARDSTICKS = 10;
const YARDSTICK_CAP_MS = 1_000;

type HeavyFault = Extract<JwksFault, { kind: 'huge' | 'slow' }>;

/** One huge or trickling JWKS fetch, with unauthenticated requests sent meanwhile. */
interface HeavyFetch {
  answer: Exchange;
  /** The longest any other request waited while the fetch ran. */
  worstOtherMs: number;
  /** What that wait may be: parsing 20 MB pauses any single-threaded backend. */
  allowedMs: number;
  /** When the request itself must be answered: jwks.maxOutageResponseS, plus the time to parse a huge set. */
  answerWithinMs: number;
  /** The yardstick, when it was over its cap: a broken bound is then undecided. */
  overloadedMs?: number;
  fetched: boolean;
  /** When the fetch came on the backend's own schedule, not for the token: this long after it was sent. */
  scheduledAfterMs?: number;
  /** How long a refresh of the backend's own was waited for (0: not waited for). */
  scheduleWaitedMs: number;
}

/** How long other requests are watched once a scheduled refresh takes the huge or trickling set in: the 20 MB arrive on loopback in well under a second, and the parse pause follows. */
const SCHEDULED_FETCH_WATCH_MS = 5_000;

async function heavyFetch(lab: JwksLab, t: CheckTools, name: string, fault: HeavyFault, awaitScheduled: boolean): Promise<HeavyFetch | { unhealthy: string }> {
  const health = await lab.ensureHealthy();
  if (!health.ok) return { unhealthy: health.observed };
  // A key the backend has never seen, so its request waits on the broken fetch; other requests run
  // meanwhile. Published after the restart: a client that loads its keys as it starts has not seen it.
  if (lab.canRestart) await lab.restart();
  const key = await t.issuer.rotate(t.issuer.algorithms[0]);
  const before = fault.kind === 'huge' ? parseYardstickMs(fault.bytes) : 0;
  // Long enough to see the answer after the largest parse allowance, or late beyond it.
  const timeoutMs = lab.outageTimeoutMs + (fault.kind === 'huge' ? HUGE_ANSWER_YARDSTICKS * YARDSTICK_CAP_MS : 0);
  await t.issuer.setJwksFault(fault);
  try {
    const mark = await lab.mark();
    let done = false;
    const started = Date.now();
    const request = t.send(`${name}: a token of the new key ${key.kid}`, { token: await lab.signedBy(key.kid), timeoutMs, jwksFault: fault.kind }).finally(() => (done = true));
    let worstOtherMs = 0;
    while (!done && Date.now() - started < timeoutMs) {
      // As long as the main request may take: a pause is measured whole, never cut at a timeout below its allowance.
      const other = await t.send(`${name}: a request without a token while the JWKS fetch runs`, { authorization: null, timeoutMs });
      worstOtherMs = Math.max(worstOtherMs, other.durationMs);
      await delay(250);
    }
    const answer = await request;
    let fetched = (await lab.fetchesSince(mark)).length > 0;
    // No fetch for the unseen kid: a client that refreshes on a schedule of its own (jwx's interval)
    // still takes the broken set in, in the background, whenever it comes; whether that blocks the
    // backend is measured the same way, for as long as a refetch may take (none: not applicable).
    let scheduledAfterMs: number | undefined;
    let scheduleWaitedMs = 0;
    if (!fetched && awaitScheduled) {
      const waitFrom = Date.now();
      const until = waitFrom + lab.bound(lab.settings.maxRotationDelayS * 1000).ms;
      let measureUntil = Infinity;
      // Until a refresh comes (within the bound), then for the watch after it, however late in the bound it came.
      while (Date.now() < (fetched ? measureUntil : until)) {
        const other = await t.send(`${name}: a request without a token, waiting for the backend's own refresh`, { authorization: null, timeoutMs });
        worstOtherMs = Math.max(worstOtherMs, other.durationMs);
        await delay(250);
        if (!fetched && (await lab.fetchesSince(mark)).length) {
          fetched = true;
          scheduledAfterMs = Date.now() - started;
          measureUntil = Date.now() + SCHEDULED_FETCH_WATCH_MS;
          // Only what the refresh does counts: the waits before it had nothing to wait on.
          worstOtherMs = 0;
        }
      }
      scheduleWaitedMs = Date.now() - waitFrom;
    }
    // Judged against how long this machine, as loaded now, takes to parse as much.
    const measuredMs = fault.kind === 'huge' ? Math.max(before, parseYardstickMs(fault.bytes)) : 0;
    const yardstickMs = Math.min(measuredMs, YARDSTICK_CAP_MS);
    const allowedMs = 2_000 + HUGE_PAUSE_YARDSTICKS * yardstickMs;
    const answerWithinMs = lab.settings.maxOutageResponseS * 1000 + HUGE_ANSWER_YARDSTICKS * yardstickMs;
    return { answer, worstOtherMs, allowedMs, answerWithinMs, fetched, scheduleWaitedMs, ...(scheduledAfterMs !== undefined ? { scheduledAfterMs } : {}), ...(measuredMs > YARDSTICK_CAP_MS ? { overloadedMs: measuredMs } : {}) };
  } finally {
    await t.issuer.clearJwksFault();
  }
}

jwksCheck(
  {
    id: 'JWKS-HUGE-SLOW',
    title: 'A huge or trickling JWKS response is bounded in time and does not block the backend',
    severity: 'medium',
    requirement: 'The JWKS client bounds the response time (and size); while it waits, the backend keeps serving other requests.',
    references: ['CWE-400', 'jose timeoutDuration'],
    taxonomy: { cwe: ['CWE-1088', 'CWE-770'], capec: [], owaspApi: 'API10:2023' },
    expected: `the request is answered within jwks.maxOutageResponseS (for the huge set, plus ten times this machine's time to parse as much JSON); an unauthenticated request meanwhile is answered within 2 s (plus eight times that parse time); a parse time over 1 s makes a broken bound ERROR (too loaded to judge); a backend that fetches nothing for a new kid is judged on its own refresh, if one comes within jwks.maxRotationDelayS (none: SKIP)`,
  },
  async (lab, t) => {
    const scenarios: [string, HeavyFault][] = [
      ['a 20 MB JWKS', { kind: 'huge', bytes: 20 * 1024 * 1024 }],
      ['a JWKS trickling at 1 byte per second', { kind: 'slow', bytesPerChunk: 1, intervalMs: 1_000 }],
    ];
    const results: CheckResult[] = [];
    const measured: Record<string, number> = {};
    // Findings other than the trickle outlasting the bound: that one alone is a fetch without a short
    // timeout, the cause JWKS-OUTAGE-STATUS names when its hung probes show it.
    let ownFindings = 0;
    // A backend that made no fetch of its own for as long as a refetch may take will not for the next
    // scenario either: waited for once.
    let awaitScheduled = true;
    for (const [name, fault] of scenarios) {
      let run = await heavyFetch(lab, t, name, fault, awaitScheduled);
      if ('unhealthy' in run) return { verdict: 'ERROR', observed: `inconclusive: before ${name}, ${run.unhealthy}` };
      const timedOut = (r: HeavyFetch) => r.answer.outcome === 'transport-error' || r.answer.durationMs > r.answerWithinMs;
      // A backend that blocks on the fetch blocks every time; a pause that does not come back was the
      // machine's load (other runs on the same cores), so a block alone is confirmed by a second fetch.
      let confirmation = '';
      if (run.fetched && !timedOut(run) && run.worstOtherMs > run.allowedMs) {
        const again = await heavyFetch(lab, t, `${name} (again, to confirm the pause)`, fault, awaitScheduled);
        measured[`${fault.kind}Attempts`] = 2;
        if ('unhealthy' in again || !again.fetched) confirmation = ' (not confirmed: a second fetch could not be made)';
        else if (!timedOut(again) && again.worstOtherMs / again.allowedMs < run.worstOtherMs / run.allowedMs) {
          confirmation = again.worstOtherMs > again.allowedMs ? ` (confirmed: the first fetch paused them ${run.worstOtherMs} ms)` : ` (a first fetch paused them ${run.worstOtherMs} ms, under load; this one did not)`;
          run = again;
        } else confirmation = timedOut(again) ? ' (a second fetch was not answered in time)' : ` (confirmed: a second fetch paused them ${again.worstOtherMs} ms)`;
      }
      const { answer, worstOtherMs, allowedMs } = run;
      // The backend's own refresh took the set in, in the background: requests waited on nothing, so only
      // whether it blocked the backend is measured. A trickle it keeps reading is never seen to end here:
      // whether that refresh gives up (or holds the next ones back) is not observed.
      const scheduled = run.scheduledAfterMs !== undefined;
      measured[`${fault.kind}RequestMs`] = answer.durationMs;
      measured[`${fault.kind}WorstOtherRequestMs`] = worstOtherMs;
      measured[`${fault.kind}AllowedOtherRequestMs`] = allowedMs;
      measured[`${fault.kind}AnswerWithinMs`] = run.answerWithinMs;
      if (!run.fetched) {
        // It fetches no key for a kid it has not seen: no request ever waits on such a fetch.
        const ownRefresh = awaitScheduled ? `, nor did it refresh on its own within ${seconds(run.scheduleWaitedMs)} s` : ', and it does not refresh on its own (above)';
        awaitScheduled = false;
        results.push({ verdict: 'SKIP', observed: `${name}: not applicable, a token of a key the backend had not seen made it fetch nothing (${statusOf(answer)})${ownRefresh}` });
        continue;
      }
      const problems: string[] = [];
      if (timedOut(run)) problems.push(`the request was not answered within ${(run.answerWithinMs / 1000).toFixed(1)} s (${answer.error ?? `${answer.durationMs} ms`})`);
      if (worstOtherMs > allowedMs) problems.push(`other requests waited up to ${worstOtherMs} ms meanwhile (blocked; allowed ${allowedMs} ms)`);
      if (problems.length && run.overloadedMs !== undefined) {
        results.push({ verdict: 'ERROR', observed: `${name}: inconclusive, ${problems.join(', ')}, while this machine took ${run.overloadedMs} ms to parse as much JSON (over ${YARDSTICK_CAP_MS} ms: too loaded to tell a blocked backend from a slow machine; rerun with fewer --jobs or on a quieter machine)${confirmation}` });
        continue;
      }
      if (problems.length && !(fault.kind === 'slow' && problems.length === 1 && timedOut(run))) ownFindings++;
      const how = scheduled ? ` (a token of a key it had not seen fetched nothing; its own refresh took the set in ${seconds(run.scheduledAfterMs!)} s later, in the background)` : '';
      if (scheduled && !problems.length && fault.kind === 'slow') {
        results.push({ verdict: 'INFO', observed: `${name}: other requests within ${worstOtherMs} ms while its own refresh read the trickle${how}; whether that refresh gives up is not observed` });
        continue;
      }
      results.push({ verdict: problems.length ? 'FAIL' : 'PASS', observed: `${name}: ${problems.length ? problems.join(', ') : `answered ${statusOf(answer)} in ${answer.durationMs} ms; other requests within ${worstOtherMs} ms`}${how}${confirmation}` });
    }
    const result = { ...combine(results), measured };
    return ownFindings ? result : followsFrom([CAUSES.jwksFetchUnbounded], result);
  },
  { estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS) + s.maxOutageResponseS / 2 },
);

jwksCheck(
  {
    id: 'JWKS-STARTUP-DOWN',
    // A start while the JWKS is down: the harness must start the backend (a SKIP `run --plan` foresees).
    needs: [...JWKS_LAB_NEEDS, 'restart-backend'],
    title: 'A backend that starts while the JWKS is down recovers when it comes back',
    severity: 'medium',
    requirement: 'Starting without keys leaves the API degraded (401/503), not dead or open; once the JWKS answers again, valid tokens are accepted without a restart.',
    references: ['garden-co/jazz#340'],
    taxonomy: { cwe: ['CWE-248', 'CWE-636'], capec: [], owaspApi: 'API4:2023' },
    expected: 'starts, refuses during the outage, accepts within jwks.maxRotationDelayS of recovery',
  },
  async (lab, t) => {
    const token = await lab.valid();
    await t.issuer.setJwksFault({ kind: 'status', status: 503 });
    try {
      await lab.restart({ anyStatus: true });
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      // It exited: it cannot start without its keys.
      if (/the start command exited/.test(message)) return { verdict: 'FAIL', observed: `the backend does not start while its JWKS answers 503: ${message}` };
      // Not ready: a client that waits for its keys before it serves (jwx's Register), or a machine too
      // loaded to start it in time. A start with the JWKS answering tells which.
      await t.issuer.clearJwksFault();
      const started = Date.now();
      const up = await lab.restart().then(() => true, () => false);
      if (!up) return { verdict: 'ERROR', observed: `inconclusive: the backend did not answer its readiness path while the JWKS was down (${message}), nor once it answered again` };
      return {
        verdict: 'NON-STRICT',
        observed: `the backend does not serve at all while its JWKS is down: it did not answer its readiness path (${message}), and with the JWKS answering it started in ${seconds(Date.now() - started)} s. It waits for its keys before it serves: not open, but an outage of the issuer at deploy time is an outage of this API (starting degraded, 401/503, and recovering is what is asked)`,
      };
    }
    const during = await t.send('a valid token while the JWKS answers 503', { token, jwksFault: 'status', timeoutMs: lab.outageTimeoutMs });
    if (during.outcome === 'accepted') return { verdict: 'FAIL', observed: 'a backend with no keys accepted a token during the outage: it does not verify (fail-open)', causes: [CAUSES.jwksFailOpen] };
    await t.issuer.clearJwksFault();
    const { ms, short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
    const poll = await lab.poll('a valid token after the JWKS recovered', token, (e) => e.outcome === 'accepted', ms, { jwksFault: 'recovering' });
    const result = timeBound('recovered: a valid token was accepted', poll, lab.settings.maxRotationDelayS, short, 'secondsToRecover');
    // Never recovering is never refetching, when JWKS-ROTATE-NEWKID names that cause; or a refresh
    // limiter the request during the outage spent (keyfunc: one refresh per 5 minutes), when
    // JWKS-KIDMISS-LIMITER-STARVATION shows an attacker can keep it spent.
    return followsFrom([CAUSES.keysNeverRefetched, CAUSES.refreshLimiterStarved], { ...result, observed: `started while the JWKS was down, answered ${statusOf(during)} meanwhile; ${result.observed}`, evidence: poll.sample });
  },
  { estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS), timelineBound: { setting: 'maxRotationDelayS', after: 'fault-cleared' } },
);
