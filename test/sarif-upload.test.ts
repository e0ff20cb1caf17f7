// report.sarif as GitHub code scanning takes it: every result located in a repository file (a
// relative path, never the backend's http:// URL, which GitHub refuses), the method and route that
// showed the finding as its logical location, and fingerprints that survive a new port and run id, so the next CI run
// updates the same alerts instead of opening new ones.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Log, Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../harness/config/config.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { FINGERPRINT_KEY } from '../harness/report/sarif.js';
import { DEFAULT_SARIF_LOCATION } from '../harness/report-model.js';
import { runCli } from './support/cli.js';
import { NODE_FIXTURE, nodeFixtureRun } from './support/known-answers.js';
import { sarifSchemaErrors } from './support/schemas.js';

async function sarifRun() {
  const run = await nodeFixtureRun('alg-none', 'process', ['--only', 'CTL-', 'SIG-ALG-NONE', '--format', 'sarif']);
  const sarif = JSON.parse(await readFile(path.join(path.dirname(run.reportFile), 'report.sarif'), 'utf8')) as Log;
  return { ...run, sarif, results: sarif.runs[0]!.results! };
}

const uriOf = (r: Result) => r.locations![0]!.physicalLocation!.artifactLocation!.uri!;
const fingerprints = (results: Result[]) => Object.fromEntries(results.map((r) => [r.ruleId, r.partialFingerprints![FINGERPRINT_KEY]]));

describe('SARIF for GitHub code scanning', { timeout: 120_000 }, () => {
  it('anchors every result to the config file and keeps its fingerprint across runs on different ports', async () => {
    const first = await sarifRun();
    const second = await sarifRun();
    expect(first.code, first.stderr).toBe(1);
    expect(second.code, second.stderr).toBe(1);
    expect(first.report.target.baseUrl).not.toBe(second.report.target.baseUrl);
    expect(first.report.run.id).not.toBe(second.report.run.id);

    for (const { sarif, results, report } of [first, second]) {
      expect(await sarifSchemaErrors(sarif)).toEqual([]);
      expect(results.map((r) => r.ruleId).sort()).toEqual(['SIG-ALG-NONE', 'SIG-ALG-NONE-KEEP-SIG']);
      expect(report.target.sarifLocation).toBe(NODE_FIXTURE.config);
      for (const r of results) {
        // A repository path (no scheme: GitHub rejects http://), the config file the run loaded.
        expect(uriOf(r)).toBe(NODE_FIXTURE.config);
        expect(uriOf(r)).toMatch(/^(?![a-z][a-z0-9+.-]*:)|^file:\/\//i);
        const target = new URL(report.target.protectedPath, report.target.baseUrl).toString();
        expect(r.locations![0]!.logicalLocations).toEqual([{ name: `GET ${report.target.protectedPath}`, fullyQualifiedName: `GET http://127.0.0.1${report.target.protectedPath}`, kind: 'resource' }]);
        expect(r.properties).toMatchObject({ verdict: 'FAIL', target });
        expect(r.partialFingerprints![FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{64}$/);
      }
      // helpUri stays an absolute URL (the first linked reference); the catalogue entry is in the help text.
      const rule = sarif.runs[0]!.tool.driver.rules!.find((x) => x.id === 'SIG-ALG-NONE')!;
      expect(rule.helpUri).toMatch(/^https:\/\//);
      expect(rule.help!.markdown).toContain('checks.md#SIG-ALG-NONE');
      expect(rule.properties).toMatchObject({ catalogue: 'checks.md#SIG-ALG-NONE' });
    }
    expect(fingerprints(second.results)).toEqual(fingerprints(first.results));
    expect(new Set(Object.values(fingerprints(first.results))).size).toBe(2);
  });

  it("names the method and route of the exchange that showed the finding, its ids templated", async () => {
    const run = await nodeFixtureRun('idor', 'process', ['--only', 'ISO-READ-OTHER', 'ISO-WRITE-OTHER', 'ISO-CREATE-FOR-OTHER', '--format', 'sarif']);
    const sarif = JSON.parse(await readFile(path.join(path.dirname(run.reportFile), 'report.sarif'), 'utf8')) as Log;
    const routes = Object.fromEntries(sarif.runs[0]!.results!.map((r) => [r.ruleId, r.locations![0]!.logicalLocations![0]]));
    // The port is left out: the same finding is the same location on the next run's port.
    expect(routes['ISO-READ-OTHER']).toEqual({ name: 'GET /api/todos/{id}', fullyQualifiedName: 'GET http://127.0.0.1/api/todos/{id}', kind: 'resource' });
    // The first exchange that shows the FAIL (the update), not the set-up that creates B's todo before it.
    const write = run.report.checks.find((c) => c.id === 'ISO-WRITE-OTHER')!;
    const shown = write.evidence.find((e) => e.shows === 'FAIL')!;
    expect(routes['ISO-WRITE-OTHER']?.name, run.stderr).toBe(`${shown.request.method} /api/todos/{id}`);
    expect(['PUT', 'PATCH', 'DELETE']).toContain(shown.request.method);
    // The create that named B as the owner, not the reads after it.
    expect(routes['ISO-CREATE-FOR-OTHER']?.name, run.stderr).toBe('POST /api/todos');
    // Messages say what happened, without the generated text the resources were made of (titles, bodies):
    // no string the harness wrote into a create or an update shows up in a message.
    const written = run.report.checks.flatMap((c) => c.evidence).flatMap((e) => (e.request.body ? Object.values(JSON.parse(e.request.body) as Record<string, unknown>) : [])).filter((v): v is string => typeof v === 'string' && v.length >= 12 && /\s/.test(v)); // text, not ids
    expect(written.length).toBeGreaterThan(0);
    for (const r of sarif.runs[0]!.results!) for (const text of written) expect(r.message.text, r.ruleId).not.toContain(text);

    // An identity header that overrides the token: the spoofed read, not the refused baseline before it.
    const spoofed = await nodeFixtureRun('trust-user-header', 'process', ['--only', 'ISO-SUB-SOURCE', '--format', 'sarif']);
    const result = (JSON.parse(await readFile(path.join(path.dirname(spoofed.reportFile), 'report.sarif'), 'utf8')) as Log).runs[0]!.results!.find((r) => r.ruleId === 'ISO-SUB-SOURCE');
    const marked = spoofed.report.checks.find((c) => c.id === 'ISO-SUB-SOURCE')!.evidence.find((e) => e.shows === 'FAIL')!;
    expect(marked.request.headers['x-user-id'], spoofed.stderr).toBeDefined();
    expect(result?.locations![0]!.logicalLocations![0]!.name).toBe(`${marked.request.method} ${new URL(marked.request.url).pathname.replace(/[^/]{20,}$/, '{id}')}`);
  });

  it('takes report.sarifLocation (or BA_CONFORMANCE_SARIF_LOCATION), else the config file, else conformance.config.ts', async () => {
    const quick = { target: { baseUrl: 'http://127.0.0.1:8080', protectedPath: '/api/me' } };
    expect(resolveConfig(quick).report.sarifLocation).toBe(DEFAULT_SARIF_LOCATION);
    expect(resolveConfig({ ...quick, report: { sarifLocation: './src\\auth\\middleware.ts' } }).report.sarifLocation).toBe('src/auth/middleware.ts');

    const example = 'fixtures/conformance.example.config.ts';
    expect(resolveConfig(await loadConfigFile(example, REPO_ROOT)).report.sarifLocation).toBe(example);
    // Outside the working directory there is no relative path: a file:// URI, still not the backend's URL.
    expect(resolveConfig(await loadConfigFile(path.join('..', example), path.join(REPO_ROOT, 'harness'))).report.sarifLocation).toBe(`file://${path.join(REPO_ROOT, example)}`);
    expect(resolveConfig(await loadConfigFile(example, REPO_ROOT), { report: { sarifLocation: 'api/auth.py' } }).report.sarifLocation).toBe('api/auth.py');

    for (const bad of ['https://example.com/auth.ts', '/srv/app/auth.ts', '../other-repo/auth.ts']) {
      const refused = await runCli(['run', '--target', 'http://127.0.0.1:1', '--protected', '/api/me'], { env: { ...process.env, BA_CONFORMANCE_SARIF_LOCATION: bad } });
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toContain('report.sarifLocation');
    }
  });
});
