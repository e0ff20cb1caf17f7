// Where the backend gets its keys and how it caches them: the fetches a valid token costs, the
// JWKS URL never taken from a token, one fetch per cold burst, and what it makes of HTTP caching.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { fetchSummary, jwksCheck, seconds, withAttacker } from './lab.js';
import type { Exchange } from '../../harness/checks/model.js';
import { CAUSES, expectRejectedWithoutFetch, statusOf } from '../../harness/checks/oracle.js';
import { signCompact } from '../../harness/forge/jws.js';
import { attackerKey } from '../../harness/forge/keys.js';
import { freshClaims } from '../../harness/forge/token.js';
import type { JwksFetch } from '../../harness/issuer/protocol.js';
import { JWKS_PATH } from '../../harness/issuer/protocol.js';
import { scaledToRate } from '../../harness/target/pace.js';

// Where keys come from

jwksCheck(
  {
    id: 'JWKS-FETCH-BASELINE',
    title: 'The backend fetches its keys from the configured JWKS URL',
    severity: 'info',
    requirement: 'Measured only: keys come from the configured JWKS URL (RFC 7515 §4.1.2 requires TLS for it in production); JWKS-REDIRECT, JWKS-ISS-DERIVED-URL and JWKS-OUTAGE-STATUS judge where else it fetches and its timeout.',
    references: ['RFC 7515 §4.1.2', 'RFC 8725 §3.10', 'CVE-2026-48522'],
    taxonomy: { cwe: ['CWE-346'], capec: [], owaspApi: 'API10:2023' },
    expected: 'reported: the first fetch (method, URL, User-Agent, Accept); a redirect or a pinned key set is named',
  },
  async (lab, t) => {
    let fetches: JwksFetch[];
    let how: string;
    if (lab.canRestart) {
      const mark = await lab.mark();
      await lab.restart();
      await t.stillValid('a valid token after a cold start', await lab.valid());
      fetches = await lab.fetchesSince(mark);
      how = 'after a cold start';
    } else {
      fetches = await t.issuer.jwksFetches(0);
      how = 'since the issuer started';
    }
    const first = fetches[0];
    if (!first) return { verdict: 'INFO', observed: `the backend accepted valid tokens without fetching the JWKS ${how}: its keys are pinned or come from elsewhere, so rotation cannot reach it (see JWKS-ROTATE-NEWKID)`, measured: { fetches: 0 } };
    const elsewhere = fetches.filter((f) => f.method !== 'GET' || f.path.split('?')[0] !== JWKS_PATH);
    const measured = { fetches: fetches.length, method: first.method, path: first.path, userAgent: first.userAgent ?? '(none)', accept: String(first.headers.accept ?? '(none)') };
    const note = 'the suite serves its issuer over http on loopback, so whether the backend insists on https is not observed here';
    if (elsewhere.length) return { verdict: 'INFO', observed: `besides the JWKS the backend requested ${elsewhere.map((f) => `${f.method} ${f.path}`).join(', ')} ${how}; ${note}`, measured };
    return { verdict: 'INFO', observed: `${fetchSummary(fetches)} ${how}: ${first.method} ${first.path}, User-Agent ${first.userAgent ?? '(none)'}, Accept ${measured.accept}; ${note}`, measured };
  },
);

jwksCheck(
  {
    id: 'JWKS-ISS-DERIVED-URL',
    title: "The JWKS URL is configured, never derived from the token's iss",
    severity: 'critical',
    requirement: "RFC 8725 §3.8/§3.10: the issuer and its keys are configured; a token naming another issuer must not make the backend fetch that issuer's keys.",
    references: ['RFC 8725 §3.8', 'RFC 8725 §3.10', 'nearform/get-jwks (URL from iss unless issuersWhitelist)'],
    taxonomy: { cwe: ['CWE-918', 'CWE-346', 'CWE-807'], capec: ['CAPEC-664', 'CAPEC-196'], owaspApi: 'API7:2023' },
    expected: '401, and no request to the host the token names',
    watchesAttacker: true,
  },
  (lab, t) => withAttacker(t.run, async (attacker) => {
    const key = attackerKey('EdDSA');
    const kid = `attacker-${randomBytes(6).toString('hex')}`;
    const jwks = JSON.stringify({ keys: [{ ...key.publicJwk, kid }] });
    for (const path of ['/.well-known/jwks.json', '/api/auth/jwks', '/jwks', '/jwks.json']) attacker.serve(path, 'application/json', jwks);
    attacker.serve('/.well-known/openid-configuration', 'application/json', JSON.stringify({ issuer: attacker.url, jwks_uri: `${attacker.url}/.well-known/jwks.json` }));
    const sign = (iss: string) => signCompact('EdDSA', key.privateKey, { alg: 'EdDSA', kid }, { ...freshClaims(t.claims), iss });
    const exchanges = await t.sendAll([
      ["iss = the attacker's origin, signed by the attacker's key", sign(attacker.url)],
      ["iss = the attacker's origin with Better Auth's base path", sign(`${attacker.url}/api/auth`)],
    ]);
    // Refused but fetched is SSRF, not a forgery (the URL base is the iss the issuer check refuses): high, as KEY-JKU grades it.
    return expectRejectedWithoutFetch(exchanges, attacker, '/', 'high');
  }),
);

// Caching

jwksCheck(
  {
    id: 'JWKS-CACHE-USED',
    title: 'Keys are cached: valid requests do not each fetch the JWKS',
    severity: 'medium',
    requirement: 'A verifier caches the issuer keys (OIDC Core §10.1.1); one fetch per request multiplies issuer load and turns an issuer hiccup into an API outage.',
    references: ['OIDC Core §10.1.1', 'jose createRemoteJWKSet, jwks-rsa and PyJWKClient defaults'],
    taxonomy: { cwe: ['CWE-770', 'CWE-406'], capec: [], owaspApi: 'API4:2023' },
    expected: 'at most 2 JWKS fetches for 20 sequential valid requests',
  },
  async (lab, t) => {
    const requests = 20;
    const key = await t.issuer.signingKey();
    const tokens = await Promise.all(Array.from({ length: requests }, () => lab.signedBy(key.kid)));
    const mark = await lab.mark();
    const exchanges: Exchange[] = [];
    for (const [i, token] of tokens.entries()) exchanges.push(await lab.sendQuiet(`valid request ${i + 1} of ${requests}`, token));
    const fetches = await lab.fetchesSince(mark);
    const evidence = [exchanges[0]!, exchanges[exchanges.length - 1]!];
    const refusedOnes = exchanges.filter((e) => e.outcome !== 'accepted');
    if (refusedOnes.length) return { verdict: 'ERROR', observed: `inconclusive: ${refusedOnes.length} of ${requests} valid requests were not accepted (${statusOf(refusedOnes[0])})`, evidence: [...evidence, ...refusedOnes.slice(0, 3)] };
    const measured = { requests, fetches: fetches.length };
    if (fetches.length <= 2) return { verdict: 'PASS', observed: `${fetchSummary(fetches)} for ${requests} sequential valid requests`, measured, evidence };
    if (fetches.length >= requests - 1) return { verdict: 'FAIL', observed: `${fetchSummary(fetches)} for ${requests} valid requests: one per request, the keys are not cached`, measured, evidence };
    return { verdict: 'NON-STRICT', observed: `${fetchSummary(fetches)} for ${requests} valid requests: cached, but briefly`, measured, evidence };
  },
  { explains: CAUSES.keysNotCached },
);

/** JWKS-SINGLEFLIGHT's slow key set: its bytes in SLOW_CHUNKS pieces, SLOW_INTERVAL_MS apart. */
const SLOW_CHUNKS = 10;
const SLOW_INTERVAL_MS = 100;

jwksCheck(
  {
    id: 'JWKS-SINGLEFLIGHT',
    title: 'Concurrent requests on a cold cache share one JWKS fetch',
    severity: 'medium',
    requirement: 'Concurrent key lookups that miss the cache wait for one fetch (jose pendingFetch) instead of each fetching.',
    references: ['jose createRemoteJWKSet (pendingFetch)', 'CWE-400'],
    taxonomy: { cwe: ['CWE-770', 'CWE-406'], capec: [], owaspApi: 'API4:2023' },
    expected: 'exactly 1 fetch for the whole burst',
    requests: 'jwks.burstRequests',
  },
  async (lab, t) => {
    const n = scaledToRate(lab.settings.burstRequests, t.target.settings.maxRps);
    // The burst carries a kid the backend has never seen: on a cold cache right after a restart (a
    // client that loads its keys as it starts has them, but not this one), or else after its cooldown.
    let how: string;
    if (lab.canRestart) {
      await lab.restart();
      how = 'with a new kid, right after a restart';
    } else {
      const ready = await lab.kidMissReady();
      if (!ready.ready) return { verdict: 'SKIP', observed: `${ready.observed}, and the harness cannot restart the backend (no target.start): there is no cache miss to observe` };
      how = `with a new kid, after the backend's refetch cooldown (${ready.observed})`;
    }
    const key = await t.issuer.rotate(t.issuer.algorithms[0]);
    const token = await lab.signedBy(key.kid);
    // The key set arrives over about a second, so the first fetch is still in flight when the whole
    // burst has arrived: a client without single-flight shows it however fast the machine is.
    const size = (await (await fetch(t.issuer.jwksUrl)).arrayBuffer()).byteLength;
    await t.issuer.setJwksFault({ kind: 'slow', bytesPerChunk: Math.ceil(size / SLOW_CHUNKS), intervalMs: SLOW_INTERVAL_MS });
    const mark = await lab.mark();
    let exchanges: Exchange[];
    try {
      exchanges = await lab.burst('concurrent valid request', Array.from({ length: n }, () => token), { jwksFault: 'slow' });
    } finally {
      await t.issuer.clearJwksFault();
    }
    const fetches = await lab.fetchesSince(mark);
    const accepted = exchanges.filter((e) => e.outcome === 'accepted').length;
    const measured = { requests: n, fetches: fetches.length, accepted };
    const evidence = exchanges.slice(0, 2);
    // No fetch at all: the backend looks no key up for a kid it has not seen (it loads its keys on its
    // own schedule), so concurrent misses never reach a fetch; its refusals are JWKS-ROTATE-NEWKID's question.
    if (fetches.length === 0) return { verdict: 'SKIP', observed: `not applicable: ${n} concurrent requests ${how} caused no JWKS fetch (${accepted} accepted): the backend fetches no key for a kid it has not seen`, measured, evidence };
    const unanswered = exchanges.find((e) => e.outcome === 'transport-error');
    if (unanswered && fetches.length === 1) return { verdict: 'ERROR', observed: `inconclusive: 1 JWKS fetch, but ${statusOf(unanswered)} for one of the concurrent requests, so whether it would have fetched again is unknown`, measured, evidence: [...evidence, unanswered] };
    // One fetch is the single flight, whatever the others got: a limiter that refused them while the one
    // fetch ran (keyfunc) is JWKS-KIDMISS-LIMITER-STARVATION's question, not this one.
    const refused = n - accepted;
    const refusedNote = refused ? `; ${refused} refused meanwhile (${statusOf(exchanges.find((e) => e.outcome !== 'accepted'))})` : '';
    if (fetches.length === 1) return { verdict: 'PASS', observed: `1 JWKS fetch for ${n} concurrent requests ${how} (${accepted} accepted${refusedNote})`, measured, evidence };
    return { verdict: 'FAIL', observed: `${fetchSummary(fetches)} for ${n} concurrent requests ${how}: concurrent cache misses each fetch (${accepted} accepted${refusedNote})`, measured, evidence };
  },
  { estimateS: () => 2, causes: [CAUSES.keysNotCached] },
);

/**
 * JWKS-CACHE-HEADERS sends valid requests for a few seconds, paced: twenty a second see every refetch
 * a max-age of one second allows, where back-to-back requests sent thousands (and kept three
 * processes busy) for the same count of fetches.
 */
const CACHE_HEADERS_WINDOW_MS = 4_000;
const CACHE_HEADERS_PACE_MS = 50;

jwksCheck(
  {
    id: 'JWKS-CACHE-HEADERS',
    title: 'Whether the backend honours Cache-Control on the JWKS response',
    severity: 'info',
    requirement: 'Measured only: Better Auth sends no Cache-Control on its JWKS; a client may honour max-age or keep its own cache age.',
    references: ['RFC 9111 §5.2.2.1', 'smallstep/certificates#2769'],
    taxonomy: { cwe: ['CWE-770'], capec: [], owaspApi: 'API4:2023' },
    expected: 'reported: fetches in a few seconds of valid requests, with and without Cache-Control: max-age=1',
    requests: 2 * (CACHE_HEADERS_WINDOW_MS / CACHE_HEADERS_PACE_MS) + 4,
  },
  async (lab, t) => {
    const { ms: windowMs } = lab.bound(CACHE_HEADERS_WINDOW_MS);
    const fetchesDuring = async (label: string) => {
      const mark = await lab.mark();
      const token = await lab.valid();
      const started = Date.now();
      const exchanges: Exchange[] = [];
      for (let next = started; Date.now() - started < windowMs; ) {
        exchanges.push(await lab.sendQuiet(label, token));
        next += CACHE_HEADERS_PACE_MS;
        await delay(Math.max(0, next - Date.now()));
      }
      return { fetches: await lab.settledFetches(mark), exchanges };
    };
    const without = await fetchesDuring('valid request, JWKS without Cache-Control');
    const loaded = await lab.freshFetch({ kind: 'headers', headers: { 'cache-control': 'public, max-age=1' } });
    if (!loaded.fetches.length) return { verdict: 'ERROR', observed: `inconclusive: the backend did not fetch the JWKS again within ${seconds(loaded.waitedMs)} s`, evidence: loaded.probe ? [loaded.probe] : [] };
    const withHeader = await fetchesDuring('valid request, JWKS with Cache-Control: max-age=1');
    // More than a fetch a second without the header: no cache to speak of, so nothing to honour.
    const uncached = without.fetches > Math.ceil(windowMs / 1000);
    const honours = !uncached && withHeader.fetches >= 2 && withHeader.fetches > without.fetches;
    const verdict = uncached ? 'fetches on (nearly) every request either way' : honours ? 'honours the header' : 'does not follow the header';
    return {
      verdict: 'INFO',
      observed: `in ${seconds(windowMs)} s of valid requests the backend fetched the JWKS ${without.fetches} time(s) without Cache-Control and ${withHeader.fetches} time(s) with max-age=1: it ${verdict}`,
      measured: { fetchesWithoutHeader: without.fetches, fetchesWithMaxAge1: withHeader.fetches, windowS: seconds(windowMs), honoursMaxAge: uncached ? 'no cache' : honours ? 'yes' : 'no' },
      evidence: [without.exchanges[0]!, withHeader.exchanges[0]!],
    };
  },
  { estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS) + 3 },
);
