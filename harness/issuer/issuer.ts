// The started harness issuer (process or container mode): its URLs and token parameters, the control
// operations (keys, signing, JWKS faults, the fetch log), and real Better Auth users and tokens. The
// same for both runtimes; with ["HS256"] it signs with a shared secret and has no keys to control.
import { decodeJwt } from 'jose';
import { HarnessError } from '../errors.js';
import { HttpClient, cookieHeaderFrom } from '../http.js';
import type { HttpResponse } from '../http.js';
import { CapabilityMissing, harnessCapabilities } from './capabilities.js';
import type { Capability, IssuerProfile } from './capabilities.js';
import type { IssuerHandle, IssuerUser } from './handle.js';
import type { IssuerAlgorithm, JwksFault, JwksFetch, KeyInfo, OAuthClientInfo, SignRequest, SignResponse } from './protocol.js';
import { pollUntil } from '../poll.js';
import { AUTH_BASE_PATH, CONTROL_PATH, LOGOUT_TOKENS_PATH, OAUTH_CLIENT_PATH, OTHER_RESOURCE, CONTROL_TOKEN_HEADER, JWKS_PATH, REDIRECT_TARGET_PATH, SHARED_SECRET_ALG } from './protocol.js';
import { authorizationCodeTokens } from './oauth-client.js';
import type { OAuthTokenRequest, OAuthTokens } from './oauth-client.js';
import type { IssuerRuntime } from './runtime.js';
import { UserFactory } from './users.js';
import type { UserProfile } from './users.js';

export type { IssuerUser } from './handle.js';

/** Everything another process needs to control a running issuer (it is serializable). */
export interface IssuerConnection {
  mode: 'process' | 'container';
  /** The shared HS256 secret, in the shared-secret mode (the backend gets it too). */
  sharedSecret?: string;
  url: string;
  ready: IssuerRuntime['ready'];
  id: string;
  adminToken: string;
  seed: number;
  modeReason: string;
  algorithms: IssuerAlgorithm[];
}

export class Issuer implements IssuerHandle {
  /**
   * A handle on an issuer another process started (Vitest workers use the runner's issuer). Its
   * users come from `seed` mixed with `seedSalt`, so handles on one issuer never sign up the same email.
   */
  static connect(connection: IssuerConnection, seedSalt = ''): Issuer {
    const runtime: IssuerRuntime = { ...connection, stop: async () => {} };
    let seed = connection.seed;
    for (const ch of seedSalt) seed = (Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0);
    return new Issuer(runtime, connection.adminToken, seed, connection.modeReason, connection.algorithms, connection.sharedSecret);
  }

  private readonly admin: HttpClient;
  private readonly web: HttpClient;
  private readonly users: UserFactory;
  private stopping: Promise<void> | undefined;
  private oauthClient: Promise<OAuthClientInfo> | undefined;

  constructor(
    private readonly runtime: IssuerRuntime,
    private readonly adminToken: string,
    seed: number,
    /** Why this mode was chosen (auto mode says what it found). */
    readonly modeReason: string,
    readonly algorithms: readonly IssuerAlgorithm[],
    /** The shared HS256 secret (BETTER_AUTH_SECRET) when the issuer signs with one. */
    readonly sharedSecret: string | undefined = undefined,
  ) {
    this.admin = new HttpClient(runtime.url, { headers: { [CONTROL_TOKEN_HEADER]: adminToken } });
    // Better Auth checks the Origin of sign-up and sign-in (Node's fetch sends sec-fetch-mode, so no Origin is a 403): be a browser on its own origin.
    this.web = new HttpClient(runtime.url, { headers: { origin: new URL(runtime.ready.baseUrl).origin } });
    this.users = new UserFactory(seed);
  }

  get mode(): 'process' | 'container' {
    return this.runtime.mode;
  }
  get capabilities(): Capability[] {
    return harnessCapabilities(this.algorithms[0] === SHARED_SECRET_ALG, this.runtime.ready.oauthProvider);
  }
  get profile(): IssuerProfile {
    const how = this.algorithms[0] === SHARED_SECRET_ALG ? `signing ${SHARED_SECRET_ALG} with a shared secret` : `signing ${this.algorithms.join(', ')}`;
    return { mode: this.mode, description: `the harness's ${this.mode} issuer ${how}`, capabilities: this.capabilities };
  }
  /** Where the issuer answers (loopback). */
  get url(): string {
    return this.runtime.url;
  }
  /** Better Auth's baseURL (the default `iss` and `aud`). */
  get baseUrl(): string {
    return this.runtime.ready.baseUrl;
  }
  /** The JWKS URL a backend under test must be configured with, under Better Auth's baseURL (issuer.publicUrl when given); a 404 with a shared secret: nothing is published. */
  get jwksUrl(): string {
    return `${this.baseUrl.replace(/\/$/, '')}${JWKS_PATH}`;
  }
  get issuer(): string {
    return this.runtime.ready.issuer;
  }
  get audience(): string | string[] {
    return this.runtime.ready.audience;
  }
  /** The Faker seed of this issuer's users. */
  get seed(): number {
    return this.users.seed;
  }
  /** The child's pid or the container's id. */
  get runtimeId(): string {
    return this.runtime.id;
  }

  // Keys

  keys(): Promise<KeyInfo[]> {
    return this.call('GET', '/keys');
  }
  async servedJwks(): Promise<string> {
    return (await this.call<{ text: string }>('GET', '/jwks/served')).text;
  }
  /** The key /api/auth/token signs with right now. */
  async signingKey(): Promise<KeyInfo> {
    const key = (await this.keys()).find((k) => k.signing);
    if (!key) throw new HarnessError('ISSUER_REQUEST_FAILED', 'the issuer reports no signing key');
    return key;
  }
  /** A new key of `alg` (default: the primary algorithm) becomes its signing key; older keys stay published. `kid`: its id, chosen. */
  rotate(alg?: IssuerAlgorithm, kid?: string): Promise<KeyInfo> {
    return this.call('POST', '/keys', { ...(alg ? { alg } : {}), ...(kid ? { kid } : {}) });
  }
  /** The key stops signing now and stays published for the grace period. */
  retireKey(kid: string): Promise<KeyInfo> {
    return this.call('POST', `/keys/${encodeURIComponent(kid)}/retire`);
  }
  /** The key leaves the JWKS now. */
  removeKey(kid: string): Promise<void> {
    return this.call('DELETE', `/keys/${encodeURIComponent(kid)}`);
  }
  /** A token with exactly this header and these claims, signed by a real issuer key. */
  sign(request: SignRequest): Promise<SignResponse> {
    return this.call('POST', '/sign', request);
  }

  // JWKS faults and the fetch log

  setJwksFault(fault: JwksFault): Promise<void> {
    return this.call('PUT', '/jwks/fault', fault).then(() => undefined);
  }
  clearJwksFault(): Promise<void> {
    return this.call('DELETE', '/jwks/fault');
  }
  /** Every JWKS request after `sinceSeq` (default: all kept since the last reset). */
  jwksFetches(sinceSeq = 0): Promise<JwksFetch[]> {
    return this.call('GET', `/jwks/fetches?since=${sinceSeq}`);
  }
  resetJwksFetches(): Promise<void> {
    return this.call('DELETE', '/jwks/fetches');
  }
  /** A URL on another origin (localhost vs 127.0.0.1) that serves the real JWKS: a `redirect` fault's natural location. */
  get redirectTarget(): string {
    const url = new URL(this.runtime.url);
    url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    url.pathname = `${AUTH_BASE_PATH}${REDIRECT_TARGET_PATH}`;
    return url.toString();
  }

  // Users, through Better Auth's real endpoints

  /** Signs up a new Faker user (signed in, as Better Auth does on sign-up). */
  async createUser(overrides: Partial<UserProfile> = {}): Promise<IssuerUser> {
    const profile = { ...this.users.next(), ...overrides };
    const res = await this.web.send('POST', `${AUTH_BASE_PATH}/sign-up/email`, { body: profile });
    const body = expectOk<{ user: { id: string } }>(res, 'sign-up');
    return { ...profile, id: body.user.id, cookie: cookieHeaderFrom(res.headers['set-cookie']) };
  }
  /** A new session for the user: returns the user with its new cookie. */
  async signIn(user: IssuerUser): Promise<IssuerUser> {
    const res = await this.web.send('POST', `${AUTH_BASE_PATH}/sign-in/email`, { body: { email: user.email, password: user.password } });
    expectOk(res, 'sign-in');
    return { ...user, cookie: cookieHeaderFrom(res.headers['set-cookie']) };
  }
  /** Better Auth's own sign-out: ends the session behind the user's cookie. */
  async signOut(user: IssuerUser): Promise<void> {
    expectOk(await this.web.send('POST', `${AUTH_BASE_PATH}/sign-out`, { headers: { cookie: user.cookie }, body: {} }), 'sign-out');
  }
  /** A fresh JWT from GET /api/auth/token with the user's session. */
  async tokenFor(user: IssuerUser): Promise<string> {
    const res = await this.web.send('GET', `${AUTH_BASE_PATH}/token`, { headers: { cookie: user.cookie } });
    return expectOk<{ token: string }>(res, 'token').token;
  }
  /** Through Better Auth's OAuth provider, with the suite's client (harness/issuer/app/oauth.ts). */
  async oauthTokens(user: IssuerUser, request: OAuthTokenRequest): Promise<OAuthTokens> {
    if (!this.runtime.ready.oauthProvider) throw new CapabilityMissing('oauth', this.mode);
    // Registered by the app on the first request (with the plugin's token: the answer holds the client secret).
    this.oauthClient ??= this.admin
      .send('GET', OAUTH_CLIENT_PATH, { timeoutMs: 30_000 })
      .then((res) => expectOk<OAuthClientInfo>(res, `GET ${OAUTH_CLIENT_PATH}`))
      .catch((err: unknown) => {
        this.oauthClient = undefined; // the next check asks again
        throw err;
      });
    return authorizationCodeTokens(this.web, await this.oauthClient, user.cookie, request);
  }
  /**
   * A logout token (typ logout+jwt) of the user, as Better Auth's provider sends one: a new session
   * grants the client offline access (so the provider keeps a refresh token to notify about), and
   * its sign-out makes the provider post the token to the client's back-channel logout URI.
   */
  async logoutToken(user: IssuerUser): Promise<string> {
    const session = await this.signIn(user);
    const { idToken } = await this.oauthTokens(session, { resource: OTHER_RESOURCE, scope: 'openid offline_access' });
    const sid = idToken ? decodeJwt(idToken).sid : undefined;
    if (typeof sid !== 'string') throw new HarnessError('ISSUER_REQUEST_FAILED', 'the ID token names no session (sid): the provider would send no logout token');
    await this.signOut(session);
    return pollUntil(
      async () => (await this.logoutTokens()).find((token) => decodeJwt(token).sid === sid), // the app keeps only decodable ones
      { timeoutMs: 5_000, intervalMs: 50, what: `the provider's logout token for session ${sid}` },
    );
  }
  private async logoutTokens(): Promise<string[]> {
    return expectOk<string[]>(await this.admin.send('GET', LOGOUT_TOKENS_PATH), `GET ${LOGOUT_TOKENS_PATH}`);
  }
  /** Ends every session of the user. */
  revokeSessions(user: Pick<IssuerUser, 'id'>): Promise<void> {
    return this.call('POST', `/users/${encodeURIComponent(user.id)}/revoke-sessions`);
  }
  /** Through the conformance plugin, so a backend's deletion is tested whether or not Better Auth's own /delete-user is enabled. */
  deleteUser(user: Pick<IssuerUser, 'id'>): Promise<void> {
    return this.call('DELETE', `/users/${encodeURIComponent(user.id)}`);
  }

  /** The claims of `token` signed again now by the current key, with the times /token would give them: a fresh token of the same user, whatever became of its sessions. */
  async renewToken(token: string): Promise<string> {
    const claims: Record<string, unknown> = decodeJwt(token);
    for (const time of ['iat', 'nbf', 'exp']) delete claims[time];
    return (await this.sign({ claims, defaults: true })).token;
  }

  connection(): IssuerConnection {
    const { mode, url, ready, id } = this.runtime;
    return { mode, url, ready, id, adminToken: this.adminToken, seed: this.seed, modeReason: this.modeReason, algorithms: [...this.algorithms], ...(this.sharedSecret !== undefined ? { sharedSecret: this.sharedSecret } : {}) };
  }

  /** Stops the issuer and removes its process or container. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.allSettled([this.admin.close(), this.web.close()]);
      await this.runtime.stop();
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const at = `${AUTH_BASE_PATH}${CONTROL_PATH}${path}`;
    // Signing has no effect beyond its answer: a reset connection may be retried, like a GET.
    const res = await this.admin.send(method, at, { ...(body === undefined ? {} : { body }), idempotent: path === '/sign' });
    return (expectOk<T | null>(res, `${method} ${at}`) ?? undefined) as T;
  }
}

function expectOk<T>(res: HttpResponse, what: string): T {
  if (res.status < 200 || res.status > 299) {
    throw new HarnessError('ISSUER_REQUEST_FAILED', `issuer ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return JSON.parse(res.text) as T;
}
