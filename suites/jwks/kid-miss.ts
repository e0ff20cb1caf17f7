// Unknown kids: a token naming a kid the backend has not seen may make it refetch the JWKS, within
// limits (a cooldown, no fetch for what it would refuse anyway, no starvation of real new keys).
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { JwksLab, fetchSummary, jwksCheck, percentile, seconds, timeBound } from './lab.js';
import type { Exchange } from '../../harness/checks/model.js';
import { CAUSES, expectAllRejected, statusOf } from '../../harness/checks/oracle.js';
import { b64u, hmacCompact } from '../../harness/forge/jws.js';
import { freshClaims } from '../../harness/forge/token.js';
import { englishFaker } from '../../harness/faker.js';
import { scaledToRate } from '../../harness/target/pace.js';

// Unknown kids

/** JWKS-KIDMISS-STORM starts no request after this many seconds (a fast backend refuses its 1,000 kids in a few). */
const STORM_MAX_S = 30;

jwksCheck(
  {
    id: 'JWKS-KIDMISS-STORM',
    title: 'Tokens with random kids do not each make the backend fetch the JWKS',
    severity: 'medium',
    requirement: 'Refetching on an unknown kid is rate-limited (a cooldown); otherwise anyone can make the API hammer its issuer with forged kids.',
    references: ['auth0/node-jwks-rsa#319', 'lua-resty-openidc#468', 'go-oidc#482', 'libjwt#313'],
    taxonomy: { cwe: ['CWE-770', 'CWE-406'], capec: ['CAPEC-125'], owaspApi: 'API4:2023' },
    expected: 'all refused; a bounded handful of fetches (a cooldown or rate limit: at most 10, or one per second of storm), never a number that grows with the kids',
    requests: 'jwks.stormRequests',
  },
  async (lab, t) => {
    const planned = scaledToRate(lab.settings.stormRequests, t.target.settings.maxRps);
    const tokens = Array.from({ length: planned }, () => lab.garbage(JwksLab.randomKid()));
    const mark = await lab.mark();
    const started = Date.now();
    // A backend that holds each unknown kid (JWKS-KIDMISS-BLOCKING's finding) would stretch the storm
    // to minutes: it stops starting requests after STORM_MAX_S, and is judged on those sent.
    const exchanges = await lab.sendBatch((i) => `random kid ${i + 1} of ${planned}, garbage signature`, tokens, {}, t.target, started + STORM_MAX_S * 1000);
    const n = exchanges.length;
    const cut = n < planned ? `; stopped starting requests after ${STORM_MAX_S} s, with ${n} of ${planned} sent (a backend that holds unknown kids is JWKS-KIDMISS-BLOCKING's finding)` : '';
    const durationMs = Date.now() - started;
    const fetches = await lab.fetchesSince(mark);
    const latencies = exchanges.map((e) => e.durationMs);
    const measured = { requests: n, fetches: fetches.length, fetchesPer1000: Math.round((fetches.length / n) * 1000), durationS: seconds(durationMs), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
    const rejected = expectAllRejected(exchanges);
    const evidence = [...exchanges.slice(0, 2), exchanges[exchanges.length - 1]!];
    if (rejected.verdict !== 'PASS') return { ...rejected, observed: `${rejected.observed}${cut}`, measured, evidence: [...evidence, ...exchanges.filter((e) => e.outcome !== 'rejected').slice(0, 3)] };
    // Bounded means a cooldown (a fetch at the start and one per second after it) or a rate limiter
    // (jwks-rsa's 5 a minute): a handful, whatever the number of kids. FAIL is fetches that grow with it.
    const bound = Math.max(10, Math.ceil(durationMs / 1000) + 1);
    const observed = `${fetchSummary(fetches)} for ${n} random kids in ${measured.durationS} s (p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms)${cut}`;
    if (fetches.length > bound) return { verdict: 'FAIL', observed: `${observed}: fetches grow with the number of unknown kids (${measured.fetchesPer1000} per 1000; a cooldown or rate limit keeps them to ${bound} or fewer)`, measured, evidence };
    // Too few kids to tell a fetch per kid from a one-a-second cooldown (a low --max-rps, or requests the
    // backend holds): the fetches followed the kids, and could not have exceeded the bound.
    if (n <= 2 * bound && fetches.length >= n / 2) return { verdict: 'INFO', observed: `undecided: ${observed}: fetches for half the kids or more, but ${n} kids in ${measured.durationS} s cannot tell that from a cooldown of a second (bound ${bound}); a storm of more than ${2 * bound} kids in that time would decide it (a higher --max-rps)`, measured, evidence };
    return { verdict: 'PASS', observed: `${observed}; all refused, the fetches bounded by a cooldown or rate limit`, measured, evidence };
  },
  { causes: [CAUSES.keysNotCached], explains: CAUSES.kidMissUnthrottled, spendsLab: true },
);

/** JWKS-KIDMISS-BLOCKING: the flood's size and width, and the valid requests timed beside it (at least, at most). */
const BLOCKING_FLOOD = 60;
const BLOCKING_FLOOD_WIDTH = 20;
const BLOCKING_VALID = [5, 10] as const;

jwksCheck(
  {
    id: 'JWKS-KIDMISS-BLOCKING',
    title: 'A flood of unknown kids neither holds its own requests nor slows valid ones',
    severity: 'medium',
    requirement:
      "A JWKS client refuses a kid it will not fetch for now at once: it never holds the request until its next refresh or until its limiter opens (jwkset waits up to RateLimitWaitMax when the limiter's next slot is that close), nor makes requests whose key it has wait behind a refresh (a decoder that fetches on the request thread under a lock). Otherwise each forged token ties up a connection or a worker.",
    references: ['MicahParks/jwkset http.go (RefreshUnknownKID, RateLimitWaitMax)', 'RFC 8725 §3.1', 'OWASP API4:2023'],
    taxonomy: { cwe: ['CWE-400', 'CWE-833', 'CWE-770'], capec: ['CAPEC-125'], owaspApi: 'API4:2023' },
    expected:
      'in one flood mixing 60 unknown kids with 60 tokens of the current kid, the unknown kids are refused within jwks.maxBlockingS (1 s) of the known ones (medians); valid requests sent beside it take at most that much longer than beside a flood of known kids alone, and stay accepted',
    requests: 3 * BLOCKING_FLOOD + 3 * BLOCKING_VALID[1],
  },
  async (lab, t) => {
    const { kid } = await t.currentKey();
    if (!kid) return t.skip('the issuer signs without a kid: no key is looked up by kid');
    // A backend of its own where the harness can: its limiter in the state a restart leaves it.
    if (lab.canRestart) await lab.restart();
    const boundMs = lab.settings.maxBlockingS * 1000;
    // Held requests time out here, well past the bound: a backend that holds them for a minute must not hold the check.
    const timeoutMs = Math.max(3 * boundMs, 5_000);
    const n = scaledToRate(BLOCKING_FLOOD, t.target.settings.maxRps);
    const flooder = lab.client(BLOCKING_FLOOD_WIDTH);
    const timer = lab.client(1);
    // Valid tokens, each distinct (a cache of verified tokens would skip the key lookup), one at a time while the flood lasts.
    const timedValid = async (label: string, during: Promise<unknown>) => {
      let done = false;
      void during.then(() => (done = true), () => (done = true));
      const tokens = await Promise.all(Array.from({ length: BLOCKING_VALID[1] }, () => lab.signedBy(kid)));
      const sent: Exchange[] = [];
      while (sent.length < BLOCKING_VALID[1] && !(done && sent.length >= BLOCKING_VALID[0])) sent.push(await timer.send(t.checkId, `${label} #${sent.length + 1}`, { token: tokens[sent.length]!, timeoutMs }));
      return sent;
    };
    const known = () => ({ kind: 'known', token: lab.garbage(kid) });
    const unknown = () => ({ kind: 'unknown', token: lab.garbage(JwksLab.randomKid()) });
    const flood = async (name: string, tokens: { kind: string; token: string }[]) => {
      const sending = lab.sendBatch((i) => `${name}: ${tokens[i]!.kind === 'known' ? 'the current kid' : 'a random kid'}, garbage signature (${i + 1} of ${tokens.length})`, tokens.map((x) => x.token), { timeoutMs }, flooder);
      const valid = await timedValid(`valid token during the ${name}`, sending);
      const sent = await sending;
      return { valid, known: sent.filter((_, i) => tokens[i]!.kind === 'known'), unknown: sent.filter((_, i) => tokens[i]!.kind === 'unknown') };
    };
    try {
      const control = await flood('control flood', Array.from({ length: n }, known));
      const mark = await lab.mark();
      // Known and unknown kids shuffled into one flood: their refusals share its load, which cancels out.
      const mixed = await flood('mixed flood', englishFaker().helpers.shuffle([...Array.from({ length: n }, known), ...Array.from({ length: n }, unknown)]));
      const fetches = await lab.fetchesSince(mark);
      const ms = (es: Exchange[], p: number) => percentile(es.map((e) => e.durationMs), p);
      const measured = {
        validControlP50Ms: ms(control.valid, 50),
        validMixedP50Ms: ms(mixed.valid, 50),
        validMixedP99Ms: ms(mixed.valid, 99),
        knownRefusalP50Ms: ms(mixed.known, 50),
        unknownRefusalP50Ms: ms(mixed.unknown, 50),
        unknownRefusalP99Ms: ms(mixed.unknown, 99),
        fetches: fetches.length,
      };
      const figures = `valid requests p50 ${measured.validControlP50Ms} ms beside ${n} tokens of the current kid, ${measured.validMixedP50Ms} ms (p99 ${measured.validMixedP99Ms} ms) beside as many again with unknown kids; in that flood, refusals p50 ${measured.knownRefusalP50Ms} ms for the current kid, ${measured.unknownRefusalP50Ms} ms (p99 ${measured.unknownRefusalP99Ms} ms) for unknown ones; ${fetchSummary(fetches)}`;
      const evidence = [control.valid[0]!, mixed.valid.at(-1)!, mixed.known[0]!, mixed.unknown[0]!, mixed.unknown.at(-1)!];
      // The control must be a clean baseline: valid tokens accepted, the known kids refused (a 429 is a limiter, not an answer).
      // In the mixed flood a timeout is a finding (held unknown kids can use up a bounded pool of workers); another status (429, 5xx) is not.
      const unclear = [
        ...control.valid.filter((e) => e.outcome !== 'accepted'),
        ...control.known.filter((e) => e.outcome !== 'rejected'),
        ...[...mixed.known, ...mixed.valid].filter((e) => e.outcome === 'other' || e.outcome === 'server-error'),
      ];
      if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive: ${unclear.slice(0, 3).map((e) => `${e.label}: ${statusOf(e)}`).join('; ')}${unclear.length > 3 ? ` (${unclear.length} in all)` : ''}; ${figures}`, measured, evidence: unclear.slice(0, 3) };
      const findings: string[] = [];
      const validRefused = mixed.valid.filter((e) => e.outcome === 'rejected' || e.outcome === 'transport-error');
      if (validRefused.length) findings.push(`${validRefused.length} of ${mixed.valid.length} valid requests beside the unknown kids were refused or got no answer (${validRefused.slice(0, 3).map(statusOf).join(', ')}), none beside the known ones`);
      const knownHeld = mixed.known.filter((e) => e.outcome === 'transport-error');
      if (knownHeld.length) findings.push(`${knownHeld.length} of the current kid's tokens beside the unknown kids got no answer within ${timeoutMs / 1000} s: the held requests take the backend's workers`);
      const validExtra = measured.validMixedP50Ms - measured.validControlP50Ms;
      if (validExtra > boundMs) findings.push(`valid requests waited ${validExtra} ms longer (median) beside the unknown kids than beside the known ones: requests whose key is cached wait behind the refresh`);
      const heldExtra = measured.unknownRefusalP50Ms - measured.knownRefusalP50Ms;
      const heldToTimeout = mixed.unknown.filter((e) => e.outcome === 'transport-error');
      if (heldExtra > boundMs) findings.push(`unknown kids were refused ${heldExtra} ms later (median) than the current kid in the same flood${heldToTimeout.length ? `, ${heldToTimeout.length} of ${n} held past ${timeoutMs / 1000} s` : ''}: the backend holds each such request (waiting for a refetch, or for its limiter to open) before refusing it, so every forged token ties up a connection`);
      if (findings.length) {
        // Held by a fetch of their own (one per kid): that is JWKS-KIDMISS-STORM's cause, the wait its cost.
        const perKid = fetches.length >= n / 2 ? [CAUSES.kidMissUnthrottled] : [];
        return { verdict: 'FAIL', observed: `${findings.join('; ')} (bound: jwks.maxBlockingS = ${lab.settings.maxBlockingS} s); ${figures}`, measured, evidence: [...evidence, ...validRefused.slice(0, 2), ...heldToTimeout.slice(0, 2)], ...(perKid.length ? { causes: perKid } : {}) };
      }
      const odd = mixed.unknown.filter((e) => e.outcome !== 'rejected');
      if (odd.length) return { verdict: 'ERROR', observed: `inconclusive: ${odd.length} of the unknown-kid tokens were not refused (${odd.slice(0, 3).map((e) => `${e.label}: ${statusOf(e)}`).join('; ')}); ${figures}`, measured, evidence: odd.slice(0, 3) };
      return { verdict: 'PASS', observed: `the unknown kids added no more than ${lab.settings.maxBlockingS} s: ${figures}`, measured, evidence };
    } finally {
      await Promise.all([flooder.close(), timer.close()]);
    }
  },
  { causes: [CAUSES.keysNotCached], spendsLab: true },
);

/** JWKS-KIDMISS-PRECHECK's tokens of each kind (alg none, HS256, an algorithm outside the allowlist). */
const PRECHECK_TOKENS = 5;

jwksCheck(
  {
    id: 'JWKS-KIDMISS-PRECHECK',
    title: 'Tokens refused by cheap checks (alg none, HS256, an algorithm outside the declared allowlist) cause no JWKS fetch',
    severity: 'medium',
    requirement: 'The algorithm allowlist is checked before the key lookup, so tokens that cannot be valid never reach the network.',
    references: ['evoila/meho#3484', 'AutoGPT#14519', 'RFC 8725 §3.1'],
    taxonomy: { cwe: ['CWE-408', 'CWE-406'], capec: [], owaspApi: 'API4:2023' },
    expected: 'zero fetches for them, while an unknown kid with an allowed alg does fetch (fetches bounded by a cache, cooldown or rate limit: NON-STRICT; one per token of a kind, with nothing bounding them: FAIL)',
  },
  async (lab, t) => {
    const ready = await lab.kidMissReady();
    // An algorithm counts as disallowed only when the team declares its allowlist (target.algorithms):
    // a backend may rightly accept more than the issuer signs with, and then its fetches are due.
    const declared = t.target.settings.algorithms;
    const disallowed = declared ? (['RS256', 'ES256', 'PS256', 'EdDSA', 'ES512'] as const).find((a) => !declared.includes(a)) : undefined;
    const claims = b64u(JSON.stringify(freshClaims(t.claims)));
    const groups: { name: string; token: () => string }[] = [
      { name: 'alg none', token: () => `${b64u(JSON.stringify({ alg: 'none', kid: JwksLab.randomKid() }))}.${claims}.` },
      { name: 'HS256', token: () => hmacCompact('HS256', randomBytes(32), { alg: 'HS256', kid: JwksLab.randomKid() }, freshClaims(t.claims)) },
      ...(disallowed ? [{ name: `${disallowed} (outside target.algorithms)`, token: () => lab.garbage(JwksLab.randomKid(), disallowed) }] : []),
    ];
    // One at a time, a group at a time: concurrent first lookups would each load the set, and a
    // verifier may refuse one kind before the lookup and not another.
    const exchanges: Exchange[] = [];
    const tried: { name: string; fetches: number; seconds: number; perToken: boolean }[] = [];
    for (const group of groups) {
      const mark = await lab.mark();
      const sentAt = performance.now();
      for (let i = 1; i <= PRECHECK_TOKENS; i++) exchanges.push(await lab.sendQuiet(`${group.name}, random kid #${i}`, group.token()));
      const took = (performance.now() - sentAt) / 1000;
      const fetches = (await lab.fetchesSince(mark)).length;
      // A fetch for most of them, and more than a cooldown of one second allows over the time they
      // took (a short cooldown or lifespan lapsing on a loaded machine is not a fetch per token).
      tried.push({ name: group.name, fetches, seconds: took, perToken: fetches * 2 > PRECHECK_TOKENS && fetches > Math.ceil(took) + 1 });
    }
    const controlMark = await lab.mark();
    const control = await t.send('control: an unknown kid with an allowed alg', lab.garbage(JwksLab.randomKid()));
    const controlFetches = await lab.fetchesSince(controlMark);
    const fetches = tried.reduce((n, g) => n + g.fetches, 0);
    const measured = { requests: exchanges.length, fetches, controlFetches: controlFetches.length, fetchesByKind: tried.map((g) => `${g.name} ${g.fetches}`).join(', ') };
    const rejected = expectAllRejected(exchanges);
    if (rejected.verdict !== 'PASS') {
      // Accepted alg none or HS256 tokens are SIG-ALG-NONE's or SIG-UNVERIFIED's finding, not this check's.
      const algNoneIn = exchanges.some((e) => e.outcome === 'accepted' && e.label.startsWith('alg none'));
      return { ...rejected, measured, evidence: exchanges.slice(0, 3), ...(algNoneIn ? { causes: [CAUSES.algNone] } : {}) };
    }
    const counts = tried.map((g) => `${g.name}: ${g.fetches} of ${PRECHECK_TOKENS} (${g.seconds.toFixed(1)} s)`).join(', ');
    const perToken = tried.filter((g) => g.perToken);
    // A fetch per token, and the control still fetched after them: the lookup comes first and nothing
    // bounds it; a client that fetches for every unknown kid (JWKS-KIDMISS-STORM) is reported under that cause.
    if (perToken.length && controlFetches.length) return { verdict: 'FAIL', observed: `JWKS fetches for tokens no allowed algorithm can verify, one each (${counts}), and an unknown kid with an allowed alg still fetched after them: each can make the backend fetch, the key is looked up before the algorithm is checked`, measured, evidence: exchanges.slice(0, 3), causes: [CAUSES.kidMissUnthrottled] };
    // Fewer, or a limiter spent by them (the control fetched nothing): the keys were looked up for such
    // tokens, but a cache, cooldown or rate limit bounded it as it bounds any unknown kid: a hardening gap.
    if (fetches > 0) {
      const bound = perToken.length ? 'a rate limit bounded them (the control, an unknown kid with an allowed alg, fetched nothing after them)' : 'its cache or cooldown bounded the rest';
      return { verdict: 'NON-STRICT', severity: 'low', observed: `JWKS fetches for tokens no allowed algorithm can verify (${counts}): the key is looked up before the algorithm is checked, though ${bound}`, measured, evidence: exchanges.slice(0, 3) };
    }
    if (controlFetches.length) return { verdict: 'PASS', observed: `no fetch for ${exchanges.length} tokens with alg none, HS256${disallowed ? ` or ${disallowed}` : ''} and random kids, while an unknown kid with ${t.issuer.algorithms[0]} did fetch (${ready.observed})`, measured, evidence: [exchanges[0]!, control] };
    if (!ready.ready) return { verdict: 'SKIP', observed: `no fetch for ${exchanges.length} such tokens, but the backend does not refetch on unknown kids at all (${ready.observed}), so there is nothing to precede`, measured, evidence: [exchanges[0]!, control] };
    // Neither fetched: a cooldown since its start-up load, or no fetch for unknown kids at all. Unknown
    // kids with an allowed alg, for the accepted rotation delay, tell which.
    const later = await lab.untilFetched(await lab.mark(), 'an unknown kid with an allowed alg, until the backend fetches', () => lab.garbage(JwksLab.randomKid()));
    if (!later.fetches.length) return { verdict: 'SKIP', observed: `no fetch for ${exchanges.length} such tokens, but unknown kids with ${t.issuer.algorithms[0]} made the backend fetch nothing either, for ${seconds(later.waitedMs)} s (${ready.observed}): it fetches no key for a kid it has not seen, so there is nothing to precede`, measured, evidence: [exchanges[0]!, control] };
    // A fetch came: for the kids, after a cooldown, or on a schedule of its own (jwx's refresh
    // interval). With nothing sent, for as long as a refetch may take, a scheduled refresh comes anyway.
    const idleMark = await lab.mark();
    const idleUntil = Date.now() + lab.bound(lab.settings.maxRotationDelayS * 1000).ms;
    let unasked = await lab.fetchesSince(idleMark);
    while (!unasked.length && Date.now() < idleUntil) {
      await delay(250);
      unasked = await lab.fetchesSince(idleMark);
    }
    if (unasked.length) return { verdict: 'SKIP', observed: `no fetch for ${exchanges.length} such tokens, nor for the control; the backend refreshes on a schedule of its own (${fetchSummary(unasked)} while nothing was sent), so unknown kids make no fetch to precede`, measured, evidence: [exchanges[0]!, control] };
    return { verdict: 'ERROR', observed: `inconclusive: no fetch for these tokens while the control (an unknown kid with ${t.issuer.algorithms[0]}) did not fetch either; unknown kids made it fetch ${seconds(later.waitedMs)} s later, so a cooldown may have held them all`, measured, evidence: [exchanges[0]!, control] };
  },
  { causes: [CAUSES.keysNotCached], spendsLab: true },
);

/** Random kids the attacker sends before each probe of the new key: jwks-rsa's default allowance a minute. */
const ATTACKER_KIDS_PER_PROBE = 10;

jwksCheck(
  {
    id: 'JWKS-KIDMISS-LIMITER-STARVATION',
    title: 'A storm of unknown kids does not keep a real new key out',
    severity: 'medium',
    requirement: "An attacker's bogus kids must not exhaust the refetch limiter so that a legitimate rotation is refused.",
    references: ['auth0/jwks-rsa-java#173', 'backstage#35233'],
    taxonomy: { cwe: ['CWE-410', 'CWE-770'], capec: ['CAPEC-125'], owaspApi: 'API4:2023' },
    expected: 'the new key is accepted within jwks.maxRotationDelayS after the storm, while the attacker keeps sending ten random kids before each of its probes (a limiter they keep closed is FAIL)',
    requests: 250, // up to 200 random kids, then the new key's polls (each after ten more): a few where the key gets in
  },
  async (lab, t) => {
    // A backend of its own where the harness can: a limiter an earlier check spent is not this attack's.
    if (lab.canRestart) await lab.restart();
    const n = Math.min(200, scaledToRate(lab.settings.stormRequests, t.target.settings.maxRps));
    await lab.sendBatch((i) => `random kid ${i + 1} of ${n}`, Array.from({ length: n }, () => lab.garbage(JwksLab.randomKid())));
    const key = await t.issuer.rotate(t.issuer.algorithms[0]);
    const { ms, short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
    // The attacker does not stop when the rotation comes: a few random kids before each probe, more
    // than a refilled limiter allows at once (jwks-rsa: ten a minute), so a limiter that refuses lookups
    // once spent stays closed to the new key for as long as they keep coming, window after window; a
    // cooldown lets the next refetch, whoever asked for it, load the new key.
    const perProbe = scaledToRate(ATTACKER_KIDS_PER_PROBE, t.target.settings.maxRps);
    let kept = 0;
    const probe = async () => {
      // Signed first (a request to the issuer): the probe then follows the attacker's last kid within a
      // millisecond or two. A gap there is a window in which a limiter that restarts its window at the
      // first request after it ends gives the probe its refresh by luck (signing in the gap let one in,
      // at a window's end, about one run in ten).
      const token = await lab.signedBy(key.kid);
      await lab.sendBatch((i) => `the attacker's random kid #${kept + i + 1} during the rotation`, Array.from({ length: perProbe }, () => lab.garbage(JwksLab.randomKid())));
      kept += perProbe;
      return token;
    };
    const poll = await lab.poll(`a token of the new key ${key.kid}, after ${n} random kids and with ${perProbe} more before each`, probe, (e) => e.outcome === 'accepted', ms);
    const result = timeBound(`with ${n} random kids before the rotation and ${kept} during it, a token of the new key ${key.kid} was accepted`, poll, lab.settings.maxRotationDelayS, short, 'secondsToAccept');
    return { ...result, measured: { ...result.measured, stormKids: n, kidsDuringRotation: kept }, evidence: poll.sample };
  },
  { estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS) / 2, causes: [CAUSES.keysNeverRefetched], explains: CAUSES.refreshLimiterStarved, spendsLab: true, timelineBound: { setting: 'maxRotationDelayS', after: 'key-published' } },
);
