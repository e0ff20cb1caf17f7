// The contract a user writes: conformance.config.ts with `export default defineConfig({...})`.
// Every essential setting can also come from the environment (CI) or a flag (quick runs);
// flags win over the environment, which wins over the file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';
import { z } from 'zod';
import { CODE_EXTENSION, PACKAGE } from '../paths.js';
import { HarnessError } from '../errors.js';
import { ISSUER_MODES } from '../issuer/options.js';
import { jwtSettingsShape } from '../issuer/jwt-settings.js';
import { resourceSchema } from './resources.js';
import { SEVERITIES } from '../checks/model.js';
import { REPORT_FORMATS } from '../report/index.js';
import { DEFAULT_SARIF_LOCATION } from '../report/sarif.js';

const pathSchema = z.string().regex(/^\//, 'a path starting with "/"');

/** SARIF results point at a file of the team's repository: a relative path, as GitHub code scanning requires. */
const repositoryPath = z
  .string()
  .min(1)
  .refine((v) => !/^[a-z][a-z0-9+.-]*:/i.test(v) && !/^[\\/]/.test(v), 'a path relative to the repository root, without a scheme or a leading "/", e.g. src/auth/middleware.ts')
  .refine((v) => !v.split(/[\\/]/).includes('..'), 'a path inside the repository (no ".." segment)')
  .transform((v) => v.replace(/\\/g, '/').replace(/^(\.\/)+/, ''));
const seconds = z.number().positive().max(24 * 3600);

const configSchema = z.strictObject({
  target: z.strictObject({
    /** Base URL of the backend under test (loopback only). */
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** An endpoint that requires a bearer token. */
    protectedPath: pathSchema.optional(),
    /** An endpoint that answers with the caller's identity; acceptance then also checks the subject. */
    identityPath: pathSchema.optional(),
    /** Dotted path of the subject in the identity endpoint's JSON. */
    identitySubject: z.string().min(1).default('sub'),
    /** Shell command that starts the backend, run with JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS, BETTER_AUTH_URL set. */
    start: z.string().min(1).optional(),
    cwd: z.string().optional(),
    readinessPath: pathSchema.default('/health'),
    readinessTimeoutMs: z.number().int().positive().default(30_000),
    timeoutMs: z.number().int().positive().default(5_000),
    concurrency: z.number().int().min(1).max(64).default(8),
    /** Statuses that count as a refusal of a token; any other non-2xx answer makes a check inconclusive. */
    rejectStatuses: z.array(z.number().int().min(300).max(499)).min(1).default([400, 401, 403, 413, 431]),
    /** The algorithms the backend is meant to accept: SIG-ALG-NOT-ALLOWED judges acceptance outside them as FAIL. */
    algorithms: z.array(z.string().min(1)).min(1).optional(),
    /**
     * The backend's OpenAPI document (3.x, JSON or YAML): a path on the backend ("/openapi.json"), a URL,
     * or a file. Every operation it marks bearer-protected is probed (COV-PROTECTED-OPS).
     */
    openapi: z.string().min(1).optional(),
    /** Attack a backend beyond loopback (a staging host). Off by default, so a typo cannot aim the suite elsewhere. */
    allowRemote: z.boolean().default(false),
    /** The most requests per second the suite sends the backend (a staging host must not be flooded); the storm checks scale down to it. */
    maxRps: z.number().positive().max(100_000).optional(),
  }),
  issuer: z
    .strictObject({
      /** auto, process, container: the harness's own Better Auth; external: the team's own (url). */
      mode: z.enum([...ISSUER_MODES, 'external']).default('auto'),
      algorithms: jwtSettingsShape.algorithms.optional(),
      issuer: jwtSettingsShape.issuer,
      audience: jwtSettingsShape.audience,
      expirationTime: jwtSettingsShape.expirationTime.optional(),
      port: z.number().int().min(0).max(65535).optional(),
      /**
       * The address the harness issuer listens on (default 127.0.0.1). Beyond loopback (e.g. 0.0.0.0, for a
       * remote staging backend that trusts it) it needs target.allowRemote: anyone who reaches it can read
       * its JWKS and sign up; its admin API needs the run's token.
       */
      host: z.string().min(1).optional(),
      /** The issuer's URL as the backend reaches it (a tunnel, a DNS name): written into iss and aud, and its JWKS served under it. An origin, no path. */
      publicUrl: z.url({ protocol: /^https?$/ }).refine((u) => ['', '/'].includes(new URL(u).pathname), 'an origin (scheme, host, port), without a path').optional(),
      /** The shared secret (BETTER_AUTH_SECRET) with algorithms ["HS256"]; default 32 random bytes. Never written to a report. */
      secret: z.string().min(1).optional(),
      /** external: Better Auth's base URL, its mount path (default /api/auth) and its JWKS (default <url><basePath>/jwks). */
      url: z.url({ protocol: /^https?$/ }).optional(),
      basePath: pathSchema.optional(),
      jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** external with sign-up closed: two existing test accounts. Their passwords never appear in a report. */
      users: z.array(z.strictObject({ email: z.string().min(1), password: z.string().min(1) })).min(2).optional(),
    })
    .superRefine((issuer, ctx) => {
      const external = issuer.mode === 'external';
      if (external && !issuer.url) ctx.addIssue({ code: 'custom', path: ['url'], message: "the external mode needs Better Auth's base URL (issuer.url, --issuer-url)" });
      for (const key of ['url', 'basePath', 'jwksUrl', 'users'] as const) {
        if (!external && issuer[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `issuer.${key} is for the external mode (issuer.mode: 'external', --issuer-mode external)` });
      }
      for (const key of ['algorithms', 'issuer', 'audience', 'expirationTime', 'port', 'host', 'publicUrl', 'secret'] as const) {
        if (external && issuer[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `issuer.${key} configures the harness's own issuer; an external issuer's settings are read from its tokens and JWKS` });
      }
    })
    .default({ mode: 'auto' }),
  /** What the team accepts of its backend's JWKS client, and how long the time-bound JWKS checks may wait. */
  jwks: z
    .strictObject({
      /** The longest a key removed from the JWKS may keep verifying, in seconds (JWKS-REVOKE-PROPAGATION). */
      maxCacheAgeS: seconds.default(600),
      /** The longest a newly published kid may be refused, in seconds (JWKS-ROTATE-NEWKID, recovery after an outage). */
      maxRotationDelayS: seconds.default(60),
      /** The longest one time-bound check waits, in seconds. A check that needs longer reports what it saw and that it could not conclude. */
      waitBudgetS: seconds.default(120),
      /** The longest the backend may take to answer while its JWKS is down, hanging or trickling, in seconds. */
      maxOutageResponseS: seconds.default(10),
      /** Requests with distinct random kids in JWKS-KIDMISS-STORM. */
      stormRequests: z.number().int().min(10).max(100_000).default(1_000),
      /** Concurrent requests on a cold cache in JWKS-SINGLEFLIGHT. */
      burstRequests: z.number().int().min(2).max(1_000).default(200),
    })
    .prefault({}),
  /** Resources the isolation checks (ISO-*, LIFE-DELETED-USER) create as two users and try to reach across. */
  resources: z.array(resourceSchema).default([]),
  run: z
    .strictObject({
      /**
       * Labs at once: checks that need an issuer and a backend of their own (the JWKS family) run this
       * many side by side when the harness starts the backend. 1: one after another on the run's own.
       * Default: from the cores and free memory (harness/run/labs.ts).
       */
      jobs: z.number().int().min(1).max(32).optional(),
    })
    .prefault({}),
  /** Check ID prefixes to run (e.g. ["SIG-", "CLM-EXP"]); all when absent. */
  only: z.array(z.string().min(1)).optional(),
  /** Check ID prefixes not to run (e.g. ["JWKS-"] in a quick pipeline); applied after `only`. */
  skip: z.array(z.string().min(1)).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  report: z
    .strictObject({
      outDir: z.string().min(1).default('reports'),
      /** Files written next to report.json (always written): junit.xml, summary.md, report.sarif. */
      formats: z.array(z.enum(REPORT_FORMATS)).min(1).default([...REPORT_FORMATS]),
      /** The lowest severity whose FAIL makes the run exit 1 (default: any FAIL). */
      failOn: z.enum(SEVERITIES).default('info'),
      /** NON-STRICT counts as FAIL (for the exit code and JUnit). */
      strict: z.boolean().default(false),
      /** Waivers: a YAML or JSON list of { check, comment, target?, expected?, expires? } accepted for now (see README). */
      baseline: z.string().min(1).optional(),
      /**
       * The repository file every SARIF result is anchored to (GitHub code scanning needs one), relative
       * to the repository root: e.g. the auth middleware. Default: the config file, else conformance.config.ts.
       */
      sarifLocation: repositoryPath.optional(),
    })
    .prefault({}),
});

export type ConformanceConfig = z.input<typeof configSchema>;
export type JwksSettings = z.output<typeof configSchema>['jwks'];
export type ResolvedConfig = z.output<typeof configSchema> & { target: { protectedPath: string }; report: { sarifLocation: string } };

export { defineConfig } from './define.js';

/** What flags and the environment can set; undefined leaves the file's value. */
export interface Overrides {
  target?: string;
  protectedPath?: string;
  identityPath?: string;
  start?: string;
  issuerMode?: string;
  algorithms?: string[];
  issuerUrl?: string;
  issuerJwksUrl?: string;
  secret?: string;
  /** Existing accounts as email:password (external mode with sign-up closed). */
  userA?: string;
  userB?: string;
  maxRps?: number;
  jobs?: number;
  only?: string[];
  skip?: string[];
  outDir?: string;
  seed?: number;
  timeoutMs?: number;
  waitBudgetS?: number;
  maxCacheAgeS?: number;
  maxRotationDelayS?: number;
  openapi?: string;
  /** A single resource's collection path (quick-run form of `resources`), with its create body (JSON) and owner path. */
  resource?: string;
  resourceBody?: string;
  resourceOwner?: string;
  formats?: string[];
  failOn?: string;
  strict?: boolean;
  baseline?: string;
  sarifLocation?: string;
}

export function overridesFromEnv(env: NodeJS.ProcessEnv): Overrides {
  const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);
  const number = (v: string | undefined) => (v ? Number(v) : undefined);
  return {
    target: env.BA_CONFORMANCE_TARGET,
    protectedPath: env.BA_CONFORMANCE_PROTECTED,
    identityPath: env.BA_CONFORMANCE_IDENTITY,
    start: env.BA_CONFORMANCE_START,
    issuerMode: env.BA_CONFORMANCE_ISSUER_MODE,
    algorithms: list(env.BA_CONFORMANCE_ALG),
    issuerUrl: env.BA_CONFORMANCE_ISSUER_URL,
    issuerJwksUrl: env.BA_CONFORMANCE_ISSUER_JWKS_URL,
    secret: env.BA_CONFORMANCE_SECRET,
    userA: env.BA_CONFORMANCE_USER_A,
    userB: env.BA_CONFORMANCE_USER_B,
    maxRps: number(env.BA_CONFORMANCE_MAX_RPS),
    jobs: number(env.BA_CONFORMANCE_JOBS),
    only: list(env.BA_CONFORMANCE_ONLY),
    skip: list(env.BA_CONFORMANCE_SKIP),
    outDir: env.BA_CONFORMANCE_OUT,
    seed: number(env.BA_CONFORMANCE_SEED),
    timeoutMs: number(env.BA_CONFORMANCE_TIMEOUT_MS),
    waitBudgetS: number(env.BA_CONFORMANCE_WAIT_BUDGET_S),
    maxCacheAgeS: number(env.BA_CONFORMANCE_MAX_CACHE_AGE_S),
    maxRotationDelayS: number(env.BA_CONFORMANCE_MAX_ROTATION_DELAY_S),
    openapi: env.BA_CONFORMANCE_OPENAPI,
    resource: env.BA_CONFORMANCE_RESOURCE,
    resourceBody: env.BA_CONFORMANCE_RESOURCE_BODY,
    resourceOwner: env.BA_CONFORMANCE_RESOURCE_OWNER,
    formats: list(env.BA_CONFORMANCE_FORMAT),
    failOn: env.BA_CONFORMANCE_FAIL_ON,
    baseline: env.BA_CONFORMANCE_BASELINE,
    sarifLocation: env.BA_CONFORMANCE_SARIF_LOCATION,
    strict: env.BA_CONFORMANCE_STRICT === undefined ? undefined : ['1', 'true', 'yes'].includes(env.BA_CONFORMANCE_STRICT.toLowerCase()),
  };
}

function apply(base: Record<string, any>, o: Overrides): Record<string, any> {
  const set = <T>(value: T | undefined, fn: (v: T) => void) => value !== undefined && fn(value);
  const c: Record<string, any> = { ...base, target: { ...base.target }, issuer: { ...base.issuer }, jwks: { ...base.jwks }, run: { ...base.run }, report: { ...base.report } };
  set(o.target, (v) => (c.target.baseUrl = v));
  set(o.protectedPath, (v) => (c.target.protectedPath = v));
  set(o.identityPath, (v) => (c.target.identityPath = v));
  set(o.start, (v) => (c.target.start = v));
  set(o.issuerMode, (v) => (c.issuer.mode = v));
  set(o.algorithms, (v) => (c.issuer.algorithms = v));
  set(o.issuerUrl, (v) => (c.issuer.url = v));
  set(o.issuerJwksUrl, (v) => (c.issuer.jwksUrl = v));
  set(o.secret, (v) => (c.issuer.secret = v));
  set(o.maxRps, (v) => (c.target.maxRps = v));
  set(o.jobs, (v) => (c.run.jobs = v));
  if (o.userA !== undefined || o.userB !== undefined) {
    if (o.userA === undefined || o.userB === undefined) throw new HarnessError('CONFIG_INVALID', 'BA_CONFORMANCE_USER_A and BA_CONFORMANCE_USER_B name the two test accounts together', { hint: 'set both, each as email:password' });
    c.issuer.users = [account(o.userA, 'BA_CONFORMANCE_USER_A'), account(o.userB, 'BA_CONFORMANCE_USER_B')];
  }
  set(o.only, (v) => (c.only = v));
  set(o.skip, (v) => (c.skip = v));
  set(o.waitBudgetS, (v) => (c.jwks.waitBudgetS = v));
  set(o.maxCacheAgeS, (v) => (c.jwks.maxCacheAgeS = v));
  set(o.maxRotationDelayS, (v) => (c.jwks.maxRotationDelayS = v));
  set(o.outDir, (v) => (c.report.outDir = v));
  set(o.formats, (v) => (c.report.formats = v));
  set(o.failOn, (v) => (c.report.failOn = v));
  set(o.strict, (v) => (c.report.strict = v));
  set(o.baseline, (v) => (c.report.baseline = v));
  set(o.sarifLocation, (v) => (c.report.sarifLocation = v));
  set(o.seed, (v) => (c.seed = v));
  set(o.timeoutMs, (v) => (c.target.timeoutMs = v));
  set(o.openapi, (v) => (c.target.openapi = v));
  set(o.resource, (path) => (c.resources = [{ path, ...(o.resourceBody !== undefined ? { body: parseBody(o.resourceBody) } : {}), ...(o.resourceOwner ? { owner: o.resourceOwner } : {}) }]));
  if (!o.resource && (o.resourceBody !== undefined || o.resourceOwner)) {
    throw new HarnessError('CONFIG_INVALID', '--resource-body and --resource-owner describe the resource that --resource names', { hint: 'add --resource <collection path>, e.g. --resource /api/todos' });
  }
  return c;
}

/** "email:password" (the password may contain colons); the value is never echoed, it holds a password. */
function account(value: string, name: string): { email: string; password: string } {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) throw new HarnessError('CONFIG_INVALID', `${name} is not email:password`, { hint: `e.g. ${name}=qa-a@example.com:<password>` });
  return { email: value.slice(0, at), password: value.slice(at + 1) };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HarnessError('CONFIG_INVALID', `--resource-body is not JSON: ${(err as Error).message}`, { hint: `e.g. --resource-body '{"title":"{{lorem.sentence}}"}'` });
  }
}

/** Set by loadConfigFile: the loaded file as a SARIF location, the default of report.sarifLocation. */
const LOADED_FROM = Symbol('sarif location of the config file');

/** The config file relative to the working directory (the repository root in CI); a file:// URI when it lies outside. */
function locationOf(full: string, cwd: string): string {
  const relative = path.relative(cwd, full);
  return relative.startsWith('..') || path.isAbsolute(relative) ? pathToFileURL(full).href : relative.split(path.sep).join('/');
}

/** Set by loadConfigFile: the directory of the loaded file, where the start command runs unless a flag replaced it. */
const LOADED_DIR = Symbol('directory of the config file');

/** Looked for in the working directory when no --config is given, in this order. */
export const CONFIG_FILE_NAMES = ['conformance.config.ts', 'conformance.config.mts', 'conformance.config.js', 'conformance.config.mjs'];

/** What `import ... from 'better-auth-conformance'` in a config loads: the running tool's defineConfig, installed there or not. */
const DEFINE_MODULE = fileURLToPath(new URL(`./define.${CODE_EXTENSION}`, import.meta.url));

/** Paths in a config file are relative to the file: its cwd, a baseline, an OpenAPI file (not a "/path" on the backend or a URL). */
function rebase(config: Record<string, any>, dir: string): Record<string, any> {
  const target = config.target && typeof config.target === 'object' ? { ...config.target } : undefined;
  const report = config.report && typeof config.report === 'object' ? { ...config.report } : undefined;
  if (typeof target?.cwd === 'string') target.cwd = path.resolve(dir, target.cwd);
  if (typeof target?.openapi === 'string' && !/^[a-z][a-z0-9+.-]*:|^\//i.test(target.openapi)) target.openapi = pathToFileURL(path.resolve(dir, target.openapi)).href;
  if (typeof report?.baseline === 'string') report.baseline = path.resolve(dir, report.baseline);
  return { ...config, ...(target ? { target } : {}), ...(report ? { report } : {}) };
}

/** A config as if written in a file in `dir`: its relative paths resolve against `dir`, where its start command runs. */
export function configIn(dir: string, config: Record<string, unknown>): Record<string, unknown> {
  return { ...rebase(config, dir), [LOADED_DIR]: dir };
}

export async function loadConfigFile(file: string | undefined, cwd: string): Promise<Record<string, unknown>> {
  const candidate = file ?? CONFIG_FILE_NAMES.find((name) => existsSync(path.join(cwd, name)));
  if (!candidate) return {};
  const full = path.resolve(cwd, candidate);
  if (!existsSync(full)) throw new HarnessError('CONFIG_INVALID', `config file ${full} does not exist`, { hint: 'pass --config <file>, or omit it and give --target and --protected' });
  try {
    // jiti compiles the file (TypeScript or not) whatever the package type around it, or with no package.json at all.
    const jiti = createJiti(full, { moduleCache: false, interopDefault: false, alias: { [PACKAGE.name]: DEFINE_MODULE } });
    const mod = (await jiti.import(full)) as { default?: unknown };
    if (!mod.default || typeof mod.default !== 'object') throw new Error('it has no default export; write `export default defineConfig({ ... })`');
    return { ...configIn(path.dirname(full), mod.default as Record<string, unknown>), [LOADED_FROM]: locationOf(full, cwd) };
  } catch (err) {
    throw new HarnessError('CONFIG_INVALID', `cannot load ${full}: ${(err as Error).message}`, { cause: err });
  }
}

/** The keys an object of the schema accepts at `at` (a path into the config), if it is an object. */
function keysAt(at: readonly PropertyKey[]): string[] | undefined {
  // Defaults and prefaults wrap the object schemas; arrays hold them as elements.
  const open = (schema: any): any => {
    while (schema && !schema.shape && typeof schema.unwrap === 'function') schema = schema.unwrap();
    return schema;
  };
  let schema: any = configSchema;
  for (const key of at) {
    schema = open(schema);
    schema = typeof key === 'number' ? schema?.element : schema?.shape?.[key];
  }
  schema = open(schema);
  return schema?.shape ? Object.keys(schema.shape) : undefined;
}

/** What to do about the first problem found: an unknown key names the keys that exist there. */
function hintFor(error: z.ZodError): string {
  const unknown = error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const where = unknown.path.length ? unknown.path.join('.') : 'the top level';
    const known = keysAt(unknown.path);
    return `remove or correct ${unknown.keys.map((k) => `"${k}"`).join(', ')} at ${where}${known ? `; the keys there are ${known.join(', ')}` : ''}`;
  }
  if (error.issues.some((i) => i.path[0] === 'target' && (i.path[1] === 'baseUrl' || i.path.length === 1))) {
    return 'a quick run needs --target <base URL> and --protected <path>; see `ba-conformance run --help`';
  }
  return 'correct the setting named above (in conformance.config.ts, a flag or a BA_CONFORMANCE_* variable); see `ba-conformance run --help`';
}

/** 127.0.0.0/8, ::1 or localhost (a URL's hostname keeps IPv6 brackets). */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

export function resolveConfig(fromFile: Record<string, unknown>, ...overrides: Overrides[]): ResolvedConfig {
  let merged: Record<string, any> = { target: {}, ...fromFile };
  for (const o of overrides) merged = apply(merged, o);
  // The file's start command runs beside the file; one from a flag or the environment, in the working directory.
  const fileDir = (fromFile as { [LOADED_DIR]?: string })[LOADED_DIR];
  const fileStart = (fromFile.target as { start?: unknown } | undefined)?.start;
  if (fileDir && merged.target.cwd === undefined && merged.target.start !== undefined && merged.target.start === fileStart) merged = { ...merged, target: { ...merged.target, cwd: fileDir } };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new HarnessError('CONFIG_INVALID', `invalid configuration:\n${z.prettifyError(parsed.error)}`, { hint: hintFor(parsed.error) });
  }
  const config = parsed.data;
  const protectedPath = config.target.protectedPath ?? config.target.identityPath;
  if (!protectedPath) {
    throw new HarnessError('CONFIG_INVALID', 'invalid configuration: target.protectedPath is missing', {
      hint: 'give the path of an endpoint that requires a bearer token (--protected /api/me), or an identity endpoint (--identity)',
    });
  }
  if (!isLoopback(new URL(config.target.baseUrl).hostname) && !config.target.allowRemote) {
    throw new HarnessError('CONFIG_INVALID', `target.baseUrl ${config.target.baseUrl} is not a loopback address`, {
      hint: 'to attack a backend on another host (a staging server you own), set target.allowRemote: true in conformance.config.ts',
    });
  }
  if (config.issuer.host !== undefined && !isLoopback(config.issuer.host) && !config.target.allowRemote) {
    throw new HarnessError('CONFIG_INVALID', `issuer.host ${config.issuer.host} is not a loopback address: anyone who can reach it could read the issuer's JWKS and sign up users`, {
      hint: 'for a remote backend that trusts the harness issuer, set target.allowRemote: true as well (and issuer.publicUrl to the URL it reaches the issuer at)',
    });
  }
  const loadedFrom = (fromFile as { [LOADED_FROM]?: string })[LOADED_FROM];
  return { ...config, target: { ...config.target, protectedPath }, report: { ...config.report, sarifLocation: config.report.sarifLocation ?? loadedFrom ?? DEFAULT_SARIF_LOCATION } };
}
