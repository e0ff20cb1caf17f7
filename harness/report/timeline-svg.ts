// A check's timeline (CheckRecord.timeline) as an inline SVG: one band per lab, each with its requests
// (a bar from sent to answered, coloured by outcome), the issuer's JWKS fetches, and the key and fault
// changes and restarts; the bound the team set as a dashed line. Hovering any mark shows its <title>;
// nothing is fetched and no script is needed to read it.
import type { Outcome, Timeline, TimelineLane } from '../checks/model.js';
import { Markup, html } from './html-kit.js';

const WIDTH = 920;
const LEFT = 110;
const PLOT = WIDTH - LEFT - 20;
const ROW = 14;
/** A band: its title, then requests, fetches, keys and faults. */
const BAND = 16 + 3 * ROW + 8;
const AXIS = 24;

export const OUTCOME_COLOUR: Record<Outcome, string> = {
  accepted: '#1a7f37',
  rejected: '#57606a',
  'server-error': '#bf8700',
  other: '#8250df',
  'transport-error': '#cf222e',
  'identity-mismatch': '#cf222e',
};
const FETCH_COLOUR = { keys: '#0969da', fault: '#cf222e' };

/** A round step for the axis: about eight ticks. */
function step(totalS: number): number {
  const raw = totalS / 8;
  return [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200].find((s) => s >= raw) ?? 1800;
}

const fmt = (ms: number) => `${Math.round(ms / 100) / 10} s`;

function laneView(lane: TimelineLane, top: number, x: (ms: number) => number, endMs: number): Markup {
  const y = { requests: top + 16, fetches: top + 16 + ROW, changes: top + 16 + 2 * ROW };
  const at = (ms: number) => x(lane.offsetMs + ms);
  // Fault periods shade the band from set to cleared (or the lane's end).
  const shades: Markup[] = [];
  let openFault: { atMs: number; detail: string } | undefined;
  for (const e of [...lane.events, { atMs: lane.durationMs, kind: 'end', detail: '' }]) {
    if (openFault && (e.kind === 'fault-cleared' || e.kind === 'fault-set' || e.kind === 'end')) {
      shades.push(html`<rect x="${at(openFault.atMs)}" y="${top + 14}" width="${Math.max(1, at(e.atMs) - at(openFault.atMs))}" height="${3 * ROW}" fill="#ffebe9"><title>JWKS fault: ${openFault.detail}, ${fmt(openFault.atMs)} to ${fmt(e.atMs)}</title></rect>`);
      openFault = undefined;
    }
    if (e.kind === 'fault-set') openFault = e;
  }
  const requests = lane.requests.map(
    (r) =>
      html`<rect class="request" x="${at(r.atMs)}" y="${y.requests}" width="${Math.max(1.5, at(r.atMs + r.durationMs) - at(r.atMs))}" height="${ROW - 4}" fill="${OUTCOME_COLOUR[r.outcome]}"><title>${fmt(r.atMs)}: ${r.label} → ${r.status ?? r.outcome} (${r.outcome}, ${r.durationMs} ms)</title></rect>`,
  );
  const fetches = lane.fetches.map(
    (f) =>
      html`<rect class="fetch" x="${at(f.atMs) - 1}" y="${y.fetches}" width="3" height="${ROW - 4}" fill="${f.served === 'keys' ? FETCH_COLOUR.keys : FETCH_COLOUR.fault}"><title>${fmt(f.atMs)}: JWKS fetch, served ${f.served === 'keys' ? 'the key set' : `the fault (${f.served})`}</title></rect>`,
  );
  const changes = lane.events.map((e) => {
    const cx = at(e.atMs);
    const title = html`<title>${fmt(e.atMs)}: ${e.kind.replace('-', ' ')}: ${e.detail}</title>`;
    switch (e.kind) {
      case 'restart':
        return html`<line x1="${cx}" x2="${cx}" y1="${top + 14}" y2="${top + 14 + 3 * ROW}" stroke="#57606a" stroke-dasharray="2 2">${title}</line><text x="${cx + 2}" y="${y.changes + 9}" font-size="9" fill="#57606a">restart</text>`;
      case 'key-published':
        return html`<path d="M${cx} ${y.changes} l5 9 h-10 z" fill="#1a7f37">${title}</path>`;
      case 'key-retired':
        return html`<path d="M${cx - 5} ${y.changes} h10 l-5 9 z" fill="#bf8700">${title}</path>`;
      case 'key-removed':
        return html`<path d="M${cx - 5} ${y.changes} h10 l-5 9 z" fill="#cf222e">${title}</path>`;
      default:
        return html`<circle cx="${cx}" cy="${y.changes + 5}" r="4" fill="${e.kind === 'fault-set' ? '#cf222e' : '#1a7f37'}">${title}</circle>`;
    }
  });
  const left = lane.requestsLeftOut ? html` (${lane.requestsLeftOut} more requests not drawn)` : '';
  return html`<g>
<text x="0" y="${top + 10}" font-size="11" font-weight="600">${lane.label}${left}</text>
${shades}
<text x="0" y="${y.requests + 9}" font-size="10" fill="#57606a">requests</text>
<text x="0" y="${y.fetches + 9}" font-size="10" fill="#57606a">JWKS fetches</text>
<text x="0" y="${y.changes + 9}" font-size="10" fill="#57606a">keys, faults</text>
<line x1="${at(0)}" x2="${x(Math.min(lane.offsetMs + lane.durationMs, endMs))}" y1="${top + 14 + 3 * ROW}" y2="${top + 14 + 3 * ROW}" stroke="#d0d7de"/>
${requests}${fetches}${changes}
</g>`;
}

/** How long a timeline runs, its bound included. */
export const timelineEndMs = (timeline: Timeline): number => Math.max(1, ...timeline.lanes.map((l) => l.offsetMs + l.durationMs), timeline.bound?.atMs ?? 0);

/** The SVG for one timeline; `title` names it for screen readers; `endMs` sets a common scale for pictures shown side by side. */
export function timelineSvg(timeline: Timeline, title: string, endMs = timelineEndMs(timeline)): Markup {
  const x = (ms: number) => Math.round((LEFT + (PLOT * ms) / endMs) * 10) / 10;
  const height = timeline.lanes.length * BAND + AXIS + 18;
  const tickS = step(endMs / 1000);
  const ticks: Markup[] = [];
  for (let s = 0; s * 1000 <= endMs; s += tickS) {
    ticks.push(html`<line x1="${x(s * 1000)}" x2="${x(s * 1000)}" y1="0" y2="${height - AXIS - 18}" stroke="#eaeef2"/><text x="${x(s * 1000)}" y="${height - AXIS - 4}" font-size="10" text-anchor="middle" fill="#57606a">${s} s</text>`);
  }
  const lanes = timeline.lanes.map((lane, i) => laneView(lane, i * BAND, x, endMs));
  const boundX = timeline.bound ? x(timeline.bound.atMs) : 0;
  // The label reads away from the right edge.
  const label = boundX > WIDTH - 200 ? { x: boundX - 3, anchor: 'end' } : { x: boundX + 3, anchor: 'start' };
  const bound = timeline.bound
    ? html`<line class="bound" x1="${boundX}" x2="${boundX}" y1="0" y2="${BAND}" stroke="#cf222e" stroke-width="1.5" stroke-dasharray="6 3"><title>the bound: ${timeline.bound.label}, at ${fmt(timeline.bound.atMs)}</title></line><text x="${label.x}" y="${BAND - 2}" font-size="10" text-anchor="${label.anchor}" fill="#cf222e">${timeline.bound.label}</text>`
    : '';
  const legend = html`<text x="0" y="${height - 4}" font-size="10" fill="#57606a">requests: <tspan fill="${OUTCOME_COLOUR.accepted}">■ accepted</tspan> <tspan fill="${OUTCOME_COLOUR.rejected}">■ refused</tspan> <tspan fill="${OUTCOME_COLOUR['server-error']}">■ 5xx</tspan> <tspan fill="${OUTCOME_COLOUR['transport-error']}">■ no answer</tspan> · fetches: <tspan fill="${FETCH_COLOUR.keys}">▮ key set served</tspan> <tspan fill="${FETCH_COLOUR.fault}">▮ fault served</tspan> · <tspan fill="#1a7f37">▲ key published</tspan> <tspan fill="#cf222e">▼ key removed</tspan> <tspan fill="#cf222e">● fault set</tspan> <tspan fill="#1a7f37">● cleared</tspan> · shaded: JWKS fault</text>`;
  return html`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui,sans-serif"><title>${title}</title>${ticks}${lanes}${bound}${legend}</svg>`;
}
