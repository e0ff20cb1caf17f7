// Known answers: the suite, run end to end by the CLI, gives every fixture backend exactly its
// committed verdicts. The reference has no FAIL and no ERROR; each flawed variant differs from the
// reference in exactly the checks its flaw explains (fixtures/backends/*/expected/*.json).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../harness/checks/model.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import type { Report } from '../harness/run/report.js';
import { freePort } from '../harness/net.js';
import { CONTAINERS_TESTABLE } from './support/modes.js';

const NODE_EXPECTED = path.join(REPO_ROOT, 'fixtures/backends/node/expected');
const PYTHON_EXPECTED = path.join(REPO_ROOT, 'fixtures/backends/python/expected');
// Debian's python3, not the one first on PATH (see DEVELOPERS.md); its packages are installed by .ci/run.
const DEBIAN_PYTHON = '/usr/bin/python3';
const pythonReady = spawnSync(DEBIAN_PYTHON, ['-c', 'import fastapi, uvicorn, jwt']).status === 0;

interface Expectation {
  /** Default 1 for a flawed fixture: it has FAILs. */
  exitCode?: number;
  /** The run's --protected path, when it is not the identity endpoint. */
  protectedPath?: string;
  verdicts?: Record<string, string>;
  differsFromReference?: Record<string, string>;
  explains?: string;
}

async function expectedVerdicts(file: string): Promise<Record<string, string>> {
  const reference = JSON.parse(await readFile(path.join(NODE_EXPECTED, 'reference.json'), 'utf8')) as Expectation;
  const own = JSON.parse(await readFile(path.join(NODE_EXPECTED, file), 'utf8')) as Expectation;
  return { ...reference.verdicts, ...own.differsFromReference };
}

async function runSuite(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const out = await mkdtemp(path.join(tmpdir(), 'ba-kat-'));
  // A generous request timeout: on a loaded CI machine a slow answer must not turn into an ERROR.
  const child = spawn(process.execPath, ['bin/ba-conformance.js', 'run', ...args, '--out', out, '--timeout', '15000'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const [code] = (await once(child, 'exit')) as [number | null];
  const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
  return { code, report, stderr };
}

function describeMismatches(expected: Record<string, string>, checks: CheckRecord[]): string[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const lines: string[] = [];
  for (const id of [...new Set([...Object.keys(expected), ...byId.keys()])].sort()) {
    const check = byId.get(id);
    if (expected[id] === check?.verdict) continue;
    lines.push(`${id}: expected ${expected[id] ?? '(no expectation)'}, got ${check?.verdict ?? '(not run)'}`);
    if (check) {
      lines.push(`    observed: ${check.observed}`);
      for (const e of check.evidence.slice(0, 3)) lines.push(`    evidence: ${e.label} -> ${e.response ? `${e.response.status} ${e.response.bodyExcerpt.slice(0, 100)}` : e.error}`);
    }
  }
  return lines;
}

async function nodeFixtureRun(flaw: string | undefined, issuerMode: 'process' | 'container') {
  const port = await freePort();
  const start = `${flaw ? `FLAW=${flaw} ` : ''}PORT=${port} exec node --import tsx fixtures/backends/node/server.ts`;
  const { protectedPath } = flaw ? (JSON.parse(await readFile(path.join(NODE_EXPECTED, `${flaw}.json`), 'utf8')) as Expectation) : {};
  return runSuite(['--target', `http://127.0.0.1:${port}`, '--identity', '/api/me', ...(protectedPath ? ['--protected', protectedPath] : []), '--start', start, '--issuer-mode', issuerMode]);
}

const flaws = (await readdir(NODE_EXPECTED)).filter((f) => f.endsWith('.json') && f !== 'reference.json').map((f) => f.replace(/\.json$/, ''));

describe('known answers: node fixtures', () => {
  it('the reference backend has no FAIL and no ERROR, exactly as committed, and exits 0', async () => {
    const { code, report, stderr } = await nodeFixtureRun(undefined, 'process');
    const expected = await expectedVerdicts('reference.json');
    expect(describeMismatches(expected, report.checks), stderr).toEqual([]);
    expect(report.summary.fail + report.summary.error).toBe(0);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
  });

  it.each(flaws)('FLAW=%s differs from the reference in exactly the checks its flaw explains', async (flaw) => {
    const { code, report, stderr } = await nodeFixtureRun(flaw, 'process');
    expect(describeMismatches(await expectedVerdicts(`${flaw}.json`), report.checks), stderr).toEqual([]);
    const { exitCode = 1 } = JSON.parse(await readFile(path.join(NODE_EXPECTED, `${flaw}.json`), 'utf8')) as Expectation;
    expect(code).toBe(exitCode);
  });

  it.skipIf(!CONTAINERS_TESTABLE)('gives the same answers with the issuer in a container', async () => {
    const { code, report, stderr } = await nodeFixtureRun('alg-none', 'container');
    expect(report.issuer?.mode).toBe('container');
    expect(describeMismatches(await expectedVerdicts('alg-none.json'), report.checks), stderr).toEqual([]);
    expect(code).toBe(1);
  });
});

describe('known answers: python fixtures', () => {
  it.skipIf(!pythonReady && !process.env.CI)(
    `FastAPI + PyJWT (lru_cache JWKS, no iss/aud check) gives exactly its committed verdicts${pythonReady ? '' : ' (skipped: apt-get install python3-fastapi python3-uvicorn python3-jwt)'}`,
    async () => {
      const expectation = JSON.parse(await readFile(path.join(PYTHON_EXPECTED, 'fastapi-pyjwt.json'), 'utf8')) as Expectation & { issuerAlgorithms: string[] };
      const port = await freePort();
      const { code, report, stderr } = await runSuite([
        '--target', `http://127.0.0.1:${port}`,
        '--identity', '/api/me',
        '--start', `PORT=${port} exec ${DEBIAN_PYTHON} fixtures/backends/python/fastapi_pyjwt.py`,
        '--issuer-mode', 'process',
        '--alg', ...expectation.issuerAlgorithms,
      ]);
      expect(describeMismatches(expectation.verdicts!, report.checks), stderr).toEqual([]);
      expect(code).toBe(expectation.exitCode);
    },
  );
});
