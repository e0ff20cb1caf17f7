// External mode, end to end: the suite against a backend that trusts a Better Auth the harness does
// not own. A separate Better Auth process (test/support/staging-better-auth.ts, none of the harness
// issuer's code) stands in for a team's staging issuer; the node reference backend and two flaws
// trust it through the JWKS URL, issuer and audience the run reads from a real token. Each run must
// give its committed verdicts (fixtures/backends/node/expected-external/), every SKIP must say why,
// no check may PASS on a capability the mode lacks, and no password may reach the report. A run
// leaves the staging issuer as it found it (no user, no live session of its own) and deletes the
// resources it created; its transport to the issuer is bounded (body size), can trust a private CA,
// and its errors name the URL and account without quoting what the issuer echoed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../fixtures/backends/manifest.js';
import { HarnessError } from '../harness/errors.js';
import { externalCapabilities, missingNeeds } from '../harness/issuer/capabilities.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { ExternalIssuer } from '../harness/issuer/external.js';
import { freePort } from '../harness/net.js';
import { pollUntil } from '../harness/poll.js';
import { launchTarget } from '../harness/target/launcher.js';
import { loadCatalogue } from '../harness/run/catalogue.js';
import type { Report } from '../harness/report-model.js';
import { runCli, startCli } from './support/cli.js';
import { startLitterBackend } from './support/litter.js';
import { describeMismatches, expectedVerdicts, runSuite } from './support/known-answers.js';

let staging: ChildProcess;
let stagingUrl: string;
/** The same staging server, but its team has added the conformance plugin with this token, and left /delete-user off (Better Auth's default). */
let withPlugin: ChildProcess;
let pluginUrl: string;
const PLUGIN_TOKEN = randomBytes(32).toString('base64url');

async function startStaging(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/staging-better-auth.ts'], { cwd: REPO_ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"listening"')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`the staging Better Auth exited (${code})`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  [{ child: staging, url: stagingUrl }, { child: withPlugin, url: pluginUrl }] = await Promise.all([startStaging({}), startStaging({ CONFORMANCE_TOKEN: PLUGIN_TOKEN, DELETE_USER: 'off' })]);
}, 30_000);

afterAll(() => {
  staging?.kill('SIGTERM');
  withPlugin?.kill('SIGTERM');
});

interface StagingState {
  users: { id: string; email: string }[];
  sessions: { userId: string; expiresAt: string }[];
  keys: string[];
}

/** The staging issuer's users, live sessions and keys (its test-only read route). */
async function stagingState(url = stagingUrl): Promise<StagingState> {
  return (await (await fetch(`${url}/__staging/state`)).json()) as StagingState;
}

/** What a run added to the staging issuer: users and live sessions that were not there before. */
function added(before: StagingState, after: StagingState): { users: string[]; sessions: number } {
  const known = new Set(before.users.map((u) => u.id));
  const perUser = (s: StagingState) => s.sessions.filter((x) => known.has(x.userId)).length;
  return { users: after.users.filter((u) => !known.has(u.id)).map((u) => u.email), sessions: after.sessions.filter((x) => !known.has(x.userId)).length + Math.max(0, perUser(after) - perUser(before)) };
}

/** A loopback server for one test; `handler` answers every request. */
async function standIn(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.closeAllConnections() ?? server.close() };
}

async function externalRun(flaw?: string, plugin = false) {
  const port = await freePort();
  return runSuite([
    '--config', 'fixtures/backends/node/kat.config.ts',
    '--issuer-mode', 'external',
    '--issuer-url', plugin ? pluginUrl : stagingUrl,
    '--target', `http://127.0.0.1:${port}`,
    '--identity', '/api/me',
    '--start', `${flaw ? `FLAW=${flaw} ` : ''}PORT=${port} exec node fixtures/backends/node/start.mjs`,
  ], plugin ? { ...process.env, BA_CONFORMANCE_ISSUER_TOKEN: PLUGIN_TOKEN } : undefined);
}

describe('external mode: the suite against a Better Auth it does not own', { timeout: 180_000 }, () => {
  it.for(['reference', 'alg-none', 'idor'])('%s gives its committed verdicts, with a reason for every SKIP, and leaves no user or session behind', async (name) => {
    const before = await stagingState();
    const { code, report, reportFile, stdout, stderr } = await externalRun(name === 'reference' ? undefined : name);
    // It signed users up and in (the run's own positive controls prove it), and none of them is left.
    expect(report.checks.some((c) => c.verdict === 'PASS'), stderr).toBe(true);
    expect(added(before, await stagingState()), stderr).toEqual({ users: [], sessions: 0 });
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

    // Every format leads with the coverage: how many checks ran, and what the missing mint cost and how to get it.
    const skipped = report.checks.filter((c) => c.verdict === 'SKIP').length;
    const ran = `${report.checks.length - skipped} of ${report.checks.length} checks ran, with the external issuer at ${stagingUrl}`;
    expect(report.coverage).toMatchObject({ ran: report.checks.length - skipped, selected: report.checks.length });
    expect(report.coverage?.missing.find((m) => m.capability === 'mint')?.how).toContain('conformance plugin');
    const dir = path.dirname(reportFile);
    expect(stdout.slice(stdout.indexOf('COVERAGE'))).toMatch(new RegExp(`^COVERAGE +${ran.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\n +without mint \\(.*\\): \\d+ checks SKIP; provided by .*conformance plugin`));
    const markdown = (await readFile(path.join(dir, 'summary.md'), 'utf8')).split('\n');
    expect(markdown[2]).toMatch(/^\*\*Coverage:\*\* \d+ of \d+ checks ran, with the external issuer/);
    expect(markdown[3]).toMatch(/^- without mint/);
    const page = await readFile(path.join(dir, 'report.html'), 'utf8');
    expect(page.indexOf('<section id="coverage">')).toBeLessThan(page.indexOf('passed,'));
    const sarif = JSON.parse(await readFile(path.join(dir, 'report.sarif'), 'utf8')) as { runs: { properties: { coverage: { ran: number }; coverageSummary: string } }[] };
    expect(sarif.runs[0]!.properties.coverage.ran).toBe(report.checks.length - skipped);
    expect(sarif.runs[0]!.properties.coverageSummary).toContain(ran);
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
    const before = await stagingState();
    const { code, stderr } = await runCli(['run', '--issuer-mode', 'external', '--issuer-url', stagingUrl, '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--only', 'SIG-ALG-NONE', 'ISO-SUB-SOURCE', '--out', out, '--start', 'PORT={port} exec node fixtures/backends/node/start.mjs'], { env });
    expect(code, stderr).toBe(0);
    // The run signed in as both accounts several times; it signed out every session it opened, and the accounts stay.
    const after = await stagingState();
    expect(after.users.map((u) => u.id)).toEqual(expect.arrayContaining(accounts.map((a) => a.id)));
    expect(added(before, after)).toEqual({ users: [], sessions: 0 });
    for (const a of accounts) expect(after.sessions.filter((s) => s.userId === a.id), a.email).toHaveLength(1); // the test's own sign-up
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

describe('external mode with the conformance plugin on the team\'s Better Auth', { timeout: 180_000 }, () => {
  // Staging with the plugin (mint, fetch-log, sessions; no key control, no JWKS faults: their defaults).
  const provided = [...externalCapabilities(true), 'mint', 'fetch-log', 'sessions', 'restart-backend'] as const;

  it.for(['reference', 'no-iss-aud-check', 'idor'])('%s: every check the plugin makes possible runs, with the verdict the harness issuer gives; the server keeps its keys and no user of the run', async (name) => {
    await fetch(`${pluginUrl}/api/auth/jwks`); // Better Auth creates its first key on the first fetch
    const before = await stagingState(pluginUrl);
    const { report, stderr } = await externalRun(name === 'reference' ? undefined : name, true);
    const processMode = await expectedVerdicts(name);
    const catalogue = await loadCatalogue();
    const mismatches: string[] = [];
    for (const entry of catalogue) {
      const check = report.checks.find((c) => c.id === entry.id);
      if (!check) continue;
      // Labs need an issuer of the harness's own: a check that needs a backend to itself is SKIP here.
      if (entry.requires?.includes('ownBackend')) {
        if (check.verdict !== 'SKIP') mismatches.push(`${entry.id}: ${check.verdict} without a lab`);
        continue;
      }
      const runnable = missingNeeds(entry.needs, [...provided]).length === 0;
      if (!runnable) {
        if (check.verdict !== 'SKIP') mismatches.push(`${entry.id}: ${check.verdict} without ${missingNeeds(entry.needs, [...provided]).join(', ')}`);
        continue;
      }
      // Its needs are met: it ran, and decided what the harness's own issuer decides.
      if (check.verdict !== processMode[entry.id]) mismatches.push(`${entry.id}: ${check.verdict} here, ${processMode[entry.id]} with the harness issuer: ${check.observed}`);
    }
    expect(mismatches, stderr).toEqual([]);
    expect(report.issuer?.capabilities).toEqual(expect.arrayContaining(['mint', 'fetch-log', 'sessions']));
    const after = await stagingState(pluginUrl);
    expect(added(before, after), stderr).toEqual({ users: [], sessions: 0 });
    expect(after.keys).toEqual(before.keys);
  });

  it('the plugin refuses a wrong or missing token, a short token and production; it never lists, rotates or removes the team\'s keys, nor ends or deletes a user the suite did not sign up', async () => {
    const control = (method: string, route: string, token: string | null = PLUGIN_TOKEN) =>
      fetch(`${pluginUrl}/api/auth/conformance${route}`, { method, headers: { 'content-type': 'application/json', ...(token !== null ? { 'x-ba-conformance-token': token } : {}) }, ...(method === 'GET' ? {} : { body: '{}' }) });
    for (const token of [null, '', 'x'.repeat(43), PLUGIN_TOKEN.slice(0, -1)]) expect((await control('POST', '/sign', token)).status).toBe(401);
    await fetch(`${pluginUrl}/api/auth/jwks`);
    const { keys } = await stagingState(pluginUrl);
    expect(keys.length).toBeGreaterThan(0);
    for (const [method, route] of [['GET', '/keys'], ['POST', '/keys'], ['POST', `/keys/${keys[0]}/retire`], ['DELETE', `/keys/${keys[0]}`], ['PUT', '/jwks/fault']] as const) {
      expect((await control(method, route)).status, `${method} ${route}`).toBe(403);
    }
    expect((await stagingState(pluginUrl)).keys).toEqual(keys);
    // A user of the team (not @example.test) is none of the plugin's business.
    const team = await fetch(`${pluginUrl}/api/auth/sign-up/email`, { method: 'POST', headers: { 'content-type': 'application/json', origin: pluginUrl }, body: JSON.stringify({ name: 'Team member', email: `dev-${randomUUID().slice(0, 8)}@team.example.com`, password: `Pw-${randomUUID()}` }) });
    const teamId = ((await team.json()) as { user: { id: string } }).user.id;
    expect((await control('DELETE', `/users/${teamId}`)).status).toBe(403);
    expect((await control('POST', `/users/${teamId}/revoke-sessions`)).status).toBe(403);
    expect((await stagingState(pluginUrl)).users.map((u) => u.id)).toContain(teamId);

    const { conformance } = await import('../harness/plugin/index.js');
    expect(() => conformance({ token: 'short' })).toThrow(/at least 32 characters/);
    // Added without jwt(): the server keeps answering (its JWKS is not watched), and the plugin says what it lacks.
    const { betterAuth } = await import('better-auth');
    const { memoryAdapter } = await import('better-auth/adapters/memory');
    const bare = betterAuth({ baseURL: 'http://127.0.0.1:9', secret: 'x'.repeat(40), database: memoryAdapter({ user: [], session: [], account: [], verification: [] }), logger: { level: 'error' }, telemetry: { enabled: false }, plugins: [conformance({ token: PLUGIN_TOKEN })] });
    expect((await bare.handler(new Request('http://127.0.0.1:9/api/auth/ok'))).status).toBe(200);
    const lacking = await bare.handler(new Request('http://127.0.0.1:9/api/auth/conformance', { headers: { 'x-ba-conformance-token': PLUGIN_TOKEN } }));
    expect([lacking.status, ((await lacking.json()) as { error: string }).error]).toEqual([409, 'no_jwt_plugin']);
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => conformance({ token: PLUGIN_TOKEN })).toThrow(/refusing to load with NODE_ENV=production/);
      expect(() => conformance({ token: PLUGIN_TOKEN, allowInProduction: true })).not.toThrow();
    } finally {
      process.env.NODE_ENV = env;
    }

    const port = await freePort();
    const wrong = await runCli(['run', '--issuer-mode', 'external', '--issuer-url', pluginUrl, '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--only', 'CLM-AUD-WRONG', '--out', await mkdtemp(path.join(tmpdir(), 'ba-token-'))], { env: { ...process.env, BA_CONFORMANCE_ISSUER_TOKEN: 'y'.repeat(40) } });
    expect(wrong.stderr).toContain('refused the token (401)');
    expect(wrong.code).not.toBe(0);
    const absent = await runCli(['run', '--issuer-mode', 'external', '--issuer-url', stagingUrl, '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--only', 'CLM-AUD-WRONG', '--out', await mkdtemp(path.join(tmpdir(), 'ba-token-'))], { env: { ...process.env, BA_CONFORMANCE_ISSUER_TOKEN: PLUGIN_TOKEN } });
    expect(absent.stderr).toMatch(/no conformance plugin answers at .*\/api\/auth\/conformance \(404\)/);
  });
});

describe('external mode: nothing left behind', { timeout: 180_000 }, () => {
  it('deletes the resources the run created through the resource contract, the users it signed up, and their sessions', async () => {
    const backend = await startLitterBackend({ JWKS_URL: `${stagingUrl}/api/auth/jwks`, JWT_ISSUER: stagingUrl, JWT_AUDIENCE: stagingUrl });
    const backendUrl = backend.url;
    try {
      const before = await stagingState();
      const out = await mkdtemp(path.join(tmpdir(), 'ba-litter-'));
      const { stdout, stderr } = await runCli(['run', '--issuer-mode', 'external', '--issuer-url', stagingUrl, '--target', backendUrl, '--protected', '/api/me', '--identity', '/api/me', '--resource', '/api/todos', '--resource-owner', 'ownerId', '--only', 'ISO-', 'LIFE-', '--out', out]);
      const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
      // The run did create resources (the isolation checks need them), as several users.
      const creates = report.checks.flatMap((c) => c.evidence).filter((e) => e.request.method === 'POST' && e.request.url.endsWith('/api/todos') && e.response?.status === 201);
      expect(creates.length, stderr).toBeGreaterThan(4);
      expect(report.checks.find((c) => c.id === 'ISO-READ-OTHER')?.verdict, stderr).toBe('PASS');
      // None is left in the backend, and no user or session of the run on the issuer.
      expect(await backend.todos()).toEqual([]);
      expect(added(before, await stagingState())).toEqual({ users: [], sessions: 0 });
      expect(`${stdout}${stderr}`).toMatch(/clean-up: [1-9]\d* resource\(s\) deleted through the resource contract, [1-9]\d* signed-up user\(s\) deleted/);
      expect(`${stdout}${stderr}`).not.toContain('left behind');
    } finally {
      backend.stop();
    }
  });

  it('a run interrupted by SIGINT mid-way still deletes its users and ends its sessions, those opened in every worker', async () => {
    const backend = await startLitterBackend({ JWKS_URL: `${stagingUrl}/api/auth/jwks`, JWT_ISSUER: stagingUrl, JWT_AUDIENCE: stagingUrl });
    const backendUrl = backend.url;
    try {
      const before = await stagingState();
      const out = await mkdtemp(path.join(tmpdir(), 'ba-sigint-'));
      const cli = startCli(['run', '--issuer-mode', 'external', '--issuer-url', stagingUrl, '--target', backendUrl, '--protected', '/api/me', '--identity', '/api/me', '--resource', '/api/todos', '--resource-owner', 'ownerId', '--out', out]);
      // Interrupted once the families (in several workers) have signed up users of their own.
      await pollUntil(async () => (added(before, await stagingState()).users.length >= 6 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100, what: 'users signed up by the run' });
      cli.child.kill('SIGINT');
      expect(await cli.exit, cli.stderr()).toBe(130);
      expect(added(before, await stagingState()), `${cli.stdout()}${cli.stderr()}`).toEqual({ users: [], sessions: 0 });
      expect(await backend.todos(), cli.stderr()).toEqual([]);
      expect(`${cli.stdout()}${cli.stderr()}`).toMatch(/clean-up: \d+ resource\(s\) deleted through the resource contract, [1-9]\d* signed-up user\(s\) deleted/);
    } finally {
      backend.stop();
    }
  });

  it('passwords of signed-up users differ between runs with the same seed (the report holds the seed)', async () => {
    const signUp = async () => {
      const issuer = await ExternalIssuer.start({ url: stagingUrl, seed: 4242 });
      try {
        return await issuer.createUser();
      } finally {
        await issuer.stop(); // deletes the user, so the next run may sign up the same email
      }
    };
    const first = await signUp();
    const second = await signUp();
    expect(second.email).toBe(first.email);
    expect(second.password).not.toBe(first.password);
    // Neither can sign in any more: both were deleted at the end of their run.
    const signIn = await fetch(`${stagingUrl}/api/auth/sign-in/email`, { method: 'POST', headers: { 'content-type': 'application/json', origin: stagingUrl }, body: JSON.stringify({ email: first.email, password: second.password }) });
    expect(signIn.status).toBe(401);
  });
});

describe('external mode: transport and errors', { timeout: 60_000 }, () => {
  const accounts = [{ email: 'qa-a@example.test', password: 'Secret-Echo-4f1c2b' }, { email: 'qa-b@example.test', password: 'Secret-Echo-9d8e7a' }];
  const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1', alg: 'EdDSA' }] };

  it.for([
    ['a JSON body that quotes the request', 'application/json', (sent: string) => JSON.stringify({ code: 'INVALID_EMAIL_OR_PASSWORD', message: `no user for ${sent}` })],
    ['a text body that echoes the request', 'text/plain', (sent: string) => `bad request: ${sent}`],
  ] as const)('a sign-in refusal with %s names the URL and the account, never the password', async ([, type, echo]) => {
    const issuer = await standIn(async (req, res) => {
      if (req.url?.endsWith('/jwks')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
      let sent = '';
      for await (const chunk of req) sent += chunk;
      res.writeHead(401, { 'content-type': type }).end(echo(sent));
    });
    try {
      const err = (await ExternalIssuer.start({ url: issuer.url, users: accounts }).catch((e: unknown) => e)) as HarnessError;
      expect(err).toBeInstanceOf(HarnessError);
      const text = `${err.message} ${err.hint ?? ''} ${err.stack ?? ''}`;
      expect(err.message).toContain(`${issuer.url}/api/auth/sign-in/email`);
      expect(err.message).toContain('qa-a@example.test');
      expect(err.message).toContain('401');
      for (const a of accounts) expect(text).not.toContain(a.password);
      if (type === 'application/json') expect(err.message).toContain('(INVALID_EMAIL_OR_PASSWORD)');
    } finally {
      issuer.close();
    }
  });

  it.for([['declared', true], ['undeclared (chunked)', false]] as const)('an oversized JWKS answer, length %s, fails fast with a clear message', async ([, declared]) => {
    const size = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let written = 0;
    const issuer = await standIn((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(size) } : {}) });
      res.write('{"keys":[{"kty":"oct","k":"');
      const pump = () => {
        while (written < size - chunk.length) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => (written = size));
      pump();
    });
    try {
      const started = performance.now();
      const err = (await ExternalIssuer.start({ url: issuer.url, timeoutMs: 30_000 }).catch((e: unknown) => e)) as HarnessError;
      expect(err).toBeInstanceOf(HarnessError);
      expect(err.message).toBe(`external issuer JWKS: ${issuer.url}/api/auth/jwks answered more than ${2 * 1024 * 1024} bytes; the harness stopped reading`);
      // Well before the 30 s timeout, having read a few megabytes at most.
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      issuer.close();
    }
  });

  it('the issuer\'s words reach the console inert: escape sequences in iss and aud are shown as text, never sent to the terminal', async () => {
    const { generateKeyPair, exportJWK, SignJWT } = await import('jose');
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const key = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
    // An OSC 8 hyperlink, a screen clear and a C1 control sequence introducer.
    const hostile = '\u001b]8;;http://evil.test\u0007CLICK\u001b]8;;\u0007\u001b[2J\u009b31m';
    const issuer = await standIn(async (req, res) => {
      const route = req.url?.replace(/\?.*$/, '');
      for await (const _ of req); // the body is not read here
      if (route?.endsWith('/jwks')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key] }));
      if (route?.endsWith('/sign-up/email')) return res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'better-auth.session_token=s1.sig; Path=/; HttpOnly' }).end(JSON.stringify({ user: { id: 'u1', name: 'A' } }));
      if (route?.endsWith('/token')) {
        const token = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setIssuer(`https://staging.example${hostile}`).setAudience(`api${hostile}`).setExpirationTime('5m').sign(privateKey);
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const lines: string[] = [];
    try {
      const started = await ExternalIssuer.start({ url: issuer.url, log: (line) => lines.push(line) });
      await started.stop();
      const said = lines.find((l) => l.startsWith('external issuer'));
      expect(said).toContain('CLICK');
      // No C0 or C1 control character (ESC, BEL, CSI) is left in what the console gets.
      expect(said).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    } finally {
      issuer.close();
    }
  });

  it('plain http to an issuer beyond loopback is warned about; an unreadable issuer.ca is a clear error (both before anything is sent)', async () => {
    // .invalid never resolves, and the missing CA file stops the run before the first request anyway.
    const { code, stdout, stderr } = await runCli(['run', '--issuer-mode', 'external', '--issuer-url', 'http://staging.invalid', '--issuer-ca', 'no-such-ca.pem', '--target', 'http://127.0.0.1:9', '--protected', '/api/me', '--only', 'SIG-ALG-NONE', '--out', await mkdtemp(path.join(tmpdir(), 'ba-http-'))]);
    expect(`${stdout}${stderr}`).toContain('issuer: WARNING: issuer.url http://staging.invalid is plain http beyond loopback');
    expect(stderr).toContain(`issuer.ca: cannot read ${path.join(REPO_ROOT, 'no-such-ca.pem')} (ENOENT)`);
    expect(code).not.toBe(0);
  });

  it('issuer.ca trusts a private CA for an https issuer; without it, the TLS failure says what to do', async () => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=staging.example.test',
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: algorithm,
      keys: keys as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]), new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const pem = cert.toString('pem');
    const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    const caFile = path.join(await mkdtemp(path.join(tmpdir(), 'ba-ca-')), 'staging-ca.pem');
    await writeFile(caFile, pem);
    // TLS in front of the staging Better Auth, as a team's load balancer would be (it keeps Better Auth's own origin).
    const upstream = new URL(stagingUrl);
    const proxy = https.createServer({ cert: pem, key }, (req, res) => {
      const forward = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host, ...(req.headers.origin ? { origin: stagingUrl } : {}) } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const untrusted = (await ExternalIssuer.start({ url }).catch((e: unknown) => e)) as HarnessError;
      expect(untrusted).toBeInstanceOf(HarnessError);
      expect(untrusted.message).toMatch(new RegExp(`^external issuer JWKS: GET ${url}/api/auth/jwks failed: .*(SELF_SIGNED|CERT)`));
      expect(untrusted.hint).toContain('issuer.ca');

      const before = await stagingState();
      const lines: string[] = [];
      const issuer = await ExternalIssuer.start({ url, ca: caFile, log: (l) => lines.push(l) });
      expect(lines.join('\n')).toContain(`external issuer ${url}: EdDSA, iss "${stagingUrl}"`);
      const user = await issuer.createUser();
      expect(await issuer.tokenFor(user)).toMatch(/^ey/);
      await issuer.stop();
      expect(added(before, await stagingState())).toEqual({ users: [], sessions: 0 });
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });
});

describe('the backend the harness starts', { timeout: 60_000 }, () => {
  it('does not inherit BA_CONFORMANCE_* variables (the staging accounts)', async () => {
    const port = await freePort();
    const saved = { ...process.env };
    process.env.BA_CONFORMANCE_USER_A = 'qa-a@example.test:Secret-Not-For-The-Backend';
    process.env.BA_CONFORMANCE_ISSUER_URL = stagingUrl;
    process.env.OTHER_SETTING_OF_THE_TEAM = 'kept';
    let target: Awaited<ReturnType<typeof launchTarget>> | undefined;
    try {
      target = await launchTarget({ command: 'exec node --import tsx test/support/litter-backend.ts', baseUrl: `http://127.0.0.1:${port}`, readinessPath: '/health', readinessTimeoutMs: 30_000, env: { JWKS_URL: `${stagingUrl}/api/auth/jwks` }, cwd: REPO_ROOT });
      const names = (await (await fetch(`http://127.0.0.1:${port}/__env`)).json()) as string[];
      expect(names).toEqual(expect.arrayContaining(['OTHER_SETTING_OF_THE_TEAM', 'PATH', 'PORT', 'JWKS_URL']));
      expect(names.filter((n) => n.startsWith('BA_CONFORMANCE_'))).toEqual([]);
    } finally {
      await target?.stop();
      process.env = saved;
    }
  });
});
