// The baseline: checks a team knows fail on a backend and has accepted for now, each with the
// reason (the OIDF expected-failure list). A waived check keeps its verdict and stays in every
// report; it no longer fails the run. A waiver that no longer matches (the check now passes, or
// no longer exists) is reported as stale, so the baseline cannot silently outlive its reason. A
// waiver past its `expires` date waives nothing any more (the check counts for the gate again) and is
// reported as expired, so "for now" has an end the tool enforces.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { selected } from '../checks/model.js';
import type { CheckRecord } from '../checks/model.js';
import { HarnessError } from '../errors.js';
import type { ExpiredWaiver, StaleWaiver, WaiverOutcome, Waiver as WaiverEntry } from '../report-model.js';

const waiverSchema = z.strictObject({
  /** The exact check ID. */
  check: z.string().regex(/^[A-Z]+(-[A-Z0-9]+)+$/, 'a check ID such as ERR-NO-LEAK'),
  /** The backend's base URL this waiver is for; every target when absent. */
  target: z.url().optional(),
  /** The verdict that is accepted (FAIL unless told). */
  expected: z.enum(['FAIL', 'NON-STRICT', 'ERROR']).default('FAIL'),
  /** Why it is accepted, and until when: mandatory. */
  comment: z.string().trim().min(10, 'say why this is accepted (at least 10 characters), e.g. a ticket and a date'),
  /** The last day it waives (UTC, inclusive); from the day after, the check counts for the gate again. */
  expires: z.iso.date('a date as YYYY-MM-DD, e.g. 2027-03-31').optional(),
});
const baselineSchema = z.array(waiverSchema);
export type Waiver = z.output<typeof waiverSchema>;
// What the schema reads is what the report model says a waiver is.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const waiverShape: Same<Waiver, WaiverEntry> = true;
void waiverShape;

/** Today as YYYY-MM-DD in UTC: a waiver's `expires` is a calendar day, compared as text. */
export const utcDay = (at: Date = new Date()): string => at.toISOString().slice(0, 10);

const sameTarget = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** Reads a baseline (YAML or JSON: a list of {check, target?, expected?, comment}); every problem names the entry. */
export async function loadBaseline(file: string): Promise<Waiver[]> {
  let text: string;
  try {
    text = await readFile(path.resolve(file), 'utf8');
  } catch (err) {
    throw new HarnessError('CONFIG_INVALID', `cannot read the baseline ${file}: ${(err as Error).message}`, { hint: 'pass --baseline <file> with an existing YAML or JSON file' });
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text) ?? [];
  } catch (err) {
    throw new HarnessError('CONFIG_INVALID', `the baseline ${file} is not YAML or JSON: ${(err as Error).message}`);
  }
  const result = baselineSchema.safeParse(parsed);
  if (!result.success) {
    throw new HarnessError('CONFIG_INVALID', `invalid baseline ${file}:\n${z.prettifyError(result.error)}`, {
      hint: 'each entry is { check: ERR-NO-LEAK, comment: "why it is accepted", target?: <base URL>, expected?: FAIL | NON-STRICT | ERROR, expires?: YYYY-MM-DD }',
    });
  }
  return result.data;
}

/** What became of an expired waiver's check in this run. */
function checkNow(check: CheckRecord | undefined, waiver: Waiver, run: { only?: string[]; skip?: string[] }): string {
  if (!check) return selected(run, waiver.check) ? 'no check with this ID ran' : 'the check was not selected in this run';
  return check.verdict === waiver.expected ? `the check is ${check.verdict} and counts for the gate again` : `the check is now ${check.verdict}`;
}

/**
 * Marks the checks a waiver covers (same ID, target and verdict, not expired) and lists the waivers
 * that cover nothing, and those past their date. A waiver for a check this run did not select
 * (--only/--skip) is not stale; an expired one is reported all the same (the baseline needs the edit).
 */
export function applyWaivers(checks: CheckRecord[], waivers: Waiver[], run: { baseUrl: string; only?: string[]; skip?: string[]; file: string; today?: string }): { checks: CheckRecord[]; outcome: WaiverOutcome } {
  const mine = waivers.filter((w) => !w.target || sameTarget(w.target, run.baseUrl));
  const today = run.today ?? utcDay();
  const stale: StaleWaiver[] = [];
  const expired: ExpiredWaiver[] = [];
  let applied = 0;
  const byId = new Map(checks.map((c) => [c.id, c]));
  const waived = new Map<string, Waiver>();
  for (const waiver of mine) {
    const check = byId.get(waiver.check);
    if (waiver.expires !== undefined && waiver.expires < today) {
      expired.push({ ...waiver, expires: waiver.expires, reason: `expired on ${waiver.expires}: ${checkNow(check, waiver, run)}` });
      continue;
    }
    if (!check) {
      if (selected(run, waiver.check)) stale.push({ ...waiver, reason: 'no check with this ID ran' });
      continue;
    }
    if (check.verdict !== waiver.expected) {
      stale.push({ ...waiver, reason: `the check is now ${check.verdict}, the waiver expects ${waiver.expected}` });
      continue;
    }
    waived.set(check.id, waiver);
    applied++;
  }
  return {
    checks: checks.map((c) => {
      const w = waived.get(c.id);
      return w ? { ...c, waiver: { comment: w.comment, expected: w.expected, ...(w.target ? { target: w.target } : {}), ...(w.expires ? { expires: w.expires } : {}) } } : c;
    }),
    outcome: { file: run.file, applied, stale, expired },
  };
}
