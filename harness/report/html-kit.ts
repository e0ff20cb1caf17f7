// A tagged template for HTML that escapes every interpolated value (html-escaper) unless it is
// already markup made by the same tag; the report and the matrix are built from it, so text from a
// backend (response bodies, headers) can never become markup.
import { escape } from 'html-escaper';
import type { Verdict } from '../checks/model.js';

export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Markup | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escape(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  return new Markup(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]!) : ''), ''));
}

/** The colour of each verdict, shared by the report, the matrix and the trend's chart. */
export const VERDICT_COLOUR: Record<Verdict, string> = { PASS: '#1a7f37', FAIL: '#cf222e', 'NON-STRICT': '#bf8700', INFO: '#0969da', SKIP: '#8c959f', ERROR: '#8250df' };
export const VERDICT_STYLE = `\n${Object.entries(VERDICT_COLOUR).map(([v, c]) => `.v-${v}{background:${c};color:#fff}`).join('')}`;

export const verdictBadge = (verdict: Verdict, extra = '') => html`<span class="badge v-${verdict}">${verdict}${extra}</span>`;

/** A whole page: one file, its style and script inline, nothing fetched. */
export function page(title: string, style: string, body: Markup, script = ''): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${new Markup(style)}</style></head><body>${body}${script ? new Markup(`<script>${script}</script>`) : ''}</body></html>`.text}\n`;
}
