// CTL-DIAGNOSIS: when a backend refuses Better Auth's valid tokens, the run names the cause and the
// fix instead of a hundred ERRORs, each of which then points at it. The four cases the guides of
// PyJWT, python-jose and shared-secret verification lead teams into, against the real fixtures.
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/net.js';
import { fixtureBackend } from '../fixtures/backends/manifest.js';
import { fixtureUnavailable, runSuite } from './support/known-answers.js';

const PYTHON = 'exec fixtures/backends/python/.venv/bin/python fixtures/backends/python';

/** A run of the CTL family; `code`: 3 (inconclusive), or 1 where the refusals are 5xx (ERR-NO-5XX fails too). */
async function diagnosis(start: string, alg: string, code = 3) {
  const port = await freePort();
  const run = await runSuite(['--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--issuer-mode', 'process', '--alg', alg, '--only', 'CTL-', '--start', `PORT={port} ${start}`]);
  const found = run.report.checks.find((c) => c.id === 'CTL-DIAGNOSIS');
  expect(found?.verdict, run.stderr).toBe('ERROR');
  expect(run.code).toBe(code);
  return { observed: found!.observed, report: run.report, stdout: run.stdout };
}

describe.concurrent('CTL-DIAGNOSIS names why valid tokens are refused', { timeout: 120_000 }, () => {
  it('PyJWT without audience=: the token without aud is accepted, and the fix is audience=JWT_AUDIENCE', async ({ skip }) => {
    const missing = fixtureUnavailable(fixtureBackend('fastapi-pyjwt'));
    if (missing && !process.env.CI) return skip(missing);
    const { observed, report, stdout } = await diagnosis(`AS_FIRST_WRITTEN=1 ${PYTHON}/fastapi_pyjwt.py`, 'RS256');
    expect(observed).toMatch(/the same token without aud is accepted.*PyJWT and python-jose refuse any token with aud unless audience= is given.*Fix: verify aud against JWT_AUDIENCE/);
    // Every outcome that follows from it says so, and the console leads with the cause and one line for the rest.
    const gated = report.checks.filter((c) => c.observed.includes('the backend rejects valid tokens'));
    expect(gated.length).toBeGreaterThan(0);
    expect(gated.every((c) => c.sameCauseAs === 'CTL-DIAGNOSIS')).toBe(true);
    // After the coverage block (what the run could test), the first finding is the cause.
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^COVERAGE /);
    expect(lines.find((l) => /^[A-Z]/.test(l) && !l.startsWith('COVERAGE'))).toMatch(/^ERROR\s+CTL-DIAGNOSIS/);
    expect(stdout).toMatch(/more with the same cause/);
  });

  it('python-jose and EdDSA: every EdDSA token makes it fail, and the fix is another algorithm', async ({ skip }) => {
    const missing = fixtureUnavailable(fixtureBackend('fastapi-python-jose'));
    if (missing && !process.env.CI) return skip(missing);
    const { observed } = await diagnosis(`${PYTHON}/fastapi_python_jose.py`, 'EdDSA', 1);
    expect(observed).toMatch(/every validly signed EdDSA token, whatever its claims, makes the backend fail \(500\).*python-jose cannot verify EdDSA.*Fix: .*--alg RS256/);
  });

  it('python-jose with the shared secret, as the guide writes it: the token without aud is accepted', async ({ skip }) => {
    const missing = fixtureUnavailable(fixtureBackend('fastapi-python-jose-hs256'));
    if (missing && !process.env.CI) return skip(missing);
    const { observed } = await diagnosis(`${PYTHON}/fastapi_python_jose_hs256.py`, 'HS256');
    expect(observed).toMatch(/the same token without aud is accepted.*audience=/);
  });

  it('a backend verifying HS256 with its own secret, tested with key pairs: it never fetched the JWKS, and the fix is --alg HS256', async ({ skip }) => {
    const missing = fixtureUnavailable(fixtureBackend('fastapi-python-jose-hs256'));
    if (missing && !process.env.CI) return skip(missing);
    const { observed } = await diagnosis(`BETTER_AUTH_SECRET=a-secret-from-the-teams-dotenv-0123456789 VERIFY_AUDIENCE=1 ${PYTHON}/fastapi_python_jose_hs256.py`, 'EdDSA');
    expect(observed).toMatch(/never fetched the issuer's JWKS.*shared-secret mode \(--alg HS256\)/);
  });
});
