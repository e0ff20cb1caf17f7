// The oracle: how exchanges become a verdict. Every check goes through these few functions, so
// "accepted", "rejected" and "crashed" mean the same everywhere. A false PASS is the worst bug
// this product can have: anything unclear is ERROR, never PASS.
import { SEVERITIES } from './model.js';
import type { Exchange, Severity, Undecided, Verdict } from './model.js';

export interface CheckResult {
  verdict: Verdict;
  /** This outcome's severity, where it differs from the check's (a deterministic NON-STRICT of a check whose FAIL is high). */
  severity?: Severity;
  observed: string;
  measured?: Record<string, number | string>;
  /** Not decided within the wait budget (verdict INFO): see CheckRecord.undecided. */
  undecided?: Undecided;
  /** Exchanges the check made outside `send` (a shared measurement, a sample of a large batch). */
  evidence?: Exchange[];
  /** A cause this finding names (or several), for the outcomes it explains (keys of CAUSES): they are reported under it. */
  explains?: string | string[];
  /** Causes other checks name that this outcome may follow from, most fundamental first: it is reported under the first whose check failed. */
  causes?: string[];
  /** Causes under which this outcome means nothing, whatever its verdict: where one is named, a finding is reported under it and any other verdict is not judged (SKIP). */
  restsOn?: string[];
  /** The finding stands on a signal of its own (an injected delay, a callback), not on a token accepted: no unverified signature explains it. */
  ownSignal?: boolean;
}

/** Causes the checks name (the check that names one fails with it; others that fail only because of it are reported under it). */
export const CAUSES = {
  /** The positive control failed: valid tokens are refused (CTL-DIAGNOSIS). */
  validTokensRefused: 'valid-tokens-refused',
  /** No signature is verified (SIG-UNVERIFIED): any forged token gets in. */
  signaturesUnverified: 'signatures-unverified',
  /** alg none is accepted (SIG-ALG-NONE). */
  algNone: 'alg-none',
  /** iss is not compared (CLM-ISS-WRONG). */
  issNotChecked: 'iss-not-checked',
  /** aud is not compared (CLM-AUD-WRONG). */
  audNotChecked: 'aud-not-checked',
  /** exp is not enforced (CLM-EXP-PAST). */
  expNotEnforced: 'exp-not-enforced',
  /** A token without exp is accepted (CLM-EXP-MISSING): an exp of null read as absent is that, not a type confusion. */
  expOptional: 'exp-optional',
  /** nbf is not enforced (CLM-NBF-FUTURE). */
  nbfNotEnforced: 'nbf-not-enforced',
  /**
   * exp and nbf are enforced, with a clock tolerance far beyond any leeway (CLM-EXP-PAST: a token
   * expired 400 days ago is refused, one expired minutes ago is not): the expired and the not-yet-valid
   * tokens it lets in are one finding.
   */
  clockTolerance: 'clock-tolerance',
  /** The JWKS client caches nothing (JWKS-CACHE-USED). */
  keysNotCached: 'keys-not-cached',
  /** The JWKS client never refetches (JWKS-ROTATE-NEWKID). */
  keysNeverRefetched: 'keys-never-refetched',
  /** A token that makes the verifier throw is accepted (ERR-FAILOPEN): parse errors wave requests through. */
  verifierFailOpen: 'verifier-fail-open',
  /**
   * A JWKS that does not answer holds requests until the harness gives up (35 s): the key fetch has no
   * timeout within that (JWKS-OUTAGE-STATUS), so a trickling one holds them too (JWKS-HUGE-SLOW).
   */
  jwksFetchUnbounded: 'jwks-fetch-unbounded',
  /**
   * A JWKS that does not answer holds requests past the outage bound, until the client's own timeout
   * (JWKS-OUTAGE-STATUS). A timeout of each read (PyJWKClient, jwks-rsa) ends a silent fetch, never a
   * trickling one: JWKS-HUGE-SLOW's trickle is not this cause.
   */
  jwksFetchTimeoutLong: 'jwks-fetch-timeout-long',
  /** A failed key fetch is an unhandled error: 500 while the JWKS is down (JWKS-OUTAGE-STATUS). */
  jwksOutageServerError: 'jwks-outage-server-error',
  /** One unusable key in the JWKS makes the whole set unusable (JWKS-UNKNOWN-KTY). */
  unusableKeyBreaksSet: 'unusable-key-breaks-set',
  /** The crit header is not read at all: an unknown extension is accepted (SIG-CRIT-UNKNOWN). */
  critIgnored: 'crit-ignored',
  /** Random kids keep the client's refresh limiter spent, so a new key stays out (JWKS-KIDMISS-LIMITER-STARVATION). */
  refreshLimiterStarved: 'refresh-limiter-starved',
  /** Every unknown kid makes the client fetch the JWKS: no cooldown or limit (JWKS-KIDMISS-STORM). */
  kidMissUnthrottled: 'kid-miss-unthrottled',
  /** Tokens are accepted when the JWKS cannot be fetched (JWKS-OUTAGE-FAILCLOSED). */
  jwksFailOpen: 'jwks-fail-open',
  /** The caller is taken from the request, not the token (ISO-SUB-SOURCE). */
  identityFromRequest: 'identity-from-request',
  /** 401 answers carry no Bearer challenge at all (CTL-NO-TOKEN). */
  noBearerChallenge: 'no-bearer-challenge',
  /** Keys are fetched from the URL a token's jku names (KEY-JKU). */
  jkuFollowed: 'jku-followed',
  /** A token is read from the query string (TRN-QUERY). */
  tokenFromQuery: 'token-from-query',
  /** A key the refetched set no longer has keeps verifying (JWKS-REVOKE-AFTER-REFETCH): removal does not end it. */
  removedKeysKept: 'removed-keys-kept',
  /** Verified tokens are cached under part of the token: one token is answered with another's claims (ISO-TOKEN-CACHE-CONFUSION). */
  tokenCacheConfused: 'token-cache-confused',
  /** A verified token is honoured past its exp or session (LIFE-REVOKED-SESSION). */
  tokenOutlivesSession: 'token-outlives-session',
  /** Of two trusted issuers, either one's key verifies tokens that name the other as iss (CLM-ISS-KEY-BINDING). */
  keysNotBoundToIssuer: 'keys-not-bound-to-issuer',
} as const;

/** RFC 6750 §2.1's grammar of a Bearer credential: credentials = "Bearer" 1*SP b64token. */
export const BEARER_CREDENTIALS = /^Bearer +[A-Za-z0-9\-._~+/]+=*$/i;

/** `result`, naming `cause` as its own when it is a finding (FAIL or NON-STRICT). */
export function explainsWhenFailing(cause: string, result: CheckResult): CheckResult {
  return result.verdict === 'FAIL' || result.verdict === 'NON-STRICT' ? { ...result, explains: cause } : result;
}

/** `result` with `causes` it may follow from, before its own, when it is a finding (FAIL or NON-STRICT). */
export function followsFrom(causes: string[], result: CheckResult): CheckResult {
  if (!causes.length || (result.verdict !== 'FAIL' && result.verdict !== 'NON-STRICT')) return result;
  return { ...result, causes: [...causes, ...(result.causes ?? [])] };
}

/** How many exchanges got each status ("401×3, no answer×1"). */
export function statusTally(exchanges: Exchange[]): string {
  const counts = new Map<string, number>();
  for (const e of exchanges) {
    const key = e.response ? String(e.response.status) : 'no answer';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}

/** An exchange's status for an observation: the code, or why there was none. */
export const statusOf = (e: Exchange | undefined): string => (e ? (e.response ? String(e.response.status) : `no answer (${e.error})`) : 'nothing sent');

const labels = (exchanges: Exchange[]) => exchanges.map((e) => `"${e.label}"${e.response ? ` (${e.response.status})` : ''}`).join(', ');

/**
 * Every exchange must be refused. Accepted anywhere: `onAccepted` (FAIL by default). No answer:
 * ERROR. 5xx counts as not accepted here, and fails ERR-NO-5XX separately.
 */
export function expectAllRejected(exchanges: Exchange[], onAccepted: Verdict = 'FAIL'): CheckResult {
  if (exchanges.length === 0) return { verdict: 'ERROR', observed: 'nothing was sent' };
  const accepted = exchanges.filter((e) => e.outcome === 'accepted');
  if (accepted.length > 0) return { verdict: onAccepted, observed: `accepted: ${labels(accepted)}; all statuses: ${statusTally(exchanges)}` };
  const unanswered = exchanges.filter((e) => e.outcome === 'transport-error');
  if (unanswered.length > 0) return { verdict: 'ERROR', observed: `no answer to ${labels(unanswered)}: ${unanswered[0]!.error}` };
  // A 404, 429 or redirect says nothing about the token: the backend was not judged (target.rejectStatuses widens the set).
  const odd = exchanges.filter((e) => e.outcome === 'other');
  if (odd.length > 0) return { verdict: 'ERROR', observed: `inconclusive: neither accepted nor rejected: ${labels(odd)}; all statuses: ${statusTally(exchanges)}` };
  const crashed = exchanges.filter((e) => e.outcome === 'server-error');
  const note = crashed.length ? `; ${crashed.length} answered 5xx (see ERR-NO-5XX)` : '';
  return { verdict: 'PASS', observed: `all ${exchanges.length} rejected (${statusTally(exchanges)})${note}` };
}

/** How long after the last answer the attacker listener is watched for a fetch the backend makes in the background. */
export const FETCH_WINDOW_MS = 1_000;

/** An attacker listener, as the oracle watches it (harness/attacker/listener.ts). */
export interface WatchedListener {
  hitsWithin(prefix: string, windowMs: number): Promise<{ path: string }[]>;
}

/**
 * Every exchange refused, and the attacker listener saw no request under `prefix` (a fetch alone is
 * SSRF) within FETCH_WINDOW_MS of the last answer. Call it once per check, after every answer is in.
 * `fetchOnly`: the severity of a refused token whose URL was fetched all the same, where it is lower
 * than the check's (a blind request to the attacker's host, not a forgery that gets in).
 */
export async function expectRejectedWithoutFetch(exchanges: Exchange[], listener: WatchedListener, prefix: string, fetchOnly?: Severity): Promise<CheckResult> {
  const result = expectAllRejected(exchanges);
  const hits = await listener.hitsWithin(prefix, FETCH_WINDOW_MS);
  const measured = { attackerFetches: hits.length };
  // A fetch seen decides even where an answer is missing: the backend went to the attacker's URL.
  if (result.verdict === 'ERROR' && hits.length > 0) return { verdict: 'FAIL', ...(fetchOnly ? { severity: fetchOnly } : {}), observed: `the backend fetched ${hits.map((h) => h.path).join(', ')} from the attacker listener (SSRF); ${result.observed}`, measured };
  if (result.verdict !== 'PASS') return { ...result, measured };
  if (hits.length > 0) return { verdict: 'FAIL', ...(fetchOnly ? { severity: fetchOnly } : {}), observed: `rejected, but the backend fetched ${hits.map((h) => h.path).join(', ')} from the attacker listener (SSRF)`, measured };
  return { ...result, observed: `${result.observed}; no request reached the attacker listener within ${FETCH_WINDOW_MS / 1000} s of the last answer`, measured };
}

/**
 * A PASS that rests on no request reaching the attacker listener (CheckMeta.watchesAttacker) decides
 * nothing when the backend cannot reach the listener: a fetch it tried would have failed unseen, and
 * the token been refused for that. SKIP with why and the fix; a PASS that stands says why the backend
 * reaches the listener. Every other verdict stands (an accepted token or a fetch seen is a finding
 * wherever the listener is).
 */
export function unobservedPass(result: CheckResult, reach: { reachable: boolean; why: string; fix?: string } | undefined): CheckResult {
  if (result.verdict !== 'PASS' || !reach) return result;
  if (reach.reachable) return { ...result, observed: `${result.observed} (the backend reaches the listener: ${reach.why})`, measured: { ...result.measured, attackerReachable: 'yes' } };
  return {
    ...result,
    verdict: 'SKIP',
    observed: `undecided: the backend may not reach the attacker listener (${reach.why}), so a request it tried there would fail unseen; what was seen: ${result.observed}${reach.fix ? `. To decide it, ${reach.fix}` : ''}`,
    measured: { ...result.measured, attackerReachable: 'no' },
  };
}

/** Every exchange must be accepted (e.g. `bearer` in lower case); rejection gives `onRejected`. */
export function expectAllAccepted(exchanges: Exchange[], onRejected: Verdict): CheckResult {
  const unanswered = exchanges.filter((e) => e.outcome === 'transport-error');
  if (unanswered.length > 0) return { verdict: 'ERROR', observed: `no answer to ${labels(unanswered)}` };
  const refused = exchanges.filter((e) => e.outcome !== 'accepted');
  if (refused.length > 0) return { verdict: onRejected, observed: `not accepted: ${labels(refused)}` };
  return { verdict: 'PASS', observed: `all ${exchanges.length} accepted` };
}

/** A measurement (INFO) of whether one token was accepted, with what each answer means; no answer, or one that is neither, is ERROR. */
export function measuredAcceptance(exchange: Exchange, meaning: { accepted: string; refused: string }): CheckResult {
  if (exchange.outcome === 'accepted') return { verdict: 'INFO', observed: `accepted: ${meaning.accepted}`, measured: { accepted: 1 } };
  if (exchange.outcome === 'rejected') return { verdict: 'INFO', observed: `refused (${exchange.response!.status}): ${meaning.refused}`, measured: { accepted: 0 } };
  return { verdict: 'ERROR', observed: `inconclusive: ${exchange.response?.status ?? exchange.error}` };
}

/** Verdict precedence when one check ID is reported from several places. */
const SEVERITY_OF_VERDICT: Verdict[] = ['SKIP', 'PASS', 'INFO', 'NON-STRICT', 'ERROR', 'FAIL'];
export function worstVerdict(verdicts: Verdict[]): Verdict {
  return verdicts.reduce((a, b) => (SEVERITY_OF_VERDICT.indexOf(b) > SEVERITY_OF_VERDICT.indexOf(a) ? b : a), 'SKIP' as Verdict);
}

/**
 * One verdict from several sub-results of a check: the worst verdict, every observation, and the
 * severity and causes of the worst sub-results. A sub-result without its own severity carries the
 * check's, which then governs (an outcome's own severity lowers the check's: a NON-STRICT low of a
 * check whose FAIL is high); when every worst sub-result sets one, the gravest of them survives.
 */
export function combine(results: CheckResult[]): CheckResult {
  const verdict = worstVerdict(results.map((r) => r.verdict));
  const worst = results.filter((r) => r.verdict === verdict);
  const own = worst.map((r) => r.severity);
  const severity = own.length > 0 && own.every((s) => s !== undefined) ? SEVERITIES.find((s) => own.includes(s)) : undefined;
  const explains = [...new Set(worst.flatMap((r) => [r.explains ?? []].flat()))];
  const causes = [...new Set(worst.flatMap((r) => r.causes ?? []))];
  return {
    verdict,
    ...(severity ? { severity } : {}),
    observed: results.map((r) => r.observed).join('; '),
    ...(explains.length ? { explains } : {}),
    ...(causes.length ? { causes } : {}),
  };
}
