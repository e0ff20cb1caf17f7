// Token format and parsing checks (docs/checks.md#family-FMT): malformed compact serializations are rejected
// cleanly (401 or 400), never accepted and never a crash.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { family } from '../harness/checks/suite.js';
import { CAUSES, expectAllRejected, statusOf } from '../harness/checks/oracle.js';
import { b64u } from '../harness/forge/jws.js';
import { IAT_MARGIN_S, flipSignature, freshClaims, split } from '../harness/forge/token.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import type { CheckTools } from '../harness/checks/suite.js';
import type { Exchange } from '../harness/checks/model.js';
import type { SignRequest } from '../harness/issuer/protocol.js';

const { check, persistenceProbe } = family('FMT');

check(
  {
    id: 'FMT-PARTS-2',
    title: 'A token with two segments (no signature) is rejected',
    severity: 'critical',
    requirement: 'RFC 7515 §7.1: a JWS compact serialization has exactly three segments.',
    references: ['RFC 7515 §7.1', 'Wycheproof rejectsMissingSignatureAndSeparator'],
    taxonomy: { cwe: ['CWE-347', 'CWE-1286'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ token, sendAll }) => {
    const { header, payload } = split(token);
    return expectAllRejected(await sendAll([['header.payload', `${header}.${payload}`]]));
  },
  { causes: [CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'FMT-PARTS-EXTRA',
    title: 'Tokens with extra segments, or JWE-shaped, are rejected',
    severity: 'medium',
    requirement: 'RFC 7515 §7.1: exactly three segments; a five-part JWE is not a JWS and must not be decrypted.',
    references: ['RFC 7515 §7.1', 'RFC 7516 §7.1', 'CVE-2024-33664'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-347'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ token, sendAll }) => {
    const jweHeader = b64u(JSON.stringify({ alg: 'dir', enc: 'A256GCM' }));
    return expectAllRejected(
      await sendAll([
        ['h.p.s. (trailing dot)', `${token}.`],
        ['h.p.s.foo (fourth segment)', `${token}.Zm9v`],
        ['five-part JWE shape', `${jweHeader}..${b64u('iv-iv-iv-iv')}.${b64u('ciphertext')}.${b64u('tag-tag-tag-tag')}`],
      ]),
    );
  },
  { causes: [CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'FMT-EMPTY-SEGMENT',
    title: 'Tokens with empty segments, or empty, are rejected without a crash',
    severity: 'low',
    requirement: 'RFC 7515 §5.2: the header and payload must decode; an empty token is no credential.',
    references: ['RFC 7515 §5.2', 'Wycheproof rejectsMissingHeader/Payload, rejectsEmptyString'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-248'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (or 400), never 5xx',
  },
  async ({ token, send, sendAll }) => {
    const { header, payload, signature } = split(token);
    const exchanges = await sendAll([
      ['.payload.signature', `.${payload}.${signature}`],
      ['header..signature', `${header}..${signature}`],
      ['..', '..'],
    ]);
    exchanges.push(await send('empty token ("Bearer ")', { authorization: 'Bearer ' }));
    return expectAllRejected(exchanges);
  },
  { forgesSignature: true, causes: [CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'FMT-JSON-INVALID',
    needs: ['mint'],
    title: 'Headers or payloads that are not JSON objects are rejected, even validly signed',
    severity: 'medium',
    requirement: 'RFC 7515 §5.2 / RFC 8725 §3.7: the header and the claims set are UTF-8 JSON objects; anything else makes the token invalid.',
    references: ['RFC 7515 §5.2', 'RFC 7519 §7.2', 'RFC 8725 §3.7'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-248'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (or 400), never 5xx',
  },
  async ({ issuer, claims, sendAll, currentKey, now }) => {
    const current = await currentKey();
    const header = JSON.stringify({ alg: current.alg, kid: current.kid });
    const body = JSON.stringify({ ...claims, iat: now(), exp: now() + 600 });
    const invalidUtf8 = Buffer.concat([Buffer.from(body.slice(0, -1)), Buffer.from(',"x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const variants: [string, SignRequest][] = [
      ['header is a JSON array', { rawHeader: JSON.stringify([header]), rawPayload: body }],
      ['header is a number', { rawHeader: '5', rawPayload: body }],
      ['header is null', { rawHeader: 'null', rawPayload: body }],
      ['header is truncated JSON', { rawHeader: header.slice(0, -3), rawPayload: body }],
      ['payload is a JSON array', { rawHeader: header, rawPayload: JSON.stringify([claims]) }],
      ['payload is a number', { rawHeader: header, rawPayload: '1' }],
      ['payload is null', { rawHeader: header, rawPayload: 'null' }],
      ['payload is truncated JSON', { rawHeader: header, rawPayload: body.slice(0, -2) }],
      ['payload is invalid UTF-8 (bytes C3 28 FF in a string)', { rawHeader: header, rawPayload: { base64url: b64u(invalidUtf8) } }],
    ];
    const tokens = await Promise.all(variants.map(async ([label, raw]) => [`${label}, real signature`, (await issuer.sign(raw)).token] as [string, string]));
    const exchanges = await sendAll(tokens);
    const result = expectAllRejected(exchanges);
    // Invalid UTF-8 inside an unrelated claim of an issuer-signed token, alone accepted: a lenient decoder, not a forgery.
    const accepted = exchanges.filter((e) => e.outcome === 'accepted');
    if (result.verdict === 'FAIL' && accepted.every((e) => e.label.startsWith('payload is invalid UTF-8'))) return { ...result, verdict: 'NON-STRICT', severity: 'low' };
    return result;
  },
  { causes: [CAUSES.signaturesUnverified, CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'FMT-JSON-DUP',
    needs: ['mint'],
    requires: ['identityPath'],
    title: 'Duplicate claim names: rejected, or the last one wins',
    severity: 'medium',
    requirement: 'RFC 7519 §4 / RFC 7515 §4: parsers MUST reject duplicate member names or use the lexically last one. First-wins parsing lets a proxy and the application see different users.',
    references: ['RFC 7515 §4', 'RFC 7519 §4'],
    taxonomy: { cwe: ['CWE-694', 'CWE-436'], capec: [], owaspApi: 'API2:2023' },
    expected: 'rejected, or accepted as the last sub; FAIL if the first sub wins',
  },
  async ({ issuer, claims, user, target, send, currentKey, now }) => {
    const other = await issuer.createUser();
    const current = await currentKey();
    const body = JSON.stringify({ ...claims, iat: now(), exp: now() + 600, sub: user.id });
    // {..., "sub": A, "sub": B}: JSON.parse (last wins) reads B.
    const rawPayload = `${body.slice(0, -1)},"sub":${JSON.stringify(other.id)}}`;
    const { token } = await issuer.sign({ rawHeader: JSON.stringify({ alg: current.alg, kid: current.kid }), rawPayload });
    const exchange = await send(`"sub" twice: first ${user.id}, last ${other.id}`, { token, path: target.settings.identityPath });
    if (exchange.outcome === 'transport-error') return { verdict: 'ERROR', observed: `no answer: ${exchange.error}` };
    if (exchange.outcome === 'rejected' || exchange.outcome === 'server-error') return { verdict: 'PASS', observed: `rejected (${exchange.response!.status})` };
    if (exchange.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: answered ${exchange.response!.status}` };
    const subject = target.subjectOf(exchange);
    if (subject === other.id) return { verdict: 'PASS', observed: 'accepted; the last sub won (RFC 7519 §4 allows it)' };
    if (subject === user.id) return { verdict: 'FAIL', observed: 'accepted as the FIRST sub: a last-wins proxy or logger sees another user' };
    return { verdict: 'ERROR', observed: `accepted, but the identity endpoint named ${JSON.stringify(subject)}` };
  },
);

/** The answer to an accepted re-spelling or re-serialization: whose identity the backend took it for. */
function identityOf(target: CheckTools['target'], exchange: Exchange, user: CheckTools['user']): 'A' | 'someone else' | 'unknown' {
  const subject = target.isIdentityExchange(exchange) ? target.subjectOf(exchange) : undefined;
  if (subject === undefined) return 'unknown';
  return subject === user.id ? 'A' : 'someone else';
}

/** Other tokens FMT-B64-CANON asks for, at most, to get a signature with a "-" or "_". */
const SPELLING_ATTEMPTS = 10;

check(
  {
    id: 'FMT-B64-CANON',
    title: 'A valid token re-spelled in base64 (padded, standard alphabet) is not a second accepted token',
    severity: 'low',
    requirement: 'RFC 7515 §2, §7.1: the segments are base64url without padding. A verifier that also takes other spellings gives one token several strings, and a deny-list keyed by the token (revoked or logged-out tokens) misses the others.',
    references: ['RFC 7515 §2, §7.1', 'RFC 4648 §5'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-436'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (or 400); accepted as the same user is NON-STRICT, low; as anyone else FAIL',
  },
  async ({ token: first, user, issuer, run, target, send, signed, now, stillValid }): Promise<CheckResult> => {
    // The signature is re-spelled alone (its bytes are what is verified, the signing input is unchanged),
    // and the signed segments apart from it. Its standard-alphabet spelling needs a "-" or "_" in it (one
    // signature in fifteen has neither): another token is asked for. Ed25519 and HMAC signatures are
    // deterministic, so it must differ: minted with an earlier iat, or, without minting, issued a second later.
    let token = first;
    const mints = run.profile.capabilities.includes('mint');
    for (let i = 1; i <= SPELLING_ATTEMPTS && !/[-_]/.test(split(token).signature); i++) {
      if (mints) token = await signed({ iat: now() - IAT_MARGIN_S - i, exp: now() + 600 });
      else {
        await delay(1_100);
        token = await issuer.tokenFor(user);
      }
    }
    // A replacement token is shown accepted as it is first: a refusal of its re-spellings says nothing otherwise.
    if (token !== first) {
      const control = await stillValid('the token re-spelled below, as issued', token);
      if (!control.ok) return { verdict: 'ERROR', observed: `not attributable: the token whose signature could be re-spelled was itself refused (${control.observed})` };
    }
    const { header, payload, signature } = split(token);
    const pad = (segment: string) => segment + '='.repeat((4 - (segment.length % 4)) % 4);
    const standard = (segment: string) => segment.replace(/-/g, '+').replace(/_/g, '/');
    const path = target.settings.identityPath ?? target.settings.protectedPath;
    const variants: [string, string][] = [];
    if (pad(signature) !== signature) variants.push(['the signature padded with "="', `${header}.${payload}.${pad(signature)}`]);
    if (standard(signature) !== signature) variants.push(['the signature in the standard base64 alphabet ("+" and "/" for "-" and "_")', `${header}.${payload}.${standard(signature)}`]);
    // The header and payload too, where they need padding (the signing input changes: a verifier that
    // accepts it decodes before it verifies, and verifies what it re-encoded).
    if (pad(header) !== header || pad(payload) !== payload) variants.push(['the header and payload padded with "="', `${pad(header)}.${pad(payload)}.${signature}`]);
    if (!variants.length) return { verdict: 'SKIP', observed: 'the token has no other spelling: no segment needs padding and its signature has no "-" or "_"' };
    const exchanges = await Promise.all(variants.map(([label, spelled]) => send(label, { token: spelled, path })));
    const result = expectAllRejected(exchanges, 'NON-STRICT');
    if (result.verdict !== 'NON-STRICT') return result;
    // Decoded leniently, or not verified at all? The same token with a broken signature, at the same path,
    // tells: accepted too, and the re-spellings got in because no signature is checked there (SIG-UNVERIFIED's).
    const broken = await send('control: the same token with every signature byte flipped, at the same path', { token: flipSignature(token), path });
    const unverified = broken.outcome === 'accepted' ? [CAUSES.signaturesUnverified] : [];
    const accepted = exchanges.filter((e) => e.outcome === 'accepted');
    const others = accepted.filter((e) => identityOf(target, e, user) === 'someone else');
    // Taken for someone else (a "guest"): a verifier whose error lets the request in, ERR-FAILOPEN's cause.
    if (others.length) return { verdict: 'FAIL', severity: 'high', observed: `a re-spelled token was taken for someone other than its user: ${others.map((e) => `"${e.label}" answered as ${String(target.subjectOf(e))}`).join(', ')}`, causes: [...unverified, CAUSES.verifierFailOpen] };
    // Taken as its user: a lenient decoder, this check's own finding, unless no signature is checked there at all.
    return { ...result, severity: 'low', observed: `${result.observed}: one token, several accepted strings (a deny-list keyed by the token string misses the re-spelled ones)`, causes: unverified };
  },
);

check(
  {
    id: 'FMT-JSON-SERIALIZATION',
    title: 'A JWS in JSON serialization is not taken as a bearer token',
    severity: 'medium',
    requirement: 'RFC 7519 §7.2 and RFC 8725 §3.10: a JWT is the compact serialization. A verifier that also parses the JSON serializations (flattened or general) disagrees with every gateway, WAF and log that reads the token as a JWT, and its second parser is attack surface of its own (CVE-2024-21664).',
    references: ['RFC 7519 §7.2', 'RFC 7515 §7.2', 'RFC 8725 §3.10', 'CVE-2024-21664', 'Wycheproof rejectsValidJsonSerialization'],
    taxonomy: { cwe: ['CWE-436', 'CWE-1286'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (or 400); the valid token accepted in JSON form is NON-STRICT; a JSON form with a broken signature accepted, or taken for another user, is FAIL (critical)',
  },
  async ({ token, user, target, send }): Promise<CheckResult> => {
    const { header, payload, signature } = split(token);
    const broken = split(flipSignature(token)).signature;
    const flattened = (sig: string) => JSON.stringify({ payload, protected: header, signature: sig });
    const general = (sig: string) => JSON.stringify({ payload, signatures: [{ protected: header, signature: sig }] });
    const path = target.settings.identityPath ?? target.settings.protectedPath;
    const [validFlat, validGeneral, forgedFlat, forgedGeneral] = await Promise.all([
      send('the valid token, flattened JSON serialization', { token: flattened(signature), path }),
      send('the valid token, general JSON serialization', { token: general(signature), path }),
      send('flattened JSON serialization, signature broken', { token: flattened(broken), path }),
      send('general JSON serialization, signature broken', { token: general(broken), path }),
    ]);
    const forged = expectAllRejected([forgedFlat!, forgedGeneral!]);
    if (forged.verdict === 'FAIL') return { ...forged, severity: 'critical', observed: `a JSON-serialized token with a broken signature was accepted (${forged.observed}): what parses it does not verify` };
    const valid = expectAllRejected([validFlat!, validGeneral!], 'NON-STRICT');
    if (valid.verdict !== 'NON-STRICT') return forged.verdict === 'PASS' ? valid : forged;
    const others = [validFlat!, validGeneral!].filter((e) => e.outcome === 'accepted' && identityOf(target, e, user) === 'someone else');
    if (others.length) return { verdict: 'FAIL', severity: 'critical', observed: `a JSON-serialized token was taken for someone other than its user: ${others.map((e) => `"${e.label}" answered as ${String(target.subjectOf(e))}`).join(', ')}` };
    return { ...valid, observed: `${valid.observed}: the backend also parses JSON-serialized JWS (its broken-signature copies were refused), so what a gateway or WAF sees as no JWT is a token here` };
  },
  // A backend that lets unparseable tokens through, or verifies nothing, accepts these for that reason.
  { causes: [CAUSES.signaturesUnverified, CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'FMT-NESTED-CTY',
    needs: ['mint'],
    title: 'A token nesting another JWT (cty: "JWT") is refused, and an unverified inner one never names the caller',
    severity: 'medium',
    requirement: 'RFC 8725 §3.3: every level of a nested JWT is validated; RFC 7519 §5.2 makes nesting a choice of the application. A backend that does not use nested JWTs refuses them; one that follows cty and trusts the inner claims without verifying them takes claims no one signed.',
    references: ['RFC 7519 §5.2, §7.2', 'RFC 8725 §3.3', 'PortSwigger JWT attacks (cty)'],
    taxonomy: { cwe: ['CWE-347', 'CWE-345'], capec: ['CAPEC-196'], owaspApi: 'API2:2023' },
    expected: 'refused (401 or 400), for an issuer-signed outer token whose payload is an unsigned inner JWT (accepted: FAIL, medium, as it needs an issuer-signed outer token) and for one whose inner JWT is a valid token of A (accepted: NON-STRICT, low)',
  },
  async (t) => {
    const { alg, kid } = await t.currentKey();
    const claims = freshClaims(t.claims);
    const outer = (inner: string) => t.signed(claims, { header: { alg, ...(kid ? { kid } : {}), cty: 'JWT' }, rawPayload: inner });
    const innerSub = `nested-${randomBytes(6).toString('hex')}`;
    const unsigned = `${b64u(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64u(JSON.stringify({ ...claims, sub: innerSub }))}.`;
    // At the identity endpoint where there is one: whose claims were taken shows there.
    const path = t.target.settings.identityPath ?? t.target.settings.protectedPath;
    const [control, unverified, nested] = await Promise.all([
      t.send('control: the same claims and times, not nested', { token: await t.signed(claims), path }),
      t.send('issuer-signed, cty "JWT", wrapping an unsigned JWT with another sub', { token: await outer(unsigned), path }),
      t.send("issuer-signed, cty \"JWT\", wrapping A's own valid token", { token: await outer(await t.signed(claims)), path }),
    ]);
    const inner = expectAllRejected([unverified!]);
    if (inner.verdict === 'FAIL') {
      const named = t.target.subjectOf(unverified!);
      const whose = named === innerSub ? `answered as the unsigned inner JWT's sub (${named})` : named === undefined ? 'accepted' : `answered as ${JSON.stringify(named)}`;
      return { ...inner, observed: `${whose}: ${inner.observed} (the outer signature covers only the inner token's text; the inner one's own signature was never checked)` };
    }
    const wrapped = expectAllRejected([nested!], 'NON-STRICT');
    const result = wrapped.verdict === 'NON-STRICT' ? { ...wrapped, severity: 'low' as const, observed: `${wrapped.observed}: the backend follows cty and takes the nested token (whose own signature holds), which RFC 8725 §3.3 leaves to an application that means to` } : wrapped;
    if (result.verdict === 'PASS' && control!.outcome !== 'accepted') return { verdict: 'ERROR', observed: `not attributable: the nested tokens were refused, but so was the control (${statusOf(control!)})`, evidence: [control!, unverified!, nested!] };
    return result;
  },
  // A backend that lets unparseable tokens through, or verifies nothing, accepts these for that reason.
  { causes: [CAUSES.signaturesUnverified, CAUSES.verifierFailOpen] },
);

check(
  {
    id: 'FMT-B64-FALSE',
    needs: ['mint'],
    title: 'A JWS with an unencoded payload (b64: false) is not taken as a JWT',
    severity: 'low',
    requirement: 'RFC 7797, which updates RFC 7519: JWTs MUST NOT use the unencoded payload option (b64: false). A verifier that honours it for bearer tokens reads a token that gateways, WAFs and logs read as no JWT.',
    references: ['RFC 7797 (updates RFC 7519)', 'RFC 7797 §3, §6', 'RFC 7519 §7.2'],
    taxonomy: { cwe: ['CWE-436', 'CWE-347'], capec: [], owaspApi: 'API8:2023' },
    expected: '401 or 400 for A\'s claims, validly signed by the issuer\'s current key under {"b64":false,"crit":["b64"]} with the JSON payload carried unencoded; accepted is FAIL (low: only the issuer\'s signature gets it in)',
  },
  async (t) => {
    const claims = freshClaims(t.claims);
    const { alg, kid } = await t.currentKey();
    // The compact form carries an unencoded payload between two dots, so it may hold none: JSON
    // spells each "." of the claims (the issuer URL's) as \u002e, which parses to the same claims; and
    // spaces and non-ASCII the same way, so that a bearer parser that splits on whitespace, or refuses
    // what is not ASCII, hands the whole token to the verifier.
    const unencoded = JSON.stringify(claims).replace(/[.\s]|[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const [control, b64False] = await t.sendAll([
      ['control: the same claims and times, payload encoded as usual', await t.signed(claims)],
      ['{"b64":false,"crit":["b64"]}, payload unencoded, signed by the issuer', await t.signed(claims, { header: { alg, ...(kid ? { kid } : {}), b64: false, crit: ['b64'] }, rawPayload: unencoded })],
    ]);
    const result = expectAllRejected([b64False!]);
    if (result.verdict === 'PASS' && control!.outcome !== 'accepted') return { verdict: 'ERROR', observed: `not attributable: ${result.observed}, but the control was refused too (${statusOf(control!)})`, evidence: [control!, b64False!] };
    return result;
  },
  { causes: [CAUSES.signaturesUnverified, CAUSES.verifierFailOpen] },
);

persistenceProbe();
