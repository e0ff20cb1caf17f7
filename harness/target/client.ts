// The HTTP client for the backend under test. Every request becomes an Exchange (the evidence in
// the report): the request with its token decoded, the response status, headers and a body excerpt.
// Requests carry the run ID and check ID in the User-Agent, so findings can be matched to server logs.
// Each exchange is also counted under its check ID (checks/traffic.ts), kept as evidence or not.
import { Agent, request } from 'undici';
import type { DecodedToken, Exchange, Outcome } from '../checks/model.js';
import { countExchange } from '../checks/traffic.js';
import { valueAt } from '../json-path.js';
import { isConnectionReset } from '../http.js';
import { readCapped, truncationNote } from './body.js';
import { targetUrl } from './origin.js';
import { Slots } from './slots.js';
import { paced } from './pace.js';

const BODY_EXCERPT = 2_048;
/** Evidence keeps tokens and header values up to this many characters (DOS tokens are megabytes, or nested thousands deep). */
const EVIDENCE_LIMIT = 4_096;
const bounded = (text: string) => (text.length > EVIDENCE_LIMIT ? `${text.slice(0, EVIDENCE_LIMIT)}… (${text.length} characters)` : text);

export interface TargetSettings {
  baseUrl: string;
  protectedPath: string;
  identityPath: string | undefined;
  /** Dotted path of the subject in the identity endpoint's JSON. */
  identitySubject: string;
  timeoutMs: number;
  concurrency: number;
  /** Statuses that count as a refusal (default 400, 401, 403, 413, 431); any other non-2xx is inconclusive. */
  rejectStatuses: number[];
  /** The algorithms the team declares the backend accepts (target.algorithms), when it does. */
  algorithms?: string[];
  runId: string;
  toolVersion: string;
  /** This process's share of target.maxRps: sends are spaced to stay under it. */
  maxRps?: number;
  /** Whole seconds the backend's clock is ahead of this machine's (negative: behind), as the run measured it; 0 within the Date header's resolution. */
  clockOffsetS?: number;
}

export interface SendOptions {
  method?: string;
  path?: string;
  /** Sent as `Authorization: Bearer <token>` unless `authorization` is given. */
  token?: string;
  /** The exact Authorization header value; null sends none. */
  authorization?: string | null;
  headers?: Record<string, string>;
  /** Extra header lines sent as given, duplicates included (e.g. two Authorization headers). */
  rawHeaders?: [string, string][];
  /** This request's timeout instead of the configured one (a check that measures how long an outage makes the backend wait). */
  timeoutMs?: number;
  /** The JWKS fault the issuer served while this request was made (recorded as evidence; ERR-NO-5XX accepts a 503 then). */
  jwksFault?: string;
  /** Part of a flood sent on purpose: a 503 then is throttling (ERR-NO-5XX accepts it), not a crash. */
  flood?: boolean;
  /** A JSON request body (sent with Content-Type: application/json). */
  body?: unknown;
  /** A form-encoded request body (application/x-www-form-urlencoded), instead of `body`. */
  form?: Record<string, string>;
  /** The token is valid: a refusal is an authorization decision (403/404), not a rejected token (recorded on the Exchange). */
  validToken?: boolean;
}

/** An exchange, and the whole response body (the evidence keeps an excerpt). */
export interface FetchedExchange {
  exchange: Exchange;
  text: string;
}

export function decodeToken(compact: string): DecodedToken {
  const part = (i: number) => {
    const segment = compact.split('.', 3)[i] ?? '';
    if (segment.length > EVIDENCE_LIMIT) return undefined; // too large to keep decoded; the excerpt shows it
    try {
      return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  };
  return { compact: bounded(compact), length: compact.length, header: part(0), payload: part(1) };
}

/** `path` with `params` added to its query string (after any it already has). */
export function withQuery(path: string, params: Record<string, string>): string {
  return `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(params)}`;
}

export const DEFAULT_REJECT_STATUSES = [400, 401, 403, 413, 431];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The connection closed under the request before any answer (not a timeout, not a refused connection). */
export function outcomeOf(status: number, rejectStatuses: readonly number[] = DEFAULT_REJECT_STATUSES): Outcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (rejectStatuses.includes(status)) return 'rejected';
  if (status >= 500) return 'server-error';
  return 'other';
}

export class TargetClient {
  private agent: Agent;
  /** The client's own queue, in front of the agent's connections (see Slots). */
  private readonly slots: Slots;

  /** `observer`: told of every exchange once answered, with the epoch milliseconds it was sent at (a lab's timeline). */
  constructor(readonly settings: TargetSettings, readonly observer?: (exchange: Exchange, sentAtMs: number) => void) {
    this.agent = this.newAgent();
    this.slots = new Slots(settings.concurrency);
  }

  private newAgent(): Agent {
    return new Agent({ connections: this.settings.concurrency, keepAliveTimeout: 4_000 });
  }

  /** Drops every kept-alive connection (after the backend restarted, they lead nowhere). */
  async reset(): Promise<void> {
    const old = this.agent;
    this.agent = this.newAgent();
    await old.destroy();
  }

  async send(checkId: string, label: string, options: SendOptions = {}): Promise<Exchange> {
    return (await this.fetch(checkId, label, options)).exchange;
  }

  /** Like `send`, and also returns the whole response body (a list of rows can be longer than the excerpt). */
  async fetch(checkId: string, label: string, options: SendOptions = {}): Promise<FetchedExchange> {
    const method = options.method ?? 'GET';
    // Attacks go to the protected endpoint: the identity endpoint may be guarded better than the data.
    // targetUrl throws before anything is sent when the path would leave the target's origin.
    const url = targetUrl(this.settings.baseUrl, options.path ?? this.settings.protectedPath).toString();
    const authorization = options.authorization !== undefined ? options.authorization : options.token !== undefined ? `Bearer ${options.token}` : null;
    const headers: Record<string, string> = {
      'user-agent': `ba-conformance/${this.settings.toolVersion} (run ${this.settings.runId}; check ${checkId})`,
      ...(options.form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
      ...(authorization !== null ? { authorization } : {}),
    };
    const body = options.form !== undefined ? new URLSearchParams(options.form).toString() : options.body !== undefined ? JSON.stringify(options.body) : undefined;
    const raw = options.rawHeaders ?? [];
    const token = options.token !== undefined ? decodeToken(options.token) : undefined;
    const recorded = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, bounded(v)]));
    for (const [name, value] of raw) recorded[name.toLowerCase()] = recorded[name.toLowerCase()] === undefined ? bounded(value) : `${recorded[name.toLowerCase()]}\n${bounded(value)}`;
    const base = {
      label,
      request: { method, url, headers: recorded, ...(token ? { token } : {}), ...(body !== undefined ? { body: bounded(body) } : {}) },
      ...(options.jwksFault ? { jwksFault: options.jwksFault } : {}),
      ...(options.flood ? { flood: true } : {}),
      ...(options.validToken ? { validToken: true } : {}),
    };
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    return this.slots.run(async () => {
      // The clock starts once the request has a connection of its own (and, under target.maxRps, its
      // place), not while it waits for one.
      let started = performance.now();
      let sentAt = Date.now();
      const send = (dispatcher: Agent) =>
        request(url, {
          method: method as 'GET',
          headers: raw.length ? [...Object.entries(headers).flat(), ...raw.flat()] : headers,
          dispatcher,
          ...(body !== undefined ? { body } : {}),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
      // Under target.maxRps each attempt waits for its place, and holds it until its answer is read.
      const answer = async (dispatcher: Agent) => {
        const exchange = async () => {
          started = performance.now();
          sentAt = Date.now();
          const res = await send(dispatcher);
          return { res, ...(await readCapped(res.body)) };
        };
        return this.settings.maxRps === undefined ? exchange() : paced(this.settings.maxRps, exchange);
      };
      try {
        let res, text, truncatedAt;
        try {
          ({ res, text, truncatedAt } = await answer(this.agent));
        } catch (err) {
          // A kept-alive connection the server closed under the request, before or while the answer
          // came (a keep-alive timer racing ours on a loaded machine): resend a safe (GET/HEAD) request
          // once, on a connection of its own (the pool's others may be as stale). A second reset is the
          // backend's answer, recorded as such.
          if (!SAFE_METHODS.has(method) || !isConnectionReset(err)) throw err;
          const fresh = new Agent({ connections: 1 });
          try {
            ({ res, text, truncatedAt } = await answer(fresh));
          } finally {
            void fresh.destroy();
          }
        }
        const exchange: Exchange = {
          ...base,
          response: {
            status: res.statusCode,
            headers: Object.fromEntries(Object.entries(res.headers).filter((e): e is [string, string | string[]] => e[1] !== undefined)),
            bodyExcerpt: text.slice(0, BODY_EXCERPT),
            ...(truncatedAt !== undefined ? { bodyTruncated: truncationNote(truncatedAt) } : {}),
          },
          outcome: outcomeOf(res.statusCode, this.settings.rejectStatuses),
          durationMs: Math.round(performance.now() - started),
          at: new Date(sentAt).toISOString(),
        };
        countExchange(checkId, exchange);
        this.observer?.(exchange, sentAt);
        return { exchange, text };
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        const error = `${(err as Error).message}${cause ? ` (${cause.message})` : ''}`;
        const exchange: Exchange = { ...base, error, outcome: 'transport-error', durationMs: Math.round(performance.now() - started), at: new Date(sentAt).toISOString() };
        countExchange(checkId, exchange);
        this.observer?.(exchange, sentAt);
        return { exchange, text: '' };
      }
    });
  }

  /** The subject the identity endpoint named, for an exchange with that endpoint (undefined otherwise). */
  subjectOf(exchange: Exchange): string | undefined {
    if (!this.isIdentityExchange(exchange) || !exchange.response) return undefined;
    try {
      const value = valueAt(JSON.parse(exchange.response.bodyExcerpt), this.settings.identitySubject);
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  isIdentityExchange(exchange: Exchange): boolean {
    return this.settings.identityPath !== undefined && new URL(exchange.request.url).pathname === targetUrl(this.settings.baseUrl, this.settings.identityPath).pathname;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
