// Claims checks (docs/checks.md#family-CLM). Every token here carries a valid signature from the issuer's real
// key, so a rejection can only come from the claim under test: what token-mutation tools cannot test.
import { randomBytes } from 'node:crypto';
import { family } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { CAUSES, expectAllAccepted, expectAllRejected, explainsWhenFailing, measuredAcceptance, statusOf, statusTally } from '../harness/checks/oracle.js';
import { secondIssuerWithUser } from '../harness/checks/second-issuer.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { freshTimes } from '../harness/forge/token.js';
import type { Exchange } from '../harness/checks/model.js';
import { IsolationLab } from '../harness/checks/isolation-lab.js';
import { succeeded } from '../harness/resources/client.js';

const { check, persistenceProbe } = family('CLM');

/** Sends A's claims with each change, validly signed, and expects every one rejected. */
async function rejectSigned(tools: CheckTools, variants: [string, Record<string, unknown>][], onAccepted: 'FAIL' | 'NON-STRICT' = 'FAIL'): Promise<CheckResult> {
  // The control: the same times, nothing changed. Refused, the refusals say nothing of the changes (a
  // backend whose clock the harness misread, a minted token it refuses for another reason).
  const base = freshTimes();
  const [control, ...exchanges] = await tools.sendAll([
    ['control: the same claims and times, nothing changed', await tools.signed(base)],
    ...(await Promise.all(variants.map(async ([label, changes]) => [label, await tools.signed({ ...base, ...changes })] as [string, string]))),
  ]);
  const result = expectAllRejected(exchanges, onAccepted);
  if (result.verdict === 'PASS' && control!.outcome !== 'accepted') return { verdict: 'ERROR', observed: `not attributable: ${result.observed}, but the control with nothing changed was refused too (${statusOf(control!)})`, evidence: [control!] };
  return result;
}

/** Far beyond any clock tolerance a library would be configured with (a year, say): refused there, the claim is enforced. */
const FAR_OUT_S = 400 * 24 * 3600;

/** Whether one token with `changes` is refused (an answer that is no refusal, or none, says nothing). */
async function refusedFarOut(tools: CheckTools, label: string, changes: Record<string, unknown>): Promise<boolean> {
  const [exchange] = await tools.sendAll([[label, await tools.signed({ ...freshTimes(), ...changes })]]);
  return exchange?.outcome === 'rejected';
}

/** CLM-EXP-LEEWAY: PASS up to LEEWAY_PASS_S, NON-STRICT up to LEEWAY_NON_STRICT_S, FAIL beyond. */
const LEEWAY_PASS_S = 60;
const LEEWAY_NON_STRICT_S = 300;
/** A second past each bound too: a leeway of 90 s accepts 60 and refuses 120, and must not pass as 60. */
const LEEWAY_STEPS = [5, 30, LEEWAY_PASS_S, LEEWAY_PASS_S + 1, 120, LEEWAY_NON_STRICT_S, LEEWAY_NON_STRICT_S + 1, 600];
/** How long ago CLM-EXP-PAST's token expired: a minute past any leeway that CLM-EXP-LEEWAY does not fail. */
const PAST_S = LEEWAY_NON_STRICT_S + 60;

/** The origin of a URL-valued claim or setting; undefined for anything else. */
const originOf = (value: unknown): string | undefined => {
  const origin = typeof value === 'string' && URL.canParse(value) ? new URL(value).origin : undefined;
  return origin === 'null' ? undefined : origin; // a URL of no web origin (api://…) has "null"
};

const expected = (c: Record<string, unknown>, name: 'iss' | 'aud') => String(Array.isArray(c[name]) ? (c[name] as string[])[0] : c[name]);

check(
  {
    id: 'CLM-EXP-PAST',
    needs: ['mint'],
    title: 'An expired token is rejected',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.4: the current time MUST be before exp (with at most a small leeway).',
    references: ['RFC 7519 §4.1.4', 'RFC 9068 §4', 'ASVS 5.0 9.2.1', 'OIDF invalid-expired-exp'],
    taxonomy: { cwe: ['CWE-613', 'CWE-294'], capec: ['CAPEC-60'], owaspApi: 'API2:2023' },
    expected: `401 for exp ${PAST_S / 60} minutes (past the most leeway CLM-EXP-LEEWAY tolerates, ${LEEWAY_NON_STRICT_S} s, by a minute) and one hour in the past`,
  },
  // Past beyond any leeway CLM-EXP-LEEWAY does not fail, so a library's default leeway (Rust's
  // jsonwebtoken: 60 s) is that check's measurement, not an expired token accepted.
  async (t) => {
    const result = await rejectSigned(t, [[`exp = now - ${PAST_S} s`, { exp: t.now() - PAST_S, iat: t.now() - PAST_S - 900 }], ['exp = now - 1 h', { exp: t.now() - 3600, iat: t.now() - 4500 }]]);
    if (result.verdict !== 'FAIL') return result;
    // Enforced with a tolerance, or not at all: a token long expired tells them apart (CLM-NBF-FUTURE's finding may be the same tolerance).
    const tolerant = await refusedFarOut(t, 'exp = now - 400 days (is exp enforced at all?)', { exp: t.now() - FAR_OUT_S, iat: t.now() - FAR_OUT_S - 900 });
    return tolerant
      ? { ...result, observed: `${result.observed}; a token expired 400 days ago is refused: exp is enforced with a clock tolerance far beyond any leeway`, explains: [CAUSES.expNotEnforced, CAUSES.clockTolerance] }
      : { ...result, explains: CAUSES.expNotEnforced };
  },
);

check(
  {
    id: 'CLM-EXP-LEEWAY',
    needs: ['mint'],
    title: 'The clock leeway on exp is small (measured)',
    severity: 'medium',
    requirement: 'RFC 7519 §4.1.4: leeway "usually no more than a few minutes". PASS at most 60 s, NON-STRICT up to 300 s, FAIL beyond.',
    references: ['RFC 7519 §4.1.4'],
    taxonomy: { cwe: ['CWE-613'], capec: ['CAPEC-60'], owaspApi: 'API2:2023' },
    expected: `expired tokens rejected from ${LEEWAY_PASS_S} s past exp at the latest`,
  },
  async (t) => {
    const results = await Promise.all(
      LEEWAY_STEPS.map(async (ago) => {
        const exchange = await t.send(`exp = now - ${ago} s`, await t.signed({ exp: t.now() - ago, iat: t.now() - ago - 900 }));
        return { ago, exchange };
      }),
    );
    const unclear = results.find((r) => r.exchange.outcome === 'transport-error' || r.exchange.outcome === 'other');
    if (unclear) return { verdict: 'ERROR', observed: `inconclusive for exp = now - ${unclear.ago} s: ${unclear.exchange.response?.status ?? unclear.exchange.error}` };
    const accepted = results.filter((r) => r.exchange.outcome === 'accepted').map((r) => r.ago);
    const leeway = accepted.length ? Math.max(...accepted) : 0;
    const measured = { leewaySecondsAtLeast: leeway, probedSeconds: LEEWAY_STEPS.join(',') };
    const observed = accepted.length ? `expired tokens accepted up to ${leeway} s past exp` : `rejected from ${LEEWAY_STEPS[0]} s past exp`;
    return { verdict: leeway <= LEEWAY_PASS_S ? 'PASS' : leeway <= LEEWAY_NON_STRICT_S ? 'NON-STRICT' : 'FAIL', observed, measured };
  },
  { causes: [CAUSES.expNotEnforced] },
);

check(
  {
    id: 'CLM-EXP-MISSING',
    needs: ['mint'],
    title: 'A token without exp is rejected',
    severity: 'medium',
    requirement: 'RFC 7519 §4.1.4 makes exp optional, so accepting a token without it is a hardening gap (a stolen token never expires), not a broken MUST; RFC 9068 §2.2 requires it only in at+jwt access tokens, which Better Auth does not issue. jose accepts it unless exp is required.',
    references: ['RFC 7519 §4.1.4', 'RFC 9068 §2.2', 'OIDF FAPI invalid-missing-exp'],
    taxonomy: { cwe: ['CWE-613'], capec: ['CAPEC-60'], owaspApi: 'API2:2023' },
    expected: '401 (NON-STRICT if accepted)',
  },
  async (t) => {
    const tokens: [string, string][] = [['no exp claim', await t.signed({ iat: t.now(), exp: undefined })]];
    return explainsWhenFailing(CAUSES.expOptional, expectAllRejected(await t.sendAll(tokens), 'NON-STRICT'));
  },
  { causes: [CAUSES.expNotEnforced] },
);

check(
  {
    id: 'CLM-EXP-TYPE',
    needs: ['mint'],
    title: 'An exp of the wrong type is rejected, never treated as absent',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.4, §2: exp MUST be a NumericDate. A verifier that treats a wrong type as absent accepts tokens that never expire; one that coerces a numeric string and still enforces it is lenient but safe.',
    references: ['RFC 7519 §2, §4.1.4', 'CVE-2026-25537', 'legacy jwt-go VerifyExpiresAt'],
    taxonomy: { cwe: ['CWE-1287', 'CWE-613'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 for every wrong type; a numeric string coerced and enforced (a past one refused) is NON-STRICT (low); treated as absent is FAIL, except null where a token without exp is accepted too (CLM-EXP-MISSING\'s finding, reported under it). (exp = 1e308, a legal NumericDate, is LIFE-LONG-EXP\'s question.)',
  },
  async (t) => {
    const wrong: unknown[] = ['9999999999', '1e10', -1, null, true, [], {}];
    const iat = t.now();
    const tokens = await Promise.all(wrong.map(async (exp) => [`exp = ${JSON.stringify(exp)}`, await t.signed({ iat, exp })] as [string, string]));
    // The control: a numeric string an hour in the past. Refused, the strings are parsed and enforced;
    // accepted, a string exp is not enforced at all.
    tokens.push(['control: exp = a numeric string an hour ago', await t.signed({ iat: iat - 7200, exp: String(iat - 3600) })]);
    // And no exp at all: accepted, a null exp read as absent is CLM-EXP-MISSING's finding, not a type confusion.
    tokens.push(['control: no exp claim', await t.signed({ iat, exp: undefined })]);
    const sent = await t.sendAll(tokens);
    const absent = sent.at(-1)!;
    const nullAsAbsent = absent.outcome === 'accepted' && sent.some((e) => e.label === 'exp = null' && e.outcome === 'accepted');
    const exchanges = sent.filter((e) => e !== absent && !(nullAsAbsent && e.label === 'exp = null'));
    const absentNote = nullAsAbsent ? `; exp = null was accepted as a token without exp is (${statusOf(absent)}): read as absent, CLM-EXP-MISSING's finding` : '';
    const result = expectAllRejected(exchanges);
    if (result.verdict !== 'FAIL') {
      if (!nullAsAbsent || result.verdict !== 'PASS') return result;
      return { verdict: 'NON-STRICT', severity: 'medium', observed: `${result.observed}${absentNote}`, causes: [CAUSES.expOptional] };
    }
    const accepted = exchanges.filter((e) => e.outcome === 'accepted').map((e) => e.label);
    const numericStrings = ['exp = "9999999999"', 'exp = "1e10"'];
    const control = exchanges.find((e) => e.label.startsWith('control: exp = a numeric string'))!;
    const onlyNumericStrings = accepted.every((label) => numericStrings.includes(label));
    if (onlyNumericStrings && control.outcome !== 'rejected' && control.outcome !== 'accepted') {
      return { verdict: 'ERROR', observed: `inconclusive: accepted ${accepted.join(', ')}, and the past numeric string got ${control.response?.status ?? control.error}, so whether a string exp is enforced is unknown` };
    }
    if (onlyNumericStrings && control.outcome === 'rejected') {
      return { verdict: 'NON-STRICT', severity: 'low', observed: `accepted: ${accepted.join(', ')}; a past numeric string was refused (${control.response!.status}), so exp strings are coerced and still enforced${absentNote}` };
    }
    return { ...result, observed: `${result.observed}${control.outcome === 'accepted' ? '; a past numeric string was accepted too: a string exp is not enforced' : ''}${absentNote}` };
  },
  { causes: [CAUSES.expNotEnforced] },
);

check(
  {
    id: 'CLM-NBF-FUTURE',
    needs: ['mint'],
    title: 'A token not yet valid (nbf well in the future) is rejected',
    severity: 'medium',
    requirement: 'RFC 7519 §4.1.5: the current time MUST be after or equal to nbf (small leeway allowed).',
    references: ['RFC 7519 §4.1.5', 'OIDF nbf-over-60-seconds'],
    taxonomy: { cwe: ['CWE-304'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 for nbf = now + 120 s and now + 600 s',
  },
  async (t) => {
    const result = await rejectSigned(t, [['nbf = now + 120 s', { nbf: t.now() + 120 }], ['nbf = now + 600 s', { nbf: t.now() + 600 }]]);
    if (result.verdict !== 'FAIL') return result;
    // Refused 400 days ahead: nbf is enforced, with a tolerance (reported under CLM-EXP-PAST when exp has the same one).
    const tolerant = await refusedFarOut(t, 'nbf = now + 400 days (is nbf enforced at all?)', { nbf: t.now() + FAR_OUT_S, exp: t.now() + FAR_OUT_S + 600 });
    return tolerant ? { ...result, observed: `${result.observed}; nbf 400 days ahead is refused: nbf is enforced with a clock tolerance far beyond any leeway`, causes: [CAUSES.clockTolerance] } : result;
  },
  { explains: CAUSES.nbfNotEnforced },
);

check(
  {
    id: 'CLM-NBF-TYPE',
    needs: ['mint'],
    title: 'An nbf of the wrong type is rejected, never treated as absent',
    severity: 'medium',
    requirement: 'RFC 7519 §4.1.5, §2: nbf MUST be a NumericDate.',
    references: ['RFC 7519 §2, §4.1.5', 'CVE-2026-25537'],
    taxonomy: { cwe: ['CWE-1287', 'CWE-304'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 for every wrong type; true coerced to 1 or null read as absent (nbf is optional) is NON-STRICT, low',
  },
  async (t) => {
    const variants = (['9999999999', null, true, [], {}] as unknown[]).map((nbf) => [`nbf = ${JSON.stringify(nbf)}`, { nbf }] as [string, Record<string, unknown>]);
    const tokens = await Promise.all(variants.map(async ([label, changes]) => [label, await t.signed({ iat: t.now(), exp: t.now() + 600, ...changes })] as [string, string]));
    const exchanges = await t.sendAll(tokens);
    const result = expectAllRejected(exchanges);
    // Only nbf = true (coerced to 1, int(True), a time long past, and still compared) or nbf = null (read
    // as absent; nbf is optional): lenient, not open.
    const lenient = ['nbf = true', 'nbf = null'];
    const accepted = exchanges.filter((e) => e.outcome === 'accepted').map((e) => e.label);
    if (result.verdict !== 'FAIL' || !accepted.every((label) => lenient.includes(label))) return result;
    const why = accepted.map((label) => (label === 'nbf = true' ? 'true is coerced to 1, a time long past' : 'null is read as absent, and nbf is optional')).join('; ');
    return { ...result, verdict: 'NON-STRICT', severity: 'low', observed: `${result.observed}: ${why}` };
  },
  { causes: [CAUSES.nbfNotEnforced] },
);

check(
  {
    id: 'CLM-IAT-FUTURE',
    needs: ['mint'],
    title: 'A token issued in the future is rejected',
    severity: 'low',
    requirement: 'RFC 7519 §4.1.6: iat is the time of issue; a token from an hour ahead is not plausible (jose checks it only with maxTokenAge).',
    references: ['RFC 7519 §4.1.6', 'OIDF ValidateIdToken'],
    taxonomy: { cwe: ['CWE-304', 'CWE-613'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (NON-STRICT if accepted)',
  },
  async (t) => expectAllRejected(await t.sendAll([['iat = now + 1 h', await t.signed({ iat: t.now() + 3600, exp: t.now() + 4500 })]]), 'NON-STRICT'),
);

check(
  {
    id: 'CLM-IAT-MISSING',
    needs: ['mint'],
    title: 'Whether a token without iat is accepted (measured)',
    severity: 'info',
    requirement: 'RFC 7519 §4.1.6 makes iat optional (Better Auth always sets it); a backend that caps token age needs it.',
    references: ['RFC 7519 §4.1.6', 'OIDF missing-iat'],
    taxonomy: { cwe: ['CWE-613'], capec: [], owaspApi: 'API2:2023' },
    expected: 'INFO: accepted, or refused by a backend that requires iat',
  },
  async (t) => measuredAcceptance(await t.send('no iat claim', await t.signed({ iat: undefined, exp: t.now() + 600 })), { accepted: 'iat is optional here', refused: 'the backend requires iat' }),
);

check(
  {
    id: 'CLM-IAT-TYPE',
    needs: ['mint'],
    title: 'An iat of the wrong type is rejected',
    severity: 'low',
    requirement: 'RFC 7519 §4.1.6, §2: iat MUST be a NumericDate. Unlike exp and nbf, a wrong iat decides no validity window on its own (only a maximum token age reads it), so accepting one is lax parsing.',
    references: ['RFC 7519 §2, §4.1.6', 'OIDF missing-iat'],
    taxonomy: { cwe: ['CWE-1287'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 for every wrong type (NON-STRICT if accepted); null read as absent is CLM-IAT-MISSING\'s measurement',
  },
  async (t) => {
    const variants = ([String(t.now()), 'yesterday', true, [], {}] as unknown[]).map((iat) => [`iat = ${JSON.stringify(iat)}`, { iat }] as [string, Record<string, unknown>]);
    const tokens = await Promise.all(variants.map(async ([label, changes]) => [label, await t.signed({ exp: t.now() + 600, ...changes })] as [string, string]));
    return expectAllRejected(await t.sendAll(tokens), 'NON-STRICT');
  },
);

check(
  {
    id: 'CLM-IAT-ANCIENT',
    needs: ['mint'],
    title: 'Whether a token issued a week ago, and still unexpired, is accepted (measured)',
    severity: 'info',
    requirement: 'A maximum token age is a policy of the backend (jose maxTokenAge); Better Auth issues 15-minute tokens, so a week-old iat with a valid exp is a token no Better Auth issuer made.',
    references: ['RFC 7519 §4.1.6', 'OIDF iat-is-week-in-past', 'jose jwtVerify maxTokenAge'],
    taxonomy: { cwe: ['CWE-613'], capec: [], owaspApi: 'API2:2023' },
    expected: 'INFO: accepted (no maximum age), or refused (the backend caps token age)',
  },
  async (t) => measuredAcceptance(await t.send('iat = now - 7 days, exp = now + 10 min', await t.signed({ iat: t.now() - 7 * 24 * 3600, exp: t.now() + 600 })), { accepted: 'no maximum token age', refused: 'the backend caps token age' }),
);

/** The other name of a loopback host: what a Better Auth with both in allowedHosts signs as its issuer when asked there. */
const LOOPBACK_TWIN: Record<string, string> = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' };

check(
  {
    id: 'CLM-ISS-WRONG',
    needs: ['mint'],
    title: 'A token from another issuer is rejected (exact match)',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.1 / RFC 9068 §4: iss MUST exactly match the expected issuer (case-sensitive).',
    references: ['RFC 7519 §4.1.1', 'RFC 9068 §4', 'RFC 8725 §3.8', 'OIDF invalid-iss', 'backstage#25829'],
    taxonomy: { cwe: ['CWE-304', 'CWE-178', 'CWE-346'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 for every near-miss',
  },
  (t) => {
    const iss = expected(t.claims, 'iss');
    const url = new URL(iss);
    const variants: [string, Record<string, unknown>][] = [
      ['iss + "1"', { iss: `${iss}1` }],
      ['trailing slash toggled', { iss: iss.endsWith('/') ? iss.slice(0, -1) : `${iss}/` }],
      ['other scheme', { iss: iss.replace(/^http(s?):/, (_, s: string) => (s ? 'http:' : 'https:')) }],
      ['host upper-case', { iss: iss.replace(url.hostname, url.hostname.toUpperCase()) }],
      ['another port', { iss: `${url.protocol}//${url.hostname}:${Number(url.port || 80) + 1}${url.pathname === '/' ? '' : url.pathname}` }],
      ['another service', { iss: 'https://auth.attacker.example' }],
      // Shapes Better Auth 1.7 itself signs: a dynamic baseURL (allowedHosts) without jwt.issuer signs
      // iss "", another allowed host signs its own origin, and its OAuth provider appends the base path.
      ['empty (Better Auth 1.7 with a dynamic baseURL and no jwt.issuer)', { iss: '' }],
      ["the base path appended (the OAuth provider's issuer without jwt.issuer)", { iss: `${iss.replace(/\/$/, '')}/api/auth` }],
      ...(LOOPBACK_TWIN[url.hostname] ? [['another host of the same server', { iss: iss.replace(url.hostname, LOOPBACK_TWIN[url.hostname]!) }] as [string, Record<string, unknown>]] : []),
    ];
    return rejectSigned(t, variants.filter(([, c]) => c.iss !== iss));
  },
  { explains: CAUSES.issNotChecked },
);

check(
  {
    id: 'CLM-ISS-KEY-BINDING',
    needs: ['mint'],
    requires: ['secondIssuer'],
    title: "Of two trusted issuers, one's key never verifies a token naming the other",
    severity: 'high',
    requirement:
      "RFC 8725 §3.8: a backend that trusts several issuers verifies each token with the keys of the issuer its iss names, and only those: a key of one trusted issuer must not make a token claiming another issuer valid.",
    references: ['RFC 8725 §3.8', 'RFC 7519 §4.1.1', 'OIDF invalid-iss'],
    taxonomy: { cwe: ['CWE-347', 'CWE-346'], capec: ['CAPEC-21'], owaspApi: 'API2:2023' },
    expected: "both issuers' own tokens accepted (the control, from /token and minted), then 401 for the second issuer's user's claims (iss = the second issuer) signed by the first issuer's key, and for A's claims (iss = the first) signed by the second's",
  },
  async (t) => {
    const second = await secondIssuerWithUser(t);
    if ('broken' in second) return second.broken;
    const [firstKey, secondKey] = [await t.currentKey(), await second.issuer.signingKey()];
    // A guard: KEY-KID-CROSS-ISSUER gives the two issuers one kid only in a lab, or after every other family.
    if (firstKey.kid === secondKey.kid) return { verdict: 'ERROR', observed: `not attributable: both issuers sign under the kid ${firstKey.kid}, so a key cannot be told from the other by its kid` };
    // Each claim set minted by its own issuer's key first, with the same times: refused, the forgeries' refusals say nothing.
    const times = freshTimes();
    const [ownSecond, ownFirst, ...crossed] = await t.sendAll([
      [`control: the second issuer's user's claims, minted by the second issuer's own key ${secondKey.kid}`, (await second.issuer.sign({ claims: { ...second.claims, ...times } })).token],
      [`control: A's claims, minted by the first issuer's own key ${firstKey.kid}`, await t.signed(times)],
      [`the second issuer's user's claims (iss ${String(second.claims.iss)}), signed by the first issuer's key ${firstKey.kid}`, (await t.issuer.sign({ claims: { ...second.claims, ...times } })).token],
      [`A's claims (iss ${String(t.claims.iss)}), signed by the second issuer's key ${secondKey.kid}`, (await second.issuer.sign({ claims: { ...t.claims, ...times } })).token],
    ]);
    // Every exchange sent is the check's evidence already (the controls first).
    const result = expectAllRejected(crossed);
    if (result.verdict !== 'PASS') return result;
    const refusedControls = [ownSecond!, ownFirst!].filter((e) => e.outcome !== 'accepted');
    if (refusedControls.length) return { verdict: 'ERROR', observed: `not attributable: ${result.observed}, but the same claims minted by their own issuer's key were not accepted either (${refusedControls.map((e) => `"${e.label}" ${statusOf(e)}`).join('; ')})` };
    return { ...result, observed: `both issuers' own tokens accepted, from /token and minted; each one's claims signed by the other's key not accepted (${statusTally(crossed)}${crossed.some((e) => e.outcome === 'server-error') ? ': a 5xx is ERR-NO-5XX\'s' : ''}): keys are bound to their issuer` };
  },
  { explains: CAUSES.keysNotBoundToIssuer, causes: [CAUSES.signaturesUnverified, CAUSES.issNotChecked] },
);

check(
  {
    id: 'CLM-ISS-SUBSTRING',
    needs: ['mint'],
    title: 'An issuer that is a prefix or substring of the expected one is rejected',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.1: string comparison, not substring matching.',
    references: ['CVE-2024-53861 (PyJWT)'],
    taxonomy: { cwe: ['CWE-187', 'CWE-346'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  (t) => {
    const iss = expected(t.claims, 'iss');
    return rejectSigned(t, [
      ['iss = first half of the expected issuer', { iss: iss.slice(0, Math.ceil(iss.length / 2)) }],
      ['iss = "http"', { iss: 'http' }],
      ['iss = expected without its last character', { iss: iss.slice(0, -1) }],
    ]);
  },
  { causes: [CAUSES.issNotChecked] },
);

check(
  {
    id: 'CLM-ISS-ARRAY',
    needs: ['mint'],
    title: 'An issuer given as an array is rejected',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.1: iss is a single StringOrURI.',
    references: ['CVE-2025-30144 (fast-jwt)', 'fast-jwt#552'],
    taxonomy: { cwe: ['CWE-1287', 'CWE-346'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  (t) => {
    const iss = expected(t.claims, 'iss');
    return rejectSigned(t, [
      ['iss = [expected]', { iss: [iss] }],
      ['iss = ["evil", expected]', { iss: ['https://evil.example', iss] }],
    ]);
  },
  { causes: [CAUSES.issNotChecked] },
);

check(
  {
    id: 'CLM-ISS-MISSING',
    needs: ['mint'],
    title: 'A token without iss is rejected',
    severity: 'high',
    requirement: 'RFC 9068 §2.2 / RFC 8725 §3.8: the issuer is validated, so it must be present.',
    references: ['RFC 8725 §3.8', 'OIDF FAPI invalid-missing-iss'],
    taxonomy: { cwe: ['CWE-304', 'CWE-346'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  (t) => rejectSigned(t, [['no iss claim', { iss: undefined }]]),
  { causes: [CAUSES.issNotChecked] },
);

check(
  {
    id: 'CLM-AUD-WRONG',
    needs: ['mint'],
    title: 'A token for another audience is rejected',
    severity: 'high',
    requirement: "RFC 7519 §4.1.3: if the recipient does not identify itself with a value in aud, the JWT MUST be rejected.",
    references: ['RFC 7519 §4.1.3', 'RFC 8725 §3.9', 'ASVS 5.0 9.2.3', 'OIDF invalid-aud'],
    taxonomy: { cwe: ['CWE-304', 'CWE-1390'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  (t) => {
    const aud = expected(t.claims, 'aud');
    return rejectSigned(t, [
      ['aud + "1"', { aud: `${aud}1` }],
      ["another service's audience", { aud: 'https://billing.internal.example' }],
      ['empty (Better Auth 1.7 with a dynamic baseURL and no jwt.audience)', { aud: '' }],
    ]);
  },
  { explains: CAUSES.audNotChecked },
);

check(
  {
    id: 'CLM-AUD-MISSING',
    needs: ['mint'],
    title: 'A token without aud is rejected',
    // Medium: only a token the issuer signed without aud gets in, and Better Auth always writes aud.
    severity: 'medium',
    requirement: 'RFC 8725 §3.9: a backend that expects an audience must not accept tokens meant for anyone.',
    references: ['RFC 8725 §3.9', 'OIDF missing-aud', 'Better Auth verifyJWT requires aud'],
    taxonomy: { cwe: ['CWE-304', 'CWE-1390'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  (t) => rejectSigned(t, [['no aud claim', { aud: undefined }]]),
  { causes: [CAUSES.audNotChecked] },
);

check(
  {
    id: 'CLM-AUD-ARRAY-VALID',
    needs: ['mint'],
    title: 'An audience array containing the expected audience is accepted',
    severity: 'low',
    requirement: 'RFC 7519 §4.1.3: aud may be an array of strings.',
    references: ['RFC 7519 §4.1.3', 'OIDF valid-aud-as-array'],
    taxonomy: { cwe: ['CWE-436'], capec: [], owaspApi: 'API8:2023' },
    expected: '2xx (NON-STRICT if rejected)',
  },
  async (t) => expectAllAccepted(await t.sendAll([['aud = [expected]', await t.signed({ iat: t.now(), exp: t.now() + 600, aud: [expected(t.claims, 'aud')] })]]), 'NON-STRICT'),
);

check(
  {
    id: 'CLM-AUD-DEFAULT',
    title: "The backend demands an audience of its own, not Better Auth's default (the base URL)",
    severity: 'medium',
    requirement: "RFC 8725 §3.9: a token meant for one service must not be usable at another. Better Auth's jwt() sets aud to its base URL unless jwt.audience says otherwise, so every API that trusts the issuer with that default accepts every token the issuer signs.",
    references: ['RFC 8725 §3.9', 'RFC 7519 §4.1.3', 'ASVS 5.0 9.2.4', 'Better Auth jwt plugin (jwt.audience defaults to the base URL)'],
    taxonomy: { cwe: ['CWE-1390', 'CWE-284'], capec: [], owaspApi: 'API2:2023' },
    expected: "a token whose aud is the issuer's base URL is refused (PASS); accepted is NON-STRICT (medium, configuration): the backend demands the default audience (the run's tokens carry it), or accepts it beside its own",
  },
  async (t) => {
    // Better Auth's default audience is its base URL's origin, and so is its default iss: the harness's
    // view of the issuer (a port-forward, an internal name) may differ from what it signs with.
    const defaults = [...new Set([originOf(t.issuer.baseUrl), originOf(t.claims.iss)].filter((o): o is string => o !== undefined))];
    const audiences = [t.claims.aud].flat().map(String);
    const carried = audiences.filter((a) => defaults.includes(a));
    const onlyDefault = audiences.length > 0 && carried.length === audiences.length;
    const demands = `the tokens this backend accepts carry Better Auth's default audience, ${carried.join(', ')} (the base URL's origin): every API that trusts this issuer with the default accepts them too. Set jwt.audience to this API's own identifier (and the backend's expected audience with it)`;
    if (!t.run.profile.capabilities.includes('mint')) {
      // The run's own tokens decide it when they carry nothing but the default; a token with the
      // default alone, beside an audience of the backend's own, needs the issuer to sign it.
      if (onlyDefault) return { verdict: 'NON-STRICT', observed: demands, measured: { defaultAudience: 1 } };
      return t.skip(`the run's tokens carry ${audiences.join(', ')}; whether the backend also takes Better Auth's default (${defaults.join(' or ')}) alone needs a token signed with it (the mint capability: the process or container issuer, or the conformance plugin on a team's Better Auth)`);
    }
    const theDefault = carried[0] ?? defaults[0]!;
    const result = await rejectSigned(t, [[`aud = ${theDefault} alone, Better Auth's default (the base URL's origin)`, { aud: theDefault }]], 'NON-STRICT');
    if (result.verdict === 'NON-STRICT') return { ...result, observed: onlyDefault ? `${demands} (${result.observed})` : `${result.observed}: the backend accepts Better Auth's default audience beside its own (${audiences.join(', ')}), so tokens for any API that keeps the default get in` };
    if (result.verdict === 'PASS' && carried.length) return { ...result, observed: `${result.observed}; the issuer's tokens still carry the default beside this API's audience (${audiences.join(', ')}), so APIs that keep the default accept them` };
    return result;
  },
  { causes: [CAUSES.audNotChecked] },
);

check(
  {
    id: 'CLM-AUD-ARRAY-EXTRA',
    needs: ['mint'],
    title: 'Whether an audience array with another audience beside the expected one is accepted (measured)',
    severity: 'info',
    requirement: 'RFC 7519 §4.1.3 accepts a token whose aud contains the verifier (jose\'s check is a membership test); OIDC and FAPI profiles refuse a second audience the verifier does not trust.',
    references: ['RFC 7519 §4.1.3', 'OIDF invalid-secondary-aud', 'OIDC Core §3.1.3.7'],
    taxonomy: { cwe: ['CWE-1390'], capec: [], owaspApi: 'API2:2023' },
    expected: 'INFO: accepted (RFC 7519), or refused (a stricter profile)',
  },
  async (t) =>
    measuredAcceptance(await t.send('aud = [expected, another API]', await t.signed({ iat: t.now(), exp: t.now() + 600, aud: [expected(t.claims, 'aud'), 'https://another-api.example.test'] })), {
      accepted: 'a token for this API and another is taken (the RFC 7519 membership test)',
      refused: 'a second audience is refused (as OIDC and FAPI profiles ask)',
    }),
);

check(
  {
    id: 'CLM-AUD-TYPE',
    needs: ['mint'],
    title: 'Audiences of the wrong type or near-miss values are rejected',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.3: aud is a StringOrURI or an array of them, compared exactly.',
    references: ['CVE-2020-26160 (jwt-go)'],
    taxonomy: { cwe: ['CWE-1287', 'CWE-187', 'CWE-304'], capec: [], owaspApi: 'API2:2023' },
    expected: '401',
  },
  (t) => {
    const aud = expected(t.claims, 'aud');
    return rejectSigned(
      t,
      ([['""', ''], ['[]', []], ['a number', 1], ['an object', { aud }], ['expected + ".evil"', `${aud}.evil`], ['a substring', aud.slice(0, -2)]] as [string, unknown][]).map(([label, value]) => [`aud = ${label}`, { aud: value }]),
    );
  },
  { causes: [CAUSES.audNotChecked] },
);

check(
  {
    id: 'CLM-SUB-MISSING',
    needs: ['mint'],
    title: 'A token without sub is rejected',
    severity: 'medium',
    requirement: 'The subject identifies the user; a token without one must not reach user data (Better Auth verifyJWT requires sub). RFC 7519 §4.1.2 makes sub optional and RFC 9068 §2.2 requires it only in at+jwt access tokens, and Better Auth signs none without it: accepting one is a hardening gap, not a broken MUST.',
    references: ['OIDF missing-sub', 'RFC 7519 §4.1.2', 'RFC 9068 §2.2'],
    taxonomy: { cwe: ['CWE-304'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (NON-STRICT if accepted)',
  },
  (t) => rejectSigned(t, [['no sub claim', { sub: undefined }]], 'NON-STRICT'),
);

check(
  {
    id: 'CLM-SUB-TYPE',
    needs: ['mint'],
    title: 'A sub of the wrong type is rejected',
    severity: 'high',
    requirement: 'RFC 7519 §4.1.2: sub is a case-sensitive string; other types must not resolve to a user.',
    references: ['RFC 7519 §4.1.2', 'fast-jwt#552'],
    taxonomy: { cwe: ['CWE-1287', 'CWE-1024', 'CWE-289'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 for every wrong type (or an opaque value that names no one else); a padded string is never trimmed into another user',
  },
  async (t) => {
    // Wrong types, B's id among them; and B's id padded, a string that must not be trimmed into B.
    const b = await t.issuer.createUser();
    const wrongTypes = ([['1 (number)', 1], ['{"$ne":""}', { $ne: '' }], ['[sub]', [t.user.id]], ['[B\'s id]', [b.id]], ['""', ''], ['null', null]] as [string, unknown][]).map(([label, sub]) => ({ label: `sub = ${label}`, sub, lookalike: false }));
    const lookalikes = [{ label: 'sub = " " + B\'s id', sub: ` ${b.id}` as unknown, lookalike: true }];
    const tokens = await Promise.all([...wrongTypes, ...lookalikes].map(async (v) => ({ ...v, token: await t.signed({ iat: t.now(), exp: t.now() + 600, sub: v.sub }) })));
    const exchanges = await t.sendAll(tokens.map((v) => [v.label, v.token]));
    const result = expectAllRejected(exchanges.filter((_, i) => !tokens[i]!.lookalike));
    const accepted = tokens.filter((_, i) => exchanges[i]!.outcome === 'accepted');
    if (result.verdict === 'ERROR' || accepted.length === 0) return result;
    // Accepted: whom does the backend take the caller for? Another user is FAIL; the value itself, or A, reaches no one else's data.
    const identityPath = t.target.settings.identityPath;
    if (!identityPath) return result.verdict === 'FAIL' ? { ...result, observed: `${result.observed}; with no identity endpoint (target.identityPath) whether it resolves to another user cannot be seen` } : result;
    const seen = await Promise.all(accepted.map(async (v) => {
      const e = await t.send(`${v.label} at the identity endpoint`, { token: v.token, path: identityPath });
      return { ...v, answered: e.outcome === 'accepted', subject: t.target.subjectOf(e) };
    }));
    // B's id is someone else even when it is the wrong type's string form (String(["B"]) is "B").
    const someoneElse = seen.filter((v) => v.subject !== undefined && v.subject !== t.user.id && (v.subject === b.id || (v.subject !== String(v.sub) && v.subject !== JSON.stringify(v.sub))));
    if (someoneElse.length) return { verdict: 'FAIL', observed: `a sub resolves to another user: ${someoneElse.map((v) => `${v.label} was taken for ${JSON.stringify(v.subject)}${v.subject === b.id ? ' (user B)' : ''}`).join('; ')}` };
    if (result.verdict === 'PASS') return { ...result, observed: `${result.observed}; ${lookalikes[0]!.label} is taken as the string it is` };
    const unseen = seen.filter((v) => !v.answered && !v.lookalike);
    if (unseen.length) return { ...result, observed: `${result.observed}; the identity endpoint refused ${unseen.map((v) => v.label).join(', ')}, so whom the protected path took the caller for cannot be seen` };
    return {
      verdict: 'NON-STRICT',
      severity: 'low',
      observed: `accepted, but treated as an opaque value that reaches no one else's data: ${seen.filter((v) => !v.lookalike).map((v) => `${v.label} → ${v.subject === undefined ? 'no string subject' : JSON.stringify(v.subject)}`).join('; ')} (RFC 7519 §4.1.2 says sub is a string)`,
    };
  },

);

/**
 * Markup no answer should carry unencoded: an element unique to the check's run, inert (a backend that
 * stores the name keeps nothing that runs) and without quotes (JSON escaping inside a script block
 * would otherwise hide it).
 */
const markup = (nonce: string) => `<ba-${nonce} x>`;
/** A body type a browser renders as a document: HTML, XML, or none declared (sniffed). */
const rendered = (e: Exchange) => {
  const type = String(e.response?.headers['content-type'] ?? '');
  return type === '' || /html|xml/i.test(type);
};

/** An id in Better Auth's shape (32 letters and digits) that no user has. */
const unknownUserId = () => randomBytes(32).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 32);

check(
  {
    id: 'CLM-SUB-UNKNOWN',
    needs: ['mint'],
    title: 'A validly signed token for a user that does not exist gets in as no one',
    severity: 'medium',
    requirement:
      "A token whose sub no user has is refused consistently (401/403/404), or served by a stateless API as a new user with nothing of anyone's: never a crash, and never provisioned into an existing account by its email, verified or not.",
    references: ['RFC 7519 §4.1.2 (sub is the identity)', 'OWASP API1:2023', 'OWASP API2:2023'],
    taxonomy: { cwe: ['CWE-287', 'CWE-639', 'CWE-248'], capec: [], owaspApi: 'API2:2023' },
    expected:
      "401/403/404 (PASS; a 5xx is ERR-NO-5XX's), or accepted as the new sub with none of A's data (INFO: the backend trusts the issuer's sub without a lookup); FAIL if served as A (medium), or if it reaches A's data (high)",
  },
  async (t) => {
    const { target, user } = t;
    const paths = [...new Set([target.settings.protectedPath, target.settings.identityPath ?? target.settings.protectedPath])];
    // Both with id = sub, as in every Better Auth token: only sub and the profile say who this is.
    const freshSub = unknownUserId();
    const fresh = { sub: freshSub, id: freshSub, email: `${freshSub.slice(0, 12).toLowerCase()}@unknown.example.test`, name: 'No Such User', emailVerified: false };
    // A's email, marked verified, under a sub no one has: a backend that links accounts by (verified) email on first sight provisions it into A's.
    const asASub = unknownUserId();
    const asA = { sub: asASub, id: asASub, emailVerified: true, email_verified: true };
    const [freshToken, asAToken] = [await t.signed({ ...freshTimes(), ...fresh }), await t.signed({ ...freshTimes(), ...asA })];
    // The control: A's own claims, minted the same way. Refused, refusals below say nothing of unknown users.
    const control = await t.send("control: A's own claims, minted the same way", await t.signed(freshTimes()));
    if (control.outcome !== 'accepted') return { verdict: 'ERROR', observed: `not attributable: a minted token of A's own claims was refused too (${statusOf(control)})` };
    const sent = await Promise.all(paths.flatMap((path) => [
      t.send(`an unknown sub with a new email, at ${path}`, { token: freshToken, path }).then((e) => ({ e, path, sub: freshSub })),
      t.send(`an unknown sub with A's email (verified), at ${path}`, { token: asAToken, path }).then((e) => ({ e, path, sub: asASub })),
    ]));
    const exchanges = sent.map((s) => s.e);
    const identityPath = target.settings.identityPath;
    const atIdentity = (s: (typeof sent)[number]) => identityPath !== undefined && s.path === identityPath && s.e.outcome === 'accepted';
    const namedA = sent.filter((s) => atIdentity(s) && target.subjectOf(s.e) === user.id).map((s) => `${s.e.label} was named A (${user.id})`);
    // With resources, the data routes: A's own resource, read and listed with the token carrying A's
    // email. The same read with the new email's token is the control: if it gets in too, any caller
    // reads any resource (ISO-READ-OTHER), and the email says nothing.
    const reached: string[] = [];
    const dataAnswers: Exchange[] = [];
    let data = "no resources to see whether it reaches A's data";
    if (t.run.resources.length) {
      const lab = new IsolationLab(t);
      const w = await lab.world();
      if (w.broken) data = `A's data not judged: ${w.broken}`;
      else {
        const caller = { name: "an unknown sub with A's email", token: asAToken };
        const stranger = { name: 'an unknown sub with a new email (control)', token: freshToken };
        const notJudged: string[] = [];
        for (const r of w.resources) {
          const client = lab.client(r.contract);
          const control = await client.read(stranger, r.a.id, `A's ${r.contract.name}`);
          dataAnswers.push(control.exchange);
          if (succeeded(control)) {
            notJudged.push(`${r.contract.name} (an unknown sub with a new email reads it too: ISO-READ-OTHER)`);
            continue;
          }
          const read = await client.read(caller, r.a.id, `A's ${r.contract.name}`);
          dataAnswers.push(read.exchange);
          if (succeeded(read)) reached.push(`${caller.name} reads A's ${r.contract.name} ${r.a.id} (${read.status}), which ${stranger.name} cannot (${control.status})`);
          if (r.contract.list && !r.listProblem) {
            // The list too has its control: an unscoped list (ISO-LIST-SCOPED) shows A's rows to anyone.
            const strangers = await client.list(stranger);
            dataAnswers.push(strangers.exchange);
            if (client.shows(strangers, r.a.id)) notJudged.push(`${r.contract.name} lists (an unknown sub with a new email lists A's too: ISO-LIST-SCOPED)`);
            else {
              const list = await client.list(caller);
              dataAnswers.push(list.exchange);
              if (client.shows(list, r.a.id)) reached.push(`${caller.name} lists A's ${r.contract.name} ${r.a.id}`);
            }
          }
        }
        data = notJudged.length ? `A's data not judged for ${notJudged.join(', ')}` : "A's data not reached";
      }
    }
    // Reaching A's data is another user's data (high); being named A, with no data to show it, medium.
    if (reached.length) return { verdict: 'FAIL', severity: 'high', observed: `provisioned into A's account: ${[...namedA, ...reached].join('; ')}` };
    if (namedA.length) return { verdict: 'FAIL', observed: `provisioned into A's account: ${namedA.join('; ')}; ${data}` };
    const all = [...exchanges, ...dataAnswers];
    const unanswered = all.filter((e) => e.outcome === 'transport-error');
    if (unanswered.length) return { verdict: 'ERROR', observed: `inconclusive: no answer to ${unanswered.map((e) => e.label).join(', ')}` };
    // A 5xx is ERR-NO-5XX's finding; here it counts as a refusal, and is noted. 404 is a fair answer for a
    // user the backend does not have; any other odd status judges nothing.
    const crashed = all.filter((e) => e.outcome === 'server-error');
    const crashNote = crashed.length ? `; ${crashed.length} answered 5xx (see ERR-NO-5XX)` : '';
    const refusedOrUnknown = (e: Exchange) => e.outcome === 'rejected' || e.outcome === 'server-error' || e.response!.status === 404;
    const odd = exchanges.filter((e) => e.outcome !== 'accepted' && !refusedOrUnknown(e));
    if (odd.length) return { verdict: 'ERROR', observed: `inconclusive: ${odd.map((e) => `${e.label} → ${statusOf(e)}`).join('; ')}` };
    const unseen = identityPath ? '' : '; no identity endpoint (target.identityPath) to see whom it is taken for';
    if (exchanges.every(refusedOrUnknown)) return { verdict: 'PASS', observed: `refused everywhere (${exchanges.map(statusOf).join(', ')}): the backend knows its users; ${data}${unseen}${crashNote}` };
    const answer = (s: (typeof sent)[number]) => {
      const subject = atIdentity(s) ? target.subjectOf(s.e) : undefined;
      return `${s.e.label}: ${statusOf(s.e)}${subject === undefined ? '' : subject === s.sub ? ', named as its own sub' : `, named ${JSON.stringify(subject)}`}`;
    };
    return {
      verdict: 'INFO',
      observed: `${sent.map(answer).join('; ')}. Accepted: the backend takes the issuer's sub at its word, with no user lookup, so a deleted user's token works until it expires (LIFE-DELETED-USER), and a backend that provisions users on first sight now has a row for each of these subs; ${data}${unseen}${crashNote}`,
    };
  },
);

check(
  {
    id: 'CLM-REFLECTION',
    needs: ['mint'],
    title: 'Markup and very long strings in claims are not reflected unencoded, and cause no 5xx',
    severity: 'low',
    requirement: "Claims are text that users choose (a display name): an answer that writes them into an HTML page unescaped is cross-site scripting, whoever got the token minted. A very long claim must be handled, not crash the handler.",
    references: ['OWASP ASVS 5.0 1.2.1', 'CWE-79', 'jwt_tool (reflected claims)'],
    taxonomy: { cwe: ['CWE-79', 'CWE-116'], capec: ['CAPEC-63'], owaspApi: 'API8:2023' },
    expected: "no answer renders a claim's markup unencoded in an HTML, XML or untyped body (FAIL, low), for a valid token at the protected path and the identity endpoint and an expired one at the protected path, each asked for JSON and for HTML (Accept: text/html); no 5xx for a valid token with a 2 000-character name (FAIL, low); ERROR when the valid token with markup is refused everywhere (the success path untested)",
  },
  async (t) => {
    const tag = markup(randomBytes(6).toString('hex'));
    // Its unescaped opening: an HTML-escaped echo (&lt;ba-…) is not a reflection.
    const opening = tag.slice(0, tag.indexOf(' '));
    const times = freshTimes();
    const withMarkup = await t.signed({ ...times, name: tag, given_name: tag });
    const expired = await t.signed({ iat: t.now() - 4500, exp: t.now() - 3600, name: tag, given_name: tag });
    const long = await t.signed({ ...times, name: 'A'.repeat(2000) });
    const paths = [...new Set([t.target.settings.protectedPath, t.target.settings.identityPath ?? t.target.settings.protectedPath])];
    // Asked for HTML too: a stack that negotiates its error pages answers JSON to an API client.
    const accepts: [string, Record<string, string>][] = [['', {}], [', Accept: text/html', { accept: 'text/html' }]];
    const [valid, refused] = await Promise.all([
      Promise.all(paths.flatMap((path) => accepts.map(([how, headers]) => t.fetch(`valid token, name = markup, at ${path}${how}`, { token: withMarkup, path, headers })))),
      Promise.all(accepts.map(([how, headers]) => t.fetch(`expired token (an hour ago), name = markup${how}`, { token: expired, headers }))),
    ]);
    const fetched = [...valid, ...refused];
    const longName = await t.send('valid token, a 2 000-character name', long);
    const evidence = [...fetched.map((f) => f.exchange), longName];
    const reflected = fetched.filter((f) => f.text.includes(opening) && rendered(f.exchange)).map((f) => f.exchange);
    if (reflected.length) return { verdict: 'FAIL', observed: `the name claim's markup came back unencoded in a rendered body: ${reflected.map((e) => `${e.label} (${e.response!.status}, ${String(e.response!.headers['content-type'] ?? 'no content type')})`).join('; ')}`, evidence: reflected };
    const crashed = [...valid.map((f) => f.exchange), longName].filter((e) => e.outcome === 'server-error');
    if (crashed.length) return { verdict: 'FAIL', observed: `a valid token answered ${crashed.map((e) => `${e.response!.status} for "${e.label}"`).join(', ')}: its claims broke the handler`, evidence: crashed };
    const unanswered = evidence.filter((e) => !e.response);
    if (unanswered.length) return { verdict: 'ERROR', observed: `inconclusive: no answer to ${unanswered.map((e) => e.label).join(', ')}`, evidence: unanswered };
    if (!valid.some((f) => f.exchange.outcome === 'accepted')) return { verdict: 'ERROR', observed: `inconclusive: the valid token with markup in its name was refused everywhere (${valid.map((f) => statusOf(f.exchange)).join(', ')}), so what a served page does with the claim is untested`, evidence };
    const inJson = fetched.filter((f) => f.text.includes(opening)).map((f) => f.exchange.label);
    return { verdict: 'PASS', observed: `no markup rendered back (${inJson.length ? `echoed only inside a non-HTML body: ${inJson.join(', ')}` : 'not echoed at all'}); the long name: ${statusOf(longName)}`, evidence };
  },
);

persistenceProbe();
