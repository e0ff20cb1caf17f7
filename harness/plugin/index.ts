// better-auth-conformance/plugin: a Better Auth server plugin that lets the conformance suite do on
// a team's staging Better Auth what it does on its own issuer: sign any header and claims with the
// server's current key (mint), watch and break the JWKS (fetch-log, jwks-faults), and end or delete
// the users it signed up (sessions, users). Every endpoint sits under the auth base path at
// /conformance and needs the token. The harness's own issuer is Better Auth with this same plugin,
// so every run exercises it.
//
//   betterAuth({ plugins: [jwt(), conformance({ token: process.env.BA_CONFORMANCE_TOKEN! })] })
import { timingSafeEqual } from 'node:crypto';
import type { AuthContext, BetterAuthPlugin } from 'better-auth';
import { createAuthEndpoint, dispatchAuthEndpoint, getIP } from 'better-auth/api';
import { toExpJWT } from 'better-auth/plugins';
import type { JwtOptions } from 'better-auth/plugins';
import { CONTROL_PATH, CONTROL_TOKEN_HEADER, PLUGIN_ID, REDIRECT_TARGET_PATH, TEST_USER_DOMAIN } from '../issuer/protocol.js';
import type { PluginInfo } from '../issuer/protocol.js';
import { JwksFront } from './jwks-front.js';
import type { KeySet } from './jwks-front.js';
import { HttpError, KeyStore } from './key-store.js';
import { faultSchema, parse, rotateSchema, signSchema } from './requests.js';

export interface ConformanceOptions {
  /** Authenticates every request of the suite (header x-ba-conformance-token); at least 32 characters. */
  token: string;
  /** Load even when NODE_ENV is "production". Never on a server real users depend on. */
  allowInProduction?: boolean;
  /** Let the suite break this server's JWKS on purpose (outages, bad bodies, redirects): every consumer of the JWKS sees them. */
  allowJwksFaults?: boolean;
  /**
   * Rotate, retire and remove the server's own signing keys. Only for a server the suite owns
   * outright (the harness's throwaway issuer): real tokens are signed with whatever key this leaves.
   */
  managesServerKeys?: boolean;
  /** The harness's shared-secret mode: the HS256 secret its jwt.sign hook signs with (no key pairs, nothing published). */
  sharedSecret?: string;
  /** Called for every authenticated request (default: Better Auth's logger at info level). */
  onUse?: (operation: string) => void;
}

const VERSION = '1';
const MIN_TOKEN_LENGTH = 32;
/** How long after the suite's last request the JWKS fetches are still logged (a JWKS check waits minutes between requests). */
const LOGGING_WINDOW_MS = 30 * 60_000;
/** Failed token attempts an address may make per minute; the suite itself never fails one. */
const FAILED_ATTEMPTS_PER_MINUTE = 20;

type ControlContext = {
  body: unknown;
  params: Record<string, string>;
  query: Record<string, unknown> | undefined;
  context: AuthContext;
};

export function conformance(options: ConformanceOptions): BetterAuthPlugin {
  if (typeof options?.token !== 'string' || options.token.length < MIN_TOKEN_LENGTH) {
    throw new Error(`conformance(): token must be a string of at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`);
  }
  if (process.env.NODE_ENV === 'production' && !options.allowInProduction) {
    throw new Error('conformance(): refusing to load with NODE_ENV=production. The plugin signs arbitrary tokens with the server\'s key: add it to staging only (or set allowInProduction on a server no real user depends on)');
  }
  const expected = Buffer.from(options.token);
  const front = new JwksFront();
  // The harness's own throwaway issuer logs every fetch from its start; a team's server only while a run uses it.
  if (options.managesServerKeys) front.keepLogging(Number.POSITIVE_INFINITY);
  const capabilities = ['mint', 'fetch-log', 'sessions', ...(options.managesServerKeys ? ['keys'] : []), ...(options.allowJwksFaults ? ['jwks-faults'] : [])];

  type JwtPlugin = { options?: JwtOptions; endpoints?: { getJwks?: unknown } };
  const findJwt = (ctx: AuthContext) => ctx.options.plugins?.find((p) => p.id === 'jwt') as JwtPlugin | undefined;
  const jwtOf = (ctx: AuthContext): JwtPlugin => {
    const plugin = findJwt(ctx);
    if (!plugin) throw new HttpError(409, 'no_jwt_plugin', 'the conformance plugin needs Better Auth\'s jwt() plugin on the same server');
    return plugin;
  };
  const keysOf = (ctx: AuthContext) => new KeyStore(async () => ctx, jwtOf(ctx).options ?? {}, Boolean(options.managesServerKeys), options.sharedSecret);
  const jwksPathIn = (plugin: JwtPlugin) => plugin.options?.jwks?.jwksPath ?? '/jwks';
  /** Better Auth's own answer to a JWKS request, for the faults that alter it. */
  const realKeySet = (ctx: AuthContext) => async (): Promise<KeySet> =>
    (await dispatchAuthEndpoint(jwtOf(ctx).endpoints!.getJwks as Parameters<typeof dispatchAuthEndpoint>[0], { context: ctx, method: 'GET', headers: new Headers() } as Parameters<typeof dispatchAuthEndpoint>[1])) as KeySet;

  /** Claims /token would add (iat, exp, iss, aud), for sign requests with `defaults`. */
  const tokenDefaults = (ctx: AuthContext) => () => {
    const jwt = jwtOf(ctx).options?.jwt;
    const base = typeof ctx.options.baseURL === 'string' ? ctx.options.baseURL : '';
    const iat = Math.floor(Date.now() / 1000);
    return { iat, exp: toExpJWT((jwt?.expirationTime ?? '15m') as Parameters<typeof toExpJWT>[0], iat), iss: jwt?.issuer ?? base, aud: jwt?.audience ?? base };
  };

  /** What this server offers: with a shared secret, no keys to publish; with a custom jwt.sign and no secret given, no key to sign with. */
  const offered = (ctx: AuthContext): string[] => {
    if (options.sharedSecret !== undefined) return capabilities.filter((c) => c === 'mint' || c === 'sessions');
    return jwtOf(ctx).options?.jwt?.sign ? capabilities.filter((c) => c !== 'mint') : capabilities;
  };

  const refuseUnless = (capability: string) => {
    if (!capabilities.includes(capability)) {
      throw new HttpError(403, 'not_allowed', capability === 'jwks-faults' ? 'JWKS faults are off on this server (conformance({ allowJwksFaults: true }) turns them on)' : `${capability} is off on this server`);
    }
  };

  /** Only users the suite signed up (its reserved e-mail domain): the plugin ends and deletes no one else. */
  const testUser = async (ctx: AuthContext, userId: string) => {
    const user = await ctx.internalAdapter.findUserById(userId);
    if (!user) throw new HttpError(404, 'user_not_found', `no user with id "${userId}"`);
    if (!user.email.toLowerCase().endsWith(`@${TEST_USER_DOMAIN}`)) throw new HttpError(403, 'not_a_test_user', `user "${userId}" was not signed up by the suite (its e-mail is not @${TEST_USER_DOMAIN})`);
    return user;
  };

  // Guessing the token is throttled per client address (Better Auth's own rate limiter exempts these paths, so the suite is never slowed).
  const failures = new Map<string, number[]>();
  const refuseGuessing = (address: string) => {
    const now = Date.now();
    const recent = (failures.get(address) ?? []).filter((at) => now - at < 60_000);
    if (failures.size > 10_000) failures.clear();
    failures.set(address, [...recent, now].slice(-FAILED_ATTEMPTS_PER_MINUTE - 1));
    if (recent.length >= FAILED_ATTEMPTS_PER_MINUTE) throw new HttpError(429, 'too_many_attempts', 'too many requests with a wrong token; wait a minute');
  };

  const endpoint = (name: string, path: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', run: (ctx: ControlContext) => Promise<unknown>) =>
    createAuthEndpoint(`${CONTROL_PATH}${path}`, { method, metadata: { isAction: false } }, async (ctx) => {
      try {
        const given = Buffer.from(ctx.headers?.get(CONTROL_TOKEN_HEADER) ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          refuseGuessing(ctx.request ? (getIP(ctx.request, ctx.context.options) ?? 'unknown') : 'unknown');
          throw new HttpError(401, 'unauthorized', `the conformance endpoints need the plugin's token in ${CONTROL_TOKEN_HEADER}`);
        }
        front.keepLogging(LOGGING_WINDOW_MS);
        (options.onUse ?? ((op: string) => ctx.context.logger.info(`[${PLUGIN_ID}] ${op}`)))(`${method} ${CONTROL_PATH}${path} (${name})`);
        const result = await run(ctx as unknown as ControlContext);
        return Response.json(result ?? null, { headers: { 'cache-control': 'no-store' } });
      } catch (err) {
        const e = err instanceof HttpError ? err : new HttpError(500, 'internal', err instanceof Error ? err.message : String(err));
        return Response.json({ error: e.code, message: e.message }, { status: e.status, headers: e.status === 401 ? { 'www-authenticate': `Bearer realm="${PLUGIN_ID}"` } : {} });
      }
    });

  return {
    id: PLUGIN_ID,
    endpoints: {
      conformanceInfo: endpoint('info', '', 'GET', async ({ context }) => ({
        plugin: PLUGIN_ID,
        version: VERSION,
        capabilities: offered(context),
        managesServerKeys: Boolean(options.managesServerKeys),
        jwksPath: jwksPathIn(jwtOf(context)),
        testUserDomain: TEST_USER_DOMAIN,
      }) satisfies PluginInfo),
      conformanceKeys: endpoint('list keys', '/keys', 'GET', async ({ context }) => keysOf(context).list()),
      conformanceRotate: endpoint('rotate', '/keys', 'POST', async ({ context, body }) => {
        const { alg, kid } = parse(rotateSchema, body ?? {});
        return keysOf(context).rotate(alg, kid);
      }),
      conformanceRetire: endpoint('retire', '/keys/:kid/retire', 'POST', async ({ context, params }) => keysOf(context).retire(params.kid!)),
      conformanceRemove: endpoint('remove key', '/keys/:kid', 'DELETE', async ({ context, params }) => keysOf(context).remove(params.kid!)),
      conformanceSign: endpoint('sign', '/sign', 'POST', async ({ context, body }) => keysOf(context).sign(parse(signSchema, body), tokenDefaults(context))),
      conformanceFault: endpoint('fault', '/jwks/fault', 'GET', async () => ({ fault: front.currentFault() })),
      conformanceSetFault: endpoint('set fault', '/jwks/fault', 'PUT', async ({ body }) => {
        refuseUnless('jwks-faults');
        const fault = parse(faultSchema, body);
        front.setFault(fault);
        return { fault };
      }),
      conformanceClearFault: endpoint('clear fault', '/jwks/fault', 'DELETE', async () => front.setFault(null)),
      // The key set exactly as Better Auth serves it, without a fetch the log would count as a consumer's.
      conformanceServedJwks: endpoint('served key set', '/jwks/served', 'GET', async ({ context }) => ({ text: JSON.stringify(await realKeySet(context)()) })),
      conformanceFetches: endpoint('fetch log', '/jwks/fetches', 'GET', async ({ query }) => front.fetches(Number(query?.since ?? 0))),
      conformanceResetFetches: endpoint('reset fetch log', '/jwks/fetches', 'DELETE', async () => front.resetFetches()),
      conformanceRevokeSessions: endpoint('revoke sessions', '/users/:id/revoke-sessions', 'POST', async ({ context, params }) => {
        await testUser(context, params.id!);
        await context.internalAdapter.deleteUserSessions(params.id!);
      }),
      conformanceDeleteUser: endpoint('delete user', '/users/:id', 'DELETE', async ({ context, params }) => {
        await testUser(context, params.id!);
        await context.internalAdapter.deleteUser(params.id!);
      }),
      conformanceLease: endpoint('lease', '/lease', 'POST', async () => undefined),
    },
    async onRequest(request, ctx) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
      if (options.sharedSecret !== undefined) return undefined; // a shared secret publishes nothing
      // This runs for every request of the team's server: whatever goes wrong here must never break one.
      let jwksPath: string;
      let url: URL;
      let base: string;
      try {
        const jwtPlugin = findJwt(ctx);
        if (!jwtPlugin) return undefined;
        base = new URL(ctx.baseURL).pathname.replace(/\/+$/, '');
        url = new URL(request.url);
        jwksPath = `${base}${jwksPathIn(jwtPlugin)}`;
      } catch {
        return undefined; // no base URL to place the JWKS under (a dynamic baseURL): nothing is watched
      }
      /**
       * The client's address as Better Auth tells it (its trusted proxies honoured), only from a
       * forwarding header actually present: getIP's development fallback (127.0.0.1) is no evidence.
       */
      const clientAddress = () => {
        const forwarded = request.headers.get('x-forwarded-for');
        const ip = forwarded ? getIP(request, ctx.options) : null;
        return ip && forwarded!.includes(ip) ? ip : '';
      };
      if (url.pathname === jwksPath) {
        const response = await front.answer(request, true, realKeySet(ctx), clientAddress());
        return response ? { response } : undefined;
      }
      if (options.allowJwksFaults && url.pathname === `${base}${REDIRECT_TARGET_PATH}`) {
        // The real set, elsewhere: the request is Better Auth's JWKS request, logged, never faulted.
        await front.answer(request, false, realKeySet(ctx), clientAddress());
        return { request: new Request(new URL(`${jwksPath}${url.search}`, url), request) };
      }
      return undefined;
    },
    // The suite's control requests must never be throttled (Better Auth limits in production).
    rateLimit: [{ pathMatcher: (path: string) => path.startsWith(CONTROL_PATH), window: 1, max: 1_000_000 }],
  } satisfies BetterAuthPlugin;
}
