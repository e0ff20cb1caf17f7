// Signature and algorithm checks (docs/checks.md#family-SIG). Forgeries use attacker keys or no key;
// validly signed variants (lying headers, crit) are signed by the issuer's real key.
import { joseToDer } from 'ecdsa-sig-formatter';
import { family } from '../harness/checks/suite.js';
import { CAUSES, combine, expectAllRejected } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { attackerKey, publicKeySecrets } from '../harness/forge/keys.js';
import { b64u, hmacCompact, signCompact, signingInput } from '../harness/forge/jws.js';
import type { HmacAlg } from '../harness/forge/jws.js';
import { flipSignature, freshClaims, headerOf, join, resizeSignature, split, stripSignature, unsecured, withClaims } from '../harness/forge/token.js';
import { WEAK_HMAC_SECRETS, sharedSecretStrength } from '../harness/forge/wordlists.js';

const { check, persistenceProbe } = family('SIG');

/** RFC 7518 §3.2: an HS256 key MUST be at least 256 bits; one from a public wordlist is no secret at all. */
function sharedSecretVerdict(secret: string): CheckResult {
  const { bytes, inWordlist } = sharedSecretStrength(secret);
  const measured = { sharedSecretBytes: bytes, inWordlist: String(inWordlist) };
  if (inWordlist) return { verdict: 'FAIL', observed: `offline: the shared secret (BETTER_AUTH_SECRET) is in the suite's wordlist of common secrets`, measured };
  if (bytes < 32) return { verdict: 'FAIL', observed: `offline: the shared secret is ${bytes} bytes, shorter than the 32 bytes HS256 requires (RFC 7518 §3.2)`, measured };
  return { verdict: 'PASS', observed: `offline: the shared secret is ${bytes} bytes and not in the wordlist`, measured };
}
const HS: HmacAlg[] = ['HS256', 'HS384', 'HS512'];

check(
  {
    id: 'SIG-UNVERIFIED',
    title: 'Claims changed after signing are rejected',
    severity: 'critical',
    requirement: 'RFC 7515 §5.2 / RFC 8725 §3.3: validate the signature before trusting any content of the JWT.',
    references: ['RFC 7515 §5.2', 'RFC 8725 §3.3', 'ASVS 5.0 9.1.1', 'PortSwigger JWT lab 1'],
    taxonomy: { cwe: ['CWE-347'], capec: ['CAPEC-39', 'CAPEC-196'], owaspApi: 'API2:2023' },
    expected: '401 for every altered token',
  },
  async ({ token, user, issuer, target, send, sendAll }) => {
    const other = await issuer.createUser();
    const otherSub = withClaims(token, (c) => ({ ...c, sub: other.id, id: other.id, email: other.email }));
    const result = expectAllRejected(
      await sendAll([
        ['sub changed to another real user, signature kept', otherSub],
        ['role claim added, signature kept', withClaims(token, (c) => ({ ...c, role: 'admin', roles: ['admin'] }))],
        ['exp extended by a year, signature kept', withClaims(token, (c) => ({ ...c, exp: Number(c.exp) + 31_536_000 }))],
      ]),
    );
    const identityPath = target.settings.identityPath;
    if (result.verdict !== 'FAIL' || !identityPath) return result;
    // Were the changed claims read? A backend that trusts them names the other user; one that answers
    // from a cache keyed by part of the token (its unchanged start) names A, whose token it verified.
    const named = await send('sub changed to another real user, at the identity endpoint', { token: otherSub, path: identityPath });
    if (named.outcome !== 'accepted' || target.subjectOf(named) !== user.id) return result;
    // A cache answered it: is anything verified where the cache misses? The same altered token with its
    // header spelled anew (another first segment, so no cached prefix matches; the signature still A's).
    const { header, payload, signature } = split(otherSub);
    const respelled = `${b64u(JSON.stringify(headerOf(otherSub), null, 1))}.${payload}.${signature}`;
    if (respelled.startsWith(header)) return result;
    const missed = await send('sub changed, header spelled anew (a cache miss), signature kept: is a miss verified?', respelled);
    if (missed.outcome === 'accepted') return { ...result, observed: `${result.observed}; the token with another user's sub was named A at ${identityPath} (a cache keyed by part of the token), and with its header spelled anew, missing the cache, it was accepted too: no signature is verified` };
    return { ...result, observed: `${result.observed}; the token with another user's sub was named A at ${identityPath}: its changed claims were never read, A's cached claims answered it (a cache keyed by part of the token: ISO-TOKEN-CACHE-CONFUSION), and the same token missing the cache was refused (${missed.response?.status ?? missed.error})`, causes: [CAUSES.tokenCacheConfused] };
  },
  { explains: CAUSES.signaturesUnverified },
);

check(
  {
    id: 'SIG-BITFLIP',
    title: 'A signature with flipped bits is rejected',
    severity: 'critical',
    requirement: 'RFC 7515 §5.2: the JWS is invalid when the signature does not validate.',
    references: ['RFC 7515 §5.2', 'Wycheproof rejectsModifiedSignature', 'OIDF invalid-sig'],
    taxonomy: { cwe: ['CWE-347'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ token, sendAll }) => expectAllRejected(await sendAll([['every signature byte XOR 0x5A', flipSignature(token)]])),
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-TRUNCATED',
    title: 'A signature one byte short or long, or truncated, is rejected without a crash',
    severity: 'critical',
    requirement: 'RFC 7515 §5.2; a malformed signature is an invalid token, not a server error.',
    references: ['RFC 7515 §5.2', 'jwt_tool "broken signature"'],
    taxonomy: { cwe: ['CWE-347', 'CWE-248'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401, never 5xx',
  },
  async ({ token, sendAll }) =>
    expectAllRejected(
      await sendAll([
        ['signature minus 4 bytes', resizeSignature(token, -4)],
        ['signature minus 1 byte', resizeSignature(token, -1)],
        ['signature plus 1 byte', resizeSignature(token, 1)],
      ]),
    ),
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-STRIPPED',
    title: 'A token with an empty signature segment is rejected',
    severity: 'critical',
    requirement: 'RFC 7515 §5.2: a JWS whose signature does not validate is rejected; an empty signature validates nothing.',
    references: ['RFC 7515 §5.2', 'CVE-2020-28042', 'jwt_tool -X n'],
    taxonomy: { cwe: ['CWE-347'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ token, sendAll }) => expectAllRejected(await sendAll([['h.p. (signature removed, header unchanged)', stripSignature(token)]])),
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-ALG-NONE',
    title: 'Unsecured tokens (alg none, any spelling) are rejected',
    severity: 'critical',
    requirement: "RFC 8725 §3.2 / RFC 7518 §3.6: a verifier MUST NOT accept unsecured JWTs ('none') unless explicitly configured to.",
    references: ['RFC 7518 §3.6', 'RFC 8725 §3.2', 'RFC 9068 §4', 'ASVS 5.0 9.1.2', 'CVE-2015-2951', 'CVE-2022-23540', 'PortSwigger JWT lab 2'],
    taxonomy: { cwe: ['CWE-347', 'CWE-757', 'CWE-327'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401 for every spelling, with and without kid',
  },
  async ({ token, sendAll }) => {
    const kid = headerOf(token).kid;
    const variants: [string, string][] = [];
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      variants.push([`alg: ${alg}, kid kept`, unsecured(token, { alg, kid })], [`alg: ${alg}, no kid`, unsecured(token, { alg })]);
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true, explains: CAUSES.algNone },
);

check(
  {
    id: 'SIG-ALG-NONE-KEEP-SIG',
    title: 'alg none with the original signature kept is rejected',
    severity: 'critical',
    requirement: 'RFC 8725 §3.2: the algorithm is never taken from the header; a header claiming none must not skip verification.',
    references: ['RFC 8725 §3.1, §3.2'],
    taxonomy: { cwe: ['CWE-347', 'CWE-757', 'CWE-327'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ token, sendAll }) => {
    const kid = headerOf(token).kid;
    return expectAllRejected(
      await sendAll([
        ['alg: none, kid kept, original signature', unsecured(token, { alg: 'none', kid }, true)],
        ['alg: none, original signature', unsecured(token, { alg: 'none' }, true)],
      ]),
    );
  },
  { forgesSignature: true, causes: [CAUSES.algNone] },
);

check(
  {
    id: 'SIG-ALG-MISSING',
    needs: ['mint'],
    title: 'A validly signed token without alg is rejected',
    severity: 'high',
    requirement: 'RFC 7515 §4.1.1: alg MUST be present; a verifier must not fill it in from the key.',
    references: ['RFC 7515 §4.1.1'],
    taxonomy: { cwe: ['CWE-347', 'CWE-1286'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, issuer, sendAll, currentKey }) => {
    const current = await currentKey();
    const { token } = await issuer.sign({ header: { kid: current.kid }, claims: freshClaims(claims) });
    return expectAllRejected(await sendAll([['header {kid} only, real signature', token]]));
  },
  { forgesSignature: true, causes: [CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'SIG-ALG-UNKNOWN',
    needs: ['mint'],
    title: 'Unknown or differently spelled alg values are rejected, even with a real signature',
    severity: 'medium',
    requirement: 'RFC 7515 §4.1.1: alg values are case-sensitive; an unknown alg makes the JWS invalid.',
    references: ['RFC 7515 §4.1.1'],
    taxonomy: { cwe: ['CWE-347', 'CWE-178'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, issuer, sendAll, currentKey }) => {
    const current = await currentKey();
    const variants = await Promise.all(
      [current.alg.toLowerCase(), current.alg.toUpperCase(), `${current.alg} `, 'FOO', 'HS1', 5].map(async (alg) => {
        const { token } = await issuer.sign({ header: { alg, kid: current.kid }, claims: freshClaims(claims) });
        return [`alg: ${JSON.stringify(alg)}, real ${current.alg} signature`, token] as [string, string];
      }),
    );
    return expectAllRejected(await sendAll(variants.filter(([label]) => !label.startsWith(`alg: "${current.alg}",`))));
  },
  { forgesSignature: true, causes: [CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'SIG-ALG-HS-PUBKEY',
    needs: ['jwks'],
    title: 'HMAC tokens keyed with the issuer public key are rejected (key confusion)',
    severity: 'critical',
    requirement: 'RFC 8725 §3.1: each key is used with exactly one algorithm, chosen by the verifier, never by the token.',
    references: ['RFC 8725 §3.1', 'CVE-2015-9235', 'CVE-2016-10555', 'CVE-2022-29217', 'CVE-2023-48223', 'CVE-2024-33663', 'CVE-2026-22817', 'CVE-2026-48526 / GHSA-xgmm-8j9v-c9wx (PyJWT: a JWK, JWKS or JWK array as the HMAC secret)', 'PortSwigger JWT labs 7-8'],
    taxonomy: { cwe: ['CWE-347', 'CWE-757', 'CWE-327'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401 for every spelling of each published key as an HS256/384/512 secret: the JWK (as served, canonical, in an array), the whole JWKS as served, SPKI PEM (plain, without its newline, after a BOM, a zero-width space or a comment line), DER and its base64, the raw OKP key, OpenSSH and PKCS#1 (an empty or all-zero key is SIG-BLANK-HMAC)',
  },
  async ({ claims, issuer, sendAll }) => {
    const keys = (await issuer.keys()).filter((k) => k.published);
    const served = { text: await issuer.servedJwks() };
    const variants: [string, string][] = [];
    for (const key of keys) {
      for (const { label, secret } of publicKeySecrets(key.publicJwk, served)) {
        for (const alg of HS) variants.push([`${alg} keyed with the ${key.alg} key as ${label}`, hmacCompact(alg, secret, { alg, kid: key.kid, typ: 'JWT' }, freshClaims(claims))]);
      }
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-ALG-NOT-ALLOWED',
    needs: ['mint', 'keys'],
    title: 'A token validly signed with an algorithm the backend does not use is rejected',
    severity: 'medium',
    requirement: 'RFC 8725 §3.1: the verifier pins the algorithms it accepts.',
    references: ['RFC 8725 §3.1', 'OIDF invalid-alternate-alg'],
    taxonomy: { cwe: ['CWE-757', 'CWE-347'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 when target.algorithms declares the allowlist and the algorithm is outside it (FAIL if accepted); without a declared allowlist, acceptance of a key the issuer publishes, with its own algorithm, is NON-STRICT, low (a broad allowlist, not a forgery; a backend with no allowlist at all fails SIG-ALG-HS-PUBKEY or SIG-ALG-NONE)',
  },
  async ({ claims, issuer, run, target, sendAll, skip }) => {
    if (!run.alternateKey) return skip('every algorithm Better Auth supports is configured, so none is outside the allowlist');
    const { kid, alg } = run.alternateKey;
    const { token } = await issuer.sign({ key: { kid }, header: { alg, kid }, claims: freshClaims(claims) });
    const result = expectAllRejected(await sendAll([[`${alg} token from the issuer's published ${alg} key (the issuer signs with ${issuer.algorithms.join(', ')})`, token]]));
    if (result.verdict !== 'FAIL') return result;
    const declared = target.settings.algorithms;
    if (declared && !declared.includes(alg)) return { ...result, observed: `${result.observed}: ${alg} is outside the allowlist the team declares (target.algorithms: ${declared.join(', ')})` };
    if (declared) return { verdict: 'PASS', observed: `${result.observed}: ${alg} is in the declared allowlist (target.algorithms: ${declared.join(', ')})` };
    // Low: the key is the issuer's own and the algorithm its own (jose and the common clients bind the
    // algorithm to the key's type), so nothing is forged. A backend with no allowlist at all shows it
    // where it matters: SIG-ALG-HS-PUBKEY and SIG-ALG-NONE.
    return {
      verdict: 'NON-STRICT',
      severity: 'low',
      observed: `${result.observed}: the backend accepts ${alg} beyond what the issuer signs with; the key is one the issuer publishes, used with its own algorithm, so this is a broad allowlist, not a forgery (declare target.algorithms to judge it against the team's intent)`,
    };
  },
  { causes: [CAUSES.signaturesUnverified] },
);

check(
  {
    id: 'SIG-KEY-ALG-MISMATCH',
    title: "The issuer key's kid with another algorithm and an attacker's signature is rejected",
    severity: 'high',
    requirement: 'RFC 8725 §3.1: key selection binds the kid to the key type and algorithm; the header alg must not pick how a key is used.',
    references: ['RFC 8725 §3.1', 'CVE-2026-22818 (Hono)', 'pyjwt#1129'],
    taxonomy: { cwe: ['CWE-347', 'CWE-757'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, token, sendAll }) => {
    const kid = headerOf(token).kid;
    const variants: [string, string][] = [];
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const key = attackerKey(alg);
      const headerAlg = alg === 'RS256' ? (['RS256', 'PS256'] as const) : ([alg] as const);
      for (const h of headerAlg) {
        if (h === headerOf(token).alg) continue;
        variants.push([`kid of the issuer key, alg ${h}, attacker signature`, signCompact(h, key.privateKey, { alg: h, kid }, freshClaims(claims))]);
      }
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-BLANK-HMAC',
    title: 'HMAC tokens with an empty or all-zero key are rejected',
    severity: 'critical',
    requirement: 'RFC 7518 §3.2: an HMAC key must be at least as long as the hash output; an empty key authenticates nothing.',
    references: ['RFC 7518 §3.2', 'CVE-2019-20933', 'CVE-2020-28637', 'CVE-2026-45363', 'jwt_tool -X b'],
    taxonomy: { cwe: ['CWE-347', 'CWE-1391'], capec: ['CAPEC-196'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, token, sendAll }) => {
    const kid = headerOf(token).kid;
    const variants: [string, string][] = [];
    for (const alg of HS) {
      for (const [label, key] of [['empty key', ''], ['64 zero bytes', Buffer.alloc(64)]] as const) {
        variants.push([`${alg}, ${label}, kid kept`, hmacCompact(alg, key, { alg, kid }, freshClaims(claims))], [`${alg}, ${label}, no kid`, hmacCompact(alg, key, { alg }, freshClaims(claims))]);
      }
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-WEAK-HMAC',
    title: 'HMAC tokens signed with common or default secrets are rejected',
    severity: 'critical',
    requirement: 'RFC 8725 §3.5 / RFC 7518 §3.2: HMAC secrets must have enough entropy; default secrets are public.',
    references: ['RFC 7518 §3.2', 'RFC 8725 §3.5', 'jwt_tool jwt-common.txt', 'Better Auth DEFAULT_SECRET'],
    taxonomy: { cwe: ['CWE-1392', 'CWE-1391', 'CWE-321'], capec: ['CAPEC-70', 'CAPEC-196'], owaspApi: 'API2:2023' },
    expected: '401 for every secret',
    requests: 2 * WEAK_HMAC_SECRETS.length,
  },
  async ({ claims, token, issuer, sendAll }) => {
    const kid = headerOf(token).kid;
    // With the issuer's kid and without one: a legacy HMAC path is often reached only when kid is absent.
    const variants = WEAK_HMAC_SECRETS.flatMap((secret): [string, string][] => [
      [`HS256 with secret "${secret}", issuer kid`, hmacCompact('HS256', secret, { alg: 'HS256', kid, typ: 'JWT' }, freshClaims(claims))],
      [`HS256 with secret "${secret}", no kid`, hmacCompact('HS256', secret, { alg: 'HS256', typ: 'JWT' }, freshClaims(claims))],
    ]);
    const online = expectAllRejected(await sendAll(variants));
    // The shared-secret mode: the secret the backend verifies with is known, so its strength is judged offline too.
    return issuer.sharedSecret === undefined ? online : combine([online, sharedSecretVerdict(issuer.sharedSecret)]);
  },
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-PSYCHIC',
    title: 'ECDSA signatures with r = s = 0 are rejected (psychic signatures)',
    severity: 'critical',
    requirement: 'ECDSA verification rejects r or s outside [1, n-1] (CVE-2022-21449).',
    references: ['CVE-2022-21449', 'RFC 7518 §3.4', 'nuclei CVE-2022-21449'],
    taxonomy: { cwe: ['CWE-347'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401 in JOSE and DER form, with and without the issuer kid',
  },
  async ({ claims, token, sendAll }) => {
    const kid = headerOf(token).kid;
    const variants: [string, string][] = [];
    for (const [alg, size] of [['ES256', 64], ['ES384', 96], ['ES512', 132]] as const) {
      for (const [form, sig] of [['JOSE zeros', b64u(Buffer.alloc(size))], ['DER r=s=0', 'MAYCAQACAQA']] as const) {
        variants.push([`${alg} ${form}, issuer kid`, `${signingInput({ alg, kid }, freshClaims(claims))}.${sig}`], [`${alg} ${form}, no kid`, `${signingInput({ alg }, freshClaims(claims))}.${sig}`]);
      }
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-ES-DER',
    requires: ['ecdsaSigning'],
    title: 'An ECDSA signature re-encoded as DER is rejected',
    severity: 'low',
    requirement: "RFC 7518 §3.4: an ES256/384/512 signature is the fixed-length R‖S concatenation, and any other form MUST be rejected. A DER form of the issuer's own signature forges nothing, but it is a second spelling of one token, which a deny-list keyed by the token string misses.",
    references: ['RFC 7518 §3.4', 'Wycheproof ECDSA P1363 vectors'],
    taxonomy: { cwe: ['CWE-347', 'CWE-436'], capec: [], owaspApi: 'API8:2023' },
    expected: "401 for the valid ES token with its signature re-encoded as ASN.1 DER (NON-STRICT, low, if accepted); SKIP when the issuer signs with no ECDSA algorithm",
  },
  async ({ token, sendAll, skip }) => {
    // Required (ecdsaSigning); the valid token's own alg is what gets re-encoded.
    const alg = String(headerOf(token).alg);
    if (!/^ES(256|384|512)$/.test(alg)) return skip(`the issuer's token is ${alg}: no ECDSA signature to re-encode`);
    const { header, payload, signature } = split(token);
    const result = expectAllRejected(await sendAll([[`the valid ${alg} token, its signature as ASN.1 DER`, `${header}.${payload}.${b64u(joseToDer(signature, alg))}`]]), 'NON-STRICT');
    return result.verdict === 'NON-STRICT' ? { ...result, severity: 'low', observed: `${result.observed}: the issuer's own signature in DER form is taken, a second spelling of one token` } : result;
  },
);

check(
  {
    id: 'SIG-CRIT-UNKNOWN',
    needs: ['mint'],
    title: 'A validly signed token with an unknown critical header is rejected',
    severity: 'medium',
    requirement: 'RFC 7515 §4.1.11: if any extension listed in crit is not understood, the JWS MUST be rejected.',
    references: ['RFC 7515 §4.1.11', 'CVE-2026-32597 (PyJWT)', 'fast-jwt GHSA-hm7r-c7qw-ghp6'],
    taxonomy: { cwe: ['CWE-347', 'CWE-436'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, issuer, sendAll, currentKey }) => {
    const current = await currentKey();
    const { token } = await issuer.sign({ header: { alg: current.alg, kid: current.kid, crit: ['x-foo'], 'x-foo': 1 }, claims: freshClaims(claims) });
    return expectAllRejected(await sendAll([['crit: ["x-foo"], real signature', token]]));
  },
  // Accepting an unknown extension means crit is not read at all: malformed crit values then pass too.
  { causes: [CAUSES.signaturesUnverified], explains: CAUSES.critIgnored },
);

check(
  {
    id: 'SIG-CRIT-MALFORMED',
    needs: ['mint'],
    title: 'Malformed crit headers are rejected, even validly signed',
    severity: 'low',
    requirement: 'RFC 7515 §4.1.11: crit is a non-empty array of extension names, never names defined by the JWS spec itself.',
    references: ['RFC 7515 §4.1.11'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-1287'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, issuer, sendAll, currentKey }) => {
    const current = await currentKey();
    const variants = await Promise.all(
      ([['crit: []', []], ['crit: "x-foo"', 'x-foo'], ['crit: ["alg"]', ['alg']]] as [string, unknown][]).map(async ([label, crit]) => {
        const { token } = await issuer.sign({ header: { alg: current.alg, kid: current.kid, crit, 'x-foo': 1 }, claims: freshClaims(claims) });
        return [`${label}, real signature`, token] as [string, string];
      }),
    );
    return expectAllRejected(await sendAll(variants));
  },
  { causes: [CAUSES.signaturesUnverified, CAUSES.verifierFailOpen, CAUSES.critIgnored] },
);

// Ed25519 group order (RFC 8032 §5.1): a canonical S is below it.
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const littleEndian = (bytes: Uint8Array) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const toLittleEndian = (n: bigint, size: number) => Uint8Array.from({ length: size }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

check(
  {
    id: 'SIG-EDDSA-NONCANONICAL-S',
    requires: ['eddsaSigning'],
    title: 'An EdDSA signature with S + L (malleated) is rejected',
    severity: 'medium',
    requirement: 'RFC 8032 §5.1.7: verification rejects S >= L. Otherwise one token has two valid spellings, which defeats deny-lists keyed on the token string.',
    references: ['RFC 8032 §5.1.7', 'Wycheproof ed25519_test'],
    taxonomy: { cwe: ['CWE-347', 'CWE-184'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ token, sendAll }) => {
    const sig = Buffer.from(split(token).signature, 'base64url');
    const s = littleEndian(sig.subarray(32));
    const malleated = Buffer.concat([sig.subarray(0, 32), toLittleEndian(s + ED25519_L, 32)]);
    return expectAllRejected(await sendAll([['valid EdDSA token with S replaced by S + L', join({ ...split(token), signature: b64u(malleated) })]]));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'SIG-EDDSA-BADLEN',
    requires: ['eddsaSigning'],
    title: 'EdDSA signatures of the wrong length, or all zeros, are rejected without a crash',
    severity: 'low',
    requirement: 'RFC 8032 §5.1.7: an Ed25519 signature is exactly 64 bytes.',
    references: ['RFC 8032 §5.1.7'],
    taxonomy: { cwe: ['CWE-347', 'CWE-1286', 'CWE-248'], capec: [], owaspApi: 'API2:2023' },
    expected: '401, never 5xx',
  },
  async ({ token, sendAll }) => {
    return expectAllRejected(
      await sendAll([
        ['63-byte signature', resizeSignature(token, -1)],
        ['65-byte signature', resizeSignature(token, 1)],
        ['64 zero bytes', join({ ...split(token), signature: b64u(Buffer.alloc(64)) })],
      ]),
    );
  },
  { forgesSignature: true },
);

persistenceProbe();
