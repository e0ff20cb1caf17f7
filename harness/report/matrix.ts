// The Autobahn view for teams with many services: one HTML matrix of backends x checks from several
// report.json files, each cell the verdict (linked to that backend's report.html when it sits next to
// its report.json), rows grouped by family, and a filter for rows where the backends disagree or fail.
import type { CheckRecord, Verdict } from '../checks/model.js';
import type { Report } from '../report-model.js';
import { FINDING_VERDICTS, summaryLine } from '../report-model.js';
import { VERDICT_STYLE, html, page, verdictBadge } from './html-kit.js';
import type { Markup } from './html-kit.js';
import { timelineEndMs, timelineSvg } from './timeline-svg.js';

export interface MatrixColumn {
  /** The name shown over the column. */
  name: string;
  report: Report;
  /** Link to the column's HTML report, relative to the matrix file; absent when there is none. */
  htmlHref?: string;
}

/** Every check ID any column ran, sorted, and each column's checks by ID (undefined: not run there). */
export function rowsOf(columns: Pick<MatrixColumn, 'report'>[]): { ids: string[]; cellsOf: (id: string) => (CheckRecord | undefined)[] } {
  const byId = columns.map((c) => new Map(c.report.checks.map((x) => [x.id, x])));
  return { ids: [...new Set(byId.flatMap((m) => [...m.keys()]))].sort(), cellsOf: (id) => byId.map((m) => m.get(id)) };
}

/** matrix.json: which verdict each backend got on each check (for dashboards). */
export function matrixJson(columns: MatrixColumn[]): { backends: { name: string; target: string; runId: string; summary: Report['summary'] }[]; checks: Record<string, Record<string, Verdict | null>> } {
  const { ids, cellsOf } = rowsOf(columns);
  return {
    backends: columns.map((c) => ({ name: c.name, target: c.report.target.baseUrl, runId: c.report.run.id, summary: c.report.summary })),
    checks: Object.fromEntries(ids.map((id) => [id, Object.fromEntries(cellsOf(id).map((x, i) => [columns[i]!.name, x?.verdict ?? null]))])),
  };
}

const STYLE = `
body{font:13px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:16px 24px;color:#1f2328}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 6px;text-align:left}
th.backend{writing-mode:vertical-rl;transform:rotate(180deg);vertical-align:bottom;max-height:220px}
td.cell{text-align:center;padding:0}td.cell a,td.cell span{display:block;padding:2px 4px;text-decoration:none;font-size:11px;font-weight:600}
${VERDICT_STYLE}
.v-none{color:#8c959f}tr.family th{background:#f6f8fa;text-align:left}.hidden{display:none}.muted{color:#57606a}
td.waived a,td.waived span{outline:2px dashed #d4a72c;outline-offset:-3px}
.timelines{display:flex;flex-wrap:wrap;gap:12px}.timelines figure{margin:0;flex:1 1 440px;max-width:100%}
.timelines svg{width:100%;height:auto;border:1px solid #d0d7de;border-radius:4px}
.badge{display:inline-block;border-radius:4px;padding:1px 6px;font-size:11px;font-weight:600}
`;

const SCRIPT = `
const rows = [...document.querySelectorAll('tr.check')];
const mode = document.getElementById('mode');
const groups = [...document.querySelectorAll('tr.family')];
function apply() {
  for (const r of rows) r.classList.toggle('hidden', (mode.value === 'differ' && r.dataset.differ !== '1') || (mode.value === 'findings' && r.dataset.finding !== '1'));
  for (const g of groups) g.classList.toggle('hidden', !rows.some((r) => r.dataset.family === g.dataset.family && !r.classList.contains('hidden')));
}
mode.addEventListener('change', apply);
apply();
`;

/** The time-bound checks' pictures, each backend's side by side (report.html draws one backend's). */
function timelinesView(columns: MatrixColumn[], ids: string[], cellsOf: (id: string) => (CheckRecord | undefined)[]): Markup {
  const drawn = ids.filter((id) => cellsOf(id).some((x) => x?.timeline));
  if (!drawn.length) return html``;
  const sections = drawn.map((id) => {
    // One time scale for the row, so the backends' windows compare by eye.
    const endMs = Math.max(...cellsOf(id).map((x) => (x?.timeline ? timelineEndMs(x.timeline) : 1)));
    const figures = cellsOf(id).map((x, i) =>
      x?.timeline ? html`<figure><figcaption>${verdictBadge(x.verdict)} <b>${columns[i]!.name}</b> <span class="muted">${x.observed.slice(0, 200)}</span></figcaption>${timelineSvg(x.timeline, `${id} on ${columns[i]!.name}`, endMs)}</figure>` : '',
    );
    return html`<h3 id="timeline-${id}"><code>${id}</code></h3><div class="timelines">${figures}</div>`;
  });
  return html`<h2>Timelines</h2><p class="muted">Requests, JWKS fetches and key changes over time, per backend; the dashed line is the bound each run was judged by. Hover a mark for what it was.</p>${sections}`;
}

export function matrixHtml(columns: MatrixColumn[]): string {
  const { ids, cellsOf } = rowsOf(columns);
  // Any column's record of a check gives its family and severity.
  const meta = (id: string) => cellsOf(id).find(Boolean)!;
  const families = [...new Set(ids.map((id) => meta(id).family))];
  const header = html`<tr><th>check</th>${columns.map((c) => html`<th class="backend" title="${c.report.target.baseUrl}">${c.name}</th>`)}</tr>`;
  const body = families.map((family) => {
    const rows = ids
      .filter((id) => meta(id).family === family)
      .map((id) => {
        const cells = cellsOf(id);
        const verdicts = new Set(cells.map((x) => x?.verdict ?? 'none'));
        const finding = cells.some((x) => x && FINDING_VERDICTS.includes(x.verdict));
        const cellViews = cells.map((x, i) => {
          if (!x) return html`<td class="cell"><span class="v-none" title="not run">–</span></td>`;
          const label = html`${x.verdict}`;
          const tip = `${x.observed.slice(0, 300)}${x.waiver ? `\nwaived: ${x.waiver.comment}` : ''}`;
          const href = columns[i]!.htmlHref;
          return html`<td class="cell${x.waiver ? ' waived' : ''}">${href ? html`<a class="v-${x.verdict}" href="${href}#${x.id}" title="${tip}">${label}</a>` : html`<span class="v-${x.verdict}" title="${tip}">${label}</span>`}</td>`;
        });
        return html`<tr class="check" data-family="${family}" data-differ="${verdicts.size > 1 ? '1' : '0'}" data-finding="${finding ? '1' : '0'}"><td><code>${id}</code> <span class="muted">${meta(id).severity}</span></td>${cellViews}</tr>`;
      });
    return html`<tr class="family" data-family="${family}"><th colspan="${columns.length + 1}">${family}</th></tr>${rows}`;
  });
  const summaries = columns.map((c) => html`<li><b>${c.name}</b> ${c.report.target.baseUrl}: ${summaryLine(c.report.summary)} <span class="muted">(run ${c.report.run.id}, ${c.report.run.startedAt}, ${c.report.tool.name} ${c.report.tool.version})</span></li>`);
  const content = html`<h1>ba-conformance matrix: ${columns.length} backends × ${ids.length} checks</h1>
<ul>${summaries}</ul>
<p><label>Show <select id="mode"><option value="all">every check</option><option value="differ">checks where the backends differ</option><option value="findings">checks with a finding (FAIL, ERROR, NON-STRICT)</option></select></label>
<span class="muted">A dashed cell is waived by that run's baseline; hover a cell for what was observed.</span></p>
<table>${header}${body}</table>
${timelinesView(columns, ids, cellsOf)}`;
  return page(`ba-conformance matrix (${columns.length} backends)`, STYLE, content, SCRIPT);
}
