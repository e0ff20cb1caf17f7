// Known answers: the suite, run end to end by the CLI, gives every fixture backend exactly its
// committed verdicts. The reference has no FAIL and no ERROR; each flawed variant differs from the
// reference in exactly the checks its flaw explains (fixtures/backends/*/expected/*.json).
//
// The JWKS family waits on the backend's cache and cooldown, so the node backends run with jose
// tuned short (a 3 s cache, a 1 s cooldown) and the suite with bounds to match. A flaw of key
// fetching is run with the JWKS family only; every other flaw without it (its code path is the
// reference's), except reject-all, which must earn no PASS anywhere. The reference runs everything,
// and once more with jose's real defaults to show that the suite measures its 30 s cooldown and
// reports a 10 min cache as beyond a 40 s budget.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JWKS_SUITE_CHECKS } from '../harness/checks/jwks-lab.js';
import type { CheckRecord } from '../harness/checks/model.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import type { Report } from '../harness/run/report.js';
import { freePort } from '../harness/net.js';
import { CONTAINERS_TESTABLE } from './support/modes.js';

const NODE_EXPECTED = path.join(REPO_ROOT, 'fixtures/backends/node/expected');
const PYTHON_EXPECTED = path.join(REPO_ROOT, 'fixtures/backends/python/expected');
// Debian's python3, not the one first on PATH (see DEVELOPERS.md); its packages are installed by .ci/run.
const DEBIAN_PYTHON = '/usr/bin/python3';

const RUN_WIDE = ['CTL-PERSIST', 'ERR-NO-5XX', 'ERR-401-CHALLENGE', 'ERR-NO-LEAK'];
/** How the node backends' jose cache is tuned, and the JWKS bounds the suite judges it by. */
const FAST_JWKS_BACKEND = 'JWKS_CACHE_MAX_AGE_MS=3000 JWKS_COOLDOWN_MS=1000';
const FAST_JWKS_BOUNDS = ['--max-cache-age', '10', '--max-rotation-delay', '5', '--wait-budget', '20'];

const inJwksFamily = (id: string) => JWKS_SUITE_CHECKS.some((p) => id.startsWith(p));

interface Expectation {
  /** Default 1 for a flawed fixture: it has FAILs. */
  exitCode?: number;
  /** "JWKS": a flaw of key fetching, run with the JWKS family only; "all": every family (a backend that refuses everything). */
  family?: 'JWKS' | 'all';
  /** Check ID prefixes the run is limited to (a flaw of the handlers, run with the families that can see it). */
  only?: string[];
  /** The run's --protected path, when it is not the identity endpoint. */
  protectedPath?: string;
  verdicts?: Record<string, string>;
  differsFromReference?: Record<string, string>;
  explains?: string;
}

async function expectation(name: string): Promise<Expectation> {
  return JSON.parse(await readFile(path.join(NODE_EXPECTED, `${name}.json`), 'utf8')) as Expectation;
}

/** The reference's verdicts with the flaw's differences, for the checks that run selects. */
async function expectedVerdicts(name: string, selected: (id: string) => boolean = () => true): Promise<Record<string, string>> {
  const all = { ...(await expectation('reference')).verdicts, ...(await expectation(name)).differsFromReference };
  return Object.fromEntries(Object.entries(all).filter(([id]) => selected(id)));
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

async function nodeFixtureRun(flaw: string | undefined, issuerMode: 'process' | 'container', extra: string[] = [], backendEnv = FAST_JWKS_BACKEND) {
  const port = await freePort();
  const start = `${flaw ? `FLAW=${flaw} ` : ''}${backendEnv} PORT=${port} exec node --import tsx fixtures/backends/node/server.ts`;
  const { protectedPath } = flaw ? await expectation(flaw) : {};
  // kat.config.ts adds what flags do not say: the todo resource and the OpenAPI document.
  return runSuite(['--config', 'fixtures/backends/node/kat.config.ts', '--target', `http://127.0.0.1:${port}`, '--identity', '/api/me', ...(protectedPath ? ['--protected', protectedPath] : []), '--start', start, '--issuer-mode', issuerMode, ...extra]);
}

const flaws = (await readdir(NODE_EXPECTED)).filter((f) => f.endsWith('.json') && f !== 'reference.json').map((f) => f.replace(/\.json$/, ''));

// A JWKS run waits on caches and cooldowns: a minute, more for the backends without fetch timeouts.
describe('known answers: node fixtures', { timeout: 240_000 }, () => {
  it('the reference backend has no FAIL and no ERROR, exactly as committed, and exits 0', async () => {
    const { code, report, stderr } = await nodeFixtureRun(undefined, 'process', FAST_JWKS_BOUNDS);
    expect(describeMismatches(await expectedVerdicts('reference'), report.checks), stderr).toEqual([]);
    expect(report.summary.fail + report.summary.error).toBe(0);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
  });

  it.each(flaws)('FLAW=%s differs from the reference in exactly the checks its flaw explains', async (flaw) => {
    const { family, only, exitCode = 1 } = await expectation(flaw);
    const scope = only ? ['--only', ...only] : family === 'all' ? FAST_JWKS_BOUNDS : family === 'JWKS' ? ['--only', ...JWKS_SUITE_CHECKS, ...FAST_JWKS_BOUNDS] : ['--skip', ...JWKS_SUITE_CHECKS];
    const selected = only
      ? (id: string) => only.some((p) => id.startsWith(p)) || RUN_WIDE.includes(id)
      : family === 'all' ? () => true : family === 'JWKS' ? (id: string) => inJwksFamily(id) || RUN_WIDE.includes(id) : (id: string) => !inJwksFamily(id);
    const { code, report, stderr } = await nodeFixtureRun(flaw, 'process', scope);
    expect(describeMismatches(await expectedVerdicts(flaw, selected), report.checks), stderr).toEqual([]);
    expect(code).toBe(exitCode);
  });

  it('measures jose\'s real defaults: a 30 s refetch cooldown, and a 10 min cache reported as beyond a 40 s budget', async () => {
    const { code, report, stderr } = await nodeFixtureRun(undefined, 'process', ['--only', 'JWKS-ROTATE', 'JWKS-REVOKE', '--wait-budget', '40'], '');
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(byId.get('JWKS-ROTATE-NEWKID')?.verdict, stderr).toBe('PASS');
    const window = byId.get('JWKS-ROTATE-JUST-BEFORE-USE')!;
    expect(window.verdict).toBe('INFO');
    // Refused from the rotation until jose's cooldown (30 s after its last fetch) ran out.
    const cooldownS = Number(window.measured!.refusalWindowS) + Number(window.measured!.rotationAfterFetchS);
    expect(cooldownS, window.observed).toBeGreaterThanOrEqual(29);
    expect(cooldownS, window.observed).toBeLessThanOrEqual(32);
    const revoke = byId.get('JWKS-REVOKE-PROPAGATION')!;
    expect(revoke.verdict).toBe('ERROR');
    expect(revoke.observed).toMatch(/inconclusive: not the removed key .* refused within the wait budget of 4\d(\.\d)? s, and the accepted bound is 600 s/);
    expect(byId.get('JWKS-ROTATE-OLDKID-GRACE')?.verdict).toBe('PASS');
    expect(code).toBe(3);
  });

  it.skipIf(!CONTAINERS_TESTABLE)('gives the same answers with the issuer in a container', async () => {
    const { code, report, stderr } = await nodeFixtureRun('alg-none', 'container', ['--skip', ...JWKS_SUITE_CHECKS]);
    expect(report.issuer?.mode).toBe('container');
    expect(describeMismatches(await expectedVerdicts('alg-none', (id) => !inJwksFamily(id)), report.checks), stderr).toEqual([]);
    expect(code).toBe(1);
  });
});

const PYTHON_FIXTURES: { file: string; script: string; title: string; modules: string; backendEnv: string; args: string[] }[] = [
  { file: 'fastapi-pyjwt.json', script: 'fastapi_pyjwt.py', title: 'FastAPI + PyJWT (lru_cache JWKS, no iss/aud check)', modules: 'fastapi, uvicorn, jwt', backendEnv: '', args: ['--openapi', '/openapi.json'] },
  { file: 'flask-pyjwkclient.json', script: 'flask_pyjwkclient.py', title: "Flask + PyJWT's PyJWKClient (as PyJWT documents it)", modules: 'flask, jwt', backendEnv: 'JWKS_LIFESPAN_S=3', args: [] },
];

describe('known answers: python fixtures', { timeout: 240_000 }, () => {
  it.for(PYTHON_FIXTURES)('$title gives exactly its committed verdicts', async ({ file, script, modules, backendEnv, args }, { skip }) => {
    // Debian's python3 and packages (.ci/run installs them); outside CI a machine without them skips.
    const ready = spawnSync(DEBIAN_PYTHON, ['-c', `import ${modules}`]).status === 0;
    if (!ready && !process.env.CI) return skip(`apt-get install python3-${modules.split(', ')[0]} (Debian's python3 cannot import ${modules})`);
    const expectation = JSON.parse(await readFile(path.join(PYTHON_EXPECTED, file), 'utf8')) as Expectation & { issuerAlgorithms: string[] };
    const port = await freePort();
    const { code, report, stderr } = await runSuite([
      '--target', `http://127.0.0.1:${port}`,
      '--identity', '/api/me',
      '--start', `${backendEnv} PORT=${port} exec ${DEBIAN_PYTHON} fixtures/backends/python/${script}`,
      '--issuer-mode', 'process',
      '--alg', ...expectation.issuerAlgorithms,
      ...FAST_JWKS_BOUNDS,
      ...args,
    ]);
    expect(describeMismatches(expectation.verdicts!, report.checks), stderr).toEqual([]);
    expect(code).toBe(expectation.exitCode);
  });
});
