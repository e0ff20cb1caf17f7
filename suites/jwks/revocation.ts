// Revocation: a key removed from the JWKS stops verifying, within the accepted cache age and at
// once after the backend has refetched the set.
import { JwksLab, fetchSummary, jwksCheck, refused, seconds, timeBound } from './lab.js';
import { CAUSES, statusOf } from '../../harness/checks/oracle.js';
import type { CheckResult } from '../../harness/checks/oracle.js';
import type { CheckTools } from '../../harness/checks/suite.js';
import type { KeyInfo } from '../../harness/issuer/protocol.js';

/**
 * The removal both checks measure: a token of the current key, shown accepted, then a new key
 * published and the current one removed from the JWKS. ERROR when the token is not accepted first.
 */
async function removeCurrentKey(lab: JwksLab, t: CheckTools, lifetimeS: number): Promise<{ removed: KeyInfo; current: KeyInfo; token: string } | CheckResult> {
  const removed = await t.issuer.signingKey();
  const token = await lab.signedBy(removed.kid, lifetimeS);
  const before = await t.send(`a token of ${removed.kid}, before its removal`, token);
  if (before.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: a token of the current key was not accepted before the removal (${statusOf(before)})` };
  const current = await t.issuer.rotate(t.issuer.algorithms[0]);
  await t.issuer.removeKey(removed.kid);
  return { removed, current, token };
}

jwksCheck(
  {
    id: 'JWKS-REVOKE-PROPAGATION',
    title: 'A key removed from the JWKS stops verifying within the accepted cache age',
    severity: 'high',
    requirement: 'A key removed from the JWKS (a compromise) must stop verifying within a bounded time; Better Auth\'s docs say keys "can be cached indefinitely", which defeats removal.',
    references: ['RFC 7517 §5', 'Better Auth docs (jwt.mdx: cache indefinitely)', 'OIDC Core §10.1.1'],
    taxonomy: { cwe: ['CWE-324', 'CWE-672'], capec: [], owaspApi: 'API2:2023' },
    expected: 'tokens of the removed key refused within jwks.maxCacheAgeS; still accepted past it is NON-STRICT (a longer cache that ends), reported under JWKS-ROTATE-NEWKID or JWKS-REVOKE-AFTER-REFETCH when those find a key kept for good',
  },
  async (lab, t) => {
    const { ms, short } = lab.bound((lab.settings.maxCacheAgeS + 1) * 1000);
    // The token must outlive the wait: a refusal for expiry would pass for a refusal of the key.
    const removal = await removeCurrentKey(lab, t, Math.ceil(ms / 1000) + 600);
    if ('verdict' in removal) return removal;
    const { removed, current, token } = removal;
    const mark = await lab.mark();
    const poll = await lab.poll(`the token of the removed key ${removed.kid}`, token, refused, ms);
    const result = timeBound(`the removed key ${removed.kid} was refused`, poll, lab.settings.maxCacheAgeS, short, 'secondsToRefuse');
    if (poll.atMs === undefined) {
      // Still accepted past the accepted cache age. Seen refetching the set without it, the backend keeps
      // removed keys across a refetch: unbounded, FAIL (JWKS-REVOKE-AFTER-REFETCH's mechanism, reported
      // under it when it fails). Not one fetch since the removal: a longer cache, NON-STRICT (the
      // catalogue), or a client that never refetches, JWKS-ROTATE-NEWKID's finding when that fails.
      const fetched = (await lab.fetchesSince(mark)).length;
      if (result.verdict !== 'FAIL') return { ...result, ...(fetched ? {} : { observed: `${result.observed}; the backend made no JWKS fetch since the removal`, causes: [CAUSES.keysNeverRefetched] }), evidence: poll.sample };
      if (fetched) return { ...result, observed: `${result.observed}, though the backend fetched the JWKS without it ${fetched} time${fetched === 1 ? '' : 's'} since the removal: it keeps removed keys`, evidence: poll.sample, causes: [CAUSES.removedKeysKept] };
      return { ...result, verdict: 'NON-STRICT', severity: 'medium', observed: `${result.observed}; the backend made no JWKS fetch since the removal: a longer cache than accepted`, evidence: poll.sample, causes: [CAUSES.keysNeverRefetched, CAUSES.removedKeysKept] };
    }
    // The refusal is the removal's only if the key that replaced it is accepted.
    const control = await t.send(`control: a token of the current key ${current.kid}`, await lab.signedBy(current.kid));
    if (control.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: the removed key was refused, but so is the current key ${current.kid} (${statusOf(control)})`, evidence: poll.sample };
    return { ...result, evidence: poll.sample };
  },
  { estimateS: (s) => Math.min(s.maxCacheAgeS, s.waitBudgetS), causes: [CAUSES.keysNeverRefetched], timelineBound: { setting: 'maxCacheAgeS', after: 'key-removed' } },
);

jwksCheck(
  {
    id: 'JWKS-REVOKE-AFTER-REFETCH',
    title: 'A key removed from the JWKS stops verifying once the backend has refetched the set',
    severity: 'high',
    requirement: 'A refetched key set replaces the cached one: a key the issuer no longer publishes must not keep verifying after the backend has loaded the set without it (jwks-rsa and get-jwks cache keys by kid and keep them).',
    references: ['RFC 7517 §5', 'auth0/node-jwks-rsa (per-kid cache)', 'nearform/get-jwks (per-kid cache)'],
    taxonomy: { cwe: ['CWE-324', 'CWE-672'], capec: [], owaspApi: 'API2:2023' },
    expected: 'after a refetch the fetch log confirms, the removed key\'s token is refused (FAIL if accepted); decided in seconds, whatever the cache age',
  },
  async (lab, t) => {
    // A backend of its own: a lab handed on by an earlier check may have spent the key client's
    // limiter (jwks-rsa: 5 fetches a minute), which would withhold the refetch, and the verdict would
    // depend on which check happened to run there before.
    if (lab.canRestart) await lab.restart();
    const removal = await removeCurrentKey(lab, t, 3600);
    if ('verdict' in removal) return removal;
    const { removed, current, token } = removal;
    // The new key's kid is unknown to the backend: its tokens make it refetch (after its cooldown),
    // and the set it then loads no longer has the removed key.
    const mark = await lab.mark();
    const started = Date.now();
    const { fetches, waitedMs } = await lab.untilFetched(mark, `a token of the new key ${current.kid}, until the backend refetches`, () => lab.signedBy(current.kid));
    if (!fetches.length) {
      const none = `the backend did not refetch the JWKS within ${seconds(waitedMs)} s of the new key's tokens`;
      // Cut short by the wait budget before the accepted rotation delay: a longer cooldown may yet refetch.
      const { short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
      if (short) {
        const decidingBudgetS = Math.ceil(lab.settings.maxRotationDelayS) + 2;
        return { verdict: 'INFO', observed: `undecided within the wait budget: ${none}, and the accepted rotation delay is ${lab.settings.maxRotationDelayS} s; --wait-budget ${decidingBudgetS} (jwks.waitBudgetS) would decide it`, undecided: { waitedS: seconds(waitedMs), decidingBudgetS } };
      }
      // Asked for a refetch by a new kid for the accepted rotation delay, it made none: if the removed
      // key still verifies, the backend keeps it (JWKS-ROTATE-NEWKID's cause when that fails).
      const still = await t.send(`the token of the removed key ${removed.kid}, with no refetch since the removal`, token);
      if (still.outcome === 'accepted') return { verdict: 'FAIL', observed: `${none}, and the removed key ${removed.kid} still verified a token: a backend that does not refetch when a new kid asks keeps a removed key until its cache ages out, if it ever does`, measured: { refetches: 0 }, causes: [CAUSES.keysNeverRefetched] };
      return { verdict: 'SKIP', observed: `${none}, so removal after a refetch cannot be observed; the removed key's token got ${statusOf(still)} (JWKS-REVOKE-PROPAGATION judges removal by cache age)` };
    }
    const control = await t.send(`control: a token of the new key ${current.kid} after the refetch`, await lab.signedBy(current.kid));
    const after = await t.send(`the token of the removed key ${removed.kid}, after the refetch`, token);
    const refetch = `${fetchSummary(fetches)} after the removal (${seconds(fetches[0]!.epochMs - started)} s into the new key's tokens)`;
    if (after.outcome === 'accepted') return { verdict: 'FAIL', observed: `the removed key ${removed.kid} still verified a token after ${refetch}: the backend keeps keys its refetched set no longer has`, measured: { refetches: fetches.length } };
    if (after.outcome !== 'rejected') return { verdict: 'ERROR', observed: `inconclusive: after ${refetch}, the removed key's token got ${statusOf(after)}` };
    if (control.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: after ${refetch}, the removed key was refused, but so is the new key ${current.kid} (${statusOf(control)})` };
    return { verdict: 'PASS', observed: `the removed key ${removed.kid} was refused (${after.response!.status}) after ${refetch}, while the new key's token was accepted`, measured: { refetches: fetches.length } };
  },
  { estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS) / 2, explains: CAUSES.removedKeysKept },
);
