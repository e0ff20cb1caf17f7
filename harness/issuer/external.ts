// The external mode: a real, unmodified Better Auth the team runs (staging), trusted by the backend
// under test. The harness holds no private key here: its tokens are real ones from /token (or the
// set-auth-jwt header of /get-session), its users are signed up through /sign-up/email (or are the
// test accounts the team names), and what the backend should expect (iss, aud, alg) is read from a
// real token verified against the real JWKS, never assumed. Minting, key control, JWKS faults and
// the fetch log are not available: the checks that need them are SKIP (capabilities.ts).
import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { HarnessError } from '../errors.js';
import { HttpClient, cookieHeaderFrom } from '../http.js';
import type { HttpResponse } from '../http.js';
import { CapabilityMissing, IssuerFeatureDisabled, externalCapabilities } from './capabilities.js';
import type { Capability, IssuerProfile } from './capabilities.js';
import type { IssuerHandle, IssuerUser } from './handle.js';
import { ISSUER_ALGORITHMS } from './protocol.js';
import type { IssuerAlgorithm, JwksFetch, KeyInfo, SignResponse } from './protocol.js';
import { UserFactory } from './users.js';
import type { UserProfile } from './users.js';

export const DEFAULT_BASE_PATH = '/api/auth';

/** An existing test account, for a Better Auth whose sign-up is closed. */
export interface ExternalAccount {
  email: string;
  password: string;
}

export interface ExternalIssuerOptions {
  /** Better Auth's base URL, e.g. https://auth.staging.example.com. */
  url: string;
  /** Where Better Auth is mounted under `url`. Default /api/auth. */
  basePath?: string;
  /** Default <url><basePath>/jwks. */
  jwksUrl?: string;
  /** Existing accounts (sign-up closed); at least two for the isolation checks. Absent: fresh users are signed up. */
  users?: ExternalAccount[];
  seed?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** A published key, identified by its RFC 7638 thumbprint (recorded in the report). */
export interface PublishedKey {
  kid: string | null;
  alg: string | null;
  kty: string;
  thumbprint: string;
}

/** Everything a Vitest worker needs to use the same external issuer (serializable; passwords stay in memory, never in a report). */
export interface ExternalIssuerConnection {
  mode: 'external';
  url: string;
  authBase: string;
  jwksUrl: string;
  users?: ExternalAccount[];
  seed: number;
  timeoutMs: number;
  issuer: string;
  audience: string | string[];
  algorithms: IssuerAlgorithm[];
  keys: PublishedKey[];
}

/** Better Auth's sign-in and sign-up limit is 3 per 10 s in production: wait as it says, a few times. */
const MAX_RATE_LIMIT_RETRIES = 6;

export class ExternalIssuer implements IssuerHandle {
  /** Connects to the server, reads its JWKS and a real token, and learns what the backend should expect. */
  static async start(options: ExternalIssuerOptions): Promise<ExternalIssuer> {
    const url = options.url.replace(/\/+$/, '');
    const basePath = (options.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
    const authBase = `${new URL(url).pathname.replace(/\/+$/, '')}${basePath}`;
    const jwksUrl = options.jwksUrl ?? `${url}${basePath}/jwks`;
    if (options.users && options.users.length < 2) {
      throw new HarnessError('CONFIG_INVALID', 'issuer.users names fewer than two accounts', { hint: 'the isolation checks need two users: give two accounts (BA_CONFORMANCE_USER_A and _B), or leave issuer.users out to sign up fresh users' });
    }
    const probe: ExternalIssuerConnection = {
      mode: 'external', url, authBase, jwksUrl, ...(options.users ? { users: options.users } : {}),
      seed: options.seed ?? randomInt(2 ** 31), timeoutMs: options.timeoutMs ?? 10_000,
      issuer: '', audience: '', algorithms: [], keys: [],
    };
    const first = new ExternalIssuer(probe, probe.seed);
    try {
      const jwks = await first.fetchJwks();
      const user = await first.createUser();
      const token = await first.tokenFor(user);
      const header = decodeProtectedHeader(token);
      // The token must verify against the published keys: otherwise the JWKS URL is not this issuer's.
      await jwtVerify(token, createLocalJWKSet(jwks)).catch((err: unknown) => {
        throw new HarnessError('ISSUER_START_FAILED', `a real token from ${url}${basePath}/token does not verify against ${jwksUrl}: ${(err as Error).message}`, { hint: 'give the JWKS URL the backend trusts with issuer.jwksUrl (--issuer-jwks-url)' });
      });
      const claims = decodeJwt(token);
      const alg = String(header.alg);
      if (!(ISSUER_ALGORITHMS as readonly string[]).includes(alg)) {
        throw new HarnessError('ISSUER_START_FAILED', `the external issuer signs with ${alg}, which the suite does not forge for (${ISSUER_ALGORITHMS.join(', ')})`);
      }
      if (typeof claims.iss !== 'string' || claims.aud === undefined) {
        throw new HarnessError('ISSUER_START_FAILED', `a real token from ${url} has no iss or aud: ${JSON.stringify({ iss: claims.iss, aud: claims.aud })}`);
      }
      const keys = await Promise.all(jwks.keys.map(async (k) => ({ kid: k.kid ?? null, alg: k.alg ?? null, kty: String(k.kty), thumbprint: await calculateJwkThumbprint(k as JWK, 'sha256') })));
      options.log?.(`external issuer ${url}: ${alg}, iss ${claims.iss}, aud ${JSON.stringify(claims.aud)}, ${keys.length} published key(s) (${keys.map((k) => k.thumbprint).join(', ')}); users: ${options.users ? `${options.users.length} configured accounts` : 'signed up fresh'}`);
      return new ExternalIssuer({ ...probe, issuer: claims.iss, audience: claims.aud, algorithms: [alg as IssuerAlgorithm], keys }, probe.seed, header.kid);
    } finally {
      await first.stop();
    }
  }

  /** A handle on the same issuer in another process; `seedSalt` keeps its Faker users apart. */
  static connect(connection: ExternalIssuerConnection, seedSalt = ''): ExternalIssuer {
    let seed = connection.seed;
    for (const ch of seedSalt) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0;
    return new ExternalIssuer(connection, seed);
  }

  private readonly web: HttpClient;
  private readonly factory: UserFactory;
  private accountIndex = 0;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly c: ExternalIssuerConnection,
    seed: number,
    private lastKid?: string,
  ) {
    // Better Auth checks the Origin of sign-up, sign-in and cookie-carrying POSTs: its own origin is always trusted.
    this.web = new HttpClient(c.url, { headers: { origin: new URL(c.url).origin }, timeoutMs: c.timeoutMs });
    this.factory = new UserFactory(seed);
  }

  readonly mode = 'external' as const;
  get capabilities(): Capability[] {
    return externalCapabilities(!this.c.users);
  }
  get profile(): IssuerProfile {
    return { mode: 'external', description: `the external issuer at ${this.c.url}`, capabilities: this.capabilities };
  }
  get baseUrl(): string {
    return this.c.url;
  }
  get jwksUrl(): string {
    return this.c.jwksUrl;
  }
  get issuer(): string {
    return this.c.issuer;
  }
  get audience(): string | string[] {
    return this.c.audience;
  }
  get algorithms(): readonly IssuerAlgorithm[] {
    return this.c.algorithms;
  }
  get seed(): number {
    return this.factory.seed;
  }
  get sharedSecret(): undefined {
    return undefined;
  }
  /** The keys the issuer publishes, by thumbprint. */
  get publishedKeys(): readonly PublishedKey[] {
    return this.c.keys;
  }

  connection(): ExternalIssuerConnection {
    return this.c;
  }

  // Users and sessions

  /** A fresh user through /sign-up/email, or the next configured account signed in (A, B, A, ...). */
  async createUser(overrides: Partial<UserProfile> = {}): Promise<IssuerUser> {
    if (this.c.users) {
      if (Object.keys(overrides).length) throw new CapabilityMissing('users', 'external');
      const account = this.c.users[this.accountIndex++ % this.c.users.length]!;
      const res = await this.post('/sign-in/email', { email: account.email, password: account.password }, 'sign-in');
      const body = JSON.parse(res.text) as { user: { id: string; name?: string } };
      return { ...account, name: body.user.name ?? account.email, id: body.user.id, cookie: cookieHeaderFrom(res.headers['set-cookie']) };
    }
    const profile = { ...this.factory.next(), ...overrides };
    const res = await this.post('/sign-up/email', profile, 'sign-up');
    const body = JSON.parse(res.text) as { user: { id: string } };
    return { ...profile, id: body.user.id, cookie: cookieHeaderFrom(res.headers['set-cookie']) };
  }

  async signIn(user: IssuerUser): Promise<IssuerUser> {
    const res = await this.post('/sign-in/email', { email: user.email, password: user.password }, 'sign-in');
    return { ...user, cookie: cookieHeaderFrom(res.headers['set-cookie']) };
  }

  async signOut(user: IssuerUser): Promise<void> {
    await this.post('/sign-out', {}, 'sign-out', { cookie: user.cookie });
  }

  /** A real JWT: GET /token, or where that is not mounted, the set-auth-jwt header of GET /get-session. */
  async tokenFor(user: IssuerUser): Promise<string> {
    const res = await this.send('GET', '/token', undefined, { cookie: user.cookie });
    let token: string | undefined;
    if (res.status === 200) token = (JSON.parse(res.text) as { token?: string }).token;
    else if (res.status === 404) {
      const session = await this.send('GET', '/get-session', undefined, { cookie: user.cookie });
      const header = session.headers['set-auth-jwt'];
      token = Array.isArray(header) ? header[0] : header;
    }
    if (!token) throw requestFailed('token', res);
    this.lastKid = decodeProtectedHeader(token).kid ?? this.lastKid;
    return token;
  }

  /**
   * Better Auth's own /delete-user with the user's fresh session and password. Servers may turn it off
   * (user.deleteUser.enabled) or require an e-mail confirmation: then the deletion is not available,
   * which the check reports as SKIP. Deletion is confirmed by a sign-in that must now fail.
   */
  async deleteUser(user: IssuerUser): Promise<void> {
    if (this.c.users) throw new CapabilityMissing('users', 'external'); // never a configured account
    const res = await this.send('POST', '/delete-user', { password: user.password }, { cookie: user.cookie });
    if (res.status === 404) throw new IssuerFeatureDisabled(`${this.c.url} does not offer ${this.c.authBase}/delete-user (Better Auth's user.deleteUser.enabled is off)`);
    if (res.status < 200 || res.status > 299) throw requestFailed('delete-user', res);
    const again = await this.send('POST', '/sign-in/email', { email: user.email, password: user.password });
    if (again.status >= 200 && again.status <= 299) throw new IssuerFeatureDisabled(`${this.c.url} accepted /delete-user but the user can still sign in (deletion needs a confirmation, e.g. an e-mail)`);
  }

  // Keys: the published ones only

  async keys(): Promise<KeyInfo[]> {
    const jwks = await this.fetchJwks();
    return jwks.keys.map((k) => ({
      kid: String(k.kid ?? ''),
      alg: String(k.alg ?? this.c.algorithms[0] ?? ''),
      ...(k.crv ? { crv: String(k.crv) } : {}),
      createdAt: '',
      expiresAt: null,
      published: true,
      signing: k.kid !== undefined && k.kid === this.lastKid,
      publicJwk: k as Record<string, unknown>,
    }));
  }

  /** The published key the last real token named. */
  async signingKey(): Promise<KeyInfo> {
    const key = (await this.keys()).find((k) => k.signing);
    if (!key) throw new HarnessError('ISSUER_REQUEST_FAILED', `no published key of ${this.c.jwksUrl} has the kid of the last real token (${this.lastKid})`);
    return key;
  }

  // What only an issuer the harness owns can do

  sign(): Promise<SignResponse> {
    return Promise.reject(new CapabilityMissing('mint', 'external'));
  }
  rotate(): Promise<KeyInfo> {
    return Promise.reject(new CapabilityMissing('keys', 'external'));
  }
  retireKey(): Promise<KeyInfo> {
    return Promise.reject(new CapabilityMissing('keys', 'external'));
  }
  removeKey(): Promise<void> {
    return Promise.reject(new CapabilityMissing('keys', 'external'));
  }
  setJwksFault(): Promise<void> {
    return Promise.reject(new CapabilityMissing('jwks-faults', 'external'));
  }
  /** Nothing to clear: an external issuer serves no faults (the JWKS checks' clean-up calls it). */
  clearJwksFault(): Promise<void> {
    return Promise.resolve();
  }
  jwksFetches(): Promise<JwksFetch[]> {
    return Promise.reject(new CapabilityMissing('fetch-log', 'external'));
  }
  resetJwksFetches(): Promise<void> {
    return Promise.reject(new CapabilityMissing('fetch-log', 'external'));
  }
  get redirectTarget(): string {
    throw new CapabilityMissing('jwks-faults', 'external');
  }

  /** Nothing was started: only the client closes. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.web.close();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async fetchJwks(): Promise<{ keys: (JWK & { kid?: string })[] }> {
    const res = await this.web.send('GET', this.c.jwksUrl);
    let body: { keys?: unknown } | undefined;
    try {
      body = JSON.parse(res.text) as { keys?: unknown };
    } catch {
      body = undefined;
    }
    if (res.status !== 200 || !Array.isArray(body?.keys) || body.keys.length === 0) {
      throw new HarnessError('ISSUER_START_FAILED', `the JWKS at ${this.c.jwksUrl} answered ${res.status} without keys: ${res.text.slice(0, 200)}`, { hint: 'check --issuer-url and the base path (issuer.basePath, default /api/auth), or give issuer.jwksUrl' });
    }
    return body as { keys: JWK[] };
  }

  private async post(path: string, body: unknown, what: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const res = await this.send('POST', path, body, headers);
    if (res.status < 200 || res.status > 299) throw requestFailed(what, res);
    return res;
  }

  /** One request under the auth base path; a 429 is waited out as the server's X-Retry-After says. */
  private async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.web.send(method, `${this.c.authBase}${path}`, { ...(body !== undefined ? { body } : {}), headers });
      if (res.status !== 429 || attempt >= MAX_RATE_LIMIT_RETRIES) return res;
      const after = Number(res.headers['x-retry-after'] ?? res.headers['retry-after'] ?? 10);
      await delay(Math.min(Number.isFinite(after) ? after : 10, 60) * 1000 + 100);
    }
  }
}

function requestFailed(what: string, res: HttpResponse): HarnessError {
  const hint =
    what === 'sign-up'
      ? 'if sign-up is closed, name two existing test accounts: issuer.users, or BA_CONFORMANCE_USER_A / BA_CONFORMANCE_USER_B as email:password'
      : res.status === 403
        ? 'Better Auth refused the Origin: the suite sends the issuer URL\'s own origin, which Better Auth trusts when it is its baseURL'
        : undefined;
  // The body may echo the request; the request carried a password, so only the server's error code is quoted.
  let code = '';
  try {
    const parsed = JSON.parse(res.text) as { code?: string; message?: string };
    code = [parsed.code, parsed.message].filter(Boolean).join(': ');
  } catch {
    code = res.text.slice(0, 120);
  }
  return new HarnessError('ISSUER_REQUEST_FAILED', `external issuer ${what} answered ${res.status}${code ? ` (${code})` : ''}`, hint ? { hint } : {});
}
