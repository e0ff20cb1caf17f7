// The files a run leaves next to report.json (JUnit XML, Markdown, SARIF, HTML), written from real
// runs against fixture backends and validated against the published schemas; the exit code under
// --fail-on, --strict and a baseline of waivers.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { RUN_WIDE, nodeFixtureRun } from './support/known-answers.js';
import { runCli } from './support/cli.js';
import { harSchemaErrors, junitSchemaErrors, sarifSchemaErrors } from './support/schemas.js';
import { htmlReport } from '../harness/report/html.js';
import { markdownSummary } from '../harness/report/markdown.js';

const outDirOf = (reportFile: string) => path.dirname(reportFile);

describe('report formats from a real run', { timeout: 120_000 }, () => {
  it('writes JUnit XML, Markdown, SARIF, HTML and HAR that agree with report.json and satisfy their schemas', async () => {
    const { code, report, out, stderr } = await runWithOut('alg-none', ['--only', 'CTL-', 'SIG-ALG-NONE', '--format', 'junit', 'markdown', 'sarif', 'html', 'har']);
    expect(code).toBe(1);
    // Progress on a non-TTY: one line per finished family.
    expect(stderr).toMatch(/^SIG +2 checks in +[\d.]+ s: 0 passed, 2 failed, .* \(SIG-ALG-NONE, SIG-ALG-NONE-KEEP-SIG\)$/m);
    const xml = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(await junitSchemaErrors(xml)).toEqual([]);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' }).parse(xml) as { testsuites: { tests: string; failures: string; testsuite: { skipped: string }[] } };
    expect(Number(parsed.testsuites.tests)).toBe(report.checks.length);
    expect(Number(parsed.testsuites.failures)).toBe(report.summary.fail);
    expect(parsed.testsuites.testsuite.reduce((n, suite) => n + Number(suite.skipped), 0)).toBe(report.summary.skip);
    expect(xml).toMatch(/<failure message="FAIL: accepted: [^"]*" type="critical"/);
    expect(xml).toContain('requirement: RFC 8725 §3.2');

    const sarif = JSON.parse(await readFile(path.join(out, 'report.sarif'), 'utf8')) as Log;
    expect(await sarifSchemaErrors(sarif)).toEqual([]);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id).sort()).toEqual(report.checks.map((c) => c.id).sort());
    expect(run.results!.map((r) => [r.ruleId, r.level]).sort()).toEqual([['SIG-ALG-NONE', 'error'], ['SIG-ALG-NONE-KEEP-SIG', 'error']]);
    for (const result of run.results!) expect(run.tool.driver.rules![result.ruleIndex!]!.id).toBe(result.ruleId);
    // The CWE as GitHub code scanning reads it, and the severity it ranks alerts by.
    const algNone = run.tool.driver.rules!.find((r) => r.id === 'SIG-ALG-NONE')!;
    expect(algNone.properties!.tags).toContain('external/cwe/cwe-347');
    expect(algNone.properties!['security-severity']).toBe('9.5');

    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(md).toContain(`**${report.summary.pass} passed, 2 failed`);
    expect(md.indexOf('`SIG-ALG-NONE`')).toBeGreaterThan(md.indexOf('| Verdict | Severity |'));
    const sha256 = createHash('sha256').update(await readFile(path.join(out, 'report.json'))).digest('hex');
    expect(md).toContain(sha256);

    // Self-contained: nothing to fetch when it is opened (links to references are only followed on a click).
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    // Every relative link resolves inside the report directory: the catalogue copy is there, with an anchor per check.
    const catalogue = await readFile(path.join(out, 'checks.md'), 'utf8');
    const relative = [...html.matchAll(/href="([^"]+)"/g), ...md.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href) && !href.startsWith('#'));
    expect(relative.length).toBeGreaterThan(0);
    for (const href of relative) {
      const [file, anchor] = href.split('#');
      expect(file, href).toBe('checks.md');
      expect(catalogue, href).toContain(`<a id="${anchor}"></a>`);
    }
    expect(catalogue).not.toMatch(/\]\((?![a-z]+:)[^)#]+\)/);
    // Where the catalogue is published (report.catalogueUrl; the Action passes its own), the links are absolute: they resolve in a job summary.
    const published = { ...report, tool: { ...report.tool, catalogueUrl: 'https://example.test/docs/checks.md' } };
    expect(markdownSummary(published)).toContain('](https://example.test/docs/checks.md#SIG-ALG-NONE)');
    expect(htmlReport(published)).toContain('href="https://example.test/docs/checks.md#SIG-ALG-NONE"');
    expect(html).not.toMatch(/<(script|img|iframe)\b[^>]*\bsrc=|<link\b/i);
    expect(html.match(/<style>([\s\S]*?)<\/style>/)![1]).not.toMatch(/@import|url\(/);
    expect(html).toContain(sha256);
    expect(html).toContain(`Run ID</dt><dd>${report.run.id}`);
    for (const c of report.checks) expect(html).toContain(`id="${c.id}" data-verdict="${c.verdict}"`);
    expect(html).toContain('<a href="https://www.rfc-editor.org/rfc/rfc8725#section-3.2"');
    // The forged header decoded, the backend's words escaped, and how to fix it in each stack.
    expect(html).toMatch(/&quot;alg&quot;: &quot;none&quot;/);
    expect(html).toContain('How to fix: Signature and algorithm');
    expect(html).toContain('<th>PyJWT</th>');

    // The evidence as HTTP Archive 1.2: every exchange, each with its check and its send time, redacted as report.json is.
    const har = JSON.parse(await readFile(path.join(out, 'report.har'), 'utf8')) as { log: { entries: { startedDateTime: string; request: { url: string; headers: { name: string; value: string }[] }; response: { status: number }; _check: string; _label: string }[] } };
    expect(await harSchemaErrors(har)).toEqual([]);
    const evidence = report.checks.flatMap((c) => c.evidence.map((e) => ({ check: c.id, e })));
    expect(har.log.entries.map((x) => [x._check, x._label, x.response.status])).toEqual(evidence.map(({ check, e }) => [check, e.label, e.response?.status ?? 0]));
    for (const [i, x] of har.log.entries.entries()) {
      const e = evidence[i]!.e;
      expect(x.startedDateTime).toBe(e.at);
      expect(x.request.headers.find((h) => h.name === 'authorization')?.value).toBe(e.request.headers.authorization);
    }
  });

  it('progress has one line per ID prefix, whatever files hold its checks, and the lines add up to the checks', async () => {
    // KEY-KID-ABSENT-SINGLE (and KEY-KID-CROSS-ISSUER) are in the JWKS family's file: without the other
    // JWKS checks they end before keys.suite.ts is even collected, and KEY got a line of its own for
    // them, then another for all of its checks.
    const { report, stderr } = await runWithOut(undefined, ['--skip', 'JWKS-', 'KEY-KID-DECOY', 'LIFE-', 'ISO-', 'COV-']);
    const lines = [...stderr.matchAll(/^([A-Z]+) +(\d+) checks in /gm)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(lines.filter(([family]) => family === 'KEY')).toEqual([['KEY', 13]]);
    expect(new Set(lines.map(([family]) => family)).size).toBe(lines.length);
    expect(lines.reduce((n, [, count]) => n + count, 0)).toBe(report.checks.filter((c) => !RUN_WIDE.includes(c.id)).length);
  });

  it('a baseline waives known failures without hiding them, and reports waivers that no longer match', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-baseline-'));
    const baseline = path.join(dir, 'baseline.yaml');
    await writeFile(baseline, [
      '- check: SIG-ALG-NONE',
      '  comment: "legacy verifier, replaced in SEC-1 by March"',
      '- check: SIG-ALG-NONE-KEEP-SIG',
      '  comment: "legacy verifier, replaced in SEC-1 by March"',
      '- check: SIG-BITFLIP',
      '  comment: "was flaky once, kept by mistake"',
      '- check: CLM-EXP-PAST',
      '  target: http://127.0.0.1:1',
      '  comment: "another service: does not apply to this run"',
      '',
    ].join('\n'));
    const { code, report, out, stdout } = await runWithOut('alg-none', ['--only', 'CTL-', 'SIG-ALG-NONE', 'SIG-BITFLIP', '--baseline', baseline]);
    expect(report.summary.fail).toBe(2);
    expect(report.checks.filter((c) => c.waiver).map((c) => [c.id, c.verdict])).toEqual([['SIG-ALG-NONE', 'FAIL'], ['SIG-ALG-NONE-KEEP-SIG', 'FAIL']]);
    expect(report.waivers).toMatchObject({ file: baseline, applied: 2, stale: [{ check: 'SIG-BITFLIP', reason: 'the check is now PASS, the waiver expects FAIL' }] });
    expect(code).toBe(0);
    expect(stdout).toMatch(/FAIL \(waived\) +SIG-ALG-NONE /);
    expect(stdout).toMatch(/STALE WAIVER +SIG-BITFLIP/);
    const sarif = JSON.parse(await readFile(path.join(out, 'report.sarif'), 'utf8')) as Log;
    expect(await sarifSchemaErrors(sarif)).toEqual([]);
    expect(sarif.runs[0]!.results!.find((r) => r.ruleId === 'SIG-ALG-NONE')!.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'legacy verifier, replaced in SEC-1 by March' }]);
    const xml = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(await junitSchemaErrors(xml)).toEqual([]);
    expect(xml).not.toContain('<failure');
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('Waived by the baseline (expected FAIL): legacy verifier');

    // A waiver without its reason is refused before anything starts.
    await writeFile(baseline, '- check: SIG-ALG-NONE\n');
    const refused = await runCli(['run', '--target', 'http://127.0.0.1:1', '--protected', '/api/me', '--baseline', baseline]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`invalid baseline ${baseline}`);
    expect(refused.stderr).toMatch(/comment/);
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

  it('the console lines up its columns for any ID length, and --quiet prints the findings and the closing lines only', async () => {
    // A long ID (31 characters) among short ones, and INFO and SKIP lines beside the FAIL.
    const full = await nodeFixtureRun('alg-none', 'process', ['--only', 'SIG-ALG-NONE', 'KEY-KID-ABSENT-SINGLE', 'JWKS-KIDMISS-LIMITER-STARVATION', '--max-rotation-delay', '1', '--wait-budget', '2']);
    const verdictLines = full.stdout.split('\n').filter((l) => /^(FAIL|NON-STRICT|ERROR|INFO|SKIP) /.test(l));
    expect(verdictLines.some((l) => l.startsWith('INFO'))).toBe(true);
    const idWidth = Math.max(...full.report.checks.map((c) => c.id.length)) + 1;
    for (const l of verdictLines.filter((x) => !/^SKIP +\d+ checks?/.test(x))) {
      // Verdict column, ID column, then the severity, wherever the ID ends.
      expect(l.slice(20, 20 + idWidth).trimEnd(), l).toMatch(/^[A-Z0-9-]+$/);
      expect(l.slice(20 + idWidth), l).toMatch(/^(critical|high|medium|low|info) /);
    }
    const quiet = await nodeFixtureRun('alg-none', 'process', ['--only', 'SIG-ALG-NONE', 'KEY-KID-ABSENT-SINGLE', '--quiet']);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toMatch(/^FAIL +SIG-ALG-NONE /m);
    expect(quiet.stdout).not.toMatch(/^(INFO|SKIP|PASS) /m);
    expect(quiet.stdout).toMatch(/^COVERAGE /);
    expect(quiet.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, \d+ failed, /);
    // No progress and no start-up lines on stderr: nothing there asked for action.
    expect(quiet.stderr).not.toMatch(/^(SIG|KEY) +\d+ checks in/m);
    expect(quiet.stderr).not.toMatch(/^issuer: /m);
  });

  it('--strict makes NON-STRICT fail the run and the JUnit case', async () => {
    // jose checks iat only when maxTokenAge is set: CLM-IAT-FUTURE is NON-STRICT on the reference.
    const lenient = await runWithOut(undefined, ['--only', 'CLM-IAT-FUTURE', '--format', 'junit']);
    expect(lenient.report.summary.nonStrict).toBe(1);
    expect(lenient.code).toBe(0);
    const strict = await runWithOut(undefined, ['--only', 'CLM-IAT-FUTURE', '--strict', '--format', 'junit']);
    expect(strict.code).toBe(1);
    expect(await readFile(path.join(strict.out, 'junit.xml'), 'utf8')).toMatch(/<failure message="NON-STRICT: /);
  });
});

async function runWithOut(flaw: string | undefined, args: string[]) {
  const result = await nodeFixtureRun(flaw, 'process', args);
  return { ...result, out: outDirOf(result.reportFile) };
}
