// Protected-route coverage (docs/checks.md#family-COV): every operation the backend's OpenAPI document marks
// as bearer-protected must refuse a request without a token, with alg none, with an expired token
// and with a forged signature. This finds the route whose auth dependency was forgotten, or that
// only checks that a Bearer header is present. Needs target.openapi.
import type { Exchange } from '../harness/checks/model.js';
import { CAUSES, statusOf } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { family } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { flipSignature, headerOf, unsecured } from '../harness/forge/token.js';
import { inFlight } from '../harness/in-flight.js';
import { loadDocument } from '../harness/openapi/operations.js';
import type { ApiDocument, ApiOperation, SkippedOperation } from '../harness/openapi/operations.js';

const { check, persistenceProbe } = family('COV');

let loaded: Promise<ApiDocument> | undefined;

/** The document's operations (those it is safe to request, and those skipped), or a result saying why there are none to probe. */
async function operations(t: CheckTools): Promise<ApiDocument | CheckResult> {
  // Checks here require it (CheckMeta.requires): without one they are SKIP before they run.
  const source = t.run.openapi!;
  loaded ??= loadDocument(source, t.target.settings.timeoutMs);
  try {
    return await loaded;
  } catch (err) {
    return { verdict: 'ERROR', observed: `cannot read the OpenAPI document at ${'url' in source ? source.url : source.file}: ${(err as Error).message}` };
  }
}

const name = (op: ApiOperation) => `${op.method} ${op.template}`;
/** A skipped operation's template is quoted: it may hold what made it unsafe ("//host", a tab). */
const skippedLine = (op: SkippedOperation) => `${op.method} ${JSON.stringify(op.template)} skipped: ${op.reason}`;
/** The skipped operations, the first few in full: a hostile document may declare thousands. */
const skippedLines = (ops: SkippedOperation[], shown = 20) => ops.slice(0, shown).map(skippedLine).join('; ') + (ops.length > shown ? `; and ${ops.length - shown} more` : '');

function call(t: CheckTools, op: ApiOperation, label: string, token: string | undefined, validToken = false): Promise<Exchange> {
  return t.send(`${name(op)}: ${label}`, {
    validToken,
    method: op.method,
    path: op.path,
    headers: op.headers,
    ...(op.body !== undefined ? { body: op.body } : {}),
    ...(token !== undefined ? { token } : { authorization: null }),
  });
}

check(
  {
    id: 'COV-PROTECTED-OPS',
    needs: ['mint'],
    requires: ['openapi'],
    title: 'Every bearer-protected operation in the OpenAPI document refuses bad credentials',
    severity: 'critical',
    requirement: 'OWASP API2:2023 / API5:2023: authentication is enforced on every operation that requires it, not only on the ones someone tested.',
    references: ['OWASP API2:2023 (broken authentication)', 'OWASP API5:2023 (broken function level authorization)'],
    taxonomy: { cwe: ['CWE-306', 'CWE-862'], capec: ['CAPEC-115'], owaspApi: 'API5:2023' },
    expected: 'every operation marked bearer-protected answers 401/403 with no token, alg none, an expired token and a forged signature',
  },
  async (t) => {
    const doc = await operations(t);
    if (!('operations' in doc)) return doc;
    const guarded = doc.operations.filter((op) => op.protection === 'bearer');
    // A bearer-protected operation that was never requested is not judged: the check cannot PASS over it.
    const skipped = doc.skipped.filter((op) => op.protection === 'bearer');
    const skippedNote = skipped.length ? `; ${skipped.length} bearer-protected operations were never requested: ${skippedLines(skipped)}` : '';
    if (guarded.length === 0 && skipped.length === 0) {
      return { verdict: 'SKIP', observed: `none of the document's ${doc.operations.length + doc.skipped.length} operations declares a bearer security scheme (see COV-UNDECLARED-OPS)` };
    }
    if (guarded.length === 0) {
      return { verdict: 'ERROR', observed: `inconclusive: none of the document's ${skipped.length} bearer-protected operations could be requested: ${skippedLines(skipped)}`, measured: { operations: 0, skipped: skipped.length } };
    }
    const iat = t.now() - 1_500;
    const bad: [string, string | undefined][] = [
      [NO_TOKEN, undefined],
      [ALG_NONE, unsecured(t.token, { alg: 'none', kid: headerOf(t.token).kid })],
      [EXPIRED, await t.signed({ iat, exp: iat + 900 })],
      [FORGED, flipSignature(t.token)],
    ];
    const judged = await inFlight(guarded.map((op) => () => judgeOperation(t, op, bad)), t.target.settings.concurrency);
    const failing = judged.filter((j) => j.verdict === 'FAIL');
    const unclear = judged.filter((j) => j.verdict === 'ERROR');
    const measured = { operations: guarded.length, failing: failing.length, inconclusive: unclear.length, skipped: skipped.length };
    const lines = judged.map((j) => j.line).join('; ');
    if (failing.length) {
      // An operation that takes no token at all is this check's own finding. Otherwise what got through
      // is a verifier flaw another check names on the protected path (reported under it when it does).
      const through = new Set(failing.flatMap((j) => j.through));
      const causes = through.has(NO_TOKEN) ? [] : CAUSE_OF_PROBE.filter(([probe]) => through.has(probe)).map(([, cause]) => cause);
      // An expired token with a valid signature is a forgery of nothing: high, as CLM-EXP-PAST (critical when no token, alg none or a forged signature gets in).
      const severity = through.size === 1 && through.has(EXPIRED) ? { severity: 'high' as const } : {};
      return { verdict: 'FAIL', observed: `${failing.length} of ${guarded.length} protected operations let bad credentials through: ${failing.map((j) => j.line).join('; ')}${skippedNote}`, measured, ...severity, ...(causes.length ? { causes } : {}) };
    }
    if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive for ${unclear.length} of ${guarded.length} operations: ${unclear.map((j) => j.line).join('; ')}${skippedNote}`, measured };
    if (skipped.length) return { verdict: 'ERROR', observed: `inconclusive: all ${guarded.length} protected operations requested refused all four (${lines})${skippedNote}`, measured };
    return { verdict: 'PASS', observed: `all ${guarded.length} protected operations refused all four: ${lines}`, measured };
  },
);

const NO_TOKEN = 'no token';
const ALG_NONE = 'alg none';
const EXPIRED = 'expired 10 min ago (valid signature)';
const FORGED = 'forged signature';
/** The cause each bad credential getting through follows from, most fundamental first. */
const CAUSE_OF_PROBE: [string, string][] = [
  [FORGED, CAUSES.signaturesUnverified],
  [ALG_NONE, CAUSES.algNone],
  [EXPIRED, CAUSES.expNotEnforced],
];

/** A refusal of the credential itself. 400 is not one: validation that runs before authentication answers it to every caller. */
const refusedCredential = (e: Exchange) => e.response?.status === 401 || e.response?.status === 403;

/**
 * A valid token's answer is the control: how the operation answers once past authentication. It is
 * sent for safe methods and for paths with parameters (their sample values name nothing that exists);
 * an unsafe operation on a fixed path (DELETE /account) gets no valid request at all.
 */
const controlSafe = (op: ApiOperation) => ['GET', 'HEAD', 'OPTIONS'].includes(op.method) || op.template.includes('{');

/**
 * One operation: the control, then the four bad credentials. Any 2xx FAILs; so does answering a bad
 * credential exactly as the valid token (a 404 or 422 for both: authentication never ran). PASS needs
 * 401/403 for all four, and a control that got past authentication where one was sent.
 */
async function judgeOperation(t: CheckTools, op: ApiOperation, bad: [string, string | undefined][]): Promise<{ verdict: 'PASS' | 'FAIL' | 'ERROR'; line: string; through: string[] }> {
  const control = controlSafe(op) ? await call(t, op, 'valid token (control)', t.token, true) : undefined;
  const answers = await Promise.all(bad.map(([label, token]) => call(t, op, label, token)));
  const summary = `${name(op)}: ${control ? `valid ${statusOf(control)}` : 'no valid request (unsafe method on a fixed path)'}; ${answers.map((e, i) => `${bad[i]![0]} ${statusOf(e)}`).join(', ')}`;
  const labelsOf = (passed: (e: Exchange) => boolean) => bad.filter((_, i) => passed(answers[i]!)).map(([label]) => label);
  const accepted = labelsOf((e) => e.outcome === 'accepted');
  if (accepted.length) return { verdict: 'FAIL', line: `${summary} (accepted)`, through: accepted };
  if (control) {
    const status = control.response?.status;
    const likeValid = labelsOf((e) => status !== undefined && !refusedCredential(control) && !refusedCredential(e) && e.response?.status === status);
    if (likeValid.length) return { verdict: 'FAIL', line: `${summary} (answered like the valid token: authentication is not enforced)`, through: likeValid };
    if (status === undefined || refusedCredential(control)) return { verdict: 'ERROR', line: `${summary} (the valid token is refused too: not judged)`, through: [] };
    // A 404 is the expected answer for a sample id; on a fixed path it means the operation is not where the document says.
    if ((status === 404 && !op.template.includes('{')) || status === 405) return { verdict: 'ERROR', line: `${summary} (the operation is not there: check the document's paths and servers)`, through: [] };
  }
  if (!answers.every(refusedCredential)) return { verdict: 'ERROR', line: `${summary} (not refused with 401/403)`, through: [] };
  return { verdict: 'PASS', line: summary, through: [] };
}

check(
  {
    id: 'COV-UNDECLARED-OPS',
    requires: ['openapi'],
    title: 'Operations without a security requirement, and whether a token changes their answer (measured)',
    severity: 'info',
    requirement: 'Every operation the document leaves open should be meant to be public; one that answers differently with a valid token uses authentication the document does not declare.',
    references: ['OWASP API9:2023 (improper inventory management)'],
    taxonomy: { cwe: ['CWE-306', 'CWE-684'], capec: [], owaspApi: 'API9:2023' },
    expected: 'INFO: the list of undeclared operations (GET and HEAD probed with and without a valid token), for the team to confirm',
  },
  async (t) => {
    const doc = await operations(t);
    if (!('operations' in doc)) return doc;
    const ops = doc.operations;
    const open = ops.filter((op) => op.protection === 'none');
    const other = ops.filter((op) => op.protection === 'other');
    const safe = open.filter((op) => op.method === 'GET' || op.method === 'HEAD');
    const unsafe = open.filter((op) => !safe.includes(op));
    const probed = await inFlight(
      safe.map((op) => async () => {
        const [anonymous, authenticated] = [await call(t, op, 'no token', undefined), await call(t, op, 'valid token', t.token, true)];
        const differs = statusOf(anonymous) !== statusOf(authenticated) || anonymous.response?.bodyExcerpt !== authenticated.response?.bodyExcerpt;
        return { op, line: `${name(op)} (no token ${statusOf(anonymous)}, valid token ${statusOf(authenticated)})`, differs };
      }),
      t.target.settings.concurrency,
    );
    const differing = probed.filter((p) => p.differs);
    const parts = [
      `${open.length} of ${ops.length} operations declare no security`,
      differing.length ? `answer differently with a valid token (undeclared authentication?): ${differing.map((p) => p.line).join(', ')}` : '',
      probed.length > differing.length ? `public, the same with or without a token: ${probed.filter((p) => !p.differs).map((p) => p.line).join(', ')}` : '',
      unsafe.length ? `not probed (unsafe methods): ${unsafe.map(name).join(', ')}` : '',
      other.length ? `guarded by a scheme other than bearer, not probed: ${other.map(name).join(', ')}` : '',
      doc.skipped.length ? `${doc.skipped.length} operations never requested: ${skippedLines(doc.skipped)}` : '',
    ].filter(Boolean);
    return { verdict: 'INFO', observed: parts.join('; '), measured: { undeclared: open.length, differWithToken: differing.length, operations: ops.length, skipped: doc.skipped.length } };
  },
);

persistenceProbe();
