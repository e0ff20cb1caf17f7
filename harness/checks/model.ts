// What a check is and what it records. `id` and `verdict` are a stable interface: CI gates,
// waivers and dashboards parse them from report.json.
import type { Capability } from '../issuer/capabilities.js';

export const VERDICTS = ['PASS', 'NON-STRICT', 'FAIL', 'INFO', 'SKIP', 'ERROR'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** C forgery/impersonation, H trust-boundary/data exposure, M availability/rotation/parsing, L hardening, I measured only. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FAMILIES = ['CTL', 'FMT', 'SIG', 'KEY', 'CLM', 'XJWT', 'JWKS', 'TRN', 'ERR', 'DOS', 'ISO', 'LIFE', 'INT', 'COV'] as const;
export type Family = (typeof FAMILIES)[number];

export interface CheckMeta {
  id: string;
  /** What the check needs from the issuer (harness/issuer/capabilities.ts); a run whose mode lacks one reports it SKIP with the reason. */
  needs?: Capability[];
  title: string;
  severity: Severity;
  /** The normative sentence the check enforces. */
  requirement: string;
  /** RFC sections, CVEs, ASVS items. */
  references: string[];
  /** Where the weakness it tests sits in the public taxonomies, for scanners and reviewers (SARIF tags, the catalogue). */
  taxonomy: Taxonomy;
  /** What a secure backend does. */
  expected: string;
  /** Settings of the run it cannot do without (RUN_SETTINGS): unset, it is SKIP before anything is sent, and `run --plan` says so. */
  requires?: RunSetting[];
  /**
   * Roughly how many requests it sends, for `run --plan`: a number, or the dotted path of the config
   * setting that sets it (e.g. "jwks.stormRequests"). Without it, its family's usual count.
   */
  requests?: number | string;
  /**
   * Its PASS rests on no request reaching the attacker listener (a URL in a token not fetched): where
   * the backend cannot reach the listener (harness/attacker/reach.ts) that PASS decides nothing and is
   * SKIP with the reason. Its FAILs stand.
   */
  watchesAttacker?: boolean;
  /** false: judged over a whole run (or after a family's checks), so `reproduce` cannot run it alone. */
  alone?: false;
}

export const OWASP_API_TOP10 = {
  'API1:2023': 'Broken Object Level Authorization',
  'API2:2023': 'Broken Authentication',
  'API3:2023': 'Broken Object Property Level Authorization',
  'API4:2023': 'Unrestricted Resource Consumption',
  'API5:2023': 'Broken Function Level Authorization',
  'API6:2023': 'Unrestricted Access to Sensitive Business Flows',
  'API7:2023': 'Server Side Request Forgery',
  'API8:2023': 'Security Misconfiguration',
  'API9:2023': 'Improper Inventory Management',
  'API10:2023': 'Unsafe Consumption of APIs',
} as const;

export interface Taxonomy {
  /** CWE weaknesses (Base or Variant where one fits), the most specific first. */
  cwe: `CWE-${number}`[];
  /** CAPEC attack patterns, where one fits (none is better than a forced one). */
  capec: `CAPEC-${number}`[];
  /** The OWASP API Security Top 10 (2023) entry. */
  owaspApi: keyof typeof OWASP_API_TOP10;
}

/** What the run's settings give, as `requires` reads it. `algorithms`: the issuer's, first the signing one; undefined when only the run will know (an external issuer). */
export interface RunFacts {
  openapi: boolean;
  identityPath: boolean;
  /** Resources are configured for the isolation checks. */
  resources: boolean;
  /** Checks that ask for one get a backend of their own (a lab: harness/run/labs.ts). */
  labs: boolean;
  /** The backend trusts a second issuer the harness runs (issuer.second). */
  secondIssuer: boolean;
  algorithms?: readonly string[];
}

/** Settings a check may require: whether the run has it, and what its SKIP says when not. */
export const RUN_SETTINGS = {
  openapi: { has: (f: RunFacts) => f.openapi, missing: 'no OpenAPI document is configured (target.openapi, or --openapi /openapi.json)' },
  identityPath: { has: (f: RunFacts) => f.identityPath, missing: 'needs an identity endpoint (target.identityPath / --identity)' },
  resources: { has: (f: RunFacts) => f.resources, missing: 'no resources are configured (resources in conformance.config.ts, or --resource <collection path>)' },
  ownBackend: { has: (f: RunFacts) => f.labs, missing: "needs a backend of its own (a lab), which the harness gives a check when it starts the backend (target.start with {port}) and runs a key-pair issuer of its own: on a shared backend, a limiter it closes would cost the other checks" },
  secondIssuer: { has: (f: RunFacts) => f.secondIssuer, missing: "needs a backend that trusts two issuers, with the harness's own issuer: set issuer.second (--second-issuer), and have the backend trust the second one too (SECOND_JWKS_URL and SECOND_JWT_ISSUER in its start command's environment)" },
  eddsaSigning: { has: (f: RunFacts) => !f.algorithms || f.algorithms[0] === 'EdDSA', missing: 'the issuer does not sign with EdDSA (run with --alg EdDSA)' },
  ecdsaSigning: { has: (f: RunFacts) => !f.algorithms || /^ES(256|384|512)$/.test(f.algorithms[0] ?? ''), missing: 'the issuer does not sign with ECDSA, so there is no ECDSA signature to re-encode (run with --alg ES256 to test it)' },
  eddsaKey: { has: (f: RunFacts) => !f.algorithms || f.algorithms.includes('EdDSA'), missing: 'the issuer has no EdDSA key (run with --alg EdDSA)' },
  rs256Key: { has: (f: RunFacts) => !f.algorithms || f.algorithms.includes('RS256'), missing: "the backend is configured without RS256, so its allowlist alone refuses the weak key's tokens (run with --alg RS256 to test it)" },
} as const;
export type RunSetting = keyof typeof RUN_SETTINGS;

/** Why a check with `requires` is SKIP in a run with `facts`, or undefined when it runs (the run and `run --plan` both ask this). */
export function unmetSettings(requires: RunSetting[] | undefined, facts: RunFacts): string | undefined {
  const missing = (requires ?? []).filter((s) => !RUN_SETTINGS[s].has(facts));
  return missing.length ? missing.map((s) => RUN_SETTINGS[s].missing).join('; ') : undefined;
}

/** Every exchange a check sent, counted (checks/traffic.ts counts them), with the few the run-wide checks quote. */
export interface Traffic {
  /** Exchanges sent. */
  requests: number;
  /** Answered 5xx, except a 503 while the suite kept the keys from the backend on purpose (a fair answer then). */
  serverErrors: number;
  /** Of those, answered while the suite kept the keys from the backend, or right after (a 500 there is an unhandled key-fetch error). */
  serverErrorsDuringFault: number;
  /** Refusals of a token with a body (ERR-NO-LEAK reads these). */
  errorBodies: number;
  leaks: number;
  /** What leaked, each kind once, whether or not an exchange of it was kept. */
  leakKinds: string[];
  /** Up to KEEP of the 5xx and of the leaks, with the check they were sent for and what leaked. */
  kept: { check: string; exchange: Exchange; leak?: string }[];
}

/** A check as the catalogue lists it (docs/checks.md, `list`): its metadata and family. */
export interface CatalogueEntry extends CheckMeta {
  family: Family;
}

/** One HTTP exchange with the backend under test, kept as evidence. */
export interface Exchange {
  /** What this request tried (e.g. "alg: nOnE"). */
  label: string;
  request: { method: string; url: string; headers: Record<string, string>; token?: DecodedToken; body?: string };
  /** `bodyTruncated` says where a body longer than the harness reads was cut ("truncated at N bytes"). */
  response?: { status: number; headers: Record<string, string | string[]>; bodyExcerpt: string; bodyTruncated?: string };
  /** A transport failure: timeout, refused connection. */
  error?: string;
  outcome: Outcome;
  durationMs: number;
  /** When it was sent (ISO 8601; absent from reports written before exchanges carried it). */
  at?: string;
  /** The JWKS fault the issuer served while the request was made. */
  jwksFault?: string;
  /** Sent in a flood on purpose (DOS-VERIFY-FLOOD): a 503 is throttling, not a crash. */
  flood?: boolean;
  /** The token was valid: a refusal was an authorization decision, not a rejected token (ERR-401-CHALLENGE leaves these out). */
  validToken?: boolean;
  /** The verdict this exchange shows, where set-up exchanges come before it (SARIF's location names its route). */
  shows?: Verdict;
}

export interface Undecided {
  waitedS: number;
  decidingBudgetS: number;
}

export interface DecodedToken {
  /** The token, cut after a few KB (see `length`). */
  compact: string;
  length: number;
  header?: unknown;
  payload?: unknown;
}

/**
 * accepted: 2xx (the protected request succeeded). rejected: 401/403, or 400 (and 413/431, which refuse
 * an oversized request; configurable). server-error: 5xx (never a secure rejection; ERR-NO-5XX fails).
 * other: any other status (404, 429, 3xx...): neither, so inconclusive.
 * transport-error: no answer. For positive controls, `identity-mismatch` is a 2xx that named someone else.
 */
export type Outcome = 'accepted' | 'rejected' | 'server-error' | 'other' | 'transport-error' | 'identity-mismatch';

export interface CheckRecord extends CheckMeta {
  family: Family;
  /** The family file that ran it (DOS-HUGE-TOKEN runs with TRN): its CTL-PERSIST probe vouches for it. */
  suite?: Family;
  verdict: Verdict;
  observed: string;
  measured?: Record<string, number | string>;
  evidence: Exchange[];
  durationMs: number;
  /**
   * A time-bound check the wait budget was too short to decide (verdict INFO): what it waited, and the
   * --wait-budget that would decide it. It fails the gate only under --strict.
   */
  undecided?: Undecided;
  /** The run was interrupted (a signal, the backend's exit) before this check finished. */
  interrupted?: boolean;
  /** The cause this finding names (CheckResult.explains). */
  explains?: string | string[];
  /** Causes this outcome may follow from (CheckResult.causes). */
  causes?: string[];
  /** Causes under which this outcome means nothing (CheckResult.restsOn). */
  restsOn?: string[];
  /** The check whose finding names this outcome's cause: reported under it, not as a finding of its own mechanism. */
  sameCauseAs?: string;
  /**
   * Every exchange sent for this check (and its family's set-up before it), evidence or not, for the
   * run-wide checks and run.requests; the runner drops it before the report.
   */
  traffic?: Traffic;
  /** A baseline entry accepts this verdict: it stays visible and no longer fails the run. */
  waiver?: { comment: string; expected: Verdict; target?: string; expires?: string };
  /** What a time-bound check did on one time axis (a family with timelines: JWKS), drawn by report.html. */
  timeline?: Timeline;
}

export function familyOf(id: string): Family {
  const prefix = id.split('-', 1)[0] as Family;
  if (!FAMILIES.includes(prefix)) throw new Error(`check id ${id} does not start with a known family`);
  return prefix;
}

/** Whether --only and --skip (check ID prefixes) select this check ID. */
export function selected(run: { only?: string[] | undefined; skip?: string[] | undefined }, id: string): boolean {
  const matches = (prefixes: string[] | undefined) => prefixes?.some((p) => id.startsWith(p)) ?? false;
  return (!run.only || matches(run.only)) && !matches(run.skip);
}

// A time-bound check's timeline (harness/checks/timeline.ts records it, report/timeline-svg.ts draws it).

export interface TimelineRequest {
  /** Milliseconds from the timeline's start until the request was sent. */
  atMs: number;
  durationMs: number;
  outcome: Outcome;
  status?: number;
  label: string;
}

export interface TimelineFetch {
  atMs: number;
  /** "keys" when the real key set was served, else the fault that answered. */
  served: string;
}

export type TimelineEventKind = 'key-published' | 'key-retired' | 'key-removed' | 'fault-set' | 'fault-cleared' | 'restart';

export interface TimelineEvent {
  atMs: number;
  kind: TimelineEventKind;
  /** The kid, the fault, or how long the restart took. */
  detail: string;
}

/** One backend and issuer (a lab) seen over the check. */
export interface TimelineLane {
  label: string;
  /** Milliseconds from the timeline's start to this lane's first moment. */
  offsetMs: number;
  durationMs: number;
  requests: TimelineRequest[];
  /** Requests sent but left out beyond TIMELINE_MAX_REQUESTS (a storm): counted, not drawn. */
  requestsLeftOut?: number;
  fetches: TimelineFetch[];
  events: TimelineEvent[];
}

export interface Timeline {
  /** Epoch milliseconds of t = 0. */
  startedAtMs: number;
  /** The first lane is the check's own lab; others are scenarios it ran in labs of their own. */
  lanes: TimelineLane[];
  /** The bound the team set (jwks settings), drawn as a line: `atMs` after its anchor event in the first lane. */
  bound?: { label: string; atMs: number };
}
