// A backend that trusts two issuers (issuer.second): a kid is unique within one key set only, so both
// may publish it. The first issuer (the lab's) takes a new key under the kid the second signs with,
// and each key must still verify only the tokens of its own issuer.
import { notFetched, jwksCheck, seconds } from './lab.js';
import { CAUSES, statusOf } from '../../harness/checks/oracle.js';
import type { Exchange } from '../../harness/checks/model.js';
import { secondIssuerWithUser } from '../../harness/checks/second-issuer.js';
import { freshClaims, freshTimes } from '../../harness/forge/token.js';

jwksCheck(
  {
    id: 'KEY-KID-CROSS-ISSUER',
    requires: ['secondIssuer'],
    title: "Two trusted issuers publishing the same kid: each key verifies only its own issuer's tokens",
    severity: 'high',
    requirement:
      'RFC 8725 §3.8: a backend that trusts several issuers picks the key among the keys of the issuer the token names. A kid is unique within one JWKS only (RFC 7517 §4.5): when two issuers publish the same kid, the key one of them publishes under it must not verify a token that names the other.',
    references: ['RFC 8725 §3.8', 'RFC 7517 §4.5', 'apollographql/router#3017'],
    taxonomy: { cwe: ['CWE-347', 'CWE-694'], capec: ['CAPEC-21'], owaspApi: 'API2:2023' },
    expected:
      "with the first issuer's new key under the kid the second signs with: 401 for A's claims signed by the second issuer's key and for the second issuer's user's claims signed by the first's new key (FAIL high if either is accepted); each issuer's own tokens accepted (NON-STRICT low if one is refused: keys indexed by kid across issuers)",
  },
  async (lab, t) => {
    // The second issuer is trusted at all (its own token accepted) before the kids collide.
    const second = await secondIssuerWithUser(t);
    if ('broken' in second) return second.broken;
    const kid = (await second.issuer.signingKey()).kid;
    const mintedBySecond = async (claims: Record<string, unknown>) => (await second.issuer.sign({ claims: freshClaims(claims) })).token;
    // Minted tokens are accepted at all, each issuer's claims under its own key: refused, a forgery's refusal says nothing.
    const controls = await t.sendAll([
      ["control: A's claims minted by the first issuer's current key", await t.signed(freshTimes())],
      [`control: the second issuer's user's claims minted by its own key ${kid}`, await mintedBySecond(second.claims)],
    ]);
    const refusedControl = controls.find((e) => e.outcome !== 'accepted');
    if (refusedControl) return { verdict: 'ERROR', observed: `not attributable: before the kids collide, "${refusedControl.label}" was refused (${statusOf(refusedControl)})` };
    // Only a key this check adds is removed afterwards.
    const hadKid = (await t.issuer.keys()).some((k) => k.kid === kid);
    try {
      const loaded = await lab.freshFetch(undefined, { kid });
      const unfetched = notFetched(loaded);
      if (unfetched) {
        // No fetch of the first issuer's set seen, but a backend that takes the kid from the second's set (a
        // cache by kid, a search of the sets in the second's order) accepts the forgery all the same.
        const forged = await t.send(`A's claims (iss = the first issuer) signed by the second issuer's key under ${kid}`, await mintedBySecond(t.claims));
        return forged.outcome === 'accepted' ? { verdict: 'FAIL', observed: `accepted once both issuers published the kid ${kid}: "${forged.label}" (the backend's fetch of the first issuer's new key set was not seen). The key is picked by kid across issuers, not among the keys of the issuer the token names` } : unfetched;
      }
      // One after another: a kid index shared by the issuers holds whichever key it loaded last, so
      // each forgery follows a valid token of the issuer whose key it carries. The valid ones come
      // from Better Auth's /token; the probe of the new key is left out of the tally (a client that
      // loads its keys in the background may refuse it right after a cold start).
      const steps: [label: string, valid: boolean, token: () => Promise<string>][] = [
        [`the second issuer's own token (kid ${kid})`, true, () => second.issuer.tokenFor(second.user)],
        [`A's claims (iss = the first issuer) signed by the second issuer's key under ${kid}`, false, () => mintedBySecond(t.claims)],
        [`A's own token from the first issuer's new key under ${kid}`, true, () => t.issuer.tokenFor(t.user)],
        [`the second issuer's user's claims (iss = the second issuer) signed by the first issuer's new key under ${kid}`, false, async () => (await t.issuer.sign({ key: { kid }, claims: freshClaims(second.claims) })).token],
        [`the second issuer's own token again`, true, () => second.issuer.tokenFor(second.user)],
      ];
      const sent: { e: Exchange; valid: boolean; token: string }[] = [];
      for (const [label, valid, mint] of steps) {
        const token = await mint();
        sent.push({ e: await t.send(label, token), valid, token });
      }
      // An accepted forgery decides, whatever else was answered.
      const forged = sent.filter(({ e, valid }) => !valid && e.outcome === 'accepted').map(({ e }) => e.label);
      if (forged.length) return { verdict: 'FAIL', observed: `accepted once both issuers published the kid ${kid}: ${forged.join('; ')}. The key is picked by kid across issuers, not among the keys of the issuer the token names` };
      const unclear = sent.filter(({ e }) => e.outcome !== 'accepted' && e.outcome !== 'rejected' && e.outcome !== 'server-error');
      if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive: ${unclear.map(({ e }) => `"${e.label}" got ${statusOf(e)}`).join('; ')}` };
      // A valid token refused is asked again, up to the accepted rotation delay: a client that loads the
      // new set in the background may refuse it for a moment; one whose kid index hides it refuses it throughout.
      const refused: string[] = [];
      for (const { e, token } of sent.filter(({ e, valid }) => valid && e.outcome !== 'accepted')) {
        const again = await lab.poll(`${e.label}, again`, token, (x) => x.outcome === 'accepted', lab.bound(lab.settings.maxRotationDelayS * 1000).ms);
        if (again.atMs === undefined) refused.push(`${e.label} (${statusOf(e)}, still after ${seconds(again.waitedMs)} s)`);
      }
      if (refused.length) return { verdict: 'NON-STRICT', severity: 'low', observed: `no token was accepted under the other issuer's key, but valid tokens were refused once both issuers published the kid ${kid}: ${refused.join('; ')}. Keys are indexed by kid across issuers (one issuer's key hides the other's)` };
      const crashed = sent.filter(({ e, valid }) => !valid && e.outcome === 'server-error').length;
      return { verdict: 'PASS', observed: `both issuers publish the kid ${kid}: each one's own tokens accepted, and each one's key not accepted for the other's claims (${loaded.how})${crashed ? `; ${crashed} answered 5xx (see ERR-NO-5XX)` : ''}` };
    } finally {
      // The first issuer signs with its previous key again (in a lab of its own, or on the run's issuer when there are none).
      if (!hadKid) await t.issuer.removeKey(kid).catch(() => undefined);
    }
  },
  { spendsLab: true, causes: [CAUSES.keysNotBoundToIssuer], estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS) + 2 },
);
