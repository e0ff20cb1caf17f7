// Known answers of the Python and Go fixture backends (fixtures/backends/index.json): FastAPI and Flask
// with PyJWT, FastAPI with python-jose, and Go's jwx and golang-jwt + keyfunc, each started by its
// manifest command from the venv or binary that fixtures/backends/setup builds (.ci/run runs it). A
// backend runs with every family, the JWKS one included; a variant as its expectation scopes it. The
// Node stacks are in known-answers-node-stacks.test.ts, so that the two files run side by side.
import { describe, expect, it } from 'vitest';
import { fixtureBackend } from '../fixtures/backends/manifest.js';
import { expectKnownAnswer, fixtureCases, fixtureRun, fixtureUnavailable, readExpectation } from './support/known-answers.js';

const cases = (await fixtureCases()).filter((c) => c.backend.language !== 'node');

describe('known answers: Python and Go fixtures', { timeout: 240_000 }, () => {
  it.for(cases)('$label gives exactly its committed verdicts', async (c, { skip }) => {
    // In CI a missing venv or binary is a failure, never a silent skip.
    const missing = fixtureUnavailable(c.backend);
    if (missing && !process.env.CI) return skip(missing);
    await expectKnownAnswer(c);
  });

  // keyfunc allows one refresh for unknown kids per 5 minutes: a check that spent it, or inherited a lab
  // where another check had, would see a new key refused. Run first, and then with --jobs 1 after
  // JWKS-HUGE-SLOW (estimated longer, so the first to have the lab; its new key's token spends the
  // refresh) in the same lab, the rotation and limiter checks give the committed verdicts both times.
  it("go-golang-jwt-keyfunc: the rotation and limiter verdicts do not depend on which check had the lab before", async ({ skip }) => {
    const backend = fixtureBackend('go-golang-jwt-keyfunc');
    const missing = fixtureUnavailable(backend);
    if (missing && !process.env.CI) return skip(missing);
    const measured = ['JWKS-ROTATE-NEWKID', 'JWKS-ROTATE-OLDKID-GRACE', 'JWKS-KIDMISS-LIMITER-STARVATION'];
    const committed = (await readExpectation(backend.expected)).verdicts!;
    const bounds = ['--max-cache-age', '10', '--max-rotation-delay', '5', '--wait-budget', '20', '--jobs', '1'];
    for (const before of [[], ['JWKS-HUGE-SLOW']]) {
      const { report, stderr } = await fixtureRun(backend, undefined, 'process', ['--only', ...before, ...measured, ...bounds]);
      const got = Object.fromEntries(measured.map((id) => [id, report.checks.find((c) => c.id === id)?.verdict]));
      expect(got, `after ${before.join(', ') || 'nothing'}: ${stderr}`).toEqual(Object.fromEntries(measured.map((id) => [id, committed[id]])));
    }
  });
});
