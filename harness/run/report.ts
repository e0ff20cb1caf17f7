// report.json (versioned: CI gates and dashboards parse `checks[].id` and `checks[].verdict`) and
// the console summary, whose last line is `N passed, N failed, ...`.
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CheckRecord, Severity, Verdict } from '../checks/model.js';
import { SEVERITIES } from '../checks/model.js';
import { writePrivateFile } from '../report/private-file.js';
import { colors, paint } from '../terminal.js';
import { inert, inertLine } from '../text.js';
import type { WaiverOutcome } from './waivers.js';
import type { ReportIssuer } from './issuer-setup.js';

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
  tool: { name: string; version: string };
  run: {
    id: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    seed: number | null;
    /** Where the time went: issuer start, backend start, the first lab's start (when labs are used), the checks themselves. */
    phasesMs: { issuer: number; target: number; labs?: number; checks: number };
    /** Requests to the backend under test recorded as evidence (each family's set-up probe aside). */
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
  };
  issuer: ReportIssuer | null;
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

/** Writes report.json and returns its path and SHA-256 (the HTML and Markdown reports quote it as evidence). */
export async function writeReport(report: Report, outDir: string): Promise<{ file: string; sha256: string }> {
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, 'report.json');
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writePrivateFile(file, text);
  return { file, sha256: createHash('sha256').update(text).digest('hex') };
}

/** The report before redaction (--keep-secrets): live tokens, session cookies, passwords. Never rendered, never uploaded on purpose. */
export const UNREDACTED_FILE = 'report.unredacted.json';

/**
 * Writes the unredacted report beside report.json (owner-only, as every report file) and returns its
 * path; without `keep`, removes one an earlier run left, so the directory holds only this run's files.
 */
export async function keepUnredacted(report: Report, outDir: string, keep: boolean): Promise<string | undefined> {
  const file = path.join(outDir, UNREDACTED_FILE);
  if (!keep) {
    await rm(file, { force: true });
    return undefined;
  }
  await writePrivateFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Verdicts in the order reports list them: what needs action first. The first three are findings. */
export const REPORT_ORDER: readonly Verdict[] = ['FAIL', 'ERROR', 'NON-STRICT', 'INFO', 'SKIP', 'PASS'];
export const FINDING_VERDICTS: readonly Verdict[] = REPORT_ORDER.slice(0, 3);

/** Sorts checks by REPORT_ORDER, then most severe first, then by ID. */
export function byReportOrder(a: CheckRecord, b: CheckRecord): number {
  const rank = (c: CheckRecord) => REPORT_ORDER.indexOf(c.verdict) * SEVERITIES.length + SEVERITIES.indexOf(c.severity);
  return rank(a) - rank(b) || a.id.localeCompare(b.id);
}

export function summaryLine(s: Summary): string {
  return `${s.pass} passed, ${s.fail} failed, ${s.nonStrict} non-strict, ${s.info} info, ${s.skip} skipped, ${s.error} errors`;
}

/** The console's summary: the backend's words (in observations and problems) are made inert first. */
export function consoleSummary(report: Report, reportFile: string): string {
  const lines: string[] = [];
  // Root causes first, each followed by one line for the outcomes that follow from it.
  // A waived outcome keeps its own line: the waiver is what a reader looks for.
  const followers = (id: string) => report.checks.filter((c) => c.sameCauseAs === id && !c.waiver);
  const roots = report.checks.filter((c) => followers(c.id).length > 0);
  const notable = [...roots, ...report.checks.filter((c) => c.verdict !== 'PASS' && (!c.sameCauseAs || c.waiver) && !roots.includes(c))];
  const line = (c: CheckRecord) => {
    const shown = c.waiver ? `${c.verdict} (waived)` : c.verdict;
    lines.push(`${paint(c.verdict, shown.padEnd(18))} ${c.id.padEnd(28)} ${c.severity.padEnd(8)} ${inertLine(c.observed).slice(0, 160)}`);
    if (c.waiver) lines.push(`${''.padEnd(18)} waived: ${inertLine(c.waiver.comment)}`);
    const same = followers(c.id);
    if (same.length) {
      const byFamily = [...new Set(same.map((f) => f.family))].map((f) => `${f} ${same.filter((x) => x.family === f).length}`).join(', ');
      lines.push(`${''.padEnd(18)} ${same.length} more with the same cause (${[...new Set(same.map((f) => f.verdict))].join('/')}; ${byFamily}): listed in the report`);
    }
  };
  for (const c of roots) line(c);
  for (const verdict of REPORT_ORDER) for (const c of notable.filter((x) => x.verdict === verdict && !roots.includes(x))) line(c);
  for (const p of report.problems) lines.push(`${colors.red('PROBLEM')}            ${inert(p)}`);
  for (const w of report.waivers?.stale ?? []) lines.push(`${colors.yellow('STALE WAIVER')}       ${w.check.padEnd(28)} ${w.reason}: remove it from ${report.waivers!.file} ("${w.comment}")`);
  for (const w of report.waivers?.expired ?? []) lines.push(`${colors.yellow('EXPIRED WAIVER')}     ${w.check.padEnd(28)} ${w.reason}: renew or remove it in ${report.waivers!.file} ("${w.comment}")`);
  const below = report.checks.filter((c) => c.verdict === 'FAIL' && !c.waiver).length - gatingFindings(report).filter((c) => c.verdict === 'FAIL').length;
  if (below > 0) lines.push(`GATE               ${below} FAIL below --fail-on ${report.gate.failOn} do not fail the run`);
  const undecided = report.checks.filter((c) => c.undecided);
  if (undecided.length > 0) {
    const budget = Math.max(...undecided.map((c) => c.undecided!.decidingBudgetS));
    lines.push(`GATE               ${undecided.map((c) => c.id).join(', ')} undecided within the wait budget: --wait-budget ${budget} would decide; ${report.gate.strict ? 'counted under --strict' : 'they fail the run only under --strict'}`);
  }
  const waived = report.checks.filter((c) => c.waiver).length;
  if (waived > 0) lines.push(`GATE               ${waived} waived by ${report.waivers!.file} do not fail the run`);
  lines.push('', `report: ${reportFile}`, `${report.checks.length} checks against ${report.target.baseUrl} in ${(report.run.durationMs / 1000).toFixed(1)} s`, summaryLine(report.summary));
  return `${lines.join('\n')}\n`;
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
