// The self-contained HTML report (report.html): opens from disk with no network. The verdict and
// severity summary, the run's metadata for evidence (with report.json's SHA-256), filters by family,
// verdict and severity, then every check, findings first: its requirement and linked references,
// what was expected and observed, measured values, a JWKS check's timeline (report/timeline-svg.ts),
// how to fix it per stack, and the exchanges with the decoded token.
import { coverageLines, reportCoverage } from './coverage.js';
import { describeClock } from '../target/clock.js';
import type { CheckRecord, Exchange, Verdict } from '../checks/model.js';
import { SEVERITIES, VERDICTS } from '../checks/model.js';
import type { Report } from '../report-model.js';
import { FINDING_VERDICTS, byReportOrder, exitCodeOf, gatingFindings, reproduceCommandFor, summaryLine } from '../report-model.js';
import { Markup, VERDICT_STYLE, html, page, verdictBadge } from './html-kit.js';
import { catalogueLink, catalogueWhere } from './catalogue-link.js';
import { referenceUrl, taxonomyReferences } from './references.js';
import { STACKS, remediationFor } from './remediation.js';
import { timelineSvg } from './timeline-svg.js';

/** Exchanges shown per check; the rest are in report.json. */
const EXCHANGES_SHOWN = 25;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1200px;margin:0 auto;padding:16px 24px 64px}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:24px 0 8px}
.badge{display:inline-block;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:600;min-width:64px;text-align:center}
${VERDICT_STYLE}
.gate{padding:10px 14px;border-radius:6px;font-weight:600;margin:8px 0}.gate.pass{background:#dafbe1}.gate.fail{background:#ffebe9}.gate.undecided{background:#fbefff}
.tiles{display:flex;gap:8px;flex-wrap:wrap}.tile{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}
.tile b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;word-break:break-all}
fieldset{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:6px 0;padding:6px 10px}
fieldset label{margin-right:12px;white-space:nowrap}legend{font-weight:600}
details.check{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:6px 0}
details.check>summary{cursor:pointer;padding:8px 10px;display:flex;gap:10px;align-items:baseline}
details.check>summary code{font-weight:600}.sev{color:#57606a;font-size:12px;min-width:56px}
.body{padding:4px 14px 12px;border-top:1px solid #d0d7de}
.body h4{margin:12px 0 4px;font-size:13px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:6px 8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
details.exchange{border-left:3px solid #d0d7de;margin:6px 0;padding-left:8px}
.waived{background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;padding:4px 8px}
.muted{color:#57606a}.hidden{display:none}
svg.timeline{max-width:100%;height:auto;background:#fff;border:1px solid #d0d7de;border-radius:4px;padding:4px}
`;

// Filters: a check is shown when its verdict, severity and family are all ticked and it matches the text.
const SCRIPT = `
const boxes = [...document.querySelectorAll('fieldset input[type=checkbox]')];
const search = document.getElementById('search');
const checks = [...document.querySelectorAll('details.check')];
const count = document.getElementById('shown');
function apply() {
  const on = (axis) => new Set(boxes.filter((b) => b.dataset.axis === axis && b.checked).map((b) => b.value));
  const v = on('verdict'), s = on('severity'), f = on('family'), q = search.value.trim().toLowerCase();
  let shown = 0;
  for (const c of checks) {
    const ok = v.has(c.dataset.verdict) && s.has(c.dataset.severity) && f.has(c.dataset.family) && (!q || c.dataset.text.includes(q));
    c.classList.toggle('hidden', !ok);
    if (ok) shown++;
  }
  count.textContent = shown + ' of ' + checks.length + ' checks shown';
}
boxes.forEach((b) => b.addEventListener('change', apply));
search.addEventListener('input', apply);
document.getElementById('findings-only').addEventListener('click', () => {
  for (const b of boxes) if (b.dataset.axis === 'verdict') b.checked = ${JSON.stringify(FINDING_VERDICTS)}.includes(b.value);
  apply();
});
document.getElementById('show-all').addEventListener('click', () => { boxes.forEach((b) => (b.checked = true)); search.value = ''; apply(); });
apply();
`;

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Authorization values and signatures cut to their start: the report identifies tokens, it does not hand them out whole. */
function shortened(text: string, keep = 24): string {
  return text.length > keep + 12 ? `${text.slice(0, keep)}… (${text.length} chars)` : text;
}

function tokenView(exchange: Exchange): Markup {
  const token = exchange.request.token;
  if (!token) return html``;
  const signature = token.compact.split('.')[2];
  return html`<h4>Token sent (${token.length} chars)</h4>
<table><tr><th>header</th><td><pre>${token.header === undefined ? '(not decodable)' : json(token.header)}</pre></td></tr>
<tr><th>claims</th><td><pre>${token.payload === undefined ? '(not decodable)' : json(token.payload)}</pre></td></tr>
<tr><th>signature</th><td><code>${signature === undefined ? '(no third segment)' : signature === '' ? '(empty)' : shortened(signature, 16)}</code></td></tr></table>`;
}

function headersView(headers: Record<string, string | string[]>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${name.toLowerCase() === 'authorization' ? shortened(String(value), 40) : Array.isArray(value) ? value.join(', ') : value}`)
    .join('\n');
}

function exchangeView(exchange: Exchange, index: number): Markup {
  const { request, response } = exchange;
  const status = response ? String(response.status) : exchange.error ?? 'no answer';
  return html`<details class="exchange"><summary>${index + 1}. ${exchange.label} <span class="muted">→ ${status} · ${exchange.outcome} · ${exchange.durationMs} ms${exchange.jwksFault ? ` · JWKS fault: ${exchange.jwksFault}` : ''}</span></summary>
<pre>${request.method} ${request.url}\n${headersView(request.headers)}${request.body ? `\n\n${request.body}` : ''}</pre>
${tokenView(exchange)}
${response ? html`<h4>Response</h4><pre>${response.status}\n${headersView(response.headers)}\n\n${response.bodyExcerpt}${response.bodyTruncated ? `\n… (body ${response.bodyTruncated})` : ''}</pre>` : html`<p>${exchange.error}</p>`}
</details>`;
}

function remediationView(c: CheckRecord): Markup {
  const advice = remediationFor(c.id);
  if (!advice) return html``;
  const rows = STACKS.filter((s) => advice.stacks[s]).map((s) => html`<tr><th>${s}</th><td><code>${advice.stacks[s]}</code></td></tr>`);
  return html`<h4>How to fix: ${advice.topic}</h4><p>${advice.fix}</p>${rows.length ? html`<table>${rows}</table>` : ''}`;
}

/** References as links where they have an address, separated by a dot. */
const linked = (refs: readonly string[]) =>
  refs.map((r, i) => {
    const url = referenceUrl(r);
    return html`${i > 0 ? ' · ' : ''}${url ? html`<a href="${url}" rel="noreferrer">${r}</a>` : r}`;
  });

function checkView(c: CheckRecord, report: Report): Markup {
  const references = linked(c.references);
  const measured = c.measured ? Object.entries(c.measured).map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`) : [];
  const shown = c.evidence.slice(0, EXCHANGES_SHOWN);
  const text = `${c.id} ${c.title} ${c.observed}`.toLowerCase();
  return html`<details class="check" id="${c.id}" data-verdict="${c.verdict}" data-severity="${c.severity}" data-family="${c.family}" data-text="${text}">
<summary>${verdictBadge(c.verdict, c.waiver ? ' (waived)' : '')}<span class="sev">${c.severity}</span><code>${c.id}</code><span>${c.title}</span>${c.measured ? html`<span class="muted">${Object.entries(c.measured).slice(0, 3).map(([k, v]) => `${k}=${v}`).join(', ')}</span>` : ''}</summary>
<div class="body">
${c.waiver ? html`<p class="waived">Waived by the baseline (expected ${c.waiver.expected})${c.waiver.expires ? ` until ${c.waiver.expires}` : ''}: ${c.waiver.comment}</p>` : ''}
<h4>Requirement</h4><p>${c.requirement}</p>
<p class="muted">${references}</p>
${/* absent from reports written before checks carried one */ c.taxonomy ? html`<p class="muted">Weakness: ${linked(taxonomyReferences(c.taxonomy))}</p>` : ''}
<p class="muted">Catalogue: <a href="${catalogueLink(report, c.id)}" rel="noreferrer">${catalogueLink(report, c.id)}</a> (${catalogueWhere(report)})</p>
<table><tr><th>Expected</th><td>${c.expected}</td></tr><tr><th>Observed</th><td>${c.observed}</td></tr>${measured}<tr><th>Duration</th><td>${c.durationMs} ms</td></tr></table>
${c.timeline ? html`<h4>Timeline</h4>${timelineSvg(c.timeline, `${c.id}: requests, JWKS fetches and key changes over time`)}<p class="muted">Hover a mark for what it was. Every request is drawn (up to 1,500 a lab: a storm's middle is counted, not drawn); the exchanges below are a sample.</p>` : ''}
${c.verdict === 'PASS' ? '' : remediationView(c)}
${FINDING_VERDICTS.includes(c.verdict) && reproduceCommandFor(c) ? html`<h4>Reproduce</h4><pre>${reproduceCommandFor(c)}</pre><p class="muted">With the run's own options (its config, its start command): the check runs again against the same backend with fresh tokens, says whether the finding still holds, and prints each request as a curl command.</p>` : ''}
<h4>Exchanges (${c.evidence.length})</h4>
${shown.map(exchangeView)}
${c.evidence.length > shown.length ? html`<p class="muted">${c.evidence.length - shown.length} more exchanges are in report.json.</p>` : ''}
</div></details>`;
}

function gateView(report: Report): Markup {
  const code = exitCodeOf(report);
  const gating = gatingFindings(report).length;
  const strict = report.gate.strict ? ', NON-STRICT counted (--strict)' : '';
  if (code === 1) return html`<div class="gate fail">Run fails its gate: ${gating} finding(s) at or above ${report.gate.failOn}${strict}. Exit code 1.</div>`;
  if (code === 3) return html`<div class="gate undecided">Inconclusive: the harness could not decide every check (ERROR or problems below). Exit code 3.</div>`;
  return html`<div class="gate pass">Run passes its gate (FAIL at or above ${report.gate.failOn}${strict}). Exit code 0.</div>`;
}

function metadataView(report: Report, reportSha256: string | undefined): Markup {
  const issuer = report.issuer;
  const row = (label: string, value: unknown) => html`<dt>${label}</dt><dd>${typeof value === 'string' ? value : JSON.stringify(value)}</dd>`;
  return html`<dl class="meta">
${row('Tool', `${report.tool.name} ${report.tool.version}`)}
${row('Run ID', report.run.id)}
${row('Started', report.run.startedAt)}
${row('Finished', report.run.finishedAt)}
${row('Duration', `${(report.run.durationMs / 1000).toFixed(1)} s (issuer ${report.run.phasesMs.issuer} ms, backend ${report.run.phasesMs.target} ms, ${report.run.phasesMs.labs !== undefined ? `first lab ${report.run.phasesMs.labs} ms, ` : ''}checks ${report.run.phasesMs.checks} ms); ${report.run.requests} requests`)}
${report.run.labs ? row('Labs', report.run.labs.used ? `the JWKS checks ran side by side, each in a lab of its own: up to ${report.run.jobs} at once (run.jobs)` : `none: ${report.run.labs.why ?? 'not used'}`) : ''}
${row('Seed', report.run.seed === null ? 'none' : String(report.run.seed))}
${row('Target', `${report.target.baseUrl} (protected ${report.target.protectedPath}${report.target.identityPath ? `, identity ${report.target.identityPath}` : ''}${report.target.started ? ', started by the harness' : ''})`)}
${issuer ? row('Issuer', `${issuer.mode} mode, ${issuer.alg.join(', ')}, iss ${issuer.issuer}, aud ${[issuer.audience].flat().join(', ')}, JWKS ${issuer.jwksUrl ?? 'none (shared HS256 secret)'}${issuer.external ? `, external Better Auth ${issuer.external.url}, published keys ${issuer.external.keys.map((k) => k.thumbprint).join(', ')}` : ''}`) : row('Issuer', 'not started')}
${row('Gate', `--fail-on ${report.gate.failOn}${report.gate.strict ? ' --strict' : ''}`)}
${report.waivers ? row('Baseline', `${report.waivers.file}: ${report.waivers.applied} applied, ${report.waivers.stale.length} stale, ${report.waivers.expired?.length ?? 0} expired`) : ''}
${reportSha256 ? row('report.json SHA-256', reportSha256) : ''}
</dl>`;
}

function summaryView(report: Report): Markup {
  const present = (verdict: Verdict) => report.checks.filter((c) => c.verdict === verdict);
  const tiles = VERDICTS.map((v) => html`<div class="tile"><span class="badge v-${v}">${v}</span><b>${present(v).length}</b></div>`);
  const header = html`<tr><th>severity</th>${VERDICTS.map((v) => html`<th>${v}</th>`)}</tr>`;
  const rows = SEVERITIES.map((s) => html`<tr><th>${s}</th>${VERDICTS.map((v) => html`<td>${present(v).filter((c) => c.severity === s).length || ''}</td>`)}</tr>`);
  return html`<div class="tiles">${tiles}</div><h2>By severity</h2><table>${header}${rows}</table>`;
}

function filtersView(report: Report): Markup {
  const families = [...new Set(report.checks.map((c) => c.family))].sort();
  const box = (axis: string, value: string) => html`<label><input type="checkbox" data-axis="${axis}" value="${value}" checked> ${value}</label>`;
  return html`<fieldset><legend>Verdict</legend>${VERDICTS.map((v) => box('verdict', v))}<button id="findings-only" type="button">Findings only</button> <button id="show-all" type="button">Show all</button></fieldset>
<fieldset><legend>Severity</legend>${SEVERITIES.map((s) => box('severity', s))}</fieldset>
<fieldset><legend>Family</legend>${families.map((f) => box('family', f))}</fieldset>
<fieldset><legend>Text</legend><input id="search" type="search" placeholder="check ID, title or observation" size="40"> <span id="shown" class="muted"></span></fieldset>`;
}

/** What the run could test, before any verdict: how many checks ran, and what each missing capability cost. */
function coverageView(report: Report): Markup {
  const [ran, ...missing] = coverageLines(reportCoverage(report));
  const clock = describeClock(report.target.clock);
  return html`<section id="coverage"><p><b>Coverage:</b> ${ran}</p>${missing.length ? html`<ul>${missing.map((m) => html`<li>${m}</li>`)}</ul>` : ''}${clock ? html`<p><b>Clock:</b> ${clock}</p>` : ''}</section>`;
}

export function htmlReport(report: Report, options: { reportSha256?: string } = {}): string {
  const ordered = [...report.checks].sort(byReportOrder);
  const stale = report.waivers?.stale ?? [];
  const expired = report.waivers?.expired ?? [];
  const body = html`<main>
<h1>ba-conformance: ${report.target.baseUrl}</h1>
${coverageView(report)}
<p><b>${summaryLine(report.summary)}</b> · ${report.checks.length} checks</p>
${gateView(report)}
${report.problems.length ? html`<h2>Problems</h2><ul>${report.problems.map((p) => html`<li>${p}</li>`)}</ul>` : ''}
${stale.length ? html`<h2>Stale waivers</h2><ul>${stale.map((w) => html`<li><code>${w.check}</code>${w.target ? ` (${w.target})` : ''}: ${w.reason}. Remove it from ${report.waivers!.file}. <span class="muted">${w.comment}</span></li>`)}</ul>` : ''}
${expired.length ? html`<h2>Expired waivers</h2><ul>${expired.map((w) => html`<li><code>${w.check}</code>${w.target ? ` (${w.target})` : ''}: ${w.reason}. Renew or remove it in ${report.waivers!.file}. <span class="muted">${w.comment}</span></li>`)}</ul>` : ''}
${summaryView(report)}
<h2>Run</h2>${metadataView(report, options.reportSha256)}
<h2>Checks</h2>
<p class="muted">Verdicts: PASS conforms; FAIL violates the requirement; NON-STRICT conforms but ignores a SHOULD (fails only under --strict); INFO is measured, not judged; SKIP does not apply; ERROR means the harness could not decide.</p>
${filtersView(report)}
${ordered.map((c) => checkView(c, report))}
</main>`;
  return page(`ba-conformance report: ${report.target.baseUrl}`, STYLE, body, SCRIPT);
}
