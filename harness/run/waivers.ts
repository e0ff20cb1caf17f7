// The baseline: checks a team knows fail on a backend and has accepted for now, each with the
// reason (the OIDF expected-failure list). A waived check keeps its verdict and stays in every
// report; it no longer fails the run. A waiver that no longer matches (the check now passes, or
// no longer exists) is reported as stale, so the baseline cannot silently outlive its reason.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { selected } from '../checks/model.js';
import type { CheckRecord } from '../checks/model.js';
import { HarnessError } from '../errors.js';

const waiverSchema = z.strictObject({
  /** The exact check ID. */
  check: z.string().regex(/^[A-Z]+(-[A-Z0-9]+)+$/, 'a check ID such as ERR-NO-LEAK'),
  /** The backend's base URL this waiver is for; every target when absent. */
  target: z.url().optional(),
  /** The verdict that is accepted (FAIL unless told). */
  expected: z.enum(['FAIL', 'NON-STRICT', 'ERROR']).default('FAIL'),
  /** Why it is accepted, and until when: mandatory. */
  comment: z.string().trim().min(10, 'say why this is accepted (at least 10 characters), e.g. a ticket and a date'),
});
const baselineSchema = z.array(waiverSchema);
export type Waiver = z.output<typeof waiverSchema>;

export interface StaleWaiver extends Waiver {
  /** Why it no longer matches. */
  reason: string;
}

export interface WaiverOutcome {
  /** The baseline file, as given. */
  file: string;
  /** How many checks a waiver applied to. */
  applied: number;
  stale: StaleWaiver[];
}

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
      hint: 'each entry is { check: ERR-NO-LEAK, comment: "why it is accepted", target?: <base URL>, expected?: FAIL | NON-STRICT | ERROR }',
    });
  }
  return result.data;
}

/**
 * Marks the checks a waiver covers (same ID, target and verdict) and lists the waivers that cover
 * nothing. A waiver for a check this run did not select (--only/--skip) is neither.
 */
export function applyWaivers(checks: CheckRecord[], waivers: Waiver[], run: { baseUrl: string; only?: string[]; skip?: string[]; file: string }): { checks: CheckRecord[]; outcome: WaiverOutcome } {
  const mine = waivers.filter((w) => !w.target || sameTarget(w.target, run.baseUrl));
  const stale: StaleWaiver[] = [];
  let applied = 0;
  const byId = new Map(checks.map((c) => [c.id, c]));
  const waived = new Map<string, Waiver>();
  for (const waiver of mine) {
    const check = byId.get(waiver.check);
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
      return w ? { ...c, waiver: { comment: w.comment, expected: w.expected, ...(w.target ? { target: w.target } : {}) } } : c;
    }),
    outcome: { file: run.file, applied, stale },
  };
}
