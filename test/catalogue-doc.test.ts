// docs/checks.md is the catalogue in the repository: generated from the suites' metadata, with an
// anchor per check ID that the reports link to. It must say what the suites declare today.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../harness/config/config.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { valueAt } from '../harness/json-path.js';
import { catalogueMarkdown } from '../harness/report/catalogue-doc.js';
import { CATALOGUE_FILE, catalogueLink } from '../harness/report/catalogue-link.js';
import type { CatalogueEntry } from '../harness/checks/model.js';
import { loadCatalogue } from '../harness/run/catalogue.js';
import { projectsFor } from '../harness/run/projects.js';
import { JWKS_SUITE_CHECKS } from '../suites/jwks/project.js';
import { ERR_401_CHALLENGE, ERR_NO_5XX, ERR_NO_LEAK } from '../harness/run/aggregate.js';
import { runCli } from './support/cli.js';

/** `npm run docs:checks -- --check [file]`, as CI would run it. */
async function checkDoc(file?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/docs-checks.ts', '--check', ...(file ? [file] : [])], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('docs/checks.md', { timeout: 60_000 }, () => {
  it('is what the suites declare today, and a stale copy is caught', async () => {
    const current = await checkDoc();
    expect(current.stderr).toBe('');
    expect(current.code).toBe(0);

    const doc = await readFile(path.join(REPO_ROOT, CATALOGUE_FILE), 'utf8');
    const stale = path.join(await mkdtemp(path.join(tmpdir(), 'ba-catalogue-')), 'checks.md');
    await writeFile(stale, doc.replace('Unsecured tokens', 'Unsigned tokens'));
    const outdated = await checkDoc(stale);
    expect(outdated.code).toBe(1);
    expect(outdated.stderr).toContain('is out of date with the suites: run npm run docs:checks');
  });

  it('has an entry under its ID for every check `list` prints, with its metadata', async () => {
    const listed = await runCli(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = JSON.parse(listed.stdout) as CatalogueEntry[];
    const doc = await readFile(path.join(REPO_ROOT, CATALOGUE_FILE), 'utf8');
    expect(entries.length).toBeGreaterThan(100);
    for (const e of entries) {
      // The anchor the reports link to is the ID itself.
      expect(catalogueLink({ tool: { name: 'ba-conformance', version: '0' } }, e.id)).toBe(`checks.md#${e.id}`);
      const at = doc.indexOf(`<a id="${e.id}"></a>`);
      expect(at, e.id).toBeGreaterThan(0);
      const entry = doc.slice(at, doc.indexOf('<a id=', at + 1) === -1 ? undefined : doc.indexOf('<a id=', at + 1));
      expect(entry).toContain(`### ${e.id}`);
      expect(entry).toContain(`- Severity: ${e.severity}`);
      expect(entry).toContain(`- Family: [${e.family}](#family-${e.family})`);
      // Every check names its weakness: a CWE at least, and the OWASP API Top 10 entry, linked.
      expect(e.taxonomy.cwe.length, e.id).toBeGreaterThan(0);
      expect(e.taxonomy.cwe.every((c) => /^CWE-\d+$/.test(c)) && e.taxonomy.capec.every((c) => /^CAPEC-\d+$/.test(c)), e.id).toBe(true);
      expect(entry).toContain(`[${e.taxonomy.cwe[0]}](https://cwe.mitre.org/data/definitions/${e.taxonomy.cwe[0]!.slice(4)}.html)`);
      expect(entry).toMatch(new RegExp(`\\[OWASP ${e.taxonomy.owaspApi} [^\\]]+\\]\\(https://owasp\\.org/API-Security/editions/2023/en/0xa[1-9a]-[a-z-]+/\\)`));
    }
    // A request estimate that names a setting names one that exists and is a number (run --plan).
    const config = resolveConfig({ target: { baseUrl: 'http://127.0.0.1:9', protectedPath: '/api/me' } });
    const bySetting = entries.filter((e) => typeof e.requests === 'string');
    expect(bySetting.map((e) => e.id)).toEqual(expect.arrayContaining(['JWKS-KIDMISS-STORM', 'JWKS-SINGLEFLIGHT']));
    for (const e of bySetting) expect(typeof valueAt(config, e.requests as string), `${e.id}: ${e.requests}`).toBe('number');
    const alg = doc.slice(doc.indexOf('<a id="SIG-ALG-NONE"></a>'));
    expect(alg.slice(0, alg.indexOf('<a id=', 1))).toContain('[RFC 8725 §3.2](https://www.rfc-editor.org/rfc/rfc8725#section-3.2)');
  });

  it('keeps metadata text literal in Markdown, code spans as they are', () => {
    const entry: CatalogueEntry = {
      id: 'SIG-TEST',
      title: 'A | B <script>',
      family: 'SIG',
      severity: 'high',
      requirement: 'HS* keys and `alg_name` stay <b>text</b>',
      references: ['RFC 7515 §4', 'some_tool [x]'],
      taxonomy: { cwe: ['CWE-347'], capec: [], owaspApi: 'API2:2023' },
      expected: '401',
    };
    const doc = catalogueMarkdown([entry]);
    expect(doc).toContain('| [SIG-TEST](#SIG-TEST) | high | A \\| B &lt;script> |');
    expect(doc).toContain('- Requirement: HS\\* keys and `alg_name` stay &lt;b>text&lt;/b>');
    expect(doc).toContain('- References: [RFC 7515 §4](https://www.rfc-editor.org/rfc/rfc7515#section-4) · some\\_tool \\[x\\]');
    expect(doc).not.toContain('<script>');
  });
});

// A run leaves out the jwks project (its worker and its labs) when its selection holds none of its
// checks: the prefixes it goes by must be exactly that project's checks.
describe('the jwks project', { timeout: 60_000 }, () => {
  // The run-wide checks, and the persistence probe every family runs (merged into one CTL-PERSIST).
  const runWide = new Set([ERR_NO_5XX.id, ERR_401_CHALLENGE.id, ERR_NO_LEAK.id, 'CTL-PERSIST']);
  const ids = async (project: string) => (await loadCatalogue({}, [project])).map((c) => c.id).filter((id) => !runWide.has(id));
  const inJwksProject = (id: string) => JWKS_SUITE_CHECKS.some((p) => id.startsWith(p));

  it('holds every check its prefixes name, and the other project none', async () => {
    const [jwks, others] = [await ids('jwks'), await ids('suites')];
    expect(jwks.length).toBeGreaterThan(20);
    expect(jwks.filter((id) => !inJwksProject(id))).toEqual([]);
    expect(others.filter(inJwksProject)).toEqual([]);
  });

  it('is left out only when the selection cannot hold one of its checks', () => {
    const all = ['suites', 'jwks'];
    expect(projectsFor({})).toEqual(all);
    expect(projectsFor({ only: ['FMT-JSON-INVALID'] })).toEqual(['suites']);
    expect(projectsFor({ only: ['JWKS-ROTATE-NEWKID'] })).toEqual(all);
    expect(projectsFor({ only: ['KEY-'] })).toEqual(all);
    expect(projectsFor({ only: ['J'] })).toEqual(all);
    expect(projectsFor({ only: ['KEY-KID-ABSENT-SINGLE'] })).toEqual(['suites']);
    expect(projectsFor({ skip: [...JWKS_SUITE_CHECKS] })).toEqual(['suites']);
    expect(projectsFor({ skip: ['JWKS-', 'KEY-'] })).toEqual(all); // DOS-VERIFY-FLOOD needs a lab
    expect(projectsFor({ skip: ['JWKS-', 'KEY-', 'DOS-'] })).toEqual(['suites']);
    expect(projectsFor({ only: ['DOS-'] })).toEqual(all);
    expect(projectsFor({ skip: ['JWKS-ROTATE'] })).toEqual(all);
    expect(projectsFor({ skip: ['JWKS-'] })).toEqual(all);
  });
});
