// The control operations: exact signing, rotate/retire/remove, admin authentication, user operations.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer } from '../../harness/issuer/index.js';
import type { Issuer } from '../../harness/issuer/index.js';
import { AUTH_BASE_PATH, CONTROL_PATH, CONTROL_TOKEN_HEADER } from '../../harness/issuer/protocol.js';

const CONTROL = `${AUTH_BASE_PATH}${CONTROL_PATH}`;
import { describeEachMode } from '../support/modes.js';
import { get } from '../support/http.js';

const segment = (token: string, i: number) => Buffer.from(token.split('.')[i]!, 'base64url').toString('utf8');

/** Checks the signature over the exact signing input with node:crypto and the key's public JWK. */
async function verifiesWith(issuer: Issuer, token: string, kid: string | undefined): Promise<boolean> {
  const key = (await issuer.keys()).find((k) => k.kid === kid)!;
  const [h, p, sig] = token.split('.') as [string, string, string];
  const publicKey = createPublicKey({ key: key.publicJwk as never, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(sig, 'base64url');
  switch (key.alg) {
    case 'EdDSA':
      return cryptoVerify(null, data, publicKey, signature);
    case 'ES256':
      return cryptoVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    default:
      throw new Error(`no verifier for ${key.alg} in this test`);
  }
}
const jwksKids = async (issuer: Issuer) => ((await (await fetch(issuer.jwksUrl)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describeEachMode('issuer control', (mode) => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer({ mode, algorithms: ['EdDSA', 'ES256'], gracePeriod: 3600 });
  });
  afterAll(() => issuer?.stop());

  describe('sign', () => {
    it('carries exactly the header and claims asked for, none of the defaults', async () => {
      const header = { alg: 'EdDSA', kid: 'chosen', typ: 'JWT', crit: ['x-foo'], 'x-foo': 1 };
      const claims = { sub: 'someone', n: 1, nested: { a: [1, 2] } };
      const { token, kid } = await issuer.sign({ header, claims });
      expect(JSON.parse(segment(token, 0))).toEqual(header);
      expect(JSON.parse(segment(token, 1))).toEqual(claims);
      expect(kid).toBe((await issuer.signingKey()).kid);
      expect(await verifiesWith(issuer, token, kid)).toBe(true);
    });

    it('signs with the real current key: verifiable with jose when the header names that key', async () => {
      const { token } = await issuer.sign({ claims: { sub: 'u1' }, defaults: true });
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), {
        issuer: issuer.issuer,
        audience: issuer.audience,
      });
      expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: (await issuer.signingKey()).kid });
      expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sub']);
      expect(payload.exp! - payload.iat!).toBe(900);
    });

    it('sends raw header and payload bytes unchanged (duplicate names, invalid JSON)', async () => {
      const rawHeader = '{"alg":"EdDSA","alg":"none"}';
      const rawPayload = '{"sub":"a","sub":"b"';
      const { token, kid } = await issuer.sign({ rawHeader, rawPayload });
      expect(segment(token, 0)).toBe(rawHeader);
      expect(segment(token, 1)).toBe(rawPayload);
      expect(await verifiesWith(issuer, token, kid)).toBe(true);
      const bytes = Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]); // '{' + invalid UTF-8 + '}'
      const raw = await issuer.sign({ rawHeader, rawPayload: { base64url: bytes.toString('base64url') } });
      expect(Buffer.from(raw.token.split('.')[1]!, 'base64url')).toEqual(bytes);
      expect(await verifiesWith(issuer, raw.token, raw.kid)).toBe(true);
    });

    it('keeps a real signature under a lying header (alg none) and empty claims', async () => {
      const { token, kid } = await issuer.sign({ header: { alg: 'none' } });
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'none' });
      expect(segment(token, 1)).toBe('{}');
      expect(await verifiesWith(issuer, token, kid)).toBe(true);
    });

    it('signs with a named algorithm or kid, and refuses a kid/alg mismatch', async () => {
      const es = (await issuer.keys()).find((k) => k.alg === 'ES256')!;
      const byAlg = await issuer.sign({ key: { alg: 'ES256' }, claims: {} });
      expect(byAlg).toMatchObject({ kid: es.kid, alg: 'ES256' });
      expect(await verifiesWith(issuer, byAlg.token, es.kid)).toBe(true);
      const byKid = await issuer.sign({ key: { kid: es.kid }, header: { alg: 'ES256', kid: es.kid }, claims: { sub: 'k' }, defaults: true });
      await jwtVerify(byKid.token, createRemoteJWKSet(new URL(issuer.jwksUrl)), { issuer: issuer.issuer, audience: issuer.audience });
      await expect(issuer.sign({ key: { kid: es.kid, alg: 'EdDSA' } })).rejects.toThrow(/400/);
      await expect(issuer.sign({ key: { alg: 'RS256' } })).rejects.toThrow(/409.*rotate one in first/);
      await expect(issuer.sign({ key: { kid: 'no-such-kid' } })).rejects.toThrow(/404/);
    });

    it('rejects malformed requests with a message that names the field', async () => {
      await expect(issuer.sign({ claims: 'x' } as never)).rejects.toThrow(/400.*claims/);
      await expect(issuer.sign({ bogus: 1 } as never)).rejects.toThrow(/400.*bogus/);
    });
  });

  describe('keys', () => {
    it('rotate: the new key signs the next /token, the previous stays published', async () => {
      const user = await issuer.createUser();
      const before = decodeProtectedHeader(await issuer.tokenFor(user)).kid!;
      const rotated = await issuer.rotate();
      expect(rotated).toMatchObject({ alg: 'EdDSA', signing: true, published: true, expiresAt: null });
      const after = decodeProtectedHeader(await issuer.tokenFor(user)).kid;
      expect(after).toBe(rotated.kid);
      expect(after).not.toBe(before);
      expect(await jwksKids(issuer)).toEqual(expect.arrayContaining([before, rotated.kid]));
      // A token from the old key still verifies while the key is published.
      const old = await issuer.sign({ key: { kid: before }, header: { alg: 'EdDSA', kid: before }, claims: { sub: 's' }, defaults: true });
      await jwtVerify(old.token, createRemoteJWKSet(new URL(issuer.jwksUrl)), { issuer: issuer.issuer, audience: issuer.audience });
    });

    it('retire: the key stops signing, stays published within the grace period', async () => {
      const current = await issuer.signingKey();
      const retired = await issuer.retireKey(current.kid);
      expect(retired).toMatchObject({ kid: current.kid, signing: false, published: true });
      expect(retired.expiresAt).not.toBeNull();
      expect(await jwksKids(issuer)).toContain(current.kid);
      const next = decodeProtectedHeader(await issuer.tokenFor(await issuer.createUser())).kid;
      expect(next).not.toBe(current.kid);
      expect((await issuer.keys()).find((k) => k.kid === next)).toMatchObject({ signing: true, alg: 'EdDSA' });
    });

    it('remove: the key leaves the JWKS at once', async () => {
      const victim = (await issuer.rotate()).kid;
      expect(await jwksKids(issuer)).toContain(victim);
      await issuer.removeKey(victim);
      expect(await jwksKids(issuer)).not.toContain(victim);
      expect((await issuer.keys()).map((k) => k.kid)).not.toContain(victim);
      await expect(issuer.removeKey(victim)).rejects.toThrow(/404/);
    });

    it("rotate with a chosen kid: Better Auth's /token signs under it, its JWKS publishes it, and a kid it has is refused", async () => {
      const kid = `chosen-${Date.now()}`;
      const chosen = await issuer.rotate(undefined, kid);
      expect(chosen).toMatchObject({ kid, alg: 'EdDSA', signing: true, published: true });
      const token = await issuer.tokenFor(await issuer.createUser());
      expect(decodeProtectedHeader(token).kid).toBe(kid);
      await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), { issuer: issuer.issuer, audience: issuer.audience });
      await expect(issuer.rotate(undefined, kid)).rejects.toThrow(/409.*already has a key with kid/);
      await issuer.removeKey(kid);
      expect(decodeProtectedHeader(await issuer.tokenFor(await issuer.createUser())).kid).not.toBe(kid);
    });

    it('rotate with another algorithm adds a key of it without changing the /token key', async () => {
      const signingBefore = (await issuer.signingKey()).kid;
      const rs = await issuer.rotate('RS256');
      expect(rs).toMatchObject({ alg: 'RS256', signing: false, publicJwk: { kty: 'RSA' } });
      expect(await jwksKids(issuer)).toContain(rs.kid);
      expect(decodeProtectedHeader(await issuer.tokenFor(await issuer.createUser())).kid).toBe(signingBefore);
    });
  });

  describe('control authentication', () => {
    const routes: [string, string][] = [
      ['GET', '/keys'],
      ['POST', '/keys'],
      ['POST', '/sign'],
      ['PUT', '/jwks/fault'],
      ['GET', '/jwks/fetches'],
      ['DELETE', '/jwks/fetches'],
      ['POST', '/users/x/revoke-sessions'],
      ['DELETE', '/users/x'],
      ['GET', ''],
    ];
    it('answers 401 without the plugin token, and with a wrong one, on every route; guessing is throttled after 20 a minute', async () => {
      let attempts = 0;
      for (const [method, path] of routes) {
        for (const token of [undefined, 'wrong-token', 'x'.repeat(43)]) {
          const res = await fetch(`${issuer.url}${CONTROL}${path}`, {
            method,
            headers: { ...(token ? { [CONTROL_TOKEN_HEADER]: token } : {}), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
            ...(method === 'GET' ? {} : { body: '{}' }),
          });
          // From one address: the 21st wrong token within a minute is refused before it is compared.
          if (++attempts > 20) {
            expect(res.status, `${method} ${path} with ${token ?? 'no token'}`).toBe(429);
            continue;
          }
          expect(res.status, `${method} ${path} with ${token ?? 'no token'}`).toBe(401);
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        }
      }
    });
  });

  describe('users', () => {
    it('sign-out ends the session: /token then refuses it, and sign-in gives a new one', async () => {
      const user = await issuer.createUser();
      await issuer.tokenFor(user);
      await issuer.signOut(user);
      await expect(issuer.tokenFor(user)).rejects.toThrow(/401/);
      const again = await issuer.signIn(user);
      expect(decodeJwt(await issuer.tokenFor(again)).sub).toBe(user.id);
    });

    it('revokeSessions ends every session of one user and no other', async () => {
      const a = await issuer.createUser();
      const a2 = await issuer.signIn(a);
      const b = await issuer.createUser();
      await issuer.revokeSessions(a);
      await expect(issuer.tokenFor(a)).rejects.toThrow(/401/);
      await expect(issuer.tokenFor(a2)).rejects.toThrow(/401/);
      expect(decodeJwt(await issuer.tokenFor(b)).sub).toBe(b.id);
    });

    it('deleteUser removes the user: sign-in fails, and a second delete is a 404', async () => {
      const user = await issuer.createUser();
      await issuer.deleteUser(user);
      await expect(issuer.tokenFor(user)).rejects.toThrow(/401/);
      await expect(issuer.signIn(user)).rejects.toThrow(/401/);
      await expect(issuer.deleteUser(user)).rejects.toThrow(/404/);
    });
  });
});

describe('control endpoints without a plugin token', () => {
  it('are not mounted at all when the issuer was not started by the harness', async () => {
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const { ensureIssuerBundle } = await import('../../harness/issuer/bundle.js');
    const bundle = await ensureIssuerBundle();
    // Exits with this test's worker even if the test times out: it watches its stdin.
    const child = spawn(process.execPath, [bundle.file], { env: { PATH: process.env.PATH, PORT: '0', BA_ISSUER_EXIT_WITH_STDIN: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        setTimeout(() => reject(new Error('the app did not print its ready line within 10 s')), 10_000).unref();
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line.includes('"ready"')) resolve((JSON.parse(line) as { port: number }).port);
        });
      });
      const res = await get(`http://127.0.0.1:${port}${CONTROL}/keys`);
      expect(res.status).toBe(404);
      expect((await get(`http://127.0.0.1:${port}/api/auth/jwks`)).status).toBe(200);
    } finally {
      child.kill();
    }
  });
});

describe('users from a seed', () => {
  it('are the same Faker users, signed up through Better Auth, on two issuers with the same seed, but for their passwords (random: the seed in a report must not give them away)', async () => {
    const [a, b] = await Promise.all([startIssuer({ mode: 'process', seed: 12345 }), startIssuer({ mode: 'process', seed: 12345 })]);
    try {
      const [ua, ub] = [await a.createUser(), await b.createUser()];
      expect({ name: ua.name, email: ua.email }).toEqual({ name: ub.name, email: ub.email });
      expect(ua.password).not.toBe(ub.password);
      expect(ua.email).toMatch(/^[a-z0-9._-]+\.1@example\.test$/);
      expect(ua.id).not.toBe(ub.id); // ids come from Better Auth, not from the seed
      expect(decodeJwt(await a.tokenFor(ua))).toMatchObject({ sub: ua.id, email: ua.email, name: ua.name });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
