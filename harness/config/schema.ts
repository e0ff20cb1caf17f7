// The config's one table: every setting once, as its schema (type, bounds and default) with its
// help, and, where it has them, its `ba-conformance run` flag, its BA_CONFORMANCE_* variable and what
// `init` writes for it. The run command's options, the environment mapping, `init`'s config and
// docs/settings.md are generated from here (settings.ts, template.ts).
import { checkPrefixProblem } from './check-prefix.js';
import { z } from 'zod';
import { RUN_ISSUER_MODES } from '../issuer/capabilities.js';
import { jwtSettingsShape } from '../issuer/jwt-settings.js';
import { ISSUER_ALGORITHMS, SHARED_SECRET_ALG } from '../issuer/protocol.js';
import { resourceSchema } from './resources.js';
import { openApiProblem, pathOn, urlPathProblem } from './target-path.js';
import { SEVERITIES } from '../checks/model.js';
import { DEFAULT_REPORT_FORMATS, REPORT_FORMATS } from '../report-model.js';

export interface SettingMeta {
  /** What it means: the flag's help, the comment above it in `init`'s config, its line in docs/settings.md. */
  help: string;
  /** The flag of `ba-conformance run` that sets it, with its argument, e.g. "--wait-budget <s>". */
  flag?: string;
  /** The environment variable that sets it, without the BA_CONFORMANCE_ prefix. */
  env?: string;
  /** How the text of a flag or variable becomes the value (default: text). Lists are space-separated flags, comma-separated variables. */
  value?: 'text' | 'list' | 'whole' | 'number' | 'switch';
  choices?: readonly string[];
  /** The default in words, where the schema has none because it is decided at run time. */
  defaultText?: string;
  /** What `init` writes: the example (else the default), as a setting when `set`, else commented out. `init: false` leaves it out. */
  example?: unknown;
  set?: boolean;
  init?: false;
}

/** A piece of TypeScript in an example (what `init` writes as is, e.g. a read of process.env). */
export class Code {
  constructor(readonly text: string) {}
}

/** `schema` without the default, prefault or optional around it, and before its transform: the object or array written. */
export function unwrapped(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** The settings' metadata, by schema (sections are registered too, with their help). */
export const settings = z.registry<SettingMeta>();
function setting<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  settings.add(schema, meta);
  return schema;
}

const pathSchema = pathOn('target');
const httpUrl = () => z.url({ protocol: /^https?$/ });
const seconds = z.number().positive().max(24 * 3600);

/** SARIF results point at a file of the team's repository: a relative path, as GitHub code scanning requires. */
const repositoryPath = z
  .string()
  .min(1)
  .refine((v) => !/^[a-z][a-z0-9+.-]*:/i.test(v) && !/^[\\/]/.test(v), 'a path relative to the repository root, without a scheme or a leading "/", e.g. src/auth/middleware.ts')
  .refine((v) => !v.split(/[\\/]/).includes('..'), 'a path inside the repository (no ".." segment)')
  .transform((v) => v.replace(/\\/g, '/').replace(/^(\.\/)+/, ''));

const target = z.strictObject({
  baseUrl: setting(httpUrl(), { help: 'base URL of the backend under test (loopback only, unless allowRemote)', flag: '--target <url>', env: 'TARGET', example: 'http://127.0.0.1:8000', set: true }),
  protectedPath: setting(pathSchema.optional(), { help: 'an endpoint that requires a bearer token and answers 2xx to a valid one (default: identityPath)', flag: '--protected <path>', env: 'PROTECTED', example: '/api/me', set: true }),
  identityPath: setting(pathSchema.optional(), { help: "an endpoint that answers with the caller's identity: acceptance then also checks the subject", flag: '--identity <path>', env: 'IDENTITY', example: '/api/me', set: true }),
  identitySubject: setting(z.string().min(1).default('sub'), { help: "dotted path of the subject in the identity endpoint's JSON" }),
  start: setting(z.string().min(1).optional(), {
    help:
      'shell command that starts (and, for the cold-start checks, restarts) the backend, with JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, JWT_ALGORITHMS and BETTER_AUTH_URL of the harness issuer, and its port as PORT and {port}: a backend that takes its port from there is started once more per lab, and the JWKS checks run side by side. Without it, run the backend yourself, trusting an issuer on a fixed port (issuer.port)',
    flag: '--start <command>',
    env: 'START',
    example: 'exec uvicorn app:app --port {port}',
  }),
  cwd: setting(z.string().optional(), { help: 'where the start command runs (default: beside this file)', example: '../api' }),
  readinessPath: setting(pathSchema.default('/health'), { help: 'polled after a start until it answers', set: true }),
  readinessTimeoutMs: setting(z.number().int().positive().default(30_000), { help: 'how long a start may take to answer readinessPath, in milliseconds' }),
  timeoutMs: setting(z.number().int().positive().default(5_000), { help: 'per-request timeout against the backend, in milliseconds', flag: '--timeout <ms>', env: 'TIMEOUT_MS', value: 'whole' }),
  concurrency: setting(z.number().int().min(1).max(64).default(8), { help: 'requests a family sends the backend at once' }),
  rejectStatuses: setting(z.array(z.number().int().min(300).max(499)).min(1).default([400, 401, 403, 413, 431]), { help: 'statuses that count as refusing a token; any other non-2xx answer makes a check inconclusive' }),
  algorithms: setting(z.array(z.string().min(1)).min(1).optional(), { help: 'the algorithms the backend is meant to accept: SIG-ALG-NOT-ALLOWED judges acceptance outside them as FAIL', example: ['EdDSA'] }),
  openapi: setting(z.string().min(1).superRefine(openApiProblem).optional(), { help: "the backend's OpenAPI document (3.x, JSON or YAML): a path on the backend, a URL or a file. Every operation it marks bearer-protected is probed (COV-PROTECTED-OPS)", flag: '--openapi <path|url|file>', env: 'OPENAPI', example: '/openapi.json' }),
  allowRemote: setting(z.boolean().default(false), { help: 'attack a backend beyond loopback (a staging host you own); off, so that a typo cannot aim the suite elsewhere' }),
  maxRps: setting(z.number().positive().max(100_000).optional(), { help: 'the most requests per second sent to the backend (a staging host must not be flooded); the storm checks scale down to it', flag: '--max-rps <n>', env: 'MAX_RPS', value: 'number', example: 50 }),
});

/** The issuer settings only the harness's own issuer reads, and those only the external mode reads (config/layers.ts sets aside the ones a run's mode does not use). */
export const HARNESS_ISSUER_SETTINGS = ['algorithms', 'issuer', 'audience', 'expirationTime', 'port', 'host', 'publicUrl', 'secret', 'second', 'secondPort'] as const;
export const EXTERNAL_ISSUER_SETTINGS = ['url', 'basePath', 'jwksUrl', 'ca', 'token', 'users'] as const;

const issuer = z
  .strictObject({
    mode: setting(z.enum(RUN_ISSUER_MODES).default('auto'), {
      help: "the issuer the backend trusts: the harness's own Better Auth (auto: a container when a Docker engine answers, else a child process; process; container), or the team's own (external, with url)",
      flag: '--issuer-mode <mode>',
      env: 'ISSUER_MODE',
      choices: RUN_ISSUER_MODES,
      set: true,
    }),
    algorithms: setting(jwtSettingsShape.algorithms.optional(), {
      help: 'what the harness issuer signs with, as your Better Auth jwt plugin does (EdDSA is its default); HS256 alone is the shared-secret mode',
      flag: '--alg <alg...>',
      env: 'ALG',
      value: 'list',
      choices: ISSUER_ALGORITHMS,
      example: ['EdDSA'],
      set: true,
    }),
    issuer: setting(jwtSettingsShape.issuer, { help: "the tokens' iss (default: the issuer's URL)", example: 'https://auth.example.test' }),
    audience: setting(jwtSettingsShape.audience, { help: "the tokens' aud (default: the issuer's URL)", example: 'https://api.example.test' }),
    expirationTime: setting(jwtSettingsShape.expirationTime.optional(), { help: "the tokens' lifetime, as Better Auth's jwt plugin takes it", example: '15m' }),
    port: setting(z.number().int().min(0).max(65535).optional(), { help: 'a fixed port, when the backend is configured statically with http://127.0.0.1:<port>/api/auth/jwks', example: 3999 }),
    host: setting(z.string().min(1).optional(), {
      help: 'the address the harness issuer listens on (default 127.0.0.1). Beyond loopback, for a remote staging backend that trusts it, it needs target.allowRemote: anyone who reaches it can read its JWKS and sign up; its admin API needs the run token',
      example: '0.0.0.0',
    }),
    publicUrl: setting(
      httpUrl()
        .refine((u) => ['', '/'].includes(new URL(u).pathname), 'an origin (scheme, host, port), without a path')
        .optional(),
      { help: "the issuer's URL as the backend reaches it (a tunnel, a DNS name): written into iss and aud, and its JWKS served under it. An origin, no path", example: 'https://issuer.staging.example.test' },
    ),
    second: setting(z.boolean().optional(), {
      help: "the backend trusts two Better Auth issuers (two deployments, or staging and a partner's): the harness starts a second one (on loopback) with the first's runtime and algorithms, its own keys, URL and iss, and the first's audience, and gives the backend its JWKS URL and iss as SECOND_JWKS_URL and SECOND_JWT_ISSUER. CLM-ISS-KEY-BINDING and KEY-KID-CROSS-ISSUER need it",
      flag: '--second-issuer',
      env: 'SECOND_ISSUER',
      value: 'switch',
      example: true,
    }),
    secondPort: setting(z.number().int().min(0).max(65535).optional(), { help: "the second issuer's fixed port (issuer.second), when the backend is configured statically", example: 3998 }),
    secret: setting(z.string().min(1).optional(), { help: 'the shared secret (BETTER_AUTH_SECRET) of the HS256 mode; default 32 random bytes. Never written to a report', env: 'SECRET', init: false }),
    url: setting(httpUrl().superRefine(urlPathProblem).optional(), { help: "external mode: Better Auth's base URL", flag: '--issuer-url <url>', env: 'ISSUER_URL', example: 'https://auth.staging.example.test' }),
    basePath: setting(pathOn('issuer').optional(), { help: "external mode: Better Auth's mount path (default /api/auth)", example: '/api/auth' }),
    jwksUrl: setting(httpUrl().superRefine(urlPathProblem).optional(), { help: 'external mode: the JWKS URL (default <url><basePath>/jwks)', flag: '--issuer-jwks-url <url>', env: 'ISSUER_JWKS_URL', example: 'https://auth.staging.example.test/api/auth/jwks' }),
    ca: setting(z.string().min(1).optional(), { help: "external mode: a PEM file of the CA that signed the issuer's TLS certificate (a private CA), trusted instead of the bundled ones", flag: '--issuer-ca <pem file>', env: 'ISSUER_CA', example: 'staging-ca.pem' }),
    token: setting(z.string().min(32, 'the conformance plugin takes a token of at least 32 characters').optional(), {
      help: "external mode: the token of the conformance plugin on the team's Better Auth (better-auth-conformance/plugin). With it the run signs its own tokens with the server's key, reads its JWKS fetch log and ends its own test users: the claim, signature and lifecycle checks run against staging. Never written to a report; give it from a secret",
      env: 'ISSUER_TOKEN',
      example: new Code("process.env.BA_CONFORMANCE_ISSUER_TOKEN"),
      init: false,
    }),
    users: setting(z.array(z.strictObject({ email: z.string().min(1), password: z.string().min(1) })).min(2).optional(), {
      help: 'external mode with sign-up closed: two existing test accounts (also BA_CONFORMANCE_USER_A and _USER_B, each email:password). Their passwords never appear in a report',
      example: [{ email: 'qa-a@example.test', password: new Code("process.env.QA_A_PASSWORD ?? ''") }, { email: 'qa-b@example.test', password: new Code("process.env.QA_B_PASSWORD ?? ''") }],
    }),
  })
  .superRefine((issuer, ctx) => {
    const external = issuer.mode === 'external';
    if (external && !issuer.url) ctx.addIssue({ code: 'custom', path: ['url'], message: "the external mode needs Better Auth's base URL (issuer.url, --issuer-url)" });
    for (const key of EXTERNAL_ISSUER_SETTINGS) {
      if (!external && issuer[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `issuer.${key} is for the external mode (issuer.mode: 'external', --issuer-mode external)` });
    }
    for (const key of HARNESS_ISSUER_SETTINGS) {
      if (external && issuer[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `issuer.${key} configures the harness's own issuer; an external issuer's settings are read from its tokens and JWKS` });
    }
    if (issuer.secondPort !== undefined && !issuer.second) ctx.addIssue({ code: 'custom', path: ['secondPort'], message: 'issuer.secondPort is the port of the second issuer: set issuer.second (--second-issuer) too' });
    if (issuer.second && (issuer.host !== undefined || issuer.publicUrl !== undefined)) ctx.addIssue({ code: 'custom', path: ['second'], message: 'issuer.second listens on loopback only: a backend that reaches the harness issuer at issuer.host or issuer.publicUrl could not reach the second one' });
    if (issuer.second && issuer.secondPort !== undefined && issuer.secondPort !== 0 && issuer.secondPort === issuer.port) ctx.addIssue({ code: 'custom', path: ['secondPort'], message: `issuer.secondPort is issuer.port (${issuer.port}): the two issuers need ports of their own` });
    if (issuer.second && issuer.algorithms?.includes(SHARED_SECRET_ALG)) ctx.addIssue({ code: 'custom', path: ['second'], message: `issuer.second needs key pairs: with a shared ${SHARED_SECRET_ALG} secret there is no key set whose keys could be bound to their issuer` });
  });

// The attacker listener serves the URLs a token names (jku, x5u, an iss to derive a JWKS from, a
// JWKS redirect): a check that passes because no request reached it decides something only where
// the backend could have reached it (harness/attacker/reach.ts).
const attacker = z.strictObject({
  host: setting(z.string().min(1).optional(), {
    help: 'the address the attacker listener binds (default 127.0.0.1). Beyond loopback, for a remote backend, it needs target.allowRemote: anyone who reaches it sees what it serves (public keys and certificates only)',
    flag: '--attacker-host <address>',
    env: 'ATTACKER_HOST',
    example: '0.0.0.0',
  }),
  publicUrl: setting(
    z
      .url({ protocol: /^http$/ })
      .refine((u) => new URL(u).port === '' && ['', '/'].includes(new URL(u).pathname) && !new URL(u).search && !new URL(u).hash, 'http://<address>, without a port or a path: each listener takes a port when it starts')
      .optional(),
    {
      help: "an address of this machine the backend reaches (http://<address>, no port: each listener takes its own): the attacker's URLs in tokens name it, and the checks that pass on no request reaching the listener (KEY-JKU, KEY-X5U, JWKS-REDIRECT, JWKS-ISS-DERIVED-URL) are decided. Without it, they are decided only for a backend that shares this machine's loopback: its JWKS fetches to the harness issuer come over loopback, or (no fetch to go by) the harness started it on loopback with the issuer on loopback; otherwise SKIP unless they fail",
      flag: '--attacker-public-url <url>',
      env: 'ATTACKER_PUBLIC_URL',
      example: 'http://10.0.0.5',
    },
  ),
});

const jwks = z.strictObject({
  maxCacheAgeS: setting(seconds.default(600), { help: 'the longest a key removed from the JWKS may keep verifying, in seconds (JWKS-REVOKE-PROPAGATION)', flag: '--max-cache-age <s>', env: 'MAX_CACHE_AGE_S', value: 'number', set: true }),
  maxRotationDelayS: setting(seconds.default(60), { help: 'the longest a newly published kid may be refused, in seconds (JWKS-ROTATE-NEWKID, recovery after an outage)', flag: '--max-rotation-delay <s>', env: 'MAX_ROTATION_DELAY_S', value: 'number', set: true }),
  waitBudgetS: setting(seconds.default(120), {
    help: 'the longest one time-bound JWKS check waits, in seconds. A check that needs longer says what it saw, and the budget that would decide it (INFO; it fails the run only under --strict)',
    flag: '--wait-budget <s>',
    env: 'WAIT_BUDGET_S',
    value: 'number',
    set: true,
  }),
  maxOutageResponseS: setting(seconds.default(10), { help: 'the longest the backend may take to answer while its JWKS is down, hanging or trickling, in seconds' }),
  maxBlockingS: setting(seconds.default(1), { help: 'the most a flood of unknown kids may add to the median time of a valid request, or of its own refusals, in seconds (JWKS-KIDMISS-BLOCKING)' }),
  stormRequests: setting(z.number().int().min(10).max(100_000).default(1_000), { help: 'requests with distinct random kids in JWKS-KIDMISS-STORM' }),
  burstRequests: setting(z.number().int().min(2).max(1_000).default(200), { help: 'concurrent requests on a cold cache in JWKS-SINGLEFLIGHT' }),
});

const run = z.strictObject({
  jobs: setting(z.number().int().min(1).max(32).optional(), {
    help: 'labs at once: with a start command, the JWKS checks each get an issuer and a backend of their own, this many side by side; 1 runs them one after another on the run\'s own',
    flag: '--jobs <n>',
    env: 'JOBS',
    value: 'whole',
    defaultText: 'three per core, as free memory allows, at most 8',
    example: 4,
  }),
});

const report = z.strictObject({
  outDir: setting(z.string().min(1).default('reports'), { help: 'where report.json and the other formats are written', flag: '--out <dir>', env: 'OUT', set: true }),
  formats: setting(z.array(z.enum(REPORT_FORMATS)).min(1).default([...DEFAULT_REPORT_FORMATS]), { help: 'the files written next to report.json (always written; har, the evidence as HTTP Archive 1.2, only when listed)', flag: '--format <formats...>', env: 'FORMAT', value: 'list', choices: REPORT_FORMATS, set: true }),
  failOn: setting(z.enum(SEVERITIES).default('info'), { help: 'the lowest severity whose FAIL fails the run (exit 1); info: any FAIL', flag: '--fail-on <severity>', env: 'FAIL_ON', choices: SEVERITIES, set: true }),
  strict: setting(z.boolean().default(false), { help: 'NON-STRICT (a SHOULD not followed) counts as FAIL, for the exit code and JUnit', flag: '--strict', env: 'STRICT', value: 'switch', set: true }),
  baseline: setting(z.string().min(1).optional(), { help: 'waivers: a YAML or JSON list of { check, comment, target?, expected?, expires? }, failures accepted for now; they stay in every report', flag: '--baseline <file>', env: 'BASELINE', example: 'conformance.baseline.yaml' }),
  sarifLocation: setting(repositoryPath.optional(), {
    help: "the repository file report.sarif's findings point at in code scanning, relative to the repository root, e.g. the auth middleware (default: the config file, else conformance.config.ts)",
    env: 'SARIF_LOCATION',
    example: 'src/auth/middleware.ts',
  }),
  catalogueUrl: setting(z.string().url().optional(), {
    help: "where the check catalogue (docs/checks.md) is published: report.html, summary.md and report.sarif link each check to <url>#<ID>, which resolves in a job summary too. Unset, they link to checks.md, written beside them",
    flag: '--catalogue-url <url>',
    env: 'CATALOGUE_URL',
    example: 'https://github.com/acme/ba-conformance/blob/v0.1.0/docs/checks.md',
  }),
  keepSecrets: setting(z.boolean().default(false), {
    help: 'also write report.unredacted.json (owner-only): the evidence with live tokens, session cookies and passwords, which every other report replaces with fingerprints. Keep it out of uploaded artifacts',
    flag: '--keep-secrets',
    env: 'KEEP_SECRETS',
    value: 'switch',
    init: false,
  }),
});

export const configSchema = z.strictObject({
  target: setting(target, { help: 'The backend under test.' }),
  issuer: setting(issuer.default({ mode: 'auto' }), { help: 'The Better Auth issuer the backend trusts.' }),
  attacker: setting(attacker.prefault({}), { help: "The attacker listener, which serves what a token's URLs point at and records every request to it." }),
  jwks: setting(jwks.prefault({}), {
    help: "What the team accepts of its backend's JWKS client, and how long the time-bound JWKS checks may wait. A bound longer than the budget (jose caches keys for 10 min) leaves JWKS-REVOKE-PROPAGATION undecided within the wait budget, while JWKS-REVOKE-AFTER-REFETCH decides in seconds whether a removed key stops verifying.",
  }),
  resources: setting(z.array(resourceSchema).default([]), {
    help: 'Resources the isolation checks (ISO-*, LIFE-DELETED-USER) create as two real users and try to reach across. Operations default to REST (POST/GET <path>, GET/PUT/DELETE <path>/{id}); strings in body may hold Faker placeholders. Also --resource <path> with --resource-body <json> and --resource-owner <dotted path>, for one',
    example: [{ path: '/api/todos', body: { title: '{{lorem.sentence}}' }, owner: 'ownerId', search: 'GET /api/todos?q={q}' }],
  }),
  run: setting(run.prefault({}), { help: 'How the run is carried out.' }),
  only: setting(z.array(z.string().min(1).superRefine(checkPrefixProblem)).optional(), { help: 'check ID prefixes to run (all when absent), e.g. SIG- CLM-EXP', flag: '--only <prefixes...>', env: 'ONLY', value: 'list', example: ['SIG-', 'CLM-'] }),
  skip: setting(z.array(z.string().min(1).superRefine(checkPrefixProblem)).optional(), { help: 'check ID prefixes to leave out, after only (e.g. JWKS- for a quicker run)', flag: '--skip <prefixes...>', env: 'SKIP', value: 'list', example: ['JWKS-'] }),
  seed: setting(z.number().int().min(0).max(2 ** 32 - 1).optional(), { help: 'seed for the generated users and data', flag: '--seed <n>', env: 'SEED', value: 'whole', example: 1234 }),
  profile: setting(z.string().min(1).optional(), { help: 'the profile (a key of profiles) laid over this file, below the environment and the flags', flag: '--profile <name>', env: 'PROFILE', example: 'staging', init: false }),
  profiles: setting(z.record(z.string().min(1), z.record(z.string(), z.unknown())).optional(), {
    help: "named sets of settings that --profile (BA_CONFORMANCE_PROFILE) lays over this file, so one config serves every route: the local run by default, staging with --profile staging. null removes a setting of the file (a staging backend is not started). A setting that does not apply to the mode a profile chooses (issuer.algorithms with the external mode) is ignored, and the run says so",
    example: {
      staging: {
        target: { baseUrl: 'https://api.staging.example.test', allowRemote: true, maxRps: 20, start: null },
        issuer: { mode: 'external', url: 'https://auth.staging.example.test', token: new Code('process.env.BA_CONFORMANCE_ISSUER_TOKEN') },
      },
    },
  }),
  report: setting(report.prefault({}), { help: 'What the run writes, and what fails it.' }),
});

export type ConformanceConfig = z.input<typeof configSchema>;
export type ResolvedConfig = z.output<typeof configSchema> & {
  target: { protectedPath: string };
  report: { sarifLocation: string };
  /** What resolving said without failing (a setting ignored for the chosen mode, and where it came from): the run prints it first. */
  notices?: string[];
};
export type JwksSettings = z.output<typeof configSchema>['jwks'];
