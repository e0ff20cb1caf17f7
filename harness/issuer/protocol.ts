// The wire contract between the issuer app (which runs in a child process or a container) and the
// harness that controls it. Types and constants only: both sides import this file, and the app is
// bundled, so nothing here may pull in harness code.

/** Key algorithms Better Auth's jwt() plugin can generate keys for (its `keyPairConfig.alg`). */
export const KEY_PAIR_ALGORITHMS = ['EdDSA', 'ES256', 'ES512', 'RS256', 'PS256'] as const;
export type KeyPairAlgorithm = (typeof KEY_PAIR_ALGORITHMS)[number];
/** HS256 with a secret shared with the backend (BETTER_AUTH_SECRET), through the plugin's own `jwt.sign` hook: no JWKS. */
export const SHARED_SECRET_ALG = 'HS256';
/** What the issuer can sign /api/auth/token tokens with. */
export const ISSUER_ALGORITHMS = [...KEY_PAIR_ALGORITHMS, SHARED_SECRET_ALG] as const;
export type IssuerAlgorithm = (typeof ISSUER_ALGORITHMS)[number];

export const AUTH_BASE_PATH = '/api/auth';
export const JWKS_PATH = `${AUTH_BASE_PATH}/jwks`;

/** The conformance plugin's id, and where its endpoints are, under Better Auth's base path. */
export const PLUGIN_ID = 'ba-conformance';
export const CONTROL_PATH = '/conformance';
/** The header that carries the plugin's token (not Authorization: a team's bearer() plugin reads that one). */
export const CONTROL_TOKEN_HEADER = 'x-ba-conformance-token';
/** Serves the real JWKS with no fault applied, under the base path: a target for the `redirect` fault (Issuer.redirectTarget). */
export const REDIRECT_TARGET_PATH = `${CONTROL_PATH}/redirected-jwks`;
/** The e-mail domain of the users the suite creates (RFC 2606 reserves .test): the plugin ends and deletes no one else. */
export const TEST_USER_DOMAIN = 'example.test';

/** What GET <base path>/conformance answers: what the plugin offers on this server. */
export interface PluginInfo {
  plugin: typeof PLUGIN_ID;
  version: string;
  /** The issuer capabilities it provides (harness/issuer/capabilities.ts). */
  capabilities: string[];
  /** Rotate, retire and remove act on the server's own keys (the harness's issuer only). */
  managesServerKeys: boolean;
  /** The JWKS path it watches, under the base path. */
  jwksPath: string;
  testUserDomain: string;
}

/** Environment variables the app reads. The admin token is kept apart from the config (which holds the Better Auth secret: never log it). */
export const ENV = {
  config: 'BA_ISSUER_CONFIG',
  /** The conformance plugin's token: the harness controls its issuer through the same plugin a team adds to its staging server. */
  adminToken: 'BA_ISSUER_ADMIN_TOKEN',
  /** Exit when no authenticated control request arrived for this many ms (containers outlive a killed parent otherwise). */
  leaseMs: 'BA_ISSUER_LEASE_MS',
  /** "1": exit when stdin closes, i.e. when the parent process dies, however it died. */
  exitWithStdin: 'BA_ISSUER_EXIT_WITH_STDIN',
} as const;

/** What the app needs to start. The harness builds it from IssuerOptions; see harness/issuer/options.ts. */
export interface IssuerAppConfig {
  host: string;
  port: number;
  /** Better Auth's baseURL. Absent: http://<host>:<bound port>, known once the server listens. */
  baseUrl?: string;
  /** The first is the primary algorithm (Better Auth's keyPairConfig); every one gets a published key at start. ["HS256"] alone: the shared-secret mode. */
  algorithms: IssuerAlgorithm[];
  /** jwt.issuer; Better Auth defaults it to the baseURL origin. */
  issuer?: string;
  /** jwt.audience; Better Auth defaults it to the baseURL origin. */
  audience?: string | string[];
  /** jwt.expirationTime: seconds as a number, or a jose time span such as "15m". */
  expirationTime: string | number;
  /** jwks.rotationInterval in seconds (off when absent). */
  rotationInterval?: number;
  /** jwks.gracePeriod in seconds (Better Auth's default, 30 days, when absent). */
  gracePeriod?: number;
  /** jwt.definePayload. Absent: Better Auth's default, the whole user row. */
  payload?: PayloadConfig;
  /** jwt.getSubject as a template: "{id}", "{email}" and "{name}" are replaced. Absent: the user id. */
  subject?: string;
  /** Better Auth's secret (encrypts private keys at rest; the HS256 key in the shared-secret mode). Random per run unless given. */
  secret: string;
}

export interface PayloadConfig {
  /** User fields to copy into the token; "all" is the whole row. */
  userFields: 'all' | string[];
  /** Fixed claims added to every token. */
  claims?: Record<string, unknown>;
  /** When set, the Better Auth session id is added under this claim name (e.g. "sid"). */
  sessionIdClaim?: string;
}

/**
 * A resource (RFC 8707 audience) of another API that trusts the same issuer: Better Auth's OAuth
 * provider mints access tokens for it, which no backend under test may accept (XJWT-OTHER-SERVICE).
 * Reserved by RFC 2606: nothing answers there.
 */
export const OTHER_RESOURCE = 'https://other-service.example.test/api';
/** The OAuth scopes the issuer's provider offers: OpenID Connect's, and two of an API's. */
export const OAUTH_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'read:items', 'write:items'] as const;

/**
 * The OAuth client the issuer registers with its own provider (OAUTH_CLIENT_PATH): the harness runs
 * Better Auth's authorization-code flow with it to get real access and ID tokens.
 */
export interface OAuthClientInfo {
  clientId: string;
  secret: string;
  /** Never contacted: the code is read from the redirect the provider answers with. */
  redirectUri: string;
}

/**
 * The suite's OAuth client's endpoints on the issuer app's own server, outside Better Auth. Its
 * back-channel logout URI (OpenID Connect Back-Channel Logout 1.0) keeps the logout tokens the
 * provider posts on sign-out; with the plugin's token, a GET lists them (newest first) and another
 * gives the client, its secret included (kept off the app's stdout, which a container's log keeps).
 */
export const ISSUER_APP_PATH = '/ba-conformance-issuer';
export const BACKCHANNEL_LOGOUT_PATH = `${ISSUER_APP_PATH}/backchannel-logout`;
export const LOGOUT_TOKENS_PATH = `${ISSUER_APP_PATH}/logout-tokens`;
/** The client (registered on the first request: most issuers of a run, the labs', never use it). */
export const OAUTH_CLIENT_PATH = `${ISSUER_APP_PATH}/oauth-client`;

/** Printed by the app on stdout, one JSON object per line. */
export type AppEvent =
  | { event: 'ready'; port: number; baseUrl: string; issuer: string; audience: string | string[]; kids: string[]; oauthProvider: boolean }
  | { event: 'stopping'; reason: string };

export interface KeyInfo {
  kid: string;
  alg: string;
  crv?: string;
  createdAt: string;
  expiresAt: string | null;
  /** Served by /api/auth/jwks right now (no expiry, or expiry + grace period still ahead). */
  published: boolean;
  /** The key Better Auth's /api/auth/token signs with right now. */
  signing: boolean;
  publicJwk: Record<string, unknown>;
}

export interface SignRequest {
  /** Which real issuer key signs. Default: the key Better Auth itself would sign with now. */
  key?: { kid?: string; alg?: IssuerAlgorithm };
  /** Exact protected header. Default: { alg: <key alg>, kid: <key id> }. */
  header?: Record<string, unknown>;
  /** Exact header text, or exact bytes as { base64url } (invalid UTF-8), before encoding. Wins over `header`. */
  rawHeader?: RawSegment;
  /** Exact claims. Default: none at all. */
  claims?: Record<string, unknown>;
  /** Exact payload text or bytes, like `rawHeader`. Wins over `claims`. */
  rawPayload?: RawSegment;
  /** Fill iat, exp, iss and aud the way /api/auth/token does, for those the claims leave out. */
  defaults?: boolean;
}

/** A segment's exact content: text (encoded as UTF-8), or any bytes given in base64url. */
export type RawSegment = string | { base64url: string };

export interface SignResponse {
  token: string;
  /** The key that produced the signature, whatever the header claims (absent for the shared HS256 secret). */
  kid?: string;
  alg: IssuerAlgorithm;
}

/** A JWKS fault: what /api/auth/jwks answers instead of the real key set. */
export type JwksFault = (
  | { kind: 'status'; status?: number; body?: string; contentType?: string }
  | { kind: 'hang' }
  | { kind: 'slow'; bytesPerChunk?: number; intervalMs?: number }
  | { kind: 'invalid-json' }
  | { kind: 'empty-keys' }
  | { kind: 'html' }
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  | { kind: 'extra-keys'; keys: Record<string, unknown>[]; position?: 'before' | 'after' }
  /** The connection is closed without an answer (a network failure: reset, DNS or TLS error). */
  | { kind: 'reset' }
  /** The real keys, each with these members added or replaced (e.g. `use: "sig"`). */
  | { kind: 'decorate'; fields: Record<string, unknown> }
  /** The real keys followed by padding keys until the body is about `bytes` long. */
  | { kind: 'huge'; bytes: number }
  /** The real key set with these response headers (e.g. Cache-Control). */
  | { kind: 'headers'; headers: Record<string, string> }
) & {
  /** Apply to the next N JWKS requests only, then serve normally again. Absent: until cleared. */
  remaining?: number;
};
export type JwksFaultKind = JwksFault['kind'];

export interface JwksFetch {
  /** Monotonic over the issuer's life; resetting the log does not reset it. */
  seq: number;
  at: string;
  epochMs: number;
  method: string;
  /** Path and query as requested. */
  path: string;
  remoteAddress: string;
  userAgent: string | null;
  headers: Record<string, string | string[]>;
  /** The fault that answered this request, or null for the real key set. */
  fault: JwksFaultKind | null;
}
