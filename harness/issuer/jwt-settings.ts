// The jwt() plugin settings, validated the same way where a user gives them (IssuerOptions) and
// where the issuer app reads them from its environment (so a hand-run image gets clear errors too).
import { z } from 'zod';
import { ISSUER_ALGORITHMS, SHARED_SECRET_ALG } from './protocol.js';

const timeSpan = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks|y|year|years)$/i, 'a time span such as "15m", "1h" or "30s"'),
]);

export const jwtSettingsShape = {
  algorithms: z
    .array(z.enum(ISSUER_ALGORITHMS))
    .min(1)
    .refine((a) => new Set(a).size === a.length, 'algorithms must not repeat')
    .refine((a) => !a.includes(SHARED_SECRET_ALG) || a.length === 1, `${SHARED_SECRET_ALG} (a shared secret, no JWKS) cannot be combined with key-pair algorithms`),
  issuer: z.string().min(1).optional(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  expirationTime: timeSpan,
  rotationInterval: z.number().int().positive().optional(),
  gracePeriod: z.number().int().min(0).optional(),
  payload: z
    .strictObject({
      userFields: z.union([z.literal('all'), z.array(z.string())]),
      claims: z.record(z.string(), z.unknown()).optional(),
      sessionIdClaim: z.string().min(1).optional(),
    })
    .optional(),
  subject: z.string().min(1).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
};

/**
 * Whether Better Auth's OAuth provider can run with these settings: it takes its issuer from jwt.issuer
 * and its resources from the audience, and refuses any that is not a URL (a team may give "team-api").
 */
export function oauthProviderCanRun(settings: { issuer?: string | undefined; audience?: string | string[] | undefined }): boolean {
  return [settings.issuer ?? [], settings.audience ?? []].flat().every((value) => URL.canParse(value));
}
