// What is in the key set: keys the backend must ignore or refuse (unknown types, private or
// symmetric members, wrong use, weak keys), keys without `use`, and kid selection among several.
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { JwksLab, notFetched, jwksCheck } from './lab.js';
import type { Exchange } from '../../harness/checks/model.js';
import { CAUSES, expectAllRejected, statusOf } from '../../harness/checks/oracle.js';
import type { CheckResult } from '../../harness/checks/oracle.js';
import { b64u, hmacCompact, signCompact } from '../../harness/forge/jws.js';
import type { AsymmetricAlg } from '../../harness/forge/jws.js';
import { attackerKey } from '../../harness/forge/keys.js';
import { freshClaims } from '../../harness/forge/token.js';
import type { KeyInfo } from '../../harness/issuer/protocol.js';

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

/**
 * The crafted set counts only if the backend adopted it: its new real key was accepted. A 5xx for it is
 * a set that one member it cannot use breaks (JWKS-UNKNOWN-KTY's finding): nothing to judge here then.
 */
const notAdopted = (loaded: { probe: Exchange | undefined; how: string }): CheckResult | undefined =>
  loaded.probe?.outcome === 'accepted'
    ? undefined
    : loaded.probe?.outcome === 'server-error'
      ? { verdict: 'SKIP', observed: `not applicable: the crafted set broke the backend, whose new real key answered ${statusOf(loaded.probe)} (${loaded.how}): one member it cannot use breaks the whole set (see JWKS-UNKNOWN-KTY)`, evidence: [loaded.probe], causes: [CAUSES.unusableKeyBreaksSet] }
      : { verdict: 'ERROR', observed: `inconclusive: the backend did not accept its new real key from the crafted set (${statusOf(loaded.probe)}; ${loaded.how})`, evidence: loaded.probe ? [loaded.probe] : [] };

jwksCheck(
  {
    id: 'JWKS-UNKNOWN-KTY',
    title: 'Unsupported or malformed keys in the JWKS do not break the good ones',
    severity: 'low',
    requirement: 'RFC 7517 §5: members the client does not understand are ignored; one unusable key must not make the whole set unusable.',
    references: ['RFC 7517 §5', 'RFC 7517 §4.1'],
    taxonomy: { cwe: ['CWE-248', 'CWE-754'], capec: [], owaspApi: 'API10:2023' },
    expected: 'a token of the real key is accepted (NON-STRICT otherwise: RFC 7517 §5 says SHOULD, and only the issuer can publish such a key)',
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
    // It loads its keys before it serves: a set it cannot load whole keeps it from starting at all.
    // NON-STRICT: RFC 7517 §5 says SHOULD ignore such members, and only the issuer can publish them
    // (an outage when it does, not a way in).
    if (loaded.notStarted?.startsWithout) return { verdict: 'NON-STRICT', observed: `with six unusable keys in the set, the backend did not start (${loaded.notStarted.why}), and it started with the plain set: one bad key breaks the whole set`, explains: CAUSES.unusableKeyBreaksSet };
    if (inconclusive) return inconclusive;
    const probe = loaded.probe!;
    const evidence = [probe];
    return probe.outcome === 'accepted'
      ? { verdict: 'PASS', observed: `with six unusable keys before it (AKP, X448, keys missing members, an unknown kty), a token of the real key ${loaded.key.kid} was accepted (${loaded.how})`, evidence }
      : { verdict: 'NON-STRICT', observed: `with six unusable keys before it, a token of the real key ${loaded.key.kid} was refused (${statusOf(probe)}): one bad key breaks the whole set`, evidence, explains: CAUSES.unusableKeyBreaksSet };
  },
);

jwksCheck(
  {
    id: 'JWKS-PRIVATE-OR-OCT',
    title: 'Private keys and symmetric (oct) keys in the JWKS are never used to verify',
    severity: 'high',
    requirement: 'A JWKS holds public keys only; a key published with its private part is compromised, and an oct key must never enable HS* (jose refuses both).',
    references: ['RFC 7517 §5', 'jose JWKSInvalid', 'OIDF EnsureServerJwksDoesNotContainPrivateOrSymmetricKeys', 'Burp 0x00600800'],
    taxonomy: { cwe: ['CWE-347', 'CWE-757'], capec: ['CAPEC-196'], owaspApi: 'API2:2023' },
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
    const [oct, ...withD] = await t.sendAll([
      [`HS256 with the published oct key ${kids.oct}`, hmacCompact('HS256', secret, { alg: 'HS256', kid: kids.oct }, claims)],
      [`${own.alg} with the published private key ${kids.own}`, signCompact(own.alg, own.key.privateKey, { alg: own.alg, kid: kids.own }, claims)],
      ...(own.alg === 'EdDSA' ? [] : [[`EdDSA with the published private Ed25519 key ${kids.ed}`, signCompact('EdDSA', ed.privateKey, { alg: 'EdDSA', kid: kids.ed }, claims)] as [string, string]]),
    ]);
    const loadedNote = `(the set was loaded: ${loaded.how}; the real key's token answered ${statusOf(loaded.probe)})`;
    // An oct key that enables HS* lets anyone who reads the JWKS sign: FAIL. A key published with its
    // private part is compromised already; verifying with its public part is a hardening gap (low).
    const octResult = expectAllRejected([oct!]);
    const dResult = expectAllRejected(withD, 'NON-STRICT');
    const observed = `oct: ${octResult.observed}; keys with d: ${dResult.observed} ${loadedNote}`;
    if (octResult.verdict !== 'PASS') return { verdict: octResult.verdict, observed };
    return dResult.verdict === 'NON-STRICT' ? { verdict: 'NON-STRICT', severity: 'low', observed } : { verdict: dResult.verdict, observed };
  },
);

jwksCheck(
  {
    id: 'JWKS-USE-KEYOPS',
    title: 'Keys marked for encryption (use, key_ops) are not used to verify signatures',
    severity: 'low',
    requirement: 'RFC 7517 §4.2/§4.3: use "enc" or key_ops without "verify" says the key is not for verifying signatures.',
    references: ['RFC 7517 §4.2', 'RFC 7517 §4.3'],
    taxonomy: { cwe: ['CWE-347', 'CWE-1023'], capec: [], owaspApi: 'API2:2023' },
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
    // RFC 7517 §4.2-4.3 state a key's intended use, with no MUST on consumers: NON-STRICT when ignored.
    const result = expectAllRejected(exchanges, 'NON-STRICT');
    return { ...result, observed: `${result.observed} (the set was loaded: ${loaded.how})` };
  },
);

jwksCheck(
  {
    id: 'JWKS-WEAK-KEY',
    requires: ['rs256Key'],
    title: 'An RSA key under 2048 bits in the JWKS is refused',
    severity: 'low',
    requirement: 'RFC 7518 §3.3: RSA keys for RS*/PS* are 2048 bits or larger.',
    references: ['RFC 7518 §3.3', 'NIST SP 800-131A'],
    taxonomy: { cwe: ['CWE-326', 'CWE-347'], capec: [], owaspApi: 'API2:2023' },
    expected: 'a token signed by the 1024-bit key is refused',
  },
  async (lab, t) => {
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
    taxonomy: { cwe: ['CWE-436'], capec: [], owaspApi: 'API8:2023' },
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

// kid selection when the set holds several keys (docs/checks.md#family-KEY)

jwksCheck(
  {
    id: 'KEY-KID-ABSENT-MULTI',
    title: 'A token without kid is not tried against every published key',
    severity: 'low',
    requirement: 'With several keys published, a token without kid is ambiguous; rejecting it is preferred to trying every key (OIDF kid-absent-multiple-jwks).',
    references: ['OIDF kid-absent-multiple-jwks', 'auth0/node-jwks-rsa (no kid + several keys)'],
    taxonomy: { cwe: ['CWE-347', 'CWE-1023'], capec: [], owaspApi: 'API2:2023' },
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
    taxonomy: { cwe: ['CWE-694', 'CWE-1023', 'CWE-248'], capec: [], owaspApi: 'API2:2023' },
    expected: 'the real token accepted and no 5xx (PASS); the real token refused when its kid repeats across key types is NON-STRICT (low: RFC 7517 §4.5 allows repeated kids); a 5xx is FAIL. Decoys are keys the issuer published: whether their tokens are accepted is SIG-ALG-NOT-ALLOWED\'s question, noted here, not judged',
  },
  async (lab, t) => {
    // Decoys of the real key's own algorithm would be the same type of key under the same kid: no
    // selection rule could tell them apart, so only other algorithms make decoys.
    const decoys = ([['ES256', attackerKey('ES256')], ['PS256', attackerKey('RS256')]] as const).filter(([alg]) => alg !== t.issuer.algorithms[0]);
    const loaded = await lab.freshFetch((key) => ({
      kind: 'extra-keys',
      position: 'before',
      keys: decoys.map(([alg, decoy]) => ({ ...decoy.publicJwk, kid: key.kid, alg })),
    }));
    const unfetched = notFetched(loaded);
    if (unfetched) return unfetched;
    const real = loaded.probe!;
    const claims = freshClaims(t.claims);
    const variants = decoys.filter(([alg]) => !(t.issuer.algorithms as readonly string[]).includes(alg)).map(([alg, decoy]): [string, string] => [`${alg} signed by the decoy under the real kid ${loaded.key.kid}`, signCompact(alg, decoy.privateKey, { alg, kid: loaded.key.kid }, claims)]);
    const forged = await t.sendAll(variants);
    const evidence = [real];
    const crashed = [real, ...forged].filter((e) => e.outcome === 'server-error');
    // A set that one unusable key breaks (JWKS-UNKNOWN-KTY) crashes on decoys too: reported under that cause when it names it.
    if (crashed.length) return { verdict: 'FAIL', observed: `decoys under the real kid crashed key selection: ${crashed.map((e) => `"${e.label}" ${statusOf(e)}`).join(', ')}`, evidence, causes: [CAUSES.unusableKeyBreaksSet] };
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
    return { verdict: 'PASS', observed: `with ${decoys.map(([alg]) => alg).join(' and ')} decoys under the same kid, the real token was accepted; ${decoyNote}`, evidence };
  },
);
