// A small JSON-over-HTTP client on undici, with a timeout on every request (a published Docker
// port can accept a connection and never answer).
import { Agent, request } from 'undici';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface HttpRequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class HttpClient {
  private readonly agent = new Agent({ keepAliveTimeout: 4_000, connections: 32 });

  constructor(
    readonly baseUrl: string,
    private readonly defaults: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ) {}

  async send(method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs ?? 10_000;
    const hasBody = options.body !== undefined;
    const res = await request(new URL(path, this.baseUrl), {
      method: method as 'GET',
      dispatcher: this.agent,
      headers: {
        ...this.defaults.headers,
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
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
