// Sits in front of Better Auth's /api/auth/jwks: logs every fetch, and answers with the configured
// fault instead of the real key set. With no fault the request goes to Better Auth untouched.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JwksFault, JwksFetch } from '../protocol.js';

const FETCH_LOG_LIMIT = 100_000;
const INVALID_JSON = '{"keys":[{"kty":"OKP","crv":"Ed25519","x":';
const HTML_PAGE = '<!doctype html><html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>';

export class JwksFront {
  private fault: JwksFault | null = null;
  private log: JwksFetch[] = [];
  private seq = 0;
  /** Responses held open by the `hang` fault; released when the server closes. */
  readonly hanging = new Set<ServerResponse>();

  constructor(private readonly realKeySet: () => Promise<{ keys: unknown[] }>) {}

  /** Responses still being trickled by the `slow` fault. */
  private readonly trickling = new Set<ServerResponse>();

  /** Sets or clears the fault; responses a previous fault still holds (hang, slow) are cut, so no fault outlives its check. */
  setFault(fault: JwksFault | null): void {
    this.fault = fault;
    for (const res of [...this.hanging, ...this.trickling]) res.destroy();
  }

  currentFault(): JwksFault | null {
    return this.fault;
  }

  fetches(sinceSeq = 0): JwksFetch[] {
    return this.log.filter((f) => f.seq > sinceSeq);
  }

  resetFetches(): void {
    this.log = [];
  }

  /** Records the fetch and picks the fault for it, counting down a limited fault. */
  private record(req: IncomingMessage, applyFaults: boolean): JwksFault | null {
    const fault = applyFaults ? this.fault : null;
    if (fault?.remaining !== undefined) {
      const remaining = fault.remaining - 1;
      this.fault = remaining > 0 ? { ...fault, remaining } : null;
    }
    const now = Date.now();
    this.log.push({
      seq: ++this.seq,
      at: new Date(now).toISOString(),
      epochMs: now,
      method: req.method ?? 'GET',
      path: req.url ?? '',
      remoteAddress: req.socket.remoteAddress ?? '',
      userAgent: req.headers['user-agent'] ?? null,
      headers: Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string | string[]] => e[1] !== undefined)),
      fault: fault?.kind ?? null,
    });
    if (this.log.length > FETCH_LOG_LIMIT) this.log.splice(0, this.log.length - FETCH_LOG_LIMIT);
    return fault;
  }

  /**
   * Handles a JWKS request. Returns false when Better Auth should answer it (no fault).
   * `applyFaults` is false for the redirect target, which always serves the real set.
   */
  async handle(req: IncomingMessage, res: ServerResponse, applyFaults: boolean): Promise<boolean> {
    const fault = this.record(req, applyFaults);
    if (!fault) {
      if (applyFaults) return false;
      send(res, 200, 'application/json', JSON.stringify(await this.realKeySet()));
      return true;
    }
    switch (fault.kind) {
      case 'status':
        send(res, fault.status ?? 503, fault.contentType ?? 'application/json', fault.body ?? '{"error":"unavailable"}');
        break;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        break;
      case 'slow':
        this.trickling.add(res);
        res.on('close', () => this.trickling.delete(res));
        trickle(res, Buffer.from(JSON.stringify(await this.realKeySet())), fault.bytesPerChunk ?? 1, fault.intervalMs ?? 100);
        break;
      case 'invalid-json':
        send(res, 200, 'application/json', INVALID_JSON);
        break;
      case 'empty-keys':
        send(res, 200, 'application/json', '{"keys":[]}');
        break;
      case 'html':
        send(res, 200, 'text/html; charset=utf-8', HTML_PAGE);
        break;
      case 'redirect':
        res.writeHead(fault.status ?? 302, { location: fault.location, 'content-length': '0' }).end();
        break;
      case 'extra-keys': {
        const real = (await this.realKeySet()).keys;
        const keys = fault.position === 'before' ? [...fault.keys, ...real] : [...real, ...fault.keys];
        send(res, 200, 'application/json', JSON.stringify({ keys }));
        break;
      }
      case 'reset':
        req.socket.destroy();
        break;
      case 'decorate': {
        const keys = (await this.realKeySet()).keys.map((k) => ({ ...(k as object), ...fault.fields }));
        send(res, 200, 'application/json', JSON.stringify({ keys }));
        break;
      }
      case 'huge':
        send(res, 200, 'application/json', paddedKeySet((await this.realKeySet()).keys, fault.bytes));
        break;
      case 'headers':
        res.writeHead(200, { ...fault.headers, 'content-type': 'application/json' }).end(JSON.stringify(await this.realKeySet()));
        break;
    }
    return true;
  }
}

/** The real keys first, then well-formed Ed25519 keys nobody signs with, up to about `bytes`. */
function paddedKeySet(real: unknown[], bytes: number): string {
  const members = real.map((k) => JSON.stringify(k));
  let size = members.reduce((n, m) => n + m.length + 1, 12);
  for (let i = 0; size < bytes; i++) {
    const member = `{"kty":"OKP","crv":"Ed25519","kid":"padding-${i}","x":"${Buffer.alloc(32, i % 251).toString('base64url')}"}`;
    members.push(member);
    size += member.length + 1;
  }
  return `{"keys":[${members.join(',')}]}`;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
}

/** Sends the body a few bytes at a time, with the full length announced, like a congested upstream. */
function trickle(res: ServerResponse, body: Buffer, bytesPerChunk: number, intervalMs: number): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  let offset = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    res.write(body.subarray(offset, offset + bytesPerChunk));
    offset += bytesPerChunk;
    if (offset >= body.length) {
      clearInterval(timer);
      res.end();
    }
  }, intervalMs);
  res.on('close', () => clearInterval(timer));
}
