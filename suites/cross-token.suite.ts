// Cross-token confusion (docs/checks.md#family-XJWT): other JWTs Better Auth signs with the same key must not
// pass as API bearer tokens.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { family } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { CAUSES, expectAllRejected } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { OTHER_RESOURCE } from '../harness/issuer/protocol.js';

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
        iss: new URL(issuer.baseUrl).origin, // Better Auth's cookie-cache signer takes its base URL's origin
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

// Better Auth 1.7's OAuth provider signs its access, ID and logout tokens with the jwt() plugin's key,
// and with jwt.issuer set, under the same `iss`: the audience (and `typ`) tells them from the plugin's.

/**
 * One of the provider's tokens, sent as it is, and its refusal explained: the same header and claims
 * re-signed with this API's audience (a control) show whether the audience alone refuses it, or also
 * its typ or claims (a refusal the next configuration change may not keep).
 */
async function expectKindRejected(t: CheckTools, label: string, token: string): Promise<CheckResult> {
  const { issuer, sendAll } = t;
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  // Refused for its age is not refused for its kind (a logout token lives two minutes).
  if (typeof claims.exp === 'number' && claims.exp <= t.now() + 5) return { verdict: 'ERROR', observed: `inconclusive: ${label} expired before it could be sent (exp ${claims.exp})` };
  const control = (await issuer.sign({ header, claims: { ...claims, aud: issuer.audience } })).token;
  const [real, ownAudience] = await sendAll([
    [label, token],
    [`${label}, re-signed with this API's audience (control)`, control],
  ]);
  const result = expectAllRejected([real!]);
  if (result.verdict !== 'PASS') return result;
  const typ = typeof header.typ === 'string' ? ` (its typ ${header.typ} is not checked)` : '';
  if (ownAudience!.outcome === 'accepted') return { ...result, observed: `${result.observed}; re-signed with this API's audience it is accepted: the audience check is what refuses it${typ}` };
  // Refused as well: a refusal for the kind only if the backend still takes a valid token now.
  const valid = await t.stillValid('control: a fresh valid token, sent after both', await issuer.tokenFor(t.user));
  if (!valid.ok) return { verdict: 'ERROR', observed: `inconclusive: ${label} was refused, and so was a fresh valid token after it (${valid.observed})` };
  const how = ownAudience!.outcome === 'rejected'
    ? `re-signed with this API's audience it is refused too (${ownAudience!.response!.status}): the backend tells this kind of token apart by more than its audience`
    : `re-signed with this API's audience it got ${ownAudience!.response?.status ?? ownAudience!.error} (${ownAudience!.outcome}): whether more than the audience refuses it is not known`;
  return { ...result, observed: `${result.observed}; ${how}` };
}

check(
  {
    id: 'XJWT-IDTOKEN-AS-BEARER',
    needs: ['oauth', 'mint'],
    title: "An OpenID Connect ID token from Better Auth's OAuth provider is rejected as a bearer token",
    severity: 'high',
    requirement: 'RFC 8725 §2.8, §3.11 and RFC 9068 §4: an ID token tells a client who signed in (its aud is the client_id); it is not an access token for an API. Same key, same issuer, same sub: its audience (and, where a backend checks it, its missing typ) is all that tells it apart.',
    references: ['RFC 8725 §2.8, §3.11', 'RFC 9068 §4', 'OpenID Connect Core 1.0 §2', '@better-auth/oauth-provider'],
    taxonomy: { cwe: ['CWE-287', 'CWE-1023'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async (t) => {
    const { idToken } = await t.issuer.oauthTokens(t.user, { resource: OTHER_RESOURCE, scope: 'openid profile email' });
    if (!idToken) return { verdict: 'ERROR', observed: "the OAuth provider's token endpoint returned no id_token for the openid scope" };
    return expectKindRejected(t, "the user's ID token (aud = the OAuth client's id), from the authorization-code flow", idToken);
  },
  { causes: [CAUSES.audNotChecked] },
);

check(
  {
    id: 'XJWT-OTHER-SERVICE',
    needs: ['oauth', 'mint'],
    title: "An access token Better Auth's OAuth provider minted for another API is rejected",
    severity: 'high',
    requirement: 'RFC 8725 §3.9 and RFC 9068 §4: a token minted for another resource (its aud, RFC 8707) must not open this one; one compromised or malicious service would otherwise replay its callers\' tokens here.',
    references: ['RFC 8725 §3.9', 'RFC 9068 §4', 'RFC 8707', 'GHSA-p2fr-6hmx-4528', '@better-auth/oauth-provider'],
    taxonomy: { cwe: ['CWE-287', 'CWE-1023'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async (t) => {
    const { accessToken } = await t.issuer.oauthTokens(t.user, { resource: OTHER_RESOURCE, scope: 'read:items' });
    return expectKindRejected(t, `the user's access token for ${OTHER_RESOURCE} (typ at+jwt), from the authorization-code flow`, accessToken);
  },
  { causes: [CAUSES.audNotChecked] },
);

check(
  {
    id: 'XJWT-LOGOUT-AS-BEARER',
    needs: ['oauth', 'mint'],
    title: "A back-channel logout token from Better Auth's OAuth provider is rejected as a bearer token",
    severity: 'high',
    requirement: 'RFC 8725 §2.8, §3.11 and OpenID Connect Back-Channel Logout 1.0 §2.4: a logout token (typ logout+jwt, aud = the client_id) tells a client to end a session; it carries the user\'s sub, and its exp, two minutes out, leaves ample time to replay it.',
    references: ['RFC 8725 §2.8, §3.11', 'OpenID Connect Back-Channel Logout 1.0 §2.4', '@better-auth/oauth-provider'],
    taxonomy: { cwe: ['CWE-287', 'CWE-1023'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async (t) => expectKindRejected(t, "the user's logout token (typ logout+jwt), posted by the provider to the client on sign-out", await t.issuer.logoutToken(t.user)),
  { causes: [CAUSES.audNotChecked] },
);

persistenceProbe();
