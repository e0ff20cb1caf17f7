// Test-only control routes. Mounted only when the harness started the issuer with an admin token,
// and every request must carry that token: `Authorization: Bearer <admin token>`.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ADMIN_PREFIX, ISSUER_ALGORITHMS } from '../protocol.js';
import type { IssuerAuth } from './auth.js';
import type { JwksFront } from './jwks.js';
import { HttpError } from './keys.js';
import type { KeyStore } from './keys.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

const algSchema = z.enum(ISSUER_ALGORITHMS);
const jsonObject = z.record(z.string(), z.unknown());

const rawSegment = z.union([z.string(), z.strictObject({ base64url: z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding') })]);

const signSchema = z.strictObject({
  key: z.strictObject({ kid: z.string().optional(), alg: algSchema.optional() }).optional(),
  header: jsonObject.optional(),
  rawHeader: rawSegment.optional(),
  claims: jsonObject.optional(),
  rawPayload: rawSegment.optional(),
  defaults: z.boolean().optional(),
});

const remaining = z.number().int().positive().optional();
const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('status'),
    status: z.number().int().min(200).max(599).optional(), // 1xx cannot carry the body
    body: z.string().optional(),
    contentType: z.string().optional(),
    remaining,
  }),
  z.strictObject({ kind: z.literal('hang'), remaining }),
  z.strictObject({
    kind: z.literal('slow'),
    bytesPerChunk: z.number().int().positive().optional(),
    intervalMs: z.number().int().positive().optional(),
    remaining,
  }),
  z.strictObject({ kind: z.literal('invalid-json'), remaining }),
  z.strictObject({ kind: z.literal('empty-keys'), remaining }),
  z.strictObject({ kind: z.literal('html'), remaining }),
  z.strictObject({
    kind: z.literal('redirect'),
    location: z.url(),
    status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).optional(),
    remaining,
  }),
  z.strictObject({
    kind: z.literal('extra-keys'),
    keys: z.array(jsonObject),
    position: z.enum(['before', 'after']).optional(),
    remaining,
  }),
  z.strictObject({ kind: z.literal('reset'), remaining }),
  z.strictObject({ kind: z.literal('decorate'), fields: jsonObject, remaining }),
  z.strictObject({ kind: z.literal('huge'), bytes: z.number().int().positive().max(100 * 1024 * 1024), remaining }),
  z.strictObject({ kind: z.literal('headers'), headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/), z.string()), remaining }),
]);

export interface AdminDeps {
  token: string;
  auth: IssuerAuth;
  keys: KeyStore;
  jwks: JwksFront;
  /** Claims /api/auth/token would add (iat, exp, iss, aud), for sign requests with `defaults`. */
  tokenDefaults: () => Record<string, unknown>;
  /** Called on every authenticated request: the lease the harness keeps alive. */
  onActivity: () => void;
}

type Handler = (body: unknown, params: string[], url: URL) => Promise<unknown>;
type Route = { method: string; pattern: RegExp; handler: Handler };

export function createAdminRouter(deps: AdminDeps) {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const routes: Route[] = [
    { method: 'GET', pattern: /^\/keys$/, handler: async () => deps.keys.list() },
    {
      method: 'POST',
      pattern: /^\/keys$/,
      handler: async (body) => deps.keys.rotate(parse(z.strictObject({ alg: algSchema.optional() }), body ?? {}).alg),
    },
    { method: 'POST', pattern: /^\/keys\/([^/]+)\/retire$/, handler: async (_b, [kid]) => deps.keys.retire(kid!) },
    { method: 'DELETE', pattern: /^\/keys\/([^/]+)$/, handler: async (_b, [kid]) => deps.keys.remove(kid!) },
    { method: 'POST', pattern: /^\/sign$/, handler: async (body) => deps.keys.sign(parse(signSchema, body), deps.tokenDefaults) },
    { method: 'GET', pattern: /^\/jwks\/fault$/, handler: async () => ({ fault: deps.jwks.currentFault() }) },
    {
      method: 'PUT',
      pattern: /^\/jwks\/fault$/,
      handler: async (body) => {
        const fault = parse(faultSchema, body);
        deps.jwks.setFault(fault);
        return { fault };
      },
    },
    { method: 'DELETE', pattern: /^\/jwks\/fault$/, handler: async () => deps.jwks.setFault(null) },
    {
      method: 'GET',
      pattern: /^\/jwks\/fetches$/,
      handler: async (_b, _p, url) => deps.jwks.fetches(Number(url.searchParams.get('since') ?? 0)),
    },
    { method: 'DELETE', pattern: /^\/jwks\/fetches$/, handler: async () => deps.jwks.resetFetches() },
    {
      method: 'POST',
      pattern: /^\/users\/([^/]+)\/revoke-sessions$/,
      handler: async (_b, [userId]) => {
        const ctx = await deps.auth.$context;
        await requireUser(deps.auth, userId!);
        await ctx.internalAdapter.deleteUserSessions(userId!);
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/users\/([^/]+)$/,
      handler: async (_b, [userId]) => {
        const ctx = await deps.auth.$context;
        await requireUser(deps.auth, userId!);
        await ctx.internalAdapter.deleteUser(userId!);
      },
    },
    { method: 'POST', pattern: /^\/lease$/, handler: async () => undefined },
  ];

  /** Returns false when the request is not an admin request. */
  return async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname !== ADMIN_PREFIX && !url.pathname.startsWith(`${ADMIN_PREFIX}/`)) return false;
    try {
      if (!authorized(req)) throw new HttpError(401, 'unauthorized', 'admin routes need the per-run admin token');
      deps.onActivity();
      const path = url.pathname.slice(ADMIN_PREFIX.length);
      const candidates = routes.filter((r) => r.pattern.test(path));
      const route = candidates.find((r) => r.method === req.method);
      if (!route) {
        throw candidates.length > 0
          ? new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
          : new HttpError(404, 'not_found', `no admin route ${url.pathname}`);
      }
      const params = route.pattern.exec(path)!.slice(1).map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          throw new HttpError(400, 'invalid_path', `malformed escape in ${url.pathname}`);
        }
      });
      const result = await route.handler(await readJson(req), params, url);
      if (result === undefined) res.writeHead(204).end();
      else sendJson(res, 200, result);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal', err instanceof Error ? err.message : String(err));
      if (e.status === 401) res.setHeader('www-authenticate', 'Bearer realm="ba-conformance-admin"');
      sendJson(res, e.status, { error: e.code, message: e.message });
    }
    return true;
  };
}

async function requireUser(auth: IssuerAuth, userId: string): Promise<void> {
  const ctx = await auth.$context;
  if (!(await ctx.internalAdapter.findUserById(userId))) throw new HttpError(404, 'user_not_found', `no user with id "${userId}"`);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, 'invalid_request', z.prettifyError(result.error));
  return result.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too_large', `admin request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
