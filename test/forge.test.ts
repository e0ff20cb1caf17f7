// The forge's builders, checked with independent verifiers (jose, node:crypto, X509Certificate):
// a variant that is not what its check claims would turn a vulnerable backend into a false PASS.
import { X509Certificate, createHmac, generateKeyPairSync } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../harness/forge/certificates.js';
import { hmacCompact, signCompact } from '../harness/forge/jws.js';
import type { AsymmetricAlg } from '../harness/forge/jws.js';
import { attackerKey, publicKeySecrets, pythonJsonDumps } from '../harness/forge/keys.js';
import { IAT_MARGIN_S, flipSignature, freshClaims, headerOf, resizeSignature, setBackendClockOffset, split, stripSignature, unsecured, withClaims, withHeader } from '../harness/forge/token.js';

const KEYS: [AsymmetricAlg, () => ReturnType<typeof generateKeyPairSync>][] = [
  ['EdDSA', () => generateKeyPairSync('ed25519')],
  ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['PS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
];
const segment = (s: string) => Buffer.from(s, 'base64url');

describe('signCompact', () => {
  it.each(KEYS)('%s tokens verify with jose', async (alg, pair) => {
    const { privateKey, publicKey } = pair();
    const token = signCompact(alg, privateKey, { alg, kid: 'k' }, { sub: 'a' });
    const { protectedHeader, payload } = await compactVerify(token, publicKey);
    expect(protectedHeader).toEqual({ alg, kid: 'k' });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'a' });
  });

  it('signs exact bytes, including invalid JSON', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const token = signCompact('EdDSA', privateKey, '{"alg":"EdDSA","alg":"none"}', new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(segment(split(token).header).toString()).toBe('{"alg":"EdDSA","alg":"none"}');
    expect([...segment(split(token).payload)]).toEqual([0x7b, 0xff, 0x7d]);
    await expect(compactVerify(token, publicKey)).rejects.toThrow(); // jose refuses the duplicate-alg header: that is the point
  });
});

describe('hmacCompact', () => {
  it.each(['HS256', 'HS384', 'HS512'] as const)('%s verifies with jose under the same secret', async (alg) => {
    const secret = new TextEncoder().encode('s'.repeat(64));
    const token = hmacCompact(alg, secret, { alg }, { sub: 'a' });
    await expect(compactVerify(token, secret)).resolves.toMatchObject({ protectedHeader: { alg } });
  });
});

describe('token variants', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const token = signCompact('EdDSA', privateKey, { alg: 'EdDSA', kid: 'k' }, { sub: 'a', exp: 1 });

  it('flipSignature keeps the length and changes every byte; the result no longer verifies', async () => {
    const flipped = flipSignature(token);
    const [a, b] = [segment(split(token).signature), segment(split(flipped).signature)];
    expect(b.length).toBe(a.length);
    expect(a.every((byte, i) => byte !== b[i])).toBe(true);
    await expect(compactVerify(flipped, publicKey)).rejects.toThrow();
  });

  it('resizeSignature removes or appends bytes; stripSignature empties the segment', () => {
    expect(segment(split(resizeSignature(token, -4)).signature).length).toBe(60);
    expect(segment(split(resizeSignature(token, 1)).signature).length).toBe(65);
    expect(split(stripSignature(token))).toEqual({ ...split(token), signature: '' });
  });

  it('unsecured sets the header, keeps the claims, and empties or keeps the signature', () => {
    const none = unsecured(token, { alg: 'none' });
    expect(headerOf(none)).toEqual({ alg: 'none' });
    expect(split(none).payload).toBe(split(token).payload);
    expect(split(none).signature).toBe('');
    expect(split(unsecured(token, { alg: 'none' }, true)).signature).toBe(split(token).signature);
  });

  it('withClaims and withHeader change one segment and keep the other two', () => {
    const c = withClaims(token, (x) => ({ ...x, sub: 'b' }));
    expect(JSON.parse(segment(split(c).payload).toString())).toEqual({ sub: 'b', exp: 1 });
    expect([split(c).header, split(c).signature]).toEqual([split(token).header, split(token).signature]);
    const h = withHeader(token, (x) => ({ ...x, kid: 5 }));
    expect(headerOf(h)).toEqual({ alg: 'EdDSA', kid: 5 });
    expect([split(h).payload, split(h).signature]).toEqual([split(token).payload, split(token).signature]);
  });

  it('freshClaims sets iat just past and exp ten minutes ahead, on the backend\'s clock', () => {
    const now = Math.floor(Date.now() / 1000);
    const c = freshClaims({ sub: 'a', exp: 1 });
    expect(c.sub).toBe('a');
    expect(Number(c.iat)).toBeGreaterThanOrEqual(now - IAT_MARGIN_S);
    expect(Number(c.exp)).toBeGreaterThanOrEqual(now + 600);
    try {
      setBackendClockOffset(-90);
      expect(Number(freshClaims({}).exp)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) - 90 + 600);
    } finally {
      setBackendClockOffset(0);
    }
  });
});

describe('keys and certificates', () => {
  it('attackerKey gives a signing key and the matching public JWK', async () => {
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const key = attackerKey(alg);
      const token = signCompact(alg, key.privateKey, { alg }, {});
      await expect(compactVerify(token, await importJWK(key.publicJwk, alg))).resolves.toBeTruthy();
    }
  });

  it('publicKeySecrets spells the Ed25519 key every way, each usable as an HMAC secret', () => {
    const jwk = attackerKey('EdDSA').publicJwk;
    const forms = publicKeySecrets(jwk);
    expect(forms.map((f) => f.label)).toEqual([
      'JWK JSON', 'SPKI PEM', 'SPKI PEM without trailing newline', 'SPKI DER', 'canonical JWK (RFC 7638 members, sorted)', 'base64 of the SPKI DER',
      'SPKI PEM after a UTF-8 BOM', 'SPKI PEM after a zero-width space', 'SPKI PEM after a comment line', 'raw Ed25519 x (32 bytes)', 'base64url x', 'OpenSSH ssh-ed25519',
    ]);
    const byLabel = Object.fromEntries(forms.map((f) => [f.label, f.secret.toString()]));
    expect(byLabel['canonical JWK (RFC 7638 members, sorted)']).toBe(`{"crv":"Ed25519","kty":"OKP","x":"${String(jwk.x)}"}`);
    expect(byLabel['base64 of the SPKI DER']).toBe(byLabel['SPKI PEM']!.split('\n').slice(1, -2).join(''));
    expect(forms.find((f) => f.label === 'SPKI PEM after a UTF-8 BOM')!.secret.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(byLabel['SPKI PEM']).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(byLabel['SPKI PEM without trailing newline']).toBe(byLabel['SPKI PEM']!.trimEnd());
    expect(byLabel['base64url x']).toBe(jwk.x);
    expect(byLabel['OpenSSH ssh-ed25519']).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI/);
    const token = hmacCompact('HS256', forms[1]!.secret, { alg: 'HS256' }, {});
    expect(split(token).signature).toBe(createHmac('sha256', forms[1]!.secret).update(`${split(token).header}.${split(token).payload}`).digest('base64url'));
    expect(publicKeySecrets(attackerKey('RS256').publicJwk).map((f) => f.label)).toContain('PKCS#1 PEM');
  });

  it('publicKeySecrets takes the JWKS as served, its member and that member in an array, byte for byte', () => {
    const jwk: Record<string, unknown> = { ...attackerKey('EdDSA').publicJwk, kid: 'k1' };
    const text = `{"keys":[{"alg":"EdDSA","crv":"Ed25519","x":"${String(jwk.x)}","kty":"OKP","kid":"k1"},{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"k2"}]}`;
    const byLabel = Object.fromEntries(publicKeySecrets(jwk, { text }).map((f) => [f.label, f.secret.toString()]));
    const member = `{"alg":"EdDSA","crv":"Ed25519","x":"${String(jwk.x)}","kty":"OKP","kid":"k1"}`;
    expect(byLabel['the JWKS exactly as served']).toBe(text);
    expect(byLabel['the JWK as served']).toBe(member);
    expect(byLabel['a JWK array of the key as served']).toBe(`[${member}]`);
    expect(byLabel["the JWK as Python's json.dumps writes it"]).toBe(`{"alg": "EdDSA", "crv": "Ed25519", "x": "${String(jwk.x)}", "kty": "OKP", "kid": "k1"}`);
    expect(byLabel["the JWKS as Python's json.dumps(..., sort_keys=True) writes it"]).toMatch(/^\{"keys": \[\{"alg": "EdDSA", "crv": "Ed25519", "kid": "k1", "kty": "OKP", "x": /);
    // Byte for byte what CPython writes (printed by python3 -c 'import json; print(json.dumps(v)); print(json.dumps(v, sort_keys=True))').
    const sample = { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1', keys: [1, { b: 2, a: 3 }] };
    expect(pythonJsonDumps(sample)).toBe('{"kty": "OKP", "crv": "Ed25519", "x": "abc", "kid": "k1", "keys": [1, {"b": 2, "a": 3}]}');
    expect(pythonJsonDumps(sample, true)).toBe('{"crv": "Ed25519", "keys": [1, {"a": 3, "b": 2}], "kid": "k1", "kty": "OKP", "x": "abc"}');
    // Not a key set: only the whole text is tried.
    const labels = publicKeySecrets(jwk, { text: '<html>' }).map((f) => f.label);
    expect(labels).toContain('the JWKS exactly as served');
    expect(labels).not.toContain('the JWK as served');
  });

  it('selfSignedCertificate is a valid self-signed certificate whose key signs ES256 tokens', async () => {
    const cert = await selfSignedCertificate('attacker.test');
    const x509 = new X509Certificate(cert.pem);
    expect(x509.subject).toBe('CN=attacker.test');
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(new X509Certificate(Buffer.from(cert.der, 'base64')).fingerprint256).toBe(x509.fingerprint256);
    await expect(compactVerify(signCompact('ES256', cert.privateKey, { alg: 'ES256' }, {}), x509.publicKey)).resolves.toBeTruthy();
  });
});
