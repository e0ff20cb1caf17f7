// The external mode: a real, unmodified Better Auth the team runs (staging), trusted by the backend
// under test. The harness holds no private key here: its tokens are real ones from /token (or the
// set-auth-jwt header of /get-session), its users are signed up through /sign-up/email (or are the
// test accounts the team names), and what the backend should expect (iss, aud, alg) is read from a
// real token verified against the real JWKS, never assumed. Minting, the fetch log and user deletion
// come from the conformance plugin when the team runs it there (harness/plugin) and the run has its
// token; without it, the checks that need them are SKIP (capabilities.ts). The server's own keys are
// never changed either way.
// The sessions and users the run creates there are written to a ledger as they happen, in whichever
// process, and removed at the end (cleanUp); the resources the run creates on the backend are the
// run's ledger's (harness/run/leftovers.ts).
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import { HarnessError } from '../errors.js';
import { HttpClient, ResponseTooLarge, cookieHeaderFrom } from '../http.js';
import type { HttpRequestOptions, HttpResponse } from '../http.js';
import { inertLine } from '../text.js';
import { CapabilityMissing, IssuerFeatureDisabled, PLUGIN_CAPABILITIES, externalCapabilities } from './capabilities.js';
import type { Capability, IssuerProfile } from './capabilities.js';
import type { IssuerHandle, IssuerUser } from './handle.js';
import { CONTROL_PATH, CONTROL_TOKEN_HEADER, ISSUER_ALGORITHMS, PLUGIN_ID } from './protocol.js';
import type { IssuerAlgorithm, JwksFetch, KeyInfo, PluginInfo, SignRequest, SignResponse } from './protocol.js';
import { closeLedger, createLedger, isClosed, note, readLedger, removeLedger } from '../ledger.js';
import type { LedgerEntry } from '../ledger.js';
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
  /** A PEM file: the CA trusted for the issuer's TLS certificate (issuer.ca). */
  ca?: string;
  /** The token of the conformance plugin on that server (issuer.token). */
  pluginToken?: string;
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
  /** The PEM text of issuer.ca. */
  ca?: string;
  /** Where every process notes the sessions and users it created on the issuer (harness/ledger.ts). */
  ledger: string;
  /** The conformance plugin on the server: its token (kept in memory like the passwords) and what it offers. */
  plugin?: { token: string; capabilities: Capability[] };
}

/** What the end of a run removed, and what it could not. */
export interface CleanupOutcome {
  usersDeleted: number;
  sessionsSignedOut: number;
  /** One line per thing left behind, and why. */
  left: string[];
}

/** Better Auth's sign-in and sign-up limit is 3 per 10 s in production: wait as it says, a few times. */
const MAX_RATE_LIMIT_RETRIES = 6;
/** The most read of an answer: a JWKS of a few keys is a few kB; Better Auth's JSON answers less. */
const JWKS_MAX_BYTES = 2 * 1024 * 1024;
const ANSWER_MAX_BYTES = 1024 * 1024;
/** How long the end of a run may spend removing what it created. */
const CLEANUP_BUDGET_MS = 60_000;
const CLEANUP_CONCURRENCY = 4;

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
    const ca = options.ca === undefined ? undefined : await readCa(options.ca);
    const probe: ExternalIssuerConnection = {
      mode: 'external', url, authBase, jwksUrl, ...(options.users ? { users: options.users } : {}),
      seed: options.seed ?? randomInt(2 ** 31), timeoutMs: options.timeoutMs ?? 10_000,
      issuer: '', audience: '', algorithms: [], keys: [], ...(ca ? { ca } : {}),
      ledger: createLedger(),
    };
    // Its own users (a salted seed): the handle returned signs up from the run's seed and must not repeat the probe's email.
    const first = ExternalIssuer.connect(probe, 'start');
    let started = false;
    try {
      const jwks = await first.fetchJwks();
      if (options.pluginToken !== undefined) probe.plugin = await first.discoverPlugin(options.pluginToken);
      const user = await first.createUser();
      const token = await first.tokenFor(user);
      const header = decodeProtectedHeader(token);
      const shown = (value: unknown) => inertLine(JSON.stringify(value));
      // The token must verify against the published keys: otherwise the JWKS URL is not this issuer's.
      await Promise.resolve()
        .then(() => jwtVerify(token, createLocalJWKSet(jwks)))
        .catch((err: unknown) => {
          throw new HarnessError('ISSUER_START_FAILED', `a real token from ${url}${basePath}/token does not verify against ${jwksUrl}: ${inertLine((err as Error).message)}`, { hint: 'give the JWKS URL the backend trusts with issuer.jwksUrl (--issuer-jwks-url)' });
        });
      const claims = decodeJwt(token);
      const alg = String(header.alg);
      if (!(ISSUER_ALGORITHMS as readonly string[]).includes(alg)) {
        throw new HarnessError('ISSUER_START_FAILED', `the external issuer signs with ${shown(alg)}, which the suite does not forge for (${ISSUER_ALGORITHMS.join(', ')})`);
      }
      if (typeof claims.iss !== 'string' || claims.aud === undefined) {
        throw new HarnessError('ISSUER_START_FAILED', `a real token from ${url} has no iss or aud: ${shown({ iss: claims.iss, aud: claims.aud })}`);
      }
      const keys = await Promise.all(jwks.keys.map(async (k) => ({ kid: k.kid ?? null, alg: k.alg ?? null, kty: String(k.kty), thumbprint: await calculateJwkThumbprint(k as JWK, 'sha256') }))).catch((err: unknown) => {
        throw new HarnessError('ISSUER_START_FAILED', `the JWKS at ${jwksUrl} holds a key that is not a JWK: ${inertLine((err as Error).message)}`);
      });
      // The issuer's words reach the console: escape sequences in iss or aud must not reach the terminal.
      options.log?.(`external issuer ${url}: ${alg}, iss ${shown(claims.iss)}, aud ${shown(claims.aud)}, ${keys.length} published key(s) (${keys.map((k) => k.thumbprint).join(', ')}); users: ${options.users ? `${options.users.length} configured accounts` : 'signed up fresh'}; ${probe.plugin ? `conformance plugin: ${probe.plugin.capabilities.join(', ')}` : 'no conformance plugin'}`);
      const issuer = new ExternalIssuer({ ...probe, issuer: claims.iss, audience: claims.aud, algorithms: [alg as IssuerAlgorithm], keys }, probe.seed, header.kid, true);
      started = true;
      return issuer;
    } finally {
      // A start that failed still removes the user and session its probe created.
      if (!started) {
        await first.cleanUp().catch(() => undefined);
        removeLedger(probe.ledger);
      }
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
  private cleaning: Promise<CleanupOutcome> | undefined;

  /** `ownsLedger`: the runner's handle, which removes what the run created on the issuer when it stops (also on a signal). */
  private constructor(
    private readonly c: ExternalIssuerConnection,
    seed: number,
    private lastKid?: string,
    private readonly ownsLedger = false,
  ) {
    // Better Auth checks the Origin of sign-up, sign-in and cookie-carrying POSTs: its own origin is always trusted.
    this.web = new HttpClient(c.url, { headers: { origin: new URL(c.url).origin }, timeoutMs: c.timeoutMs, maxBodyBytes: ANSWER_MAX_BYTES, ...(c.ca ? { ca: c.ca } : {}) });
    this.factory = new UserFactory(seed);
  }

  readonly mode = 'external' as const;
  get capabilities(): Capability[] {
    const own = externalCapabilities(!this.c.users);
    // What the plugin on this server says it offers (jwks-faults only where the team allowed them).
    return [...own, ...(this.c.plugin?.capabilities ?? []).filter((c) => !own.includes(c))];
  }
  get profile(): IssuerProfile {
    return { mode: 'external', description: `the external issuer at ${this.c.url}${this.c.plugin ? ' with the conformance plugin' : ''}`, capabilities: this.capabilities };
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
      this.refuseWhenEnding('sign in');
      const { id, name, cookie } = await this.openSession('/sign-in/email', { email: account.email, password: account.password }, 'sign-in', account.email);
      return { ...account, name: name ?? account.email, id, cookie };
    }
    const profile = { ...this.factory.next(), ...overrides };
    this.refuseWhenEnding('sign up a user');
    // Noted before it is sent: a sign-up whose answer is lost may still have created the user.
    note(this.c.ledger, { kind: 'user', userId: '', email: profile.email, password: profile.password });
    const { id, cookie } = await this.openSession('/sign-up/email', profile, 'sign-up', `the user it signs up (${profile.email})`);
    return { ...profile, id, cookie };
  }

  async signIn(user: IssuerUser): Promise<IssuerUser> {
    this.refuseWhenEnding('sign in');
    const { cookie } = await this.openSession('/sign-in/email', { email: user.email, password: user.password }, 'sign-in', user.email);
    return { ...user, cookie };
  }

  async signOut(user: IssuerUser): Promise<void> {
    await this.post('/sign-out', {}, 'sign-out', user.email, { cookie: user.cookie });
  }

  /** A check still running in a worker after the run began its clean-up (a signal) opens nothing more to clean. */
  private refuseWhenEnding(what: string): void {
    if (isClosed(this.c.ledger)) throw new HarnessError('ISSUER_REQUEST_FAILED', `not sent: the run is ending, and does not ${what} on ${this.c.url} any more`);
  }

  /** A sign-up or sign-in, its session noted in the ledger before anything else can fail. */
  private async openSession(path: string, body: { email: string; password: string }, what: string, account: string): Promise<{ id: string; name?: string; cookie: string }> {
    const res = await this.post(path, body, what, account);
    const cookie = cookieHeaderFrom(res.headers['set-cookie']);
    const user = (parseJson(res.text) as { user?: { id?: unknown; name?: unknown } } | undefined)?.user;
    const id = typeof user?.id === 'string' ? user.id : '';
    note(this.c.ledger, { kind: 'session', userId: id, email: body.email, cookie });
    if (!id || !cookie) throw new HarnessError('ISSUER_REQUEST_FAILED', `external issuer ${what} for ${account} at ${this.c.url}${this.c.authBase}${path} answered ${res.status} without ${id ? 'a session cookie' : 'a user id'}`);
    return { id, ...(typeof user?.name === 'string' ? { name: user.name } : {}), cookie };
  }

  /** A real JWT: GET /token, or where that is not mounted, the set-auth-jwt header of GET /get-session. */
  async tokenFor(user: IssuerUser): Promise<string> {
    const token = await this.tokenWith(user.cookie, user.email);
    this.lastKid = decodeProtectedHeader(token).kid ?? this.lastKid;
    return token;
  }

  private async tokenWith(cookie: string, account: string): Promise<string> {
    const res = await this.send('GET', '/token', 'token', account, undefined, { cookie });
    let token: unknown;
    if (res.status === 200) token = (parseJson(res.text) as { token?: unknown } | undefined)?.token;
    else if (res.status === 404) {
      const session = await this.send('GET', '/get-session', 'get-session', account, undefined, { cookie });
      const header = session.headers['set-auth-jwt'];
      token = Array.isArray(header) ? header[0] : header;
    }
    if (typeof token !== 'string' || token.split('.').length !== 3) throw this.requestFailed('token', '/token', res, account);
    try {
      decodeProtectedHeader(token);
      decodeJwt(token);
    } catch {
      throw new HarnessError('ISSUER_REQUEST_FAILED', `external issuer token for ${account} at ${this.c.url}${this.c.authBase}/token answered ${res.status} with a token that does not decode as a JWT`);
    }
    return token;
  }

  /**
   * Better Auth's own /delete-user with the user's fresh session and password. Servers may turn it off
   * (user.deleteUser.enabled) or require an e-mail confirmation: then the deletion is not available,
   * which the check reports as SKIP. Deletion is confirmed by a sign-in that must now fail.
   */
  async deleteUser(user: IssuerUser): Promise<void> {
    if (this.c.users) throw new CapabilityMissing('users', 'external'); // never a configured account
    if (this.c.plugin) {
      await this.control('DELETE', `/users/${encodeURIComponent(user.id)}`, 'delete-user');
      return;
    }
    const res = await this.send('POST', '/delete-user', 'delete-user', user.email, { password: user.password }, { cookie: user.cookie });
    if (res.status === 404) throw new IssuerFeatureDisabled(`${this.c.url} does not offer ${this.c.authBase}/delete-user (Better Auth's user.deleteUser.enabled is off)`);
    if (res.status < 200 || res.status > 299) throw this.requestFailed('delete-user', '/delete-user', res, user.email);
    const again = await this.send('POST', '/sign-in/email', 'sign-in', user.email, { email: user.email, password: user.password });
    if (again.status >= 200 && again.status <= 299) {
      // Not deleted: the session this sign-in opened is the run's to sign out too.
      note(this.c.ledger, { kind: 'session', userId: user.id, email: user.email, cookie: cookieHeaderFrom(again.headers['set-cookie']) });
      throw new IssuerFeatureDisabled(`${this.c.url} accepted /delete-user but the user can still sign in (deletion needs a confirmation, e.g. an e-mail)`);
    }
  }

  /** A team's OAuth provider registers no client for the suite (yet): its tokens are the harness issuer's. */
  oauthTokens(): Promise<never> {
    return Promise.reject(new CapabilityMissing('oauth', 'external'));
  }
  logoutToken(): Promise<never> {
    return Promise.reject(new CapabilityMissing('oauth', 'external'));
  }

  // What the run created, noted and removed

  /** A fresh token of the subject of `token`, from a session of theirs the run opened (undefined when none is live). */
  async renewToken(token: string): Promise<string | undefined> {
    const sub = decodeJwt(token).sub;
    const sessions = readLedger(this.c.ledger).filter((e): e is Extract<LedgerEntry, { kind: 'session' }> => e.kind === 'session' && e.userId !== '' && e.userId === sub).reverse();
    for (const s of sessions) {
      const fresh = await this.tokenWith(s.cookie, s.email).catch(() => undefined);
      if (fresh) return fresh;
    }
    return undefined;
  }

  /**
   * Removes what the run created on the issuer: the users it signed up are deleted (Better Auth
   * ends their sessions with them), or signed out where the issuer does not delete users; every
   * session of a configured account the run opened is signed out, and the account stays. Once per run.
   */
  cleanUp(): Promise<CleanupOutcome> {
    this.cleaning ??= this.removeCreated();
    return this.cleaning;
  }

  private async removeCreated(): Promise<CleanupOutcome> {
    closeLedger(this.c.ledger);
    const outcome: CleanupOutcome = { usersDeleted: 0, sessionsSignedOut: 0, left: [] };
    const deadline = Date.now() + CLEANUP_BUDGET_MS;
    // A second pass takes what a request already in flight at the close noted after the first one read.
    let handled = 0;
    for (let pass = 0; pass < 2; pass++) {
      const entries = readLedger(this.c.ledger);
      if (entries.length === handled) break;
      await this.removeEntries(entries, handled, outcome, deadline);
      handled = entries.length;
    }
    return outcome;
  }

  /** Removes the users and sessions of `entries` from index `from` on (a user's sessions are looked up among all of them). */
  private async removeEntries(entries: LedgerEntry[], from: number, outcome: CleanupOutcome, deadline: number): Promise<void> {
    const sessions = entries.filter((e): e is Extract<LedgerEntry, { kind: 'session' }> => e.kind === 'session' && e.cookie !== '');
    // The last password noted for an email (a user deleted and signed up again keeps its email).
    const signedUp = new Map(entries.filter((e): e is Extract<LedgerEntry, { kind: 'user' }> => e.kind === 'user').map((u) => [u.email, u]));
    const fresh = new Set(entries.slice(from));
    const touched = new Set(entries.slice(from).map((e) => ('email' in e ? e.email : undefined)));
    const work: (() => Promise<void>)[] = [
      ...[...signedUp.values()].filter((u) => touched.has(u.email)).map((u) => async () => {
        const own = sessions.filter((s) => s.email === u.email).reverse();
        const result = await this.removeSignedUp(u, own);
        if (result === 'deleted') outcome.usersDeleted++;
        else if (result !== 'absent') outcome.left.push(`the user ${u.email} the run signed up: ${result}`);
      }),
      ...sessions.filter((s) => fresh.has(s) && !signedUp.has(s.email)).map((s) => async () => {
        const result = await this.endSession(s.cookie, s.email);
        if (result === undefined) outcome.sessionsSignedOut++;
        else outcome.left.push(`a session of ${s.email}: ${result}`);
      }),
    ];
    const next = async (): Promise<void> => {
      for (let job = work.shift(); job; job = work.shift()) {
        if (Date.now() > deadline) {
          outcome.left.push(`${work.length + 1} more users or sessions: the clean-up's ${CLEANUP_BUDGET_MS / 1000} s ran out`);
          work.length = 0;
          return;
        }
        await job().catch((err: unknown) => void outcome.left.push(inertLine((err as Error).message)));
      }
    };
    await Promise.all(Array.from({ length: CLEANUP_CONCURRENCY }, next));
  }

  /** Deleted through the conformance plugin where it is (Better Auth's /delete-user is off by default), else with a live session of its own, or after signing in again; signed out where deletion is off. */
  private async removeSignedUp(user: Extract<LedgerEntry, { kind: 'user' }>, sessions: { cookie: string; userId: string }[]): Promise<'deleted' | 'absent' | string> {
    const id = sessions.find((s) => s.userId !== '')?.userId;
    if (this.c.plugin && id !== undefined) {
      const res = await this.pluginRequest('DELETE', `/users/${encodeURIComponent(id)}`, 'delete-user', user.email);
      if (res.status >= 200 && res.status <= 299) return 'deleted';
      if (res.status === 404) return 'absent';
      // Anything else: Better Auth's own route below, and what it says.
    }
    const cookies = sessions.map((s) => s.cookie);
    const tryDelete = async (cookie: string): Promise<'deleted' | 'refused' | string> => {
      const res = await this.send('POST', '/delete-user', 'delete-user', user.email, { password: user.password }, { cookie });
      if (res.status === 401) return 'refused'; // this session has ended
      if ((parseJson(res.text) as { message?: unknown } | undefined)?.message === 'User deleted') return 'deleted';
      return res.status === 404 ? 'the issuer does not delete users (user.deleteUser.enabled is off)' : `deletion answered ${res.status}${errorCode(res.text)}`;
    };
    let why: string | undefined;
    for (const cookie of cookies) {
      const result = await tryDelete(cookie);
      if (result === 'deleted') return result;
      if (result !== 'refused') {
        why = result;
        break;
      }
    }
    if (why === undefined) {
      // Every session of it has ended (a sign-out check): sign in once more to delete it.
      const res = await this.send('POST', '/sign-in/email', 'sign-in', user.email, { email: user.email, password: user.password });
      // Refused credentials: the user is gone already (deleted by a check, or its sign-up never landed).
      if (res.status === 401) return 'absent';
      if (res.status < 200 || res.status > 299) return `sign-in to delete it answered ${res.status}${errorCode(res.text)}`;
      const cookie = cookieHeaderFrom(res.headers['set-cookie']);
      cookies.push(cookie);
      const result = await tryDelete(cookie);
      if (result === 'deleted') return result;
      why = result === 'refused' ? 'deletion refused its fresh session' : result;
    }
    // Not deletable: at least none of its sessions stays open.
    const notEnded = (await Promise.all(cookies.map((c) => this.endSession(c, user.email)))).filter(Boolean);
    return `not deleted (${why})${notEnded.length ? `; ${notEnded.length} of its sessions not signed out either: ${notEnded[0]}` : '; its sessions were signed out'}`;
  }

  /** Signs a session out; undefined when it is over (signed out now, or before), else why not. */
  private async endSession(cookie: string, account: string): Promise<string | undefined> {
    const res = await this.send('POST', '/sign-out', 'sign-out', account, {}, { cookie });
    // 400/401: the session had already ended (a check signed it out, or its user was deleted).
    if ((res.status >= 200 && res.status <= 299) || res.status === 400 || res.status === 401) return undefined;
    return `sign-out answered ${res.status}${errorCode(res.text)}`;
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

  /** Signed by the server's own key, through the conformance plugin. */
  sign(request: SignRequest): Promise<SignResponse> {
    return this.requirePlugin('mint').control('POST', '/sign', 'sign', request);
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
  /** The server's JWKS fetches, through the conformance plugin (every consumer of that JWKS is in it, not only the backend). */
  jwksFetches(sinceSeq = 0): Promise<JwksFetch[]> {
    return this.requirePlugin('fetch-log').control('GET', `/jwks/fetches?since=${sinceSeq}`, 'fetch log');
  }
  async resetJwksFetches(): Promise<void> {
    await this.requirePlugin('fetch-log').control('DELETE', '/jwks/fetches', 'fetch log');
  }
  get redirectTarget(): string {
    throw new CapabilityMissing('jwks-faults', 'external');
  }

  /** Nothing was started: the runner's handle removes what the run created (if the run did not already), then the client closes. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.ownsLedger) {
        await this.cleanUp().catch(() => undefined);
        removeLedger(this.c.ledger);
      }
      await this.web.close();
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** What the conformance plugin offers, read with its token; a wrong token or no plugin stops the run with what to do. */
  private async discoverPlugin(token: string): Promise<{ token: string; capabilities: Capability[] }> {
    const at = `${this.c.url}${this.c.authBase}${CONTROL_PATH}`;
    const res = await this.request('GET', `${this.c.authBase}${CONTROL_PATH}`, 'conformance plugin', undefined, { headers: { [CONTROL_TOKEN_HEADER]: token } });
    const info = parseJson(res.text) as Partial<PluginInfo> | undefined;
    if (res.status === 401) throw new HarnessError('ISSUER_START_FAILED', `the conformance plugin at ${at} refused the token (401)`, { hint: 'give the token the plugin was configured with (issuer.token, BA_CONFORMANCE_ISSUER_TOKEN)' });
    if (res.status !== 200 || info?.plugin !== PLUGIN_ID || !Array.isArray(info.capabilities)) {
      throw new HarnessError('ISSUER_START_FAILED', `no conformance plugin answers at ${at} (${res.status})`, { hint: "add conformance({ token }) from better-auth-conformance/plugin to the server's betterAuth({ plugins }), or leave issuer.token out to run without it" });
    }
    // Only what external mode drives through the plugin (key control and faults on a team's server are not, yet).
    return { token, capabilities: info.capabilities.filter((c): c is Capability => (PLUGIN_CAPABILITIES as readonly string[]).includes(c)) };
  }

  private requirePlugin(capability: Capability): this {
    if (!this.c.plugin?.capabilities.includes(capability)) throw new CapabilityMissing(capability, 'external');
    return this;
  }

  /** One request to the conformance plugin, with its token, whatever it answers. */
  private pluginRequest(method: string, path: string, what: string, account?: string, body?: unknown): Promise<HttpResponse> {
    return this.request(method, `${this.c.authBase}${CONTROL_PATH}${path}`, `conformance plugin ${what}`, account, { headers: { [CONTROL_TOKEN_HEADER]: this.c.plugin!.token }, ...(body !== undefined ? { body } : {}) });
  }

  /** A request to the conformance plugin that must succeed; its refusals are quoted (they are the plugin's own words, never a secret). */
  private async control<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const res = await this.pluginRequest(method, path, what, undefined, body);
    const answer = parseJson(res.text) as { message?: unknown } | null | undefined;
    if (res.status < 200 || res.status > 299) {
      const message = typeof answer?.message === 'string' ? `: ${inertLine(answer.message).slice(0, 300)}` : '';
      throw new HarnessError('ISSUER_REQUEST_FAILED', `conformance plugin ${what} at ${this.c.url}${this.c.authBase}${CONTROL_PATH}${path} answered ${res.status}${message}`);
    }
    return (answer ?? undefined) as T;
  }

  /** The JWKS as the server answers it now (the backend fetches the same URL). */
  async servedJwks(): Promise<string> {
    return (await this.jwksResponse()).text;
  }

  private jwksResponse(): Promise<HttpResponse> {
    return this.request('GET', this.c.jwksUrl, 'JWKS', undefined, { maxBodyBytes: JWKS_MAX_BYTES });
  }

  private async fetchJwks(): Promise<{ keys: (JWK & { kid?: string })[] }> {
    const res = await this.jwksResponse();
    const body = parseJson(res.text) as { keys?: unknown } | undefined;
    if (res.status !== 200 || !Array.isArray(body?.keys) || body.keys.length === 0) {
      // The issuer's words are not quoted: a status and a shape are enough to act on.
      throw new HarnessError('ISSUER_START_FAILED', `the JWKS at ${this.c.jwksUrl} answered ${res.status} ${body ? 'JSON without keys' : `with no JSON (${res.text.length} bytes)`}`, { hint: 'check --issuer-url and the base path (issuer.basePath, default /api/auth), or give issuer.jwksUrl' });
    }
    return body as { keys: JWK[] };
  }

  private async post(path: string, body: unknown, what: string, account: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const res = await this.send('POST', path, what, account, body, headers);
    if (res.status < 200 || res.status > 299) throw this.requestFailed(what, path, res, account);
    return res;
  }

  /** One request under the auth base path; a 429 is waited out as the server's X-Retry-After says. */
  private async send(method: string, path: string, what: string, account: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.request(method, `${this.c.authBase}${path}`, what, account, { ...(body !== undefined ? { body } : {}), headers });
      if (res.status !== 429 || attempt >= MAX_RATE_LIMIT_RETRIES) return res;
      const after = Number(res.headers['x-retry-after'] ?? res.headers['retry-after'] ?? 10);
      await delay(Math.min(Number.isFinite(after) ? after : 10, 60) * 1000 + 100);
    }
  }

  /** One request; a failure to get an answer says which URL, for which account, and what to do. */
  private async request(method: string, path: string, what: string, account: string | undefined, options: HttpRequestOptions): Promise<HttpResponse> {
    const url = new URL(path, this.c.url).href;
    try {
      return await this.web.send(method, path, options);
    } catch (err) {
      if (err instanceof HarnessError) throw err; // refused before sending (a path off the issuer's origin): already says why
      const whose = account ? ` for ${account}` : '';
      if (err instanceof ResponseTooLarge) {
        throw new HarnessError('ISSUER_REQUEST_FAILED', `external issuer ${what}${whose}: ${url} answered more than ${err.limitBytes} bytes; the harness stopped reading`, { hint: 'check that the URL is the Better Auth issuer (issuer.url, issuer.jwksUrl)' });
      }
      const code = errorCodeOf(err);
      const tls = code !== undefined && TLS_ERRORS.test(code);
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.c.timeoutMs} ms` : inertLine(`${code ?? ''}${code ? ': ' : ''}${rootMessage(err)}`);
      throw new HarnessError('ISSUER_REQUEST_FAILED', `external issuer ${what}${whose}: ${method} ${url} failed: ${reason}`, {
        ...(tls ? { hint: this.c.ca ? "the issuer's certificate does not chain to issuer.ca, or does not name this host" : "trust the CA that signed the issuer's certificate with issuer.ca (--issuer-ca <pem file>, BA_CONFORMANCE_ISSUER_CA)" } : {}),
      });
    }
  }

  /** A refusal, quoting only Better Auth's error code: its body may echo the request, which may carry a password. */
  private requestFailed(what: string, path: string, res: HttpResponse, account: string): HarnessError {
    const hint =
      what === 'sign-up'
        ? 'if sign-up is closed, name two existing test accounts: issuer.users, or BA_CONFORMANCE_USER_A / BA_CONFORMANCE_USER_B as email:password'
        : res.status === 403
          ? 'Better Auth refused the Origin: the suite sends the issuer URL\'s own origin, which Better Auth trusts when it is its baseURL'
          : undefined;
    return new HarnessError('ISSUER_REQUEST_FAILED', `external issuer ${what} for ${account} at ${this.c.url}${this.c.authBase}${path} answered ${res.status}${errorCode(res.text)}`, hint ? { hint } : {});
  }
}

/** Node's and OpenSSL's codes for a certificate the client does not trust. */
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/;

function errorCodeOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
  }
  return undefined;
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown };
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e.message ?? String(err);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** ` (CODE)` when the body is JSON with an identifier-shaped code, else nothing: no other word of the body is quoted. */
function errorCode(text: string): string {
  const code = (parseJson(text) as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? ` (${code})` : '';
}

async function readCa(given: string): Promise<string> {
  const file = path.resolve(given); // a flag's path is relative to the working directory (a config file's was resolved against the file)
  const pem = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new HarnessError('CONFIG_INVALID', `issuer.ca: cannot read ${file} (${err.code ?? err.message})`, { hint: 'give a PEM file with the CA certificate(s) that signed the issuer\'s TLS certificate' });
  });
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new HarnessError('CONFIG_INVALID', `issuer.ca: ${file} holds no PEM certificate`, { hint: 'give a PEM file (-----BEGIN CERTIFICATE-----)' });
  return pem;
}
