// The files a run leaves next to report.json (JUnit XML, Markdown, SARIF), written from real runs
// against fixture backends, and the exit code under --fail-on and --strict.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { nodeFixtureRun } from './support/known-answers.js';

const outDirOf = (reportFile: string) => path.dirname(reportFile);

describe('report formats from a real run', { timeout: 120_000 }, () => {
  it('writes JUnit XML, Markdown and SARIF that agree with report.json', async () => {
    const { code, report, out } = await runWithOut('alg-none', ['--only', 'CTL-', 'SIG-ALG-NONE']);
    expect(code).toBe(1);
    const xml = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { testsuites: { tests: string; failures: string; skipped: string; testsuite: unknown } };
    expect(Number(parsed.testsuites.tests)).toBe(report.checks.length);
    expect(Number(parsed.testsuites.failures)).toBe(report.summary.fail);
    expect(Number(parsed.testsuites.skipped)).toBe(report.summary.skip);
    expect(xml).toMatch(/<failure message="FAIL: accepted: [^"]*" type="critical"/);
    expect(xml).toContain('requirement: RFC 8725 §3.2');

    const sarif = JSON.parse(await readFile(path.join(out, 'report.sarif'), 'utf8')) as Log;
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id).sort()).toEqual(report.checks.map((c) => c.id).sort());
    expect(run.results!.map((r) => [r.ruleId, r.level]).sort()).toEqual([['SIG-ALG-NONE', 'error'], ['SIG-ALG-NONE-KEEP-SIG', 'error']]);
    for (const result of run.results!) expect(run.tool.driver.rules![result.ruleIndex!]!.id).toBe(result.ruleId);

    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain(`**${report.summary.pass} passed, 2 failed`);
    expect(md.indexOf('`SIG-ALG-NONE`')).toBeGreaterThan(md.indexOf('| Verdict | Severity |'));
  });

  it('--fail-on leaves FAILs below the severity out of the exit code, and says so', async () => {
    // stack-500 fails ERR-NO-5XX (medium) and ERR-NO-LEAK (low) on malformed tokens.
    const gated = await runWithOut('stack-500', ['--only', 'FMT-PARTS', '--fail-on', 'high', '--format', 'markdown']);
    expect(gated.report.summary.fail).toBeGreaterThan(0);
    expect(gated.report.gate).toEqual({ failOn: 'high', strict: false });
    expect(gated.code).toBe(0);
    expect(gated.stdout).toMatch(/GATE +\d+ FAIL below --fail-on high do not fail the run/);
    const ungated = await runWithOut('stack-500', ['--only', 'FMT-PARTS', '--fail-on', 'medium', '--format', 'json']);
    expect(ungated.code).toBe(1);
  });

  it('--strict makes NON-STRICT fail the run and the JUnit case', async () => {
    // jose accepts exp = 1e308: CLM-EXP-TYPE is NON-STRICT on the reference.
    const lenient = await runWithOut(undefined, ['--only', 'CLM-EXP-TYPE', '--format', 'junit']);
    expect(lenient.report.summary.nonStrict).toBe(1);
    expect(lenient.code).toBe(0);
    const strict = await runWithOut(undefined, ['--only', 'CLM-EXP-TYPE', '--strict', '--format', 'junit']);
    expect(strict.code).toBe(1);
    expect(await readFile(path.join(strict.out, 'junit.xml'), 'utf8')).toMatch(/<failure message="NON-STRICT: /);
  });
});

async function runWithOut(flaw: string | undefined, args: string[]) {
  const result = await nodeFixtureRun(flaw, 'process', args);
  return { ...result, out: outDirOf(result.reportFile) };
}
