// The run's issuer, whatever its mode: started (the harness's Better Auth) or connected to (a team's
// own), with what the backend the harness starts must be told, what the run provides the checks
// (capabilities), and what report.json records of it (never a secret or a password).
import { isLoopback } from '../net.js';
import type { ResolvedConfig } from '../config/config.js';
import { ExternalIssuer, startIssuer } from '../issuer/index.js';
import type { AnyIssuerConnection, IssuerAlgorithm, IssuerHandle, IssuerProfile, KeyInfo } from '../issuer/index.js';
import type { ReportIssuer } from '../report-model.js';
import { SHARED_SECRET_ALG } from '../issuer/protocol.js';
import { sharedSecretStrength } from '../forge/wordlists.js';

export interface RunIssuer {
  handle: IssuerHandle;
  connection: AnyIssuerConnection;
  profile: IssuerProfile;
  /** The variables the started backend gets (JWKS_URL, JWT_ISSUER, ..., BETTER_AUTH_SECRET with a shared secret). */
  backendEnv: Record<string, string>;
  report: ReportIssuer;
  /** A published key of an algorithm the backend is not configured for (SIG-ALG-NOT-ALLOWED). */
  alternateKey?: { kid: string; alg: IssuerAlgorithm };
  /** The second issuer the backend trusts (issuer.second), and the variables that tell the backend of it. */
  second?: { handle: IssuerHandle; connection: AnyIssuerConnection; backendEnv: Record<string, string> };
}

/** An algorithm the backend does not expect, for a key published from the start; none when all are configured. */
function alternateAlgorithm(algorithms: readonly IssuerAlgorithm[]): IssuerAlgorithm | undefined {
  return (['RS256', 'ES256', 'EdDSA', 'ES512', 'PS256'] as const).find((a) => !algorithms.includes(a));
}

/**
 * Starts the run's issuer (or connects to an external one). `alternateKey`: publish a key of an
 * algorithm the backend does not use (SIG-ALG-NOT-ALLOWED's); a lab's issuer has none, since no check
 * in a lab uses it, and a client that builds every key of the set (python-jose) would answer 500 for it.
 */
export async function startRunIssuer(config: ResolvedConfig, log: (line: string) => void, options: { alternateKey: boolean } = { alternateKey: true }): Promise<RunIssuer> {
  const c = config.issuer;
  if (c.mode === 'external') {
    log(`issuer: external mode (requested): the Better Auth at ${c.url}${c.token ? ', through its conformance plugin' : "; checks that need the issuer's keys are SKIP (add the conformance plugin and give its token to run them)"}`);
    for (const [what, url] of [['issuer.url', c.url!], ['issuer.jwksUrl', c.jwksUrl]] as const) {
      if (url && new URL(url).protocol === 'http:' && !isLoopback(new URL(url).hostname.replace(/^\[|\]$/g, ''))) {
        log(`issuer: WARNING: ${what} ${url} is plain http beyond loopback: passwords, session cookies and tokens cross the network unencrypted, and anyone on the path can answer for the issuer (use https; issuer.ca trusts a private CA)`);
      }
    }
    const external = await ExternalIssuer.start({
      url: c.url!,
      ...(c.basePath ? { basePath: c.basePath } : {}),
      ...(c.jwksUrl ? { jwksUrl: c.jwksUrl } : {}),
      ...(c.users ? { users: c.users } : {}),
      ...(c.ca ? { ca: c.ca } : {}),
      ...(c.token ? { pluginToken: c.token } : {}),
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      log,
    });
    const audience = external.audience;
    return {
      handle: external,
      connection: external.connection(),
      profile: external.profile,
      backendEnv: { JWKS_URL: external.jwksUrl, JWT_ISSUER: external.issuer, JWT_AUDIENCE: [audience].flat().join(','), JWT_ALGORITHMS: external.algorithms.join(','), BETTER_AUTH_URL: external.baseUrl },
      report: {
        mode: 'external',
        alg: [...external.algorithms],
        issuer: external.issuer,
        audience,
        jwksUrl: external.jwksUrl,
        capabilities: [...external.capabilities],
        external: { url: external.baseUrl, keys: [...external.publishedKeys], users: c.users ? 'configured accounts' : 'signed up' },
      },
    };
  }
  const issuer = await startIssuer({
    mode: c.mode,
    ...(c.algorithms ? { algorithms: c.algorithms } : {}),
    ...(c.secret ? { secret: c.secret } : {}),
    ...(c.issuer ? { issuer: c.issuer } : {}),
    ...(c.audience ? { audience: c.audience } : {}),
    ...(c.expirationTime ? { expirationTime: c.expirationTime } : {}),
    ...(c.port !== undefined ? { port: c.port } : {}),
    ...(c.host !== undefined ? { host: c.host } : {}),
    ...(c.publicUrl !== undefined ? { baseUrl: c.publicUrl.replace(/\/$/, '') } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
    log,
  });
  if (c.host !== undefined && !isLoopback(c.host)) {
    log(`issuer: WARNING: listening on ${c.host}, beyond loopback: anyone who can reach ${issuer.url} can read its JWKS and sign up users (its admin API needs this run's token); the backend is told ${issuer.jwksUrl}${c.publicUrl ? '' : ' (set issuer.publicUrl to the URL a remote backend reaches it at)'}`);
  }
  const shared = issuer.sharedSecret;
  // A key pair of an algorithm the backend does not use, published from the start; a shared secret has none.
  const alternateAlg = shared === undefined && options.alternateKey ? alternateAlgorithm(issuer.algorithms) : undefined;
  let alternate: KeyInfo | undefined;
  try {
    alternate = alternateAlg ? await issuer.rotate(alternateAlg) : undefined;
  } catch (err) {
    // Started, but not set up (a request timed out on a loaded machine): stopped here, or its child
    // process would keep the harness from exiting after the report (a lab's issuer has no other owner).
    await issuer.stop();
    throw err;
  }
  const audience = issuer.audience;
  let second: RunIssuer['second'];
  try {
    second = c.second ? await startSecondIssuer(config, issuer, log) : undefined;
  } catch (err) {
    await issuer.stop();
    throw err;
  }
  const backendEnv: Record<string, string> = {
    JWT_ISSUER: issuer.issuer,
    JWT_AUDIENCE: [audience].flat().join(','),
    JWT_ALGORITHMS: issuer.algorithms.join(','),
    BETTER_AUTH_URL: issuer.baseUrl,
    // The guides that verify HS256 read Better Auth's own secret; others name it JWT_SECRET.
    ...(shared !== undefined ? { BETTER_AUTH_SECRET: shared, JWT_SECRET: shared } : { JWKS_URL: issuer.jwksUrl }),
    ...second?.backendEnv,
  };
  if (shared !== undefined) {
    const strength = sharedSecretStrength(shared);
    log(`shared-secret mode: the issuer signs ${SHARED_SECRET_ALG} with a ${strength.bytes}-byte secret (${c.secret ? 'configured' : 'generated'}); the backend gets it as BETTER_AUTH_SECRET and JWT_SECRET; the JWKS family is SKIP`);
  }
  return {
    handle: issuer,
    connection: issuer.connection(),
    profile: issuer.profile,
    backendEnv,
    report: {
      mode: issuer.mode,
      alg: [...issuer.algorithms],
      issuer: issuer.issuer,
      audience,
      jwksUrl: shared === undefined ? issuer.jwksUrl : null,
      capabilities: [...issuer.capabilities],
      ...(shared !== undefined ? { sharedSecret: { ...sharedSecretStrength(shared), source: c.secret ? ('configured' as const) : ('generated' as const) } } : {}),
      ...(second ? { second: { issuer: second.handle.issuer, jwksUrl: second.handle.jwksUrl } } : {}),
    },
    ...(alternate ? { alternateKey: { kid: alternate.kid, alg: alternate.alg as IssuerAlgorithm } } : {}),
    ...(second ? { second } : {}),
  };
}

/**
 * The second issuer of a backend that trusts two (issuer.second): the first's runtime and algorithms,
 * its own keys, URL and iss, and the first's audience (one API, two issuers). Its users have a seed
 * of their own. No alternate key (SIG-ALG-NOT-ALLOWED's): only the checks that bind keys to
 * issuers use it.
 */
async function startSecondIssuer(config: ResolvedConfig, first: IssuerHandle, log: (line: string) => void): Promise<NonNullable<RunIssuer['second']>> {
  const c = config.issuer;
  const second = await startIssuer({
    mode: first.mode === 'container' ? 'container' : 'process',
    algorithms: [...first.algorithms],
    audience: first.audience,
    ...(c.expirationTime ? { expirationTime: c.expirationTime } : {}),
    ...(c.secondPort !== undefined ? { port: c.secondPort } : {}),
    ...(config.seed !== undefined ? { seed: (config.seed + 1_000_003) % 2 ** 32 } : {}),
    log: () => {},
  });
  log(`issuer: a second issuer the backend trusts (issuer.second): iss ${second.issuer}, JWKS ${second.jwksUrl}, given to the backend as SECOND_JWT_ISSUER and SECOND_JWKS_URL`);
  return { handle: second, connection: second.connection(), backendEnv: { SECOND_JWKS_URL: second.jwksUrl, SECOND_JWT_ISSUER: second.issuer } };
}
