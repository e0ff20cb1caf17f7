// Backends as teams start them: the same backend behind each common shape of start command gives
// exactly its committed verdicts, with no ERROR. The run is limited to a check that restarts the
// backend in a lab (a cold start on the lab's port, then a stop) plus the controls and the run-wide
// checks, which is where a start command that does not exec used to race its own dying server.
import { describe, expect, it } from 'vitest';
import { fixtureBackend } from '../fixtures/backends/manifest.js';
import type { FixtureBackend } from '../fixtures/backends/manifest.js';
import { freePort } from '../harness/net.js';
import { FAST_JWKS_BOUNDS, fixtureUnavailable, readExpectation, runSuite } from './support/known-answers.js';

const NODE = fixtureBackend('node-express-jose');
const PYTHON = fixtureBackend('fastapi-pyjwt');
const NODE_ENV = Object.entries(NODE.env).map(([k, v]) => `${k}=${v}`).join(' ');
const STYLES = 'fixtures/backends/node/start-styles';

interface Style {
  name: string;
  backend: FixtureBackend;
  /** The start command for a backend on `port`; `fixed` is a port the command names itself. */
  start: (fixed: number) => string;
  /** A start command that names its own port: the run cannot start labs on others, and runs its checks one at a time. */
  fixedPort?: boolean;
}

const styles: Style[] = [
  { name: 'npm start (a package.json script: npm, then sh, then node)', backend: NODE, start: () => `${NODE_ENV} npm start --silent --prefix ${STYLES}` },
  { name: "npx -c (npm exec's shell)", backend: NODE, start: () => `${NODE_ENV} npx -c 'node fixtures/backends/node/start.mjs'` },
  { name: "bash -c '…' without exec", backend: NODE, start: () => `${NODE_ENV} bash -c 'node fixtures/backends/node/start.mjs; true'` },
  { name: 'a shell script that forks the server and waits', backend: NODE, start: () => `${NODE_ENV} sh ${STYLES}/fork.sh` },
  { name: 'a fixed port (PORT=N npm start): no labs, one check at a time', backend: NODE, start: (fixed) => `${NODE_ENV} PORT=${fixed} npm start --silent --prefix ${STYLES}`, fixedPort: true },
  {
    name: 'uvicorn --workers 2 (a supervisor and two worker processes)',
    backend: PYTHON,
    start: () => 'exec fixtures/backends/python/.venv/bin/uvicorn fastapi_pyjwt:app --app-dir fixtures/backends/python --workers 2 --host 127.0.0.1 --port {port} --log-level warning',
  },
];

const ONLY = ['JWKS-FETCH-BASELINE'];
/** This selection sends no token the backend should refuse: the run-wide checks of refusals have nothing to judge. */
const NOTHING_REFUSED = { 'ERR-401-CHALLENGE': 'SKIP', 'ERR-NO-LEAK': 'SKIP' };

describe('start styles', { timeout: 240_000 }, () => {
  it.each(styles)('$name: the committed verdicts, no ERROR', async (style) => {
    const unavailable = fixtureUnavailable(style.backend);
    if (unavailable) return void console.warn(`skipped: ${unavailable}`);
    const port = await freePort();
    const { code, report, stderr } = await runSuite([
      ...(style.backend.config ? ['--config', style.backend.config] : []),
      '--target', `http://127.0.0.1:${port}`,
      '--identity', '/api/me',
      '--start', style.start(port),
      '--issuer-mode', 'process',
      '--alg', ...style.backend.algorithms,
      '--only', ...ONLY,
      ...FAST_JWKS_BOUNDS,
      ...(style.backend.args ?? []).filter((a) => a !== '--openapi' && a !== '/openapi.json'),
    ]);
    const expected: Record<string, string> = { ...(await readExpectation(style.backend.expected)).verdicts, ...NOTHING_REFUSED };
    const got = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
    expect(Object.keys(got)).toEqual(expect.arrayContaining([...ONLY, 'CTL-PERSIST', 'ERR-NO-5XX']));
    expect(got, stderr).toEqual(Object.fromEntries(Object.keys(got).map((id) => [id, expected[id]])));
    expect(report.checks.filter((c) => c.verdict === 'ERROR').map((c) => `${c.id}: ${c.observed}`), stderr).toEqual([]);
    expect(report.run.labs?.used, 'labs need a start command that honours {port} or PORT').toBe(!style.fixedPort);
    expect(code, stderr).toBe(0);
  });
});
