// Interoperability (docs/checks.md#family-INT): EdDSA naming across RFC 8037 and RFC 9864.
import { CAUSES } from '../harness/checks/oracle.js';
import { family } from '../harness/checks/suite.js';
import { freshClaims } from '../harness/forge/token.js';

const { check, persistenceProbe } = family('INT');

check(
  {
    id: 'INT-EDDSA-ALG-NAMES',
    needs: ['mint'],
    requires: ['eddsaKey'],
    title: 'EdDSA naming: "Ed25519" reported, "Ed448" on an Ed25519 key rejected',
    severity: 'medium',
    requirement: 'RFC 8037 names the algorithm "EdDSA" (Better Auth uses it); RFC 9864 adds the fully specified "Ed25519". An "Ed448" header must never verify with an Ed25519 key.',
    references: ['RFC 8037 §3.1', 'RFC 9864', 'PrefectHQ/fastmcp#4750', 'supabase/realtime#2060'],
    taxonomy: { cwe: ['CWE-347', 'CWE-436'], capec: [], owaspApi: 'API2:2023' },
    expected: '"Ed448" on the Ed25519 key rejected (FAIL if accepted); "Ed25519" accepted or not is INFO',
  },
  async ({ issuer, claims, send }) => {
    const ed = (await issuer.keys()).find((k) => k.alg === 'EdDSA' && k.published);
    // Required (eddsaKey), and yet none published: the issuer's doing, not this run's settings.
    if (!ed) return { verdict: 'SKIP', observed: 'the issuer publishes no EdDSA key' };
    const signedAs = async (alg: string) => (await issuer.sign({ key: { kid: ed.kid }, header: { alg, kid: ed.kid }, claims: freshClaims(claims) })).token;
    const ed448 = await send('alg "Ed448", real Ed25519 signature', await signedAs('Ed448'));
    const ed25519 = await send('alg "Ed25519" (RFC 9864), real Ed25519 signature', await signedAs('Ed25519'));
    if ([ed448, ed25519].some((e) => e.outcome === 'transport-error')) return { verdict: 'ERROR', observed: 'no answer' };
    if (ed448.outcome === 'accepted') return { verdict: 'FAIL', observed: '"Ed448" header accepted with an Ed25519 key: the verifier trusts the header algorithm' };
    const accepted = ed25519.outcome === 'accepted';
    return {
      verdict: 'INFO',
      observed: `"Ed448" rejected (${ed448.response!.status}); "Ed25519" ${accepted ? 'accepted' : `rejected (${ed25519.response!.status}): only "EdDSA" is accepted`}`,
      measured: { ed25519Accepted: String(accepted) },
    };
  },
  { causes: [CAUSES.signaturesUnverified] },
);

persistenceProbe();
