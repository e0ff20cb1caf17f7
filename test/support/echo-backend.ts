// A backend for test/redaction.test.ts, started by the harness (--start), that makes its reports
// hold as many credentials as a careless backend can: a real verifier (jose against JWKS_URL, like
// the reference) that echoes every request's credentials in its 401 bodies and sets a session
// cookie of its own on each answer. RECEIVED_FILE gets one JSON line per API request with every
// credential it received and the cookie it set, so the test knows each secret the run handled.
//   MODE=echo       as above
//   MODE=markdown   refuses everything: its body and WWW-Authenticate carry Markdown links, an
//                   image, an HTML tag, and the body ANSI escapes (headers cannot carry them)
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { verifyOptionsFrom } from './fault-backend.js';

export const HOSTILE_MARKDOWN = '[click](http://evil.example/x) ![x](http://evil.example/p.png) <img src=x> <http://evil.example/auto>';
export const HOSTILE_BODY = `denied ${HOSTILE_MARKDOWN} \x1b[31mRED\x1b[0m \x1b]8;;http://evil.example/\x07osc\x1b]8;;\x07`;

const env = process.env;

async function subjectOf(jwks: ReturnType<typeof createRemoteJWKSet>, authorization: string | undefined): Promise<string | undefined> {
  const bearer = /^Bearer ([^\s]+)$/i.exec(authorization ?? '')?.[1];
  if (!bearer) return undefined;
  try {
    const { payload } = await jwtVerify(bearer, jwks, verifyOptionsFrom(env));
    return payload.sub;
  } catch {
    return undefined;
  }
}

async function handle(jwks: ReturnType<typeof createRemoteJWKSet>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === '/health') return void res.writeHead(200).end('ok');
  const url = new URL(req.url ?? '/', 'http://backend');
  if (url.pathname !== '/api/me') return void res.writeHead(404).end();
  const received = { authorization: req.headers.authorization, xAuthToken: req.headers['x-auth-token'], cookie: req.headers.cookie, query: Object.fromEntries(url.searchParams) };
  if (env.MODE === 'markdown') {
    return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${HOSTILE_MARKDOWN}"` }).end(HOSTILE_BODY);
  }
  const session = randomBytes(24).toString('base64url');
  if (env.RECEIVED_FILE) appendFileSync(env.RECEIVED_FILE, `${JSON.stringify({ ...received, setCookie: session })}\n`);
  res.setHeader('set-cookie', `backend_session=${session}; Path=/; HttpOnly`);
  const sub = await subjectOf(jwks, req.headers.authorization);
  if (!sub) {
    return void res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_token', received: { ...received, url: req.url } }));
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub, received }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const jwks = createRemoteJWKSet(new URL(env.JWKS_URL!));
  createServer((req, res) => void handle(jwks, req, res)).listen(Number(env.PORT), '127.0.0.1');
}
