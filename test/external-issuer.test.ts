// External mode, end to end: the suite against a backend that trusts a Better Auth the harness does
// not own. A separate Better Auth process (test/support/staging-better-auth.ts, none of the harness
// issuer's code) stands in for a team's staging issuer; the node reference backend and two flaws
// trust it through the JWKS URL, issuer and audience the run reads from a real token. Each run must
// give its committed verdicts (fixtures/backends/node/expected-external/), every SKIP must say why,
// no check may PASS on a capability the mode lacks, and no password may reach the report.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../fixtures/backends/manifest.js';
import { externalCapabilities, missingNeeds } from '../harness/issuer/capabilities.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { freePort } from '../harness/net.js';
import { loadCatalogue } from '../harness/run/catalogue.js';
import type { Report } from '../harness/run/report.js';
import { runCli } from './support/cli.js';
import { describeMismatches, runSuite } from './support/known-answers.js';

let staging: ChildProcess;
let stagingUrl: string;

beforeAll(async () => {
  staging = spawn(process.execPath, ['--import', 'tsx', 'test/support/staging-better-auth.ts'], { cwd: REPO_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: staging.stdout! }).on('line', (line) => {
      if (line.includes('"listening"')) resolve((JSON.parse(line) as { port: number }).port);
    });
    staging.once('exit', (code) => reject(new Error(`the staging Better Auth exited (${code})`)));
  });
  stagingUrl = `http://127.0.0.1:${port}`;
}, 30_000);

afterAll(() => {
  staging?.kill('SIGTERM');
});

async function externalRun(flaw?: string) {
  const port = await freePort();
  return runSuite([
    '--config', 'fixtures/backends/node/kat.config.ts',
    '--issuer-mode', 'external',
    '--issuer-url', stagingUrl,
    '--target', `http://127.0.0.1:${port}`,
    '--identity', '/api/me',
    '--start', `${flaw ? `FLAW=${flaw} ` : ''}PORT=${port} exec node fixtures/backends/node/start.mjs`,
  ]);
}

describe('external mode: the suite against a Better Auth it does not own', { timeout: 180_000 }, () => {
  it.for(['reference', 'alg-none', 'idor'])('%s gives its committed verdicts, with a reason for every SKIP', async (name) => {
    const { code, report, reportFile, stderr } = await externalRun(name === 'reference' ? undefined : name);
    const expected = JSON.parse(await readFile(path.join(FIXTURES_DIR, 'node/expected-external', `${name}.json`), 'utf8')) as { exitCode: number; verdicts: Record<string, string> };
    expect(describeMismatches(expected.verdicts, report.checks), stderr).toEqual([]);
    expect(code, stderr).toBe(expected.exitCode);

    // A SKIP names what it needed and which mode provides it.
    for (const c of report.checks.filter((k) => k.verdict === 'SKIP')) expect(c.observed, c.id).toMatch(/\S/);
    // No verdict other than SKIP for a check whose declared needs the external mode does not meet.
    const catalogue = await loadCatalogue();
    const provided = [...externalCapabilities(true), 'restart-backend' as const];
    for (const entry of catalogue.filter((e) => missingNeeds(e.needs, provided).length)) {
      const check = report.checks.find((k) => k.id === entry.id);
      expect(check?.verdict, entry.id).toBe('SKIP');
      expect(check?.observed, entry.id).toContain('the external issuer at');
    }

    // The report says the issuer was external, where it was, and which keys it published.
    const jwks = (await (await fetch(`${stagingUrl}/api/auth/jwks`)).json()) as { keys: JWK[] };
    expect(report.issuer).toMatchObject({ mode: 'external', jwksUrl: `${stagingUrl}/api/auth/jwks`, issuer: stagingUrl, alg: ['EdDSA'], external: { url: stagingUrl, users: 'signed up' } });
    expect(report.issuer?.external?.keys.map((k) => k.thumbprint).sort()).toEqual((await Promise.all(jwks.keys.map((k) => calculateJwkThumbprint(k, 'sha256')))).sort());
    // The signed-up users' passwords are nowhere in the report (Faker passwords are 24 characters).
    const text = await readFile(reportFile, 'utf8');
    expect(text).not.toMatch(/"password"\s*:/);
  });

  it('configured accounts (BA_CONFORMANCE_USER_A/B, where sign-up is closed): the run acts as them, and their passwords are in no report file', async () => {
    const accounts = await Promise.all(['a', 'b'].map(async (who) => {
      const account = { email: `qa-${who}-${randomUUID().slice(0, 8)}@example.test`, password: `Pw-${randomUUID()}`, name: `QA ${who}` };
      const res = await fetch(`${stagingUrl}/api/auth/sign-up/email`, { method: 'POST', headers: { 'content-type': 'application/json', origin: stagingUrl }, body: JSON.stringify(account) });
      expect(res.status).toBe(200);
      return { ...account, id: ((await res.json()) as { user: { id: string } }).user.id };
    }));
    const port = await freePort();
    const out = await mkdtemp(path.join(tmpdir(), 'ba-accounts-'));
    const env = { ...process.env, BA_CONFORMANCE_USER_A: `${accounts[0]!.email}:${accounts[0]!.password}`, BA_CONFORMANCE_USER_B: `${accounts[1]!.email}:${accounts[1]!.password}` };
    const { code, stderr } = await runCli(['run', '--issuer-mode', 'external', '--issuer-url', stagingUrl, '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--only', 'SIG-ALG-NONE', 'ISO-SUB-SOURCE', '--out', out, '--start', 'PORT={port} exec node fixtures/backends/node/start.mjs'], { env });
    expect(code, stderr).toBe(0);
    const text = await readFile(path.join(out, 'report.json'), 'utf8');
    const report = JSON.parse(text) as Report;
    expect(report.issuer?.external?.users).toBe('configured accounts');
    // The forged token carries the configured user A's subject.
    const forged = report.checks.find((c) => c.id === 'SIG-ALG-NONE')!.evidence.map((e) => (e.request.token?.payload as { sub?: string } | undefined)?.sub);
    expect(forged).toContain(accounts[0]!.id);
    for (const file of await readdir(out)) {
      const content = await readFile(path.join(out, file), 'utf8');
      for (const a of accounts) expect(content.includes(a.password), `${file} holds a password`).toBe(false);
    }
  });

  it('`list --issuer-mode external` and `run --plan` say what runs and what is SKIP, sending nothing', async () => {
    const list = await runCli(['list', '--issuer-mode', 'external', '--only', 'SIG-ALG-NONE', 'CLM-EXP-PAST', 'JWKS-CACHE-USED']);
    expect(list.stdout).toMatch(/^run {2}SIG-ALG-NONE /m);
    expect(list.stdout).toMatch(/^SKIP CLM-EXP-PAST .*\n.*needs mint/m);
    expect(list.stdout).toMatch(/^SKIP JWKS-CACHE-USED /m);
    expect(list.stdout).toContain('with the external issuer: 2 run, 2 SKIP');
    const plan = await runCli(['run', '--plan', '--issuer-mode', 'external', '--issuer-url', 'http://127.0.0.1:9', '--target', 'http://127.0.0.1:9', '--protected', '/api/me', '--max-rps', '5', '--only', 'SIG-ALG-NONE', 'CLM-EXP-PAST']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Nothing is sent by --plan');
    expect(plan.stdout).toContain('http://127.0.0.1:9 (Better Auth');
    expect(plan.stdout).toContain('at most 5 per second');
    expect(plan.stdout).toMatch(/^run {2}SIG-ALG-NONE /m);
    expect(plan.stdout).toMatch(/^SKIP CLM-EXP-PAST /m);
    // The estimate is the check's own (its metadata), or the setting that sets it.
    const estimates = await runCli(['run', '--plan', '--target', 'http://127.0.0.1:9', '--protected', '/api/me', '--only', 'ERR-FAILOPEN', 'JWKS-KIDMISS-STORM']);
    expect(estimates.stdout).toMatch(/^run {2}ERR-FAILOPEN +~ {3}8 requests/m);
    expect(estimates.stdout).toMatch(/^run {2}JWKS-KIDMISS-STORM +~1000 requests/m);
  });
});
