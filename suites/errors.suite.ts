// Errors (docs/checks.md#family-ERR): a token that makes the verifier throw ends in a refusal. The
// run-wide ERR checks (no 5xx, the 401 challenge, no leaks) judge every exchange of the run, after
// the families (harness/run/aggregate.ts).
import { family } from '../harness/checks/suite.js';
import { CAUSES, explainsWhenFailing, expectAllRejected } from '../harness/checks/oracle.js';
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

persistenceProbe();
