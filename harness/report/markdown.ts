// A Markdown summary for a pull-request comment or a CI job summary: the verdict counts, then the
// findings, most severe first (FAIL, then ERROR, then NON-STRICT, each by severity), then the
// measured values folded away.
import type { Report } from '../run/report.js';
import { FINDING_VERDICTS, byReportOrder, summaryLine } from '../run/report.js';
import { inertLine } from '../text.js';
import { catalogueLink } from './catalogue-link.js';

/** Table cells: one line, control characters removed (they quote the backend), pipes escaped, HTML-like text kept literal. */
const cell = (raw: string, max = 300) => {
  const text = inertLine(raw);
  return (text.length > max ? `${text.slice(0, max)}…` : text).replace(/\|/g, '\\|').replace(/</g, '&lt;');
};

export function markdownSummary(report: Report, options: { reportSha256?: string } = {}): string {
  const s = report.summary;
  const lines = [
    `## ba-conformance: ${report.target.baseUrl}`,
    '',
    `**${summaryLine(s)}** · ${report.checks.length} checks in ${(report.run.durationMs / 1000).toFixed(1)} s · run \`${report.run.id}\` · ${report.tool.name} ${report.tool.version}${report.issuer ? ` · issuer ${report.issuer.mode}, ${report.issuer.alg.join(', ')}` : ''}`,
    '',
  ];
  const findings = report.checks.filter((c) => FINDING_VERDICTS.includes(c.verdict)).sort(byReportOrder);
  if (findings.length) {
    lines.push('| Verdict | Severity | Check | Observed |', '|---|---|---|---|');
    for (const c of findings) lines.push(`| ${c.verdict}${c.waiver ? ' (waived)' : ''} | ${c.severity} | [\`${c.id}\`](${catalogueLink(c.id)}) ${cell(c.title, 120)} | ${cell(c.observed)}${c.waiver ? ` — waived: ${cell(c.waiver.comment, 200)}` : ''} |`);
  } else {
    lines.push('No findings: every check passed, was measured (INFO) or did not apply (SKIP).');
  }
  for (const p of report.problems) lines.push('', `> **Problem:** ${cell(p, 500)}`);
  for (const w of report.waivers?.stale ?? []) lines.push('', `> **Stale waiver** \`${w.check}\`: ${cell(w.reason)}; remove it from ${cell(report.waivers!.file)}.`);
  for (const w of report.waivers?.expired ?? []) lines.push('', `> **Expired waiver** \`${w.check}\`: ${cell(w.reason)}; renew or remove it in ${cell(report.waivers!.file)}.`);
  for (const c of report.checks.filter((k) => k.undecided)) {
    lines.push('', `> **Undecided within the wait budget** [\`${c.id}\`](${catalogueLink(c.id)}): waited ${c.undecided!.waitedS} s; \`--wait-budget ${c.undecided!.decidingBudgetS}\` would decide it${report.gate.strict ? ' (counted under --strict)' : ''}.`);
  }
  const measured = report.checks.filter((c) => c.verdict === 'INFO');
  if (measured.length) {
    lines.push('', `<details><summary>${measured.length} measured (INFO)</summary>`, '', '| Check | Observed |', '|---|---|');
    for (const c of measured) lines.push(`| [\`${c.id}\`](${catalogueLink(c.id)}) | ${cell(c.observed)} |`);
    lines.push('', '</details>');
  }
  if (options.reportSha256) lines.push('', `<sub>report.json SHA-256 \`${options.reportSha256}\`</sub>`);
  return `${lines.join('\n')}\n`;
}
