// Pure transformations of compact tokens into the variants the checks send. Nothing here does I/O;
// tokens that need a valid signature over chosen claims come from the issuer's sign operation.
import { b64u, fromB64u } from './jws.js';

export interface Segments {
  header: string;
  payload: string;
  signature: string;
}

export function split(token: string): Segments {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return { header, payload, signature };
}

export const join = (s: Segments): string => `${s.header}.${s.payload}.${s.signature}`;

export function decodeSegment<T = Record<string, unknown>>(segment: string): T {
  return JSON.parse(fromB64u(segment).toString('utf8')) as T;
}

/** New claims over the original header and signature (the signature no longer matches). */
export function withClaims(token: string, change: (claims: Record<string, unknown>) => Record<string, unknown>): string {
  const s = split(token);
  return join({ ...s, payload: b64u(JSON.stringify(change(decodeSegment(s.payload)))) });
}

/** A new header over the original payload and signature. */
export function withHeader(token: string, change: (header: Record<string, unknown>) => Record<string, unknown>): string {
  const s = split(token);
  return join({ ...s, header: b64u(JSON.stringify(change(decodeSegment(s.header)))) });
}

/** Same length, every byte XOR 0x5A. */
export function flipSignature(token: string): string {
  const s = split(token);
  return join({ ...s, signature: b64u(fromB64u(s.signature).map((b) => b ^ 0x5a)) });
}

/** The signature with `bytes` removed (negative) or appended (positive). */
export function resizeSignature(token: string, bytes: number): string {
  const s = split(token);
  const sig = fromB64u(s.signature);
  const resized = bytes < 0 ? sig.subarray(0, sig.length + bytes) : Buffer.concat([sig, Buffer.alloc(bytes, 0x41)]);
  return join({ ...s, signature: b64u(resized) });
}

/** `h.p.`: the signature segment emptied. */
export const stripSignature = (token: string): string => join({ ...split(token), signature: '' });

/** An unsecured JWS (RFC 7519 §6): the given header, the token's claims, an empty signature. */
export function unsecured(token: string, header: Record<string, unknown>, keepSignature = false): string {
  const s = split(token);
  return join({ header: b64u(JSON.stringify(header)), payload: s.payload, signature: keepSignature ? s.signature : '' });
}

/**
 * Whole seconds the backend's clock is ahead of this machine's (harness/target/clock.ts), so that every
 * token time the forge and the checks set is on the backend's clock. Set once per worker, from the run,
 * before any check (harness/checks/suite.ts); 0 where the clocks agree or it could not be measured.
 */
let backendOffsetS = 0;
export function setBackendClockOffset(seconds: number): void {
  backendOffsetS = seconds;
}

/** Now, in whole seconds, on the backend's clock. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000) + backendOffsetS;

/** How far in the past a token's iat is set: a backend that refuses an iat in its future (PyJWT, leeway 0) must not refuse it for a second of clock estimate. */
export const IAT_MARGIN_S = 5;

/** A fresh iat (a few seconds back, so no skew makes it future) and an exp ten minutes ahead, on the backend's clock. */
export function freshTimes(): { iat: number; exp: number } {
  return { iat: nowSeconds() - IAT_MARGIN_S, exp: nowSeconds() + 600 };
}

/** The claims with fresh times, so only the variant under test is wrong. */
export function freshClaims(claims: Record<string, unknown>): Record<string, unknown> {
  return { ...claims, ...freshTimes() };
}

export const headerOf = (token: string): { alg?: unknown; kid?: string } & Record<string, unknown> => decodeSegment(split(token).header);
