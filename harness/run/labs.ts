// Labs: an issuer and a backend of their own for the checks that change keys, break the JWKS,
// restart the backend and count its fetches (the JWKS family), so that such checks run side by side
// instead of one after another. A lab is a second harness issuer (same mode and settings, its own
// keys, users and fetch log) and the backend started from the same command on a free port ({port}
// and PORT), trusting that issuer. The runner owns every lab's processes, so a signal or the end of
// the run stops them; checks ask for a lab through the control routes and hand it back when done.
//
// At most `jobs` labs exist at once. A lab handed back healthy (no fault, a valid token accepted)
// goes to the next check as it is, as the run's own issuer and backend do when the checks run one
// after another: starting a backend costs a core-second, and the JWKS checks restart it often
// enough already. Waiting requests are served longest expected first, so the long waits overlap.
import { availableParallelism, freemem } from 'node:os';
import type { AnyIssuerConnection } from '../issuer/connect.js';
import type { IssuerAlgorithm } from '../issuer/protocol.js';
import { freePort } from '../net.js';
import { endpointOf, launchTarget } from '../target/launcher.js';
import type { LaunchOptions, LaunchedTarget, TargetExit } from '../target/launcher.js';
import type { ControlRoutes, TargetControlConnection } from '../target/control.js';
import { restartRoute } from '../target/control.js';
import type { RunIssuer } from './issuer-setup.js';

/** What one lab takes at most: an issuer process and a backend (measured: about 150 + 100 MB; a margin for heavier stacks). */
const LAB_MEMORY_BYTES = 512 * 1024 ** 2;
/** Labs mostly wait (on key caches and timeouts): more of them than cores (on 2 cores, 6 and 8 measured within a second of each other). */
const LABS_PER_CORE = 3;
const MAX_DEFAULT_JOBS = 8;

/** The default `run.jobs`: three labs per core, as many as free memory holds, at most 8. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_JOBS, availableParallelism() * LABS_PER_CORE, Math.floor(freemem() / LAB_MEMORY_BYTES)));
}

export interface LabRequest {
  /** The check, or the group of checks sharing one measurement, that will use the lab (for logs and errors). */
  name: string;
  /** How long it is expected to take, in seconds: the longest are served first. */
  estimateS: number;
  /** The lab of a check that asks for another one (a scenario of its measurement): served before any new check, so that check ends sooner. */
  parent?: string;
}

/** What a worker gets of its lab (serializable). */
export interface LabConnection {
  id: string;
  issuer: AnyIssuerConnection;
  /** The lab's backend. */
  baseUrl: string;
  /** The lab's restart route (a cold start of its backend). */
  control: TargetControlConnection;
  alternateKey?: { kid: string; alg: IssuerAlgorithm };
  /** Handed back healthy by an earlier check, rather than started for this one. */
  reused: boolean;
}

export interface LabRelease {
  /** Set when the lab's backend exited without being asked to while the lab was in use. */
  backendExit?: Pick<TargetExit, 'describe' | 'output'>;
}

export interface LabPoolOptions {
  jobs: number;
  /** A new issuer like the run's (its own keys and users). */
  startIssuer(index: number): Promise<RunIssuer>;
  /** How to start the backend at `baseUrl`, trusting an issuer whose settings are `issuerEnv`. */
  launchOptions(baseUrl: string, issuerEnv: Record<string, string>): LaunchOptions;
  /** The run's backend URL: a lab's differs in its port. */
  baseUrl: string;
  /** The control server's connection, for each lab's restart route. */
  control(): TargetControlConnection;
}

interface Lab {
  id: string;
  issuer: RunIssuer;
  target: LaunchedTarget | undefined;
  launch: LaunchOptions;
  backendExit?: TargetExit;
}

/** `baseUrl` on another port. */
function labBaseUrl(baseUrl: string, port: number): string {
  const url = new URL(baseUrl);
  url.port = String(port);
  return url.origin;
}

export class LabPool {
  /** Every lab: idle, in use, or starting. */
  private readonly labs = new Map<string, Lab>();
  private readonly idle: Lab[] = [];
  private readonly stopping = new Set<Promise<void>>();
  /** The run's own backend port and every port a lab got in this run: none is given twice. */
  private readonly portsGiven: Set<number>;
  private readonly waiting: { request: LabRequest; grant: (lab: Lab | undefined) => void; refuse: (err: Error) => void }[] = [];
  /** Labs counted against `jobs`: idle, in use, and being started. */
  private count = 0;
  /** Labs whose check waits for another lab (a nested one), with how many it waits for. */
  private readonly waitingParents = new Map<string, number>();
  private started = 0;
  private closed = false;
  /** The most labs that existed at once (for the report). */
  peak = 0;

  constructor(private readonly options: LabPoolOptions) {
    this.portsGiven = new Set([endpointOf(options.baseUrl).port]);
  }

  /**
   * Starts the first lab, idle until a check asks for one: proves that the start command starts a
   * second backend on another port (it honours {port} or PORT). Throws with the launcher's message when it does not.
   */
  async probe(): Promise<void> {
    this.count++;
    try {
      this.idle.push(await this.open());
    } catch (err) {
      this.count--;
      throw err;
    }
  }

  /** An idle lab, a new one while fewer than `jobs` exist, or the next one handed back. */
  async acquire(request: LabRequest): Promise<LabConnection> {
    const parent = request.parent;
    if (parent) this.waitingParents.set(parent, (this.waitingParents.get(parent) ?? 0) + 1);
    let lab: Lab | undefined;
    try {
      lab = await this.slot(request);
    } finally {
      if (parent) {
        const left = this.waitingParents.get(parent)! - 1;
        if (left > 0) this.waitingParents.set(parent, left);
        else this.waitingParents.delete(parent);
      }
    }
    if (lab) return this.connectionOf(lab, true);
    try {
      return this.connectionOf(await this.open(), false);
    } catch (err) {
      this.discarded();
      throw new Error(`the lab for ${request.name} could not be started: ${(err as Error).message}`);
    }
  }

  /**
   * A lab handed back. `reusable` (its backend healthy, no fault set): the next check gets it as it
   * is, as checks share the run's issuer and backend when they run one after another. Otherwise it
   * is stopped in the background (a graceful stop takes seconds) and its place freed at once.
   */
  async release(id: string, reusable: boolean): Promise<LabRelease> {
    const lab = this.labs.get(id);
    if (!lab) return {};
    const exit = lab.backendExit;
    if (reusable && !exit && !this.closed && lab.target?.alive()) {
      const next = this.waiting.shift();
      if (next) next.grant(lab);
      else this.idle.push(lab);
    } else {
      this.stopInBackground(id);
      this.discarded();
    }
    return exit ? { backendExit: { describe: exit.describe, output: exit.output } } : {};
  }

  /** Every lab stopped; waiting requests refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.refuse(new Error('the run is ending'));
    this.idle.length = 0;
    await Promise.allSettled([...[...this.labs.keys()].map((id) => this.close1(id)), ...this.stopping]);
  }

  /** The control routes of the pool: acquire, restart a lab's backend, release. */
  routes(): ControlRoutes {
    const restarts = new Map<string, ReturnType<typeof restartRoute>>();
    return {
      'POST /labs': (body) => this.acquire({ name: String(body.name ?? 'a check'), estimateS: Number(body.estimateS ?? 0), ...(typeof body.parent === 'string' ? { parent: body.parent } : {}) }),
      'POST /labs/:id/restart': (body, { id }) => {
        const lab = this.labs.get(id!);
        if (!lab) return Promise.reject(new Error(`no lab ${id}`));
        if (!restarts.has(lab.id)) restarts.set(lab.id, restartRoute((o) => this.restart(lab, o.anyStatus === true)));
        return restarts.get(lab.id)!(body, {});
      },
      'POST /labs/:id/exit': async (_body, { id }) => {
        const lab = this.labs.get(id!);
        const exit = lab?.backendExit;
        if (lab) delete lab.backendExit; // charged once, to the check that asked
        return exit ? { backendExit: { describe: exit.describe, output: exit.output } } : {};
      },
      'POST /labs/:id/release': (body, { id }) => {
        const reusable = body.reusable === true;
        if (!reusable) restarts.delete(id!);
        return this.release(id!, reusable);
      },
    };
  }

  /** An idle lab, or undefined when the caller may start one; waits (longest expected first) when `jobs` labs exist. */
  private slot(request: LabRequest): Promise<Lab | undefined> {
    if (this.closed) return Promise.reject(new Error('the run is ending'));
    const idle = this.idle.shift();
    if (idle) return Promise.resolve(idle);
    // Beyond `jobs` only when every lab is held by a check waiting for a nested one: none would ever be freed.
    if (this.count < this.options.jobs || (request.parent !== undefined && this.waitingParents.size >= this.count)) {
      this.count++;
      return Promise.resolve(undefined);
    }
    return new Promise<Lab | undefined>((grant, refuse) => {
      this.waiting.push({ request, grant, refuse });
      this.waiting.sort((a, b) => Number(b.request.parent !== undefined) - Number(a.request.parent !== undefined) || b.request.estimateS - a.request.estimateS);
    });
  }

  /** A lab is gone: the next waiter may start one in its place. */
  private discarded(): void {
    const next = this.waiting.shift();
    if (next) next.grant(undefined);
    else this.count--;
  }

  private async open(): Promise<Lab> {
    if (this.closed) throw new Error('the run is ending');
    const index = ++this.started;
    // One more try when the issuer could not be set up: at a run's start several labs start at once, and
    // on a loaded 2-core machine an admin request can outlast its 10 s (a failed start stops its issuer).
    const issuer = await this.options.startIssuer(index).catch(() => this.options.startIssuer(index));
    // A lab's backend keeps its port across restarts, and the port is free while it restarts: never
    // one this run gave another lab, and outside the ephemeral range, where a new lab could get it.
    const port = await freePort(new URL(this.options.baseUrl).hostname, this.portsGiven);
    this.portsGiven.add(port);
    const lab: Lab = { id: `lab${index}`, issuer, target: undefined, launch: this.options.launchOptions(labBaseUrl(this.options.baseUrl, port), issuer.backendEnv) };
    this.labs.set(lab.id, lab);
    try {
      lab.target = await this.launch(lab, false);
    } catch (err) {
      await this.close1(lab.id);
      throw err;
    }
    this.peak = Math.max(this.peak, this.labs.size);
    return lab;
  }

  private launch(lab: Lab, anyStatus: boolean): Promise<LaunchedTarget> {
    return launchTarget({ ...lab.launch, ...(anyStatus ? { anyStatus } : {}), onUnexpectedExit: (exit) => (lab.backendExit ??= exit) });
  }

  private async restart(lab: Lab, anyStatus: boolean): Promise<void> {
    if (this.closed) throw new Error('not restarted: the run is ending');
    await lab.target?.stop();
    lab.target = undefined;
    lab.target = await this.launch(lab, anyStatus);
  }

  private stopInBackground(id: string): void {
    const stopped = this.close1(id);
    this.stopping.add(stopped);
    void stopped.finally(() => this.stopping.delete(stopped));
  }

  private async close1(id: string): Promise<void> {
    const lab = this.labs.get(id);
    if (!lab) return;
    this.labs.delete(id);
    await lab.target?.stop();
    await lab.issuer.handle.stop();
  }

  private connectionOf(lab: Lab, reused: boolean): LabConnection {
    const control = this.options.control();
    return {
      id: lab.id,
      issuer: lab.issuer.connection,
      baseUrl: lab.launch.baseUrl,
      control: { url: `${control.url}/labs/${encodeURIComponent(lab.id)}`, token: control.token },
      ...(lab.issuer.alternateKey ? { alternateKey: lab.issuer.alternateKey } : {}),
      reused,
    };
  }
}
