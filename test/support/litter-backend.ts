// A small backend for the clean-up tests: it verifies the issuer's JWTs (JWKS_URL, JWT_ISSUER,
// JWT_AUDIENCE), answers /api/me, and keeps a todo list per user under /api/todos (create, read,
// update, delete, list, owner from the token). Two routes outside the API let a test look inside:
//   GET /__todos → every todo, whoever owns it;  GET /__env → the names of its environment variables.
// Started as: PORT=<n> node --import tsx test/support/litter-backend.ts
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const jwks = createRemoteJWKSet(new URL(process.env.JWKS_URL ?? 'http://127.0.0.1:9/jwks'));
const todos = new Map<string, { id: string; ownerId: string; title: string; done: boolean }>();

async function subjectOf(req: http.IncomingMessage): Promise<string | undefined> {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return undefined;
  const audience = process.env.JWT_AUDIENCE?.split(',');
  const { payload } = await jwtVerify(token, jwks, { ...(process.env.JWT_ISSUER ? { issuer: process.env.JWT_ISSUER } : {}), ...(audience ? { audience } : {}) }).catch(() => ({ payload: undefined }));
  return payload?.sub;
}

async function bodyOf(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) if ((text += chunk).length > 65_536) break;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const server = http.createServer(async (req, res) => {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
    res.end(JSON.stringify(body));
  };
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/health') return send(200, { ok: true });
  if (url.pathname === '/__todos') return send(200, [...todos.values()]);
  if (url.pathname === '/__env') return send(200, Object.keys(process.env));
  const sub = await subjectOf(req);
  if (!sub) return send(401, { error: 'unauthorized' });
  if (url.pathname === '/api/me') return send(200, { sub });
  if (url.pathname === '/api/todos') {
    if (req.method === 'GET') return send(200, [...todos.values()].filter((t) => t.ownerId === sub));
    if (req.method === 'POST') {
      const body = await bodyOf(req);
      const todo = { id: randomUUID(), ownerId: sub, title: String(body.title ?? ''), done: Boolean(body.done) };
      todos.set(todo.id, todo);
      return send(201, todo);
    }
  }
  const id = /^\/api\/todos\/([^/]+)$/.exec(url.pathname)?.[1];
  const todo = id ? todos.get(decodeURIComponent(id)) : undefined;
  if (!todo || todo.ownerId !== sub) return send(404, { error: 'not found' });
  if (req.method === 'GET') return send(200, todo);
  if (req.method === 'PUT' || req.method === 'PATCH') {
    const body = await bodyOf(req);
    Object.assign(todo, { title: String(body.title ?? todo.title), done: Boolean(body.done ?? todo.done) });
    return send(200, todo);
  }
  if (req.method === 'DELETE') {
    todos.delete(todo.id);
    return send(200, { deleted: todo.id });
  }
  send(405, { error: 'method not allowed' });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
