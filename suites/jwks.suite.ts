// JWKS consumption, caching, rotation and outages (docs/checks.md#family-JWKS, and KEY-KID-ABSENT-MULTI and
// KEY-KID-DECOY, which need a JWKS of the suite's making). The suite owns the JWKS server: it
// rotates and removes keys, breaks the endpoint on purpose, and counts the backend's fetches in the
// issuer's log, so every verdict carries a measured value. These checks run one at a time, after
// every other family (vitest.config.ts: the `jwks` project), and each one leaves the backend as it
// found it: no fault, the current key accepted (restarted when it cannot recover by itself).
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { AttackerListener } from '../harness/attacker/listener.js';
import { JWKS_LAB_NEEDS, JwksLab, jwksPathFetches, percentile, seconds } from '../harness/checks/jwks-lab.js';
import type { FreshFetch } from '../harness/checks/jwks-lab.js';
import type { CheckMeta, Exchange } from '../harness/checks/model.js';
import { combine, expectAllAccepted, expectAllRejected, expectRejectedWithoutFetch, statusOf } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { family } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { b64u, hmacCompact, signCompact } from '../harness/forge/jws.js';
import type { AsymmetricAlg } from '../harness/forge/jws.js';
import { attackerKey } from '../harness/forge/keys.js';
import { freshClaims } from '../harness/forge/token.js';
import type { JwksFault, JwksFetch, KeyInfo } from '../harness/issuer/protocol.js';
import { JWKS_PATH } from '../harness/issuer/protocol.js';
import { scaledToRate } from '../harness/target/pace.js';

const { check, persistenceProbe } = family('JWKS', { sequential: true });

let attacker: AttackerListener;
beforeAll(async () => {
  attacker = await AttackerListener.start();
});
afterAll(() => attacker?.stop());

/**
 * A JWKS check: starts from a healthy backend (no fault, the current key accepted) and restores
 * one afterwards, so each check stands alone and --only can pick any of them.
 */
function jwksCheck(meta: CheckMeta, body: (lab: JwksLab, t: CheckTools) => Promise<CheckResult>, options: { gated?: boolean; requireHealthy?: boolean } = {}): void {
  check(
    // Every JWKS check drives the issuer's keys, faults and fetch log (JwksLab), and signs with its keys.
    { needs: JWKS_LAB_NEEDS, ...meta },
    async (t) => {
      const lab = new JwksLab(t);
      try {
        if (options.requireHealthy !== false) {
          const health = await lab.ensureHealthy();
          if (!health.ok) return { verdict: 'ERROR', observed: `inconclusive: before this check, ${health.observed}`, evidence: health.exchanges };
        }
        return await body(lab, t);
      } finally {
        await lab.ensureHealthy().catch(() => undefined);
        await lab.close();
      }
    },
    options,
  );
}

/** ERROR when the backend never fetched the JWKS the check had just set up; undefined when it did. */
const notFetched = (loaded: FreshFetch): CheckResult | undefined =>
  jwksPathFetches(loaded.fetches).length
    ? undefined
    : { verdict: 'ERROR', observed: `inconclusive: the backend did not fetch the JWKS within ${seconds(loaded.waitedMs)} s (${loaded.how})`, evidence: loaded.probe ? [loaded.probe] : [] };

const fetchSummary = (fetches: JwksFetch[]) => `${fetches.length} JWKS fetch${fetches.length === 1 ? '' : 'es'}`;
const refused = (e: Exchange) => e.outcome === 'rejected' || e.outcome === 'server-error';

/** A bound the backend must meet, judged with what the wait budget allowed to see. */
function timeBound(what: string, atMs: number | undefined, waitedMs: number, limitS: number, short: boolean, unit: string): CheckResult {
  if (atMs !== undefined) {
    const s = seconds(atMs);
    return s <= limitS + 1
      ? { verdict: 'PASS', observed: `${what} after ${s} s (accepted: ${limitS} s)`, measured: { [unit]: s } }
      : { verdict: 'FAIL', observed: `${what} only after ${s} s, beyond the accepted ${limitS} s`, measured: { [unit]: s } };
  }
  const waited = seconds(waitedMs);
  // Cut short by the wait budget: not a verdict on the backend, and not the harness's failure either.
  const decidingBudgetS = Math.ceil(limitS) + 2;
  return short
    ? {
        verdict: 'INFO',
        observed: `undecided within the wait budget: not ${what} within ${waited} s, and the accepted bound is ${limitS} s; --wait-budget ${decidingBudgetS} (jwks.waitBudgetS) would decide it`,
        measured: { [`${unit}AtLeast`]: waited },
        undecided: { waitedS: waited, decidingBudgetS },
      }
    : { verdict: 'FAIL', observed: `not ${what} within ${waited} s (accepted: ${limitS} s)`, measured: { [`${unit}AtLeast`]: waited } };
}

// ---------------------------------------------------------------------------------------------
// Where keys come from

jwksCheck(
  {
    id: 'JWKS-FETCH-BASELINE',
    title: 'The backend fetches its keys from the configured JWKS URL',
    severity: 'info',
    requirement: 'Measured only: keys come from the configured JWKS URL (RFC 7515 §4.1.2 requires TLS for it in production); JWKS-REDIRECT, JWKS-ISS-DERIVED-URL and JWKS-OUTAGE-STATUS judge where else it fetches and its timeout.',
    references: ['RFC 7515 §4.1.2', 'RFC 8725 §3.10', 'CVE-2026-48522'],
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
    expected: '401, and no request to the host the token names',
  },
  async (lab, t) => {
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
    return expectRejectedWithoutFetch(exchanges, attacker.hits('/'));
  },
);

// ---------------------------------------------------------------------------------------------
// Caching

jwksCheck(
  {
    id: 'JWKS-CACHE-USED',
    title: 'Keys are cached: valid requests do not each fetch the JWKS',
    severity: 'medium',
    requirement: 'A verifier caches the issuer keys (OIDC Core §10.1.1); one fetch per request multiplies issuer load and turns an issuer hiccup into an API outage.',
    references: ['OIDC Core §10.1.1', 'jose createRemoteJWKSet, jwks-rsa and PyJWKClient defaults'],
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
    expected: 'exactly 1 fetch for the whole burst',
  },
  async (lab, t) => {
    const n = scaledToRate(lab.settings.burstRequests, t.target.settings.maxRps);
    let token: string;
    let how: string;
    if (lab.canRestart) {
      token = await lab.valid();
      await lab.restart();
      how = 'right after a cold start';
    } else {
      const ready = await lab.kidMissReady();
      if (!ready.ready) return { verdict: 'SKIP', observed: `${ready.observed}, and the harness cannot restart the backend (no target.start): there is no cold cache to observe` };
      const key = await t.issuer.rotate(t.issuer.algorithms[0]);
      token = await lab.signedBy(key.kid);
      how = `with a new kid, after the backend's refetch cooldown (${ready.observed})`;
    }
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
    if (fetches.length === 0) return { verdict: 'ERROR', observed: `inconclusive: ${n} concurrent requests ${how} caused no JWKS fetch (${accepted} accepted)`, measured, evidence };
    const refusedOne = exchanges.find((e) => e.outcome !== 'accepted');
    if (refusedOne) return { verdict: 'ERROR', observed: `inconclusive: ${n - accepted} of ${n} concurrent valid requests were not accepted (${statusOf(refusedOne)}), so the keys were not loaded for all of them`, measured, evidence: [...evidence, refusedOne] };
    if (fetches.length === 1) return { verdict: 'PASS', observed: `1 JWKS fetch for ${n} concurrent requests ${how} (${accepted} accepted)`, measured, evidence };
    return { verdict: 'FAIL', observed: `${fetchSummary(fetches)} for ${n} concurrent requests ${how}: concurrent cache misses each fetch (${accepted} accepted)`, measured, evidence };
  },
);

jwksCheck(
  {
    id: 'JWKS-CACHE-HEADERS',
    title: 'Whether the backend honours Cache-Control on the JWKS response',
    severity: 'info',
    requirement: 'Measured only: Better Auth sends no Cache-Control on its JWKS; a client may honour max-age or keep its own cache age.',
    references: ['RFC 9111 §5.2.2.1', 'smallstep/certificates#2769'],
    expected: 'reported: fetches in a few seconds of valid requests, with and without Cache-Control: max-age=1',
  },
  async (lab, t) => {
    const { ms: windowMs } = lab.bound(4_000);
    const fetchesDuring = async (label: string) => {
      const mark = await lab.mark();
      const token = await lab.valid();
      const started = Date.now();
      const exchanges: Exchange[] = [];
      while (Date.now() - started < windowMs) exchanges.push(await lab.sendQuiet(label, token));
      return { fetches: (await lab.fetchesSince(mark)).length, exchanges };
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
);

// ---------------------------------------------------------------------------------------------
// Rotation: one measurement (a rotation just after a fetch) serves three checks.

interface Rotation {
  oldKey: KeyInfo;
  newKey: KeyInfo;
  /** Seconds between the backend's last fetch and the rotation. */
  sinceFetchS: number | undefined;
  poll: Awaited<ReturnType<JwksLab['poll']>>;
  short: boolean;
  /** After the new key was accepted: a token minted before the rotation, and a fresh one of the old key. */
  oldKid: Exchange[];
}

let rotation: Promise<Rotation> | undefined;

function measureRotation(lab: JwksLab, t: CheckTools): Promise<Rotation> {
  rotation ??= (async () => {
    const oldKey = await t.issuer.signingKey();
    const mintedBefore = await lab.valid();
    // An unknown kid first, so the rotation lands just after a fetch when the backend refetches on one.
    await lab.sendQuiet('an unknown kid just before the rotation', lab.garbage(JwksLab.randomKid()));
    const lastFetch = await lab.lastFetchAt();
    const newKey = await t.issuer.rotate(t.issuer.algorithms[0]);
    const rotatedAt = Date.now();
    const { ms, short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
    const poll = await lab.poll(`a token of the new key ${newKey.kid}`, () => lab.signedBy(newKey.kid), (e) => e.outcome === 'accepted', ms);
    const oldKid = poll.atMs === undefined ? [] : await Promise.all([
      lab.sendQuiet(`a token minted by ${oldKey.kid} before the rotation`, mintedBefore),
      lab.sendQuiet(`a fresh token of the old key ${oldKey.kid}, still published`, await lab.signedBy(oldKey.kid)),
    ]);
    return { oldKey, newKey, sinceFetchS: lastFetch !== undefined ? seconds(rotatedAt - lastFetch) : undefined, poll, short, oldKid };
  })();
  return rotation;
}

jwksCheck(
  {
    id: 'JWKS-ROTATE-NEWKID',
    title: 'A newly published signing key is accepted within the accepted rotation delay',
    severity: 'high',
    requirement: 'When a token names a kid the cached set lacks, the client refetches the JWKS (OIDC Core §10.1.1; Better Auth docs: "if a different kid is received, fetch the JWKS again").',
    references: ['OIDC Core §10.1.1', 'OIDF signing-key-rotation (≤ 60 s)', 'garden-co/jazz#340'],
    expected: 'accepted within jwks.maxRotationDelayS, without a restart',
  },
  async (lab, t) => {
    const r = await measureRotation(lab, t);
    const result = timeBound(`a token of the new key ${r.newKey.kid} was accepted`, r.poll.atMs, r.poll.waitedMs, lab.settings.maxRotationDelayS, r.short, 'secondsToAccept');
    return { ...result, measured: { ...result.measured, refusedBeforeAccepted: r.poll.sent - (r.poll.atMs === undefined ? 0 : 1) }, evidence: r.poll.sample };
  },
);

jwksCheck(
  {
    id: 'JWKS-ROTATE-JUST-BEFORE-USE',
    title: 'How long new-kid tokens fail right after a rotation that follows a fetch',
    severity: 'info',
    requirement: 'Measured only: clients that rate-limit refetches (jose: a 30 s cooldown) refuse a new kid for a window after their last fetch.',
    references: ['OIDF rotation-just-before-signing', 'backstage#35233', 'jose cooldownDuration'],
    expected: 'reported: the window of refusals',
  },
  async (lab, t) => {
    const r = await measureRotation(lab, t);
    const since = r.sinceFetchS !== undefined ? `${r.sinceFetchS} s after the backend's last JWKS fetch` : 'before the backend had fetched the JWKS';
    const refusedFor = seconds(r.poll.atMs ?? r.poll.waitedMs);
    const observed = r.poll.atMs !== undefined
      ? r.poll.sent === 1
        ? `the first token of a key published ${since} was accepted: the backend refetches at once for an unknown kid`
        : `tokens of a key published ${since} were refused for ${refusedFor} s (${r.poll.sent - 1} refused), then accepted: the backend refetches for an unknown kid at most every ~${seconds((r.poll.atMs ?? 0) + (r.sinceFetchS ?? 0) * 1000)} s`
      : `tokens of a key published ${since} were still refused after ${refusedFor} s (see JWKS-ROTATE-NEWKID)`;
    return { verdict: 'INFO', observed, measured: { refusalWindowS: refusedFor, rotationAfterFetchS: r.sinceFetchS ?? -1 }, evidence: r.poll.sample };
  },
);

jwksCheck(
  {
    id: 'JWKS-ROTATE-OLDKID-GRACE',
    title: 'Tokens of the previous key stay valid while it is still published',
    severity: 'medium',
    requirement: "Better Auth keeps a rotated-out key in the JWKS for its grace period (30 days by default); tokens it signed stay valid until they expire.",
    references: ['OIDF oidcc-server-rotate-keys', 'Better Auth jwks.gracePeriod'],
    expected: 'old-kid tokens accepted after the new key is in use',
  },
  async (lab, t) => {
    const r = await measureRotation(lab, t);
    if (r.poll.atMs === undefined) return { verdict: 'ERROR', observed: 'inconclusive: the backend never accepted the new key, so it may not have loaded the rotated set (see JWKS-ROTATE-NEWKID)', evidence: r.poll.sample };
    const result = expectAllAccepted(r.oldKid, 'FAIL');
    return { ...result, observed: `after the new key ${r.newKey.kid} was accepted: ${result.observed} (old key ${r.oldKey.kid}, still published)`, evidence: r.oldKid };
  },
);

jwksCheck(
  {
    id: 'JWKS-REVOKE-PROPAGATION',
    title: 'A key removed from the JWKS stops verifying within the accepted cache age',
    severity: 'high',
    requirement: 'A key removed from the JWKS (a compromise) must stop verifying within a bounded time; Better Auth\'s docs say keys "can be cached indefinitely", which defeats removal.',
    references: ['RFC 7517 §5', 'Better Auth docs (jwt.mdx: cache indefinitely)', 'OIDC Core §10.1.1'],
    expected: 'tokens of the removed key refused within jwks.maxCacheAgeS',
  },
  async (lab, t) => {
    const removed = await t.issuer.signingKey();
    const { ms, short } = lab.bound((lab.settings.maxCacheAgeS + 1) * 1000);
    // The token must outlive the wait: a refusal for expiry would pass for a refusal of the key.
    const token = await lab.signedBy(removed.kid, Math.ceil(ms / 1000) + 600);
    const before = await t.send(`a token of ${removed.kid}, before its removal`, token);
    if (before.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: a token of the current key was not accepted before the removal (${statusOf(before)})` };
    const current = await t.issuer.rotate(t.issuer.algorithms[0]);
    await t.issuer.removeKey(removed.kid);
    const poll = await lab.poll(`the token of the removed key ${removed.kid}`, token, refused, ms);
    const result = timeBound(`the removed key ${removed.kid} was refused`, poll.atMs, poll.waitedMs, lab.settings.maxCacheAgeS, short, 'secondsToRefuse');
    if (poll.atMs === undefined) return { ...result, evidence: poll.sample };
    // The refusal is the removal's only if the key that replaced it is accepted.
    const control = await t.send(`control: a token of the current key ${current.kid}`, await lab.signedBy(current.kid));
    if (control.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: the removed key was refused, but so is the current key ${current.kid} (${statusOf(control)})`, evidence: poll.sample };
    return { ...result, evidence: poll.sample };
  },
);

jwksCheck(
  {
    id: 'JWKS-REVOKE-AFTER-REFETCH',
    title: 'A key removed from the JWKS stops verifying once the backend has refetched the set',
    severity: 'high',
    requirement: 'A refetched key set replaces the cached one: a key the issuer no longer publishes must not keep verifying after the backend has loaded the set without it (jwks-rsa and get-jwks cache keys by kid and keep them).',
    references: ['RFC 7517 §5', 'auth0/node-jwks-rsa (per-kid cache)', 'nearform/get-jwks (per-kid cache)'],
    expected: 'after a refetch the fetch log confirms, the removed key\'s token is refused (FAIL if accepted); decided in seconds, whatever the cache age',
  },
  async (lab, t) => {
    const removed = await t.issuer.signingKey();
    const token = await lab.signedBy(removed.kid, 3600);
    const before = await t.send(`a token of ${removed.kid}, before its removal`, token);
    if (before.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: a token of the current key was not accepted before the removal (${statusOf(before)})` };
    const current = await t.issuer.rotate(t.issuer.algorithms[0]);
    await t.issuer.removeKey(removed.kid);
    // The new key's kid is unknown to the backend: its tokens make it refetch (after its cooldown),
    // and the set it then loads no longer has the removed key.
    const mark = await lab.mark();
    const started = Date.now();
    const { fetches, waitedMs } = await lab.untilFetched(mark, `a token of the new key ${current.kid}, until the backend refetches`, () => lab.signedBy(current.kid));
    if (!fetches.length) {
      return { verdict: 'SKIP', observed: `the backend did not refetch the JWKS within ${seconds(waitedMs)} s of the new key's tokens, so removal after a refetch cannot be observed (JWKS-ROTATE-NEWKID and JWKS-REVOKE-PROPAGATION judge a backend that keeps its first set)` };
    }
    const control = await t.send(`control: a token of the new key ${current.kid} after the refetch`, await lab.signedBy(current.kid));
    const after = await t.send(`the token of the removed key ${removed.kid}, after the refetch`, token);
    const refetch = `${fetchSummary(fetches)} after the removal (${seconds(fetches[0]!.epochMs - started)} s into the new key's tokens)`;
    if (after.outcome === 'accepted') return { verdict: 'FAIL', observed: `the removed key ${removed.kid} still verified a token after ${refetch}: the backend keeps keys its refetched set no longer has`, measured: { refetches: fetches.length } };
    if (after.outcome !== 'rejected') return { verdict: 'ERROR', observed: `inconclusive: after ${refetch}, the removed key's token got ${statusOf(after)}` };
    if (control.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: after ${refetch}, the removed key was refused, but so is the new key ${current.kid} (${statusOf(control)})` };
    return { verdict: 'PASS', observed: `the removed key ${removed.kid} was refused (${after.response!.status}) after ${refetch}, while the new key's token was accepted`, measured: { refetches: fetches.length } };
  },
);

// ---------------------------------------------------------------------------------------------
// Unknown kids

jwksCheck(
  {
    id: 'JWKS-KIDMISS-STORM',
    title: 'Tokens with random kids do not each make the backend fetch the JWKS',
    severity: 'medium',
    requirement: 'Refetching on an unknown kid is rate-limited (a cooldown); otherwise anyone can make the API hammer its issuer with forged kids.',
    references: ['auth0/node-jwks-rsa#319', 'lua-resty-openidc#468', 'go-oidc#482', 'libjwt#313'],
    expected: 'all refused; a bounded handful of fetches (a cooldown or rate limit: at most 10, or one per second of storm), never a number that grows with the kids',
  },
  async (lab, t) => {
    const n = scaledToRate(lab.settings.stormRequests, t.target.settings.maxRps);
    const tokens = Array.from({ length: n }, () => lab.garbage(JwksLab.randomKid()));
    const mark = await lab.mark();
    const started = Date.now();
    const exchanges = await lab.sendBatch((i) => `random kid ${i + 1} of ${n}, garbage signature`, tokens);
    const durationMs = Date.now() - started;
    const fetches = await lab.fetchesSince(mark);
    const latencies = exchanges.map((e) => e.durationMs);
    const measured = { requests: n, fetches: fetches.length, fetchesPer1000: Math.round((fetches.length / n) * 1000), durationS: seconds(durationMs), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
    const rejected = expectAllRejected(exchanges);
    const evidence = [...exchanges.slice(0, 2), exchanges[exchanges.length - 1]!];
    if (rejected.verdict !== 'PASS') return { ...rejected, measured, evidence: [...evidence, ...exchanges.filter((e) => e.outcome !== 'rejected').slice(0, 3)] };
    // Bounded means a cooldown (a fetch at the start and one per second after it) or a rate limiter
    // (jwks-rsa's 5 a minute): a handful, whatever the number of kids. FAIL is fetches that grow with it.
    const bound = Math.max(10, Math.ceil(durationMs / 1000) + 1);
    const observed = `${fetchSummary(fetches)} for ${n} random kids in ${measured.durationS} s (p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms)`;
    return fetches.length <= bound
      ? { verdict: 'PASS', observed: `${observed}; all refused, the fetches bounded by a cooldown or rate limit`, measured, evidence }
      : { verdict: 'FAIL', observed: `${observed}: fetches grow with the number of unknown kids (${measured.fetchesPer1000} per 1000; a cooldown or rate limit keeps them to ${bound} or fewer)`, measured, evidence };
  },
);

jwksCheck(
  {
    id: 'JWKS-KIDMISS-PRECHECK',
    title: 'Tokens refused by cheap checks (alg none, HS256, an algorithm outside the declared allowlist) cause no JWKS fetch',
    severity: 'medium',
    requirement: 'The algorithm allowlist is checked before the key lookup, so tokens that cannot be valid never reach the network.',
    references: ['evoila/meho#3484', 'AutoGPT#14519', 'RFC 8725 §3.1'],
    expected: 'zero fetches for them, while an unknown kid with an allowed alg does fetch (one fetch: NON-STRICT; more: FAIL)',
  },
  async (lab, t) => {
    const ready = await lab.kidMissReady();
    // An algorithm counts as disallowed only when the team declares its allowlist (target.algorithms):
    // a backend may rightly accept more than the issuer signs with, and then its fetches are due.
    const declared = t.target.settings.algorithms;
    const disallowed = declared ? (['RS256', 'ES256', 'PS256', 'EdDSA', 'ES512'] as const).find((a) => !declared.includes(a)) : undefined;
    const claims = b64u(JSON.stringify(freshClaims(t.claims)));
    const variants: [string, string][] = [];
    for (let i = 0; i < 5; i++) {
      variants.push([`alg none, random kid #${i + 1}`, `${b64u(JSON.stringify({ alg: 'none', kid: JwksLab.randomKid() }))}.${claims}.`]);
      variants.push([`HS256, random kid #${i + 1}`, hmacCompact('HS256', randomBytes(32), { alg: 'HS256', kid: JwksLab.randomKid() }, freshClaims(t.claims))]);
      if (disallowed) variants.push([`${disallowed} (outside target.algorithms), random kid #${i + 1}`, lab.garbage(JwksLab.randomKid(), disallowed)]);
    }
    // One at a time: concurrent first lookups would each load the set, and the count would say nothing.
    const mark = await lab.mark();
    const exchanges: Exchange[] = [];
    for (const [label, token] of variants) exchanges.push(await lab.sendQuiet(label, token));
    const precheckFetches = await lab.fetchesSince(mark);
    const controlMark = await lab.mark();
    const control = await t.send('control: an unknown kid with an allowed alg', lab.garbage(JwksLab.randomKid()));
    const controlFetches = await lab.fetchesSince(controlMark);
    const measured = { requests: variants.length, fetches: precheckFetches.length, controlFetches: controlFetches.length };
    const rejected = expectAllRejected(exchanges);
    if (rejected.verdict !== 'PASS') return { ...rejected, measured, evidence: exchanges.slice(0, 3) };
    if (precheckFetches.length > 1) return { verdict: 'FAIL', observed: `${fetchSummary(precheckFetches)} for ${variants.length} tokens that no allowed algorithm can verify: each can make the backend fetch, the key is looked up before the algorithm is checked`, measured, evidence: exchanges.slice(0, 3) };
    // One fetch: the keys were looked up (and loaded) for such a token, but its cache or cooldown held for the rest.
    if (precheckFetches.length === 1) return { verdict: 'NON-STRICT', observed: `1 JWKS fetch for ${variants.length} tokens that no allowed algorithm can verify: the key is looked up before the algorithm is checked, though its cache or cooldown bounded the rest`, measured, evidence: exchanges.slice(0, 3) };
    if (controlFetches.length) return { verdict: 'PASS', observed: `no fetch for ${variants.length} tokens with alg none, HS256${disallowed ? ` or ${disallowed}` : ''} and random kids, while an unknown kid with ${t.issuer.algorithms[0]} did fetch (${ready.observed})`, measured, evidence: [exchanges[0]!, control] };
    if (!ready.ready) return { verdict: 'SKIP', observed: `no fetch for ${variants.length} such tokens, but the backend does not refetch on unknown kids at all (${ready.observed}), so there is nothing to precede`, measured, evidence: [exchanges[0]!, control] };
    return { verdict: 'ERROR', observed: `inconclusive: no fetch for these tokens, but the control (an unknown kid with ${t.issuer.algorithms[0]}) did not fetch either`, measured, evidence: [exchanges[0]!, control] };
  },
);

jwksCheck(
  {
    id: 'JWKS-KIDMISS-LIMITER-STARVATION',
    title: 'A storm of unknown kids does not keep a real new key out',
    severity: 'medium',
    requirement: "An attacker's bogus kids must not exhaust the refetch limiter so that a legitimate rotation is refused.",
    references: ['auth0/jwks-rsa-java#173', 'backstage#35233'],
    expected: 'the new key is accepted within jwks.maxRotationDelayS after the storm',
  },
  async (lab, t) => {
    const n = Math.min(200, scaledToRate(lab.settings.stormRequests, t.target.settings.maxRps));
    await lab.sendBatch((i) => `random kid ${i + 1} of ${n}`, Array.from({ length: n }, () => lab.garbage(JwksLab.randomKid())));
    const key = await t.issuer.rotate(t.issuer.algorithms[0]);
    const { ms, short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
    const poll = await lab.poll(`a token of the new key ${key.kid}, after ${n} random kids`, () => lab.signedBy(key.kid), (e) => e.outcome === 'accepted', ms);
    return { ...timeBound(`after ${n} random kids, a token of the new key ${key.kid} was accepted`, poll.atMs, poll.waitedMs, lab.settings.maxRotationDelayS, short, 'secondsToAccept'), evidence: poll.sample };
  },
);

// ---------------------------------------------------------------------------------------------
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
}

const OUTAGE_FAULTS: JwksFault[] = [{ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'hang' }];
let outages: Promise<OutageProbe[]> | undefined;

function probeOutages(lab: JwksLab, t: CheckTools): Promise<OutageProbe[]> {
  outages ??= (async () => {
    const probes: OutageProbe[] = [];
    const timeoutMs = lab.outageTimeoutMs;
    const faultName = (f: JwksFault) => (f.kind === 'status' ? `HTTP ${f.status}` : f.kind === 'reset' ? 'connection reset' : 'no answer (hang)');
    for (const fault of OUTAGE_FAULTS) {
      for (const cold of lab.canRestart ? [false, true] : [false]) {
        const health = await lab.ensureHealthy();
        if (!health.ok) throw new Error(`the backend did not recover between outage probes: ${health.observed}`);
        const current = await t.issuer.signingKey();
        const unseen = await t.issuer.rotate(t.issuer.algorithms[0]); // published during the outage only: the backend has never seen it
        await t.issuer.setJwksFault(fault);
        const mark = await lab.mark();
        const options = { timeoutMs, jwksFault: fault.kind };
        const scenario = `${cold ? 'cold start' : 'warm cache'}, JWKS ${faultName(fault)}`;
        const send = async (label: string, token: string) => lab.sendQuiet(`${scenario}: ${label}`, token, options);
        // Warm: unknown kids until the backend tries the broken JWKS (after its own cooldown), so the
        // probes meet the outage path, not a cooldown; the token that got it there counts as a probe.
        const trigger: Exchange[] = [];
        if (cold) await lab.restart({ anyStatus: true });
        else {
          const tried = await lab.untilFetched(mark, `${scenario}: garbage signature, an unknown kid, until the backend tries the JWKS`, () => lab.garbage(JwksLab.randomKid()), options);
          if (tried.fetches.length && tried.last) trigger.push(tried.last);
        }
        const [forgedKnown, forgedUnknown, garbage, unseenKey, valid] = await Promise.all([
          send(`attacker signature, the issuer's kid ${current.kid}`, lab.forged(current.kid)),
          send('attacker signature, an unknown kid', lab.forged(JwksLab.randomKid())),
          send('garbage signature, an unknown kid', lab.garbage(JwksLab.randomKid())),
          send(`a key published only during the outage (${unseen.kid}): cannot be verified`, await lab.signedBy(unseen.kid)),
          send(`a valid token of the cached key ${current.kid}`, await lab.signedBy(current.kid)),
        ]);
        const forged = [...trigger, forgedKnown!, forgedUnknown!, garbage!, unseenKey!];
        // Cold, nothing is cached: a valid token cannot be verified either.
        if (cold) forged.push(valid!);
        const served = (await lab.fetchesSince(mark)).some((f) => f.fault === fault.kind);
        probes.push({ scenario, fault: fault.kind, forged, all: [...forged, ...(cold ? [] : [valid!])], served });
      }
    }
    return probes;
  })();
  return outages;
}

jwksCheck(
  {
    id: 'JWKS-OUTAGE-FAILCLOSED',
    title: 'While the JWKS cannot be fetched, nothing unverifiable is accepted',
    severity: 'critical',
    requirement: 'A verifier that cannot get keys must refuse the token; accepting it when the key fetch fails (fail-open) lets anyone in during an outage they may cause.',
    references: ['CVE-2024-47073', 'CVE-2025-49001', 'RFC 8725 §3.1'],
    expected: 'forged tokens, unknown kids and keys the backend could not fetch: never accepted, for 503, reset and hang, warm and cold',
  },
  async (lab, t) => {
    const all = await probeOutages(lab, t);
    const forged = all.flatMap((p) => p.forged);
    const accepted = forged.filter((e) => e.outcome === 'accepted');
    const measured = { scenarios: all.length, requests: forged.length, accepted: accepted.length };
    if (accepted.length) return { verdict: 'FAIL', observed: `accepted during the outage: ${accepted.map((e) => `"${e.label}"`).join(', ')}`, measured, evidence: accepted };
    const probes = all.filter((p) => p.served);
    const untried = all.filter((p) => !p.served).map((p) => p.scenario);
    const notTried = untried.length ? `; in ${untried.join(', ')} the backend never tried the JWKS` : '';
    if (!probes.length) return { verdict: 'ERROR', observed: `inconclusive: the backend never tried the broken JWKS in any scenario${notTried}`, measured };
    const unanswered = probes.flatMap((p) => p.forged).filter((e) => e.outcome === 'transport-error');
    if (unanswered.length) return { verdict: 'ERROR', observed: `inconclusive: ${unanswered.length} probes got no answer within ${seconds(lab.outageTimeoutMs)} s (${[...new Set(unanswered.map((e) => e.label.split(':')[0]))].join('; ')}; see JWKS-OUTAGE-STATUS), so whether the backend lets them through once its fetch gives up was not observed`, measured, evidence: unanswered.slice(0, 3) };
    return { verdict: 'PASS', observed: `none of ${forged.length} unverifiable tokens accepted in ${probes.map((p) => p.scenario).join('; ')}${notTried}`, measured, evidence: probes.map((p) => p.forged[0]!) };
  },
);

jwksCheck(
  {
    id: 'JWKS-OUTAGE-STATUS',
    title: 'During a JWKS outage the backend answers 401 or 503 promptly',
    severity: 'medium',
    requirement: 'A JWKS outage must not turn into 500s, hung requests or a crash: the client has a fetch timeout, and the API answers 401 (or 503) within it.',
    references: ['RFC 6750 §3.1', 'RFC 9110 §15.6.4', 'jose timeoutDuration (5 s)', 'PyJWKClient timeout'],
    expected: `every refusal is 401/403 or 503, within jwks.maxOutageResponseS`,
  },
  async (lab, t) => {
    const probes = (await probeOutages(lab, t)).filter((p) => p.served);
    if (!probes.length) return { verdict: 'ERROR', observed: 'inconclusive: the backend never tried the broken JWKS in any scenario' };
    const limitMs = lab.settings.maxOutageResponseS * 1000;
    const refusals = probes.flatMap((p) => p.all).filter((e) => e.outcome !== 'accepted');
    const slow = refusals.filter((e) => e.outcome === 'transport-error' || e.durationMs > limitMs);
    const wrong = refusals.filter((e) => e.outcome !== 'transport-error' && e.outcome !== 'rejected' && e.response?.status !== 503);
    const slowest = Math.max(0, ...refusals.map((e) => e.durationMs));
    const measured = { requests: refusals.length, slowestMs: slowest, late: slow.length, wrongStatus: wrong.length };
    const problems: string[] = [];
    if (slow.length) problems.push(`${slow.length} not answered within ${lab.settings.maxOutageResponseS} s (${slow.slice(0, 3).map((e) => `"${e.label}": ${e.error ?? `${e.durationMs} ms`}`).join('; ')})`);
    if (wrong.length) problems.push(`${wrong.length} answered ${[...new Set(wrong.map((e) => statusOf(e)))].join(', ')}`);
    if (problems.length) return { verdict: 'FAIL', observed: problems.join('; '), measured, evidence: [...slow, ...wrong].slice(0, 6) };
    const statuses = [...new Set(refusals.map((e) => statusOf(e)))].join(', ');
    return { verdict: 'PASS', observed: `${refusals.length} refusals during ${probes.length} outage scenarios, all ${statuses}, the slowest in ${slowest} ms`, measured, evidence: probes.map((p) => p.all[0]!) };
  },
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
);

jwksCheck(
  {
    id: 'JWKS-OUTAGE-FETCH-RATE',
    title: 'During a JWKS outage the backend backs off instead of fetching for every request',
    severity: 'medium',
    requirement: "A failing JWKS is retried with a bound (backoff or a cooldown), not once per incoming request: that multiplies load on an issuer that is already failing.",
    references: ['valbuild/val#590', 'jose createRemoteJWKSet (a failed reload keeps the cache stale)'],
    expected: 'well under one fetch per request once the first fetch has failed (NON-STRICT otherwise)',
  },
  async (lab, t) => {
    const s = await observeStale(lab, t);
    if (!s.rate) {
      return s.short
        ? { verdict: 'ERROR', observed: `inconclusive: no JWKS fetch during ${seconds(s.observedMs)} s of outage (the wait budget); the backend's cache may simply not have expired yet (accepted cache age ${lab.settings.maxCacheAgeS} s)`, measured: { fetches: 0 }, evidence: s.sample }
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
);

jwksCheck(
  {
    id: 'JWKS-BAD-RESPONSE-KEEPS-CACHE',
    title: 'A broken JWKS response does not throw away the last good keys',
    severity: 'medium',
    requirement: 'A refresh that returns HTML, invalid JSON or a 500 is a failed refresh: the keys already cached stay in use.',
    references: ['pyjwt#1162/#1159', 'smallstep/certificates#2769', 'valbuild/val#590'],
    expected: 'valid tokens of the cached key still accepted after each broken refresh',
  },
  async (lab, t) => {
    const variants: [string, JwksFault][] = [
      ['an HTML page (200)', { kind: 'html' }],
      ['invalid JSON (200)', { kind: 'invalid-json' }],
      ['500 with a JSON body', { kind: 'status', status: 500, body: '{"error":"internal"}' }],
      ['an empty key set (200 {"keys":[]})', { kind: 'empty-keys' }],
    ];
    const results: CheckResult[] = [];
    const evidence: Exchange[] = [];
    const measured: Record<string, string> = {};
    for (const [name, fault] of variants) {
      const health = await lab.ensureHealthy();
      if (!health.ok) return { verdict: 'ERROR', observed: `inconclusive: before the ${name} refresh, ${health.observed}`, evidence };
      const key = await t.issuer.signingKey();
      // A good refresh first, so that the cached keys are fresh when the broken one comes: a client whose
      // cache age ran out meanwhile would reload (and refuse) for that reason, not for the broken body.
      await lab.untilFetched(await lab.mark(), `an unknown kid, to refresh the keys before the ${name} refresh`, () => lab.garbage(JwksLab.randomKid()));
      await t.issuer.setJwksFault(fault);
      // Unknown kids make the backend refresh (after its cooldown); stop at its first broken fetch.
      const mark = await lab.mark();
      const trigger = await lab.untilFetched(mark, `an unknown kid, to make the backend refresh (${name})`, () => lab.garbage(JwksLab.randomKid()), { jwksFault: fault.kind });
      const refreshed = trigger.fetches.length > 0;
      if (trigger.first) evidence.push(trigger.first);
      if (!refreshed) {
        measured[fault.kind] = 'no refresh';
        results.push({ verdict: 'ERROR', observed: `${name}: inconclusive, unknown kids did not make the backend refresh within ${seconds(trigger.waitedMs)} s` });
        continue;
      }
      // Asked three times over half a second: a client that refreshes in the background may apply the broken body a moment later.
      let after: Exchange | undefined;
      for (let i = 0; i < 3 && (!after || after.outcome === 'accepted'); i++) {
        if (i) await delay(250);
        after = await t.send(`after a refresh that got ${name}: a valid token of the cached key ${key.kid} (#${i + 1})`, { token: await lab.signedBy(key.kid), jwksFault: fault.kind });
      }
      const kept = after!.outcome === 'accepted';
      measured[fault.kind] = kept ? 'kept' : 'dropped';
      // An empty set is a well-formed answer (the issuer may have withdrawn every key): reported, not judged.
      if (fault.kind === 'empty-keys') results.push({ verdict: 'PASS', observed: `${name}: ${kept ? 'kept its keys' : 'dropped its keys (a well-formed set; not judged)'}` });
      else results.push({ verdict: kept ? 'PASS' : 'FAIL', observed: `${name}: ${kept ? 'kept its keys' : `refused a valid token afterwards (${statusOf(after!)})`}` });
    }
    return { ...combine(results), measured, evidence };
  },
);

jwksCheck(
  {
    id: 'JWKS-REDIRECT',
    title: 'A redirect from the JWKS URL to another origin is not followed',
    severity: 'medium',
    requirement: 'The JWKS comes from the configured URL; following a redirect to another origin hands key selection to whoever controls the redirect (jose fetches with redirect: "manual").',
    references: ['jose createRemoteJWKSet (redirect: manual)', 'RFC 8725 §3.10'],
    expected: 'no request to the redirect target',
  },
  async (lab, t) => {
    // The redirect goes to the attacker listener (another port, so another origin), serving the real new key.
    const path = `/redirected-jwks-${randomBytes(4).toString('hex')}`;
    const loaded = await lab.freshFetch((key) => ({ kind: 'redirect', location: attacker.serve(path, 'application/json', JSON.stringify({ keys: [key.publicJwk] })) }));
    const followed = attacker.hits(path);
    const evidence = loaded.probe ? [loaded.probe] : [];
    const measured = { fetches: loaded.fetches.length, followed: followed.length };
    if (followed.length) return { verdict: 'FAIL', observed: `the backend followed the JWKS redirect to ${attacker.url}${path} (${followed.length} request${followed.length === 1 ? '' : 's'}) and its key token answered ${statusOf(loaded.probe)}`, measured, evidence };
    const unfetched = notFetched(loaded);
    if (unfetched) return { ...unfetched, measured };
    return { verdict: 'PASS', observed: `the JWKS answered 302 to another origin; the backend did not follow it (${loaded.how}; a token of the new key answered ${statusOf(loaded.probe)})`, measured, evidence };
  },
);

jwksCheck(
  {
    id: 'JWKS-HUGE-SLOW',
    title: 'A huge or trickling JWKS response is bounded in time and does not block the backend',
    severity: 'medium',
    requirement: 'The JWKS client bounds the response time (and size); while it waits, the backend keeps serving other requests.',
    references: ['CWE-400', 'jose timeoutDuration'],
    expected: `the request is answered within jwks.maxOutageResponseS; an unauthenticated request meanwhile is answered within 2 s`,
  },
  async (lab, t) => {
    const limitMs = lab.settings.maxOutageResponseS * 1000;
    const scenarios: [string, JwksFault][] = [
      ['a 20 MB JWKS', { kind: 'huge', bytes: 20 * 1024 * 1024 }],
      ['a JWKS trickling at 1 byte per second', { kind: 'slow', bytesPerChunk: 1, intervalMs: 1_000 }],
    ];
    const results: CheckResult[] = [];
    const evidence: Exchange[] = [];
    const measured: Record<string, number> = {};
    for (const [name, fault] of scenarios) {
      const health = await lab.ensureHealthy();
      if (!health.ok) return { verdict: 'ERROR', observed: `inconclusive: before ${name}, ${health.observed}`, evidence };
      // A key the backend has never seen, so its request waits on the broken fetch; other requests run meanwhile.
      const key = await t.issuer.rotate(t.issuer.algorithms[0]);
      if (lab.canRestart) await lab.restart();
      await t.issuer.setJwksFault(fault);
      const mark = await lab.mark();
      let done = false;
      const started = Date.now();
      const request = t.send(`${name}: a token of the new key ${key.kid}`, { token: await lab.signedBy(key.kid), timeoutMs: lab.outageTimeoutMs, jwksFault: fault.kind }).finally(() => (done = true));
      let worstOtherMs = 0;
      while (!done && Date.now() - started < lab.outageTimeoutMs) {
        const other = await t.send(`${name}: a request without a token while the JWKS fetch runs`, { authorization: null, timeoutMs: 5_000 });
        worstOtherMs = Math.max(worstOtherMs, other.durationMs);
        await delay(250);
      }
      const answer = await request;
      const tag = fault.kind === 'huge' ? 'huge' : 'slow';
      measured[`${tag}RequestMs`] = answer.durationMs;
      measured[`${tag}WorstOtherRequestMs`] = worstOtherMs;
      if (!(await lab.fetchesSince(mark)).length) {
        results.push({ verdict: 'ERROR', observed: `${name}: inconclusive, the backend did not fetch the JWKS (${statusOf(answer)})` });
        continue;
      }
      const problems: string[] = [];
      if (answer.outcome === 'transport-error' || answer.durationMs > limitMs) problems.push(`the request was not answered within ${lab.settings.maxOutageResponseS} s (${answer.error ?? `${answer.durationMs} ms`})`);
      if (worstOtherMs > 2_000) problems.push(`other requests waited up to ${worstOtherMs} ms meanwhile (blocked)`);
      results.push({ verdict: problems.length ? 'FAIL' : 'PASS', observed: `${name}: ${problems.length ? problems.join(', ') : `answered ${statusOf(answer)} in ${answer.durationMs} ms; other requests within ${worstOtherMs} ms`}` });
      await t.issuer.clearJwksFault();
    }
    return { ...combine(results), measured, evidence };
  },
);

// ---------------------------------------------------------------------------------------------
// What is in the key set: each check publishes extra keys beside a new real key K, makes the
// backend load that set, and checks that K works and the extra keys do not.

/** Loads a key set with `extra` keys (built for the new key K) and returns K's probe and the load. */
async function loadWithExtras(lab: JwksLab, extra: (key: KeyInfo) => Record<string, unknown>[], position: 'before' | 'after' = 'before') {
  const loaded = await lab.freshFetch((key) => ({ kind: 'extra-keys', keys: extra(key), position }));
  return { loaded, inconclusive: notFetched(loaded) };
}

const privateJwk = (key: { privateKey: KeyObject }) => key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;

/** An attacker key for the backend's own algorithm, so its allowlist alone cannot refuse what a key check must (ES512: none). */
function attackerKeyFor(alg: string): { alg: AsymmetricAlg; key: ReturnType<typeof attackerKey> } | undefined {
  if (alg === 'EdDSA' || alg === 'ES256') return { alg, key: attackerKey(alg) };
  if (alg === 'RS256' || alg === 'PS256') return { alg, key: attackerKey('RS256') };
  return undefined;
}

/** The crafted set counts only if the backend adopted it: its new real key was accepted. */
const notAdopted = (loaded: { probe: Exchange | undefined; how: string }): CheckResult | undefined =>
  loaded.probe?.outcome === 'accepted'
    ? undefined
    : { verdict: 'ERROR', observed: `inconclusive: the backend did not accept its new real key from the crafted set (${statusOf(loaded.probe)}; ${loaded.how})`, evidence: loaded.probe ? [loaded.probe] : [] };

jwksCheck(
  {
    id: 'JWKS-UNKNOWN-KTY',
    title: 'Unsupported or malformed keys in the JWKS do not break the good ones',
    severity: 'low',
    requirement: 'RFC 7517 §5: members the client does not understand are ignored; one unusable key must not make the whole set unusable.',
    references: ['RFC 7517 §5', 'RFC 7517 §4.1'],
    expected: 'a token of the real key is accepted',
  },
  async (lab) => {
    const { loaded, inconclusive } = await loadWithExtras(lab, () => [
      { kty: 'AKP', alg: 'ML-DSA-44', kid: JwksLab.randomKid(), pub: b64u(randomBytes(1312)) },
      { kty: 'OKP', crv: 'X448', kid: JwksLab.randomKid(), x: b64u(randomBytes(56)) },
      { kty: 'OKP', crv: 'Ed25519', kid: JwksLab.randomKid() },
      { kty: 'EC', crv: 'P-256', kid: JwksLab.randomKid(), x: b64u(randomBytes(32)) },
      { kty: 'RSA', kid: JwksLab.randomKid(), n: '', e: 'AQAB' },
      { kty: 'unknown', kid: JwksLab.randomKid() },
    ]);
    if (inconclusive) return inconclusive;
    const probe = loaded.probe!;
    const evidence = [probe];
    return probe.outcome === 'accepted'
      ? { verdict: 'PASS', observed: `with six unusable keys before it (AKP, X448, keys missing members, an unknown kty), a token of the real key ${loaded.key.kid} was accepted (${loaded.how})`, evidence }
      : { verdict: 'FAIL', observed: `with six unusable keys before it, a token of the real key ${loaded.key.kid} was refused (${statusOf(probe)}): one bad key breaks the whole set`, evidence };
  },
);

jwksCheck(
  {
    id: 'JWKS-PRIVATE-OR-OCT',
    title: 'Private keys and symmetric (oct) keys in the JWKS are never used to verify',
    severity: 'high',
    requirement: 'A JWKS holds public keys only; a key published with its private part is compromised, and an oct key must never enable HS* (jose refuses both).',
    references: ['RFC 7517 §5', 'jose JWKSInvalid', 'OIDF EnsureServerJwksDoesNotContainPrivateOrSymmetricKeys', 'Burp 0x00600800'],
    expected: 'tokens signed with the published private or symmetric keys are refused',
  },
  async (lab, t) => {
    const secret = randomBytes(32);
    const own = attackerKeyFor(t.issuer.algorithms[0]!);
    if (!own) return { verdict: 'SKIP', observed: `no private key of the backend's algorithm ${t.issuer.algorithms[0]} can be made here (EdDSA, ES256, RS256, PS256)` };
    const ed = attackerKey('EdDSA');
    const kids = { oct: JwksLab.randomKid(), own: JwksLab.randomKid(), ed: JwksLab.randomKid() };
    const { loaded, inconclusive } = await loadWithExtras(lab, () => [
      { kty: 'oct', kid: kids.oct, alg: 'HS256', k: b64u(secret) },
      { ...privateJwk(own.key), kid: kids.own, alg: own.alg },
      ...(own.alg === 'EdDSA' ? [] : [{ ...privateJwk(ed), kid: kids.ed, alg: 'EdDSA' }]),
    ]);
    if (inconclusive) return inconclusive;
    const unadopted = notAdopted(loaded);
    if (unadopted) return unadopted;
    const claims = freshClaims(t.claims);
    const exchanges = await t.sendAll([
      [`HS256 with the published oct key ${kids.oct}`, hmacCompact('HS256', secret, { alg: 'HS256', kid: kids.oct }, claims)],
      [`${own.alg} with the published private key ${kids.own}`, signCompact(own.alg, own.key.privateKey, { alg: own.alg, kid: kids.own }, claims)],
      ...(own.alg === 'EdDSA' ? [] : [[`EdDSA with the published private Ed25519 key ${kids.ed}`, signCompact('EdDSA', ed.privateKey, { alg: 'EdDSA', kid: kids.ed }, claims)] as [string, string]]),
    ]);
    const result = expectAllRejected(exchanges);
    return { ...result, observed: `${result.observed} (the set was loaded: ${loaded.how}; the real key's token answered ${statusOf(loaded.probe)})` };
  },
);

jwksCheck(
  {
    id: 'JWKS-USE-KEYOPS',
    title: 'Keys marked for encryption (use, key_ops) are not used to verify signatures',
    severity: 'low',
    requirement: 'RFC 7517 §4.2/§4.3: use "enc" or key_ops without "verify" says the key is not for verifying signatures.',
    references: ['RFC 7517 §4.2', 'RFC 7517 §4.3'],
    expected: 'tokens signed by those keys are refused',
  },
  async (lab, t) => {
    const alg = t.issuer.algorithms[0]!;
    const [enc, ops] = [attackerKeyFor(alg), attackerKeyFor(alg)];
    if (!enc || !ops) return { verdict: 'SKIP', observed: `no key of the backend's algorithm ${alg} can be made here (EdDSA, ES256, RS256, PS256)` };
    const kids = { enc: JwksLab.randomKid(), ops: JwksLab.randomKid() };
    const { loaded, inconclusive } = await loadWithExtras(lab, () => [
      { ...enc.key.publicJwk, kid: kids.enc, alg, use: 'enc' },
      { ...ops.key.publicJwk, kid: kids.ops, alg, key_ops: ['encrypt'] },
    ]);
    if (inconclusive) return inconclusive;
    const unadopted = notAdopted(loaded);
    if (unadopted) return unadopted;
    const claims = freshClaims(t.claims);
    const exchanges = await t.sendAll([
      [`signed by the key published with use "enc" (${kids.enc})`, signCompact(enc.alg, enc.key.privateKey, { alg, kid: kids.enc }, claims)],
      [`signed by the key published with key_ops ["encrypt"] (${kids.ops})`, signCompact(ops.alg, ops.key.privateKey, { alg, kid: kids.ops }, claims)],
    ]);
    const result = expectAllRejected(exchanges);
    return { ...result, observed: `${result.observed} (the set was loaded: ${loaded.how})` };
  },
);

jwksCheck(
  {
    id: 'JWKS-WEAK-KEY',
    title: 'An RSA key under 2048 bits in the JWKS is refused',
    severity: 'low',
    requirement: 'RFC 7518 §3.3: RSA keys for RS*/PS* are 2048 bits or larger.',
    references: ['RFC 7518 §3.3', 'NIST SP 800-131A'],
    expected: 'a token signed by the 1024-bit key is refused',
  },
  async (lab, t) => {
    if (!t.issuer.algorithms.includes('RS256')) return { verdict: 'SKIP', observed: 'the backend is configured without RS256, so its allowlist alone refuses the weak key\'s tokens (run with --alg RS256 to test it)' };
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const kid = JwksLab.randomKid();
    const { loaded, inconclusive } = await loadWithExtras(lab, () => [{ ...weak.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256' }]);
    if (inconclusive) return inconclusive;
    const token = signCompact('RS256', createPrivateKey(weak.privateKey.export({ format: 'pem', type: 'pkcs8' })), { alg: 'RS256', kid }, freshClaims(t.claims));
    const result = expectAllRejected([await t.send(`RS256 signed by the published 1024-bit key ${kid}`, token)]);
    return { ...result, observed: `${result.observed} (the set was loaded: ${loaded.how})` };
  },
);

jwksCheck(
  {
    id: 'JWKS-NO-USE-FIELD',
    title: "Better Auth's keys, which carry no use member, are accepted",
    severity: 'low',
    requirement: 'Better Auth publishes keys with no "use"; RFC 7517 §4.2 makes it optional, so a client must not require it.',
    references: ['RFC 7517 §4.2', 'Better Auth /api/auth/jwks output'],
    expected: 'a valid token is accepted while the published keys have no use',
  },
  async (lab, t) => {
    const published = (await t.issuer.keys()).filter((k) => k.published);
    const withUse = published.filter((k) => 'use' in k.publicJwk);
    if (withUse.length) return { verdict: 'ERROR', observed: `inconclusive: the issuer publishes use on ${withUse.map((k) => k.kid).join(', ')}` };
    const health = await lab.ensureHealthy();
    if (health.ok) return { verdict: 'PASS', observed: `the ${published.length} published keys carry no use, and a valid token is accepted (${health.observed})`, evidence: health.exchanges };
    // Refused: is it the missing use? Serve the same keys with use "sig".
    const loaded = await lab.freshFetch({ kind: 'decorate', fields: { use: 'sig' } });
    if (loaded.probe?.outcome === 'accepted') return { verdict: 'FAIL', observed: `valid tokens are refused (${health.observed}), but accepted once the keys carry use "sig": the backend requires a member Better Auth does not publish`, evidence: [...health.exchanges, loaded.probe] };
    return { verdict: 'ERROR', observed: `inconclusive: valid tokens are refused with or without use "sig" (${health.observed})`, evidence: [...health.exchanges, ...(loaded.probe ? [loaded.probe] : [])] };
  },
  { gated: false, requireHealthy: false },
);

jwksCheck(
  {
    id: 'JWKS-STARTUP-DOWN',
    title: 'A backend that starts while the JWKS is down recovers when it comes back',
    severity: 'medium',
    requirement: 'Starting without keys leaves the API degraded (401/503), not dead or open; once the JWKS answers again, valid tokens are accepted without a restart.',
    references: ['garden-co/jazz#340'],
    expected: 'starts, refuses during the outage, accepts within jwks.maxRotationDelayS of recovery',
  },
  async (lab, t) => {
    if (!lab.canRestart) return { verdict: 'SKIP', observed: 'needs a cold start: give the start command (target.start / --start) so the suite can restart the backend' };
    const token = await lab.valid();
    await t.issuer.setJwksFault({ kind: 'status', status: 503 });
    try {
      await lab.restart({ anyStatus: true });
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      // It exited: it cannot start without its keys. Merely slow to answer on a loaded machine: undecided.
      return /the start command exited/.test(message)
        ? { verdict: 'FAIL', observed: `the backend does not start while its JWKS answers 503: ${message}` }
        : { verdict: 'ERROR', observed: `inconclusive: the backend did not answer its readiness path while the JWKS was down: ${message}` };
    }
    const during = await t.send('a valid token while the JWKS answers 503', { token, jwksFault: 'status', timeoutMs: lab.outageTimeoutMs });
    if (during.outcome === 'accepted') return { verdict: 'FAIL', observed: 'a backend with no keys accepted a token during the outage: it does not verify (fail-open)' };
    await t.issuer.clearJwksFault();
    const { ms, short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
    const poll = await lab.poll('a valid token after the JWKS recovered', token, (e) => e.outcome === 'accepted', ms);
    const result = timeBound('recovered: a valid token was accepted', poll.atMs, poll.waitedMs, lab.settings.maxRotationDelayS, short, 'secondsToRecover');
    return { ...result, observed: `started while the JWKS was down, answered ${statusOf(during)} meanwhile; ${result.observed}`, evidence: poll.sample };
  },
);

// ---------------------------------------------------------------------------------------------
// kid selection when the set holds several keys (docs/checks.md#family-KEY)

jwksCheck(
  {
    id: 'KEY-KID-ABSENT-MULTI',
    title: 'A token without kid is not tried against every published key',
    severity: 'low',
    requirement: 'With several keys published, a token without kid is ambiguous; rejecting it is preferred to trying every key (OIDF kid-absent-multiple-jwks).',
    references: ['OIDF kid-absent-multiple-jwks', 'auth0/node-jwks-rsa (no kid + several keys)'],
    expected: '401 (trying every key is NON-STRICT)',
  },
  async (lab, t) => {
    const old = await t.issuer.signingKey();
    const loaded = await lab.freshFetch();
    if (loaded.probe?.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: the backend did not accept the new key ${loaded.key.kid} (${statusOf(loaded.probe)})`, evidence: loaded.probe ? [loaded.probe] : [] };
    const claims = freshClaims(t.claims);
    const noKid = async (kid: string) => (await t.issuer.sign({ key: { kid }, header: { alg: t.issuer.algorithms[0] }, claims })).token;
    const exchanges = await t.sendAll([
      [`no kid, signed by the current key ${loaded.key.kid}`, await noKid(loaded.key.kid)],
      [`no kid, signed by the previous key ${old.kid}, still published`, await noKid(old.kid)],
    ]);
    const result = expectAllRejected(exchanges, 'NON-STRICT');
    return result.verdict === 'NON-STRICT' ? { ...result, observed: `${result.observed}: the backend tries the published keys when kid is absent` } : result;
  },
);

jwksCheck(
  {
    id: 'KEY-KID-DECOY',
    title: 'Decoy keys sharing the kid do not confuse key selection',
    severity: 'medium',
    requirement: 'Key selection matches kid and the algorithm (kty, alg); keys of another type under the same kid neither break the real key nor let their algorithm in.',
    references: ['OIDF AugmentRealJwksWithDecoys (FAPI2 client)', 'pyjwt#1129'],
    expected: 'the real token accepted and no 5xx (PASS); the real token refused when its kid repeats across key types is NON-STRICT (low: RFC 7517 §4.5 allows repeated kids); a 5xx is FAIL. Decoys are keys the issuer published: whether their tokens are accepted is SIG-ALG-NOT-ALLOWED\'s question, noted here, not judged',
  },
  async (lab, t) => {
    const ec = attackerKey('ES256');
    const rsa = attackerKey('RS256');
    const loaded = await lab.freshFetch((key) => ({
      kind: 'extra-keys',
      position: 'before',
      keys: [
        { ...ec.publicJwk, kid: key.kid, alg: 'ES256' },
        { ...rsa.publicJwk, kid: key.kid, alg: 'PS256' },
      ],
    }));
    const unfetched = notFetched(loaded);
    if (unfetched) return unfetched;
    const real = loaded.probe!;
    const claims = freshClaims(t.claims);
    const decoys: [AsymmetricAlg, typeof ec][] = [['ES256', ec], ['PS256', rsa]];
    const variants = decoys.filter(([alg]) => !(t.issuer.algorithms as readonly string[]).includes(alg)).map(([alg, key]): [string, string] => [`${alg} signed by the decoy under the real kid ${loaded.key.kid}`, signCompact(alg, key.privateKey, { alg, kid: loaded.key.kid }, claims)]);
    const forged = await t.sendAll(variants);
    const evidence = [real];
    const crashed = [real, ...forged].filter((e) => e.outcome === 'server-error');
    if (crashed.length) return { verdict: 'FAIL', observed: `decoys under the real kid crashed key selection: ${crashed.map((e) => `"${e.label}" ${statusOf(e)}`).join(', ')}`, evidence };
    const unanswered = [real, ...forged].find((e) => e.outcome === 'transport-error' || e.outcome === 'other');
    if (unanswered) return { verdict: 'ERROR', observed: `inconclusive: "${unanswered.label}" got ${statusOf(unanswered)}`, evidence };
    const decoysAccepted = forged.filter((e) => e.outcome === 'accepted');
    const decoyNote = variants.length === 0
      ? 'every decoy algorithm is configured, so no decoy token applies'
      : decoysAccepted.length
        ? `tokens signed by the published decoys were accepted (${decoysAccepted.map((e) => e.label).join(', ')}): keys the issuer published, used with their own algorithm, so not a forgery; whether those algorithms belong in the allowlist is SIG-ALG-NOT-ALLOWED's question`
        : 'tokens signed by the decoys were refused';
    if (real.outcome !== 'accepted') {
      return { verdict: 'NON-STRICT', severity: 'low', observed: `the real token of ${loaded.key.kid} was refused (${statusOf(real)}) once keys of other types shared its kid: the key is picked by kid alone; ${decoyNote}`, evidence };
    }
    return { verdict: 'PASS', observed: `with ES256 and PS256 decoys under the same kid, the real token was accepted; ${decoyNote}`, evidence };
  },
);

persistenceProbe();
