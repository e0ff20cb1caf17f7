// Whether the backend can reach the attacker listener. A check that passes because no request
// reached the listener (a jku the backend did not fetch) has observed something only if the backend
// could have reached it: a remote backend that follows the jku fetches its own loopback, fails, and
// refuses the token. Nothing the harness does makes a remote backend fetch a URL on request except
// the checks themselves, so reachability comes from the configuration: a backend on this machine's
// loopback reaches a loopback listener, and attacker.publicUrl is the user's word that the backend
// reaches that address. The run adds one probe: the listener answers at the address it advertises.
import type { ResolvedConfig } from '../config/config.js';
import { isLoopback } from '../config/config.js';
import { randomUUID } from 'node:crypto';
import { AttackerListener } from './listener.js';

export interface AttackerReach {
  /** The address the listeners bind. */
  host: string;
  /** The host their URLs name: attacker.publicUrl's, else the bind address (127.0.0.1 for a wildcard bind). */
  advertisedHost: string;
  /** Whether a request the backend sends to the advertised host would arrive. */
  reachable: boolean;
  /** Why, in words, for the plan, the console and the SKIP of an unobserved PASS. */
  why: string;
  /** What would make it reachable, when it is not. */
  fix?: string;
}

const DEFAULT_HOST = '127.0.0.1';
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

const FIX = 'set attacker.publicUrl to an address of this machine the backend can reach (and attacker.host to bind the listener there; beyond loopback with target.allowRemote)';

/** The listener's address and whether the backend reaches it, from the configuration alone. */
export function attackerReach(config: Pick<ResolvedConfig, 'target' | 'issuer' | 'attacker'>): AttackerReach {
  const host = config.attacker.host ?? DEFAULT_HOST;
  const publicUrl = config.attacker.publicUrl;
  if (publicUrl !== undefined) {
    const advertisedHost = new URL(publicUrl).hostname;
    return { host, advertisedHost, reachable: true, why: `attacker.publicUrl says the backend reaches this machine at ${advertisedHost}` };
  }
  const advertisedHost = WILDCARDS.has(host) ? DEFAULT_HOST : host;
  const backend = new URL(config.target.baseUrl);
  if (!isLoopback(backend.hostname)) {
    return { host, advertisedHost, reachable: false, fix: FIX, why: `the backend at ${backend.origin} is not on this machine's loopback, and nothing says it reaches the listener at ${advertisedHost} (attacker.publicUrl)` };
  }
  if (!isLoopback(advertisedHost)) {
    return { host, advertisedHost, reachable: false, fix: FIX, why: `the listener's address ${advertisedHost} is not loopback, and nothing says the backend reaches it (attacker.publicUrl)` };
  }
  // A backend published on loopback from a container reaches the harness issuer by another name; its loopback is its own.
  const issuerUrl = config.issuer.mode !== 'external' ? config.issuer.publicUrl : undefined;
  if (issuerUrl !== undefined && !isLoopback(new URL(issuerUrl).hostname)) {
    return { host, advertisedHost, reachable: false, fix: FIX, why: `the backend reaches the issuer at ${new URL(issuerUrl).origin}, not on loopback, so it may not share this machine's loopback (a container), where the listener is` };
  }
  return { host, advertisedHost, reachable: true, why: `the backend is on this machine's loopback (${backend.host}), as the listener is` };
}

/** How long the probe waits for the listener to answer at its own address (a loaded machine answers late; a refusal is at once). */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * `reach`, checked at run time: a listener bound as configured must answer at the address it
 * advertises (a publicUrl naming an address the listener is not bound on makes every check's URL a
 * dead end). Throws when the bind address cannot be bound.
 */
export async function probeReach(reach: AttackerReach): Promise<AttackerReach> {
  if (!reach.reachable) return reach;
  const listener = await AttackerListener.start(reach);
  try {
    const path = `/.reach-probe/${randomUUID()}`;
    const answered = await fetch(`${listener.url}${path}`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'manual' }).then(
      (res) => (void res.body?.cancel(), undefined),
      (err: unknown) => ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message,
    );
    // Our own listener must have seen the probe: another server answering at that address is no proof.
    if (listener.hits(path).length > 0) return reach;
    const fix = 'bind the listener where attacker.publicUrl points (attacker.host: that address, or 0.0.0.0 with target.allowRemote), or correct attacker.publicUrl';
    return { ...reach, reachable: false, fix, why: `the listener bound on ${reach.host} does not answer at its own address ${listener.url} (${answered ?? 'another server answered'})` };
  } finally {
    await listener.stop();
  }
}
