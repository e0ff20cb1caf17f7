// One origin (issue 23, point 2): a path that names another host ("//host/x", "/\host", a scheme,
// a tab that joins "/" and "/") is refused by config with exit 2, and the target client asserts the
// origin before it sends, so nothing reaches a second server on loopback; `run --plan` names every host.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../harness/config/config.js';
import { HarnessError } from '../harness/errors.js';
import { HttpClient } from '../harness/http.js';
import { ExternalIssuer } from '../harness/issuer/external.js';
import { TargetClient } from '../harness/target/client.js';
import { waitUntilAnswering } from '../harness/target/launcher.js';
import { targetPathProblem, targetUrl } from '../harness/target/origin.js';
import { runCli } from './support/cli.js';

/** A loopback server that answers 200 to everything and records each request's path. */
async function recordingServer(): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"sub":"x"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

let target: Awaited<ReturnType<typeof recordingServer>>;
let elsewhere: Awaited<ReturnType<typeof recordingServer>>;
beforeAll(async () => {
  [target, elsewhere] = await Promise.all([recordingServer(), recordingServer()]);
});
afterAll(async () => {
  await Promise.all([target, elsewhere].map((s) => new Promise((resolve) => s.server.close(resolve))));
});

/** Paths that would leave the target's origin for the second server (or for a host named "api"). */
const escapes = () => [
  `//127.0.0.1:${elsewhere.port}/api/me`,
  '//api/me',
  `http://127.0.0.1:${elsewhere.port}/api/me`,
  `/\\127.0.0.1:${elsewhere.port}/api/me`,
  `\\\\127.0.0.1:${elsewhere.port}/api/me`,
  `/\t/127.0.0.1:${elsewhere.port}/api/me`,
];

describe('a path on the target', () => {
  it('is a single "/" and what follows; a scheme, "//", a backslash or a control character is refused, saying why', () => {
    for (const ok of ['/', '/api/me', '/api/todos/{id}?q={q}', '/a//b', '/../x', '/api/my todos']) expect(targetPathProblem(ok), ok).toBeUndefined();
    expect(targetPathProblem('//127.0.0.1:19999/api/me')).toMatch(/starts with "\/\/".*would go to 127\.0\.0\.1:19999/);
    expect(targetPathProblem('//api/me')).toMatch(/would go to api\b/);
    expect(targetPathProblem('/\\evil')).toMatch(/starts with "\/\\".*would go to evil/);
    expect(targetPathProblem('http://evil/x')).toMatch(/scheme/);
    expect(targetPathProblem('api/me')).toMatch(/does not start with "\/"/);
    expect(targetPathProblem('/a\\b')).toMatch(/backslash/);
    expect(targetPathProblem('/\n/evil')).toMatch(/control character/);
  });

  it('targetUrl keeps the origin of the base URL and throws, before sending, for a path that leaves it', () => {
    expect(targetUrl('http://127.0.0.1:8000/prefix/', '/api/me?x=1').href).toBe('http://127.0.0.1:8000/api/me?x=1');
    for (const p of escapes()) {
      let thrown: unknown;
      try {
        targetUrl(`http://127.0.0.1:${target.port}`, p);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, p).toBeInstanceOf(HarnessError);
      expect((thrown as HarnessError).code).toBe('TARGET_ORIGIN');
      expect((thrown as Error).message).toContain(JSON.stringify(p));
    }
  });
});

describe('the target client and the readiness probe', () => {
  it('send to the target, and refuse a crafted path without a request to another server', async () => {
    const client = new TargetClient({
      baseUrl: `http://127.0.0.1:${target.port}`,
      protectedPath: '/api/me',
      identityPath: undefined,
      identitySubject: 'sub',
      timeoutMs: 2_000,
      concurrency: 2,
      rejectStatuses: [401, 403],
      runId: 'origin-test',
      toolVersion: '0',
    });
    try {
      // The control: an ordinary path reaches the target, so the refusals below are the client's doing.
      const ok = await client.send('TEST', 'valid path', { token: 'a.b.c' });
      expect(ok.response?.status).toBe(200);
      expect(target.paths).toContain('/api/me');
      for (const p of escapes()) await expect(client.send('TEST', 'crafted path', { token: 'a.b.c', path: p }), p).rejects.toMatchObject({ code: 'TARGET_ORIGIN' });
      await expect(waitUntilAnswering(`http://127.0.0.1:${target.port}`, `//127.0.0.1:${elsewhere.port}/health`, 1_000)).rejects.toMatchObject({ code: 'TARGET_ORIGIN' });
      expect(elsewhere.paths).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('the HTTP client of the issuer', () => {
  it('sends a path to its base URL\'s origin, and refuses "//other-host/x" before sending (no request reaches the other server)', async () => {
    const client = new HttpClient(`http://127.0.0.1:${target.port}/auth`, { timeoutMs: 2_000 });
    try {
      // The controls: a path and a full URL are sent where they say.
      expect((await client.send('GET', '/auth/api/auth/ok')).status).toBe(200);
      expect(target.paths).toContain('/auth/api/auth/ok');
      expect((await client.send('GET', `http://127.0.0.1:${target.port}/full`)).status).toBe(200);
      for (const p of escapes().filter((e) => !e.startsWith('http:'))) {
        await expect(client.send('POST', p, { body: { email: 'a@example.test', password: 'Pa55word!' } }), p).rejects.toMatchObject({ code: 'TARGET_ORIGIN' });
      }
      expect(elsewhere.paths).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('an external issuer whose URL has "//" in its path (not through config) signs up no one at the host it names', async () => {
    // The issuer's origin answers a JWKS, so the run gets as far as the sign-up, which carries a password.
    const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k' }] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}//127.0.0.1:${elsewhere.port}`;
      await expect(ExternalIssuer.start({ url, timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'TARGET_ORIGIN', message: expect.stringContaining(`"//127.0.0.1:${elsewhere.port}/api/auth/sign-up/email"`) });
      expect(elsewhere.paths).toEqual([]);
    } finally {
      await new Promise((resolve) => jwks.close(resolve));
    }
  });
});

describe('config', () => {
  const base = { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' };
  const refused = (config: Record<string, unknown>) => {
    try {
      resolveConfig(config);
    } catch (err) {
      return err as HarnessError;
    }
    throw new Error(`accepted ${JSON.stringify(config)}`);
  };

  it('refuses every path setting that would leave the origin, naming the setting, the value and the fix', () => {
    const bad = `//127.0.0.1:${elsewhere.port}/x`;
    const cases: [Record<string, unknown>, string][] = [
      [{ target: { ...base, protectedPath: bad } }, 'target.protectedPath'],
      [{ target: { ...base, identityPath: bad } }, 'target.identityPath'],
      [{ target: { ...base, readinessPath: bad } }, 'target.readinessPath'],
      [{ target: { ...base, openapi: bad } }, 'target.openapi'],
      [{ target: base, issuer: { mode: 'external', url: 'http://127.0.0.1:2', basePath: bad } }, 'issuer.basePath'],
      [{ target: base, resources: [{ path: bad }] }, 'resources[0].path'],
      ...(['create', 'read', 'update', 'delete', 'list', 'search'] as const).map((op): [Record<string, unknown>, string] => [
        { target: base, resources: [{ path: '/api/todos', [op]: `GET ${bad}${op === 'search' ? '?q={q}' : ['read', 'update', 'delete'].includes(op) ? '/{id}' : ''}` }] },
        `resources[0].${op}`,
      ]),
    ];
    for (const [config, setting] of cases) {
      const err = refused(config);
      expect(err.code, setting).toBe('CONFIG_INVALID');
      expect(err.message, setting).toContain(`at ${setting}`);
      expect(err.message, setting).toContain(`"${bad}`);
      expect(err.message, setting).toContain(`starting with a single "/"`);
    }
    // issuer.url's path comes before every auth path, so it is a path setting too (and issuer.jwksUrl's).
    for (const key of ['url', 'jwksUrl'] as const) {
      const url = `http://127.0.0.1:2/${key === 'url' ? '/auth' : `/127.0.0.1:${elsewhere.port}/jwks`}`;
      const err = refused({ target: base, issuer: { mode: 'external', url: 'http://127.0.0.1:2', [key]: url } });
      expect(err.code, key).toBe('CONFIG_INVALID');
      expect(err.message, key).toContain(`at issuer.${key}`);
      expect(err.message, key).toContain(`${JSON.stringify(url)}: its path "//`);
      expect(err.message, key).toMatch(/starts with "\/\/"/);
    }
    expect(resolveConfig({ target: base, issuer: { mode: 'external', url: 'https://auth.example.test/auth/', jwksUrl: 'https://keys.example.test/a/jwks' } }).issuer.url).toBe('https://auth.example.test/auth/');
    // An OpenAPI document from a URL or a file is still taken.
    expect(resolveConfig({ target: { ...base, openapi: 'https://api.example.test/openapi.json' } }).target.openapi).toBe('https://api.example.test/openapi.json');
  });

  it('`run` exits 2 on such a path from a flag, and the server it names gets no request', { timeout: 180_000 }, async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'ba-origin-'));
    const run = (...args: string[]) => runCli(['run', '--target', `http://127.0.0.1:${target.port}`, '--issuer-mode', 'process', '--out', out, ...args]);
    const protectedPaths = escapes().slice(0, 4);
    const issuerUrl = ['--issuer-mode', 'external', '--issuer-url', `http://127.0.0.1:${target.port}//127.0.0.1:${elsewhere.port}`];
    const [resource, issuer, ...runs] = await Promise.all([
      run('--protected', '/api/me', '--resource', `//127.0.0.1:${elsewhere.port}/api/todos`),
      runCli(['run', '--target', `http://127.0.0.1:${target.port}`, '--protected', '/api/me', '--out', out, ...issuerUrl]),
      ...protectedPaths.map((p) => run('--protected', p)),
    ]);
    for (const [i, { code, stderr }] of runs.entries()) {
      const p = protectedPaths[i]!;
      expect(code, p).toBe(2);
      expect(stderr, p).toContain('target.protectedPath');
      expect(stderr, p).toContain(JSON.stringify(p));
      expect(stderr, p).toContain('give a path on the target, starting with a single "/"');
    }
    expect(resource.code).toBe(2);
    expect(issuer.code).toBe(2);
    expect(issuer.stderr).toContain('issuer.url');
    expect(issuer.stderr).toContain(`its path "//127.0.0.1:${elsewhere.port}"`);
    expect(resource.stderr).toContain('resources[0].path');
    expect(elsewhere.paths).toEqual([]);
  });
});

describe('run --plan', () => {
  it('names every host the run contacts: the target origin, labs, the issuer and its JWKS, the OpenAPI document, the attacker listener', async () => {
    const before = target.paths.length;
    const args = ['run', '--plan', '--target', `http://127.0.0.1:${target.port}/ignored`, '--protected', '/api/me', '--only', 'SIG-ALG-NONE', 'KEY-JKU'];
    const own = await runCli([...args, '--start', 'serve --port {port}', '--openapi', '/openapi.json', '--issuer-mode', 'process']);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(new RegExp(`^ {2}backend +http://127\\.0\\.0\\.1:${target.port} .*every one to this origin`, 'm'));
    expect(own.stdout).toMatch(/^ {2}labs +http:\/\/127\.0\.0\.1:<free ports>: up to \d+ more backends/m);
    expect(own.stdout).toMatch(/^ {2}issuer +the harness's own Better Auth, listening on 127\.0\.0\.1:/m);
    expect(own.stdout).toMatch(/^ {2}jwks +http:\/\/127\.0\.0\.1:<its port>\/api\/auth\/jwks/m);
    expect(own.stdout).toMatch(new RegExp(`^ {2}openapi +http://127\\.0\\.0\\.1:${target.port}/openapi\\.json`, 'm'));
    expect(own.stdout).toMatch(/^ {2}attacker +listeners at http:\/\/127\.0\.0\.1:<port>/m);
    expect(own.stdout).not.toMatch(/^ {2}docker/m);

    const dir = await mkdtemp(path.join(tmpdir(), 'ba-plan-'));
    const external = await runCli([...args, '--issuer-mode', 'external', '--issuer-url', 'https://auth.example.test', '--issuer-jwks-url', 'https://keys.example.test/jwks', '--openapi', 'https://docs.example.test/openapi.json']);
    expect(external.code).toBe(0);
    expect(external.stdout).toMatch(/^ {2}issuer +https:\/\/auth\.example\.test \(Better Auth/m);
    expect(external.stdout).toMatch(/^ {2}jwks +https:\/\/keys\.example\.test\/jwks/m);
    expect(external.stdout).toMatch(/^ {2}openapi +https:\/\/docs\.example\.test\/openapi\.json/m);
    expect(external.stdout).not.toMatch(/^ {2}labs/m);

    const file = path.join(dir, 'openapi.json');
    await writeFile(file, '{}');
    const fromFile = await runCli([...args, '--openapi', file, '--issuer-mode', 'container']);
    expect(fromFile.stdout).toContain(`openapi   the file ${file} (read; no host contacted)`);
    expect(fromFile.stdout).toMatch(/^ {2}docker +the Docker engine/m);
    // --plan sends nothing.
    expect(target.paths.length).toBe(before);
    expect(elsewhere.paths).toEqual([]);
  });
});
