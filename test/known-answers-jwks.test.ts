// Known answers, the runs that include the JWKS family: the reference with every family, the flaws
// of key fetching, jose's real defaults, a backend that refuses everything, and the Python fixtures.
// The JWKS family waits on the backend's cache and cooldown, so the node backends run with jose
// tuned short (a 3 s cache, a 1 s cooldown) and the suite with bounds to match. The reference runs
// once more with jose's real defaults to show that the suite measures its 30 s cooldown and reports
// a 10 min cache as beyond a 40 s budget. (test/known-answers.test.ts has the other flaws.)
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/net.js';
import { FAST_JWKS_BOUNDS, PYTHON_EXPECTED, describeMismatches, expectedVerdicts, nodeFixtureRun, nodeFlaws, runSuite, scopeOf } from './support/known-answers.js';
import type { Expectation } from './support/known-answers.js';

// Debian's python3, not the one first on PATH (see DEVELOPERS.md); its packages are installed by .ci/run.
const DEBIAN_PYTHON = '/usr/bin/python3';

const withJwks = (await nodeFlaws()).filter(({ expected }) => expected.family !== undefined && !expected.only);

// A JWKS run waits on caches and cooldowns: a minute, more for the backends without fetch timeouts.
describe('known answers with the JWKS family: node fixtures', { timeout: 240_000 }, () => {
  it('the reference backend has no FAIL and no ERROR, exactly as committed, and exits 0', async () => {
    const { code, report, stderr } = await nodeFixtureRun(undefined, 'process', FAST_JWKS_BOUNDS);
    expect(describeMismatches(await expectedVerdicts('reference'), report.checks), stderr).toEqual([]);
    expect(report.summary.fail + report.summary.error).toBe(0);
    expect(report.problems).toEqual([]);
    expect(code).toBe(0);
  });

  it.each(withJwks)('FLAW=$flaw differs from the reference in exactly the checks its flaw explains', async ({ flaw, expected }) => {
    const { args, selected } = scopeOf(expected);
    const { code, report, stderr } = await nodeFixtureRun(flaw, 'process', args);
    expect(describeMismatches(await expectedVerdicts(flaw, selected), report.checks), stderr).toEqual([]);
    expect(code).toBe(expected.exitCode ?? 1);
  });

  it("measures jose's real defaults: a 30 s refetch cooldown, and a 10 min cache reported as beyond a 40 s budget", async () => {
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
});

const PYTHON_FIXTURES: { file: string; script: string; title: string; modules: string; backendEnv: string; args: string[] }[] = [
  { file: 'fastapi-pyjwt.json', script: 'fastapi_pyjwt.py', title: 'FastAPI + PyJWT (lru_cache JWKS, no iss/aud check)', modules: 'fastapi, uvicorn, jwt', backendEnv: '', args: ['--openapi', '/openapi.json'] },
  { file: 'flask-pyjwkclient.json', script: 'flask_pyjwkclient.py', title: "Flask + PyJWT's PyJWKClient (as PyJWT documents it)", modules: 'flask, jwt', backendEnv: 'JWKS_LIFESPAN_S=3', args: [] },
];

describe('known answers with the JWKS family: python fixtures', { timeout: 240_000 }, () => {
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
