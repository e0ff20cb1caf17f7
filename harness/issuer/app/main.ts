// The issuer app's entry point: bundled to dist/issuer/issuer.mjs and run by `node` in a child
// process or a container. It listens first, so that with port 0 its base URL (and so the token
// issuer and audience) can name the port the OS picked, then builds Better Auth and its keys,
// and only then prints the `ready` event.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthContext } from 'better-auth';
import { toNodeHandler } from 'better-auth/node';
import { KeyStore } from '../../plugin/key-store.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { BACKCHANNEL_LOGOUT_PATH, CONTROL_TOKEN_HEADER, ENV, OAUTH_SCOPES } from '../protocol.js';
import type { AppEvent, IssuerAppConfig, OAuthClientInfo } from '../protocol.js';
import { OAUTH_ADMIN_EMAIL, createIssuerAuth, isSharedSecret, oauthResources } from './auth.js';
import type { IssuerAuth } from './auth.js';
import { readConfig } from './config.js';

function emit(event: AppEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function buildApp(config: IssuerAppConfig, baseUrl: string, adminToken: string | undefined, onActivity: () => void) {
  const { auth, jwtOptions } = await createIssuerAuth(config, baseUrl, adminToken ? { token: adminToken, onUse: onActivity } : undefined);
  const sharedSecret = isSharedSecret(config);
  // Every configured algorithm gets its key before anyone fetches the JWKS (avoids Better Auth's first-key race).
  const kids = await new KeyStore(async () => (await auth.$context) as unknown as AuthContext, jwtOptions, true, sharedSecret ? config.secret : undefined).ensureKeys(config.algorithms);
  const issuer = config.issuer ?? baseUrl;
  const audience = config.audience ?? baseUrl;
  const oauth = sharedSecret ? undefined : await registerOAuthClient(auth, config, baseUrl);
  return { handle: toNodeHandler(auth), ready: { event: 'ready', port: 0, baseUrl, issuer, audience, kids, ...(oauth ? { oauth } : {}) } satisfies AppEvent };
}

/**
 * Registers the suite's OAuth client with the issuer's own provider, as an admin would: a
 * confidential client that skips consent, may ask tokens for this API's audience and the other
 * service's, and holds the client_credentials scopes. Its redirect URI is never contacted.
 */
async function registerOAuthClient(auth: IssuerAuth, config: IssuerAppConfig, baseUrl: string): Promise<OAuthClientInfo> {
  const { headers } = await auth.api.signUpEmail({ body: { email: OAUTH_ADMIN_EMAIL, password: randomBytes(24).toString('base64url'), name: 'OAuth admin' }, returnHeaders: true });
  const cookie = headers.getSetCookie().map((c) => c.split(';', 1)[0]).join('; ');
  const resources = oauthResources(config, baseUrl);
  const redirectUri = `${new URL(baseUrl).origin}/oauth-callback`;
  const client = await auth.api.adminCreateOAuthClient({
    headers: new Headers({ cookie }),
    body: {
      client_name: 'ba-conformance',
      // "native" allows a loopback redirect URI (a web client must use https).
      application_type: 'native',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'client_credentials', 'refresh_token'],
      response_types: ['code'],
      scope: OAUTH_SCOPES.join(' '),
      client_credentials_scopes: ['read:items', 'write:items'],
      resources,
      skip_consent: true,
    },
  });
  // Registration refuses a loopback http URI for back-channel logout (it must be https and public);
  // delivery does not check it again, so the row is set as an admin's database update would.
  const context = await auth.$context;
  await context.adapter.update({ model: 'oauthClient', where: [{ field: 'clientId', value: client.client_id }], update: { backchannelLogoutUri: `${new URL(baseUrl).origin}${BACKCHANNEL_LOGOUT_PATH}` } });
  const issuer = (config.issuer ?? new URL(baseUrl).origin).replace(/\/$/, '');
  return { clientId: client.client_id, clientSecret: client.client_secret!, redirectUri, issuer, resources };
}

/** The logout tokens the provider posted to the client's back-channel logout URI, newest first. */
const logoutTokens: string[] = [];

/** The back-channel logout URI: a POST keeps the logout token; a GET with the plugin's token lists them. */
function backchannelLogout(req: http.IncomingMessage, res: http.ServerResponse, adminToken: string | undefined): void {
  if (req.method === 'POST') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body = (body + chunk).slice(0, 64 * 1024)));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (token) logoutTokens.unshift(token);
      logoutTokens.splice(100);
      res.writeHead(token ? 200 : 400).end();
    });
    return;
  }
  const given = Buffer.from(String(req.headers[CONTROL_TOKEN_HEADER] ?? ''));
  const expected = Buffer.from(adminToken ?? '');
  if (!adminToken || given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.writeHead(401).end();
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(logoutTokens));
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const adminToken = process.env[ENV.adminToken] || undefined;
  if (adminToken !== undefined && adminToken.length < 32) throw new Error(`${ENV.adminToken} must be at least 32 characters`);

  let lastActivity = Date.now();
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  const server = http.createServer((req, res) => {
    if (!app) {
      const body = JSON.stringify({ error: 'starting', message: 'the issuer is still starting' });
      res.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }
    if (req.url === BACKCHANNEL_LOGOUT_PATH) return backchannelLogout(req, res, adminToken);
    // The plugin sees Web Requests, which carry no peer address: the fetch log takes it from here.
    req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    app.handle(req, res).catch((err: unknown) => {
      process.stderr.write(`request ${req.method} ${req.url} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    emit({ event: 'stopping', reason });
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (process.env[ENV.exitWithStdin] === '1') {
    // The parent holds our stdin; it closes however the parent dies, even on SIGKILL.
    process.stdin.on('end', () => shutdown('parent gone (stdin closed)'));
    process.stdin.on('error', () => shutdown('parent gone (stdin error)'));
    process.stdin.resume();
  }
  const leaseMs = Number(process.env[ENV.leaseMs] ?? 0);
  if (leaseMs > 0) {
    setInterval(() => {
      if (Date.now() - lastActivity > leaseMs) shutdown(`lease expired: no control request for ${leaseMs} ms`);
    }, Math.min(1000, leaseMs / 4)).unref();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const baseUrl = config.baseUrl ?? `http://${urlHost}:${port}`;
  const built = await buildApp(config, baseUrl, adminToken, () => (lastActivity = Date.now()));
  app = built;
  lastActivity = Date.now();
  emit({ ...built.ready, port });
}

main().catch((err: unknown) => {
  process.stderr.write(`issuer failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
