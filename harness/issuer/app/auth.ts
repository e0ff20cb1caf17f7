// A real Better Auth instance: the jwt() plugin, email/password sign-in, the memory adapter.
// Everything the backend under test sees (tokens, JWKS) comes from Better Auth's own code paths.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { oauthProvider } from '@better-auth/oauth-provider';
import { betterAuth } from 'better-auth';
import { jwt } from 'better-auth/plugins';
import type { JwtOptions } from 'better-auth/plugins';
import { SignJWT } from 'jose';
import { conformance } from '../../plugin/index.js';
import { oauthProviderCanRun } from '../jwt-settings.js';
import { keyPairConfigFor } from '../../plugin/key-store.js';
import { AUTH_BASE_PATH, OAUTH_SCOPES, OTHER_RESOURCE, SHARED_SECRET_ALG } from '../protocol.js';
import type { IssuerAppConfig, KeyPairAlgorithm, PayloadConfig } from '../protocol.js';

/** The shared-secret mode: the issuer signs HS256 with Better Auth's own secret, which the backend is given too. */
export const isSharedSecret = (config: Pick<IssuerAppConfig, 'algorithms'>): boolean => config.algorithms[0] === SHARED_SECRET_ALG;

/**
 * HS256 through the plugin's own extension point: `jwt.sign` replaces its key-pair signer (Better
 * Auth still builds the payload and fills iat, exp, iss and aud), and it requires `jwks.remoteUrl`,
 * which also turns its /jwks endpoint off: a shared secret publishes nothing.
 */
function sharedSecretJwks(config: IssuerAppConfig, baseUrl: string): Pick<JwtOptions, 'jwks'> & { sign: NonNullable<NonNullable<JwtOptions['jwt']>['sign']> } {
  const key = new TextEncoder().encode(config.secret);
  return {
    // keyPairConfig.alg is what Better Auth advertises in OIDC metadata; its type lists key-pair algorithms only.
    jwks: { remoteUrl: `${baseUrl}${AUTH_BASE_PATH}/jwks`, keyPairConfig: { alg: SHARED_SECRET_ALG } as unknown as ReturnType<typeof keyPairConfigFor> },
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: SHARED_SECRET_ALG, typ: 'JWT' }).sign(key),
  };
}

export function jwtOptionsFor(config: IssuerAppConfig, baseUrl: string): JwtOptions {
  const [primary, ...extra] = config.algorithms;
  if (!primary) throw new Error('at least one algorithm is required');
  const shared = isSharedSecret(config) ? sharedSecretJwks(config, baseUrl) : undefined;
  return {
    jwks: shared?.jwks ?? {
      keyPairConfig: keyPairConfigFor(primary as KeyPairAlgorithm),
      ...(extra.length > 0 ? { keyPairConfigs: (extra as KeyPairAlgorithm[]).map(keyPairConfigFor) } : {}),
      ...(config.rotationInterval !== undefined ? { rotationInterval: config.rotationInterval } : {}),
      ...(config.gracePeriod !== undefined ? { gracePeriod: config.gracePeriod } : {}),
    },
    jwt: {
      ...(shared ? { sign: shared.sign } : {}),
      // Set even where it is the plugin's default (the baseURL origin): the OAuth provider's tokens take
      // their `iss` from it too, and otherwise from the base path (…/api/auth). One issuer for every kind
      // of token Better Auth signs with the key is the configuration in which they can be confused.
      issuer: tokenIssuer(config, baseUrl),
      ...(config.audience !== undefined ? { audience: config.audience } : {}),
      expirationTime: config.expirationTime,
      ...(config.payload ? { definePayload: payloadDefiner(config.payload) } : {}),
      ...(config.subject !== undefined ? { getSubject: subjectTemplate(config.subject) } : {}),
    },
  } as JwtOptions;
}

type SessionArg = { user: Record<string, unknown>; session: Record<string, unknown> };

function payloadDefiner(payload: PayloadConfig) {
  return ({ user, session }: SessionArg): Record<string, unknown> => {
    const fromUser =
      payload.userFields === 'all'
        ? { ...user }
        : Object.fromEntries(payload.userFields.filter((f) => f in user).map((f) => [f, user[f]]));
    return {
      ...fromUser,
      ...(payload.sessionIdClaim ? { [payload.sessionIdClaim]: session.id } : {}),
      ...payload.claims,
    };
  };
}

function subjectTemplate(template: string) {
  return ({ user }: SessionArg): string =>
    template.replace(/\{(id|email|name)\}/g, (_, field: string) => String(user[field] ?? ''));
}

/**
 * The users' passwords, hashed with a salted SHA-256 instead of Better Auth's scrypt. The users live
 * in this process's memory and die with the run, so a deliberately slow hash protects nothing here;
 * scrypt's cost (in the thread pool, for every sign-up and sign-in) was about a CPU-second of each
 * issuer's start, and a run starts several. Tokens and keys are untouched.
 */
export const ephemeralPasswords = {
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16).toString('hex');
    return `${salt}:${createHash('sha256').update(salt).update(password).digest('hex')}`;
  },
  async verify({ hash, password }: { hash: string; password: string }): Promise<boolean> {
    const [salt = '', digest = ''] = hash.split(':');
    const expected = Buffer.from(digest, 'hex');
    const actual = createHash('sha256').update(salt).update(password).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  },
};

/** How the harness controls its issuer: the conformance plugin, with everything a throwaway server allows. */
export interface IssuerControl {
  token: string;
  /** Every authenticated control request: the lease the harness keeps alive. */
  onUse: () => void;
}

/** Better Auth's OAuth provider runs beside jwt() where it can: it signs with jwt()'s key pairs (a shared HS256 secret has none) and needs URLs for its issuer and resources. */
/** The `iss` the tokens carry: the configured one, else Better Auth's default, its base URL's origin (a public URL's path or :443 is not in it). */
export const tokenIssuer = (config: Pick<IssuerAppConfig, 'issuer'>, baseUrl: string): string => config.issuer ?? new URL(baseUrl).origin;
/** The `aud` the tokens carry, defaulted as `tokenIssuer`. */
export const tokenAudience = (config: Pick<IssuerAppConfig, 'audience'>, baseUrl: string): string | string[] => config.audience ?? new URL(baseUrl).origin;

export const oauthProviderOn = (config: IssuerAppConfig): boolean => !isSharedSecret(config) && oauthProviderCanRun(config);

/**
 * The OAuth client is registered by the issuer's own admin, the only user allowed to set its
 * client_credentials scopes: an address no one who reaches the issuer can guess and sign up first,
 * and a new one for each attempt (a retry cannot sign up the same address again).
 */
const OAUTH_ADMIN_PREFIX = `oauth-admin-${randomBytes(12).toString('hex')}`;
export const oauthAdminEmail = (): string => `${OAUTH_ADMIN_PREFIX}.${randomBytes(6).toString('hex')}@example.test`;

/** The resources (RFC 8707 audiences) the provider mints for: the jwt() plugin's audience, as the backend under test knows it, and another API's. */
export const oauthResources = (config: Pick<IssuerAppConfig, 'audience'>, baseUrl: string): string[] => [...new Set([...[tokenAudience(config, baseUrl)].flat(), OTHER_RESOURCE])];

/**
 * Better Auth's OAuth provider, as its docs set it up: the suite gets real access tokens (typ at+jwt)
 * for this API's audience and another's, and real ID tokens, from the same key as the jwt() plugin.
 * Its login and consent pages are never shown: the suite's client skips consent and its users have sessions.
 */
function oauthProviderFor(config: IssuerAppConfig, baseUrl: string) {
  return oauthProvider({
    loginPage: '/login',
    consentPage: '/consent',
    scopes: [...OAUTH_SCOPES],
    resources: oauthResources(config, baseUrl),
    clientPrivileges: ({ user }) => typeof user?.email === 'string' && user.email.startsWith(`${OAUTH_ADMIN_PREFIX}.`),
  });
}

export async function createIssuerAuth(config: IssuerAppConfig, baseUrl: string, control: IssuerControl | undefined) {
  // Imported dynamically on purpose: beside better-auth's own dynamic import of it, a static import is
  // bundled by esbuild as a lazy init that is never run ("memoryAdapter is not a function").
  const { memoryAdapter } = await import('better-auth/adapters/memory');
  const jwtOptions = jwtOptionsFor(config, baseUrl);
  const provider = oauthProviderOn(config) ? oauthProviderFor(config, baseUrl) : undefined;
  // The memory adapter holds the tables it is given: Better Auth's, jwt()'s, and the provider's own.
  const tables = ['user', 'session', 'account', 'verification', 'jwks', ...Object.keys(provider?.schema ?? {})];
  const auth = betterAuth({
    baseURL: baseUrl,
    basePath: '/api/auth',
    secret: config.secret,
    database: memoryAdapter(Object.fromEntries(tables.map((table) => [table, []]))),
    emailAndPassword: { enabled: true, password: ephemeralPasswords },
    // Better Auth turns rate limiting on under NODE_ENV=production; a harness must never be throttled.
    rateLimit: { enabled: false },
    trustedOrigins: [new URL(baseUrl).origin],
    telemetry: { enabled: false },
    logger: { level: 'error' },
    plugins: [
      jwt(jwtOptions),
      ...(provider ? [provider] : []),
      // No token (the image run by hand): no control endpoints at all.
      ...(control
        ? [conformance({ token: control.token, allowInProduction: true, allowJwksFaults: true, managesServerKeys: true, onUse: control.onUse, ...(isSharedSecret(config) ? { sharedSecret: config.secret } : {}) })]
        : []),
    ],
  });
  return { auth, jwtOptions };
}

export type IssuerAuth = Awaited<ReturnType<typeof createIssuerAuth>>['auth'];
