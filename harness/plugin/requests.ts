// The control requests' bodies, validated before anything acts on them (a team's staging server
// runs this code: nothing unchecked reaches its keys or its database).
import { z } from 'zod';
import { ISSUER_ALGORITHMS } from '../issuer/protocol.js';
import { HttpError } from './key-store.js';

const algSchema = z.enum(ISSUER_ALGORITHMS);
const jsonObject = z.record(z.string(), z.unknown());

const rawSegment = z.union([z.string(), z.strictObject({ base64url: z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding') })]);

export const signSchema = z.strictObject({
  key: z.strictObject({ kid: z.string().optional(), alg: algSchema.optional() }).optional(),
  header: jsonObject.optional(),
  rawHeader: rawSegment.optional(),
  claims: jsonObject.optional(),
  rawPayload: rawSegment.optional(),
  defaults: z.boolean().optional(),
});

const remaining = z.number().int().positive().optional();
export const faultSchema = z.discriminatedUnion('kind', [
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

/** `kid`: the new key's id, chosen (a kid another issuer also uses: KEY-KID-CROSS-ISSUER); default Better Auth's own. */
export const rotateSchema = z.strictObject({ alg: algSchema.optional(), kid: z.string().min(1).max(200).optional() });

export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, 'invalid_request', z.prettifyError(result.error));
  return result.data;
}
