// Rotation: a new key published beside the old one is accepted promptly, and the old one keeps
// working while it is still published. One measurement serves the three checks.
import { JwksLab, seconds, timeBound, jwksCheck } from './lab.js';
import type { Exchange } from '../../harness/checks/model.js';
import { CAUSES, expectAllAccepted } from '../../harness/checks/oracle.js';
import type { CheckTools } from '../../harness/checks/suite.js';
import type { KeyInfo } from '../../harness/issuer/protocol.js';

// Rotation: one measurement (a rotation just after a fetch) serves three checks.

interface Rotation {
  oldKey: KeyInfo;
  newKey: KeyInfo;
  /** Seconds between the backend's last fetch and the rotation. */
  sinceFetchS: number | undefined;
  poll: Awaited<ReturnType<JwksLab['poll']>>;
  short: boolean;
  /** After the new key was accepted: a token minted before the rotation, and a fresh one of the old key. */
  oldKid: Exchange[];
}

let rotation: Promise<Rotation> | undefined;

/** The pictures' bound: the accepted rotation delay after the new key was published. */
const AFTER_ROTATION = { setting: 'maxRotationDelayS', after: 'key-published' } as const;

function measureRotation(lab: JwksLab, t: CheckTools): Promise<Rotation> {
  rotation ??= (async () => {
    // A backend of its own where the harness can: an earlier check on a reused lab may have spent a
    // limiter of unknown-kid refreshes (keyfunc: one per 5 minutes), and the new key would wait for it.
    if (lab.canRestart) await lab.restart();
    const oldKey = await t.issuer.signingKey();
    const mintedBefore = await lab.valid();
    // A valid token first (a lazy client loads its keys for it), never an unknown kid: that would spend
    // the refresh the new key needs from a limiter, which JWKS-KIDMISS-LIMITER-STARVATION judges.
    await lab.sendQuiet('a valid token just before the rotation', mintedBefore);
    const lastFetch = await lab.lastFetchAt();
    const newKey = await t.issuer.rotate(t.issuer.algorithms[0]);
    const rotatedAt = Date.now();
    const { ms, short } = lab.bound(lab.settings.maxRotationDelayS * 1000);
    const poll = await lab.poll(`a token of the new key ${newKey.kid}`, () => lab.signedBy(newKey.kid), (e) => e.outcome === 'accepted', ms);
    const oldKid = poll.atMs === undefined ? [] : await Promise.all([
      lab.sendQuiet(`a token minted by ${oldKey.kid} before the rotation`, mintedBefore),
      lab.sendQuiet(`a fresh token of the old key ${oldKey.kid}, still published`, await lab.signedBy(oldKey.kid)),
    ]);
    return { oldKey, newKey, sinceFetchS: lastFetch !== undefined ? seconds(rotatedAt - lastFetch) : undefined, poll, short, oldKid };
  })();
  return rotation;
}

jwksCheck(
  {
    id: 'JWKS-ROTATE-NEWKID',
    title: 'A newly published signing key is accepted within the accepted rotation delay',
    severity: 'high',
    requirement: 'When a token names a kid the cached set lacks, the client refetches the JWKS (OIDC Core §10.1.1; Better Auth docs: "if a different kid is received, fetch the JWKS again").',
    references: ['OIDC Core §10.1.1', 'OIDF signing-key-rotation (≤ 60 s)', 'garden-co/jazz#340'],
    taxonomy: { cwe: ['CWE-672'], capec: [], owaspApi: 'API4:2023' },
    expected: 'accepted within jwks.maxRotationDelayS, without a restart',
  },
  async (lab, t) => {
    const r = await measureRotation(lab, t);
    const result = timeBound(`a token of the new key ${r.newKey.kid} was accepted`, r.poll, lab.settings.maxRotationDelayS, r.short, 'secondsToAccept');
    return { ...result, measured: { ...result.measured, refusedBeforeAccepted: r.poll.sent - (r.poll.atMs === undefined ? 0 : 1) }, evidence: r.poll.sample };
  },
  { labGroup: 'rotation', estimateS: (s) => Math.min(s.maxRotationDelayS, s.waitBudgetS), explains: CAUSES.keysNeverRefetched, timelineBound: AFTER_ROTATION },
);

jwksCheck(
  {
    id: 'JWKS-ROTATE-JUST-BEFORE-USE',
    title: 'How long new-kid tokens fail right after a rotation that follows a fetch',
    severity: 'info',
    requirement: 'Measured only: clients that rate-limit refetches (jose: a 30 s cooldown) refuse a new kid for a window after their last fetch.',
    references: ['OIDF rotation-just-before-signing', 'backstage#35233', 'jose cooldownDuration'],
    taxonomy: { cwe: ['CWE-672'], capec: [], owaspApi: 'API4:2023' },
    expected: 'reported: the window of refusals',
  },
  async (lab, t) => {
    const r = await measureRotation(lab, t);
    const since = r.sinceFetchS !== undefined ? `${r.sinceFetchS} s after the backend's last JWKS fetch` : 'before the backend had fetched the JWKS';
    // The first token was accepted: nothing was refused, whenever the harness managed to send it.
    const refusedFor = r.poll.atMs !== undefined && r.poll.lastMissMs === undefined ? 0 : seconds(r.poll.atMs ?? r.poll.waitedMs);
    const firstSentS = seconds(r.poll.atMs ?? 0) + (r.sinceFetchS ?? 0);
    const observed = r.poll.atMs !== undefined
      ? r.poll.lastMissMs === undefined
        ? `the first token of a key published ${since} was accepted, answered ${Math.round(firstSentS * 10) / 10} s after that fetch: no refusal window at that distance from a fetch (a new kid refetched at once, or a cache that had aged out)`
        : `tokens of a key published ${since} were refused for ${refusedFor} s (${r.poll.sent - 1} refused), then accepted: the backend took the new key in ~${seconds((r.poll.atMs ?? 0) + (r.sinceFetchS ?? 0) * 1000)} s after its last fetch (a refetch cooldown for an unknown kid, or a refresh on its own schedule)`
      : `tokens of a key published ${since} were still refused after ${refusedFor} s (see JWKS-ROTATE-NEWKID)`;
    return { verdict: 'INFO', observed, measured: { refusalWindowS: refusedFor, rotationAfterFetchS: r.sinceFetchS ?? -1 }, evidence: r.poll.sample };
  },
  { labGroup: 'rotation', timelineBound: AFTER_ROTATION },
);

jwksCheck(
  {
    id: 'JWKS-ROTATE-OLDKID-GRACE',
    title: 'Tokens of the previous key stay valid while it is still published',
    severity: 'medium',
    requirement: "Better Auth keeps a rotated-out key in the JWKS for its grace period (30 days by default); tokens it signed stay valid until they expire.",
    references: ['OIDF oidcc-server-rotate-keys', 'Better Auth jwks.gracePeriod'],
    taxonomy: { cwe: ['CWE-684'], capec: [], owaspApi: 'API4:2023' },
    expected: 'old-kid tokens accepted after the new key is in use',
  },
  async (lab, t) => {
    const r = await measureRotation(lab, t);
    // Not applicable where the new key never got in: whether the old one survives a rotation the backend
    // never made is JWKS-ROTATE-NEWKID's finding, reported under it when it names that cause.
    if (r.poll.atMs === undefined) return { verdict: 'SKIP', observed: `not applicable: the backend never accepted the new key within ${seconds(r.poll.waitedMs)} s, so it never loaded the rotated set (see JWKS-ROTATE-NEWKID)`, evidence: r.poll.sample, causes: [CAUSES.keysNeverRefetched] };
    const result = expectAllAccepted(r.oldKid, 'FAIL');
    return { ...result, observed: `after the new key ${r.newKey.kid} was accepted: ${result.observed} (old key ${r.oldKey.kid}, still published)`, evidence: r.oldKid };
  },
  { labGroup: 'rotation', timelineBound: AFTER_ROTATION },
);
