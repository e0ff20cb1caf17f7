// Writing report.json (its shape is harness/report-model.ts) and the console summary, whose last line
// is `N passed, N failed, ...`.
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CheckRecord } from '../checks/model.js';
import { writePrivateFile } from '../report/private-file.js';
import { colors, paint } from '../terminal.js';
import { inert, inertLine } from '../text.js';
import type { Report } from '../report-model.js';
import { FINDING_VERDICTS, REPORT_ORDER, gatingFindings, summaryLine } from '../report-model.js';
import { capabilitySkips, coverageLines, reportCoverage } from '../report/coverage.js';

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

/** The verdict column's width: the longest label ("EXPIRED WAIVER", "NON-STRICT (waived)") and a space. */
const VERDICT_WIDTH = 20;

export interface ConsoleOptions {
  /** Findings (FAIL, NON-STRICT, ERROR), problems, gate lines and the closing lines only: no INFO or SKIP lines, and the coverage in one line. */
  quiet?: boolean;
}

/** The console's summary: the backend's words (in observations and problems) are made inert first. */
export function consoleSummary(report: Report, reportFile: string, options: ConsoleOptions = {}): string {
  // The ID column fits the longest ID the report holds (JWKS-KIDMISS-LIMITER-STARVATION), so columns line up whatever is listed.
  const idWidth = Math.max(0, ...report.checks.map((c) => c.id.length)) + 1;
  const column = (text: string) => text.padEnd(VERDICT_WIDTH);
  // What the run could test comes first: a reader of "1 failed" must see that 60 checks did not run.
  const [ran, ...missing] = coverageLines(reportCoverage(report));
  const lines: string[] = [`${column('COVERAGE')}${ran}`, ...(options.quiet ? [] : missing.map((m) => `${column('')}${m}`)), ''];
  // Root causes first, each followed by one line for the outcomes that follow from it.
  // A waived outcome keeps its own line: the waiver is what a reader looks for.
  const followers = (id: string) => report.checks.filter((c) => c.sameCauseAs === id && !c.waiver);
  const roots = report.checks.filter((c) => followers(c.id).length > 0);
  // SKIPs for a capability the run lacked: one line per capability, after the single SKIPs.
  const skipGroups = capabilitySkips(report.checks.filter((c) => !c.waiver && !roots.includes(c)));
  const grouped = new Set(skipGroups.flatMap((g) => g.checks));
  const shownVerdicts = options.quiet ? FINDING_VERDICTS : REPORT_ORDER;
  const notable = [...roots, ...report.checks.filter((c) => c.verdict !== 'PASS' && (!c.sameCauseAs || c.waiver) && !roots.includes(c) && !grouped.has(c))].filter((c) => shownVerdicts.includes(c.verdict));
  const line = (c: CheckRecord) => {
    const shown = c.waiver ? `${c.verdict} (waived)` : c.verdict;
    lines.push(`${paint(c.verdict, column(shown))}${c.id.padEnd(idWidth)}${c.severity.padEnd(9)}${inertLine(c.observed).slice(0, 160)}`);
    if (c.waiver) lines.push(`${column('')}waived: ${inertLine(c.waiver.comment)}`);
    const same = followers(c.id);
    if (same.length) {
      const byFamily = [...new Set(same.map((f) => f.family))].map((f) => `${f} ${same.filter((x) => x.family === f).length}`).join(', ');
      lines.push(`${column('')}${same.length} more with the same cause (${[...new Set(same.map((f) => f.verdict))].join('/')}; ${byFamily}): listed in the report`);
    }
  };
  for (const c of roots.filter((r) => shownVerdicts.includes(r.verdict))) line(c);
  for (const verdict of shownVerdicts) for (const c of notable.filter((x) => x.verdict === verdict && !roots.includes(x))) line(c);
  for (const g of options.quiet ? [] : skipGroups) {
    const ids = g.checks.map((c) => c.id);
    lines.push(`${paint('SKIP', column('SKIP'))}${`${ids.length} check${ids.length === 1 ? '' : 's'}`.padEnd(idWidth)}need ${g.missing}: ${ids.slice(0, 6).join(', ')}${ids.length > 6 ? `, and ${ids.length - 6} more (listed in the report)` : ''}`);
  }
  for (const p of report.problems) lines.push(`${colors.red(column('PROBLEM'))}${inert(p)}`);
  for (const w of report.waivers?.stale ?? []) lines.push(`${colors.yellow(column('STALE WAIVER'))}${w.check.padEnd(idWidth)}${w.reason}: remove it from ${report.waivers!.file} ("${w.comment}")`);
  for (const w of report.waivers?.expired ?? []) lines.push(`${colors.yellow(column('EXPIRED WAIVER'))}${w.check.padEnd(idWidth)}${w.reason}: renew or remove it in ${report.waivers!.file} ("${w.comment}")`);
  const below = report.checks.filter((c) => c.verdict === 'FAIL' && !c.waiver).length - gatingFindings(report).filter((c) => c.verdict === 'FAIL').length;
  if (below > 0) lines.push(`${column('GATE')}${below} FAIL below --fail-on ${report.gate.failOn} do not fail the run`);
  const undecided = report.checks.filter((c) => c.undecided);
  if (undecided.length > 0) {
    const budget = Math.max(...undecided.map((c) => c.undecided!.decidingBudgetS));
    lines.push(`${column('GATE')}${undecided.map((c) => c.id).join(', ')} undecided within the wait budget: --wait-budget ${budget} would decide; ${report.gate.strict ? 'counted under --strict' : 'they fail the run only under --strict'}`);
  }
  const waived = report.checks.filter((c) => c.waiver).length;
  if (waived > 0) lines.push(`${column('GATE')}${waived} waived by ${report.waivers!.file} do not fail the run`);
  lines.push('', `report: ${reportFile}`, `${report.checks.length} checks against ${report.target.baseUrl} in ${(report.run.durationMs / 1000).toFixed(1)} s`, summaryLine(report.summary));
  return `${lines.join('\n')}\n`;
}

