// A backend with one fault, for test/faults.test.ts: a real verifier (jose against JWKS_URL, like
// the reference) that misbehaves as FAULT says. Run as a start command, or served in a test.
//   none            verifies correctly: /api/me answers the caller's sub, 401 + Bearer challenge otherwise
//   squatter        decode-only: accepts any signed-looking token (what a foreign server on the port may do)
//   die-after:N     killed (SIGKILL) on the N+1th API request
//   hang-after:N    never answers after N API requests (health included)
//   status:500      answers 500 to everything
//   delay:MS        answers everything MS late
//   escapes         refuses everything; bodies and its output carry ANSI/OSC escape sequences
//   huge            refusals carry a 100 MB body
//   squat-then-exit starts a detached squatter on PORT (its pid in SQUATTER_PID_FILE), then exits 1 as a failed bind
// COUNT_FILE, when set, gets one line per API request: its epoch milliseconds, method and path.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTVerifyOptions } from 'jose';

export const ESCAPES = '\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\x1b[2J\x1b[31mRED\x1b[0m\x1b]0;pwned\x07\r\x08\u202e';
const CHALLENGE = { 'www-authenticate': 'Bearer error="invalid_token"' };

/** How the test backends verify, as the harness tells a backend to: JWT_ISSUER, JWT_AUDIENCE (comma-separated), JWT_ALGORITHMS. */
export function verifyOptionsFrom(env: NodeJS.ProcessEnv): JWTVerifyOptions {
  return {
    issuer: env.JWT_ISSUER!,
    audience: env.JWT_AUDIENCE!.split(','),
    algorithms: (env.JWT_ALGORITHMS ?? 'EdDSA').split(','),
    requiredClaims: ['exp', 'sub'],
  };
}

export function faultBackend(fault: string, env: NodeJS.ProcessEnv = {}): Server {
  const [kind, arg] = fault.split(':') as [string, string | undefined];
  const n = Number(arg ?? 0);
  const jwks = env.JWKS_URL ? createRemoteJWKSet(new URL(env.JWKS_URL)) : undefined;
  let apiRequests = 0;

  async function subjectOf(req: IncomingMessage): Promise<string | undefined> {
    const bearer = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) return undefined;
    try {
      if (kind === 'squatter') {
        const alg = decodeProtectedHeader(bearer).alg;
        const sub = decodeJwt(bearer).sub;
        return alg && alg.toLowerCase() !== 'none' && bearer.split('.')[2] ? sub : undefined;
      }
      if (!jwks) return undefined;
      const { payload } = await jwtVerify(bearer, jwks, verifyOptionsFrom(env));
      return payload.sub;
    } catch {
      return undefined;
    }
  }

  function refuse(res: ServerResponse): void {
    if (kind === 'escapes') return void res.writeHead(401, CHALLENGE).end(`denied ${ESCAPES} denied`);
    if (kind === 'huge') {
      res.writeHead(401, { ...CHALLENGE, 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let left = 100 * 1024 * 1024;
      const pump = () => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (left = 0));
      return pump();
    }
    res.writeHead(401, CHALLENGE).end('{"error":"invalid_token"}');
  }
  /** RFC 6750 §3.1: no error code when no credentials were sent. */
  const unauthenticated = (res: ServerResponse) => void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const api = req.url?.startsWith('/api/') ?? false;
    if (api) {
      apiRequests++;
      if (env.COUNT_FILE) appendFileSync(env.COUNT_FILE, `${Date.now()} ${req.method} ${req.url}\n`);
      if (kind === 'die-after' && apiRequests > n) process.kill(process.pid, 'SIGKILL');
    }
    if (kind === 'hang-after' && apiRequests >= n && (api ? apiRequests > n : true)) return; // never answered
    if (kind === 'status') return void res.writeHead(n).end('unavailable');
    if (kind === 'delay') await new Promise((resolve) => setTimeout(resolve, n));
    if (req.url === '/health') return void res.writeHead(200).end('ok');
    if (req.url !== '/api/me') return void res.writeHead(404).end();
    if (!req.headers.authorization && kind !== 'escapes') return unauthenticated(res);
    const sub = kind === 'escapes' ? undefined : await subjectOf(req);
    if (!sub) return refuse(res);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub }));
  }

  return createServer((req, res) => void handle(req, res));
}

async function main(): Promise<void> {
  const fault = process.env.FAULT ?? 'none';
  const port = Number(process.env.PORT);
  if (fault === 'squat-then-exit') {
    const squatter = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, FAULT: 'squatter' },
      detached: true, // another process group: stopping the backend's group leaves it, as a real foreign server
      stdio: 'ignore',
    });
    squatter.unref();
    if (process.env.SQUATTER_PID_FILE) writeFileSync(process.env.SQUATTER_PID_FILE, String(squatter.pid));
    // Wait until the squatter holds the port, then fail as a bind to a taken port does.
    for (;;) {
      const answered = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
      if (answered) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.error('Error: listen EADDRINUSE: address already in use 127.0.0.1:' + port);
    process.exit(1);
  }
  if (fault === 'escapes') process.stdout.write(`starting ${ESCAPES}\n`);
  faultBackend(fault, process.env).listen(port, '127.0.0.1');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
