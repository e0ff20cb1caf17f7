// The report: its shape (report.json, versioned: CI gates and dashboards parse `checks[].id` and
// `checks[].verdict`), its summary and its gate. The names the configuration, the runner and the
// report writers share live here, below all three: it imports the check model and nothing else.
import type { CheckRecord, Severity, Verdict } from './checks/model.js';
import type { BackendClock } from './target/clock.js';
import { SEVERITIES } from './checks/model.js';
import type { PublishedKey } from './issuer/external.js';

/** The files a run can write besides report.json (--format). */
export const REPORT_FORMATS = ['json', 'junit', 'markdown', 'sarif', 'html', 'har'] as const;
/** Written unless --format says otherwise: every format but the HAR of the evidence, asked for when wanted. */
export const DEFAULT_REPORT_FORMATS = REPORT_FORMATS.filter((f) => f !== 'har');
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Where SARIF results point when neither report.sarifLocation nor a config file names a file. */
export const DEFAULT_SARIF_LOCATION = 'conformance.config.ts';

/** What report.json says of the issuer. */
export interface ReportIssuer {
  mode: string;
  alg: string[];
  issuer: string;
  audience: string | string[];
  /** null when nothing is published (a shared HS256 secret). */
  jwksUrl: string | null;
  /** What the run could do, so a SKIP's reason can be traced to the mode. */
  capabilities?: string[];
  /** external: the server tested against and the keys it publishes (RFC 7638 SHA-256 thumbprints). */
  external?: { url: string; keys: PublishedKey[]; users: 'signed up' | 'configured accounts' };
  /** shared secret: its strength, judged offline; the secret itself is never written. */
  sharedSecret?: { bytes: number; inWordlist: boolean; source: 'configured' | 'generated' };
  /** issuer.second: the second issuer the backend was told to trust. */
  second?: { issuer: string; jwksUrl: string };
}

/** What the run could test (harness/report/coverage.ts): every report format leads with it. */
export interface Coverage {
  /** The issuer and how it was used, e.g. "the external issuer at https://auth.example.test". */
  issuer: string;
  capabilities: string[];
  /** Checks that ran (any verdict but SKIP), of those selected. */
  ran: number;
  selected: number;
  /** Each capability the run lacked that a check needed: how many checks SKIP for it, and what provides it. */
  missing: { capability: string; checks: number; how: string }[];
}

/** A waiver of the baseline (--baseline), as read (harness/run/waivers.ts validates the file). */
export interface Waiver {
  /** The exact check ID. */
  check: string;
  /** The backend's base URL this waiver is for; every target when absent. */
  target?: string | undefined;
  /** The verdict that is accepted. */
  expected: 'FAIL' | 'NON-STRICT' | 'ERROR';
  /** Why it is accepted, and until when. */
  comment: string;
  /** The last day it waives (UTC, inclusive). */
  expires?: string | undefined;
}

export interface StaleWaiver extends Waiver {
  /** Why it no longer matches. */
  reason: string;
}

export interface ExpiredWaiver extends Waiver {
  expires: string;
  /** What its check is now, and that it counts for the gate again. */
  reason: string;
}

export interface WaiverOutcome {
  /** The baseline file, as given. */
  file: string;
  /** How many checks a waiver applied to. */
  applied: number;
  stale: StaleWaiver[];
  /** Waivers past their `expires` date: they waive nothing. Absent in reports written before expiry existed. */
  expired?: ExpiredWaiver[];
}

export const REPORT_SCHEMA_VERSION = 1;

export interface Summary {
  pass: number;
  nonStrict: number;
  fail: number;
  info: number;
  skip: number;
  error: number;
}

export interface Gate {
  failOn: Severity;
  strict: boolean;
}

export interface Report {
  schemaVersion: number;
  /** catalogueUrl: where the catalogue is published (report.catalogueUrl), when the run was told. */
  tool: { name: string; version: string; catalogueUrl?: string };
  run: {
    id: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    seed: number | null;
    /** Where the time went: issuer start, backend start, the first lab's start (when labs are used), the checks themselves. */
    phasesMs: { issuer: number; target: number; labs?: number; checks: number };
    /** Requests sent to the backends under test, the run's and its labs': every exchange, kept as evidence or not (the clean-up after the report aside). */
    requests: number;
    /** Labs at once (run.jobs); absent in older reports. */
    jobs?: number;
    /** Whether the JWKS checks ran in labs of their own, side by side (and why not); `peak`: the most labs open at once. */
    labs?: { used: boolean; why?: string; peak?: number };
    /** The run stopped before its end (a signal, the backend's exit): checks not finished then are ERROR "interrupted". */
    interrupted?: boolean;
    /** The signal that interrupted it, when one did. */
    signal?: string;
  };
  target: {
    baseUrl: string;
    protectedPath: string;
    identityPath: string | null;
    started: boolean;
    /** The repository file SARIF results are anchored to (report.sarifLocation, else the config file); absent in older reports. */
    sarifLocation?: string;
    /** The backend's clock as its Date header showed it, and the offset the token times were given; absent in older reports. */
    clock?: BackendClock;
  };
  issuer: ReportIssuer | null;
  /** What the run could test; absent in older reports. */
  coverage?: Coverage;
  summary: Summary;
  /** What fails the run: FAILs from this severity up, and NON-STRICT too under strict. */
  gate: Gate;
  /** The baseline applied (--baseline), with its waivers that matched nothing; null without one. */
  waivers: WaiverOutcome | null;
  /** Problems that kept the harness from deciding; a run with any exits 3 unless it has FAILs. */
  problems: string[];
  checks: CheckRecord[];
}

const KEY: Record<Verdict, keyof Summary> = { PASS: 'pass', 'NON-STRICT': 'nonStrict', FAIL: 'fail', INFO: 'info', SKIP: 'skip', ERROR: 'error' };

export function summarize(checks: CheckRecord[]): Summary {
  const summary: Summary = { pass: 0, nonStrict: 0, fail: 0, info: 0, skip: 0, error: 0 };
  for (const c of checks) summary[KEY[c.verdict]]++;
  return summary;
}

/** Verdicts in the order reports list them: what needs action first. The first three are findings. */
export const REPORT_ORDER: readonly Verdict[] = ['FAIL', 'ERROR', 'NON-STRICT', 'INFO', 'SKIP', 'PASS'];
export const FINDING_VERDICTS: readonly Verdict[] = REPORT_ORDER.slice(0, 3);

/** The command that runs a finding's check again (`ba-conformance reproduce`), with the run's own options; none for a check judged over a whole run. */
export const reproduceCommandFor = (c: Pick<CheckRecord, 'id' | 'alone'>, reportFile = 'reports/report.json'): string | undefined => (c.alone === false ? undefined : `npx ba-conformance reproduce ${reportFile} ${c.id}`);

/** Sorts checks by REPORT_ORDER, then most severe first, then by ID. */
export function byReportOrder(a: CheckRecord, b: CheckRecord): number {
  const rank = (c: CheckRecord) => REPORT_ORDER.indexOf(c.verdict) * SEVERITIES.length + SEVERITIES.indexOf(c.severity);
  return rank(a) - rank(b) || a.id.localeCompare(b.id);
}

export function summaryLine(s: Summary): string {
  return `${s.pass} passed, ${s.fail} failed, ${s.nonStrict} non-strict, ${s.info} info, ${s.skip} skipped, ${s.error} errors`;
}

/** Whether a check's verdict fails a run (at or above the gate's severity): FAIL, and under --strict NON-STRICT and what the wait budget left undecided. */
export function failsGate(c: CheckRecord, strict: boolean): boolean {
  return c.verdict === 'FAIL' || (strict && (c.verdict === 'NON-STRICT' || c.undecided !== undefined));
}

/** The checks that fail the run under its gate: failsGate at or above failOn, not waived. */
export function gatingFindings(report: Pick<Report, 'gate' | 'checks'>): CheckRecord[] {
  const floor = SEVERITIES.indexOf(report.gate.failOn);
  return report.checks.filter((c) => !c.waiver && failsGate(c, report.gate.strict) && SEVERITIES.indexOf(c.severity) <= floor);
}

/** 1 with a finding the gate counts; else 3 when the harness could not decide (an unwaived ERROR, or problems); else 0. */
export function exitCodeOf(report: Report): number {
  if (gatingFindings(report).length > 0) return 1;
  if (report.checks.some((c) => c.verdict === 'ERROR' && !c.waiver) || report.problems.length > 0) return 3;
  return 0;
}
