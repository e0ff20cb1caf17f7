// The DSL suite files are written in. `family('SIG')` sets up one family file: a connection to the
// run's issuer, a client for the backend, a real user with a fresh valid token, and the positive
// control that gates every check (a backend that rejects valid tokens gets ERROR, never PASS).
// `check(meta, run)` is one Vitest test per check ID; its record lands in the test's meta, where
// the runner's reporter collects it. The family ends with a CTL-PERSIST probe after its attacks.
import { afterAll, beforeAll, inject, test } from 'vitest';
import { CapabilityMissing, IssuerFeatureDisabled, missingNeeds, skipReason } from '../issuer/capabilities.js';
import type { IssuerProfile } from '../issuer/capabilities.js';
import { connectIssuer } from '../issuer/connect.js';
import type { AnyIssuerConnection } from '../issuer/connect.js';
import type { IssuerHandle, IssuerUser } from '../issuer/handle.js';
import type { IssuerAlgorithm, SignRequest } from '../issuer/protocol.js';
import type { AttackerReach } from '../attacker/reach.js';
import { reachFromFetches } from '../attacker/reach.js';
import type { JwksSettings } from '../config/config.js';
import type { ResourceContract } from '../config/resources.js';
import type { OpenApiSource } from '../openapi/operations.js';
import { nowSeconds, setBackendClockOffset } from '../forge/token.js';
import { pathOf } from '../json-path.js';
import { TargetClient } from '../target/client.js';
import { ControlClient } from '../target/control.js';
import type { TargetControlConnection } from '../target/control.js';
import type { LabConnection, LabRelease } from '../run/labs.js';
import type { FetchedExchange, SendOptions, TargetSettings } from '../target/client.js';
import type { CheckMeta, CheckRecord, Exchange, Family, Timeline } from './model.js';
import { familyOf, selected, unmetSettings } from './model.js';
import type { RunFacts } from './model.js';
import { CAUSES, explainsWhenFailing, followsFrom, unobservedPass } from './oracle.js';
import type { CheckResult } from './oracle.js';
import { rememberingSecrets, takeRemembered } from './secrets.js';
import { TimelineSlot, recordingKeyEvents } from './timeline.js';
import type { LabTimeline, TimelineBound } from './timeline.js';
import { addTraffic, noTraffic, takeTraffic } from './traffic.js';
import type { KnownSecret } from '../report/redact.js';

/** What the runner hands every worker (serializable). */
export interface ProvidedRun {
  runId: string;
  /** The run's ledger (harness/ledger.ts): every process notes there the resources it creates through the resource contract. */
  ledger: string;
  issuer: AnyIssuerConnection;
  /** The issuer's mode and what the run provides (the mode's capabilities, plus restart-backend with target.start). */
  profile: IssuerProfile;
  /** Check ID prefixes selected with --only (absent: all). */
  only?: string[];
  /** Check ID prefixes left out with --skip. */
  skip?: string[];
  /** A published key of an algorithm the backend is not configured for (SIG-ALG-NOT-ALLOWED). */
  alternateKey?: { kid: string; alg: IssuerAlgorithm };
  /** The second issuer the backend trusts (issuer.second): a harness issuer of its own keys and iss. */
  secondIssuer?: AnyIssuerConnection;
  target: TargetSettings;
  jwks: JwksSettings;
  /** Resources for the isolation checks (may be empty). */
  resources: ResourceContract[];
  /** Where the backend's OpenAPI document is, when configured. */
  openapi?: OpenApiSource;
  /** Present when the harness started the backend and can restart it (a cold start). */
  targetControl?: TargetControlConnection & { readinessTimeoutMs: number };
  /** Present when checks that ask for one get a lab of their own (harness/run/labs.ts): the runner's lab routes. */
  labs?: { control: TargetControlConnection; jobs: number };
  /** Where attacker listeners bind and what their URLs name, and whether the backend reaches them (CheckMeta.watchesAttacker). */
  attacker: AttackerReach;
}

declare module 'vitest' {
  interface ProvidedContext {
    conformance: ProvidedRun;
  }
  interface TaskMeta {
    check?: CheckRecord;
    /** Set at collection, so `ba-conformance list` reads the catalogue without running anything. */
    catalogue?: CheckMeta;
    /** The credentials the worker's issuers handed out since its last finished check, for the report's redaction (in memory only). */
    secrets?: KnownSecret[];
  }
}

export interface CheckTools {
  /** The ID of the check being run (requests carry it in their User-Agent). */
  checkId: string;
  run: ProvidedRun;
  issuer: IssuerHandle;
  target: TargetClient;
  /** User A (this family's own), and a fresh valid token of theirs. */
  user: IssuerUser;
  token: string;
  /** The claims of `token`. */
  claims: Record<string, unknown>;
  /** Sends one request to the protected endpoint (token in a Bearer header unless told otherwise) and keeps it as evidence. */
  send(label: string, tokenOrOptions: string | SendOptions): Promise<Exchange>;
  /** Like `send`, with the whole response body too. */
  fetch(label: string, options: SendOptions): Promise<FetchedExchange>;
  /** The positive control, with this check's evidence: `token` must be accepted (and name A at the identity endpoint). */
  stillValid(label: string, token: string): Promise<{ ok: boolean; observed: string }>;
  /** Sends every [label, token] pair concurrently. */
  sendAll(variants: [string, string][]): Promise<Exchange[]>;
  /** The alg and kid Better Auth's own tokens carry now (no kid with a shared HS256 secret), for validly signed variants. */
  currentKey(): Promise<{ alg: string; kid?: string }>;
  /** Now, in seconds since the epoch, on the backend's clock (harness/target/clock.ts): the base of every token time a check sets. */
  now(): number;
  /** Where a family with timelines notes what its requests and the issuer's log do not show (a restart). */
  timeline?: LabTimeline;
  /** A token validly signed by the issuer's current key: A's claims with `changes` applied (undefined deletes). */
  signed(changes: Record<string, unknown>, request?: Omit<SignRequest, 'claims'>): Promise<string>;
  skip(observed: string): CheckResult;
  /**
   * Runs `work` in another lab of its own, beside this check's (a measurement whose scenarios are
   * independent runs them side by side). Absent when the run gives no labs: run them here, in turn.
   */
  inNewLab?: <T>(name: string, estimateS: number, work: (lab: CheckTools) => Promise<T>) => Promise<T>;
}

/** What a check may require (CheckMeta.requires), as the run has it; the issuer's algorithms once the family has one. */
const runFacts = (run: Pick<ProvidedRun, 'openapi' | 'target' | 'resources' | 'labs' | 'secondIssuer'>, issuer?: IssuerHandle): RunFacts => ({
  openapi: Boolean(run.openapi),
  identityPath: Boolean(run.target.identityPath),
  resources: run.resources.length > 0,
  labs: Boolean(run.labs),
  secondIssuer: Boolean(run.secondIssuer),
  ...(issuer ? { algorithms: issuer.algorithms } : {}),
});

/** How a check runs: gated by the positive control (default), and, in a family with labs, in which lab. */
export interface CheckOptions {
  gated?: boolean;
  /** Checks naming the same group share one lab, one after another (they share a measurement); others get their own. */
  labGroup?: string;
  /** Roughly how long the check takes, in seconds: with labs, the longest start first. */
  estimateS?: number;
  /**
   * Its attack leaves state in the backend that a later check would inherit (a JWKS rate limiter
   * emptied by unknown kids): its lab is never handed to another check, which would otherwise see
   * refusals that this check caused, or not, by the order the checks happened to run in.
   */
  spendsLab?: boolean;
  /**
   * Its attack tokens carry no valid signature of the issuer's keys: accepting one follows from
   * unverified signatures when SIG-UNVERIFIED fails too, unless the check saw its own signal (a fetch
   * by the attacker listener).
   */
  forgesSignature?: boolean;
  /** The cause (CAUSES) this check's finding names. */
  explains?: string;
  /** Causes (CAUSES) its finding may follow from, most fundamental first. */
  causes?: string[];
  /** In a family with timelines: the bound its picture draws as a line. */
  timelineBound?: TimelineBound;
}

/** A result with the causes its check declares: its own (explains), those it may follow from, and what it rests on. */
function withCauses(result: CheckResult, options: CheckOptions & FamilyOptions): CheckResult {
  const ownSignal = result.ownSignal === true || Number(result.measured?.attackerFetches ?? 0) > 0;
  const causes = [...(options.forgesSignature && !ownSignal ? [CAUSES.signaturesUnverified] : []), ...(options.causes ?? [])];
  const named = options.explains ? explainsWhenFailing(options.explains, result) : result;
  const followed = followsFrom(causes, named);
  return options.restsOnSignatures && !ownSignal ? { ...followed, restsOn: [CAUSES.signaturesUnverified] } : followed;
}

export interface FamilyOptions {
  /** Its checks get labs of their own (CheckOptions.labGroup) when the run provides them. */
  labs?: boolean;
  /**
   * Its checks measure what a verifier does with keys and tokens (JWKS, keys, lifecycle): on a backend
   * that verifies no signature every verdict of theirs, PASS included, is SIG-UNVERIFIED's, unless the
   * check saw its own signal (a fetch by the attacker listener).
   */
  restsOnSignatures?: boolean;
  /**
   * Its checks' records carry a timeline (CheckRecord.timeline): each request and its answer, the
   * issuer's JWKS fetches, key and fault changes and restarts, from the lab's (or group's) start.
   */
  timelines?: boolean;
}

interface FamilyState {
  run: ProvidedRun;
  issuer: IssuerHandle;
  target: TargetClient;
  user: IssuerUser;
  token: string;
  /** Why the positive control failed, when it did. */
  gate?: { observed: string; evidence: Exchange[] };
  /** Where its target client and issuer record, in a family with timelines. */
  timeline?: TimelineSlot;
}

/** One exchange of a positive control: an acceptance and, at the identity endpoint, the expected subject. */
export function judgeValid(target: TargetClient, exchange: Exchange, expectedSub: string): { ok: boolean; observed: string } {
  const where = new URL(exchange.request.url).pathname;
  if (exchange.outcome !== 'accepted') {
    const status = exchange.response ? `${exchange.response.status} ${exchange.response.bodyExcerpt.slice(0, 120)}` : exchange.error;
    return { ok: false, observed: `a fresh valid token was not accepted at ${where}: ${status}` };
  }
  if (!target.isIdentityExchange(exchange)) return { ok: true, observed: `accepted at ${where} (${exchange.response!.status})` };
  const subject = target.subjectOf(exchange);
  if (subject !== expectedSub) {
    exchange.outcome = 'identity-mismatch';
    return { ok: false, observed: `accepted, but ${where} named ${JSON.stringify(subject)} instead of ${expectedSub}${subjectHint(target, exchange, expectedSub)}` };
  }
  return { ok: true, observed: `accepted at ${where} as ${subject}` };
}

/** Where the expected subject is in the identity endpoint's answer, when target.identitySubject looks elsewhere: the fix, not a hunt. */
function subjectHint(target: TargetClient, exchange: Exchange, expectedSub: string): string {
  // Only when nothing is at the configured path: an answer naming someone else there is a finding, and a
  // hint towards another field (where the backend might echo the token's sub) would hide it.
  if (target.subjectOf(exchange) !== undefined) return '';
  let body: unknown;
  try {
    body = JSON.parse(exchange.response?.bodyExcerpt ?? '');
  } catch {
    return ''; // not JSON, or an excerpt cut short: nothing to point at
  }
  const found = pathOf(body, expectedSub);
  if (found === undefined || found === target.settings.identitySubject) return '';
  return `; the expected subject is at ${JSON.stringify(found)}: set target.identitySubject: '${found}' in the config`;
}

type Send = (label: string, options: SendOptions) => Promise<Exchange>;

/** The positive control: a valid token is accepted at the protected endpoint and, when configured, named right by the identity endpoint. */
export async function provesValid(send: Send, target: TargetClient, label: string, token: string, expectedSub: string): Promise<{ ok: boolean; observed: string; exchanges: Exchange[] }> {
  const { protectedPath, identityPath } = target.settings;
  const paths = identityPath && identityPath !== protectedPath ? [protectedPath, identityPath] : [protectedPath];
  const exchanges = await Promise.all(paths.map((path) => send(label, { token, path })));
  const judged = exchanges.map((e) => judgeValid(target, e, expectedSub));
  return { ok: judged.every((j) => j.ok), observed: judged.map((j) => j.observed).join('; '), exchanges };
}

function record(suite: Family, meta: CheckMeta, result: CheckResult, evidence: Exchange[], startedAt: number): CheckRecord {
  const { evidence: extra = [], ...rest } = result;
  return { ...meta, family: familyOf(meta.id), suite, ...rest, evidence: [...extra, ...evidence], durationMs: Math.round(performance.now() - startedAt) };
}

/** The check ID a family's own requests (its positive control, a lab's set-up and hand-back) are sent and counted under. */
const setupId = (family: string) => `${family}-setup`;

/** A user of its own and a fresh valid token, on `issuer`, and the positive control against `target`. */
async function prepare(name: string, run: ProvidedRun, handle: IssuerHandle, target: TargetClient, timeline?: TimelineSlot): Promise<FamilyState> {
  setBackendClockOffset(run.target.clockOffsetS ?? 0);
  const issuer = timeline ? recordingKeyEvents(handle, timeline) : handle;
  const user = await issuer.createUser();
  const token = await issuer.tokenFor(user);
  const state: FamilyState = { run, issuer, target, user, token, ...(timeline ? { timeline } : {}) };
  const control = await provesValid((label, o) => target.send(setupId(name), label, o), target, 'positive control: fresh valid token', token, user.id);
  if (!control.ok) state.gate = { observed: control.observed, evidence: control.exchanges };
  return state;
}

/** The tools a check gets, on one issuer and backend (the family's, or a lab's); `evidence` keeps what it sends, in send order. */
function toolsFor(meta: CheckMeta, s: FamilyState, evidence: Exchange[]): CheckTools {
  const sentOrder: number[] = [];
  let sent = 0;
  const fetch = async (label: string, options: SendOptions) => {
    const order = sent++;
    const fetched = await s.target.fetch(meta.id, label, options);
    const at = sentOrder.findIndex((n) => n > order);
    const index = at === -1 ? sentOrder.length : at;
    sentOrder.splice(index, 0, order);
    evidence.splice(index, 0, fetched.exchange);
    return fetched;
  };
  const send = async (label: string, tokenOrOptions: string | SendOptions) => (await fetch(label, typeof tokenOrOptions === 'string' ? { token: tokenOrOptions } : tokenOrOptions)).exchange;
  const claims = JSON.parse(Buffer.from(s.token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {
    checkId: meta.id,
    run: s.run,
    issuer: s.issuer,
    target: s.target,
    user: s.user,
    token: s.token,
    claims,
    send,
    fetch,
    sendAll: (variants) => Promise.all(variants.map(([label, token]) => send(label, token))),
    stillValid: (label, token) => provesValid(send, s.target, label, token, s.user.id),
    async currentKey() {
      if (s.issuer.sharedSecret === undefined) return s.issuer.signingKey();
      const header = JSON.parse(Buffer.from(s.token.split('.')[0]!, 'base64url').toString('utf8')) as { alg: string };
      return { alg: header.alg };
    },
    ...(s.timeline?.current ? { timeline: s.timeline.current } : {}),
    now: nowSeconds,
    async signed(changes, request = {}) {
      const next = { ...claims, ...changes };
      for (const [k, v] of Object.entries(changes)) if (v === undefined) delete next[k];
      return (await s.issuer.sign({ ...request, claims: next })).token;
    },
    skip: (observed) => ({ verdict: 'SKIP', observed }),
  };
}

/** What `s`'s slot recorded since it began, with the issuer's fetch log where it keeps one, and the bound the check draws. */
async function timelineOf(s: FamilyState, label: string, bound?: TimelineBound): Promise<Timeline> {
  const fetches = s.run.profile.capabilities.includes('fetch-log') ? await s.issuer.jwksFetches().catch(() => []) : [];
  const line = bound && { label: `jwks.${bound.setting} (${s.run.jwks[bound.setting]} s)`, afterS: s.run.jwks[bound.setting], anchor: bound.after };
  return s.timeline!.current!.snapshot(label, fetches, line);
}

/**
 * A check's lab, or its group's: acquired from the runner's pool by the group's first check, given
 * back after its last. Members run one after another (they share the lab's keys and backend).
 */
class LabGroups {
  private readonly groups = new Map<string, { members: string[]; done: number; spends: boolean; lab?: Promise<LabState>; turn: Promise<unknown> }>();

  constructor(
    private readonly family: string,
    private readonly timelines: boolean,
  ) {}

  /** At collection: the checks of each group, and whether one of them spends the lab (CheckOptions.spendsLab). */
  register(id: string, group: string, spendsLab = false): void {
    const g = this.groups.get(group) ?? { members: [], done: 0, spends: false, turn: Promise.resolve() };
    g.members.push(id);
    g.spends ||= spendsLab;
    this.groups.set(group, g);
  }

  /** Runs `work` in the group's lab, after the group's earlier checks; the last selected member gives the lab back. */
  async within<T>(run: ProvidedRun, group: string, estimateS: number, work: (lab: LabState) => Promise<T>): Promise<{ result: T; backendExit?: string }> {
    const g = this.groups.get(group)!;
    const mine = g.turn.then(async () => {
      g.lab ??= openLab(this.family, run, group, estimateS, this.timelines);
      return work(await g.lab);
    });
    g.turn = mine.catch(() => undefined);
    let result: T;
    try {
      result = await mine;
    } finally {
      g.done++;
    }
    const lab = await g.lab!.catch(() => undefined);
    const selectedMembers = g.members.filter((id) => selected(run, id)).length;
    // The last selected member gives the lab back; an exit of its backend is charged to the check it happened in.
    const { backendExit } = (g.done < selectedMembers ? await lab?.exitSinceLastAsked() : await lab?.release(!g.spends && (await stillHealthy(lab)))) ?? {};
    return backendExit ? { result, backendExit } : { result };
  }
}

interface LabState extends FamilyState {
  labId: string;
  /** The family whose check has it (its set-up requests are counted under the family's). */
  family: string;
  /** Hands the lab back; `reusable`: the next check may get it as it is. */
  release(reusable: boolean): Promise<{ backendExit?: string }>;
  /** An exit of the lab's backend nobody asked for, since the last time this was asked. */
  exitSinceLastAsked(): Promise<{ backendExit?: string }>;
}

/** Whether a lab can serve the next check as it is: no JWKS fault left, and a fresh valid token accepted. */
async function stillHealthy(lab: LabState): Promise<boolean> {
  try {
    await lab.issuer.clearJwksFault();
    const token = await lab.issuer.tokenFor(lab.user);
    // Right after a check's JWKS fault the backend may still be without keys: a 503 then is fair (traffic.ts).
    return (await provesValid((label, o) => lab.target.send(setupId(lab.family), label, { ...o, jwksFault: 'recovering' }), lab.target, 'lab handed back: a fresh valid token is accepted', token, lab.user.id)).ok;
  } catch {
    return false;
  }
}

/**
 * Whether the backend of `s` (the run's or a lab's) reaches the attacker listener, judged now: from
 * where its JWKS fetches to this issuer came, when the issuer logs them and logged any; else the
 * run's answer from the configuration. A log that cannot be read leaves the configuration's answer.
 */
async function attackerReachNow(s: FamilyState): Promise<AttackerReach> {
  const configured = s.run.attacker;
  if (!configured.fetchesDecide || !s.run.profile.capabilities.includes('fetch-log')) return configured;
  const fetches = await s.issuer.jwksFetches(0).catch(() => []);
  return reachFromFetches(configured, fetches, s.run.profile.mode === 'container');
}

/** How long a worker waits for a lab: queued behind the longest checks, then started. */
const LAB_WAIT_MS = 3_600_000;

async function openLab(name: string, run: ProvidedRun, label: string, estimateS: number, timelines: boolean, parent?: string): Promise<LabState> {
  const labs = run.labs!;
  const client = new ControlClient(labs.control, LAB_WAIT_MS);
  const lab = await client.call<LabConnection>('POST', '/labs', { name: label, estimateS, ...(parent ? { parent } : {}) });
  const said = (exit: LabRelease['backendExit']) => (exit ? { backendExit: `the lab's backend exited during the check (${exit.describe}); its last output:\n${exit.output}` } : {});
  const release = async (reusable: boolean) => {
    await target.close();
    return said((await client.call<LabRelease>('POST', `/labs/${encodeURIComponent(lab.id)}/release`, { reusable }).finally(() => client.close())).backendExit);
  };
  const exitSinceLastAsked = async () => said((await client.call<LabRelease>('POST', `/labs/${encodeURIComponent(lab.id)}/exit`)).backendExit);
  const labRun: ProvidedRun = {
    ...run,
    issuer: lab.issuer,
    target: { ...run.target, baseUrl: lab.baseUrl },
    ...(run.targetControl ? { targetControl: { ...lab.control, readinessTimeoutMs: run.targetControl.readinessTimeoutMs } } : {}),
  };
  if (lab.alternateKey) labRun.alternateKey = lab.alternateKey;
  else delete labRun.alternateKey;
  const timeline = timelines ? new TimelineSlot() : undefined;
  timeline?.begin();
  const target = new TargetClient(labRun.target, timeline?.observe);
  let state: FamilyState;
  try {
    state = await prepare(name, labRun, rememberingSecrets(connectIssuer(lab.issuer, `${name}-${label}`)), target, timeline);
  } catch (err) {
    await release(false).catch(() => undefined);
    throw err;
  }
  // A lab handed back healthy that refuses a fresh valid token now is the earlier check's leftover, not
  // this check's backend: it is stopped, and the check takes another (a new lab's refusal stands).
  if (state.gate && lab.reused) {
    await release(false);
    return openLab(name, run, label, estimateS, timelines, parent);
  }
  return { ...state, labId: lab.id, family: name, release, exitSinceLastAsked };
}

/** A measurement's scenario in a lab of its own (CheckTools.inNewLab); what it shows is what `work` returns. */
async function inNewLab<T>(name: string, meta: CheckMeta, run: ProvidedRun, parent: { labId: string; timeline?: TimelineSlot | undefined }, label: string, estimateS: number, work: (t: CheckTools) => Promise<T>): Promise<T> {
  const lab = await openLab(name, run, `${meta.id}: ${label}`, estimateS, parent.timeline !== undefined, parent.labId);
  try {
    if (lab.gate) throw new Error(`in the lab for ${label}, ${lab.gate.observed}`);
    return await work(toolsFor(meta, lab, []));
  } finally {
    // Its picture goes under the check's own, before the hand-back's health check.
    const scenario = lab.timeline?.current;
    if (scenario) parent.timeline?.current?.addLane((await timelineOf(lab, label)).lanes[0]!, scenario.startedAtMs);
    const { backendExit } = await lab.release(await stillHealthy(lab));
    if (backendExit) throw new Error(`${label}: ${backendExit}`);
  }
}

/**
 * `labs`: each check (or group of checks sharing a measurement) gets an issuer and a backend of its
 * own when the run provides labs, and the family's checks run side by side; without labs they run
 * one after another on the run's issuer and backend. The JWKS family needs this: each check changes
 * the issuer's keys or faults, restarts the backend and counts its fetches.
 */
export function family(name: Family, options: FamilyOptions = {}) {
  let state: FamilyState | undefined;
  let setupError: string | undefined;
  const ids: string[] = [];
  // Absent when the catalogue is read without a run (`list`).
  const collected = inject('conformance') as ProvidedRun | undefined;
  const inLabs = Boolean(options.labs && collected?.labs);
  const groups = new LabGroups(name, options.timelines === true);
  /** Without labs: the groups whose timeline has begun (a group's checks run one after another on the run's backend). */
  const begun = new Set<string>();

  beforeAll(async () => {
    try {
      const run = inject('conformance');
      // A user of its own per family: a backend that locks a user out after attacks affects one family only.
      const timeline = options.timelines ? new TimelineSlot() : undefined;
      state = await prepare(name, run, rememberingSecrets(connectIssuer(run.issuer, name)), new TargetClient(run.target, timeline?.observe), timeline);
    } catch (err) {
      setupError = `the family could not be set up: ${(err as Error).message}`;
    }
  });
  afterAll(async () => {
    await state?.target.close();
  });

  /** What was sent for the check, and for the family's set-up (its own user, a lab's) before it, onto its record. */
  function carryTraffic(meta: { check?: CheckRecord }, id: string): void {
    const traffic = addTraffic(takeTraffic(id), takeTraffic(setupId(name))) ?? noTraffic();
    // Always set, empty when it sent nothing: its evidence (a gated check's positive control) was counted where it was sent.
    if (meta.check) meta.check = { ...meta.check, traffic: addTraffic(meta.check.traffic, traffic)! };
  }

  function check(meta: CheckMeta, run: (tools: CheckTools) => Promise<CheckResult>, checkOptions: CheckOptions = {}): void {
    ids.push(meta.id);
    const group = checkOptions.labGroup ?? meta.id;
    if (inLabs) groups.register(meta.id, group, checkOptions.spendsLab);
    (options.labs && !inLabs ? test : test.concurrent)(meta.id, { meta: { catalogue: meta } }, async ({ task, onTestFinished }) => {
      onTestFinished(() => {
        task.meta.secrets = takeRemembered();
        carryTraffic(task.meta, meta.id);
      });
      // In labs, reset once the check has its lab: waiting in the queue is not the check's time.
      let startedAt = performance.now();
      const evidence: Exchange[] = [];
      let timeline: Timeline | undefined;
      // Replaced when the check finishes; a check that times out or crashes keeps this, with what it sent.
      task.meta.check = record(name, meta, { verdict: 'ERROR', observed: 'the check did not finish (timed out or crashed)' }, evidence, startedAt);
      const finish = (result: CheckResult, extra: Exchange[] = []) => {
        task.meta.check = { ...record(name, meta, result, [...extra, ...evidence], startedAt), ...(timeline ? { timeline } : {}) };
        if (result.verdict === 'FAIL' || result.verdict === 'ERROR') throw new Error(`${meta.id}: ${result.verdict}: ${result.observed}`);
      };
      // Needs the run's issuer mode cannot meet: SKIP with the reason, before anything is sent.
      const provided = state?.run ?? inject('conformance');
      const missing = missingNeeds(meta.needs, provided.profile.capabilities);
      if (missing.length) return finish({ verdict: 'SKIP', observed: skipReason(missing, provided.profile), measured: { missing: missing.join(', ') } });
      const unset = unmetSettings(meta.requires, runFacts(provided, state?.issuer));
      if (unset) return finish({ verdict: 'SKIP', observed: unset });
      if (!state) return finish({ verdict: 'ERROR', observed: setupError ?? 'the family was not set up' });
      const gatedOn = (s: FamilyState): CheckResult | undefined =>
        s.gate && checkOptions.gated !== false ? { verdict: 'ERROR', observed: `inconclusive: the backend rejects valid tokens (${s.gate.observed})`, evidence: s.gate.evidence, causes: [CAUSES.validTokensRefused] } : undefined;
      const gated = gatedOn(state);
      if (gated) return finish(gated);
      const attempt = async (s: FamilyState): Promise<CheckResult> => {
        if (inLabs) startedAt = performance.now();
        const labGated = gatedOn(s);
        if (labGated) return labGated;
        // On the run's own backend a group's picture begins with its first check (a lab's, when the lab is acquired).
        if (!inLabs && s.timeline && !begun.has(group)) {
          begun.add(group);
          s.timeline.begin();
        }
        const tools = toolsFor(meta, s, evidence);
        // Scenarios in labs of their own need a second lab at once: not with --jobs 1 (they run in turn).
        if ('labId' in s && (s.run.labs?.jobs ?? 1) > 1) {
          const parent = { labId: (s as LabState).labId, timeline: s.timeline };
          tools.inNewLab = (label, estimateS, work) => inNewLab(name, meta, s.run, parent, label, estimateS, work);
        }
        try {
          const result = withCauses(await run(tools), { ...checkOptions, restsOnSignatures: options.restsOnSignatures });
          return meta.watchesAttacker && result.verdict === 'PASS' ? unobservedPass(result, await attackerReachNow(s)) : result;
        } catch (err) {
          // A feature the external server turned off is not applicable; an undeclared need is the harness's bug: ERROR, never PASS.
          return err instanceof IssuerFeatureDisabled
            ? { verdict: 'SKIP', observed: `not applicable: ${err.message}` }
            : { verdict: 'ERROR', observed: err instanceof CapabilityMissing ? `the check used what the issuer cannot do: ${err.message}` : `the check itself failed: ${(err as Error).message}` };
        } finally {
          if (s.timeline?.current) timeline = await timelineOf(s, inLabs ? `lab (${group})` : `the run's backend (${group})`, checkOptions.timelineBound);
        }
      };
      if (!inLabs) return finish(await attempt(state));
      let outcome: { result: CheckResult; backendExit?: string };
      try {
        outcome = await groups.within(state.run, group, checkOptions.estimateS ?? 0, attempt);
      } catch (err) {
        return finish({ verdict: 'ERROR', observed: `no lab: ${(err as Error).message}` });
      }
      // A lab's backend that died mid-check decided nothing after that moment (as a run's backend).
      const { result, backendExit } = outcome;
      finish(backendExit && result.verdict !== 'SKIP' ? { ...result, verdict: 'ERROR', observed: `${backendExit}; the check had seen: ${result.observed}` } : result);
    });
  }

  /** Re-sends a fresh valid token after this family's attacks: still accepted, no lockout or poisoning. */
  function persistenceProbe(): void {
    test(`CTL-PERSIST after ${name}`, { meta: { catalogue: CTL_PERSIST } }, async ({ task, skip, onTestFinished }) => {
      onTestFinished(() => {
        task.meta.secrets = takeRemembered();
        carryTraffic(task.meta, CTL_PERSIST.id);
      });
      const run = state?.run ?? inject('conformance');
      if (!ids.some((id) => selected(run, id))) return skip(`no ${name} check was selected`);
      const startedAt = performance.now();
      const meta = CTL_PERSIST;
      if (!state || state.gate) {
        task.meta.check = record(name, meta, { verdict: 'ERROR', observed: 'inconclusive: the positive control failed before the attacks', ...(state?.gate ? { causes: [CAUSES.validTokensRefused] } : {}) }, state?.gate?.evidence ?? [], startedAt);
        throw new Error('CTL-PERSIST inconclusive');
      }
      const { target } = state;
      const token = await state.issuer.tokenFor(state.user);
      const probe = await provesValid((label, o) => target.send(meta.id, label, o), target, `valid token after the ${name} checks`, token, state.user.id);
      task.meta.check = record(name, meta, { verdict: probe.ok ? 'PASS' : 'FAIL', observed: `after the ${name} checks: ${probe.observed}` }, probe.exchanges, startedAt);
      if (!probe.ok) throw new Error(`CTL-PERSIST: ${probe.observed}`);
    });
  }

  return { check, persistenceProbe };
}

export const CTL_PERSIST: CheckMeta = {
  id: 'CTL-PERSIST',
  title: 'A valid token is still accepted after each batch of attacks',
  severity: 'medium',
  requirement: 'Rejected attacks must not lock out legitimate users or poison caches.',
  references: ['jwt_tool persistence checks'],
  taxonomy: { cwe: ['CWE-645'], capec: ['CAPEC-2'], owaspApi: 'API4:2023' },
  expected: '2xx with the right identity after every family',
  alone: false,
};
