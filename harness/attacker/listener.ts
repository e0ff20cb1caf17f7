// The attacker's server: a listener (on loopback unless attacker.host says otherwise) that serves JWKS
// and certificates for jku/x5u attacks and records every inbound request, so "the backend fetched an
// attacker URL" is observed, not guessed. Whether the backend can reach it at all: reach.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AttackerHit {
  at: string;
  method: string;
  path: string;
  remoteAddress: string;
  userAgent: string | null;
}

interface Resource {
  contentType: string;
  body: string;
}

export class AttackerListener {
  private readonly resources = new Map<string, Resource>();
  private readonly log: AttackerHit[] = [];
  /** Called on every request: hitsWithin's waiters. */
  private readonly onHit = new Set<() => void>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  /**
   * Binds `host` on a port of the OS's choice; its URLs name `advertisedHost` (attacker.publicUrl's
   * host) with that port, default the bound address.
   */
  static async start({ host = '127.0.0.1', advertisedHost = host }: { host?: string; advertisedHost?: string } = {}): Promise<AttackerListener> {
    let listener: AttackerListener | undefined;
    const server = http.createServer((req, res) => listener!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    // An IPv6 address goes in brackets in a URL (a URL's hostname already has them).
    const named = advertisedHost.includes(':') && !advertisedHost.startsWith('[') ? `[${advertisedHost}]` : advertisedHost;
    listener = new AttackerListener(server, `http://${named}:${port}`);
    return listener;
  }

  /** Serves `body` at `path` and returns its absolute URL. */
  serve(path: string, contentType: string, body: string): string {
    this.resources.set(path, { contentType, body });
    return `${this.url}${path}`;
  }

  /** Requests whose path starts with `prefix` (each check uses its own prefix). */
  hits(prefix = '/'): AttackerHit[] {
    return this.log.filter((h) => h.path.startsWith(prefix));
  }

  /**
   * Requests under `prefix`, waiting up to `windowMs` for the first one: a backend may fetch a URL
   * a token names after it has answered (in the background), and a look right after the answer
   * would miss it. Returns as soon as one arrives.
   */
  async hitsWithin(prefix: string, windowMs: number): Promise<AttackerHit[]> {
    if (this.hits(prefix).length === 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.onHit.delete(check);
          resolve();
        };
        const check = () => void (this.hits(prefix).length > 0 && done());
        const timer = setTimeout(done, windowMs);
        this.onHit.add(check);
      });
    }
    return this.hits(prefix);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    this.log.push({ at: new Date().toISOString(), method: req.method ?? 'GET', path, remoteAddress: req.socket.remoteAddress ?? '', userAgent: req.headers['user-agent'] ?? null });
    for (const waiter of [...this.onHit]) waiter();
    const resource = this.resources.get(path.split('?')[0]!);
    if (!resource) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': resource.contentType, 'content-length': Buffer.byteLength(resource.body) }).end(resource.body);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
