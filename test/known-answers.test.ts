// Known answers: the suite, run end to end by the CLI, gives every fixture backend exactly its
// committed verdicts (fixtures/backends/index.json names them). Each flawed variant of the node
// example backend differs from the reference in exactly the checks its flaw explains. This file has
// the flaws of verification and of the handlers, run without the JWKS family (their code path for
// keys is the reference's), or with only the families that can see them;
// test/known-answers-jwks.test.ts has the node runs with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERS_TESTABLE } from './support/modes.js';
import { NODE_FIXTURE, describeMismatches, expectedVerdicts, fixtureCases, holdToKnownAnswer, inJwksFamily, nodeFixtureRun, runCase, runsJwksFamily } from './support/known-answers.js';
import type { CaseRun, FixtureCase } from './support/known-answers.js';
import { JWKS_SUITE_CHECKS } from '../suites/jwks/lab.js';

const cases = (await fixtureCases()).filter((c) => c.backend.name === NODE_FIXTURE.name && !runsJwksFamily(c));

// A run that mostly waits (for tokens to expire) starts with the first case and is judged in its turn:
// the worker's CPU goes to the other cases meanwhile. Its rejection is held until then.
const started = new Map<FixtureCase, Promise<CaseRun>>();

describe('known answers: node fixtures', { timeout: 180_000 }, () => {
  beforeAll(() => {
    for (const c of cases.filter((c) => c.expected.waits)) {
      const run = runCase(c);
      run.catch(() => undefined);
      started.set(c, run);
    }
  });
  // None outlives the file, whichever cases a filter left out.
  afterAll(async () => {
    await Promise.allSettled(started.values());
  });

  it.each(cases)('$label differs from the reference in exactly the checks its flaw explains', async (c) => {
    const report = await holdToKnownAnswer(c, await (started.get(c) ?? runCase(c)));
    // One cause, one finding: the fail-open flaw's other FAILs are reported under ERR-FAILOPEN.
    if (c.variant?.name === 'fail-open') {
      const failed = report.checks.filter((r) => r.verdict === 'FAIL' && r.id !== 'ERR-FAILOPEN');
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.filter((r) => r.sameCauseAs !== 'ERR-FAILOPEN').map((r) => r.id)).toEqual([]);
    }
  });

  it.skipIf(!CONTAINERS_TESTABLE)('gives the same answers with the issuer in a container', async () => {
    const { code, report, stderr } = await nodeFixtureRun('alg-none', 'container', ['--skip', ...JWKS_SUITE_CHECKS]);
    expect(report.issuer?.mode).toBe('container');
    expect(describeMismatches(await expectedVerdicts('alg-none', (id) => !inJwksFamily(id)), report.checks), stderr).toEqual([]);
    expect(code).toBe(1);
  });
});
