// The target client and the attacker listener, against real servers on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttackerListener } from '../harness/attacker/listener.js';
import { TargetClient } from '../harness/target/client.js';
import { TargetControl, serveTargetControl } from '../harness/target/control.js';
import { launchTarget } from '../harness/target/launcher.js';
import { freePort } from '../harness/net.js';
import { get } from './support/http.js';

describe('TargetClient', () => {
  let server: http.Server;
  let baseUrl: string;
  beforeAll(async () => {
    // Echoes what it received; /status/<n> answers with that status.
    // /cut/<key> sends the headers and half a body, then resets the connection: the first time for
    // each key only under /cut-once/<key>, every time under /cut/<key>.
    const cut = new Set<string>();
    server = http.createServer((req, res) => {
      const cutting = /^\/cut(-once)?\/(\w+)/.exec(req.url ?? '');
      if (cutting && !(cutting[1] && cut.has(cutting[2]!))) {
        cut.add(cutting[2]!);
        res.writeHead(401, { 'content-type': 'application/json', 'content-length': '100' }).write('{"half":');
        setImmediate(() => req.socket.resetAndDestroy());
        return;
      }
      const status = Number(/^\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: 'user-1', rawHeaders: req.rawHeaders, url: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const client = (overrides: Partial<ConstructorParameters<typeof TargetClient>[0]> = {}) =>
    new TargetClient({ baseUrl, protectedPath: '/p', identityPath: '/me', identitySubject: 'sub', timeoutMs: 2_000, concurrency: 4, rejectStatuses: [400, 401, 403, 413, 431], runId: 'run123', toolVersion: '9.9.9', ...overrides });

  it('sends to the protected endpoint, records the exchange with the token decoded, and puts run and check IDs in the User-Agent', async () => {
    const token = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    const e = await client().send('SIG-X', 'a label', { token });
    expect(e).toMatchObject({ label: 'a label', outcome: 'accepted', request: { method: 'GET', url: `${baseUrl}/p`, token: { header: { alg: 'none' }, payload: { sub: 'x' } } } });
    expect(e.request.headers['user-agent']).toBe('ba-conformance/9.9.9 (run run123; check SIG-X)');
    const echoed = JSON.parse(e.response!.bodyExcerpt) as { rawHeaders: string[] };
    expect(echoed.rawHeaders).toContain(`Bearer ${token}`);
    // The subject is read only from the identity endpoint's answers.
    expect(client().subjectOf(e)).toBeUndefined();
    expect(client().subjectOf(await client().send('SIG-X', 'identity', { token, path: '/me' }))).toBe('user-1');
  });

  it('sends duplicate raw headers as separate lines', async () => {
    const e = await client().send('TRN', 'dup', { authorization: null, rawHeaders: [['authorization', 'Bearer a'], ['authorization', 'Bearer b']] });
    const { rawHeaders } = JSON.parse(e.response!.bodyExcerpt) as { rawHeaders: string[] };
    expect(rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization')).toHaveLength(2);
    expect(e.request.headers.authorization).toBe('Bearer a\nBearer b');
  });

  it.each([
    [401, 'rejected'],
    [403, 'rejected'],
    [400, 'rejected'],
    [500, 'server-error'],
    [431, 'rejected'],
    [404, 'other'],
    [429, 'other'],
    [302, 'other'],
  ])('classifies %i as %s', async (status, outcome) => {
    expect((await client().send('C', 's', { path: `/status/${status}` })).outcome).toBe(outcome);
  });

  it('resends a GET once when the connection resets while the answer comes; a second reset, or a reset POST, is recorded as it is', async () => {
    const once = await client().send('C', 'reset once', { path: '/cut-once/get' });
    expect(once).toMatchObject({ outcome: 'accepted', response: { status: 200 } });
    const always = await client().send('C', 'reset twice', { path: '/cut/get' });
    expect(always.outcome).toBe('transport-error');
    expect(always.error).toMatch(/ECONNRESET|other side closed|socket/i);
    const post = await client().send('C', 'reset POST', { method: 'POST', path: '/cut-once/post', body: {} });
    expect(post.outcome).toBe('transport-error');
  });

  it('records a refused connection as a transport error, not a rejection', async () => {
    const e = await client({ baseUrl: `http://127.0.0.1:${await freePort()}` }).send('C', 'refused', { token: 'x' });
    expect(e.outcome).toBe('transport-error');
    expect(e.error).toMatch(/ECONNREFUSED/);
  });
});

describe('AttackerListener', () => {
  it('serves what it is given and records every request, served or not', async () => {
    const attacker = await AttackerListener.start();
    try {
      const url = attacker.serve('/jku/jwks.json', 'application/json', '{"keys":[]}');
      const res = await fetch(url, { headers: { 'user-agent': 'victim-backend' } });
      expect([res.status, await res.text()]).toEqual([200, '{"keys":[]}']);
      expect((await fetch(`${attacker.url}/x5u/missing`)).status).toBe(404);
      expect(attacker.hits('/jku/')).toMatchObject([{ method: 'GET', path: '/jku/jwks.json', userAgent: 'victim-backend', remoteAddress: '127.0.0.1' }]);
      expect(attacker.hits('/x5u/')).toHaveLength(1);
      expect(attacker.hits()).toHaveLength(2);
    } finally {
      await attacker.stop();
    }
  });
});

describe('target restarts (serveTargetControl / TargetControl)', () => {
  it('restarts a real backend on request: a new process answers, and the old one is gone', async () => {
    const port = await freePort();
    const launch = () =>
      launchTarget({
        command: `exec node -e "require('http').createServer((q, s) => s.end(String(process.pid))).listen(${port}, '127.0.0.1')"`,
        baseUrl: `http://127.0.0.1:${port}`,
        readinessPath: '/',
        readinessTimeoutMs: 10_000,
        env: {},
      });
    let target = await launch();
    const control = await serveTargetControl(async () => {
      await target.stop();
      target = await launch();
    });
    const client = new TargetControl(control.connection, 10_000);
    try {
      const pidOf = async () => (await get(`http://127.0.0.1:${port}/`)).text;
      const before = await pidOf();
      const { ms } = await client.restart();
      expect(ms).toBeGreaterThan(0);
      const after = await pidOf();
      expect(after).not.toBe(before);
      expect(() => process.kill(Number(before), 0)).toThrow();
      // The route needs the run's token.
      const stranger = new TargetControl({ ...control.connection, token: 'wrong' }, 10_000);
      await expect(stranger.restart()).rejects.toThrow();
      await stranger.close();
      expect(await pidOf()).toBe(after);
    } finally {
      await client.close();
      await control.close();
      await target.stop();
    }
  });

  it('reports a backend that does not come back, with its output', async () => {
    const control = await serveTargetControl(async () => {
      await launchTarget({ command: 'echo "cannot reach the JWKS" >&2; exit 1', baseUrl: 'http://127.0.0.1:9', readinessPath: '/', readinessTimeoutMs: 5_000, env: {} });
    });
    const client = new TargetControl(control.connection, 5_000);
    try {
      await expect(client.restart()).rejects.toThrow(/did not become ready.*cannot reach the JWKS/s);
    } finally {
      await client.close();
      await control.close();
    }
  });
});
