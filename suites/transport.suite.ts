// Bearer transport checks (docs/checks.md#family-TRN) and resource exhaustion by token size (#family-DOS): how the
// token reaches the backend, ambiguous credentials, and oversized headers.
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { family } from '../harness/checks/suite.js';
import { CAUSES, expectAllAccepted, expectAllRejected, explainsWhenFailing, statusOf } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { b64u } from '../harness/forge/jws.js';
import { flipSignature, split } from '../harness/forge/token.js';
import { IDENTITY_OVERRIDES, IsolationLab, anotherUser } from '../harness/checks/isolation-lab.js';
import { succeeded } from '../harness/resources/client.js';
import { withQuery } from '../harness/target/client.js';
import type { SendOptions } from '../harness/target/client.js';
import type { Exchange } from '../harness/checks/model.js';

const { check, persistenceProbe } = family('TRN');

check(
  {
    id: 'TRN-SCHEME-CASE',
    title: 'The Bearer scheme is matched case-insensitively',
    severity: 'low',
    requirement: 'RFC 9110 §11.1: the authentication scheme is case-insensitive.',
    references: ['RFC 9110 §11.1', 'RFC 6750 §2.1'],
    taxonomy: { cwe: ['CWE-178'], capec: [], owaspApi: 'API8:2023' },
    expected: '2xx for "bearer" and "BEARER" (NON-STRICT if rejected)',
  },
  async ({ token, send }) =>
    expectAllAccepted(
      [await send('scheme "bearer"', { authorization: `bearer ${token}` }), await send('scheme "BEARER"', { authorization: `BEARER ${token}` })],
      'NON-STRICT',
    ),
);

check(
  {
    id: 'TRN-SCHEME-OTHER',
    title: 'A valid token under another scheme, or none, is rejected',
    severity: 'medium',
    requirement: 'RFC 6750 §2.1: the token is sent with the Bearer scheme; other schemes carry other credentials. Only a complete, valid token gets in under another scheme, so accepting it is lax parsing (like TRN-QUERY), not a way in.',
    references: ['RFC 6750 §2.1'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-436'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (NON-STRICT if accepted)',
  },
  async ({ token, send }) => {
    const result = expectAllRejected(
      await Promise.all(
        [
          ['raw token, no scheme', token],
          ['Basic <jwt>', `Basic ${token}`],
          ['Token <jwt>', `Token ${token}`],
          ['JWT <jwt>', `JWT ${token}`],
          ['Bearer: <jwt>', `Bearer: ${token}`],
        ].map(([label, authorization]) => send(label!, { authorization: authorization! })),
      ),
      'NON-STRICT',
    );
    // Only a complete valid token got in: a hardening gap, rated low (the calibration's lax parsing).
    return result.verdict === 'NON-STRICT' ? { ...result, severity: 'low' } : result;
  },
);

check(
  {
    id: 'TRN-EMPTY',
    title: 'An empty Bearer credential is rejected',
    severity: 'low',
    requirement: 'RFC 6750 §3.1: a request without a usable token is rejected (401, or 400 invalid_request).',
    references: ['RFC 6750 §3.1'],
    taxonomy: { cwe: ['CWE-1286', 'CWE-306'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 or 400',
  },
  async ({ send }) => expectAllRejected([await send('"Bearer"', { authorization: 'Bearer' }), await send('"Bearer " (trailing space)', { authorization: 'Bearer ' })]),
);

check(
  {
    id: 'TRN-WHITESPACE',
    title: 'A token with another word before or after it in the header is refused',
    severity: 'low',
    requirement: 'RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token. A header carrying more than the token is not a Bearer credential; taking the token out of it means the backend reads credentials that a gateway, a WAF or a log filter reads differently.',
    references: ['RFC 6750 §2.1', 'RFC 9110 §11.4'],
    taxonomy: { cwe: ['CWE-436', 'CWE-1286'], capec: [], owaspApi: 'API8:2023' },
    expected: 'refused (401 or 400) with a word before the token, or after it (space or tab); accepted is NON-STRICT (low: only a complete, valid token gets in, as with TRN-SCHEME-OTHER). The valid token with two spaces, a tab or trailing spaces may go either way (reported). A CR LF inside the header cannot be sent: the HTTP client refuses it, and a server reads it as the header\'s end',
  },
  async ({ token, send }) => {
    const partial: [string, string][] = [
      ['"Bearer x <jwt>": a word before the token', `Bearer x ${token}`],
      ['"Bearer <jwt> x": a word after the token', `Bearer ${token} x`],
      ['"Bearer <jwt><TAB>x": a word after a tab', `Bearer ${token}\tx`],
    ];
    const spacing: [string, string][] = [
      ['two spaces after "Bearer" (1*SP allows it)', `Bearer  ${token}`],
      ['a tab after "Bearer"', `Bearer\t${token}`],
      ['trailing spaces (HTTP strips them)', `Bearer ${token}   `],
    ];
    const partials = await Promise.all(partial.map(([label, authorization]) => send(label, { authorization })));
    const spaced = await Promise.all(spacing.map(([label, authorization]) => send(label, { authorization })));
    const result = expectAllRejected(partials, 'NON-STRICT');
    const how = spaced.map((e) => `${e.label}: ${e.outcome === 'accepted' ? 'accepted' : statusOf(e)}`).join('; ');
    // Lax parsing, not a way in: only a complete, valid token gets in (the calibration's TRN-SCHEME-OTHER).
    if (result.verdict === 'NON-STRICT') return { ...result, severity: 'low', observed: `part of the header taken as the credential: ${result.observed} (the valid token alone, ${how})` };
    if (result.verdict !== 'PASS') return result;
    return { ...result, evidence: [...partials, ...spaced], observed: `${result.observed}; the valid token alone: ${how}` };
  },
);

check(
  {
    id: 'TRN-BODY',
    title: 'A token in the body of a GET request is not accepted',
    severity: 'low',
    requirement: 'RFC 6750 §2.2: the form-encoded body parameter MAY be supported, and only with a method whose body has defined semantics ("the GET method MUST NOT be used", a rule for the client). A backend that reads a GET body\'s access_token takes a credential that caches, proxies and logs do not see as one.',
    references: ['RFC 6750 §2.2', 'RFC 9110 §9.3.1'],
    taxonomy: { cwe: ['CWE-436', 'CWE-1286'], capec: [], owaspApi: 'API8:2023' },
    expected: 'refused (401) for a GET with access_token in a form-encoded or JSON body and no Authorization header; accepted is NON-STRICT (low: a complete, valid token in a place no cache, proxy or log treats as a credential, like TRN-QUERY). A POST body is not tried: a POST to an API changes data on a server the suite may not own',
  },
  async ({ token, target, send }) => {
    const paths = [...new Set([target.settings.protectedPath, target.settings.identityPath ?? target.settings.protectedPath])];
    const exchanges = [];
    for (const path of paths) {
      exchanges.push(
        await send(`GET ${path}, access_token in a form-encoded body, no Authorization header`, { authorization: null, path, form: { access_token: token } }),
        await send(`GET ${path}, access_token in a JSON body, no Authorization header`, { authorization: null, path, body: { access_token: token } }),
      );
    }
    const result = expectAllRejected(exchanges, 'NON-STRICT');
    return result.verdict === 'NON-STRICT' ? { ...result, severity: 'low' } : result;
  },
);

check(
  {
    id: 'TRN-DUP-HEADER',
    title: 'Two Authorization headers, or two tokens in one, are refused or resolved to one verified caller',
    severity: 'high',
    requirement: 'RFC 6750 §3.1: a request with more than one credential is malformed (invalid_request). Verifying one of them deterministically is safe on its own; it becomes exploitable when a proxy picks the other one, or when the application answers as B or mixes the two.',
    references: ['RFC 6750 §2, §3.1', 'RFC 9110 §5.3'],
    taxonomy: { cwe: ['CWE-444', 'CWE-436'], capec: [], owaspApi: 'API2:2023' },
    expected: '400 or 401 (PASS); the first token verified and answered as A at every endpoint is NON-STRICT (low); answered as B, or endpoints that disagree, is FAIL (medium: it takes B\'s own valid token); a caller who is neither A nor B is FAIL (high)',
  },
  async ({ token, user, issuer, target, send }): Promise<CheckResult> => {
    const userB = await anotherUser(issuer, user);
    if (!userB) return { verdict: 'ERROR', observed: `inconclusive: the issuer gives no user other than A (${user.id}); configure two accounts (issuer.users)` };
    const other = await issuer.tokenFor(userB);
    const forms: [string, SendOptions][] = [
      ['two Authorization headers (user A, then user B)', { authorization: null, rawHeaders: [['authorization', `Bearer ${token}`], ['authorization', `Bearer ${other}`]] }],
      ['one header, two tokens comma-joined (A, B)', { authorization: `Bearer ${token}, Bearer ${other}` }],
    ];
    const { protectedPath, identityPath } = target.settings;
    const paths = identityPath && identityPath !== protectedPath ? [protectedPath, identityPath] : [protectedPath];
    const exchanges = [];
    for (const [label, options] of forms) {
      for (const path of paths) exchanges.push(await send(`${label} at ${path}`, { ...options, path }));
    }
    const refused = expectAllRejected(exchanges);
    if (refused.verdict !== 'FAIL') return refused;
    // Something was accepted: judge by whom the backend took the caller to be (the identity endpoint).
    if (!identityPath) {
      return { verdict: 'NON-STRICT', severity: 'low', observed: `${refused.observed}; which token it used is unknown without an identity endpoint (target.identityPath)` };
    }
    const findings: string[] = [];
    // Answering as B, or disagreeing endpoints, needs B's own valid token: medium, by the calibration's cap. A third identity reaches someone else's data.
    let reachesAnother = false;
    for (const [label] of forms) {
      const ofForm = exchanges.filter((e) => e.label.startsWith(`${label} at `));
      const outcomes = new Set(ofForm.map((e) => e.outcome));
      if (outcomes.size > 1) findings.push(`"${label}": the endpoints disagree (${ofForm.map((e) => `${new URL(e.request.url).pathname} ${e.response?.status ?? e.error}`).join(', ')})`);
      const identity = ofForm.find((e) => target.isIdentityExchange(e));
      if (identity?.outcome !== 'accepted') continue;
      const subject = target.subjectOf(identity);
      if (subject === userB.id) findings.push(`"${label}": answered as B (${subject}), the second token`);
      else if (subject !== user.id) {
        reachesAnother = true;
        findings.push(`"${label}": answered as ${subject === undefined ? 'no one it names' : `"${subject}"`}, neither A nor B`);
      }
    }
    if (findings.length) return { verdict: 'FAIL', severity: reachesAnother ? 'high' : 'medium', observed: `ambiguous credentials confused the caller: ${findings.join('; ')}` };
    return { verdict: 'NON-STRICT', severity: 'low', observed: `${refused.observed}; every endpoint verified the first token and answered as A: deterministic, but a proxy that keeps the other header would disagree (400 invalid_request is the fix)` };
  },
);

check(
  {
    id: 'TRN-QUERY',
    title: 'A token in the query string alone is not accepted',
    severity: 'medium',
    requirement: 'RFC 6750 §2.3, §5.3: the URI query parameter SHOULD NOT be used; tokens in URLs leak into logs and Referer headers.',
    references: ['RFC 6750 §2.3, §5.3'],
    taxonomy: { cwe: ['CWE-598', 'CWE-532'], capec: [], owaspApi: 'API2:2023' },
    expected: '401 (NON-STRICT if accepted)',
  },
  async ({ token, target, send }) => {
    const path = withQuery(target.settings.protectedPath, { access_token: token });
    return explainsWhenFailing(CAUSES.tokenFromQuery, expectAllRejected([await send('?access_token=<jwt>, no Authorization header', { authorization: null, path })], 'NON-STRICT'));
  },
);

check(
  {
    id: 'TRN-MULTI-METHOD',
    title: "A token in the header and another in the query string never make the query token's user the caller",
    severity: 'medium',
    requirement: "RFC 6750 §2, §3.1: a request that sends a token by more than one method is invalid_request (400). Reading the header and ignoring the query is safe; answering as the query token's user lets a query parameter override the credential a proxy, a gateway or a log saw.",
    references: ['RFC 6750 §2, §3.1'],
    taxonomy: { cwe: ['CWE-436', 'CWE-444'], capec: [], owaspApi: 'API2:2023' },
    expected: "400 or 401, or answered as the header's user (PASS; RFC 6750 suggests 400); answered as the query token's user is FAIL (medium: it takes that user's own valid token), as someone else FAIL (high)",
  },
  async ({ token, user, issuer, target, send }): Promise<CheckResult> => {
    const userB = await anotherUser(issuer, user);
    if (!userB) return { verdict: 'ERROR', observed: `inconclusive: the issuer gives no user other than A (${user.id}); configure two accounts (issuer.users)` };
    const other = await issuer.tokenFor(userB);
    const path = target.settings.identityPath ?? target.settings.protectedPath;
    const both = await send("Authorization: Bearer <A's token> and ?access_token=<B's token>", { token, path: withQuery(path, { access_token: other }) });
    if (both.outcome !== 'accepted') return expectAllRejected([both]);
    const subject = target.isIdentityExchange(both) ? target.subjectOf(both) : undefined;
    if (subject === user.id) return { verdict: 'PASS', observed: `answered as A (${subject}), the header's token: the query's token was ignored` };
    if (subject === userB.id) return { verdict: 'FAIL', severity: 'medium', observed: `answered as B (${subject}), the query's token, over the header's`, causes: [CAUSES.tokenFromQuery] };
    if (subject !== undefined) return { verdict: 'FAIL', severity: 'high', observed: `answered as "${subject}", neither the header's user nor the query's` };
    // No identity endpoint (or an answer that names no one) to say whom it answered as: whether the query is read at all tells.
    const queryOnly = await send("?access_token=<B's token> alone", { authorization: null, path: withQuery(path, { access_token: other }) });
    if (queryOnly.outcome === 'rejected') return { verdict: 'PASS', observed: `accepted with both, and the query's token alone is refused (${queryOnly.response!.status}): the header's token was the one used` };
    if (queryOnly.outcome === 'accepted') return { verdict: 'NON-STRICT', severity: 'low', observed: "accepted with both, and the query's token alone is accepted too: which token was used is unknown without an identity endpoint that names the caller (target.identityPath)", causes: [CAUSES.tokenFromQuery] };
    return { verdict: 'ERROR', observed: `inconclusive: accepted with both; the query's token alone answered ${queryOnly.response?.status ?? queryOnly.error}` };
  },
);

check(
  {
    id: 'TRN-IDENTITY-HEADERS',
    requires: ['identityPath'],
    title: "Identity headers and query parameters next to A's token do not change who the caller is",
    severity: 'critical',
    requirement: 'The identity is the verified token\'s sub; X-User-Id, X-Forwarded-User, X-Auth-Token and ?user_id= come from the client and are ignored (a gateway that sets them must strip them from clients).',
    references: ['CWE-290 (authentication bypass by spoofing)', 'OWASP API2:2023'],
    taxonomy: { cwe: ['CWE-348', 'CWE-290', 'CWE-807'], capec: ['CAPEC-151'], owaspApi: 'API2:2023' },
    expected: "the identity endpoint names A with each header or parameter naming B; with no token they are refused",
  },
  async ({ token, user, issuer, target, send }): Promise<CheckResult> => {
    const path = target.settings.identityPath!; // required (CheckMeta.requires)
    const b = await anotherUser(issuer, user);
    if (!b) return { verdict: 'ERROR', observed: `inconclusive: the issuer gives no user other than A (${user.id}); configure two accounts (issuer.users)` };
    const tokenB = await issuer.tokenFor(b);
    // B must be a user the backend knows: one that looks users up would otherwise answer 404 for B and hide the override.
    const known = await send("B's own token (so the backend knows B)", { token: tokenB, path });
    if (known.outcome !== 'accepted' || target.subjectOf(known) !== b.id) return { verdict: 'ERROR', observed: `inconclusive: B's own token was not accepted as B (${known.response?.status ?? known.error})` };
    const { headers, query } = IDENTITY_OVERRIDES(b);
    const spoofedPath = withQuery(path, query);
    const probes: [string, SendOptions][] = [
      ...Object.entries(headers).map(([name, value]): [string, SendOptions] => [`A's token + ${name}: <B>`, { token, path, headers: { [name]: value } }]),
      [`A's token + ?${Object.keys(query).join('&')}=<B>`, { token, path: spoofedPath }],
      ["A's token + X-Auth-Token: <B's token>", { token, path, headers: { 'x-auth-token': tokenB } }],
    ];
    const answers = await Promise.all(probes.map(([label, options]) => send(label, options)));
    const impersonated = answers.filter((e) => e.outcome === 'accepted' && target.subjectOf(e) !== user.id);
    const anonymous = await send("no token, B's id in every identity header and the query", { authorization: null, path: spoofedPath, headers });
    const findings = impersonated.map((e) => `${e.label} → named ${JSON.stringify(target.subjectOf(e))}${target.subjectOf(e) === b.id ? ' (B)' : ''}`);
    if (anonymous.outcome === 'accepted') findings.push(`without a token the headers were accepted (${anonymous.response!.status}, named ${JSON.stringify(target.subjectOf(anonymous))})`);
    if (findings.length) return { verdict: 'FAIL', observed: findings.join('; ') };
    // A's token alone is accepted (the family's control): a refusal with an override is a backend rejecting
    // identity headers (fine); any other answer (404, 5xx) means the override changed something unseen.
    const unclear = answers.filter((e) => e.outcome !== 'accepted' && e.outcome !== 'rejected');
    if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive: an override changed the answer: ${unclear.map((e) => `${e.label} (${e.response?.status ?? e.error})`).join(', ')}` };
    const refusedWith = answers.filter((e) => e.outcome === 'rejected');
    const note = refusedWith.length ? `; refused with an override: ${refusedWith.map((e) => `${e.label} (${e.response!.status})`).join(', ')}` : '';
    return { verdict: 'PASS', observed: `named A in all ${answers.length - refusedWith.length} answers with B in headers or query; no token: ${anonymous.response?.status ?? anonymous.error}${note}` };
  },
  { causes: [CAUSES.identityFromRequest] },
);

check(
  {
    id: 'TRN-COOKIE-VS-BEARER',
    requires: ['identityPath'],
    title: "A session cookie beside another user's bearer token: one identity, the same on every route and every try",
    severity: 'medium',
    requirement:
      "A request with Better Auth's session cookie of one user and a bearer JWT of another is served as one of them (which one is the API's documented choice), the same one on each route and each time; a bearer token that fails verification is refused, not quietly replaced by the cookie.",
    references: ['better-auth#932', 'RFC 6750 §3.1', 'OWASP API2:2023'],
    taxonomy: { cwe: ['CWE-287', 'CWE-436', 'CWE-352'], capec: [], owaspApi: 'API2:2023' },
    expected:
      "the identity endpoint names the same user on every try (the bearer's; the cookie's is noted), and the data routes act as that user; FAIL if they disagree or the answer changes; an invalid bearer token taken with the cookie: NON-STRICT (low) where the cookie alone is accepted, FAIL where it is not",
  },
  async (t): Promise<CheckResult> => {
    const { issuer, target, user, send } = t;
    // With resources, B is the world's B, so that each user's own resource is known.
    const lab = t.run.resources.length ? new IsolationLab(t) : undefined;
    const w = lab ? await lab.world() : undefined;
    const world = w && !w.broken ? w : undefined;
    const b = world ? world.b.user : await anotherUser(issuer, user);
    // (Configured accounts can hand the same one out twice: two names for one user judge nothing.)
    if (!b || b.id === user.id) return { verdict: 'ERROR', observed: 'inconclusive: the issuer gave no second user' };
    const tokenB = await issuer.tokenFor(b);
    const path = target.settings.identityPath!;
    const cookie = { cookie: user.cookie };
    const who = (id: string | undefined) => (id === user.id ? 'A (the cookie)' : id === b.id ? 'B (the bearer token)' : JSON.stringify(id));
    const tries = await Promise.all([1, 2, 3].map((i) => send(`A's session cookie + B's bearer token, try ${i}`, { token: tokenB, path, headers: cookie })));
    const forged = flipSignature(tokenB);
    const invalidBearer = await send("A's session cookie + B's token with a flipped signature", { token: forged, path, headers: cookie });
    // A 404, 429 or 5xx says nothing of which credential won; the forged token's 5xx is a refusal here
    // (ERR-NO-5XX's finding), since it says the cookie did not let it in.
    const unclear = [...tries, invalidBearer].filter((e) => e.outcome !== 'accepted' && e.outcome !== 'rejected' && !(e === invalidBearer && e.outcome === 'server-error'));
    if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive: ${unclear.map((e) => `${e.label} → ${statusOf(e)}`).join('; ')}` };
    const accepted = tries.filter((e) => e.outcome === 'accepted');
    const nameless = [...accepted, ...(invalidBearer.outcome === 'accepted' ? [invalidBearer] : [])].filter((e) => target.subjectOf(e) === undefined);
    if (nameless.length) return { verdict: 'ERROR', observed: `inconclusive: accepted, but the identity endpoint names no one in ${nameless.map((e) => e.label).join(', ')} (target.identitySubject)` };
    const findings: string[] = [];
    const notes: string[] = [];
    const named = [...new Set(accepted.map((e) => target.subjectOf(e)))];
    if (accepted.length && accepted.length < tries.length) findings.push(`the same request was accepted ${accepted.length} of ${tries.length} times (${tries.map(statusOf).join(', ')})`);
    if (named.length > 1) findings.push(`the same request was served as ${named.map(who).join(' and as ')}`);
    const servedAs = named.length === 1 ? named[0] : undefined;
    if (servedAs !== undefined && servedAs !== user.id && servedAs !== b.id) findings.push(`served as ${who(servedAs)}, neither A nor B`);

    // The forged token, with the cookie: its acceptance is the cookie's doing only if it is refused without it.
    let forgedCounts = invalidBearer.outcome === 'accepted';
    if (forgedCounts) {
      const alone = await send("B's token with a flipped signature, no cookie (control)", { token: forged, path });
      if (alone.outcome === 'accepted') {
        forgedCounts = false;
        notes.push(`B's token with a flipped signature is accepted without the cookie too (${statusOf(alone)}): SIG-BITFLIP's finding (or a cache of verified tokens, ISO-TOKEN-CACHE-CONFUSION), not the cookie's`);
      } else if (target.subjectOf(invalidBearer) === b.id) {
        return { verdict: 'FAIL', severity: 'critical', observed: `B's token with a flipped signature was accepted as B when A's session cookie came with it, and refused without it (${statusOf(alone)}): with a cookie present the bearer token's signature is not verified`, causes: [CAUSES.signaturesUnverified] };
      }
    }

    // The data routes, read with the same credentials: A's and B's resources.
    // Whom the data routes must act as: no one when the identity endpoint refused both, else the one it
    // named (served as several, or as neither, is a finding already, and gives them nobody to match).
    const dataAs = accepted.length === 0 ? null : servedAs === user.id || servedAs === b.id ? servedAs : undefined;
    if (world && lab) {
      const before = findings.length;
      const both = { name: "A's session cookie + B's bearer token", token: tokenB, headers: cookie };
      const notJudged: string[] = [];
      for (const r of dataAs === undefined ? [] : world.resources) {
        const client = lab.client(r.contract);
        const readA = await client.read(both, r.a.id, `A's ${r.contract.name}`);
        if (dataAs === null) {
          // The identity endpoint refused both together: a data route that serves the cookie's user to them takes the cookie where it does not.
          if (succeeded(readA)) findings.push(`the identity endpoint refuses a session cookie with a bearer token (${statusOf(tries[0])}), but the data routes serve A's ${r.contract.name} ${r.a.id} to them (${readA.status}): the routes take the caller from different credentials`);
          continue;
        }
        const readB = await client.read(both, r.b.id, `B's ${r.contract.name}`);
        const [own, theirs, self, other] = dataAs === user.id ? [readA, readB, 'A', 'B'] : [readB, readA, 'B', 'A'];
        if (!succeeded(theirs)) {
          // Neither readable: the data routes answered something else to these credentials, and say nothing.
          if (!succeeded(own)) return { verdict: 'ERROR', observed: `inconclusive: the identity endpoint names ${who(dataAs)}, but the same credentials read neither ${self}'s own ${r.contract.name} (${own.status ?? own.exchange.error}) nor ${other}'s (${theirs.status ?? theirs.exchange.error})` };
          continue;
        }
        // Whoever reads it with their own credentials alone, the routes do not tell users apart (ISO-READ-OTHER).
        const alone = dataAs === b.id ? { name: "B's bearer token alone", token: tokenB } : { name: "A's session cookie alone", token: undefined, headers: cookie };
        const otherId = other === 'A' ? r.a.id : r.b.id;
        const control = await client.read(alone, otherId, `${other}'s ${r.contract.name} (control)`);
        if (succeeded(control)) notJudged.push(`${r.contract.name} (${alone.name} reads ${other}'s too: ISO-READ-OTHER)`);
        else findings.push(`the identity endpoint names ${who(dataAs)}, but the data routes read ${other}'s ${r.contract.name} ${otherId} (${theirs.status}; ${control.status} with ${alone.name}): the routes take the caller from different credentials`);
      }
      if (notJudged.length) notes.push(`the data routes not judged for ${notJudged.join(', ')}`);
      else if (dataAs !== undefined && findings.length === before) notes.push(dataAs === null ? 'the data routes refuse them too' : `the data routes act as ${dataAs === user.id ? 'A' : 'B'} too`);
    } else notes.push(t.run.resources.length ? `the data routes not judged (${w?.broken ?? 'no world'})` : 'no resources to judge the data routes by');

    if (forgedCounts) {
      const cookieAlone = await send("A's session cookie alone", { authorization: null, path, headers: cookie });
      const replaced = `B's token with a flipped signature plus A's cookie was accepted as ${who(target.subjectOf(invalidBearer))}`;
      if (cookieAlone.outcome === 'rejected') findings.push(`${replaced}, though the cookie alone is refused (${statusOf(cookieAlone)}): a bearer token that fails verification still lets the request in`);
      else if (cookieAlone.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: ${replaced}, and the cookie alone got ${statusOf(cookieAlone)}` };
      else if (!findings.length) return { verdict: 'NON-STRICT', severity: 'low', observed: `${replaced}: an invalid bearer token is ignored in favour of the cookie, where RFC 6750 answers 401 invalid_token (the cookie alone is accepted too); ${notes.join('; ')}` };
    }
    if (findings.length) return { verdict: 'FAIL', observed: `${findings.join('; ')}${notes.length ? `; ${notes.join('; ')}` : ''}` };
    if (!accepted.length) {
      // Refusing a request that carries both is a fair policy, if B's token alone is still accepted.
      const alone = await send("B's bearer token alone (control)", { token: tokenB, path });
      if (alone.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: B's token was refused with the cookie (${statusOf(tries[0])}) and without it (${statusOf(alone)})` };
      return { verdict: 'PASS', observed: `a cookie and a bearer token together are refused (${statusOf(tries[0])}); an invalid bearer token with the cookie: ${statusOf(invalidBearer)}; ${notes.join('; ')}` };
    }
    return { verdict: 'PASS', observed: `served as ${who(servedAs)} on all ${tries.length} tries; an invalid bearer token with the cookie: ${statusOf(invalidBearer)}; ${notes.join('; ')}` };
  },
  // A backend that verifies nothing lets the flipped token in for that reason.
  { causes: [CAUSES.signaturesUnverified, CAUSES.verifierFailOpen] },
);

const HUGE_SIZES: [string, number][] = [
  ['8 KB', 8 * 1024],
  ['64 KB', 64 * 1024],
  ['1 MB', 1024 * 1024],
];

check(
  {
    id: 'DOS-HUGE-TOKEN',
    title: 'Oversized tokens are refused quickly and the backend stays up',
    severity: 'medium',
    requirement: 'Unbounded decoding of attacker-sized tokens exhausts memory or CPU (CVE-2025-30204, CVE-2026-48525); refuse them early.',
    references: ['CVE-2025-30204 (golang-jwt)', 'CVE-2026-48525 (PyJWT)', 'RFC 9110 §15.5.14 (413)', 'RFC 6585 §5 (431)'],
    taxonomy: { cwe: ['CWE-770', 'CWE-405'], capec: ['CAPEC-231', 'CAPEC-130'], owaspApi: 'API4:2023' },
    expected: 'not accepted (401/400/413/431 or the connection closed), no timeout, and a valid token still accepted afterwards',
  },
  async ({ token, user, target, send, stillValid }): Promise<CheckResult> => {
    const { header, signature } = split(token);
    const exchanges = [];
    for (const [label, size] of HUGE_SIZES) {
      const payload = b64u(JSON.stringify({ sub: user.id, pad: 'A'.repeat(size) }));
      exchanges.push(await send(`${label} token`, `${header}.${payload}.${signature}`));
    }
    const slowest = Math.max(...exchanges.map((e) => e.durationMs));
    const measured = { slowestMs: slowest };
    const accepted = exchanges.filter((e) => e.outcome === 'accepted');
    if (accepted.length) return { verdict: 'FAIL', observed: `accepted: ${accepted.map((e) => e.label).join(', ')}`, measured };
    const timedOut = exchanges.filter((e) => e.outcome === 'transport-error' && /timeout|aborted/i.test(e.error ?? ''));
    if (timedOut.length) return { verdict: 'FAIL', observed: `no answer within ${target.settings.timeoutMs} ms: ${timedOut.map((e) => e.label).join(', ')}`, measured };
    const alive = await stillValid('valid token after the oversized ones', token);
    if (!alive.ok) return { verdict: 'FAIL', observed: `after the oversized tokens: ${alive.observed}`, measured };
    const how = exchanges.map((e) => `${e.label}: ${e.response ? e.response.status : `connection closed (${e.error})`}`).join('; ');
    return { verdict: 'PASS', observed: `${how}; slowest ${slowest} ms; still serving`, measured };
  },
  { forgesSignature: true },
);

check(
  {
    id: 'DOS-MANY-DOTS',
    title: 'A token made of 100 000 dots is refused quickly',
    severity: 'medium',
    requirement: 'Splitting attacker-sized input without bounds costs memory and time (CVE-2025-27144).',
    references: ['CVE-2025-27144 (go-jose)'],
    taxonomy: { cwe: ['CWE-770', 'CWE-405'], capec: ['CAPEC-130'], owaspApi: 'API4:2023' },
    expected: 'not accepted, answered within the timeout, backend still serving',
  },
  async ({ send }) => expectAllRejected([await send('100 000 dots', '.'.repeat(100_000))]),
);

check(
  {
    id: 'DOS-DEEP-JSON',
    title: 'Deeply nested or very wide JSON in a token is refused without a crash',
    severity: 'medium',
    requirement: 'Parsing attacker-controlled JSON must be bounded; a stack overflow is a 500 or a crash.',
    references: ['RFC 8725 §3.7'],
    taxonomy: { cwe: ['CWE-674', 'CWE-770'], capec: ['CAPEC-230'], owaspApi: 'API4:2023' },
    expected: '401 (or 400/431), never 5xx or a timeout',
  },
  async ({ token, sendAll }) => {
    const { header, signature } = split(token);
    // Sized to fit common 16 KB header limits, so the JWT parser is what gets tested; 2 000 levels
    // are past Python's default recursion limit (1 000).
    const deep = `${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}`;
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`k${i}`, i])));
    return expectAllRejected(
      await sendAll([
        ['payload nested 2 000 levels deep', `${header}.${b64u(deep)}.${signature}`],
        ['header nested 2 000 levels deep', `${b64u(deep)}.${split(token).payload}.${signature}`],
        ['payload with 700 keys', `${header}.${b64u(wide)}.${signature}`],
      ]),
    );
  },
  { causes: [CAUSES.signaturesUnverified] },
);

/** One JWE in compact form, its parts random but of the sizes its header implies (a library parses it up to the key step): `wrappedKeyBytes` is the encrypted key's (none for dir). */
function compactJwe(header: Record<string, unknown>, wrappedKeyBytes: number, ciphertext: Uint8Array): string {
  return [b64u(JSON.stringify(header)), b64u(randomBytes(wrappedKeyBytes)), b64u(randomBytes(12)), b64u(ciphertext), b64u(randomBytes(16))].join('.');
}

/** The PBES2 algorithms, each with its key-wrap size, and the p2c counts tried, each 4× the last. */
const PBES2_ALGS = [['PBES2-HS512+A256KW', 'A256GCM', 40], ['PBES2-HS384+A192KW', 'A192GCM', 32], ['PBES2-HS256+A128KW', 'A128GCM', 24]] as const;
const P2C_STEPS = [2 ** 18, 2 ** 20, 2 ** 22, 2 ** 24];
/** The small count each measurement is paired with, sent just before it, so that load on the machine cancels out. */
const P2C_CONTROL = 1_000;
/** Extra time over the paired control that shows key derivation. */
const DERIVATION_SIGNAL_MS = 500;
/** Each PBES2 request may take this long: past it, the count holds the backend (a check has 120 s for its three tries at most). */
const P2C_TIMEOUT_MS = 15_000;

check(
  {
    id: 'DOS-JWE-BOMB',
    title: 'Encrypted tokens are refused without key derivation or decompression',
    severity: 'medium',
    requirement:
      'A verifier of JWS access tokens never decrypts a JWE; one that does bounds the PBES2 iteration count (p2c) before deriving a key, and the size of what it inflates (CVE-2022-36083, CVE-2023-49290, CVE-2024-28176, CVE-2024-28122, CVE-2024-33664).',
    references: ['RFC 7518 §4.8.1.2', 'RFC 8725 §3.6', 'CVE-2022-36083 (jose)', 'CVE-2023-49290 (jwx)', 'CVE-2024-28176 (jose)', 'CVE-2024-28122 (jwx)', 'CVE-2024-33664 (python-jose)'],
    taxonomy: { cwe: ['CWE-400', 'CWE-409', 'CWE-770'], capec: ['CAPEC-130'], owaspApi: 'API4:2023' },
    expected:
      'refused, in about the time of a p2c = 1,000 JWE sent just before, whatever p2c says and for each PBES2 algorithm (FAIL if the time grows with p2c, confirmed by a resend taking as long and a quarter of the count taking about a quarter, or if there is no answer within 15 s); the zip:"DEF" JWE refused',
    requests: 30,
  },
  async ({ send }): Promise<CheckResult> => {
    // PBES2's key derivation runs before anything can fail (the key unwrap comes after it), so no
    // password is needed: a verifier that derives with the header's count spends CPU in proportion.
    const exchanges: Exchange[] = [];
    const timed = async ([alg, enc, wrapped]: (typeof PBES2_ALGS)[number], p2c: number, note = '') => {
      const jwe = (count: number) => compactJwe({ alg, enc, p2s: b64u(randomBytes(16)), p2c: count }, wrapped, randomBytes(32));
      // One at a time: the control, then the count under test.
      const control = await send(`${alg} JWE, p2c = ${P2C_CONTROL.toLocaleString('en')} (control)${note}`, { token: jwe(P2C_CONTROL), timeoutMs: P2C_TIMEOUT_MS });
      const step = await send(`${alg} JWE, p2c = ${p2c.toLocaleString('en')}${note}`, { token: jwe(p2c), timeoutMs: P2C_TIMEOUT_MS });
      exchanges.push(control, step);
      const hung = step.outcome === 'transport-error' && /timeout|aborted/i.test(step.error ?? '');
      return { p2c, control, step, hung, extra: step.response && control.response ? step.durationMs - control.durationMs : undefined };
    };
    type Timed = Awaited<ReturnType<typeof timed>>;
    const timesOf = (m: Timed) => `p2c 2^${Math.log2(m.p2c)}: ${m.step.response ? `${m.step.durationMs} ms` : statusOf(m.step)} (control ${m.control.response ? `${m.control.durationMs} ms` : statusOf(m.control)})`;
    const shown: string[] = [];
    let suspect: { pbes2: (typeof PBES2_ALGS)[number]; m: Timed } | undefined;
    for (const pbes2 of PBES2_ALGS) {
      for (const p2c of P2C_STEPS) {
        const m = await timed(pbes2, p2c);
        shown.push(`${pbes2[0]} ${timesOf(m)}`);
        if (m.hung || (m.extra ?? 0) >= DERIVATION_SIGNAL_MS) suspect = { pbes2, m };
        if (suspect || m.step.outcome === 'transport-error') break;
      }
      if (suspect) break;
    }
    // Decompression comes after decryption in every library we know of, so it cannot be reached without
    // the backend's key; this one shows whether a JWE with zip is refused, and in what time.
    const inflated = deflateRawSync(Buffer.alloc(4 * 1024 * 1024));
    const zip = await send(`dir/A256GCM JWE with zip "DEF", ${inflated.length.toLocaleString('en')} bytes inflating to 4 MiB`, compactJwe({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' }, 0, inflated));
    exchanges.push(zip);

    const accepted = exchanges.filter((e) => e.outcome === 'accepted');
    if (accepted.length) return { verdict: 'FAIL', severity: 'critical', observed: `a JWE no one could decrypt was accepted: ${accepted.map((e) => `"${e.label}" (${e.response!.status})`).join(', ')}` };
    if (suspect) {
      const { pbes2, m } = suspect;
      const alg = pbes2[0];
      // A stall can coincide with one request, and a delay on every failed request (slow-down middleware)
      // does not grow with p2c. Derivation takes about the same extra time again, and a quarter of the
      // count about a quarter of it.
      const again = await timed(pbes2, m.p2c, ', sent again to confirm');
      const quarter = await timed(pbes2, m.p2c / 4, ', a quarter of the count');
      const extra = m.extra ?? P2C_TIMEOUT_MS;
      const repeated = m.hung ? again.hung || (again.extra ?? 0) >= DERIVATION_SIGNAL_MS : again.hung || (again.extra !== undefined && again.extra >= extra / 2 && again.extra <= extra * 2);
      // (With no answer at all the full time is not known: a quarter that takes a clear share of a second will do.)
      const scaled = quarter.extra !== undefined && (m.hung ? quarter.extra >= DERIVATION_SIGNAL_MS : quarter.extra >= extra / 8 && quarter.extra <= extra / 2);
      const figures = `${shown.join(', ')}; again: ${timesOf(again)}; a quarter: ${timesOf(quarter)}`;
      if (repeated && scaled) {
        const minutes = Math.round(((extra / m.p2c) * 2 ** 31) / 60_000);
        const how = m.hung ? `no answer within ${P2C_TIMEOUT_MS / 1000} s` : `${extra} ms more than p2c = ${P2C_CONTROL.toLocaleString('en')}`;
        return {
          verdict: 'FAIL',
          observed: `the time grows with p2c (${alg} p2c = ${m.p2c.toLocaleString('en')}: ${how}; ${figures}): the backend derives a key with the iteration count the token names, before anything authenticates it; p2c = 2^31 would hold a CPU for about ${minutes} min per request`,
          measured: { p2c: m.p2c, extraMs: extra, minutesAt2p31: minutes },
        };
      }
      return { verdict: 'ERROR', observed: `inconclusive: ${alg} p2c = ${m.p2c.toLocaleString('en')} took ${m.hung ? 'too long' : `${extra} ms more than its control`}, but ${repeated ? 'a quarter of the count did not take about a quarter of that time' : 'sent again it did not take about as long'}: a stall or a fixed delay, not key derivation (${figures})` };
    }
    const refused = expectAllRejected(exchanges);
    if (refused.verdict !== 'PASS') return refused;
    const slowest = Math.max(...exchanges.map((e) => e.durationMs));
    return { ...refused, observed: `${refused.observed}; no time grows with p2c for any PBES2 algorithm (slowest answer ${slowest} ms); zip "DEF" refused in ${zip.durationMs} ms (decompression after decryption needs a key only the backend holds: not tried)`, measured: { slowestMs: slowest } };
  },
  { causes: [CAUSES.verifierFailOpen] },
);

persistenceProbe();
