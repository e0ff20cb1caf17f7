// What a user (or a check) can ask of the issuer, validated, and turned into the app's config.
import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import { HarnessError } from '../errors.js';
import { jwtSettingsShape } from './jwt-settings.js';
import { ISSUER_ALGORITHMS } from './protocol.js';
import type { IssuerAlgorithm, IssuerAppConfig, PayloadConfig } from './protocol.js';

/** The algorithms the harness's own issuer has when none are configured: Better Auth's default. */
export const DEFAULT_ALGORITHMS: IssuerAlgorithm[] = ['EdDSA'];

export const ISSUER_MODES = ['auto', 'process', 'container'] as const;
export type IssuerMode = (typeof ISSUER_MODES)[number];

export interface IssuerOptions {
  /** `auto` (default): a container when a Docker engine answers, otherwise a child process. */
  mode?: IssuerMode;
  /** Key algorithms; the first signs /api/auth/token tokens. Default ["EdDSA"], Better Auth's default. ["HS256"]: a shared secret, no JWKS. */
  algorithms?: IssuerAlgorithm[];
  /** Better Auth's secret (BETTER_AUTH_SECRET), the HS256 key with ["HS256"]. Default: 32 random bytes. */
  secret?: string;
  /** Token `iss` (jwt.issuer). Default: the base URL. */
  issuer?: string;
  /** Token `aud` (jwt.audience). Default: the base URL. */
  audience?: string | string[];
  /** Token lifetime (jwt.expirationTime): seconds, or a time span such as "15m" (the default). */
  expirationTime?: string | number;
  /** jwks.rotationInterval in seconds. */
  rotationInterval?: number;
  /** jwks.gracePeriod in seconds. */
  gracePeriod?: number;
  /** jwt.definePayload; default the whole user row. */
  payload?: PayloadConfig;
  /** jwt.getSubject as a template with {id}, {email}, {name}; default the user id. */
  subject?: string;
  /** Better Auth's baseURL. Default: http://<host>:<port> of the listener. */
  baseUrl?: string;
  /** Where the issuer listens (process) or its port is published (container). Default 127.0.0.1. */
  host?: string;
  /** Fixed port, so a backend can be configured statically. Default 0: the OS picks. */
  port?: number;
  /** Seeds the Faker users, so a run can be reproduced. Default: random (see Issuer.seed). */
  seed?: number;
  /** How long start-up may take, image build included. Default 60 s. */
  startupTimeoutMs?: number;
  container?: {
    /** Base image with node >= 20. Default: $BA_ISSUER_BASE_IMAGE, else node:20-slim, else one built from the host's node. */
    baseImage?: string;
    /** The container exits when the harness sent no admin request for this long (a killed harness leaves nothing). Default 30 s. */
    leaseMs?: number;
  };
  /** Receives progress lines (mode chosen, image built, ...). */
  log?: (line: string) => void;
}

const optionsSchema = z.strictObject({
  ...jwtSettingsShape,
  algorithms: jwtSettingsShape.algorithms.optional(),
  expirationTime: jwtSettingsShape.expirationTime.optional(),
  mode: z.enum(ISSUER_MODES).optional(),
  secret: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  startupTimeoutMs: z.number().int().positive().optional(),
  container: z.strictObject({ baseImage: z.string().min(1).optional(), leaseMs: z.number().int().min(1000).optional() }).optional(),
  log: z.function().optional(),
});

export interface ResolvedIssuerOptions {
  mode: IssuerMode;
  host: string;
  port: number;
  seed: number;
  startupTimeoutMs: number;
  baseImage: string | undefined;
  leaseMs: number;
  log: (line: string) => void;
  /** The app config, minus where it listens (the runtime decides that). */
  app: Omit<IssuerAppConfig, 'host' | 'port'>;
}

export function resolveIssuerOptions(options: IssuerOptions): ResolvedIssuerOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new HarnessError('CONFIG_INVALID', `invalid issuer options:\n${z.prettifyError(parsed.error)}`, {
      hint: `algorithms are ${ISSUER_ALGORITHMS.join(', ')}; modes are ${ISSUER_MODES.join(', ')}`,
    });
  }
  const o = options;
  return {
    mode: o.mode ?? 'auto',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed: o.seed ?? randomInt(2 ** 31),
    startupTimeoutMs: o.startupTimeoutMs ?? 60_000,
    baseImage: o.container?.baseImage ?? (process.env.BA_ISSUER_BASE_IMAGE || undefined),
    leaseMs: o.container?.leaseMs ?? 30_000,
    log: o.log ?? (() => {}),
    app: {
      algorithms: o.algorithms ?? DEFAULT_ALGORITHMS,
      expirationTime: o.expirationTime ?? '15m',
      secret: o.secret ?? randomBytes(32).toString('base64url'),
      ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
      ...(o.issuer !== undefined ? { issuer: o.issuer } : {}),
      ...(o.audience !== undefined ? { audience: o.audience } : {}),
      ...(o.rotationInterval !== undefined ? { rotationInterval: o.rotationInterval } : {}),
      ...(o.gracePeriod !== undefined ? { gracePeriod: o.gracePeriod } : {}),
      ...(o.payload !== undefined ? { payload: o.payload } : {}),
      ...(o.subject !== undefined ? { subject: o.subject } : {}),
    },
  };
}
