// What the checks hold of a started issuer, whatever its mode. Each mode's module returns its own
// started type (HarnessIssuer for process/container, ExternalIssuer for a team's Better Auth); both
// implement this surface. An operation a mode cannot perform throws CapabilityMissing, so a check
// that uses it without declaring the need is ERROR, never PASS; checks that declare it are SKIP
// before they start (harness/checks/suite.ts).
import type { Capability, IssuerModeName, IssuerProfile } from './capabilities.js';
import type { IssuerAlgorithm, JwksFault, JwksFetch, KeyInfo, SignRequest, SignResponse } from './protocol.js';
import type { OAuthTokenRequest, OAuthTokens } from './oauth-client.js';
import type { UserProfile } from './users.js';

export interface IssuerUser extends UserProfile {
  id: string;
  /** Better Auth's session cookie(s), as a Cookie header value. */
  cookie: string;
}

export interface IssuerHandle {
  readonly mode: IssuerModeName;
  readonly profile: IssuerProfile;
  readonly capabilities: readonly Capability[];
  /** Better Auth's base URL (the default `iss` and `aud`). */
  readonly baseUrl: string;
  /** The JWKS URL the backend trusts (nothing is published there with a shared HS256 secret). */
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string | string[];
  readonly algorithms: readonly IssuerAlgorithm[];
  /** The Faker seed of this issuer's users. */
  readonly seed: number;
  /** The shared HS256 secret the backend verifies with, in the shared-secret mode. */
  readonly sharedSecret: string | undefined;

  // Users and sessions, through Better Auth's real endpoints
  createUser(overrides?: Partial<UserProfile>): Promise<IssuerUser>;
  signIn(user: IssuerUser): Promise<IssuerUser>;
  signOut(user: IssuerUser): Promise<void>;
  tokenFor(user: IssuerUser): Promise<string>;
  deleteUser(user: IssuerUser): Promise<void>;
  /** Real OAuth tokens of the user from Better Auth's OAuth provider (the oauth capability): an access token for `request.resource`, and an ID token with "openid". */
  oauthTokens(user: IssuerUser, request: OAuthTokenRequest): Promise<OAuthTokens>;
  /** A real back-channel logout token (typ logout+jwt) of the user, from the provider's sign-out notification (the oauth capability). */
  logoutToken(user: IssuerUser): Promise<string>;
  /** A fresh token of the user `token` was issued to (for the run's clean-up; undefined or a rejection when the issuer cannot give one). */
  renewToken(token: string): Promise<string | undefined>;

  // Keys: the published ones (jwks), and control of them (mint, keys)
  keys(): Promise<KeyInfo[]>;
  /** The JWKS exactly as served: the bytes a backend fetches (what a key-confusion bug may take as an HMAC secret). */
  servedJwks(): Promise<string>;
  signingKey(): Promise<KeyInfo>;
  sign(request: SignRequest): Promise<SignResponse>;
  /** A new signing key (of `alg`, default the primary algorithm; with `kid` as its id when given); older keys stay published. */
  rotate(alg?: IssuerAlgorithm, kid?: string): Promise<KeyInfo>;
  retireKey(kid: string): Promise<KeyInfo>;
  removeKey(kid: string): Promise<void>;

  // JWKS faults and the fetch log
  setJwksFault(fault: JwksFault): Promise<void>;
  clearJwksFault(): Promise<void>;
  jwksFetches(sinceSeq?: number): Promise<JwksFetch[]>;
  resetJwksFetches(): Promise<void>;
  readonly redirectTarget: string;

  stop(): Promise<void>;
}
