// Known answers, the node example backend's runs that include the JWKS family: the reference with
// every family, the flaws of key fetching, jose's real defaults, and a backend that refuses
// everything. The JWKS family waits on the backend's cache and cooldown, so the fixture manifest
// runs jose tuned short (a 3 s cache, a 1 s cooldown) and the suite with bounds to match. The
// reference runs once more with jose's real defaults to show that the suite measures its 30 s
// cooldown and reports a 10 min cache as undecided within a 40 s budget, without failing the gate. (test/known-answers.test.ts has the
// other flaws, test/known-answers-stacks.test.ts the Python and Go fixtures.)
import { describe, expect, it } from 'vitest';
import { failsGate } from '../harness/report-model.js';
import { NODE_FIXTURE, expectKnownAnswer, fixtureCases, nodeFixtureRun, runsJwksFamily } from './support/known-answers.js';

const cases = (await fixtureCases()).filter((c) => c.backend.name === NODE_FIXTURE.name && runsJwksFamily(c));

// A JWKS run waits on caches and cooldowns: a minute, more for the backends without fetch timeouts.
describe('known answers with the JWKS family: node fixtures', { timeout: 240_000 }, () => {
  it.each(cases)('$label gives exactly its committed verdicts (a flaw differs from the reference in exactly the checks it explains)', async (c) => {
    const report = await expectKnownAnswer(c);
    if (c.variant === undefined) {
      expect(report.summary.fail + report.summary.error).toBe(0);
      expect(report.problems).toEqual([]);
    }
  });

  it("measures jose's real defaults: a 30 s refetch cooldown, and a 10 min cache undecided within a 40 s budget", async () => {
    const { code, report, stderr } = await nodeFixtureRun(undefined, 'process', ['--only', 'JWKS-ROTATE', 'JWKS-REVOKE', '--wait-budget', '40'], {});
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(byId.get('JWKS-ROTATE-NEWKID')?.verdict, stderr).toBe('PASS');
    const window = byId.get('JWKS-ROTATE-JUST-BEFORE-USE')!;
    expect(window.verdict).toBe('INFO');
    // Refused from the rotation until jose's cooldown (30 s after its last fetch) ran out.
    const cooldownS = Number(window.measured!.refusalWindowS) + Number(window.measured!.rotationAfterFetchS);
    expect(cooldownS, window.observed).toBeGreaterThanOrEqual(29);
    expect(cooldownS, window.observed).toBeLessThanOrEqual(32);
    // Undecided within the budget: said with what would decide it, and no failure of the gate (--strict would fail it).
    const revoke = byId.get('JWKS-REVOKE-PROPAGATION')!;
    expect(revoke.verdict).toBe('INFO');
    expect(revoke.observed).toMatch(/undecided within the wait budget: not the removed key .* refused within 4\d(\.\d)? s, and the accepted bound is 600 s; --wait-budget 602/);
    expect(revoke.undecided?.decidingBudgetS).toBe(602);
    expect(failsGate(revoke, false)).toBe(false);
    expect(failsGate(revoke, true)).toBe(true);
    expect(byId.get('JWKS-ROTATE-OLDKID-GRACE')?.verdict).toBe('PASS');
    expect(code).toBe(0);
  });
});
