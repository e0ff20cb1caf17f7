// The run deletes what its checks created through the resource contract in every issuer mode, not only
// external: a backend the harness issuer is trusted by (a staging API given issuer.publicUrl, a local
// one with a database) keeps it otherwise. The backend here is started by the test, not the run, so
// that what the run leaves in it can be counted afterwards; it trusts the harness issuer on a fixed port.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../harness/config/config.js';
import { startIssuer } from '../harness/issuer/start.js';
import { createLedger, note, removeLedger } from '../harness/ledger.js';
import { freePort } from '../harness/net.js';
import { removeLeftovers } from '../harness/run/leftovers.js';
import { pollUntil } from '../harness/poll.js';
import type { Report } from '../harness/report-model.js';
import { runCli, startCli } from './support/cli.js';
import { startLitterBackend } from './support/litter.js';
import type { LitterBackend } from './support/litter.js';

/** A config with the harness issuer in process mode on a fixed port, and a litter backend that trusts it. */
async function processModeSetUp(): Promise<{ args: (out: string) => string[]; backend: LitterBackend }> {
  const issuerPort = await freePort();
  const issuer = `http://127.0.0.1:${issuerPort}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'ba-leftovers-'));
  const config = path.join(dir, 'conformance.config.mjs');
  await writeFile(config, `export default { issuer: { mode: 'process', algorithms: ['EdDSA'], port: ${issuerPort} } };\n`);
  const backend = await startLitterBackend({ JWKS_URL: `${issuer}/api/auth/jwks`, JWT_ISSUER: issuer, JWT_AUDIENCE: issuer });
  const args = (out: string) => ['run', '--config', config, '--target', backend.url, '--protected', '/api/me', '--identity', '/api/me', '--resource', '/api/todos', '--resource-owner', 'ownerId', '--out', out];
  return { args, backend };
}

const CLEANUP_LINE = /clean-up: ([1-9]\d*) resource\(s\) deleted through the resource contract(;|$)/m;

describe('the run deletes the resources its checks created, with the harness issuer', { timeout: 180_000 }, () => {
  it('process mode, ISO and LIFE checks: none of the run\'s resources is left in the backend, and the console says how many were deleted', async () => {
    const { args, backend } = await processModeSetUp();
    try {
      const out = await mkdtemp(path.join(tmpdir(), 'ba-leftovers-out-'));
      const { stdout, stderr } = await runCli([...args(out), '--only', 'ISO-', 'LIFE-']);
      const console = `${stdout}${stderr}`;
      const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
      expect(report.issuer?.mode, console).toBe('process');
      // The run did create resources, as several users, and judged with them.
      const created = report.checks.flatMap((c) => c.evidence).filter((e) => e.request.method === 'POST' && e.request.url.endsWith('/api/todos') && e.response?.status === 201);
      expect(created.length, console).toBeGreaterThan(4);
      expect(report.checks.find((c) => c.id === 'ISO-READ-OTHER')?.verdict, console).toBe('PASS');
      // None is left, and the console counts what it deleted (one a check deleted already counts: it is gone).
      expect(await backend.todos(), console).toEqual([]);
      expect(Number(CLEANUP_LINE.exec(console)?.[1]), console).toBeGreaterThanOrEqual(created.length);
      expect(console).not.toContain('left behind');
      expect(console).not.toContain('signed-up user(s)'); // the issuer's users are the harness's own: nothing to say of them
    } finally {
      backend.stop();
    }
  });

  it('process mode, interrupted by SIGINT mid-way: the resources created so far are deleted, though the issuer stopped with the signal (the tokens that created them serve)', async () => {
    const { args, backend } = await processModeSetUp();
    try {
      const out = await mkdtemp(path.join(tmpdir(), 'ba-leftovers-sigint-'));
      const cli = startCli(args(out));
      await pollUntil(async () => ((await backend.todos()).length >= 2 ? true : undefined), { timeoutMs: 90_000, intervalMs: 100, what: 'resources created by the run' });
      cli.child.kill('SIGINT');
      expect(await cli.exit, cli.stderr()).toBe(130);
      const console = `${cli.stdout()}${cli.stderr()}`;
      expect(await backend.todos(), console).toEqual([]);
      expect(console).toMatch(CLEANUP_LINE);
    } finally {
      backend.stop();
    }
  });
});

describe('IssuerHandle.renewToken on the harness issuer', { timeout: 60_000 }, () => {
  it('gives a fresh token with the claims of the old one, signed by a published key, after the user\'s sessions ended and the user was deleted', async () => {
    await using issuer = await startIssuer({ mode: 'process', algorithms: ['EdDSA'] });
    const user = await issuer.createUser();
    const token = await issuer.tokenFor(user);
    await delay(1_100); // a later iat
    await issuer.revokeSessions(user);
    await issuer.deleteUser(user);
    const renewed = await issuer.renewToken(token);
    const { payload } = await jwtVerify(renewed, createRemoteJWKSet(new URL(issuer.jwksUrl)), { issuer: issuer.issuer, audience: issuer.audience });
    const old = decodeJwt(token);
    const { iat, exp, ...claims } = payload;
    expect(claims).toEqual(Object.fromEntries(Object.entries(old).filter(([k]) => !['iat', 'exp'].includes(k))));
    expect(claims.sub).toBe(user.id);
    expect(iat).toBeGreaterThan(old.iat!);
    expect(exp! - iat!).toBe(old.exp! - old.iat!);
  });
});

describe('removeLeftovers with the harness issuer', { timeout: 60_000 }, () => {
  it('deletes a resource whose creating token has expired with a fresh token of its owner; one gone already counts; one on a backend that stopped is a line of its own', async () => {
    await using issuer = await startIssuer({ mode: 'process', algorithms: ['EdDSA'] });
    const backend = await startLitterBackend({ JWKS_URL: issuer.jwksUrl, JWT_ISSUER: issuer.issuer, JWT_AUDIENCE: [issuer.audience].flat().join(',') });
    const ledger = createLedger();
    try {
      const user = await issuer.createUser();
      const token = await issuer.tokenFor(user);
      const create = async () => ((await (await fetch(`${backend.url}/api/todos`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"title":"left"}' })).json()) as { id: string }).id;
      const [kept, deleted] = [await create(), await create()];
      expect((await fetch(`${backend.url}/api/todos/${deleted}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // By the end of a long run the token that created them has expired: the backend refuses it.
      const now = Math.floor(Date.now() / 1000);
      const expired = (await issuer.sign({ claims: { ...decodeJwt(token), iat: now - 120, exp: now - 60 } })).token;
      expect((await fetch(`${backend.url}/api/me`, { headers: { authorization: `Bearer ${expired}` } })).status).toBe(401);
      // A lab's backend the harness stopped before the end: nothing answers there.
      const stopped = `http://127.0.0.1:${await freePort()}`;
      for (const [baseUrl, id] of [[backend.url, kept], [backend.url, deleted], [stopped, 'lab-todo']] as const) note(ledger, { kind: 'resource', baseUrl, contract: 'todo', id, token: expired });
      const config = resolveConfig({ target: { baseUrl: backend.url, protectedPath: '/api/me', timeoutMs: 2_000 }, resources: [{ name: 'todo', path: '/api/todos', body: { title: 'x' }, owner: 'ownerId' }] });
      const lines: string[] = [];
      await removeLeftovers(issuer, ledger, config, 'test', (line) => lines.push(line));
      expect(await backend.todos()).toEqual([]);
      expect(lines[0]).toBe('clean-up: 2 resource(s) deleted through the resource contract; 1 thing(s) left behind:');
      expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^clean-up: WARNING: left behind: todo "lab-todo" at ${stopped}: DELETE answered \\S`))]);
    } finally {
      backend.stop();
      removeLedger(ledger);
    }
  });
});
