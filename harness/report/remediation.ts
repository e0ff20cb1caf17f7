// How to fix a finding, by topic (matched on the check ID's prefix), with the call that does it in the
// verifier stacks Better Auth users run: jose (Node), jwks-rsa with jsonwebtoken (Node, under express-jwt
// or passport-jwt), @fastify/jwt (fast-jwt) with get-jwks (Node), hono/jwk, PyJWT, python-jose, and Go's
// lestrrat-go/jwx and golang-jwt with MicahParks/keyfunc. Advice names real options; keep it true when
// libraries move (the fixtures, fixtures/backends/, show what each library does).

export const STACKS = ['jose', 'jwks-rsa', 'passport-jwt', '@fastify/jwt', 'get-jwks', 'hono/jwk', 'PyJWT', 'python-jose', 'Go jwx', 'Go golang-jwt + keyfunc'] as const;
export type Stack = (typeof STACKS)[number];

export interface Remediation {
  topic: string;
  /** What any backend must do. */
  fix: string;
  /** The same in each stack, where it differs. */
  stacks: Partial<Record<Stack, string>>;
}

const VERIFY_STRICTLY: Remediation = {
  topic: 'Signature and algorithm',
  fix: 'Verify every token with keys from the configured JWKS and an explicit allow-list of the algorithms your Better Auth issuer signs with (EdDSA by default). Never decode claims before, or instead of, verifying; never accept alg "none" or an HMAC algorithm for an asymmetric key.',
  stacks: {
    jose: "jwtVerify(token, createRemoteJWKSet(new URL(JWKS_URL)), { algorithms: ['EdDSA'], issuer, audience }); decodeJwt() is not verification.",
    'jwks-rsa': "jwt.verify(token, getKey, { algorithms: ['RS256'], issuer, audience }) with jsonwebtoken >= 9 (CVE-2022-23540); always pass algorithms. jsonwebtoken has no EdDSA: configure Better Auth's jwt plugin with RS256 or ES256, or use jose.",
    PyJWT: 'jwt.decode(token, key, algorithms=["EdDSA"], audience=AUD, issuer=ISS) on PyJWT >= 2.4 (CVE-2022-29217); never options={"verify_signature": False}.',
    'python-jose': 'jwt.decode(token, key, algorithms=["ES256"], audience=AUD, issuer=ISS) on python-jose >= 3.4 (CVE-2024-33663). python-jose has no EdDSA: configure Better Auth with ES256/RS256, or use PyJWT.',
    'Go jwx': 'jwt.Parse(raw, jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithIssuer(iss), jwt.WithAudience(aud)); never jwt.ParseInsecure for authentication. Keys without "alg" need an explicit algorithm, not one taken from the token.',
    'Go golang-jwt + keyfunc': "jwt.NewParser(jwt.WithValidMethods([]string{\"EdDSA\"}), ...) and parser.Parse(raw, k.Keyfunc): WithValidMethods is the allow-list. golang-jwt ignores crit (SIG-CRIT-UNKNOWN): refuse a token whose header has crit before parsing it.",
    '@fastify/jwt': "register(fastifyJwt, { secret: (request, token) => getJwks.getPublicKey({ domain: ISS, kid: token.header.kid, alg: token.header.alg }), decode: { complete: true }, verify: { algorithms: ['ES256'], allowedIss: ISS, allowedAud: AUD } }); always list the algorithms. request.jwtDecode() is not verification.",
    'hono/jwk': "jwk({ jwks_uri: JWKS_URL, alg: ['EdDSA'], verification: { iss: ISS, aud: AUD } }): alg is the allow-list; symmetric algorithms are refused.",
  },
};

const KEYS_FROM_JWKS_ONLY: Remediation = {
  topic: 'Key selection',
  fix: 'Take verification keys only from the JWKS URL you configured, selected by kid. Ignore jwk, jku, x5u and x5c in the token header, never use kid as a path or a database key, and refuse a token whose kid is not in the key set (after one rate-limited refresh).',
  stacks: {
    jose: 'createRemoteJWKSet(url) selects by kid and alg from your JWKS only; do not use EmbeddedJWK or a key resolver that reads jku/x5u.',
    'jwks-rsa': 'client.getSigningKey(header.kid) and refuse tokens without kid when the JWKS holds several keys; never fetch header.jku.',
    PyJWT: 'PyJWKClient(JWKS_URL).get_signing_key_from_jwt(token): it looks the kid up in your JWKS; never build a key from the header.',
    'python-jose': 'Pick the JWK from your own JWKS by kid (jwt.get_unverified_header(token)["kid"]) and refuse an unknown kid; do not pass the whole key set blindly.',
    'Go jwx': 'jwt.WithKeySet(set) requires a kid match by default (keep it); do not add a jws.WithKeyProvider that follows jku or x5u.',
    'Go golang-jwt + keyfunc': "k.Keyfunc reads keys from your JWKS only, by kid, and tries every key when kid is absent (KEY-KID-ABSENT-MULTI): refuse a token without kid in a Keyfunc of your own before calling k.Keyfunc. keyfunc uses a key whatever its use or key_ops say (JWKS-USE-KEYOPS), and a use whitelist would refuse Better Auth's keys, which carry no use: publish signing keys only.",
    '@fastify/jwt': "In the secret callback, resolve the key from your own JWKS by kid (getJwks.getPublicKey({ domain: ISS, kid, alg })) with a fixed ISS, never token.payload.iss or a jku/x5u header.",
    'get-jwks': "buildGetJwks({ issuersWhitelist: [ISS], jwksPath: '/api/auth/jwks' }) and pass domain: ISS: without the whitelist it fetches keys from whatever domain it is given, the token's iss included.",
  },
};

const CLAIMS: Remediation = {
  topic: 'Registered claims',
  fix: 'Require exp, iss, aud and sub; compare iss and aud exactly (strings, not prefixes); reject tokens that are expired, not yet valid or issued in the future, with a clock leeway of at most 60 s; reject claims of the wrong type.',
  stacks: {
    jose: "jwtVerify(token, JWKS, { issuer: ISS, audience: AUD, requiredClaims: ['exp', 'sub'], clockTolerance: 30 }): without requiredClaims a token without exp never expires.",
    'jwks-rsa': "jwt.verify(token, getKey, { issuer, audience, algorithms, clockTolerance: 30 }) and then refuse when typeof payload.exp !== 'number' or !payload.sub: jsonwebtoken does not require exp.",
    PyJWT: 'jwt.decode(..., audience=AUD, issuer=ISS, leeway=30, options={"require": ["exp", "iss", "aud", "sub"]}).',
    'python-jose': 'jwt.decode(..., audience=AUD, issuer=ISS, options={"require_exp": True, "require_iss": True, "require_aud": True, "require_sub": True, "leeway": 30}).',
    'Go jwx': 'jwt.Parse(raw, ..., jwt.WithIssuer(ISS), jwt.WithAudience(AUD), jwt.WithAcceptableSkew(30*time.Second), jwt.WithRequiredClaim("exp"), jwt.WithRequiredClaim("sub")).',
    'Go golang-jwt + keyfunc': "jwt.NewParser(jwt.WithIssuer(ISS), jwt.WithAudience(AUD), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(30*time.Second)): golang-jwt requires no exp and checks no iat without them; then refuse an empty sub (claims.GetSubject()).",
    '@fastify/jwt': "verify: { allowedIss: ISS, allowedAud: AUD, requiredClaims: ['exp', 'sub', 'iss', 'aud'], clockTolerance: 30_000 }: fast-jwt checks allowedIss and allowedAud only on tokens that carry them, and counts milliseconds.",
    'hono/jwk': "verification: { iss: ISS, aud: AUD } requires both; exp is checked only when present: after jwk(), refuse a payload without exp or with an empty sub.",
  },
};

const JWKS_CLIENT: Remediation = {
  topic: 'JWKS client: caching, rotation and outages',
  fix: 'Create one JWKS client at start-up and share it. Cache keys for a bounded time (your accepted cache age), refresh on an unknown kid at most once per cooldown, share one fetch between concurrent requests, keep the last good keys when a refresh fails, time fetches out, and do not follow redirects to another origin.',
  stacks: {
    jose: 'One createRemoteJWKSet(url, { cacheMaxAge: 600_000, cooldownDuration: 30_000, timeoutDuration: 5_000 }) per process: it already shares fetches and keeps stale keys on error.',
    'jwks-rsa': 'jwksClient({ jwksUri, cache: true, cacheMaxAge: 600_000, rateLimit: true, jwksRequestsPerMinute: 10, timeout: 5_000 }), created once, not per request (its timeout defaults to 30 s). It keeps each kid\'s key for cacheMaxAge, so a key removed from the JWKS verifies until then, refetch or not (JWKS-REVOKE-AFTER-REFETCH): keep cacheMaxAge at the cache age you accept.',
    PyJWT: 'One module-level PyJWKClient(JWKS_URL, cache_keys=True, lifespan=600, timeout=5): a client created per request fetches the JWKS every time.',
    'python-jose': 'python-jose has no JWKS client: fetch with requests.get(url, timeout=5, allow_redirects=False), cache for a bounded TTL, refresh on an unknown kid at most every 30 s, keep the last good set on error.',
    'Go jwx': 'c := jwk.NewCache(ctx); c.Register(url, jwk.WithMinRefreshInterval(30*time.Second)); set := jwk.NewCachedSet(c, url), shared by every request.',
    'Go golang-jwt + keyfunc': "keyfunc.NewDefaultOverrideCtx(ctx, []string{url}, keyfunc.Override{RefreshInterval: 10*time.Minute, RefreshUnknownKID: rate.NewLimiter(rate.Every(30*time.Second), 1), RateLimitWaitMax: 5*time.Second, HTTPTimeout: 5*time.Second}), created once: its defaults refresh hourly (a removed key verifies up to an hour), allow one unknown-kid refresh per 5 minutes (a spent limiter keeps a rotated key out, JWKS-KIDMISS-LIMITER-STARVATION) and hold a request up to a minute on a hanging JWKS. jwkset fails a whole refresh on one malformed key (JWKS-UNKNOWN-KTY).",
    'get-jwks': "One buildGetJwks({ ttl: 600_000, issuersWhitelist: [ISS], jwksPath: '/api/auth/jwks' }) per process. It caches the keys it found per kid and nothing else: every unknown kid is a fetch, with no cooldown (JWKS-KIDMISS-STORM), so refuse a kid you saw fail within the last 30 s, and check token.header.alg against your allow-list before calling it (JWKS-KIDMISS-PRECHECK). A key removed from the JWKS verifies until its ttl ends, refetch or not (JWKS-REVOKE-AFTER-REFETCH): keep ttl at the cache age you accept. Its timeout option is not applied by Node's fetch: race getPublicKey against a timer of your own.",
    '@fastify/jwt': "@fastify/jwt fetches no keys itself: its secret callback calls get-jwks (see there), created once at start-up.",
    'passport-jwt': 'secretOrKeyProvider: jwksRsa.passportJwtSecret({ jwksUri, cache: true, rateLimit: true }): the key fetching is jwks-rsa\'s (see there).',
    'hono/jwk': "jwk({ jwks_uri }) fetches the JWKS on every request, with no timeout (Node's fetch). Pass keys: a function returning keys from a cache you keep (a bounded age, a refresh on an unknown kid at most every 30 s, fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' }), the last good set kept on error), or verify with jose's createRemoteJWKSet.",
  },
};

const TRANSPORT: Remediation = {
  topic: 'Where the token and the caller come from',
  fix: 'Read the token from one Authorization header with the Bearer scheme (case-insensitive), nowhere else: not the query string, not a second header. The caller is the verified sub; ignore X-User-Id-style headers and user ids in the query or body.',
  stacks: {
    jose: "Parse req.headers.authorization with /^Bearer (\\S+)$/i, refuse anything else with 401, and set req.user from the verified payload.sub only.",
    PyJWT: 'FastAPI: credentials = Depends(HTTPBearer()) and the user id from the decoded claims["sub"], never from a header or parameter.',
    'Go jwx': 'jwt.ParseRequest(r, jwt.WithHeaderKey("Authorization"), ...) reads the header only (do not add jwt.WithFormKey); take the user from token.Subject().',
    'Go golang-jwt + keyfunc': "request.AuthorizationHeaderExtractor takes a header without the Bearer prefix whole (TRN-SCHEME-OTHER): check strings.HasPrefix(strings.ToLower(h), \"bearer \") first, or use request.BearerExtractor{}.",
    '@fastify/jwt': "request.jwtVerify() reads the Bearer Authorization header; leave the cookie option off for an API and take the caller from request.user.sub.",
  },
};

const ERRORS: Remediation = {
  topic: 'Rejections and errors',
  fix: 'Turn every verification failure, and every exception while parsing or verifying a token, into 401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3.1), never a 5xx and never a request that goes on as a guest or with the decoded claims, and without stack traces, key material or the token in the body. Bound the size of the Authorization header and of the token before parsing it.',
  stacks: {
    jose: 'catch (err) { if (err instanceof errors.JOSEError) return res.status(401).set("WWW-Authenticate", \'Bearer error="invalid_token"\').end(); throw err; }',
    'jwks-rsa': 'Treat JsonWebTokenError, TokenExpiredError, SigningKeyNotFoundError and JwksError as 401 (503 while the JWKS is unreachable, if you prefer), never as a crash.',
    PyJWT: 'except (jwt.PyJWTError, jwt.PyJWKClientError): raise HTTPException(401, headers={"WWW-Authenticate": \'Bearer error="invalid_token"\'}).',
    'python-jose': 'except (JWTError, JWSError, ExpiredSignatureError): return 401 with the Bearer challenge; a KeyError or ValueError from a malformed header must not become a 500.',
    'Go jwx': 'if err != nil { w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`); w.WriteHeader(401); return } — and do not write err to the body.',
    'Go golang-jwt + keyfunc': 'if err != nil { w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`); w.WriteHeader(401); return }: every error of parser.Parse, key lookups included, is a refusal.',
    '@fastify/jwt': "request.jwtVerify() rejects with 401 FastifyErrors (FST_JWT_*), but an error from the secret callback (get-jwks's GetJwksError) comes through as it is: catch every rejection of jwtVerify() and reply 401 with the Bearer challenge, never 500.",
    'passport-jwt': "passport.authenticate('jwt') answers a refusal 401 without WWW-Authenticate (Passport sends only string challenges): give it a custom callback, (err, user) => user ? next() : res.status(401).set('WWW-Authenticate', 'Bearer error=\"invalid_token\"').end().",
    'hono/jwk': 'jwk() answers a bad token 401 with its challenge, but rethrows a failed JWKS fetch as a plain Error, which Hono answers 500: catch it around the middleware and answer 401.',
  },
};

const AUTHORIZATION: Remediation = {
  topic: 'Authorization between users',
  fix: "Authorize every object access against the verified sub: load rows with WHERE owner = sub (read, update, delete, list, search), set the owner server-side on create and ignore owner fields in the body, compare subjects exactly, and mark authenticated responses Cache-Control: private, no-store.",
  stacks: {},
};

const LIFECYCLE: Remediation = {
  topic: 'Token lifetime and revocation',
  fix: "A JWT stays valid until exp even after sign-out or account deletion. Keep Better Auth's jwt expirationTime short (minutes), cap the token age you accept, and check the session or user for sensitive operations.",
  stacks: {
    jose: "jwtVerify(..., { maxTokenAge: '15m' }) caps the age from iat whatever exp says.",
    PyJWT: 'Refuse when time.time() - claims["iat"] exceeds your maximum age; PyJWT has no max-age option.',
    'Go jwx': 'jwt.WithMaxDelta(15*time.Minute, jwt.ExpirationKey, jwt.IssuedAtKey) bounds exp - iat.',
  },
};

const BETTER_AUTH_TOKENS: Remediation = {
  topic: 'Better Auth tokens that are not bearer JWTs',
  fix: "Accept only the JWT from /api/auth/token (or the set-auth-jwt header), verified against the JWKS. The session token and the session cookie-cache JWT (signed with BETTER_AUTH_SECRET) are not bearer credentials: an algorithm allow-list and the issuer/audience checks refuse them.",
  stacks: {},
};

const COVERAGE: Remediation = {
  topic: 'Every operation protected',
  fix: 'Apply the authentication dependency to every protected route (a router-level guard beats per-route decorators), and declare it in the OpenAPI document so new routes are reviewed.',
  stacks: {},
};

const CONTROLS: Remediation = {
  topic: 'The backend accepts valid Better Auth tokens',
  fix: "The backend must trust the harness issuer exactly as it trusts production Better Auth: its JWKS URL, issuer and audience (docs/trusting-the-issuer.md has a snippet per stack) and every algorithm Better Auth signs with.",
  stacks: {},
};

const SEVERAL_ISSUERS: Remediation = {
  topic: 'Several trusted issuers',
  fix: "Keep one key set per trusted issuer. Read the token's iss unverified only to choose among them from a fixed map (refuse an iss that is not in it), then verify with that issuer's keys alone and require exactly that iss. Never try every trusted key set in turn, never accept a list of issuers with any key, and never index the keys of several issuers by kid alone: a kid is unique within one JWKS only.",
  stacks: {
    jose: 'const sets = new Map([[ISS_A, createRemoteJWKSet(new URL(JWKS_A))], [ISS_B, createRemoteJWKSet(new URL(JWKS_B))]]); const { iss } = decodeJwt(token); refuse unless sets.has(iss); then jwtVerify(token, sets.get(iss), { issuer: iss, audience, algorithms }); not jwtVerify with issuer: [ISS_A, ISS_B] tried against each set.',
    'jwks-rsa': "one JwksClient per issuer. jsonwebtoken's getKey(header, callback) sees no payload: read the unverified iss first (jwt.decode(token).iss), refuse one not in a fixed map, and verify with that issuer's client and issuer: thatIss (express-jwt's secret(req, token) gets the payload).",
    PyJWT: 'one PyJWKClient per issuer, chosen by jwt.decode(token, options={"verify_signature": False})["iss"] from a fixed dict; then jwt.decode(token, key, algorithms=[...], audience=AUD, issuer=that_iss).',
    'Go jwx': "one cached jwk.Set per issuer; read iss with jwt.ParseInsecure only to choose it, then jwt.Parse(raw, jwt.WithKeySet(setOf[iss]), jwt.WithIssuer(iss), ...).",
    'Go golang-jwt + keyfunc': "one keyfunc per issuer; a Keyfunc that reads the unverified iss from token.Claims, refuses one that is not in a fixed map, and returns that issuer's keyfunc.Keyfunc(token): a token then verifies only with the keys of the issuer it names.",
  },
};

/** Longest prefix first. */
const BY_PREFIX: [string, Remediation][] = [
  ['CLM-ISS-KEY-BINDING', SEVERAL_ISSUERS],
  ['KEY-KID-CROSS-ISSUER', SEVERAL_ISSUERS],
  ['SIG-', VERIFY_STRICTLY],
  ['INT-', VERIFY_STRICTLY],
  ['KEY-', KEYS_FROM_JWKS_ONLY],
  ['JWKS-PRIVATE-OR-OCT', KEYS_FROM_JWKS_ONLY],
  ['JWKS-USE-KEYOPS', KEYS_FROM_JWKS_ONLY],
  ['JWKS-WEAK-KEY', KEYS_FROM_JWKS_ONLY],
  ['JWKS-', JWKS_CLIENT],
  ['CLM-', CLAIMS],
  ['TRN-IDENTITY-HEADERS', AUTHORIZATION],
  ['TRN-', TRANSPORT],
  ['ERR-', ERRORS],
  ['FMT-', ERRORS],
  ['DOS-', ERRORS],
  ['ISO-', AUTHORIZATION],
  ['LIFE-', LIFECYCLE],
  ['XJWT-', BETTER_AUTH_TOKENS],
  ['COV-', COVERAGE],
  ['CTL-', CONTROLS],
].sort((a, b) => (b[0] as string).length - (a[0] as string).length) as [string, Remediation][];

export function remediationFor(checkId: string): Remediation | undefined {
  return BY_PREFIX.find(([prefix]) => checkId.startsWith(prefix))?.[1];
}
