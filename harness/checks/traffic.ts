// Every exchange a check sends, counted, whether or not the check keeps it as evidence: bulk
// measurements (a storm of unknown kids, a poll, the outage probes in labs) keep only a sample. The
// run-wide checks judge the whole run, so the target client counts each exchange here, under the
// check it was sent for, and keeps (bounded) the few those checks quote: a 5xx that no intentional
// fault explains, an error body that leaks. A finished check carries its count to the runner
// (CheckRecord.traffic).
import type { Exchange, Traffic } from './model.js';

/** How many of each kind a check keeps to quote; the counts go on past them. */
const KEEP = 20;

const LEAKS: [string, RegExp][] = [
  ['a JavaScript stack trace', /\n\s+at \S.*\(?[^\s()]+:\d+:\d+\)?/],
  ['a Python traceback', /Traceback \(most recent call last\)|File "[^"]+\.py", line \d+/],
  ['a JVM or .NET stack trace', /\bat [\w$.]+\([\w]+\.(java|cs|kt):\d+\)/],
  ['private key material', /-----BEGIN [A-Z ]*PRIVATE KEY-----|"d"\s*:\s*"[A-Za-z0-9_-]{20,}"/],
  ['a node_modules path', /node_modules[\\/]/],
];

/** A refusal of a token (or a 5xx), whose body ERR-NO-LEAK reads. */
export const isErrorBody = (e: Exchange): boolean => Boolean(e.request.token && e.response && e.outcome !== 'accepted');

/** What an error body gives away (a stack trace, key material, the rejected token), if anything. */
function leakOf(e: Exchange): string | undefined {
  if (!isErrorBody(e)) return undefined;
  const body = e.response!.bodyExcerpt;
  const token = e.request.token!;
  const echoed = token.length > 20 && token.compact.length === token.length && body.includes(token.compact);
  return LEAKS.find(([, pattern]) => pattern.test(body))?.[0] ?? (echoed ? 'the rejected token' : undefined);
}

/**
 * The JWKS faults under which the backend has no keys to get: an outage, a broken answer, a redirect
 * (which a careful client refuses to follow), and the moments right after one while it gets them back
 * ('recovering'). A fault that still serves the keys (extra keys, decorated members, other headers)
 * is not one of them.
 */
const KEYS_UNAVAILABLE: ReadonlySet<string> = new Set(['status', 'hang', 'slow', 'reset', 'invalid-json', 'empty-keys', 'html', 'huge', 'redirect', 'recovering']);

const keysUnavailable = (e: Exchange): boolean => e.jwksFault !== undefined && KEYS_UNAVAILABLE.has(e.jwksFault);

/**
 * A 5xx ERR-NO-5XX counts. While the suite keeps the keys from the backend on purpose, 503 (service
 * unavailable) is a fair answer, and JWKS-OUTAGE-STATUS judges it; so is a 503 that throttles a flood
 * the suite sends on purpose (nginx's limit_req answers 503). A 500 or any other 5xx is an unhandled
 * error all the same.
 */
export const isServerError = (e: Exchange): boolean => e.outcome === 'server-error' && !((keysUnavailable(e) || e.flood === true) && e.response?.status === 503);

export const noTraffic = (): Traffic => ({ requests: 0, serverErrors: 0, serverErrorsDuringFault: 0, errorBodies: 0, leaks: 0, leakKinds: [], kept: [] });

function count(t: Traffic, check: string, e: Exchange): void {
  t.requests++;
  const crashed = isServerError(e);
  if (crashed) {
    t.serverErrors++;
    if (keysUnavailable(e)) t.serverErrorsDuringFault++;
  }
  if (isErrorBody(e)) t.errorBodies++;
  const leak = leakOf(e);
  if (leak) {
    t.leaks++;
    if (!t.leakKinds.includes(leak)) t.leakKinds.push(leak);
  }
  // Each kind keeps its first KEEP: a flood of one must not push out the other.
  if ((crashed && t.serverErrors <= KEEP) || (leak && t.leaks <= KEEP)) t.kept.push({ check, exchange: e, ...(leak ? { leak } : {}) });
}

/** The traffic of exchanges at hand (a record that carries only its evidence). */
export function trafficOf(check: string, exchanges: Exchange[]): Traffic {
  const t = noTraffic();
  for (const e of exchanges) count(t, check, e);
  return t;
}

/** Counted in this worker, by the check ID each exchange was sent for, until the check's test takes them. */
const counted = new Map<string, Traffic>();

export function countExchange(check: string, e: Exchange): void {
  const t = counted.get(check) ?? noTraffic();
  counted.set(check, t);
  count(t, check, e);
}

export function addTraffic(a: Traffic | undefined, b: Traffic | undefined): Traffic | undefined {
  if (!a || !b) return a ?? b;
  return {
    requests: a.requests + b.requests,
    serverErrors: a.serverErrors + b.serverErrors,
    serverErrorsDuringFault: a.serverErrorsDuringFault + b.serverErrorsDuringFault,
    errorBodies: a.errorBodies + b.errorBodies,
    leaks: a.leaks + b.leaks,
    leakKinds: [...new Set([...a.leakKinds, ...b.leakKinds])],
    kept: [...a.kept, ...b.kept],
  };
}

/** What was counted under these check IDs since they were last taken (undefined: nothing was sent). */
export function takeTraffic(...checks: string[]): Traffic | undefined {
  let taken: Traffic | undefined;
  for (const check of checks) {
    taken = addTraffic(taken, counted.get(check));
    counted.delete(check);
  }
  return taken;
}
