// Attacker-side key material: keys the backend must never trust, and every spelling of the issuer's
// public key that HMAC key-confusion attacks (CVE-2015-9235, CVE-2022-29217, CVE-2024-33663, and
// 2026's PyJWT and fast-jwt advisories: JWKs, key sets, prefixed PEM) use as a secret.
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

/** What the JWKS endpoint served, for the forms a verifier may take whole from it (PyJWT < 2.13 keyed HMAC with a JWKS or a JWK array). */
export interface ServedKeySet {
  /** The JWKS body exactly as served. */
  text: string;
}

/** The members RFC 7638 hashes, per key type: a JWK written canonically has these alone, sorted. */
const THUMBPRINT_MEMBERS: Record<string, string[]> = { OKP: ['crv', 'kty', 'x'], EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] };

/**
 * The forms in which a verifier might load the issuer's public key, each usable as an HMAC secret:
 * the JWK (as served, canonical, in an array), the whole JWKS as served, PEM (with the prefixes that
 * made fast-jwt's and PyJWT's public-key detection miss it: a BOM, a zero-width space, a comment
 * line), DER and its base64, and the raw key for OKP. Identical spellings are tried once.
 */
export function publicKeySecrets(jwk: Record<string, unknown>, served?: ServedKeySet): { label: string; secret: Buffer }[] {
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const spki = key.export({ type: 'spki', format: 'pem' }).toString();
  const der = key.export({ type: 'spki', format: 'der' });
  const canonical = Object.fromEntries((THUMBPRINT_MEMBERS[String(jwk.kty)] ?? []).map((m) => [m, jwk[m]]));
  const forms = [
    { label: 'JWK JSON', secret: Buffer.from(JSON.stringify(jwk)) },
    { label: 'SPKI PEM', secret: Buffer.from(spki) },
    { label: 'SPKI PEM without trailing newline', secret: Buffer.from(spki.trimEnd()) },
    { label: 'SPKI DER', secret: der },
    { label: 'canonical JWK (RFC 7638 members, sorted)', secret: Buffer.from(JSON.stringify(canonical)) },
    { label: 'base64 of the SPKI DER', secret: Buffer.from(der.toString('base64')) },
    { label: 'SPKI PEM after a UTF-8 BOM', secret: Buffer.from(`\ufeff${spki}`) },
    { label: 'SPKI PEM after a zero-width space', secret: Buffer.from(`\u200b${spki}`) },
    { label: 'SPKI PEM after a comment line', secret: Buffer.from(`# issuer public key\n${spki}`) },
  ];
  if (served) {
    const member = servedMember(served.text, jwk.kid);
    forms.push({ label: 'the JWKS exactly as served', secret: Buffer.from(served.text) });
    if (member !== undefined) forms.push({ label: 'the JWK as served', secret: Buffer.from(JSON.stringify(member)) }, { label: 'a JWK array of the key as served', secret: Buffer.from(JSON.stringify([member])) });
    // What a Python app hands PyJWT after json.dumps (its default separators, ", " and ": "), as served and with sort_keys.
    const keySet = parsedJson(served.text);
    for (const sortKeys of [false, true]) {
      const how = sortKeys ? "Python's json.dumps(..., sort_keys=True)" : "Python's json.dumps";
      if (member !== undefined) forms.push({ label: `the JWK as ${how} writes it`, secret: Buffer.from(pythonJsonDumps(member, sortKeys)) }, { label: `a JWK array as ${how} writes it`, secret: Buffer.from(pythonJsonDumps([member], sortKeys)) });
      if (keySet !== undefined) forms.push({ label: `the JWKS as ${how} writes it`, secret: Buffer.from(pythonJsonDumps(keySet, sortKeys)) });
    }
  }
  if (jwk.kty === 'OKP' && typeof jwk.x === 'string') {
    const raw = Buffer.from(jwk.x, 'base64url');
    forms.push({ label: 'raw Ed25519 x (32 bytes)', secret: raw }, { label: 'base64url x', secret: Buffer.from(jwk.x) }, { label: 'OpenSSH ssh-ed25519', secret: Buffer.from(openSshEd25519(raw)) });
  }
  if (jwk.kty === 'RSA') forms.push({ label: 'PKCS#1 PEM', secret: Buffer.from(key.export({ type: 'pkcs1', format: 'pem' }).toString()) });
  const seen = new Set<string>();
  return forms.filter((f) => !seen.has(f.secret.toString('base64')) && seen.add(f.secret.toString('base64')));
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The member of a served JWKS with this kid, as served (undefined when the text is not a key set or has no such member). */
function servedMember(text: string, kid: unknown): unknown {
  const keys = (parsedJson(text) as { keys?: unknown } | undefined)?.keys;
  return Array.isArray(keys) ? keys.find((k) => typeof k === 'object' && k !== null && (k as { kid?: unknown }).kid === kid) : undefined;
}

/** JSON as Python's json.dumps writes it by default: ", " and ": " between members (JWKs are ASCII, so ensure_ascii changes nothing). */
export function pythonJsonDumps(value: unknown, sortKeys = false): string {
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v, sortKeys)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJsonDumps(v, sortKeys)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

function openSshEd25519(raw: Buffer): string {
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')}`;
}
