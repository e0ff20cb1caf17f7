// A small JSON-over-HTTP client on undici, with a timeout on every request (a published Docker
// port can accept a connection and never answer) and, where the server is not the harness's own,
// a cap on every body (a 300 MB JWKS must not take the harness's memory with it).
import { Agent, request } from 'undici';
import { readCapped } from './target/body.js';
import { hasScheme, targetUrl } from './target/origin.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpRequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (with its own content-type header), instead of `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Safe to send again (no effect beyond its answer): retried once if the connection was reset under it. */
  idempotent?: boolean;
  /** The largest body read; a longer one throws ResponseTooLarge. Default: the client's, else unbounded. */
  maxBodyBytes?: number;
}

export interface HttpClientOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** PEM certificate(s) trusted for TLS, instead of Node's bundled CAs. */
  ca?: string;
}

/** A body over the cap: not read further, the connection closed. */
export class ResponseTooLarge extends Error {
  constructor(
    readonly url: string,
    readonly limitBytes: number,
  ) {
    super(`the answer of ${url} is larger than ${limitBytes} bytes`);
  }
}

/** The connection was closed or reset under the request (not an answer of the server's). */
export function isConnectionReset(err: unknown): boolean {
  const codes = [err, (err as { cause?: unknown })?.cause].map((e) => (e as { code?: string } | undefined)?.code);
  return codes.some((code) => code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET');
}

export class HttpClient {
  private readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    private readonly defaults: HttpClientOptions = {},
  ) {
    this.agent = new Agent({ keepAliveTimeout: 4_000, connections: 32, ...(defaults.ca ? { connect: { ca: defaults.ca } } : {}) });
  }

  /**
   * A kept-alive connection the server closed under the request (its keep-alive timer racing ours on a
   * loaded machine) is retried once on a connection of its own, for a request safe to repeat: GET,
   * HEAD, or one the caller marks `idempotent`.
   */
  async send(method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    try {
      return await this.sendOn(this.agent, method, path, options);
    } catch (err) {
      if (!(options.idempotent || method === 'GET' || method === 'HEAD') || !isConnectionReset(err)) throw err;
      const fresh = new Agent({ connections: 1, ...(this.defaults.ca ? { connect: { ca: this.defaults.ca } } : {}) });
      try {
        return await this.sendOn(fresh, method, path, options);
      } finally {
        void fresh.destroy();
      }
    }
  }

  private async sendOn(dispatcher: Agent, method: string, path: string, options: HttpRequestOptions): Promise<HttpResponse> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? 10_000;
    const cap = options.maxBodyBytes ?? this.defaults.maxBodyBytes;
    const hasBody = options.body !== undefined;
    const raw = options.rawBody;
    // A full URL is the caller's choice (a JWKS URL of its own); a path stays on baseUrl's origin, which
    // "//other-host/x" would replace: refused here, before anything (a password in a sign-in body) is sent.
    const url = hasScheme(path) ? new URL(path) : targetUrl(this.baseUrl, path);
    const res = await request(url, {
      method: method as 'GET',
      dispatcher,
      headers: {
        ...this.defaults.headers,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(hasBody ? { body: JSON.stringify(options.body) } : raw !== undefined ? { body: raw } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (cap === undefined) return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    // A declared length over the cap fails before a byte is read; an undeclared one when the cap is reached.
    if (Number(res.headers['content-length']) > cap) {
      res.body.destroy();
      throw new ResponseTooLarge(url.href, cap);
    }
    const body = await readCapped(res.body, cap);
    if (body.truncatedAt !== undefined) throw new ResponseTooLarge(url.href, cap);
    return { status: res.statusCode, headers: res.headers, text: body.text };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** The `name=value` pairs of Set-Cookie headers, as a Cookie header value. */
export function cookieHeaderFrom(setCookie: string | string[] | undefined): string {
  const all = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  return all.map((c) => c.split(';', 1)[0]!.trim()).filter(Boolean).join('; ');
}
