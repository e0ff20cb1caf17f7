// The JWKS family's instruments. Every value the family reports is measured here, through the
// issuer's fetch log and control API: fetches caused by a batch of requests, seconds until a token
// is accepted or refused, and the two ways of making the backend load the key set as the issuer
// serves it now (a cold start when the harness can restart the backend, otherwise a kid it has
// never seen, sent until it refetches). Waits poll with a deadline; none exceeds jwks.waitBudgetS.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { AttackerListener } from '../../harness/attacker/listener.js';
import { b64u, signCompact } from '../../harness/forge/jws.js';
import { attackerKey } from '../../harness/forge/keys.js';
import { freshClaims } from '../../harness/forge/token.js';
import type { JwksFault, JwksFetch, KeyInfo } from '../../harness/issuer/protocol.js';
import type { Capability } from '../../harness/issuer/capabilities.js';
import { JWKS_PATH } from '../../harness/issuer/protocol.js';
import { inFlight } from '../../harness/in-flight.js';
import { TargetClient } from '../../harness/target/client.js';
import type { SendOptions } from '../../harness/target/client.js';
import { TargetControl } from '../../harness/target/control.js';
import type { CheckMeta, Exchange } from '../../harness/checks/model.js';
import type { CheckResult } from '../../harness/checks/oracle.js';
import type { JwksSettings } from '../../harness/config/config.js';
import type { CheckOptions, CheckTools } from '../../harness/checks/suite.js';
import { provesValid } from '../../harness/checks/suite.js';

/** Roughly how long a check takes under the run's JWKS settings, in seconds: labs start the longest first. */
export type Estimate = (settings: JwksSettings) => number;

/** The family's check options (gating, lab group, causes), with the estimate as a function of the JWKS bounds. */
export interface JwksCheckOptions extends Pick<CheckOptions, 'gated' | 'labGroup' | 'explains' | 'causes' | 'spendsLab' | 'timelineBound'> {
  /** Start from a healthy backend (no fault, the current key accepted); default true. */
  requireHealthy?: boolean;
  estimateS?: Estimate;
}

export interface JwksCheckDefinition {
  meta: CheckMeta;
  body: (lab: JwksLab, t: CheckTools) => Promise<CheckResult>;
  options: JwksCheckOptions;
}

/** Every JWKS check the section files (suites/jwks/*.ts) define, in their order; suites/jwks.suite.ts registers them. */
export const JWKS_CHECKS: JwksCheckDefinition[] = [];

/** Defines a JWKS check. Every JWKS check drives the issuer's keys, faults and fetch log (JwksLab), and signs with its keys. */
export function jwksCheck(meta: CheckMeta, body: JwksCheckDefinition['body'], options: JwksCheckOptions = {}): void {
  JWKS_CHECKS.push({ meta: { needs: JWKS_LAB_NEEDS, ...meta }, body, options });
}

/**
 * Runs a JWKS check: from a healthy backend (no fault, the current key accepted), restoring one
 * afterwards, so each check stands alone, --only can pick any of them, and a lab can be reused.
 */
export async function runJwksCheck({ body, options }: JwksCheckDefinition, t: CheckTools): Promise<CheckResult> {
  const lab = new JwksLab(t);
  try {
    if (options.requireHealthy !== false) {
      const health = await lab.ensureHealthy();
      if (!health.ok) return { verdict: 'ERROR', observed: `inconclusive: before this check, ${health.observed}`, evidence: health.exchanges };
    }
    return await body(lab, t);
  } finally {
    await lab.ensureHealthy().catch(() => undefined);
    await lab.close();
  }
}

/** What every JWKS check needs of the issuer: its keys to sign with and to rotate, faults, and the fetch log. */
export const JWKS_LAB_NEEDS: Capability[] = ['mint', 'jwks', 'keys', 'jwks-faults', 'fetch-log'];

/** The checks suites/jwks.suite.ts runs, as --only / --skip prefixes: the run selects its project by them. */
export { JWKS_SUITE_CHECKS } from './project.js';

/** How often a poll sends its probe. */
const POLL_INTERVAL_MS = 250;
/** How long a just-started backend must make no JWKS fetch before its own start-up loads count as done. */
const STARTUP_QUIET_MS = 1_000;

export interface PollResult {
  /** Milliseconds from the start of the poll until the answer that met the condition; undefined if none did. */
  atMs: number | undefined;
  /**
   * When the last request that did not meet it was sent: the condition did not hold then (a lower bound,
   * where `atMs` is an upper one). Undefined when the first request met it.
   */
  lastMissMs: number | undefined;
  /** How long the poll looked. */
  waitedMs: number;
  sent: number;
  /** The first exchange, the one that met the condition (or the last), and the one before it. */
  sample: Exchange[];
}

export interface FreshFetch {
  /** The new signing key the backend had never seen. */
  key: KeyInfo;
  /** Fetches of the JWKS from just before the backend was made to load it. */
  fetches: JwksFetch[];
  how: 'cold start' | 'unknown kid';
  /** The request with a token of `key` after which the fetch was seen (or the last one sent). */
  probe: Exchange | undefined;
  waitedMs: number;
  /**
   * A cold start with this JWKS served did not become ready (a client that loads its keys before it
   * serves, and refuses to serve without them): why, and whether the same backend then started with
   * the issuer's plain JWKS, which makes the served set the reason.
   */
  notStarted?: { why: string; startsWithout: boolean };
}

export class JwksLab {
  readonly settings: CheckTools['run']['jwks'];
  private readonly control: TargetControl | undefined;
  private seq = 0;

  constructor(private readonly t: CheckTools) {
    this.settings = t.run.jwks;
    const c = t.run.targetControl;
    this.control = c ? new TargetControl(c, c.readinessTimeoutMs) : undefined;
  }

  get canRestart(): boolean {
    return this.control !== undefined;
  }

  /** A request's timeout while the JWKS is broken: the accepted answer time and 5 s, so a late answer is seen as late. */
  get outageTimeoutMs(): number {
    return (this.settings.maxOutageResponseS + 5) * 1000;
  }

  /** `needMs` capped by the wait budget; `short` says the budget, not the need, set the bound. */
  bound(needMs: number): { ms: number; short: boolean } {
    const budget = this.settings.waitBudgetS * 1000;
    return needMs > budget ? { ms: budget, short: true } : { ms: needMs, short: false };
  }

  // The fetch log

  /** The newest fetch's sequence number: fetches after it were caused by what follows. */
  async mark(): Promise<number> {
    const newer = await this.t.issuer.jwksFetches(this.seq);
    if (newer.length) this.seq = newer[newer.length - 1]!.seq;
    return this.seq;
  }

  /** JWKS fetches after `mark` (the redirect target's included: it serves the same keys elsewhere). */
  async fetchesSince(mark: number): Promise<JwksFetch[]> {
    const fetches = await this.t.issuer.jwksFetches(mark);
    if (fetches.length) this.seq = Math.max(this.seq, fetches[fetches.length - 1]!.seq);
    return fetches;
  }

  /** When the backend last fetched the JWKS (epoch ms), if ever. */
  async lastFetchAt(): Promise<number | undefined> {
    const all = await this.t.issuer.jwksFetches(0);
    return all.length ? all[all.length - 1]!.epochMs : undefined;
  }

  // Tokens

  /** A fresh token of user A from Better Auth's /api/auth/token (the current signing key). */
  valid(): Promise<string> {
    return this.t.issuer.tokenFor(this.t.user);
  }

  /** A distinct valid token of user A signed by `kid` (any key the issuer still holds, retired ones included), valid for `lifetimeS`. */
  signedBy(kid: string, lifetimeS = 600): Promise<string> {
    const claims = freshClaims(this.t.claims);
    return this.t.signed({ ...claims, exp: Number(claims.iat) + lifetimeS, jti: randomUUID() }, { key: { kid } });
  }

  static randomKid(): string {
    return `kid-${randomBytes(12).toString('base64url')}`;
  }

  /** A token naming `kid` (none when undefined) with A's claims and a random signature of the right length for `alg`. */
  garbage(kid: string | undefined, alg = this.t.issuer.algorithms[0]!): string {
    const size = alg === 'EdDSA' || alg === 'ES256' ? 64 : alg === 'ES512' ? 132 : 256;
    const header = b64u(JSON.stringify(kid === undefined ? { alg } : { alg, kid }));
    const payload = b64u(JSON.stringify(freshClaims(this.t.claims)));
    return `${header}.${payload}.${b64u(randomBytes(size))}`;
  }

  /** A token signed by a fresh attacker key, naming `kid` (the issuer's or an unknown one). */
  forged(kid: string): string {
    const key = attackerKey('EdDSA');
    return signCompact('EdDSA', key.privateKey, { alg: 'EdDSA', kid }, freshClaims(this.t.claims));
  }

  // Sending

  /** One request, not kept as evidence (bulk measurements keep a sample); the run-wide checks count it all the same (checks/traffic.ts). */
  sendQuiet(label: string, token: string, options: SendOptions = {}): Promise<Exchange> {
    return this.t.target.send(this.t.checkId, label, { token, ...options });
  }

  /**
   * `tokens` at the target's concurrency; returns every exchange, in order. With `untilMs` (a
   * Date.now() deadline), no request is started after it: the exchanges of those sent.
   */
  async sendBatch(label: (i: number) => string, tokens: string[], options: SendOptions = {}, client: TargetClient = this.t.target, untilMs = Infinity): Promise<Exchange[]> {
    const sent = await inFlight(tokens.map((token, i) => () => (Date.now() < untilMs ? client.send(this.t.checkId, label(i), { token, ...options }) : Promise.resolve(undefined))), client.settings.concurrency);
    return sent.filter((e): e is Exchange => e !== undefined);
  }

  /** A client of its own, `concurrency` requests at once, on this check's timeline; the caller closes it. */
  client(concurrency: number): TargetClient {
    return new TargetClient({ ...this.t.target.settings, concurrency }, this.t.target.observer);
  }

  /** All of `tokens` at once, over as many connections (a burst on a cold cache). */
  async burst(label: string, tokens: string[], options: SendOptions = {}): Promise<Exchange[]> {
    const client = this.client(tokens.length);
    try {
      return await Promise.all(tokens.map((token, i) => client.send(this.t.checkId, `${label} #${i + 1}`, { token, ...options })));
    } finally {
      await client.close();
    }
  }

  /**
   * Sends `token()` every 250 ms until `until` holds for its answer, or `withinMs` passes. Nothing
   * is slept blindly: the poll ends the moment the backend's behaviour changes.
   */
  async poll(label: string, token: string | (() => Promise<string> | string), until: (e: Exchange) => boolean, withinMs: number, options: SendOptions = {}): Promise<PollResult> {
    const started = Date.now();
    let sent = 0;
    let first: Exchange | undefined;
    let previous: Exchange | undefined;
    let last: Exchange | undefined;
    let lastMissMs: number | undefined;
    for (;;) {
      previous = last;
      const next = typeof token === 'string' ? token : await token();
      const sentMs = Date.now() - started;
      last = await this.sendQuiet(`${label} (t+${(sentMs / 1000).toFixed(1)} s)`, next, options);
      first ??= last;
      sent++;
      if (until(last)) return { atMs: Date.now() - started, lastMissMs, waitedMs: Date.now() - started, sent, sample: sampleOf(first, previous, last) };
      lastMissMs = sentMs;
      if (Date.now() - started >= withinMs) return { atMs: undefined, lastMissMs, waitedMs: Date.now() - started, sent, sample: sampleOf(first, previous, last) };
      await delay(POLL_INTERVAL_MS);
    }
  }

  // The backend's state

  /** Stops the backend and starts it again: its key cache is empty. Only when the harness started it. */
  async restart(options: { anyStatus?: boolean } = {}): Promise<number> {
    if (!this.control) throw new Error('the backend cannot be restarted: the harness did not start it (no target.start)');
    const { ms } = await this.control.restart(options);
    this.t.timeline?.note('restart', `ready after ${seconds(ms)} s`, Date.now() - ms);
    await this.t.target.reset();
    return ms;
  }

  /**
   * Puts things back: no JWKS fault, and a fresh valid token accepted. A backend that does not
   * recover by itself is restarted when the harness can; otherwise it gets the accepted rotation
   * delay to pick up the current key. The exchanges are returned, to be shown when it failed.
   */
  async ensureHealthy(): Promise<{ ok: boolean; observed: string; exchanges: Exchange[] }> {
    await this.t.issuer.clearJwksFault();
    // Right after a fault the backend may still be without keys: a 503 then is fair (checks/traffic.ts).
    const recovering = { jwksFault: 'recovering' };
    const quiet = (label: string, options: SendOptions) => this.t.target.send(this.t.checkId, label, { ...options, ...recovering });
    const prove = async (label: string) => provesValid(quiet, this.t.target, label, await this.valid(), this.t.user.id);
    const first = await prove('set-up: a fresh valid token is accepted');
    if (first.ok) return first;
    if (this.canRestart) {
      await this.restart();
      const again = await prove('set-up: a fresh valid token is accepted after a restart');
      return { ...again, observed: again.ok ? `accepted after a restart (before it: ${first.observed})` : again.observed, exchanges: [...first.exchanges, ...again.exchanges] };
    }
    const { ms } = this.bound(this.settings.maxRotationDelayS * 1000);
    const polled = await this.poll('set-up: the current key is accepted again', await this.valid(), (e) => e.outcome === 'accepted', ms, recovering);
    return polled.atMs !== undefined
      ? { ok: true, observed: `accepted again after ${seconds(polled.atMs)} s`, exchanges: polled.sample }
      : { ok: false, observed: `a fresh valid token is still refused after ${seconds(polled.waitedMs)} s (${first.observed})`, exchanges: [...first.exchanges, ...polled.sample] };
  }

  /**
   * A new signing key K the backend has never seen, and the backend made to load the JWKS as the
   * issuer serves it now (`fault` applied): by a cold start, or else by sending K's tokens until it
   * refetches (an unknown kid, after whatever cooldown it keeps). `kid`: K's id, chosen.
   */
  async freshFetch(faultFor?: JwksFault | ((key: KeyInfo) => JwksFault), options: { anyStatus?: boolean; probe?: SendOptions; kid?: string } = {}): Promise<FreshFetch> {
    const key = await this.t.issuer.rotate(this.t.issuer.algorithms[0], options.kid);
    const fault = typeof faultFor === 'function' ? faultFor(key) : faultFor;
    if (fault) await this.t.issuer.setJwksFault(fault);
    const mark = await this.mark();
    const started = Date.now();
    const probeOptions = { ...(fault ? { jwksFault: fault.kind } : {}), ...options.probe };
    if (this.canRestart) {
      try {
        await this.restart(options);
      } catch (err) {
        const why = (err as Error).message.split('\n')[0]!;
        const fetches = await this.fetchesSince(mark);
        await this.t.issuer.clearJwksFault();
        const startsWithout = await this.restart().then(() => true, () => false);
        return { key, fetches, how: 'cold start', probe: undefined, waitedMs: Date.now() - started, notStarted: { why, startsWithout } };
      }
      const probe = await this.t.send(`a token of the new key ${key.kid} after a cold start`, { token: await this.signedBy(key.kid), ...probeOptions });
      return { key, fetches: await this.fetchesSince(mark), how: 'cold start', probe, waitedMs: Date.now() - started };
    }
    const { fetches } = await this.untilFetched(mark, `a token of the new key ${key.kid}`, () => this.signedBy(key.kid), probeOptions);
    // Asked again once the fetch is seen: a client that refreshes in the background has its keys by now.
    const probe = await this.t.send(`a token of the new key ${key.kid} after the backend fetched the JWKS`, { token: await this.signedBy(key.kid), ...probeOptions });
    return { key, fetches, how: 'unknown kid', probe, waitedMs: Date.now() - started };
  }

  /**
   * The fetches since `mark`, once none has come for STARTUP_QUIET_MS (nothing is sent meanwhile): how
   * many there were. A fetch a busy machine logs late is still counted.
   */
  async settledFetches(mark: number, withinMs = 10 * STARTUP_QUIET_MS): Promise<number> {
    const started = Date.now();
    let seen = (await this.fetchesSince(mark)).length;
    let quietSince = Date.now();
    // A client that refreshes more often than the quiet period never settles: counted as it stands then.
    while (Date.now() - quietSince < STARTUP_QUIET_MS && Date.now() - started < withinMs) {
      await delay(POLL_INTERVAL_MS);
      const now = (await this.fetchesSince(mark)).length;
      if (now !== seen) [seen, quietSince] = [now, Date.now()];
    }
    return seen;
  }

  /**
   * Sends `token()` every 250 ms until the backend fetches the JWKS (a fetch after `mark` in the
   * log), for at most the accepted rotation delay (capped by the wait budget).
   */
  async untilFetched(mark: number, label: string, token: () => Promise<string> | string, options: SendOptions = {}): Promise<{ fetches: JwksFetch[]; first: Exchange | undefined; last: Exchange | undefined; waitedMs: number }> {
    const { ms } = this.bound(this.settings.maxRotationDelayS * 1000);
    const started = Date.now();
    let first: Exchange | undefined;
    let last: Exchange | undefined;
    for (;;) {
      last = await this.sendQuiet(label, await token(), options);
      first ??= last;
      const fetches = await this.fetchesSince(mark);
      if (fetches.length || Date.now() - started >= ms) return { fetches, first, last, waitedMs: Date.now() - started };
      await delay(POLL_INTERVAL_MS);
    }
  }

  /**
   * untilFetched for a JWKS that holds its fetches (a hang): a client that holds the request that
   * caused the fetch (keyfunc, a bare fetch) would hold the loop too, so each request is left in
   * flight once a fetch is seen or a moment has passed. Returns every request sent, answered or not.
   */
  async untilFetchedInFlight(mark: number, label: string, token: () => Promise<string> | string, options: SendOptions = {}): Promise<{ fetches: JwksFetch[]; sent: Promise<Exchange>[] }> {
    const { ms } = this.bound(this.settings.maxRotationDelayS * 1000);
    const started = Date.now();
    const sent: Promise<Exchange>[] = [];
    for (;;) {
      const exchange = this.sendQuiet(label, await token(), options);
      sent.push(exchange);
      await Promise.race([exchange, delay(4 * POLL_INTERVAL_MS)]);
      const fetches = await this.fetchesSince(mark);
      if (fetches.length || Date.now() - started >= ms) return { fetches, sent };
      await delay(POLL_INTERVAL_MS);
    }
  }

  /**
   * Waits until an unknown kid would make the backend fetch again: a cold start, or else the
   * backend's own cooldown measured (unknown kids sent until one refetches; as long again after it).
   * A cold start waits out the key load a client makes by itself as it starts (keyfunc, jwx's cache),
   * which may land after the backend answers: that load is no unknown kid's fetch.
   * Returns false when the backend never refetched on an unknown kid within the rotation delay.
   */
  async kidMissReady(): Promise<{ ready: boolean; observed: string }> {
    if (this.canRestart) {
      const mark = await this.mark();
      await this.restart();
      const loads = await this.settledFetches(mark);
      return { ready: true, observed: loads ? `cold start (the backend loaded its keys by itself as it started: ${loads} fetch${loads > 1 ? 'es' : ''})` : 'cold start' };
    }
    const before = await this.lastFetchAt();
    const mark = await this.mark();
    const started = Date.now();
    const { fetches, waitedMs } = await this.untilFetched(mark, 'an unknown kid, to time the refetch cooldown', () => this.garbage(JwksLab.randomKid()));
    if (!fetches.length) return { ready: false, observed: `no unknown kid made the backend fetch the JWKS within ${seconds(waitedMs)} s` };
    const at = fetches[0]!.epochMs;
    // Since its previous fetch, if that was recent; never longer than the accepted rotation delay.
    const cooldown = Math.min(before !== undefined ? at - before : at - started, this.bound(this.settings.maxRotationDelayS * 1000).ms);
    // As long again after this fetch, and the next unknown kid fetches.
    await delay(Math.max(0, at + cooldown + POLL_INTERVAL_MS - Date.now()));
    return { ready: true, observed: `refetch cooldown measured at about ${seconds(cooldown)} s` };
  }

  async close(): Promise<void> {
    await Promise.all([this.t.issuer.clearJwksFault(), this.control?.close()]);
  }
}

function sampleOf(...exchanges: (Exchange | undefined)[]): Exchange[] {
  return [...new Set(exchanges.filter((e): e is Exchange => e !== undefined))];
}

/**
 * Independent scenarios of one measurement: with labs, side by side, the first in this check's lab
 * and each other in a new lab of its own; without, one after another here. Results keep the
 * scenarios' order. Each scenario starts by making its backend healthy (JwksLab.ensureHealthy).
 */
export async function eachScenario<S, R>(lab: JwksLab, t: CheckTools, scenarios: S[], name: (s: S) => string, estimateS: number, run: (lab: JwksLab, t: CheckTools, scenario: S) => Promise<R>): Promise<R[]> {
  const inNewLab = t.inNewLab;
  if (!inNewLab) {
    const results: R[] = [];
    for (const scenario of scenarios) results.push(await run(lab, t, scenario));
    return results;
  }
  const [first, ...rest] = scenarios;
  return Promise.all([
    ...(first === undefined ? [] : [run(lab, t, first)]),
    ...rest.map((scenario) =>
      inNewLab(name(scenario), estimateS, async (other) => {
        const own = new JwksLab(other);
        try {
          return await run(own, other, scenario);
        } finally {
          await own.close();
        }
      }),
    ),
  ]);
}

/** `work` with an attacker listener of its own (another origin, bound and named as the run says, which logs every request), stopped after. */
export async function withAttacker<T>(run: CheckTools['run'], work: (attacker: AttackerListener) => Promise<T>): Promise<T> {
  const attacker = await AttackerListener.start(run.attacker);
  try {
    return await work(attacker);
  } finally {
    await attacker.stop();
  }
}

/** Fetches of the configured JWKS path (the redirect target and anything else aside). */
export const jwksPathFetches = (fetches: JwksFetch[]): JwksFetch[] => fetches.filter((f) => f.path.split('?')[0] === JWKS_PATH);

/** The p-th percentile of durations. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** ERROR when the backend never fetched the JWKS the check had just set up; undefined when it did. */
export const notFetched = (loaded: FreshFetch): CheckResult | undefined =>
  loaded.notStarted
    ? { verdict: 'ERROR', observed: `inconclusive: the backend did not start while the JWKS served the check's set (${loaded.notStarted.why})${loaded.notStarted.startsWithout ? ', and started with the plain set' : ''}` }
    : jwksPathFetches(loaded.fetches).length
      ? undefined
      : { verdict: 'ERROR', observed: `inconclusive: the backend did not fetch the JWKS within ${seconds(loaded.waitedMs)} s (${loaded.how})`, evidence: loaded.probe ? [loaded.probe] : [] };

export const fetchSummary = (fetches: JwksFetch[]) => `${fetches.length} JWKS fetch${fetches.length === 1 ? '' : 'es'}`;
export const refused = (e: Exchange) => e.outcome === 'rejected' || e.outcome === 'server-error';

/**
 * A bound the backend must meet, judged on a poll with what the wait budget allowed to see. It held by
 * the answer that met it (PASS when that came within the bound) and not when the last request that did
 * not meet it was sent (FAIL when that was past the bound); the poll's start is the last moment it is
 * taken not to hold. A bound between the two (the harness slow to send, or to sign the next token) is
 * not decided by guessing: ERROR.
 */
export function timeBound(what: string, poll: Pick<PollResult, 'atMs' | 'lastMissMs' | 'waitedMs'>, limitS: number, short: boolean, unit: string): CheckResult {
  const { atMs, lastMissMs, waitedMs } = poll;
  if (atMs !== undefined) {
    const s = seconds(atMs);
    const before = seconds(lastMissMs ?? 0);
    const when = lastMissMs === undefined ? `at the first request, answered after ${s} s` : `after ${s} s`;
    if (before > limitS + 1) return { verdict: 'FAIL', observed: `${what} only after ${s} s (not yet at ${before} s), beyond the accepted ${limitS} s`, measured: { [unit]: s } };
    if (s <= limitS + 1) return { verdict: 'PASS', observed: `${what} ${when} (accepted: ${limitS} s)`, measured: { [unit]: s } };
    return {
      verdict: 'ERROR',
      observed: `inconclusive: ${lastMissMs === undefined ? 'nothing was refused' : `not yet at ${before} s`}, and ${what} ${when}; the accepted ${limitS} s lies between, where the harness sent nothing (a loaded machine, slow to send or sign: run again, or with fewer --jobs)`,
      measured: { [unit]: s },
    };
  }
  const waited = seconds(waitedMs);
  // Cut short by the wait budget: not a verdict on the backend, and not the harness's failure either.
  const decidingBudgetS = Math.ceil(limitS) + 2;
  return short
    ? {
        verdict: 'INFO',
        observed: `undecided within the wait budget: not ${what} within ${waited} s, and the accepted bound is ${limitS} s; --wait-budget ${decidingBudgetS} (jwks.waitBudgetS) would decide it`,
        measured: { [`${unit}AtLeast`]: waited },
        undecided: { waitedS: waited, decidingBudgetS },
      }
    : { verdict: 'FAIL', observed: `not ${what} within ${waited} s (accepted: ${limitS} s)`, measured: { [`${unit}AtLeast`]: waited } };
}

