// Reports are artifacts many people download, so no live credential may be in one. A token keeps
// its header and claims (they are the evidence of what was sent) and its signature becomes a short
// fingerprint; session tokens, cookies and credential-named values become fingerprints; passwords a
// bare marker (a short hash of a weak password could be brute-forced). Two nets: the run's known
// secrets (what its issuers handed out: checks/secrets.ts), and patterns for what nobody registered:
// anything shaped like a JWS or JWE, credential headers, `Bearer …`, query parameters and JSON
// fields with credential names. The same secret always gets the same fingerprint within a run, so a
// reader can still tell that two requests carried the same token; fingerprints are keyed with a random
// key of the run, so they are no oracle for guessing a secret offline (a human-chosen HS256 secret,
// whose tokens keep their header and claims).
import { createHmac, randomBytes } from 'node:crypto';

export type SecretKind = 'password' | 'credential';
export interface KnownSecret {
  value: string;
  kind: SecretKind;
}

export const PASSWORD_MARK = 'redacted:password';
/** Every replacement carries one of these, so redacting twice changes nothing (and a reader can tell a redacted value). */
export const REDACTION_MARK = /\b(?:sig|jwe|redacted):(?:sha256:[0-9a-f]{12}|password)\b/;

type FingerprintKind = 'sig' | 'jwe' | 'redacted';

/** Shorter known values are not worth the risk of replacing ordinary text. */
const MIN_LENGTH: Record<SecretKind, number> = { password: 6, credential: 12 };
/** Even a configured secret this short is not replaced: it would wreck every text, and is guessed in an instant anyway. */
const ALWAYS_MIN = 4;
/** An opaque value this long in a credential position is taken for a credential. */
const OPAQUE_MIN = 16;
/** Below this a signature segment is no signature (`alg: none` variants, "AAAA"): kept, as evidence. */
const SIGNATURE_MIN = 16;

/**
 * A run of dot-separated base64url segments: a JWS has three, a JWE five (signatures may be std-base64
 * variants). It starts at "eyJ" (a JSON object's "{\"") whatever precedes it: a token right after "%3D",
 * "_" or a JSON-escaped "\n" would otherwise be read from the wrong start and not be recognised.
 */
const DOTTED = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_\-+/=]*){2,}/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Token|DPoP)([ \t]+)([^\s"'<>,;)\]]+)/gi;
// "signature": a JWS in JSON serialization (FMT-JSON-SERIALIZATION) carries its signature as a field.
const CREDENTIAL_NAME = /token|jwt|secret|passw(?:or)?d|pwd|api[_-]?key|session|cookie|credential|(?:^|[-_.])(?:auth|sid)(?:$|[-_.])|authorization|^signature$/i;
const PASSWORD_NAME = /passw(?:or)?d|pwd/i;
const PARAM = /(^|[?&;,\s])([\w.-]+)(=)([^&#;,\s"'<>]+)/g;
const JSON_FIELD = /("([\w.-]+)"\s*:\s*")((?:[^"\\]|\\.)*)"/g;

function decodedSegment(segment: string): string | undefined {
  if (segment.length === 0) return undefined;
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  return text.trimStart().startsWith('{') ? text : undefined;
}

/** A JWS or JWE (its first segment decodes to a JSON object), whatever its signature. */
export function looksLikeJose(value: string): boolean {
  const parts = value.split('.');
  return parts.length >= 3 && /^[A-Za-z0-9_-]+$/.test(parts[0]!) && decodedSegment(parts[0]!) !== undefined;
}

const joinLines = (value: string, each: (line: string) => string) => value.split('\n').map(each).join('\n');

export class Redactor {
  /** The run's key for fingerprints: never written anywhere. */
  private readonly key = randomBytes(32);
  private readonly known = new Map<string, SecretKind>();
  /** The known secrets by their first two characters, longest first (a run may know thousands: one regex of them all is slow). */
  private index: Map<number, string[]> | undefined;
  private shortest = Infinity;

  constructor(secrets: Iterable<KnownSecret & { always?: boolean }> = []) {
    this.add(secrets);
  }

  /**
   * Secrets to replace wherever they appear, in every form a request can carry them (as is, percent-
   * encoded, form-encoded). `always` takes one however short (a configured secret is a secret at any length).
   */
  add(secrets: Iterable<KnownSecret & { always?: boolean }>): void {
    for (const { value, kind, always } of secrets) {
      if (value.length < (always ? ALWAYS_MIN : MIN_LENGTH[kind])) continue;
      // A password outranks a credential of the same text: its marker gives nothing away.
      for (const form of new Set([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)])) {
        if (this.known.get(form) !== 'password') this.known.set(form, kind);
        this.shortest = Math.min(this.shortest, form.length);
      }
      this.index = undefined;
    }
  }

  /** A short, keyed fingerprint of `value`: the same within this run, useless for guessing it. */
  fingerprint(value: string, kind: FingerprintKind = 'redacted'): string {
    return `${kind}:sha256:${createHmac('sha256', this.key).update(value).digest('hex').slice(0, 12)}`;
  }

  /** `text` with every token's signature, known secret and credential-looking value replaced. */
  text(text: string, depth = 0): string {
    if (text.length === 0) return text;
    let out = text.replace(DOTTED, (run) => this.jose(run, depth));
    out = this.knownSecrets(out);
    out = out.replace(AUTH_SCHEME, (all, scheme: string, space: string, value: string) => `${scheme}${space}${this.opaque(value)}`);
    out = out.replace(PARAM, (all, lead: string, name: string, eq: string, value: string) => (CREDENTIAL_NAME.test(name) ? `${lead}${name}${eq}${this.named(name, value, 8)}` : all));
    return out.replace(JSON_FIELD, (all, open: string, name: string, value: string) => (CREDENTIAL_NAME.test(name) ? `${open}${this.named(name, value, 8)}"` : all));
  }

  /** Request or response headers: each value as text, then by what the header carries. */
  headers<T extends Record<string, string | string[]>>(headers: T): T {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      const each = (v: string) => this.header(name.toLowerCase(), this.text(v));
      out[name] = Array.isArray(value) ? value.map(each) : each(value);
    }
    return out as T;
  }

  /** A deep copy of `value` with every string redacted, and every `headers` object by header. */
  value<T>(value: T): T {
    return this.walk(value, undefined) as T;
  }

  private walk(value: unknown, key: string | undefined): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, undefined));
    if (value === null || typeof value !== 'object') return value;
    if (key === 'headers') return this.headers(value as Record<string, string | string[]>);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.walk(v, k)]));
  }

  private header(name: string, value: string): string {
    if (name === 'authorization' || name === 'proxy-authorization') {
      // The scheme and the exact whitespace stay: odd spacing is what some checks send.
      return joinLines(value, (line) => {
        const [, scheme = '', space = '', credentials = ''] = /^(\S*)(\s+)([\s\S]*)$/.exec(line) ?? [];
        return space ? `${scheme}${space}${this.opaque(credentials)}` : this.opaque(line);
      });
    }
    if (name === 'cookie') return value.split(';').map((pair) => this.cookiePair(pair)).join(';');
    if (name === 'set-cookie') {
      const [first = '', ...attributes] = value.split(';');
      return [this.cookiePair(first), ...attributes].join(';');
    }
    if (name !== 'www-authenticate' && CREDENTIAL_NAME.test(name)) return joinLines(value, (line) => this.opaque(line));
    return value;
  }

  private cookiePair(pair: string): string {
    const eq = pair.indexOf('=');
    if (eq === -1) return pair;
    return `${pair.slice(0, eq + 1)}${this.named(pair.slice(0, eq), pair.slice(eq + 1), 8)}`;
  }

  /** A value in a credential position: a fingerprint unless it is short, already redacted, or a token (whose signature is already). */
  private opaque(value: string, min = OPAQUE_MIN): string {
    if (value.length < min || REDACTION_MARK.test(value) || looksLikeJose(value)) return value;
    return this.fingerprint(value);
  }

  private named(name: string, value: string, min: number): string {
    if (PASSWORD_NAME.test(name) && value.length > 0 && !REDACTION_MARK.test(value)) return PASSWORD_MARK;
    return this.opaque(value, min);
  }

  /** A JWS keeps header and payload, its signature a fingerprint; a JWE keeps its header. Claims holding a known secret are re-encoded redacted. */
  private jose(run: string, depth: number): string {
    const parts = run.split('.');
    if (!/^[A-Za-z0-9_-]+$/.test(parts[0]!)) return run;
    const header = decodedSegment(parts[0]!);
    if (header === undefined) return run;
    const segment = (part: string) => {
      const decoded = depth < 2 ? decodedSegment(part) : undefined;
      if (decoded === undefined) return part;
      const redacted = this.text(decoded, depth + 1);
      return redacted === decoded ? part : Buffer.from(redacted).toString('base64url');
    };
    if (parts.length === 5 && /"enc"\s*:/.test(header)) return `${segment(parts[0]!)}.${this.fingerprint(parts.slice(1).join('.'), 'jwe')}`;
    const [head, payload, signature, ...rest] = parts as [string, string, string, ...string[]];
    const sig = signature.length < SIGNATURE_MIN ? signature : this.fingerprint(signature, 'sig');
    return [segment(head), segment(payload), sig, ...rest].join('.');
  }

  private knownSecrets(text: string): string {
    if (this.known.size === 0 || text.length < this.shortest) return text;
    const pair = (s: string, i: number) => (s.charCodeAt(i) << 16) | s.charCodeAt(i + 1);
    if (!this.index) {
      this.index = new Map();
      for (const secret of [...this.known.keys()].sort((a, b) => b.length - a.length)) {
        this.index.set(pair(secret, 0), [...(this.index.get(pair(secret, 0)) ?? []), secret]);
      }
    }
    let out = '';
    let copied = 0;
    for (let i = 0; i <= text.length - this.shortest; ) {
      const secret = this.index.get(pair(text, i))?.find((s) => text.startsWith(s, i));
      if (!secret) {
        i++;
        continue;
      }
      out += text.slice(copied, i) + (this.known.get(secret) === 'password' ? PASSWORD_MARK : this.fingerprint(secret));
      i += secret.length;
      copied = i;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }
}
