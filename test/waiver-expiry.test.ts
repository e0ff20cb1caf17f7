// A waiver's `expires` date, end to end: past it, the waiver waives nothing (its check fails the run
// again) and every report says it expired; before it, the waiver applies and shows its date. A date
// that is not one is refused before anything starts, naming the field.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { nodeFixtureRun } from './support/known-answers.js';

async function baselineFile(lines: string[]): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'ba-expiry-')), 'baseline.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

describe('waivers that expire', { timeout: 120_000 }, () => {
  it('an expired waiver stops waiving and is reported as expired; one still in date applies', async () => {
    const baseline = await baselineFile([
      '- check: SIG-ALG-NONE',
      '  comment: "legacy verifier, SEC-1, was due in 2000"',
      '  expires: 2000-01-31',
      '- check: SIG-ALG-NONE-KEEP-SIG',
      '  comment: "legacy verifier, SEC-1, replaced by the end of the millennium"',
      '  expires: 2999-12-31',
    ]);
    const { code, report, reportFile, stdout, stderr } = await nodeFixtureRun('alg-none', 'process', ['--only', 'CTL-', 'SIG-ALG-NONE', '--baseline', baseline]);
    const out = path.dirname(reportFile);
    // The expired waiver's FAIL (critical) counts for the gate again.
    expect(code, stderr).toBe(1);
    expect(report.checks.filter((c) => c.verdict === 'FAIL').map((c) => [c.id, c.waiver?.expires ?? null])).toEqual([['SIG-ALG-NONE', null], ['SIG-ALG-NONE-KEEP-SIG', '2999-12-31']]);
    expect(report.waivers).toMatchObject({
      file: baseline,
      applied: 1,
      stale: [],
      expired: [{ check: 'SIG-ALG-NONE', expires: '2000-01-31', reason: 'expired on 2000-01-31: the check is FAIL and counts for the gate again' }],
    });

    expect(stdout).toMatch(/^FAIL +SIG-ALG-NONE /m);
    expect(stdout).toMatch(/FAIL \(waived\) +SIG-ALG-NONE-KEEP-SIG /);
    expect(stdout).toMatch(/EXPIRED WAIVER +SIG-ALG-NONE +expired on 2000-01-31: the check is FAIL and counts for the gate again: renew or remove it in /);
    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain('> **Expired waiver** `SIG-ALG-NONE`: expired on 2000-01-31: the check is FAIL and counts for the gate again; renew or remove it in');
    expect(md).toMatch(/\| FAIL \| critical \| \[`SIG-ALG-NONE`\]\(checks\.md#SIG-ALG-NONE\)/);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Expired waivers</h2>');
    expect(html).toContain('1 applied, 0 stale, 1 expired');
    expect(html).toContain('Waived by the baseline (expected FAIL) until 2999-12-31: legacy verifier');
    const sarif = JSON.parse(await readFile(path.join(out, 'report.sarif'), 'utf8')) as Log;
    const results = sarif.runs[0]!.results!;
    expect(results.find((r) => r.ruleId === 'SIG-ALG-NONE')!.suppressions).toBeUndefined();
    expect(results.find((r) => r.ruleId === 'SIG-ALG-NONE-KEEP-SIG')!.suppressions).toHaveLength(1);
    expect(await readFile(path.join(out, 'junit.xml'), 'utf8')).toMatch(/name="SIG-ALG-NONE: [^"]*"[^>]*>\s*<failure/);
  });

  it('a date that is not YYYY-MM-DD, or not a day of the calendar, exits 2 naming the field', async () => {
    for (const date of ['2027-02-30', '31/03/2027', 'soon']) {
      const baseline = await baselineFile(['- check: SIG-ALG-NONE', '  comment: "legacy verifier, SEC-1"', `  expires: ${date}`]);
      const refused = await runCli(['run', '--target', 'http://127.0.0.1:1', '--protected', '/api/me', '--baseline', baseline]);
      expect(refused.code, date).toBe(2);
      expect(refused.stderr).toContain(`invalid baseline ${baseline}`);
      expect(refused.stderr).toMatch(/a date as YYYY-MM-DD[\s\S]*at \[0\]\.expires/);
    }
  });
});
