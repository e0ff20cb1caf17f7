// The issuer app's entry point: bundled to dist/issuer/issuer.mjs and run by `node` in a child
// process or a container. It listens first, so that with port 0 its base URL (and so the token
// issuer and audience) can name the port the OS picked, then builds Better Auth and its keys,
// and only then prints the `ready` event.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthContext } from 'better-auth';
import { toNodeHandler } from 'better-auth/node';
import { KeyStore } from '../../plugin/key-store.js';
import { ENV, ISSUER_APP_PATH } from '../protocol.js';
import type { AppEvent, IssuerAppConfig } from '../protocol.js';
import { createIssuerAuth, isSharedSecret, oauthProviderOn, tokenAudience, tokenIssuer } from './auth.js';
import { OAuthClientRoutes, registerOAuthClient } from './oauth.js';
import { readConfig } from './config.js';

function emit(event: AppEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** `localUrl`: where the app answers itself (the provider posts logout tokens there, inside a container too). */
async function buildApp(config: IssuerAppConfig, baseUrl: string, localUrl: string, adminToken: string | undefined, onActivity: () => void) {
  const { auth, jwtOptions } = await createIssuerAuth(config, baseUrl, adminToken ? { token: adminToken, onUse: onActivity } : undefined);
  const sharedSecret = isSharedSecret(config);
  // Every configured algorithm gets its key before anyone fetches the JWKS (avoids Better Auth's first-key race).
  const kids = await new KeyStore(async () => (await auth.$context) as unknown as AuthContext, jwtOptions, true, sharedSecret ? config.secret : undefined).ensureKeys(config.algorithms);
  const issuer = tokenIssuer(config, baseUrl);
  const audience = tokenAudience(config, baseUrl);
  const oauthProvider = oauthProviderOn(config);
  return {
    handle: toNodeHandler(auth),
    routes: new OAuthClientRoutes(adminToken, oauthProvider ? () => registerOAuthClient(auth, config, baseUrl, localUrl) : undefined),
    ready: { event: 'ready', port: 0, baseUrl, issuer, audience, kids, oauthProvider } satisfies AppEvent,
  };
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
    // The suite's OAuth client's own endpoints (outside Better Auth): its back-channel logout URI, and the client for the harness.
    if (req.url?.startsWith(`${ISSUER_APP_PATH}/`)) return app.routes.handle(req, res);
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
  const built = await buildApp(config, baseUrl, `http://${urlHost}:${port}`, adminToken, () => (lastActivity = Date.now()));
  app = built;
  lastActivity = Date.now();
  emit({ ...built.ready, port });
}

main().catch((err: unknown) => {
  process.stderr.write(`issuer failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
