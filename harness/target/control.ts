// The runner's control routes for the checks. The runner owns every process it starts (so Ctrl-C and
// the end of the run stop them), while the checks run in Vitest workers: the runner serves loopback
// routes, guarded by a per-run token, that restart the backend (a cold start: an empty key cache,
// loaded from whatever the issuer serves next) and hand out labs (harness/run/labs.ts).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../http.js';

/** What a worker needs to call the routes (serializable). `url` may end in a path: a lab's own routes. */
export interface TargetControlConnection {
  url: string;
  token: string;
}

export interface RestartOptions {
  /** Ready as soon as the readiness path answers at all, 5xx included (a backend that reports itself degraded while its JWKS is down). */
  anyStatus?: boolean;
}

export interface RestartResult {
  /** Stop plus start, until the readiness path answered. */
  ms: number;
}

/** A route's work: the JSON body in, the JSON answer out; a throw answers 502 with its message. */
export type ControlRoute = (body: Record<string, unknown>, params: Record<string, string>) => Promise<unknown>;

/** "POST /labs/:id/restart" style keys; `:name` matches one path segment. */
export type ControlRoutes = Record<string, ControlRoute>;

export interface ControlServer {
  connection: TargetControlConnection;
  /** `now` (a halted run) answers nothing more and does not wait for routes in flight: the launcher's clean-up stops what they started. */
  close(options?: { now?: boolean }): Promise<void>;
}

function match(routes: ControlRoutes, method: string, pathname: string): { route: ControlRoute; params: Record<string, string> } | undefined {
  const segments = pathname.split('/').filter(Boolean);
  for (const [key, route] of Object.entries(routes)) {
    const [m, pattern] = key.split(' ') as [string, string];
    const parts = pattern.split('/').filter(Boolean);
    if (m !== method || parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (parts.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = decodeURIComponent(segments[i]!)), true) : p === segments[i]))) return { route, params };
  }
  return undefined;
}

export async function serveControl(routes: ControlRoutes): Promise<ControlServer> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const inFlight = new Set<Promise<unknown>>();
  const server = createServer((req, res) => {
    const reply = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.writeHead(401).end();
    const found = match(routes, req.method ?? '', new URL(req.url ?? '/', 'http://control').pathname);
    if (!found) return void res.writeHead(404).end();
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      let parsed: Record<string, unknown>;
      try {
        parsed = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      const work = found.route(parsed, found.params).then(
        (payload) => reply(200, payload ?? {}),
        (err: unknown) => reply(502, { error: (err as Error).message }),
      );
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connection: { url: `http://127.0.0.1:${port}`, token },
    close: async ({ now = false } = {}) => {
      if (!now) await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The restart route of one backend: stop it and start it again, one restart at a time (a second request waits for the first). */
export function restartRoute(restart: (options: RestartOptions) => Promise<void>): ControlRoute {
  let queue: Promise<unknown> = Promise.resolve();
  return (body) => {
    const run = queue.then(async (): Promise<RestartResult> => {
      const started = performance.now();
      await restart({ ...(body.anyStatus === true ? { anyStatus: true } : {}) });
      return { ms: Math.round(performance.now() - started) };
    });
    queue = run.catch(() => undefined);
    return run;
  };
}

/** Serves one backend's restarts until closed (the runner's backend; tests). */
export function serveTargetControl(restart: (options: RestartOptions) => Promise<void>): Promise<ControlServer> {
  return serveControl({ 'POST /restart': restartRoute(restart) });
}

/** The worker's side of a control route set. */
export class ControlClient {
  private readonly http: HttpClient;

  constructor(
    private readonly connection: TargetControlConnection,
    timeoutMs: number,
  ) {
    this.http = new HttpClient(connection.url, { headers: { authorization: `Bearer ${connection.token}` }, timeoutMs });
  }

  /** Calls `<url><path>`; throws with the route's message when it failed. */
  async call<T>(method: string, path: string, body: unknown = {}, timeoutMs?: number): Promise<T> {
    const res = await this.http.send(method, `${this.connection.url}${path}`, { body, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    const payload = (res.text ? JSON.parse(res.text) : {}) as T & { error?: string };
    if (res.status !== 200) throw new Error(payload.error ?? `${method} ${path} answered ${res.status}`);
    return payload;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** The worker's side of a restart route. */
export class TargetControl {
  private readonly client: ControlClient;

  constructor(connection: TargetControlConnection, readinessTimeoutMs: number) {
    // Stopping takes up to 3 s (SIGTERM, then SIGKILL), starting up to the readiness timeout.
    this.client = new ControlClient(connection, readinessTimeoutMs + 10_000);
  }

  /** Stops the backend and starts it again; throws with the launcher's message (and the backend's last output) when it does not come up. */
  restart(options: RestartOptions = {}): Promise<RestartResult> {
    return this.client.call<RestartResult>('POST', '/restart', options);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
