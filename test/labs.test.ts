// Labs (harness/run/labs.ts): the JWKS checks side by side, each with an issuer and a backend of its
// own. Proven here against real processes: the verdicts of --jobs 1 (one lab at a time) are those of
// the default jobs, check by check; a start command that hard-codes its port falls back to one check
// at a time on the run's own backend and the report says why; and a signal leaves no lab process behind.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Report } from '../harness/report-model.js';
import { freePort } from '../harness/net.js';
import { pollUntil } from '../harness/poll.js';
import { JWKS_SUITE_CHECKS } from '../suites/jwks/lab.js';
import { FAST_JWKS_BOUNDS, describeMismatches, expectedVerdicts, nodeFixtureRun } from './support/known-answers.js';
import { startCli } from './support/cli.js';

const JWKS_ONLY = ['--only', ...JWKS_SUITE_CHECKS];

describe.concurrent('--jobs 1 gives the verdicts of the default jobs, check by check', { timeout: 240_000 }, () => {
  // The default-jobs runs of the same cases are the known-answer tests (test/known-answers-jwks.test.ts
  // and test/known-answers.test.ts), held to the same committed verdicts.
  // The checks that share a lab when one is given (labGroup: rotation, stale) and those that restart and
  // revoke, on the reference and on a flaw that keeps removed keys; the whole family one lab at a time
  // would cost CI minutes.
  const shared = ['JWKS-ROTATE-', 'JWKS-OUTAGE-STALE', 'JWKS-OUTAGE-FETCH-RATE', 'JWKS-REVOKE-', 'JWKS-CACHE-'];
  const cases: [string | undefined, string[]][] = [
    [undefined, shared],
    ['jwks-keeps-removed', ['JWKS-ROTATE-', 'JWKS-REVOKE-']],
  ];
  for (const [flaw, checks] of cases) {
    it(`${flaw ?? 'the reference'}: one lab at a time`, async () => {
      const { report, stderr } = await nodeFixtureRun(flaw, 'process', ['--only', ...checks, ...FAST_JWKS_BOUNDS, '--jobs', '1']);
      expect(report.run).toMatchObject({ jobs: 1, labs: { used: true, peak: 1 } });
      const selected = (id: string) => checks.some((p) => id.startsWith(p));
      expect(describeMismatches(await expectedVerdicts(flaw ?? 'reference', selected), report.checks.filter((c) => selected(c.id))), stderr).toEqual([]);
    });
  }
});

/** Processes whose environment carries `marker` (every process a run started from a marked command). */
function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('labs in the field', { timeout: 120_000 }, () => {
  it('a start command that hard-codes its port: the checks run one at a time, and the report says why', async () => {
    const port = await freePort();
    const out = await mkdtemp(path.join(tmpdir(), 'ba-labs-'));
    const cli = startCli(['run', '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--issuer-mode', 'process', '--alg', 'EdDSA', '--only', 'JWKS-FETCH-BASELINE', '--out', out, '--start', `JWKS_CACHE_MAX_AGE_MS=3000 PORT=${port} exec node fixtures/backends/node/start.mjs`]);
    expect(await cli.exit, cli.stderr()).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.run.labs).toMatchObject({ used: false, why: expect.stringMatching(/did not start on another port.*\{port\} or \$PORT/) });
    expect(report.checks.find((c) => c.id === 'JWKS-FETCH-BASELINE')?.verdict).toBe('INFO');
    expect(cli.stderr()).toMatch(/labs: a second backend did not start/);
  });

  it('SIGINT while labs are busy: the report is written, and no lab process is left', async () => {
    const marker = `BA_LABS_TEST=${randomUUID()}`;
    const port = await freePort();
    const out = await mkdtemp(path.join(tmpdir(), 'ba-labs-'));
    const start = `${marker} JWKS_CACHE_MAX_AGE_MS=3000 PORT={port} exec node fixtures/backends/node/start.mjs`;
    const cli = startCli(['run', '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--issuer-mode', 'process', '--alg', 'EdDSA', ...JWKS_ONLY, ...FAST_JWKS_BOUNDS, '--jobs', '3', '--out', out, '--start', start]);
    // The run's backend and at least two labs' backends are up.
    await pollUntil(async () => (processesMarked(marker).length >= 3 || cli.child.exitCode !== null ? true : undefined), { timeoutMs: 60_000, intervalMs: 100, what: 'labs to be running' });
    expect(cli.child.exitCode).toBeNull();
    cli.child.kill('SIGINT');
    expect(await cli.exit, cli.stderr()).toBe(130);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.run).toMatchObject({ interrupted: true, signal: 'SIGINT', labs: { used: true } });
    // Nothing that the run or its labs started survives it.
    expect(processesMarked(marker)).toEqual([]);
  });
});

