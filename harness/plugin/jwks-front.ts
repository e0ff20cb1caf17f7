// Sits in front of Better Auth's JWKS endpoint: logs every fetch, and answers with the configured
// fault instead of the real key set. With no fault the request goes to Better Auth untouched. It
// speaks Web Requests and Responses only, so it works wherever Better Auth runs (Node, Next.js, Bun).
import type { JwksFault, JwksFetch } from '../issuer/protocol.js';

const FETCH_LOG_LIMIT = 20_000;
/**
 * The request headers a fetch is logged with: what the checks read (host, accept, the client's name)
 * and what shows a client's caching. Never a cookie or an Authorization header of another consumer of
 * a team's JWKS, and never an unbounded value: the log lives in the server's memory.
 */
const LOGGED_HEADERS = ['host', 'user-agent', 'accept', 'accept-encoding', 'cache-control', 'if-none-match', 'if-modified-since', 'x-forwarded-for'];
const HEADER_VALUE_LIMIT = 256;
const INVALID_JSON = '{"keys":[{"kty":"OKP","crv":"Ed25519","x":';
const HTML_PAGE = '<!doctype html><html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>';

export type KeySet = { keys: unknown[] };

export class JwksFront {
  private fault: JwksFault | null = null;
  private log: JwksFetch[] = [];
  private seq = 0;
  /** What ends a response a fault still holds (a hang, a trickle): run when the fault changes. */
  private readonly held = new Set<() => void>();

  /** Sets or clears the fault; responses a previous fault still holds (hang, slow) are cut, so no fault outlives its check. */
  setFault(fault: JwksFault | null): void {
    this.fault = fault;
    for (const release of [...this.held]) release();
    this.held.clear();
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

  /** When the suite last used the plugin: fetches are logged only while a run is under way. */
  private activeUntil = 0;

  /** The suite is using the plugin: log the JWKS fetches for the next `forMs`. */
  keepLogging(forMs: number): void {
    this.activeUntil = Math.max(this.activeUntil, Date.now() + forMs);
  }

  /** Records the fetch (while a run is under way) and picks the fault for it, counting down a limited fault. */
  private record(request: Request, applyFaults: boolean, clientAddress: string): JwksFault | null {
    const fault = applyFaults ? this.fault : null;
    if (fault === null && Date.now() > this.activeUntil) return null;
    if (fault?.remaining !== undefined) {
      const remaining = fault.remaining - 1;
      this.fault = remaining > 0 ? { ...fault, remaining } : null;
    }
    const now = Date.now();
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    for (const name of LOGGED_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers[name] = value.slice(0, HEADER_VALUE_LIMIT);
    }
    this.log.push({
      seq: ++this.seq,
      at: new Date(now).toISOString(),
      epochMs: now,
      method: request.method,
      path: `${url.pathname}${url.search}`,
      remoteAddress: clientAddress,
      userAgent: request.headers.get('user-agent')?.slice(0, HEADER_VALUE_LIMIT) ?? null,
      headers,
      fault: fault?.kind ?? null,
    });
    if (this.log.length > FETCH_LOG_LIMIT) this.log.splice(0, this.log.length - FETCH_LOG_LIMIT);
    return fault;
  }

  /**
   * Handles a JWKS request: the Response of its fault, or undefined when Better Auth should answer
   * it. `applyFaults` is false for the redirect target, which always serves the real set.
   * `realKeySet` is Better Auth's own answer, for the faults that alter it; `clientAddress` the
   * client's address as the server can tell it ('' when it cannot: no evidence either way).
   */
  async answer(request: Request, applyFaults: boolean, realKeySet: () => Promise<KeySet>, clientAddress: string): Promise<Response | undefined> {
    const fault = this.record(request, applyFaults, clientAddress);
    if (!fault) return undefined;
    switch (fault.kind) {
      case 'status':
        return send(fault.status ?? 503, fault.contentType ?? 'application/json', fault.body ?? '{"error":"unavailable"}');
      case 'hang':
        // No status line, ever: the answer is held until the fault changes, then the connection is cut.
        return new Promise<Response>((resolve) => this.held.add(() => resolve(reset())));
      case 'slow':
        return this.trickle(Buffer.from(JSON.stringify(await realKeySet())), fault.bytesPerChunk ?? 1, fault.intervalMs ?? 100);
      case 'invalid-json':
        return send(200, 'application/json', INVALID_JSON);
      case 'empty-keys':
        return send(200, 'application/json', '{"keys":[]}');
      case 'html':
        return send(200, 'text/html; charset=utf-8', HTML_PAGE);
      case 'redirect':
        return new Response(null, { status: fault.status ?? 302, headers: { location: fault.location, 'content-length': '0' } });
      case 'extra-keys': {
        const real = (await realKeySet()).keys;
        const keys = fault.position === 'before' ? [...fault.keys, ...real] : [...real, ...fault.keys];
        return send(200, 'application/json', JSON.stringify({ keys }));
      }
      case 'reset':
        return reset();
      case 'decorate': {
        const keys = (await realKeySet()).keys.map((k) => ({ ...(k as object), ...fault.fields }));
        return send(200, 'application/json', JSON.stringify({ keys }));
      }
      case 'huge':
        return send(200, 'application/json', paddedKeySet((await realKeySet()).keys, fault.bytes));
      case 'headers':
        return new Response(JSON.stringify(await realKeySet()), { status: 200, headers: { ...fault.headers, 'content-type': 'application/json' } });
    }
  }

  /** Sends the body a few bytes at a time, with the full length announced, like a congested upstream. */
  private trickle(body: Buffer, bytesPerChunk: number, intervalMs: number): Response {
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = () => clearInterval(timer);
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let offset = 0;
        const cut = () => {
          stop();
          controller.error(new Error('the slow JWKS fault was cleared'));
        };
        this.held.add(cut);
        timer = setInterval(() => {
          controller.enqueue(body.subarray(offset, offset + bytesPerChunk));
          offset += bytesPerChunk;
          if (offset >= body.length) {
            stop();
            this.held.delete(cut);
            controller.close();
          }
        }, intervalMs);
      },
      cancel: stop,
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
  }
}

/**
 * A connection closed without an answer (a network failure: reset, DNS or TLS error). The body
 * fails on its first read, and Node sends the status line only with the first byte, so the server
 * destroys the socket with nothing written. It fails only when read: a server that finds the
 * client gone cancels it instead, and a stream that had already failed would make that cancel an
 * unhandled rejection (which ends a Node process).
 */
function reset(): Response {
  const body = new ReadableStream({ pull: (controller) => controller.error(new Error('reset by the JWKS fault')) }, { highWaterMark: 0 });
  return new Response(body, { status: 200 });
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

function send(status: number, contentType: string, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) } });
}
