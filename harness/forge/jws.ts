// JWS compact serialization over exact bytes (RFC 7515 §3.1, §7.1), signed with node:crypto per
// RFC 7518 §3. jose cannot do this: it refuses headers whose `alg` does not match the key, and the
// suite needs exactly those tokens. The issuer app signs with it too.
import { constants, createHmac, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type AsymmetricAlg = 'EdDSA' | 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512';
export type HmacAlg = 'HS256' | 'HS384' | 'HS512';

export const b64u = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');
export const fromB64u = (segment: string): Buffer => Buffer.from(segment, 'base64url');

/** `base64url(header).base64url(payload)`; strings are the exact JSON text, byte arrays the exact bytes. */
export function signingInput(header: object | string | Uint8Array, payload: object | string | Uint8Array): string {
  const json = (v: object | string | Uint8Array) => (typeof v === 'string' || v instanceof Uint8Array ? v : JSON.stringify(v));
  return `${b64u(json(header))}.${unencodedPayload(header) ? Buffer.from(json(payload)).toString('utf8') : b64u(json(payload))}`;
}

/**
 * RFC 7797: a header with b64: false, listed in crit, signs the payload as it is, not base64url-encoded
 * (and the compact form carries it so: it must then hold no "."). FMT-B64-FALSE sends such a token.
 */
function unencodedPayload(header: object | string | Uint8Array): boolean {
  if (typeof header === 'string' || header instanceof Uint8Array) return false;
  const { b64, crit } = header as { b64?: unknown; crit?: unknown };
  return b64 === false && Array.isArray(crit) && crit.includes('b64');
}

export function signBytes(alg: AsymmetricAlg, key: KeyObject, data: Buffer): Buffer {
  const hash = `sha${alg.slice(2)}`;
  switch (alg) {
    case 'EdDSA':
      return cryptoSign(null, data, key);
    case 'ES256':
    case 'ES384':
    case 'ES512':
      return cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return cryptoSign(hash, data, key);
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  }
}

export function hmac(alg: HmacAlg, key: string | Uint8Array, data: string): Buffer {
  return createHmac(`sha${alg.slice(2)}`, key).update(data).digest();
}

/** A complete compact JWS signed with an asymmetric key. */
export function signCompact(alg: AsymmetricAlg, key: KeyObject, header: object | string, payload: object | string): string {
  const input = signingInput(header, payload);
  return `${input}.${b64u(signBytes(alg, key, Buffer.from(input)))}`;
}

/** A complete compact JWS with an HMAC signature. */
export function hmacCompact(alg: HmacAlg, key: string | Uint8Array, header: object | string, payload: object | string): string {
  const input = signingInput(header, payload);
  return `${input}.${b64u(hmac(alg, key, input))}`;
}
