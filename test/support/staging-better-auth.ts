// A stand-in for a team's staging Better Auth, for the external-mode tests: a plain Better Auth app
// written the way its documentation shows (the jwt() plugin with its defaults, email and password,
// user deletion enabled), with nothing of the harness's issuer code: no control routes, no fault
// injection, no access to its keys. With CONFORMANCE_TOKEN set, the team has added the conformance
// plugin as its README shows (and nothing else of the harness); with DELETE_USER=off, Better Auth's
// /delete-user keeps its default (off). Started by the test as its own process:
//   PORT=0 node --import tsx test/support/staging-better-auth.ts   → prints {"event":"listening","port":N}
// One read-only route outside Better Auth, for the tests to see what a run left behind:
//   GET /__staging/state → { users: [{ id, email }], sessions: [{ userId, expiresAt }], keys: [kid] } (live sessions only)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { betterAuth } from 'better-auth';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import { conformance } from '../../harness/plugin/index.js';

const { memoryAdapter } = await import('better-auth/adapters/memory');

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const db: Record<string, Record<string, unknown>[]> = { user: [], session: [], account: [], verification: [], jwks: [] };
const auth = betterAuth({
  baseURL,
  secret: process.env.BETTER_AUTH_SECRET ?? 'staging-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  database: memoryAdapter(db),
  emailAndPassword: { enabled: true },
  // DELETE_USER=off: Better Auth's own default (the run must then delete its users through the plugin).
  user: { deleteUser: { enabled: process.env.DELETE_USER !== 'off' } },
  // A staging server may throttle; this one does not, so the test stays fast.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' },
  plugins: [jwt(), ...(process.env.CONFORMANCE_TOKEN ? [conformance({ token: process.env.CONFORMANCE_TOKEN })] : [])],
});

const handler = toNodeHandler(auth);
server.on('request', (req, res) => {
  if (req.method === 'GET' && req.url === '/__staging/state') {
    const live = db.session!.filter((s) => new Date(s.expiresAt as string | Date).getTime() > Date.now());
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ users: db.user!.map((u) => ({ id: u.id, email: u.email })), sessions: live.map((s) => ({ userId: s.userId, expiresAt: s.expiresAt })), keys: db.jwks!.map((k) => k.id) }));
    return;
  }
  void handler(req, res);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ event: 'listening', port: (server.address() as AddressInfo).port })}\n`);
