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
import type { JwksSettings } from '../config/config.js';
import type { ResourceContract } from '../config/resources.js';
import type { OpenApiSource } from '../openapi/operations.js';
import { TargetClient } from '../target/client.js';
import type { TargetControlConnection } from '../target/control.js';
import type { FetchedExchange, SendOptions, TargetSettings } from '../target/client.js';
import type { CheckMeta, CheckRecord, Exchange, Family } from './model.js';
import { familyOf, selected } from './model.js';
import type { CheckResult } from './oracle.js';

/** What the runner hands every worker (serializable). */
export interface ProvidedRun {
  runId: string;
  issuer: AnyIssuerConnection;
  /** The issuer's mode and what the run provides (the mode's capabilities, plus restart-backend with target.start). */
  profile: IssuerProfile;
  /** Check ID prefixes selected with --only (absent: all). */
  only?: string[];
  /** Check ID prefixes left out with --skip. */
  skip?: string[];
  /** A published key of an algorithm the backend is not configured for (SIG-ALG-NOT-ALLOWED). */
  alternateKey?: { kid: string; alg: IssuerAlgorithm };
  target: TargetSettings;
  jwks: JwksSettings;
  /** Resources for the isolation checks (may be empty). */
  resources: ResourceContract[];
  /** Where the backend's OpenAPI document is, when configured. */
  openapi?: OpenApiSource;
  /** Present when the harness started the backend and can restart it (a cold start). */
  targetControl?: TargetControlConnection & { readinessTimeoutMs: number };
}

declare module 'vitest' {
  interface ProvidedContext {
    conformance: ProvidedRun;
  }
  interface TaskMeta {
    check?: CheckRecord;
    /** Set at collection, so `ba-conformance list` reads the catalogue without running anything. */
    catalogue?: CheckMeta;
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
  /** A token validly signed by the issuer's current key: A's claims with `changes` applied (undefined deletes). */
  signed(changes: Record<string, unknown>, request?: Omit<SignRequest, 'claims'>): Promise<string>;
  skip(observed: string): CheckResult;
}

interface FamilyState {
  run: ProvidedRun;
  issuer: IssuerHandle;
  target: TargetClient;
  user: IssuerUser;
  token: string;
  /** Why the positive control failed, when it did. */
  gate?: { observed: string; evidence: Exchange[] };
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
    return { ok: false, observed: `accepted, but ${where} named ${JSON.stringify(subject)} instead of ${expectedSub}` };
  }
  return { ok: true, observed: `accepted at ${where} as ${subject}` };
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

/**
 * `sequential`: the family's checks run one after another instead of all at once. The JWKS family
 * needs it: each check changes the issuer's keys or faults and counts the backend's fetches.
 */
export function family(name: Family, options: { sequential?: boolean } = {}) {
  let state: FamilyState | undefined;
  let setupError: string | undefined;
  const ids: string[] = [];

  beforeAll(async () => {
    try {
      const run = inject('conformance');
      const issuer = connectIssuer(run.issuer, name);
      const target = new TargetClient(run.target);
      // A user of its own per family: a backend that locks a user out after attacks affects one family only.
      const user = await issuer.createUser();
      const token = await issuer.tokenFor(user);
      state = { run, issuer, target, user, token };
      const control = await provesValid((label, o) => target.send(`${name}-setup`, label, o), target, 'positive control: fresh valid token', token, user.id);
      if (!control.ok) state.gate = { observed: control.observed, evidence: control.exchanges };
    } catch (err) {
      setupError = `the family could not be set up: ${(err as Error).message}`;
    }
  });
  afterAll(async () => {
    await state?.target.close();
  });

  function check(meta: CheckMeta, run: (tools: CheckTools) => Promise<CheckResult>, checkOptions: { gated?: boolean } = {}): void {
    ids.push(meta.id);
    (options.sequential ? test : test.concurrent)(meta.id, { meta: { catalogue: meta } }, async ({ task }) => {
      const startedAt = performance.now();
      const evidence: Exchange[] = [];
      // Replaced when the check finishes; a check that times out or crashes keeps this, with what it sent.
      task.meta.check = record(name, meta, { verdict: 'ERROR', observed: 'the check did not finish (timed out or crashed)' }, evidence, startedAt);
      const finish = (result: CheckResult, extra: Exchange[] = []) => {
        task.meta.check = record(name, meta, result, [...extra, ...evidence], startedAt);
        if (result.verdict === 'FAIL' || result.verdict === 'ERROR') throw new Error(`${meta.id}: ${result.verdict}: ${result.observed}`);
      };
      // Needs the run's issuer mode cannot meet: SKIP with the reason, before anything is sent.
      const provided = state?.run ?? inject('conformance');
      const missing = missingNeeds(meta.needs, provided.profile.capabilities);
      if (missing.length) return finish({ verdict: 'SKIP', observed: skipReason(missing, provided.profile), measured: { missing: missing.join(', ') } });
      if (!state) return finish({ verdict: 'ERROR', observed: setupError ?? 'the family was not set up' });
      if (state.gate && checkOptions.gated !== false) {
        return finish({ verdict: 'ERROR', observed: `inconclusive: the backend rejects valid tokens (${state.gate.observed})` }, state.gate.evidence);
      }
      const s = state;
      // Evidence lists exchanges in the order they were sent, not the order concurrent answers came back.
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
      const tools: CheckTools = {
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
        async signed(changes, request = {}) {
          const next = { ...claims, ...changes };
          for (const [k, v] of Object.entries(changes)) if (v === undefined) delete next[k];
          return (await s.issuer.sign({ ...request, claims: next })).token;
        },
        skip: (observed) => ({ verdict: 'SKIP', observed }),
      };
      let result: CheckResult;
      try {
        result = await run(tools);
      } catch (err) {
        // A feature the external server turned off is not applicable; an undeclared need is the harness's bug: ERROR, never PASS.
        result =
          err instanceof IssuerFeatureDisabled
            ? { verdict: 'SKIP', observed: `not applicable: ${err.message}` }
            : { verdict: 'ERROR', observed: err instanceof CapabilityMissing ? `the check used what the issuer cannot do: ${err.message}` : `the check itself failed: ${(err as Error).message}` };
      }
      finish(result);
    });
  }

  /** Re-sends a fresh valid token after this family's attacks: still accepted, no lockout or poisoning. */
  function persistenceProbe(): void {
    test(`CTL-PERSIST after ${name}`, { meta: { catalogue: CTL_PERSIST } }, async ({ task, skip }) => {
      const run = state?.run ?? inject('conformance');
      if (!ids.some((id) => selected(run, id))) return skip(`no ${name} check was selected`);
      const startedAt = performance.now();
      const meta = CTL_PERSIST;
      if (!state || state.gate) {
        task.meta.check = record(name, meta, { verdict: 'ERROR', observed: 'inconclusive: the positive control failed before the attacks' }, state?.gate?.evidence ?? [], startedAt);
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
  expected: '2xx with the right identity after every family',
};
