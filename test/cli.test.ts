// `ba-conformance issuer` as a user runs it: the JSON it prints verifies with jose, Ctrl-C stops it
// cleanly, and bad flags exit 2 with a message.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { pollUntil } from '../harness/poll.js';
import { get } from './support/http.js';
import { CONTAINERS_TESTABLE } from './support/modes.js';

function cli(args: string[]) {
  const child = spawn(process.execPath, ['bin/ba-conformance.js', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exit, stderr: () => stderr };
}

describe('ba-conformance issuer', () => {
  it('--json prints one object whose token jose verifies against its JWKS URL, issuer and audience; Ctrl-C stops it', async () => {
    const run = cli(['issuer', '--json', '--mode', 'process', '--alg', 'ES256', '--seed', '7']);
    const line = await new Promise<string>((resolve) => createInterface({ input: run.child.stdout }).once('line', resolve));
    const info = JSON.parse(line) as Record<string, string>;
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['baseUrl', 'jwksUrl', 'issuer', 'audience', 'token']));
    const { payload, protectedHeader } = await jwtVerify(info.token!, createRemoteJWKSet(new URL(info.jwksUrl!)), {
      issuer: info.issuer!,
      audience: info.audience!,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.sub).toBeTruthy();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/SIGINT: issuer stopped/);
    await expect(get(info.jwksUrl!, { timeoutMs: 1_000 })).rejects.toThrow(); // nothing listens any more
  });

  it('--alg HS256 --public-url: no JWKS URL, the shared secret to give the backend, and iss under the public URL; the token verifies with that secret', async () => {
    const run = cli(['issuer', '--json', '--mode', 'process', '--alg', 'HS256', '--public-url', 'http://localhost:49321']);
    const line = await new Promise<string>((resolve) => createInterface({ input: run.child.stdout }).once('line', resolve));
    const info = JSON.parse(line) as Record<string, string | null>;
    expect(info.jwksUrl).toBeNull();
    expect(info.baseUrl).toBe('http://localhost:49321');
    expect(info.issuer).toBe('http://localhost:49321');
    const { protectedHeader } = await jwtVerify(info.token!, new TextEncoder().encode(info.sharedSecret!), { issuer: info.issuer!, audience: info.audience! });
    expect(protectedHeader.alg).toBe('HS256');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it.skipIf(!CONTAINERS_TESTABLE)('in container mode it serves until Ctrl-C and then removes the container', async () => {
    const run = cli(['issuer', '--json', '--mode', 'container']);
    const line = await new Promise<string>((resolve) => createInterface({ input: run.child.stdout }).once('line', resolve));
    const info = JSON.parse(line) as Record<string, string>;
    expect(info.mode).toBe('container');
    // Still serving well after printing (it used to exit at once when nothing held the event loop).
    await pollUntil(async () => (run.child.exitCode === null && (await get(info.jwksUrl!)).status === 200 ? true : undefined), { timeoutMs: 5_000, what: 'the JWKS' });
    // It used to exit within milliseconds of printing; watch for an exit for a while.
    const early = await Promise.race([run.exit.then(() => 'exited'), delay(2_000).then(() => 'still serving')]);
    expect(early).toBe('still serving');
    expect((await get(info.jwksUrl!)).status).toBe(200);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/SIGINT: issuer stopped/);
    await expect(get(info.jwksUrl!, { timeoutMs: 1_000 })).rejects.toThrow();
  });

  it('prints the values to configure a backend with, in plain text by default', async () => {
    const run = cli(['issuer', '--mode', 'process', '--issuer', 'https://auth.example.test', '--audience', 'api://x']);
    const lines: string[] = [];
    await new Promise<void>((resolve) =>
      createInterface({ input: run.child.stdout }).on('line', (l) => {
        lines.push(l);
        if (l.startsWith('  JWKS_URL=')) resolve();
      }),
    );
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/issuer {6}https:\/\/auth\.example\.test/);
    expect(text).toMatch(/JWKS_URL=http:\/\/127\.0\.0\.1:\d+\/api\/auth\/jwks JWT_ISSUER=https:\/\/auth\.example\.test JWT_AUDIENCE=api:\/\/x/);
  });

  it.each([
    [['issuer', '--alg', 'HS512'], /argument 'HS512' is invalid/],
    [['issuer', '--mode', 'vm'], /argument 'vm' is invalid/],
    [['issuer', '--port', '-1'], /whole number from 0 to 65535/],
    [['issuer', '--expiration', 'soon'], /expirationTime/],
    [['frobnicate'], /unknown command/],
  ])('%j exits 2 with a message', async (args, message) => {
    const run = cli(args);
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(message);
  });
});
