// Checks decided over the whole run rather than by one test: several records of one ID (CTL-PERSIST
// after each family) merge into one, ERR-NO-5XX and ERR-NO-LEAK count every exchange of every check
// (its traffic, evidence or not, labs included), and a
// family's PASSes stand only where the backend was shown alive after them.
import type { CheckMeta, CheckRecord, Exchange, Traffic } from '../checks/model.js';
import { BEARER_CREDENTIALS, CAUSES, worstVerdict } from '../checks/oracle.js';
import { addTraffic, isErrorBody, isServerError, noTraffic, trafficOf } from '../checks/traffic.js';

export const ERR_NO_5XX: CheckMeta = {
  id: 'ERR-NO-5XX',
  title: 'No input makes the backend answer 5xx',
  severity: 'medium',
  requirement: 'Invalid credentials are a client error (RFC 6750 §3.1: 401 invalid_token, 400 invalid_request); a 5xx means an unhandled exception in the authentication path.',
  references: ['RFC 6750 §3.1', 'CVE-2025-49001 (fail-open on verifier exceptions)'],
  taxonomy: { cwe: ['CWE-248'], capec: [], owaspApi: 'API8:2023' },
  expected: 'no 5xx on any request of the run (a 503 while the suite keeps the JWKS down on purpose is a fair answer)',
};

const unanswered = (r: CheckRecord) => r.evidence.some((e) => !e.response);

/**
 * A PASS is a rejection, and a rejection proves nothing unless the backend was alive and accepting
 * valid tokens after it: its family's CTL-PERSIST probe is that proof. Where the probe was refused
 * (a lockout), got no answer, or never ran (the run was interrupted, the backend died), the family's
 * PASSes become ERROR. A probe without an answer is itself ERROR: no answer is not a verdict.
 */
export function distrustUnproven(records: CheckRecord[]): CheckRecord[] {
  const probes = records.filter((r) => r.id === 'CTL-PERSIST');
  const probed = records.map((r) =>
    r.id === 'CTL-PERSIST' && r.verdict === 'FAIL' && unanswered(r)
      ? { ...r, verdict: 'ERROR' as const, observed: `no answer: the backend did not answer a valid token after the ${r.suite} checks, so they are not judged (${r.evidence.find((e) => !e.response)?.error ?? 'no response'})` }
      : r,
  );
  const why = new Map<string | undefined, string>();
  for (const suite of new Set(records.map((r) => r.suite).filter((s) => s !== undefined))) {
    const probe = probed.filter((r) => r.id === 'CTL-PERSIST' && r.suite === suite);
    const refused = probes.filter((r) => r.suite === suite && r.verdict === 'FAIL' && !unanswered(r));
    if (refused.length) why.set(suite, `inconclusive: a valid token was refused after the ${suite} checks (CTL-PERSIST), so this rejection may be a lockout`);
    else if (probe.length === 0) why.set(suite, `not proven: the run ended before the ${suite} family's CTL-PERSIST probe showed the backend alive after this check`);
    else if (probe.some((r) => r.verdict !== 'PASS' && (unanswered(r) || r.interrupted))) why.set(suite, `not proven: the backend was not shown alive after the ${suite} checks (CTL-PERSIST: ${probe.find((r) => r.verdict !== 'PASS')!.observed})`);
  }
  return probed.map((r) => (r.id !== 'CTL-PERSIST' && r.verdict === 'PASS' && why.has(r.suite) ? { ...r, verdict: 'ERROR', observed: `${why.get(r.suite)}; ${r.observed}` } : r));
}

/** After the backend died, a FAIL built on requests it never answered is no finding: ERROR. Acceptances it answered stand. */
export function noFindingWithoutAnswer(records: CheckRecord[], why: string): CheckRecord[] {
  return records.map((r) => (r.verdict === 'FAIL' && unanswered(r) ? { ...r, verdict: 'ERROR', observed: `not judged: ${why}; ${r.observed}` } : r));
}

/** The gate's wording, when the positive control got no answer at all rather than a refusal. */
export function sayWhenUnanswered(records: CheckRecord[]): CheckRecord[] {
  const claim = 'inconclusive: the backend rejects valid tokens (';
  return records.map((r) =>
    r.verdict === 'ERROR' && r.observed.startsWith(claim) && r.evidence.length > 0 && r.evidence.every((e) => !e.response)
      ? { ...r, observed: `inconclusive: the backend did not answer the positive control (${r.observed.slice(claim.length)}` }
      : r,
  );
}

export function mergeById(records: CheckRecord[]): CheckRecord[] {
  const byId = new Map<string, CheckRecord[]>();
  for (const r of records) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return [...byId.values()].map((group) =>
    group.length === 1
      ? group[0]!
      : {
          ...group[0]!,
          verdict: worstVerdict(group.map((r) => r.verdict)),
          observed: [...new Set(group.map((r) => r.observed))].join('; '),
          evidence: group.flatMap((r) => r.evidence),
          durationMs: group.reduce((sum, r) => sum + r.durationMs, 0),
          ...(group.some((r) => r.traffic) ? { traffic: group.map((r) => r.traffic).reduce(addTraffic)! } : {}),
        },
  );
}

// A JWKS or LIFE check that could not conclude (a time bound beyond the wait budget, a window that
// does not end within the leeway bound) still sent its requests, and they are all here: it does not
// make these checks inconclusive.
const MEASURING_SUITES: readonly string[] = ['JWKS', 'LIFE'];
const inconclusiveOf = (records: CheckRecord[]) => records.filter((r) => r.verdict === 'ERROR' && !MEASURING_SUITES.includes(r.suite ?? ''));

/** A run-wide check's record, before its verdict. */
const runWide = (meta: CheckMeta) => ({ ...meta, family: 'ERR' as const, durationMs: 0, alone: false as const });

/**
 * Nothing wrong was seen: PASS, judged on the exchanges the run sent. Unless valid tokens were refused
 * (CTL-DIAGNOSIS): then whole families' attacks were never sent, and this is ERROR under that cause; or
 * the backend left requests of an inconclusive check unanswered. Another check that could not conclude
 * is its own ERROR; the exchanges it sent are counted here.
 */
function cleanUnlessInconclusive(base: ReturnType<typeof runWide>, records: CheckRecord[], observed: string): CheckRecord {
  const inconclusive = inconclusiveOf(records);
  const unsent = inconclusive.filter((r) => r.causes?.[0] === CAUSES.validTokensRefused);
  if (unsent.length) return { ...base, verdict: 'ERROR', observed: `inconclusive: ${observed}, but ${unsent.length} checks were never sent because valid tokens were refused`, evidence: [], causes: [CAUSES.validTokensRefused] };
  // Requests the backend never answered (it stopped, or hung) might have been anything.
  const unanswered = inconclusive.filter((r) => r.evidence.some((e) => !e.response));
  if (unanswered.length) return { ...base, verdict: 'ERROR', observed: `inconclusive: ${observed}, but the backend did not answer requests of ${unanswered.length} checks (${unanswered.map((r) => r.id).slice(0, 5).join(', ')})`, evidence: [] };
  const note = inconclusive.length ? ` (${inconclusive.length} checks could not conclude: ${inconclusive.map((r) => r.id).join(', ')}; what they sent is counted)` : '';
  return { ...base, verdict: 'PASS', observed: `${observed}${note}`, evidence: [] };
}

/** Exchanges of other checks, quoted as this check's evidence (at most `limit`). */
const quote = (found: { check: string; e: Exchange }[], limit: number, suffix: (i: number) => string = () => '') =>
  found.slice(0, limit).map(({ check, e }, i) => ({ ...e, label: `${check}: ${e.label}${suffix(i)}` }));

/** Why a run-wide check saw nothing to judge: the selection, or an early end. */
export interface RunScope {
  /** --only or --skip narrowed the run. */
  selective: boolean;
  /** The run stopped before its end. */
  halted?: boolean;
}
const nothingBecause = (scope: RunScope) => (scope.halted ? ' (the run stopped early)' : scope.selective ? ' (see --only and --skip)' : '');

/** Every exchange of the run: what the checks counted, or, for a record that carries none, its evidence. */
export function runTraffic(records: CheckRecord[]): Traffic {
  return records.map((r) => r.traffic ?? trafficOf(r.id, r.evidence)).reduce((a, b) => addTraffic(a, b)!, noTraffic());
}

export function noServerErrors(records: CheckRecord[], scope: RunScope): CheckRecord {
  const traffic = runTraffic(records);
  const crashed = traffic.kept.filter((k) => isServerError(k.exchange)).map(({ check, exchange }) => ({ check, e: exchange }));
  const base = runWide(ERR_NO_5XX);
  const { requests, serverErrors, serverErrorsDuringFault } = traffic;
  if (requests === 0) return { ...base, verdict: 'SKIP', observed: `no request was recorded in this run${nothingBecause(scope)}`, evidence: [] };
  if (serverErrors === 0) return cleanUnlessInconclusive(base, records, `none of ${requests} requests answered 5xx`);
  // Every check keeps its first few 5xx, so every check that got one is named.
  const checks = [...new Set(crashed.map(({ check }) => check))];
  // 5xx only while the suite kept the JWKS down: an unhandled key-fetch error, the finding JWKS-OUTAGE-STATUS names when it saw them.
  const onlyInOutages = serverErrorsDuringFault === serverErrors;
  return {
    ...base,
    verdict: 'FAIL',
    observed: `${serverErrors} of ${requests} requests answered 5xx${onlyInOutages ? ', all while the JWKS was down on purpose' : ''}, in ${checks.join(', ')}`,
    measured: { serverErrors, requests, ...(serverErrorsDuringFault ? { duringJwksFault: serverErrorsDuringFault } : {}) },
    evidence: quote(crashed, 20),
    ...(onlyInOutages ? { causes: [CAUSES.jwksOutageServerError] } : {}),
  };
}

export const ERR_401_CHALLENGE: CheckMeta = {
  id: 'ERR-401-CHALLENGE',
  title: 'Rejected tokens get 401 with WWW-Authenticate: Bearer error="invalid_token"',
  severity: 'low',
  requirement: 'RFC 6750 §3, §3.1: an invalid token is answered with 401 and a Bearer challenge carrying error="invalid_token".',
  references: ['RFC 6750 §3, §3.1', 'RFC 9068 §4'],
  taxonomy: { cwe: ['CWE-684'], capec: [], owaspApi: 'API8:2023' },
  expected: '401 + WWW-Authenticate: Bearer error="invalid_token" for every rejected token (NON-STRICT otherwise)',
};

export const ERR_NO_LEAK: CheckMeta = {
  id: 'ERR-NO-LEAK',
  title: 'Error responses do not leak stack traces, key material or the token',
  severity: 'low',
  requirement: 'Error bodies must not disclose internals: stack traces, file paths, private key material, or the rejected token itself.',
  references: ['OWASP ASVS 5.0 V16 (error handling)', 'jwt_tool reflected claims'],
  taxonomy: { cwe: ['CWE-209', 'CWE-497'], capec: ['CAPEC-54'], owaspApi: 'API8:2023' },
  expected: 'no stack trace, key material or token echo in any error body',
};

/**
 * Every refusal of a token the records show, each once: the checks gated on a failed positive control
 * all carry that control's exchanges as their evidence (a backend that refuses everything showed one
 * refusal, not one per check).
 */
function rejectedWithToken(records: CheckRecord[]): { check: string; e: Exchange }[] {
  const seen = new Set<string>();
  return records.flatMap((r) =>
    r.evidence.filter(isErrorBody).flatMap((e) => {
      const key = JSON.stringify([e.label, e.request.method, e.request.url, e.request.token?.compact, e.response?.status, e.durationMs]);
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ check: r.id, e }];
    }),
  );
}

/** The checks decided over the whole run: reported whenever any check ran, whatever --only and --skip say. */
export const RUN_WIDE_CHECKS: CheckMeta[] = [ERR_NO_5XX, ERR_401_CHALLENGE, ERR_NO_LEAK];

export function challengeOnRejection(records: CheckRecord[], scope: RunScope): CheckRecord {
  const base = runWide(ERR_401_CHALLENGE);
  // Oversized requests (DOS-*) are refused by the HTTP layer before any token is read (413, 431, or
  // 400 from some servers): no challenge is owed there.
  // Refusals of valid tokens (another user's resource) are authorization decisions: 403/404 is right there.
  // Only refusals (401/403/400): a 404 or 422 for a token says the request got past authentication.
  const rejected = rejectedWithToken(records).filter(({ check, e }) => e.outcome === 'rejected' && !check.startsWith('DOS-') && !e.validToken && e.response!.status < 500 && e.response!.status !== 413 && e.response!.status !== 431);
  if (rejected.length === 0) return { ...base, verdict: 'SKIP', observed: `no rejected token in this run${nothingBecause(scope)}`, evidence: [] };
  const challengeOf = (e: Exchange) => String(e.response!.headers['www-authenticate'] ?? '');
  // invalid_request answers a malformed request: with 400 always; with 401 only where the credential
  // was outside the Bearer grammar (whether that should be 400 is ERR-400-MALFORMED's question). A
  // well-formed token refused with invalid_request lacks its invalid_token challenge.
  const malformedRequest = (e: Exchange) =>
    /^bearer\b/i.test(challengeOf(e)) && /error="?invalid_request"?/i.test(challengeOf(e)) && (e.response!.status === 400 || (e.response!.status === 401 && !BEARER_CREDENTIALS.test(e.request.headers.authorization ?? '')));
  const malformed = rejected.filter(({ e }) => malformedRequest(e));
  const wrong = rejected.filter(({ e }) => !malformedRequest(e) && !(e.response!.status === 401 && /^bearer\b/i.test(challengeOf(e)) && /error="?invalid_token"?/i.test(challengeOf(e))));
  const asMalformed = malformed.length ? `; ${malformed.length} malformed credential${malformed.length === 1 ? '' : 's'} got invalid_request (see ERR-400-MALFORMED)` : '';
  if (wrong.length === 0) return cleanUnlessInconclusive(base, records, `all ${rejected.length - malformed.length} rejected tokens got 401 with a Bearer invalid_token challenge${asMalformed}`);
  const sample = wrong[0]!.e;
  // 401s with no Bearer challenge at all are one finding with CTL-NO-TOKEN's (the same missing header), not a second.
  const noChallenge = wrong.every(({ e }) => e.response!.status === 401 && !/^bearer\b/i.test(String(e.response!.headers['www-authenticate'] ?? '')));
  return {
    ...base,
    ...(noChallenge ? { causes: [CAUSES.noBearerChallenge] } : {}),
    verdict: 'NON-STRICT',
    observed: `${wrong.length} of ${rejected.length} rejections lacked 401 + Bearer error="invalid_token" (e.g. ${sample.response!.status}, WWW-Authenticate: ${String(sample.response!.headers['www-authenticate'] ?? 'absent')})`,
    evidence: quote(wrong, 10),
  };
}

export function noLeaks(records: CheckRecord[], scope: RunScope): CheckRecord {
  const base = runWide(ERR_NO_LEAK);
  const { errorBodies, leaks: leaked, leakKinds, kept } = runTraffic(records);
  if (errorBodies === 0) return { ...base, verdict: 'SKIP', observed: `no rejected token in this run${nothingBecause(scope)}`, evidence: [] };
  const leaks = kept.filter((k) => k.leak !== undefined);
  if (leaked === 0) return cleanUnlessInconclusive(base, records, `nothing leaked in ${errorBodies} error bodies`);
  return {
    ...base,
    verdict: 'FAIL',
    observed: `${leaked} of ${errorBodies} error bodies leaked ${leakKinds.join(', ')}`,
    evidence: quote(leaks.map(({ check, exchange }) => ({ check, e: exchange })), 10, (i) => ` (leaks ${leaks[i]!.leak})`),
  };
}

/**
 * One cause, one finding: an outcome that follows from a cause another check's finding names (a
 * check gated on the positive control, when the diagnosis says why valid tokens are refused) is
 * reported under that check, `sameCauseAs`, with the cause named first. An outcome that rests on a
 * named cause (CheckResult.restsOn) is reported under it whatever its verdict: a PASS, a NON-STRICT,
 * an INFO or an ERROR there measured nothing, and is SKIP.
 */
export function linkCauses(records: CheckRecord[]): CheckRecord[] {
  const namersAmong = (named: CheckRecord[]) => {
    const namer = new Map<string, string>();
    for (const r of named) for (const cause of r.explains && r.verdict !== 'PASS' ? [r.explains].flat() : []) if (!namer.has(cause)) namer.set(cause, r.id);
    return namer;
  };
  // A finding that rests on a cause another check names (a JWKS check on a backend that verifies no
  // signature) names no cause of its own.
  const fundamental = namersAmong(records.filter((r) => !r.restsOn));
  const namer = namersAmong(records.filter((r) => !r.restsOn?.some((c) => fundamental.has(c))));
  const rootOf = (causes: string[] | undefined, r: CheckRecord) => causes?.map((c) => namer.get(c)).find((id) => id !== undefined && id !== r.id);
  return records.map((r) => {
    // What the outcome rests on comes first: under it even a PASS (or a hardening gap an issuer-signed
    // token showed) measured nothing; only a FAIL, a way in, is still worth reading, as that cause's.
    const base = rootOf(r.restsOn, r);
    if (base && r.verdict !== 'FAIL' && r.verdict !== 'SKIP') {
      return { ...r, verdict: 'SKIP', sameCauseAs: base, observed: `not judged, same cause as ${base}: what it measured rests on what ${base} found broken (it saw ${r.verdict}: ${r.observed})` };
    }
    const root = base ?? rootOf(r.causes, r);
    return root ? { ...r, sameCauseAs: root, observed: `same cause as ${root}: ${r.observed}` } : r;
  });
}
