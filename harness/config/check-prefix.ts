// --only and --skip name check IDs by prefix. One that matches no check is a typo, and a typo in
// --only would turn a CI gate green with nothing tested: it is refused when the configuration is
// read, before the issuer starts or a user is signed up, with the nearest IDs offered.
import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { CHECK_IDS } from './check-ids.js';

/** Every family prefix ("SIG-") and every ID: what a prefix is compared with for a suggestion. */
const CANDIDATES = [...new Set([...CHECK_IDS.map((id) => `${id.split('-')[0]}-`), ...CHECK_IDS])];

/** Up to three IDs or family prefixes close to `prefix` (compared with as much of each as it is long). */
export function nearestPrefixes(prefix: string): string[] {
  const wanted = prefix.toUpperCase();
  const scored = CANDIDATES.map((c) => ({ c, d: Math.min(distance(wanted, c), distance(wanted, c.slice(0, wanted.length))) }));
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.length - b.c.length || a.c.localeCompare(b.c))
    .slice(0, 3)
    .map((s) => s.c);
}

/** What is wrong with an --only / --skip prefix, or undefined when it matches a check. */
export function prefixProblem(prefix: string): string | undefined {
  if (CHECK_IDS.some((id) => id.startsWith(prefix))) return undefined;
  const near = nearestPrefixes(prefix);
  return `${JSON.stringify(prefix)} matches no check${near.length ? `: did you mean ${near.join(', ')}?` : ''} (IDs look like SIG-ALG-NONE; \`ba-conformance list\` prints them all)`;
}

export function checkPrefixProblem(prefix: string, ctx: z.RefinementCtx): void {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
}
