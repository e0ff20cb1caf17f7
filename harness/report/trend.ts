// One backend over successive runs (`merge --over-time`): which checks changed verdict, from what to
// what, and in which run; the counts of each run as a small chart. trend.json carries the same for
// dashboards. Runs are ordered by when they started, whatever order the files were given in.
import type { Verdict } from '../checks/model.js';
import { VERDICTS } from '../checks/model.js';
import type { Report } from '../report-model.js';
import { summaryLine } from '../report-model.js';
import { HarnessError } from '../errors.js';
import { Markup, VERDICT_COLOUR, VERDICT_STYLE, html, page, verdictBadge } from './html-kit.js';
import { rowsOf } from './matrix.js';
import { targetName } from './sarif.js';

export interface TrendRun {
  /** The name given (name=path) or the report's directory. */
  name: string;
  report: Report;
}

export interface TrendChange {
  check: string;
  /** The run (its name) in which the verdict changed, and when it started. */
  run: string;
  startedAt: string;
  from: Verdict | null;
  to: Verdict | null;
}


/** The runs in the order they started; refused when they are not of one backend. */
export function orderRuns(runs: TrendRun[]): TrendRun[] {
  const backends = [...new Set(runs.map((r) => targetName(r.report.target)))];
  if (backends.length > 1) {
    const which = runs.map((r) => `${r.name}: ${targetName(r.report.target)}`).join(', ');
    throw new HarnessError('USAGE', `merge --over-time compares runs of one backend (its host and protected path), but these name ${backends.length}: ${which}. To compare backends, run merge without --over-time.`);
  }
  return [...runs].sort((a, b) => a.report.run.startedAt.localeCompare(b.report.run.startedAt));
}

/** Every change of verdict between one run and the next (a check that starts or stops running counts, as null). */
export function trendChanges(ordered: TrendRun[]): TrendChange[] {
  const { ids, cellsOf: cells } = rowsOf(ordered);
  return ids.flatMap((check) => {
    const row = cells(check).map((c) => c?.verdict ?? null);
    return row.flatMap((to, i) => (i > 0 && row[i - 1] !== to ? [{ check, run: ordered[i]!.name, startedAt: ordered[i]!.report.run.startedAt, from: row[i - 1]!, to }] : []));
  });
}

/** trend.json: the runs, each check's verdict per run, and the changes. */
export function trendJson(ordered: TrendRun[]) {
  const { ids, cellsOf: cells } = rowsOf(ordered);
  return {
    backend: targetName(ordered[0]!.report.target),
    runs: ordered.map((r) => ({ name: r.name, id: r.report.run.id, startedAt: r.report.run.startedAt, tool: r.report.tool.version, summary: r.report.summary })),
    checks: Object.fromEntries(ids.map((id) => [id, cells(id).map((c) => c?.verdict ?? null)])),
    changes: trendChanges(ordered),
  };
}

/** Each run's verdict counts as a stacked bar: the shape of the backend's history at a glance. */
function chart(ordered: TrendRun[]): Markup {
  const barW = 28;
  const gap = 14;
  const height = 120;
  const most = Math.max(1, ...ordered.map((r) => r.report.checks.length));
  const bars = ordered.map((r, i) => {
    let y = height;
    const x = 40 + i * (barW + gap);
    const segments = VERDICTS.map((v) => {
      const n = r.report.checks.filter((c) => c.verdict === v).length;
      if (!n) return '';
      const h = (n / most) * (height - 10);
      y -= h;
      return html`<rect x="${x}" y="${Math.round(y * 10) / 10}" width="${barW}" height="${Math.round(h * 10) / 10}" fill="${VERDICT_COLOUR[v]}"><title>${r.name}: ${n} ${v}</title></rect>`;
    });
    return html`${segments}<text x="${x + barW / 2}" y="${height + 14}" font-size="10" text-anchor="middle">${i + 1}</text>`;
  });
  const width = 40 + ordered.length * (barW + gap) + 20;
  return html`<svg class="trend" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height + 20}" width="${width}" height="${height + 20}" font-family="system-ui,sans-serif"><title>verdicts per run</title><text x="0" y="10" font-size="10" fill="#57606a">${most}</text><text x="0" y="${height}" font-size="10" fill="#57606a">0</text>${bars}</svg>`;
}

const STYLE = `
body{font:13px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:16px 24px;color:#1f2328}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 6px;text-align:left}
.badge{display:inline-block;border-radius:4px;padding:1px 6px;font-size:11px;font-weight:600}
${VERDICT_STYLE}
.muted{color:#57606a}.hidden{display:none}td.none{color:#8c959f;text-align:center}
`;

const SCRIPT = `
const rows = [...document.querySelectorAll('tr.check')];
const mode = document.getElementById('mode');
function apply() { for (const r of rows) r.classList.toggle('hidden', mode.value === 'changed' && r.dataset.changed !== '1'); }
mode.addEventListener('change', apply);
apply();
`;

export function trendHtml(ordered: TrendRun[]): string {
  const { ids, cellsOf: cells } = rowsOf(ordered);
  const changes = trendChanges(ordered);
  const changed = new Set(changes.map((c) => c.check));
  const runs = ordered.map((r, i) => html`<li><b>${i + 1}. ${r.name}</b> ${r.report.run.startedAt}: ${summaryLine(r.report.summary)} <span class="muted">(run ${r.report.run.id}, ${r.report.tool.name} ${r.report.tool.version})</span></li>`);
  const badge = (v: Verdict | null) => (v ? verdictBadge(v) : html`<span class="muted">not run</span>`);
  const changeRows = changes.map((c) => html`<tr><td><code>${c.check}</code></td><td>${c.run} <span class="muted">${c.startedAt}</span></td><td>${badge(c.from)} → ${badge(c.to)}</td></tr>`);
  const header = html`<tr><th>check</th>${ordered.map((_, i) => html`<th>${i + 1}</th>`)}</tr>`;
  const rows = ids.map((id) => html`<tr class="check" data-changed="${changed.has(id) ? '1' : '0'}"><td><code>${id}</code></td>${cells(id).map((c) => (c ? html`<td>${verdictBadge(c.verdict)}</td>` : html`<td class="none">–</td>`))}</tr>`);
  const content = html`<h1>ba-conformance trend: ${targetName(ordered[0]!.report.target)} over ${ordered.length} runs</h1>
<ol class="muted" style="list-style:none;padding:0">${runs}</ol>
${chart(ordered)}
<h2>Changes (${changes.length})</h2>
${changes.length ? html`<table><tr><th>check</th><th>in run</th><th>verdict</th></tr>${changeRows}</table>` : html`<p>No check changed verdict across these runs.</p>`}
<h2>Every check</h2>
<p><label>Show <select id="mode"><option value="changed">checks that changed</option><option value="all">every check</option></select></label></p>
<table id="verdicts">${header}${rows}</table>`;
  return page(`ba-conformance trend (${ordered.length} runs)`, STYLE, content, SCRIPT);
}
