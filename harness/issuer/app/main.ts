// The issuer app's entry point: bundled to dist/issuer/issuer.mjs and run by `node` in a child
// process or a container. It listens first, so that with port 0 its base URL (and so the token
// issuer and audience) can name the port the OS picked, then builds Better Auth and its keys,
// and only then prints the `ready` event.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from 'better-auth/node';
import { toExpJWT } from 'better-auth/plugins';
import { ENV, JWKS_PATH, REDIRECT_TARGET_PATH } from '../protocol.js';
import type { AppEvent, IssuerAppConfig } from '../protocol.js';
import { createAdminRouter, sendJson } from './admin.js';
import { createIssuerAuth, isSharedSecret } from './auth.js';
import { readConfig } from './config.js';
import { JwksFront } from './jwks.js';
import { KeyStore } from './keys.js';

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

function emit(event: AppEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function buildApp(config: IssuerAppConfig, baseUrl: string, adminToken: string | undefined, onActivity: () => void) {
  const { auth, jwtOptions } = await createIssuerAuth(config, baseUrl);
  const sharedSecret = isSharedSecret(config);
  const keys = new KeyStore(auth, jwtOptions, sharedSecret ? config.secret : undefined);
  const kids = await keys.ensureKeys(config.algorithms);
  const jwks = new JwksFront(() => auth.api.getJwks() as Promise<{ keys: unknown[] }>);
  const issuer = config.issuer ?? baseUrl;
  const audience = config.audience ?? baseUrl;
  const tokenDefaults = () => {
    const iat = Math.floor(Date.now() / 1000);
    return { iat, exp: toExpJWT(config.expirationTime as Parameters<typeof toExpJWT>[0], iat), iss: issuer, aud: audience };
  };
  const admin = adminToken ? createAdminRouter({ token: adminToken, auth, keys, jwks, tokenDefaults, onActivity }) : null;
  const authHandler = toNodeHandler(auth);

  const handle: RequestHandler = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer.invalid');
    if (admin && (await admin(req, res, url))) return;
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    // A shared secret publishes nothing: /jwks is Better Auth's own 404 (jwks.remoteUrl is set).
    if (!sharedSecret && isRead && url.pathname === JWKS_PATH && (await jwks.handle(req, res, true))) return;
    if (!sharedSecret && isRead && url.pathname === REDIRECT_TARGET_PATH) {
      await jwks.handle(req, res, false);
      return;
    }
    await authHandler(req, res);
  };
  return { handle, jwks, ready: { event: 'ready', port: 0, baseUrl, issuer, audience, kids } satisfies AppEvent };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const adminToken = process.env[ENV.adminToken] || undefined;
  if (adminToken !== undefined && adminToken.length < 32) throw new Error(`${ENV.adminToken} must be at least 32 characters`);

  let lastActivity = Date.now();
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  const server = http.createServer((req, res) => {
    if (!app) return sendJson(res, 503, { error: 'starting', message: 'the issuer is still starting' });
    app.handle(req, res).catch((err: unknown) => {
      process.stderr.write(`request ${req.method} ${req.url} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'issuer error' });
      else res.destroy();
    });
  });

  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    emit({ event: 'stopping', reason });
    for (const res of app?.jwks.hanging ?? []) res.destroy();
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
      if (Date.now() - lastActivity > leaseMs) shutdown(`lease expired: no admin request for ${leaseMs} ms`);
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
