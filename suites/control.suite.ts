// Control checks (docs/checks.md#family-CTL): the backend accepts what it must, so negative results mean something.
import type { Exchange } from '../harness/checks/model.js';
import { CAUSES } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { family } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { freshClaims } from '../harness/forge/token.js';
import { KEY_PAIR_ALGORITHMS } from '../harness/issuer/protocol.js';
import { inertLine } from '../harness/text.js';

const { check, persistenceProbe } = family('CTL');

check(
  {
    id: 'CTL-VALID-EDDSA',
    requires: ['eddsaSigning'],
    title: 'A fresh Better Auth token from /api/auth/token is accepted',
    severity: 'info',
    requirement: 'The backend accepts a valid token of the issuer it trusts; otherwise every negative check is inconclusive.',
    references: ['OIDF oidcc-client-test', 'Better Auth jwt plugin (EdDSA default)'],
    taxonomy: { cwe: ['CWE-436'], capec: [], owaspApi: 'API8:2023' },
    expected: '2xx, and the identity endpoint names the token subject',
  },
  async ({ issuer, user, stillValid }) => {
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
    taxonomy: { cwe: ['CWE-436'], capec: [], owaspApi: 'API8:2023' },
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
    taxonomy: { cwe: ['CWE-684', 'CWE-306'], capec: [], owaspApi: 'API8:2023' },
    expected: '401 + WWW-Authenticate: Bearer, no error= parameter',
  },
  async ({ send, target }) => {
    const exchange = await send('no Authorization header', { authorization: null, path: target.settings.protectedPath });
    if (exchange.outcome === 'transport-error') return { verdict: 'ERROR', observed: `no answer: ${exchange.error}` };
    const status = exchange.response!.status;
    if (exchange.outcome === 'accepted') return { verdict: 'FAIL', observed: `the protected endpoint answered ${status} without any token` };
    const challenge = String(exchange.response!.headers['www-authenticate'] ?? '');
    if (status !== 401) return { verdict: 'NON-STRICT', observed: `answered ${status}, not 401` };
    if (!/^bearer\b/i.test(challenge)) return { verdict: 'NON-STRICT', observed: `401 without a Bearer challenge (WWW-Authenticate: ${challenge || 'absent'})`, explains: CAUSES.noBearerChallenge };
    if (/\berror=/i.test(challenge)) return { verdict: 'NON-STRICT', observed: `401 with an error code although no credentials were sent: ${challenge}` };
    return { verdict: 'PASS', observed: `401, WWW-Authenticate: ${challenge}` };
  },
  { gated: false },
);

check(
  {
    id: 'CTL-DIAGNOSIS',
    needs: ['mint'],
    title: 'When valid tokens are refused, the cause is named',
    severity: 'info',
    requirement:
      'A run whose valid tokens are refused decides nothing. Validly signed variants of the refused token (without aud, without iss, signed with each algorithm the issuer can use, without kid, with a typ) show which setting the backend disagrees with, so the setup is fixed instead of a hundred ERRORs read.',
    references: ['RFC 7519 §4.1.1, §4.1.3', 'RFC 8725 §3.1, §3.8', 'PyJWT jwt.decode(audience=)', 'python-jose jwt.decode(audience=)'],
    taxonomy: { cwe: ['CWE-436'], capec: [], owaspApi: 'API8:2023' },
    expected: 'a fresh valid token accepted: nothing to diagnose',
  },
  diagnose,
  { gated: false },
);

persistenceProbe();

/** What the refused token's variants say, as the cause and its fix. */
async function diagnose(t: CheckTools): Promise<CheckResult> {
  const control = await t.stillValid('a fresh valid token from /api/auth/token', await t.issuer.tokenFor(t.user));
  if (control.ok) return { verdict: 'PASS', observed: `nothing to diagnose: ${control.observed}` };
  const refused = (cause: string, fix: string, measured: Record<string, number | string> = {}): CheckResult => ({
    verdict: 'ERROR',
    observed: `valid tokens are refused: ${cause}. Fix: ${fix}`,
    measured,
    explains: CAUSES.validTokensRefused,
  });
  if (/ instead of /.test(control.observed)) {
    return refused(`the token is accepted, but the identity endpoint names someone else (${control.observed})`, 'point target.identitySubject at where the caller\'s subject is in its JSON (a dotted path, e.g. user.id), or leave target.identityPath out');
  }
  const { alg, kid } = await t.currentKey();
  const header = (extra: Record<string, unknown> = {}) => ({ alg, ...(kid ? { kid } : {}), ...extra });
  const key = kid ? { kid } : {};
  const shared = t.issuer.sharedSecret !== undefined;
  // Keys of the other algorithms, published beside the current one (it keeps signing); a backend that refetches on an unknown kid loads them.
  const otherAlgs = shared ? [] : KEY_PAIR_ALGORITHMS.filter((a) => a !== alg);
  const published = new Set(shared ? [] : (await t.issuer.keys()).filter((k) => k.published).map((k) => k.alg));
  for (const a of otherAlgs) if (!published.has(a)) await t.issuer.rotate(a);
  const variants: [string, string][] = [
    ['without aud', await t.signed({ aud: undefined })],
    ['without iss', await t.signed({ iss: undefined })],
    ['without aud and iss', await t.signed({ aud: undefined, iss: undefined })],
    ['typ JWT', await t.signed({}, { key, header: header({ typ: 'JWT' }) })],
    ['typ at+jwt', await t.signed({}, { key, header: header({ typ: 'at+jwt' }) })],
    ...(kid ? [['without kid', await t.signed({}, { key, header: { alg } })] as [string, string]] : []),
    ...(await Promise.all(otherAlgs.map(async (a): Promise<[string, string]> => [`signed with ${a}`, await t.signed({}, { key: { alg: a } })]))),
  ];
  const sent: Exchange[] = [];
  for (const [label, token] of variants) sent.push(await t.send(`diagnosis: a valid token ${label}`, token));
  const ok = (label: string) => sent[variants.findIndex(([l]) => l === label)]?.outcome === 'accepted';
  const accepted = variants.filter(([label]) => ok(label)).map(([label]) => label);
  const measured = { variants: variants.length, accepted: accepted.join(', ') || 'none' };
  const first = control.observed;
  const aud = JSON.stringify(t.claims.aud);
  const iss = JSON.stringify(t.claims.iss);
  if (ok('without aud') && !ok('without iss')) {
    return refused(
      `Better Auth's token carries aud ${aud}, and the same token without aud is accepted: the backend expects another audience, or none at all (PyJWT and python-jose refuse any token with aud unless audience= is given) (${first})`,
      `verify aud against JWT_AUDIENCE (${aud}): PyJWT and python-jose jwt.decode(token, key, algorithms=[...], audience=os.environ["JWT_AUDIENCE"]); jose jwtVerify(token, jwks, { audience }); golang-jwt jwt.NewParser(jwt.WithAudience(os.Getenv("JWT_AUDIENCE"))); or set the audience Better Auth writes (jwt({ jwt: { audience } })) to the one the backend expects`,
      measured,
    );
  }
  if (ok('without iss') && !ok('without aud')) {
    return refused(`the same token without iss is accepted: the backend expects another issuer than Better Auth's ${iss} (${first})`, `verify iss against JWT_ISSUER (${iss}) (golang-jwt: jwt.WithIssuer; jose: jwtVerify's issuer), or set Better Auth's jwt({ jwt: { issuer } }) to the one the backend expects`, measured);
  }
  if (ok('without aud and iss')) {
    return refused(`only the token without both aud and iss is accepted: the backend expects another issuer and audience than Better Auth's ${iss} and ${aud} (${first})`, 'verify iss and aud against JWT_ISSUER and JWT_AUDIENCE', measured);
  }
  const algs = accepted.filter((l) => l.startsWith('signed with ')).map((l) => l.slice('signed with '.length));
  if (algs.length) {
    return refused(
      `tokens signed with ${algs.join(', ')} are accepted and Better Auth's ${alg} ones are not: the backend's algorithm allowlist leaves ${alg} out (${first})`,
      `allow ${alg} in the backend (JWT_ALGORITHMS), or make Better Auth sign with ${algs[0]} (jwt({ jwks: { keyPairConfig: { alg: '${algs[0]}' } } })) and run the suite with --alg ${algs[0]}`,
      measured,
    );
  }
  const typ = accepted.find((l) => l.startsWith('typ '));
  if (typ) return refused(`the same token with ${typ} in its header is accepted: the backend requires a typ Better Auth does not write (${first})`, 'accept tokens without typ: Better Auth writes none', measured);
  if (ok('without kid')) return refused(`the same token without kid is accepted: the backend mishandles the kid Better Auth writes (${first})`, 'select the verification key from the JWKS by the token\'s kid (jose createRemoteJWKSet, PyJWKClient.get_signing_key_from_jwt)', measured);
  // Nothing validly signed is accepted: what the answers and the fetch log say.
  const controlStatuses = [...control.observed.matchAll(/not accepted at \S+: (\d{3})/g)].map((m) => Number(m[1]));
  const ofAlg = sent.filter((_, i) => !variants[i]![0].startsWith('signed with '));
  const algStatuses = [...new Set([...controlStatuses, ...ofAlg.map((e) => e.response?.status).filter((s): s is number => s !== undefined)])];
  const statuses = [...new Set([...algStatuses, ...sent.map((e) => e.response?.status).filter((s): s is number => s !== undefined)])];
  const body = ofAlg.find((e) => e.response)?.response?.bodyExcerpt;
  const said = body ? `; it answered ${algStatuses.join('/')} ${JSON.stringify(inertLine(body).slice(0, 120))}` : '';
  if (algStatuses.length && algStatuses.every((s) => s >= 500)) {
    return refused(
      `every validly signed ${alg} token, whatever its claims, makes the backend fail (${algStatuses.join('/')}) rather than refuse${otherAlgs.length ? `, while tokens of other algorithms are refused (${[...new Set(sent.filter((_, i) => variants[i]![0].startsWith('signed with ')).map((e) => e.response?.status ?? 'no answer'))].join('/')})` : ''}: verifying ${alg} itself fails there (python-jose cannot verify EdDSA; PyJWT needs the cryptography package for it)${said}`,
      `sign with an algorithm the backend's library verifies: Better Auth jwt({ jwks: { keyPairConfig: { alg: 'RS256' } } }) with the suite's --alg RS256 (or ES256), and allow it in the backend; or verify with a library that supports ${alg} (PyJWT with cryptography, jose, jwx, golang-jwt)`,
      measured,
    );
  }
  if (statuses.length && statuses.every((s) => s === 404)) return refused(`the protected path answers 404 to every token${said}`, 'give --protected (target.protectedPath) a path that exists and requires a bearer token', measured);
  if (!shared && t.run.profile.capabilities.includes('fetch-log') && (await t.issuer.jwksFetches(0)).length === 0) {
    return refused(
      `the backend never fetched the issuer's JWKS (${t.issuer.jwksUrl})${said}: it does not read JWKS_URL, or it verifies with a secret it shares with Better Auth`,
      'point the backend\'s JWKS URL at JWKS_URL; if it verifies HS256 with BETTER_AUTH_SECRET, run the suite in the shared-secret mode (--alg HS256), which gives it the secret',
      measured,
    );
  }
  return refused(`no validly signed variant was accepted (without aud, without iss, other algorithms, typ, kid)${said} (${first})`, 'compare the backend\'s verification settings with the issuer the suite prints (iss, aud, alg, JWKS URL) and its log', measured);
}
