// Tokens from Better Auth's real /api/auth/token verify with jose against the issuer's JWKS,
// for every algorithm the jwt() plugin supports, and for several algorithms at once.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer } from '../../harness/issuer/index.js';
import { KEY_PAIR_ALGORITHMS } from '../../harness/issuer/protocol.js';
import type { Issuer } from '../../harness/issuer/index.js';
import { describeEachMode } from '../support/modes.js';

const KTY: Record<string, { kty: string; crv?: string }> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES512: { kty: 'EC', crv: 'P-521' },
  RS256: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
};

describeEachMode('tokens from /api/auth/token', (mode) => {
  // The key-pair algorithms, whose tokens verify against the JWKS (HS256 has its own shared-secret tests).
  for (const alg of KEY_PAIR_ALGORITHMS) {
    describe(alg, () => {
      let issuer: Issuer;
      beforeAll(async () => {
        issuer = await startIssuer({ mode, algorithms: [alg] });
      });
      afterAll(() => issuer?.stop());

      it('verifies with createRemoteJWKSet + jwtVerify (issuer and audience) and names the user', async () => {
        const user = await issuer.createUser();
        const token = await issuer.tokenFor(user);
        const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
        const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: issuer.issuer, audience: issuer.audience, algorithms: [alg] });
        expect(protectedHeader.alg).toBe(alg);
        expect(payload.sub).toBe(user.id);
        expect(payload.email).toBe(user.email);
        expect(payload.exp! - payload.iat!).toBe(900); // Better Auth's default 15m
        const [key] = (await issuer.keys()).filter((k) => k.kid === protectedHeader.kid);
        expect(key).toMatchObject({ alg, signing: true, published: true, publicJwk: KTY[alg] });
      });

      it('is rejected by jose for a wrong audience', async () => {
        const token = await issuer.tokenFor(await issuer.createUser());
        await expect(
          jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), { issuer: issuer.issuer, audience: 'https://other.example' }),
        ).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
      });
    });
  }

  describe('several algorithms at once, with custom issuer, audience, expiry, payload and subject', () => {
    let issuer: Issuer;
    beforeAll(async () => {
      issuer = await startIssuer({
        mode,
        algorithms: ['EdDSA', 'RS256', 'ES256'],
        issuer: 'https://auth.example.test',
        audience: ['api://orders', 'api://billing'],
        expirationTime: '1h',
        payload: { userFields: ['email'], claims: { roles: ['reader'] }, sessionIdClaim: 'sid' },
        subject: 'user:{id}',
      });
    });
    afterAll(() => issuer?.stop());

    it('publishes one key per algorithm and signs /token with the first', async () => {
      const keys = await issuer.keys();
      expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
      const user = await issuer.createUser();
      const token = await issuer.tokenFor(user);
      expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUrl)), {
        issuer: 'https://auth.example.test',
        audience: 'api://billing',
      });
      expect(Object.keys(payload).sort()).toEqual(['aud', 'email', 'exp', 'iat', 'iss', 'roles', 'sid', 'sub']);
      expect(payload).toMatchObject({ sub: `user:${user.id}`, email: user.email, roles: ['reader'], aud: ['api://orders', 'api://billing'] });
      expect(payload.exp! - payload.iat!).toBe(3600);
    });

    it('signs with each published algorithm on request, verifiable through the same JWKS', async () => {
      const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
      for (const alg of ['RS256', 'ES256'] as const) {
        const { token, alg: used } = await issuer.sign({ key: { alg }, claims: { sub: 'x' }, defaults: true });
        expect(used).toBe(alg);
        const { protectedHeader } = await jwtVerify(token, jwks, { issuer: issuer.issuer, audience: 'api://orders' });
        expect(protectedHeader.alg).toBe(alg);
      }
    });
  });
});
