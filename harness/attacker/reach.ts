// Whether the backend can reach the attacker listener. A check that passes because no request
// reached the listener (a jku the backend did not fetch) has observed something only if the backend
// could have reached it: a backend elsewhere (another machine, a container, a pod behind a
// port-forward) that follows the jku fetches its own loopback, fails, and refuses the token.
// Evidence first: the harness issuer logs where the backend's JWKS fetches come from, and each check
// reads that log when it is judged (reachFromFetches, from harness/checks/suite.ts). Without
// evidence (an external issuer, a shared HS256 secret, no fetch yet), the configuration decides,
// conservatively: attacker.publicUrl is the user's word; otherwise only a backend the harness
// started on loopback, trusting an issuer on loopback, is taken to share this machine's loopback.
// The run adds one probe: the listener answers at the address it advertises.
import type { ResolvedConfig } from '../config/config.js';
import { isLoopback } from '../net.js';
import type { JwksFetch } from '../issuer/protocol.js';
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
  /**
   * The listener is on loopback and only the configuration rule judged the backend: where its JWKS
   * fetches come from may decide instead, check by check (reachFromFetches).
   */
  fetchesDecide: boolean;
}

const DEFAULT_HOST = '127.0.0.1';
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

const FIX = 'set attacker.publicUrl to an address of this machine the backend can reach (http://127.0.0.1 for a backend that shares its loopback; elsewhere, with attacker.host binding the listener there; beyond loopback with target.allowRemote)';

/** A start command that runs the backend in a container or a pod: its loopback is not ours, whatever port is published. */
const CONTAINER_START = /(^|[\s;&|(/])(docker|podman|nerdctl|kubectl|oc)\s/;

/** The listener's address and whether the backend reaches it, from the configuration alone. */
export function attackerReach(config: Pick<ResolvedConfig, 'target' | 'issuer' | 'attacker'>): AttackerReach {
  const host = config.attacker.host ?? DEFAULT_HOST;
  const publicUrl = config.attacker.publicUrl;
  if (publicUrl !== undefined) {
    const advertisedHost = new URL(publicUrl).hostname;
    return { host, advertisedHost, reachable: true, fetchesDecide: false, why: `attacker.publicUrl says the backend reaches this machine at ${advertisedHost}` };
  }
  const advertisedHost = WILDCARDS.has(host) ? DEFAULT_HOST : host;
  if (!isLoopback(advertisedHost)) {
    return { host, advertisedHost, reachable: false, fetchesDecide: false, fix: FIX, why: `the listener's address ${advertisedHost} is not loopback, and nothing says the backend reaches it (attacker.publicUrl)` };
  }
  const backend = new URL(config.target.baseUrl);
  // A backend off loopback whose fetches arrive over our loopback comes through a tunnel, whose far end's loopback is its own: no evidence can decide.
  if (!isLoopback(backend.hostname)) {
    return { host, advertisedHost, reachable: false, fetchesDecide: false, fix: FIX, why: `the backend at ${backend.origin} is not on this machine's loopback, and nothing says it reaches the listener at ${advertisedHost} (attacker.publicUrl)` };
  }
  const unreachable = (why: string): AttackerReach => ({ host, advertisedHost, reachable: false, fetchesDecide: true, fix: FIX, why });
  const start = config.target.start;
  if (start === undefined) return unreachable(`the harness did not start the backend at ${backend.origin}, and a loopback URL may be a port-forward to a container or pod, whose loopback is its own`);
  if (CONTAINER_START.test(start)) return unreachable(`the backend's start command runs a container or pod (${start.split(/\s+/).slice(0, 3).join(' ')} …), whose loopback is its own even when its port is published on ours`);
  // A backend that reaches the harness issuer beyond loopback is where that address leads (a container, another machine).
  const issuerHost = config.issuer.mode !== 'external' ? config.issuer.host : undefined;
  if (issuerHost !== undefined && !isLoopback(issuerHost)) return unreachable(`the issuer listens on ${issuerHost}, beyond loopback, for a backend that may be elsewhere (a container, another machine), whose loopback is its own`);
  const issuerUrl = config.issuer.mode !== 'external' ? config.issuer.publicUrl : undefined;
  if (issuerUrl !== undefined && !isLoopback(new URL(issuerUrl).hostname)) {
    return unreachable(`the backend reaches the issuer at ${new URL(issuerUrl).origin}, not on loopback, so it may not share this machine's loopback (a container), where the listener is`);
  }
  return { host, advertisedHost, reachable: true, fetchesDecide: true, why: `the harness started the backend on this machine's loopback (${backend.host}), as the listener is` };
}

/** A JWKS fetch's client address as the issuer saw it, without the IPv4-mapped prefix. */
const plainAddress = (address: string): string => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** The host the backend dialled, from the fetch's Host header (undefined without one). */
function dialledHost(fetch: Pick<JwksFetch, 'headers'>): string | undefined {
  const header = fetch.headers.host ?? fetch.headers.Host;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  try {
    return new URL(`http://${value}`).hostname;
  } catch {
    return value;
  }
}

/**
 * Why a JWKS fetch did not come over this machine's loopback, or undefined when it did: the backend
 * dialled a loopback name (the Host header; a container reaching us as host.docker.internal arrives
 * from 127.0.0.1 on Docker Desktop, but names another host) and, where the issuer sees real client
 * addresses (process mode), the connection came from a loopback address. An issuer in a container
 * sees Docker's gateway for every client, so there the dialled name alone decides.
 */
function notOverLoopback(fetch: Pick<JwksFetch, 'remoteAddress' | 'headers'>, issuerInContainer: boolean): string | undefined {
  const address = plainAddress(fetch.remoteAddress);
  const dialled = dialledHost(fetch);
  if (!issuerInContainer && !isLoopback(address)) return `from ${address || 'an unknown address'}`;
  if (dialled === undefined) return `from ${address || 'an unknown address'} without a Host header`;
  if (!isLoopback(dialled)) return `from ${address || 'an unknown address'}, for the host ${dialled}`;
  return undefined;
}

/**
 * `reach`, judged again from the JWKS fetches the check's issuer logged (the lab's or the run's):
 * all over this machine's loopback, the backend shares our loopback and reaches the listener; any
 * from elsewhere, it may not (the address is named). No fetch at all (a shared HS256 secret, a
 * backend that never fetched), or none with a known address: the configuration's answer stands.
 */
export function reachFromFetches(reach: AttackerReach, logged: Pick<JwksFetch, 'remoteAddress' | 'headers'>[], issuerInContainer = false): AttackerReach {
  // A fetch whose client address the issuer could not see (a team's server behind no proxy header) is no evidence either way.
  const fetches = logged.filter((f) => f.remoteAddress !== '');
  if (!reach.fetchesDecide || fetches.length === 0) return reach;
  for (const fetch of fetches) {
    const elsewhere = notOverLoopback(fetch, issuerInContainer);
    if (elsewhere !== undefined) {
      return { ...reach, reachable: false, fix: FIX, why: `the backend fetched the issuer's JWKS ${elsewhere}, not over this machine's loopback, so the loopback it would fetch the listener's URL on may be its own` };
    }
  }
  const n = fetches.length;
  return { ...reach, reachable: true, why: `the backend's ${n} JWKS fetch${n === 1 ? '' : 'es'} came over this machine's loopback, where the listener is` };
}

/** How long the probe waits for the listener to answer at its own address (a loaded machine answers late; a refusal is at once). */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * `reach`, checked at run time: a listener bound as configured must answer at the address it
 * advertises (a publicUrl naming an address the listener is not bound on makes every check's URL a
 * dead end). Throws when the bind address cannot be bound.
 */
export async function probeReach(reach: AttackerReach): Promise<AttackerReach> {
  // Probed too when only the backend's fetches can make it reachable.
  if (!reach.reachable && !reach.fetchesDecide) return reach;
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
    return { ...reach, reachable: false, fetchesDecide: false, fix, why: `the listener bound on ${reach.host} does not answer at its own address ${listener.url} (${answered ?? 'another server answered'})` };
  } finally {
    await listener.stop();
  }
}
