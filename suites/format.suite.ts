// Token format and parsing checks (docs/checks.md#family-FMT): malformed compact serializations are rejected
// cleanly (401 or 400), never accepted and never a crash.
import { family } from '../harness/checks/suite.js';
import { CAUSES, expectAllRejected } from '../harness/checks/oracle.js';
import { b64u } from '../harness/forge/jws.js';
import { split } from '../harness/forge/token.js';
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

persistenceProbe();
