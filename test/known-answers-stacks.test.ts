// Known answers of the Python and Go fixture backends (fixtures/backends/index.json): FastAPI and Flask
// with PyJWT, FastAPI with python-jose, and Go's jwx, each started by its manifest command from the venv
// or binary that fixtures/backends/setup builds (.ci/run runs it). A backend runs with every family, the
// JWKS one included; a variant as its expectation scopes it. The Node stacks are in
// known-answers-node-stacks.test.ts, so that the two files run side by side.
import { describe, it } from 'vitest';
import { expectKnownAnswer, fixtureCases, fixtureUnavailable } from './support/known-answers.js';

const cases = (await fixtureCases()).filter((c) => c.backend.language !== 'node');

describe('known answers: Python and Go fixtures', { timeout: 240_000 }, () => {
  it.for(cases)('$label gives exactly its committed verdicts', async (c, { skip }) => {
    // In CI a missing venv or binary is a failure, never a silent skip.
    const missing = fixtureUnavailable(c.backend);
    if (missing && !process.env.CI) return skip(missing);
    await expectKnownAnswer(c);
  });
});
