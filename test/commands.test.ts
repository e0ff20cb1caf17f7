// The CLI beside `run`: `list` reads the catalogue the suites declare (the same checks `run`
// executes), `init` writes a config that loads, `merge` refuses what is not a report; and colour
// follows NO_COLOR / FORCE_COLOR / the TTY.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../harness/checks/model.js';
import { loadConfigFile, resolveConfig } from '../harness/config/config.js';
import { colorEnabled } from '../harness/terminal.js';
import { runCli } from './support/cli.js';
import { expectation } from './support/known-answers.js';

const scratch = () => mkdtemp(path.join(tmpdir(), 'ba-cli-'));

describe('ba-conformance list', { timeout: 60_000 }, () => {
  it('prints every check the reference run reports, each once, with its metadata', async () => {
    const { code, stdout } = await runCli(['list', '--json']);
    expect(code).toBe(0);
    const entries = JSON.parse(stdout) as CatalogueEntry[];
    const ids = entries.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The committed known answer of a full run on the reference lists every check that ran.
    expect(ids.sort()).toEqual(Object.keys((await expectation('reference')).verdicts ?? {}).sort());
    for (const e of entries) {
      expect(e.requirement.length).toBeGreaterThan(10);
      expect(e.references.length).toBeGreaterThan(0);
      expect(e.id.startsWith(`${e.family}-`)).toBe(true);
    }
  });

  it('filters like a run: --only and --skip by prefix, --severity, --family', async () => {
    const only = await runCli(['list', '--only', 'SIG-ALG-NONE', '--json']);
    expect((JSON.parse(only.stdout) as CatalogueEntry[]).map((e) => e.id)).toEqual(['SIG-ALG-NONE', 'SIG-ALG-NONE-KEEP-SIG']);
    const table = await runCli(['list', '--family', 'SIG', '--severity', 'critical', '--skip', 'SIG-ALG']);
    expect(table.stdout).toMatch(/^SIG-BITFLIP +critical +A signature with flipped bits is rejected$/m);
    expect(table.stdout).not.toMatch(/SIG-ALG|high|CLM-/);
    expect(table.stdout).toMatch(/\n\d+ checks in 1 families\n$/);
    const bad = await runCli(['list', '--severity', 'urgent']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are critical, high, medium, low, info/);
  });
});

describe('ba-conformance init', () => {
  it('writes a commented config that loads and validates, and will not overwrite one', async () => {
    const dir = await scratch();
    const written = await runCli(['init'], { cwd: dir });
    expect(written.code).toBe(0);
    const file = path.join(dir, 'conformance.config.ts');
    expect(await readFile(file, 'utf8')).toMatch(/\/\/ The lowest severity whose FAIL fails the run/);
    const config = resolveConfig(await loadConfigFile(file, dir));
    expect(config.target).toMatchObject({ baseUrl: 'http://127.0.0.1:8000', protectedPath: '/api/me' });
    expect(config.report).toMatchObject({ failOn: 'info', strict: false, formats: ['json', 'junit', 'markdown', 'sarif', 'html'] });
    const again = await runCli(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists already');
    expect(again.stderr).toContain('--force');
  });
});

describe('ba-conformance merge', () => {
  it('names a missing file or a file that is not a report, and exits 2', async () => {
    const dir = await scratch();
    const missing = await runCli(['merge', path.join(dir, 'nope.json'), '--out', path.join(dir, 'm.html')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json/);
    const other = path.join(dir, 'package.json');
    await writeFile(other, JSON.stringify({ name: 'x' }));
    const wrong = await runCli(['merge', other, '--out', path.join(dir, 'm.html')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not a ba-conformance report\.json[\s\S]*schemaVersion/);
  });
});

describe('ba-conformance demo', { timeout: 120_000 }, () => {
  it('runs the reference and a flawed copy, and the matrix shows the flaw caught', async () => {
    const dir = await scratch();
    const demo = await runCli(['demo', '--only', 'CLM-ISS', 'CLM-AUD', '--out', dir]);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/^reference: \d+ passed, 0 failed/m);
    expect(demo.stdout).toMatch(/^no-iss-aud-check: \d+ passed, [1-9]\d* failed/m);
    const matrix = JSON.parse(await readFile(path.join(dir, 'matrix.json'), 'utf8')) as { checks: Record<string, Record<string, string>> };
    expect(matrix.checks['CLM-ISS-WRONG']).toEqual({ reference: 'PASS', 'no-iss-aud-check': 'FAIL' });
    expect(matrix.checks['CLM-AUD-WRONG']).toEqual({ reference: 'PASS', 'no-iss-aud-check': 'FAIL' });
    expect(await readFile(path.join(dir, 'matrix.html'), 'utf8')).toContain('href="reference/report.html#CLM-ISS-WRONG"');
  });
});

describe('colour', () => {
  it('only on a TTY, never with NO_COLOR, always with FORCE_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
