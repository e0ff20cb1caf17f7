// Errors (docs/checks.md#family-ERR): a token that makes the verifier throw ends in a refusal. The
// run-wide ERR checks (no 5xx, the 401 challenge, no leaks) judge every exchange of the run, after
// the families (harness/run/aggregate.ts).
import { family } from '../harness/checks/suite.js';
import { CAUSES, explainsWhenFailing, expectAllRejected, statusOf } from '../harness/checks/oracle.js';
import type { Exchange } from '../harness/checks/model.js';
import { b64u } from '../harness/forge/jws.js';
import { decodeSegment, split } from '../harness/forge/token.js';

const { check, persistenceProbe } = family('ERR');

check(
  {
    id: 'ERR-FAILOPEN',
    title: 'A token that makes the verifier throw is refused, not waved through',
    severity: 'critical',
    requirement:
      'An exception while parsing or verifying a token (a segment that is not base64url or not JSON, a kid or alg of an odd type, a long kid) ends in a refusal: the handler never runs, neither as a guest nor with claims decoded before verification (the DataEase pattern).',
    references: ['CVE-2025-49001', 'CVE-2024-47073', 'CWE-636'],
    taxonomy: { cwe: ['CWE-636', 'CWE-248', 'CWE-347'], capec: ['CAPEC-115'], owaspApi: 'API2:2023' },
    expected: "401 (or 400) for each; a 5xx is ERR-NO-5XX's finding, not this one's",
    requests: 8,
  },
  async ({ token, sendAll }) => {
    const { header, payload, signature } = split(token);
    // The valid token's header with one member of an odd type: decodable, but a verifier that
    // expects strings throws on it. Its signature no longer matches either.
    const headerWith = (member: Record<string, unknown>) => `${b64u(JSON.stringify({ ...decodeSegment(header), ...member }))}.${payload}.${signature}`;
    const undecodable: [string, string][] = [
      ['a header segment that is not base64url', `%%%.${payload}.${signature}`],
      ['a payload segment that is not base64url', `${header}.%%%.${signature}`],
      ['a header that is not JSON', `${b64u('{"alg":')}.${payload}.${signature}`],
      ['a payload that is not JSON', `${header}.${b64u('{"sub":')}.${signature}`],
    ];
    const oddTypes: [string, string][] = [
      ['alg as an object', headerWith({ alg: { name: 'EdDSA' } })],
      ['kid as a number', headerWith({ kid: 12345 })],
      ['kid as an array', headerWith({ kid: ['a', 'b'] })],
      ['a 4 KB kid', headerWith({ kid: 'k'.repeat(4096) })],
    ];
    const exchanges = await sendAll([...undecodable, ...oddTypes]);
    const result = expectAllRejected(exchanges);
    // A token that does not parse as a JWS, accepted, is a parse error waved through (or no parsing at
    // all, which SIG-UNVERIFIED names first): the cause other checks' findings follow from. Accepting
    // only the odd-typed ones is a FAIL of its own, and names no cause for others.
    const wavedThrough = exchanges.some((e) => e.outcome === 'accepted' && undecodable.some(([label]) => label === e.label));
    return wavedThrough ? explainsWhenFailing(CAUSES.verifierFailOpen, result) : result;
  },
  // A backend that never verifies accepts the decodable ones for that reason (SIG-UNVERIFIED).
  { forgesSignature: true },
);

check(
  {
    id: 'ERR-400-MALFORMED',
    title: 'A malformed Bearer credential is answered 400 invalid_request',
    severity: 'low',
    requirement: 'RFC 6750 §3.1: a request that is otherwise malformed gets invalid_request, and the server SHOULD answer 400; 401 invalid_token is for a well-formed token that is not valid.',
    references: ['RFC 6750 §3.1', 'RFC 6750 §2.1'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-684'], capec: [], owaspApi: 'API8:2023' },
    expected: '400 (Bearer error="invalid_request") for "Bearer" followed by two words, by characters outside the b64token grammar, or by a tab; 401 is NON-STRICT (low); accepted is FAIL (critical: no credential at all got in)',
  },
  async ({ send }) => {
    const malformed: [string, string][] = [
      ['"Bearer abc def": two words', 'Bearer abc def'],
      ['"Bearer {"a":1}": characters outside b64token', 'Bearer {"a":1}'],
      ['"Bearer ==abc": padding before the token', 'Bearer ==abc'],
      ['"Bearer<TAB>abc": a tab where 1*SP belongs', 'Bearer\tabc'],
    ];
    const exchanges = await Promise.all(malformed.map(([label, authorization]) => send(label, { authorization })));
    const accepted = exchanges.filter((e) => e.outcome === 'accepted');
    if (accepted.length) return { verdict: 'FAIL', severity: 'critical', observed: `accepted with no credential at all: ${accepted.map((e) => `${e.label} (${statusOf(e)})`).join(', ')}`, evidence: accepted, causes: [CAUSES.verifierFailOpen] };
    const unanswered = exchanges.filter((e) => !e.response);
    if (unanswered.length) return { verdict: 'ERROR', observed: `inconclusive: no answer to ${unanswered.map((e) => e.label).join(', ')}`, evidence: unanswered };
    const status = (e: Exchange) => e.response!.status;
    if (exchanges.every((e) => status(e) === 400)) return { verdict: 'PASS', observed: `all ${exchanges.length} answered 400 (WWW-Authenticate: ${String(exchanges[0]!.response!.headers['www-authenticate'] ?? 'absent')})`, evidence: exchanges };
    // Anything but 400 or a refusal (404, 405, 429, 5xx) says nothing of how malformed credentials are
    // classed; a 5xx is ERR-NO-5XX's finding.
    const unclear = exchanges.filter((e) => ![400, 401, 403].includes(status(e)));
    if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive: ${unclear.map((e) => `${e.label} → ${statusOf(e)}`).join('; ')}`, evidence: exchanges };
    const refused = exchanges.filter((e) => status(e) !== 400);
    return { verdict: 'NON-STRICT', severity: 'low', observed: `answered as a token that is not valid, not as a malformed request: ${refused.map((e) => `${e.label} → ${statusOf(e)}`).join('; ')} (RFC 6750 §3.1: 400 invalid_request)`, evidence: exchanges };
  },
);

persistenceProbe();
