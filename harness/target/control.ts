// Lets the checks restart the backend under test. The runner owns the backend's process (so Ctrl-C
// and the end of the run stop it), while the checks run in Vitest workers: the runner serves a
// loopback route, guarded by a per-run token, that stops the backend and starts it again. The JWKS
// family uses it for a cold start: an empty key cache, loaded from whatever the issuer serves next.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../http.js';

/** What a worker needs to ask for a restart (serializable). */
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

/** The runner's side: serves restarts until closed. `restart` must stop the backend and start it again. */
export async function serveTargetControl(restart: (options: RestartOptions) => Promise<void>): Promise<{ connection: TargetControlConnection; close(options?: { now?: boolean }): Promise<void> }> {
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  // One restart at a time: a second request waits for the first.
  let queue = Promise.resolve();
  const server = createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return void res.writeHead(401).end();
    if (req.method !== 'POST' || req.url !== '/restart') return void res.writeHead(404).end();
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      let options: RestartOptions;
      try {
        options = (body ? JSON.parse(body) : {}) as RestartOptions;
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      queue = queue.then(async () => {
        const started = performance.now();
        try {
          await restart(options);
          reply(200, { ms: Math.round(performance.now() - started) });
        } catch (err) {
          reply(502, { error: (err as Error).message });
        }
      });
    });
    const reply = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connection: { url: `http://127.0.0.1:${port}`, token },
    // A restart in flight finishes first, so the runner stops the backend it started; `now` (a
    // halted run) does not wait for it: the launcher's clean-up stops whatever it started.
    close: async ({ now = false } = {}) => {
      if (!now) await queue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The worker's side. */
export class TargetControl {
  private readonly http: HttpClient;

  constructor(connection: TargetControlConnection, readinessTimeoutMs: number) {
    // Stopping takes up to 3 s (SIGTERM, then SIGKILL), starting up to the readiness timeout.
    this.http = new HttpClient(connection.url, { headers: { authorization: `Bearer ${connection.token}` }, timeoutMs: readinessTimeoutMs + 10_000 });
  }

  /** Stops the backend and starts it again; throws with the launcher's message (and the backend's last output) when it does not come up. */
  async restart(options: RestartOptions = {}): Promise<RestartResult> {
    const res = await this.http.send('POST', '/restart', { body: options });
    const payload = JSON.parse(res.text) as RestartResult & { error?: string };
    if (res.status !== 200) throw new Error(payload.error ?? `restart answered ${res.status}`);
    return payload;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
