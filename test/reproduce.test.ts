// `ba-conformance reproduce`: a finding of a real run, run again against the backend as it is now (the
// flawed one, then the fixed one started with the same options), its tokens minted afresh by the check's
// own code, says whether the finding still holds, and prints each exchange as a curl command.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { NODE_FIXTURE, fixtureRunArgs, runSuite } from './support/known-answers.js';

const variant = (name: string) => NODE_FIXTURE.variants.find((v) => v.name === name)!;

describe('reproduce', { timeout: 120_000 }, () => {
  it('runs the check again: the finding still holds on the flawed backend (exit 1) and no longer on the fixed one (exit 0), each request printed as curl', async () => {
    const run = await runSuite(await fixtureRunArgs(NODE_FIXTURE, variant('alg-none'), 'process', ['--only', 'CTL-', 'SIG-ALG-NONE', '--format', 'html', 'markdown']));
    expect(run.report.checks.find((c) => c.id === 'SIG-ALG-NONE')?.verdict).toBe('FAIL');
    // The report and the summary show the command.
    expect(await readFile(path.join(path.dirname(run.reportFile), 'report.html'), 'utf8')).toContain('npx ba-conformance reproduce reports/report.json SIG-ALG-NONE');
    expect(await readFile(path.join(path.dirname(run.reportFile), 'summary.md'), 'utf8')).toContain('`npx ba-conformance reproduce reports/report.json SIG-ALG-NONE`');

    // The same backend again (the harness starts it, as the run did: the same options, a new port).
    const again = await runCli(['reproduce', run.reportFile, 'SIG-ALG-NONE', ...(await fixtureRunArgs(NODE_FIXTURE, variant('alg-none'), 'process'))]);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toMatch(/^then: FAIL: /m);
    expect(again.stdout).toMatch(/^now: {2}FAIL: /m);
    expect(again.stdout).toContain('the finding still holds: FAIL again');
    // Every exchange of the check as a command and its answer; a forged token is no credential, so it is whole.
    const curls = again.stdout.match(/^curl -sS -i -X GET '[^']+\/api\/me' .*-H 'authorization: Bearer [\w-]+\.[\w-]+\.[\w-]*'/gm) ?? [];
    expect(curls.length).toBeGreaterThan(1);
    expect(again.stdout).toMatch(/^# → 200 /m);

    // Fixed: the reference backend refuses alg none.
    const fixed = await runCli(['reproduce', run.reportFile, 'SIG-ALG-NONE', '--exchange', '1', ...(await fixtureRunArgs(NODE_FIXTURE, undefined, 'process'))]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('the finding no longer holds: FAIL then, PASS now');
    expect(fixed.stdout.match(/^curl /gm)).toHaveLength(1);
    expect(fixed.stdout).toMatch(/^# → 401 /m);

    const unknown = await runCli(['reproduce', run.reportFile, 'SIG-ALG-NONEX']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/SIG-ALG-NONEX is not a check of .*did you mean SIG-/);
  });
});
