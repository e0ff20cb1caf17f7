// JWKS faults as a backend's HTTP client sees them, and the fetch log that counts every fetch.
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer } from '../../harness/issuer/index.js';
import type { Issuer } from '../../harness/issuer/index.js';
import { AUTH_BASE_PATH, JWKS_PATH, REDIRECT_TARGET_PATH } from '../../harness/issuer/protocol.js';
import { get } from '../support/http.js';
import { describeEachMode } from '../support/modes.js';

describeEachMode('JWKS faults and fetch log', (mode) => {
  let issuer: Issuer;
  let realJwks: string;
  beforeAll(async () => {
    issuer = await startIssuer({ mode });
    realJwks = (await get(issuer.jwksUrl)).text;
  });
  afterAll(() => issuer?.stop());
  afterEach(() => issuer.clearJwksFault());

  const lastFetch = async () => (await issuer.jwksFetches()).at(-1)!;

  it('status: answers 503 (or the status asked for) with the given body', async () => {
    await issuer.setJwksFault({ kind: 'status' });
    expect((await get(issuer.jwksUrl)).status).toBe(503);
    await issuer.setJwksFault({ kind: 'status', status: 500, body: '{"error":"boom"}' });
    const res = await get(issuer.jwksUrl);
    expect([res.status, res.text]).toEqual([500, '{"error":"boom"}']);
    expect((await lastFetch()).fault).toBe('status');
  });

  it('hang: accepts the request and never answers', async () => {
    await issuer.setJwksFault({ kind: 'hang' });
    const started = Date.now();
    await expect(get(issuer.jwksUrl, { timeoutMs: 400 })).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect((await lastFetch()).fault).toBe('hang');
  });

  it('slow: trickles the real key set in small chunks', async () => {
    await issuer.setJwksFault({ kind: 'slow', bytesPerChunk: 20, intervalMs: 10 });
    const res = await get(issuer.jwksUrl);
    const chunks = Math.ceil(realJwks.length / 20);
    expect(res.status).toBe(200);
    expect(res.text).toBe(realJwks);
    expect(res.chunks).toBeGreaterThan(chunks / 2); // the client saw it arrive piecemeal
    expect(res.elapsedMs).toBeGreaterThanOrEqual((chunks - 1) * 10 - 5);
  });

  it('invalid-json: 200 application/json that does not parse', async () => {
    await issuer.setJwksFault({ kind: 'invalid-json' });
    const res = await get(issuer.jwksUrl);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError);
  });

  it('empty-keys: {"keys":[]}', async () => {
    await issuer.setJwksFault({ kind: 'empty-keys' });
    const res = await get(issuer.jwksUrl);
    expect([res.status, JSON.parse(res.text)]).toEqual([200, { keys: [] }]);
  });

  it('html: a maintenance page with status 200', async () => {
    await issuer.setJwksFault({ kind: 'html' });
    const res = await get(issuer.jwksUrl);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/^<!doctype html>/);
  });

  it('redirect: 302 to another origin that serves the real key set, both fetches logged', async () => {
    await issuer.setJwksFault({ kind: 'redirect', location: issuer.redirectTarget });
    await issuer.resetJwksFetches();
    const res = await get(issuer.jwksUrl);
    expect(res.status).toBe(302);
    const location = res.headers.location as string;
    expect(new URL(location).origin).not.toBe(new URL(issuer.jwksUrl).origin);
    const followed = await get(location);
    expect([followed.status, followed.text]).toEqual([200, realJwks]);
    const log = await issuer.jwksFetches();
    expect(log.map((f) => [f.path, f.fault])).toEqual([
      [JWKS_PATH, 'redirect'],
      [`${AUTH_BASE_PATH}${REDIRECT_TARGET_PATH}`, null],
    ]);
    expect(log[1]!.headers.host).toMatch(/^localhost:/);
  });

  it('extra-keys: decoys, a private key and a symmetric key beside the real ones', async () => {
    const realKid = (JSON.parse(realJwks) as { keys: { kid: string }[] }).keys[0]!.kid;
    const ec = await generateKeyPair('ES256', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    const decoy = { ...(await exportJWK(ec.publicKey)), kid: realKid, alg: 'ES256' };
    const privateKey = { ...(await exportJWK(ed.privateKey)), kid: 'leaked-private', alg: 'EdDSA' };
    const symmetric = { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256' };
    await issuer.setJwksFault({ kind: 'extra-keys', keys: [decoy, privateKey, symmetric], position: 'before' });
    const keys = (JSON.parse((await get(issuer.jwksUrl)).text) as { keys: Record<string, unknown>[] }).keys;
    expect(keys).toEqual([decoy, privateKey, symmetric, ...(JSON.parse(realJwks) as { keys: unknown[] }).keys]);
    expect(keys[1]).toHaveProperty('d');
  });

  it('reset: the connection closes without an answer', async () => {
    await issuer.setJwksFault({ kind: 'reset' });
    await expect(get(issuer.jwksUrl)).rejects.toMatchObject({ code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/) });
    expect((await lastFetch()).fault).toBe('reset');
  });

  it('decorate: the real keys with members added (use: "sig")', async () => {
    await issuer.setJwksFault({ kind: 'decorate', fields: { use: 'sig' } });
    const keys = (JSON.parse((await get(issuer.jwksUrl)).text) as { keys: Record<string, unknown>[] }).keys;
    expect(keys).toEqual((JSON.parse(realJwks) as { keys: Record<string, unknown>[] }).keys.map((k) => ({ ...k, use: 'sig' })));
  });

  it('huge: the real keys first, then padding keys up to the size asked for', async () => {
    await issuer.setJwksFault({ kind: 'huge', bytes: 2_000_000 });
    const res = await get(issuer.jwksUrl);
    expect(res.text.length).toBeGreaterThanOrEqual(2_000_000);
    expect(res.text.length).toBeLessThan(2_000_200);
    const keys = (JSON.parse(res.text) as { keys: Record<string, unknown>[] }).keys;
    expect(keys.slice(0, 1)).toEqual((JSON.parse(realJwks) as { keys: unknown[] }).keys.slice(0, 1));
    expect(keys.at(-1)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.stringMatching(/^padding-/) });
  });

  it('headers: the real key set with the response headers asked for', async () => {
    await issuer.setJwksFault({ kind: 'headers', headers: { 'cache-control': 'max-age=1' } });
    const res = await get(issuer.jwksUrl);
    expect([res.status, res.headers['cache-control'], res.text]).toEqual([200, 'max-age=1', realJwks]);
  });

  it('remaining: applies to the next N fetches only, then the real key set returns', async () => {
    await issuer.setJwksFault({ kind: 'status', status: 503, remaining: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(issuer.jwksUrl)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
  });

  it('faults are seen by jose createRemoteJWKSet, and clearing one restores verification', async () => {
    const token = await issuer.tokenFor(await issuer.createUser());
    const verify = () => jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), { issuer: issuer.issuer, audience: issuer.audience });
    await issuer.setJwksFault({ kind: 'status', status: 503 });
    await expect(verify()).rejects.toMatchObject({ code: 'ERR_JOSE_GENERIC' });
    await issuer.setJwksFault({ kind: 'empty-keys' });
    await expect(verify()).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await issuer.setJwksFault({ kind: 'html' });
    await expect(verify()).rejects.toThrow();
    await issuer.clearJwksFault();
    await expect(verify()).resolves.toMatchObject({ payload: { iss: issuer.issuer } });
  });

  it('rejects a malformed fault with a message that names the problem', async () => {
    await expect(issuer.setJwksFault({ kind: 'redirect' } as never)).rejects.toThrow(/400.*location/);
    await expect(issuer.setJwksFault({ kind: 'flood' } as never)).rejects.toThrow(/400/);
  });

  describe('fetch log', () => {
    it('counts every JWKS fetch exactly, with time, client address, user-agent and the caching headers (no cookie, no Authorization)', async () => {
      await issuer.resetJwksFetches();
      const before = Date.now();
      for (let i = 0; i < 7; i++) await get(issuer.jwksUrl, { headers: { 'user-agent': `probe-${i}`, 'if-none-match': String(i), cookie: `session=${i}`, authorization: `Bearer secret-${i}` } });
      // Neither other Better Auth routes nor admin calls are JWKS fetches.
      await get(`${issuer.url}/api/auth/ok`);
      await issuer.keys();
      const log = await issuer.jwksFetches();
      expect(log).toHaveLength(7);
      expect(log.map((f) => f.userAgent)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `probe-${i}`));
      expect(log.map((f) => f.headers['if-none-match'])).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      // Another consumer's credentials are never kept (a team's JWKS is fetched by every service).
      for (const f of log) expect(Object.keys(f.headers)).not.toEqual(expect.arrayContaining(['cookie']));
      for (const f of log) expect(f.headers).not.toHaveProperty('authorization');
      for (const [i, f] of log.entries()) {
        expect(f).toMatchObject({ method: 'GET', path: JWKS_PATH, fault: null });
        expect(f.remoteAddress).toMatch(/\d+\.\d+\.\d+\.\d+|:/);
        expect(f.epochMs).toBeGreaterThanOrEqual(before - 1000); // container clocks are the host's
        expect(Date.parse(f.at)).toBe(f.epochMs);
        if (i > 0) expect(f.seq).toBe(log[i - 1]!.seq + 1);
      }
    });

    it('the served key set (SIG-ALG-HS-PUBKEY keys HMAC with it) is the JWKS byte for byte, and reading it is no fetch', async () => {
      await issuer.resetJwksFetches();
      const served = await issuer.servedJwks();
      expect(await issuer.jwksFetches()).toHaveLength(0);
      expect(served).toBe((await get(issuer.jwksUrl)).text);
    });

    it('concurrent fetches are each counted; `since` returns only newer ones; reset empties it', async () => {
      await issuer.resetJwksFetches();
      await Promise.all(Array.from({ length: 25 }, () => get(issuer.jwksUrl)));
      const all = await issuer.jwksFetches();
      expect(all).toHaveLength(25);
      const mark = all.at(-1)!.seq;
      await get(issuer.jwksUrl);
      expect(await issuer.jwksFetches(mark)).toHaveLength(1);
      await issuer.resetJwksFetches();
      expect(await issuer.jwksFetches()).toEqual([]);
      await get(issuer.jwksUrl);
      expect((await issuer.jwksFetches())[0]!.seq).toBeGreaterThan(mark); // sequence numbers never repeat
    });
  });
});
