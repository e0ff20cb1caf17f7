// Attacker-side key material: keys the backend must never trust, and every spelling of the issuer's
// public key that HMAC key-confusion attacks (CVE-2015-9235, CVE-2022-29217, CVE-2024-33663) use as a secret.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface AttackerKey {
  alg: 'EdDSA' | 'ES256' | 'RS256';
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

export function attackerKey(alg: AttackerKey['alg']): AttackerKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, privateKey: pair.privateKey, publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), alg } };
}

/** The forms in which a verifier might load the issuer's public key, each usable as an HMAC secret. */
export function publicKeySecrets(jwk: Record<string, unknown>): { label: string; secret: Buffer }[] {
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const spki = key.export({ type: 'spki', format: 'pem' }).toString();
  const forms = [
    { label: 'JWK JSON', secret: Buffer.from(JSON.stringify(jwk)) },
    { label: 'SPKI PEM', secret: Buffer.from(spki) },
    { label: 'SPKI PEM without trailing newline', secret: Buffer.from(spki.trimEnd()) },
    { label: 'SPKI DER', secret: key.export({ type: 'spki', format: 'der' }) },
  ];
  if (jwk.kty === 'OKP' && typeof jwk.x === 'string') {
    const raw = Buffer.from(jwk.x, 'base64url');
    forms.push({ label: 'raw Ed25519 x (32 bytes)', secret: raw }, { label: 'base64url x', secret: Buffer.from(jwk.x) }, { label: 'OpenSSH ssh-ed25519', secret: Buffer.from(openSshEd25519(raw)) });
  }
  if (jwk.kty === 'RSA') forms.push({ label: 'PKCS#1 PEM', secret: Buffer.from(key.export({ type: 'pkcs1', format: 'pem' }).toString()) });
  return forms;
}

function openSshEd25519(raw: Buffer): string {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')}`;
}
