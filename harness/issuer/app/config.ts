// Reads the app's configuration from the environment. The harness passes one JSON object;
// HOST, PORT and BASE_URL also work on their own, for running the image by hand.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { jwtSettingsShape } from '../jwt-settings.js';
import { ENV } from '../protocol.js';
import type { IssuerAppConfig } from '../protocol.js';

const configSchema = z.strictObject({
  ...jwtSettingsShape,
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  // Better Auth only warns below 32 characters; a weak shared secret must be testable (SIG-WEAK-HMAC judges it).
  secret: z.string().min(1),
}) satisfies z.ZodType<IssuerAppConfig>;

export function readConfig(env: NodeJS.ProcessEnv): IssuerAppConfig {
  let fromJson: unknown = {};
  if (env[ENV.config]) {
    try {
      fromJson = JSON.parse(env[ENV.config]!);
    } catch {
      throw new Error(`${ENV.config} is not valid JSON`);
    }
  }
  const merged = {
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT ? Number(env.PORT) : 0,
    ...(env.BASE_URL ? { baseUrl: env.BASE_URL } : {}),
    algorithms: ['EdDSA'],
    expirationTime: '15m',
    secret: randomBytes(32).toString('base64url'),
    ...(fromJson as object),
  };
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new Error(`invalid issuer configuration:\n${z.prettifyError(result.error)}`);
  return result.data as IssuerAppConfig;
}
