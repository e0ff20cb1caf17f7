// Cross-token confusion (docs/checks.md#family-XJWT): other JWTs Better Auth signs with the same key must not
// pass as API bearer tokens.
import { family } from '../harness/checks/suite.js';
import { CAUSES, expectAllRejected } from '../harness/checks/oracle.js';

const { check, persistenceProbe } = family('XJWT');

check(
  {
    id: 'XJWT-COOKIECACHE-AS-BEARER',
    needs: ['mint', 'jwks'],
    title: "Better Auth's session cookie-cache JWT is rejected as a bearer token",
    severity: 'high',
    requirement: 'RFC 8725 §3.11, §3.12: JWTs of different kinds, signed by the same key, need mutually exclusive validation (typ, aud); a cookie-cache JWT is not an access token.',
    references: ['RFC 8725 §2.8, §3.11, §3.12', 'ASVS 5.0 9.2.2', 'Better Auth jwt({ sessionCookieCache: true })'],
    taxonomy: { cwe: ['CWE-304', 'CWE-1023'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ issuer, user, claims, sendAll, now }) => {
    // Exactly what Better Auth's cookie-cache signer produces (plugins/jwt/cookie-cache), with the issuer's real key.
    const current = await issuer.signingKey();
    const iat = now();
    const sessionToken = decodeURIComponent(user.cookie.split('=')[1] ?? '').split('.')[0] ?? 'session';
    const { token } = await issuer.sign({
      header: { alg: current.alg, kid: current.kid, typ: 'better-auth.session-cache+jwt' },
      claims: {
        session: { id: `sess-${user.id}`, userId: user.id, token: sessionToken, expiresAt: new Date((iat + 604_800) * 1000).toISOString() },
        user: { id: user.id, email: user.email, name: user.name, emailVerified: false },
        sid: sessionToken,
        iat,
        exp: iat + 300,
        iss: issuer.baseUrl,
        aud: 'better-auth:session-cache',
        sub: claims.sub,
      },
    });
    return expectAllRejected(await sendAll([['session cookie-cache JWT (typ better-auth.session-cache+jwt, aud better-auth:session-cache)', token]]));
  },
  { causes: [CAUSES.audNotChecked] },
);

check(
  {
    id: 'XJWT-SESSION-TOKEN-SWAP',
    title: "Better Auth's opaque session token is rejected as a bearer token, without a crash",
    severity: 'low',
    requirement: 'A session token is not a JWT; a JWT backend rejects it deterministically (401), never with a 500.',
    references: ['better-auth#932', 'better-auth#1405', 'better-auth#6583'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-248'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (or 400), never 5xx',
  },
  async ({ user, sendAll }) => {
    const cookieValue = decodeURIComponent(user.cookie.split('=').slice(1).join('='));
    const sessionToken = cookieValue.split('.')[0]!;
    return expectAllRejected(
      await sendAll([
        ['the session token from sign-up', sessionToken],
        ['the signed session cookie value (token.hmac)', cookieValue],
      ]),
    );
  },
  { causes: [CAUSES.verifierFailOpen] },
);

persistenceProbe();
