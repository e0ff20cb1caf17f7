// A Markdown summary for a pull-request comment or a CI job summary: the verdict counts, then the
// findings, most severe first (FAIL, then ERROR, then NON-STRICT, each by severity), then the
// measured values folded away.
import { coverageLines, reportCoverage } from './coverage.js';
import type { Report } from '../report-model.js';
import { FINDING_VERDICTS, byReportOrder, reproduceCommandFor, summaryLine } from '../report-model.js';
import { inertLine } from '../text.js';
import { catalogueLink } from './catalogue-link.js';
import { describeClock } from '../target/clock.js';

// GitHub renders a job summary or a comment: text the backend wrote there (observations quote its
// bodies, WWW-Authenticate values, OpenAPI path names) must stay text. Markdown's punctuation is
// backslash-escaped (no link, image, emphasis or HTML tag can start), and whatever GitHub would
// autolink without any punctuation (a URL, www., an e-mail address) goes into a code span.
const LINKISH = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.|(?:mailto|xmpp):)\S*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;
const PUNCTUATION = /[\\`*_[\]<>!|~&]/g;

/** `text` as a code span: a fence longer than any backtick run in it; pipes escaped, which GFM allows even there in a table. */
function codeSpan(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** Text from anywhere (the backend's above all) as inert Markdown on one line: control characters removed, at most `max` characters. */
export function markdownText(raw: string, max = 300): string {
  const line = inertLine(raw);
  const text = line.length > max ? `${line.slice(0, max)}…` : line;
  let out = '';
  let at = 0;
  for (const link of text.matchAll(LINKISH)) {
    // Closing punctuation after a URL is the sentence's, as GitHub's autolinking has it.
    const url = link[0].replace(/[)\].,;:!?"'>]+$/, '');
    if (!url) continue;
    out += text.slice(at, link.index).replace(PUNCTUATION, '\\$&') + codeSpan(url);
    at = link.index + url.length;
  }
  return out + text.slice(at).replace(PUNCTUATION, '\\$&');
}

const cell = markdownText;

export function markdownSummary(report: Report, options: { reportSha256?: string } = {}): string {
  const s = report.summary;
  const clockNote = describeClock(report.target.clock);
  const lines = [
    `## ba-conformance: ${markdownText(report.target.baseUrl)}`,
    '',
    ...coverageLines(reportCoverage(report)).map((line, i) => `${i === 0 ? '**Coverage:** ' : '- '}${markdownText(line)}`),
    ...(clockNote ? ['', `**Clock:** ${markdownText(clockNote)}`] : []),
    '',
    `**${summaryLine(s)}** · ${report.checks.length} checks in ${(report.run.durationMs / 1000).toFixed(1)} s · run \`${report.run.id}\` · ${report.tool.name} ${report.tool.version}${report.issuer ? ` · issuer ${report.issuer.mode}, ${report.issuer.alg.join(', ')}` : ''}`,
    '',
  ];
  const findings = report.checks.filter((c) => FINDING_VERDICTS.includes(c.verdict)).sort(byReportOrder);
  if (findings.length) {
    lines.push('| Verdict | Severity | Check | Observed | Reproduce |', '|---|---|---|---|---|');
    for (const c of findings) lines.push(`| ${c.verdict}${c.waiver ? ' (waived)' : ''} | ${c.severity} | [\`${c.id}\`](${catalogueLink(report, c.id)}) ${cell(c.title, 120)} | ${cell(c.observed)}${c.waiver ? ` — waived: ${cell(c.waiver.comment, 200)}` : ''} | ${reproduceCommandFor(c) ? `\`${reproduceCommandFor(c)}\`` : 'a new run'} |`);
    lines.push('', "Reproduce a finding with the run's own options (its config, its start command): the check runs again with fresh tokens, says whether the finding still holds, and prints each request as curl.");
  } else {
    lines.push('No findings: every check passed, was measured (INFO) or did not apply (SKIP).');
  }
  for (const p of report.problems) lines.push('', `> **Problem:** ${cell(p, 500)}`);
  for (const w of report.waivers?.stale ?? []) lines.push('', `> **Stale waiver** \`${w.check}\`: ${cell(w.reason)}; remove it from ${cell(report.waivers!.file)}.`);
  for (const w of report.waivers?.expired ?? []) lines.push('', `> **Expired waiver** \`${w.check}\`: ${cell(w.reason)}; renew or remove it in ${cell(report.waivers!.file)}.`);
  for (const c of report.checks.filter((k) => k.undecided)) {
    lines.push('', `> **Undecided within the wait budget** [\`${c.id}\`](${catalogueLink(report, c.id)}): waited ${c.undecided!.waitedS} s; \`--wait-budget ${c.undecided!.decidingBudgetS}\` would decide it${report.gate.strict ? ' (counted under --strict)' : ''}.`);
  }
  const measured = report.checks.filter((c) => c.verdict === 'INFO');
  if (measured.length) {
    lines.push('', `<details><summary>${measured.length} measured (INFO)</summary>`, '', '| Check | Observed |', '|---|---|');
    for (const c of measured) lines.push(`| [\`${c.id}\`](${catalogueLink(report, c.id)}) | ${cell(c.observed)} |`);
    lines.push('', '</details>');
  }
  if (options.reportSha256) lines.push('', `<sub>report.json SHA-256 \`${options.reportSha256}\`</sub>`);
  return `${lines.join('\n')}\n`;
}
