// Control checks (docs/checks.md#family-CTL): the backend accepts what it must, so negative results mean something.
import { family } from '../harness/checks/suite.js';
import { freshClaims } from '../harness/forge/token.js';

const { check, persistenceProbe } = family('CTL');

check(
  {
    id: 'CTL-VALID-EDDSA',
    title: 'A fresh Better Auth token from /api/auth/token is accepted',
    severity: 'info',
    requirement: 'The backend accepts a valid token of the issuer it trusts; otherwise every negative check is inconclusive.',
    references: ['OIDF oidcc-client-test', 'Better Auth jwt plugin (EdDSA default)'],
    expected: '2xx, and the identity endpoint names the token subject',
  },
  async ({ issuer, user, stillValid }) => {
    const alg = issuer.algorithms[0];
    if (alg !== 'EdDSA') return { verdict: 'SKIP', observed: `the issuer signs with ${alg}, not EdDSA (run with --alg EdDSA)` };
    const probe = await stillValid('fresh EdDSA token from /api/auth/token', await issuer.tokenFor(user));
    return { verdict: probe.ok ? 'PASS' : 'ERROR', observed: probe.observed };
  },
  { gated: false },
);

check(
  {
    id: 'CTL-VALID-ALG-MATRIX',
    needs: ['mint'],
    title: 'Tokens signed with every algorithm the issuer is configured for are accepted',
    severity: 'info',
    requirement: 'Better Auth can sign with several algorithms at once (keyPairConfigs); the backend accepts each configured one, or the negative checks for it are inconclusive.',
    references: ['Better Auth jwt plugin keyPairConfig(s)', 'OIDF sig-rs256'],
    expected: '2xx with the right identity for each configured algorithm',
  },
  async ({ issuer, claims, stillValid }) => {
    const results = [];
    for (const alg of issuer.algorithms) {
      const { token } = await issuer.sign({ key: { alg }, claims: freshClaims(claims) });
      results.push({ alg, ...(await stillValid(`${alg} token from the issuer's ${alg} key`, token)) });
    }
    const failed = results.filter((r) => !r.ok);
    const observed = results.map((r) => `${r.alg}: ${r.observed}`).join('; ');
    if (failed.length) return { verdict: 'ERROR', observed: `inconclusive for ${failed.map((r) => r.alg).join(', ')}: ${observed}` };
    return { verdict: 'PASS', observed: issuer.algorithms.length > 1 ? observed : `${observed} (one algorithm configured; run with --alg EdDSA ES256 ES512 RS256 PS256 for the full matrix)` };
  },
);

check(
  {
    id: 'CTL-NO-TOKEN',
    title: 'A request without credentials gets 401 with a Bearer challenge',
    severity: 'low',
    requirement: 'RFC 6750 §3: a protected resource answers a request without credentials with 401 and WWW-Authenticate: Bearer; without credentials it SHOULD NOT include an error code (§3.1).',
    references: ['RFC 6750 §3, §3.1', 'RFC 9110 §15.5.2'],
    expected: '401 + WWW-Authenticate: Bearer, no error= parameter',
  },
  async ({ send, target }) => {
    const exchange = await send('no Authorization header', { authorization: null, path: target.settings.protectedPath });
    if (exchange.outcome === 'transport-error') return { verdict: 'ERROR', observed: `no answer: ${exchange.error}` };
    const status = exchange.response!.status;
    if (exchange.outcome === 'accepted') return { verdict: 'FAIL', observed: `the protected endpoint answered ${status} without any token` };
    const challenge = String(exchange.response!.headers['www-authenticate'] ?? '');
    if (status !== 401) return { verdict: 'NON-STRICT', observed: `answered ${status}, not 401` };
    if (!/^bearer\b/i.test(challenge)) return { verdict: 'NON-STRICT', observed: `401 without a Bearer challenge (WWW-Authenticate: ${challenge || 'absent'})` };
    if (/\berror=/i.test(challenge)) return { verdict: 'NON-STRICT', observed: `401 with an error code although no credentials were sent: ${challenge}` };
    return { verdict: 'PASS', observed: `401, WWW-Authenticate: ${challenge}` };
  },
  { gated: false },
);

persistenceProbe();
