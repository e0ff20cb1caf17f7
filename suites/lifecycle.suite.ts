// Revocation and session lifecycle (docs/checks.md#family-LIFE): what a Better Auth JWT can still do after its
// session ends or its user is deleted. Verifying a JWT is stateless, so acceptance until `exp` is
// expected (INFO, with the window measured); acceptance beyond `exp`, or a deleted user's data going
// to a new account with the same email, is a FAIL.
import { setTimeout as delay } from 'node:timers/promises';
import { IsolationLab, describeAnswer, showing } from '../harness/checks/isolation-lab.js';
import { CAUSES, combine, followsFrom, measuredAcceptance } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { family, provesValid } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { decodeSegment, split } from '../harness/forge/token.js';
import type { IssuerUser } from '../harness/issuer/issuer.js';
import { succeeded } from '../harness/resources/client.js';
import type { ResourceClient } from '../harness/resources/client.js';

const { check, persistenceProbe } = family('LIFE', { restsOnSignatures: true });

/** The lifetime of the short copy of a session's token, so "until exp" is seconds, not Better Auth's 15 minutes. */
const SHORT_LIFETIME_S = 4;
const POLL_INTERVAL_MS = 250;
/** The most clock leeway CLM-EXP-LEEWAY passes; the window ends within it after exp, or the check cannot conclude. */
const LEEWAY_BOUND_S = 60;
/** How long ago the probe that the leeway allows an end expired: past that bound, with a margin (exactly 60 s is within a 60 s leeway). */
const LATE_S = LEEWAY_BOUND_S + 30;

interface Window {
  result: CheckResult;
  user: IssuerUser;
}

/**
 * A user with a live session and its JWT (from /api/auth/token) plus a copy of those claims that
 * expires in a few seconds, both accepted; then `end` (sign-out, deletion), and the two tokens are
 * reused until the copy is refused. Acceptance after its own exp, while a never-seen twin with the
 * same exp is refused, means the backend remembers tokens past their expiry: FAIL.
 */
async function reuseAfter(t: CheckTools, event: string, end: (user: IssuerUser) => Promise<void>, prepare?: (user: IssuerUser) => Promise<string | undefined>): Promise<Window> {
  if (!t.run.profile.capabilities.includes('mint')) return reuseRealToken(t, event, end, prepare);
  const path = t.target.settings.identityPath ?? t.target.settings.protectedPath;
  const user = await t.issuer.createUser();
  const session = await t.issuer.tokenFor(user);
  const claims = decodeSegment(split(session).payload);
  const send = (label: string, token: string) => t.send(label, { token, path });
  const inconclusive = (observed: string): Window => ({ result: { verdict: 'ERROR', observed: `inconclusive: ${observed}` }, user });
  const sessionControl = await provesValid((l, o) => t.send(l, o), t.target, `before the ${event}: its session token (from /api/auth/token)`, session, user.id);
  if (!sessionControl.ok) return inconclusive(`before the ${event}: ${sessionControl.observed}`);
  // The copy must be shown accepted before its few seconds run out: on a machine too loaded to sign and
  // send it in time, a new one (a refusal after its exp says nothing about the backend).
  let exp = 0;
  let short = '';
  for (let attempt = 1; ; attempt++) {
    exp = t.now() + SHORT_LIFETIME_S;
    short = (await t.issuer.sign({ claims: { ...claims, iat: t.now(), exp } })).token;
    const control = await provesValid((l, o) => t.send(l, o), t.target, `before the ${event}: a ${SHORT_LIFETIME_S} s copy of its claims`, short, user.id);
    if (control.ok) break;
    if (t.now() < exp || attempt === 3) return inconclusive(`before the ${event}: ${control.observed}`);
  }
  const unprepared = await prepare?.(user);
  if (unprepared) return inconclusive(unprepared);
  // A backend that accepts tokens well past exp (CLM-EXP-LEEWAY, CLM-EXP-PAST) gives no end to wait
  // for: the window is not applicable there, and is reported under that finding. The event still
  // happens, for what the check judges after it (a new account with a deleted user's email).
  const late = (await t.issuer.sign({ claims: { ...claims, iat: t.now() - LATE_S - 900, exp: t.now() - LATE_S } })).token;
  const lateAnswer = await send(`its claims, expired ${LATE_S} s ago (past the leeway bound, ${LEEWAY_BOUND_S} s)`, late);
  if (lateAnswer.outcome === 'accepted') {
    await end(user);
    return { result: { verdict: 'SKIP', observed: `window not applicable: a token of this user that expired ${LATE_S} s ago is accepted, so no end of the window can be observed (see CLM-EXP-PAST and CLM-EXP-LEEWAY)`, causes: [CAUSES.expNotEnforced] }, user };
  }

  await end(user);
  const endedAt = Date.now();
  const first = await send(`session token right after the ${event}`, session);
  const firstShort = await send(`short copy right after the ${event}`, short);
  const lifetimeS = Number(claims.exp) - Number(claims.iat);
  const unanswered = [first, firstShort].find((e) => e.outcome === 'transport-error' || e.outcome === 'other' || e.outcome === 'server-error');
  if (unanswered) return inconclusive(`after the ${event}: ${unanswered.label}: ${unanswered.response?.status ?? unanswered.error}`);
  if (first.outcome !== 'accepted' && firstShort.outcome !== 'accepted') {
    const alive = await t.stillValid("another user's valid token, to show the refusal is the session's", t.token);
    if (!alive.ok) return inconclusive(`refused after the ${event}, but so is a valid token of another user: ${alive.observed}`);
    return { result: { verdict: 'PASS', observed: `refused at once after the ${event} (${first.response!.status}): the backend checks the session`, measured: { acceptedAfterS: 0 } }, user };
  }

  // Accepted: how long for, and does it end at exp?
  // The copy ends by exp + the leeway bound (on the backend's clock); the margin is for a slow answer at that boundary.
  const deadline = exp + LEEWAY_BOUND_S + 15;
  let remembered = 0;
  for (let n = 1; ; n++) {
    await delay(POLL_INTERVAL_MS);
    // Past exp, a never-seen twin (the same claims and exp, another iat) goes first: how the backend
    // judges this exp right now. Sent before the short copy, so a leeway boundary between the two
    // can only make the copy look refused, never remembered.
    let twinRefused = false;
    if (t.now() > exp + 1) {
      const twin = (await t.issuer.sign({ claims: { ...claims, iat: t.now() - n, exp } })).token;
      twinRefused = (await send('a never-seen twin with the same exp', twin)).outcome === 'rejected';
    }
    const again = await send(`short copy, ${((Date.now() - endedAt) / 1000).toFixed(1)} s after the ${event}`, short);
    if (again.outcome === 'rejected') {
      const windowS = Math.round((Date.now() - endedAt) / 100) / 10;
      const measured = { acceptedAfterS: windowS, pastExpS: Math.max(0, Math.round(t.now() - exp)), sessionTokenLifetimeS: lifetimeS };
      const sessionNote = first.outcome === 'accepted' ? `its session token (valid for ${lifetimeS} s) was still accepted after the ${event}` : `its session token was refused after the ${event}, its short copy was not`;
      const when = measured.pastExpS > 2 ? `${measured.pastExpS} s past its exp (the backend's leeway)` : 'at its exp';
      return { result: { verdict: 'INFO', observed: `${sessionNote}; the short copy was refused ${windowS} s after the ${event}, ${when}: a token outlives its session until exp (Better Auth's default 15 min)`, measured }, user };
    }
    if (again.outcome !== 'accepted') return inconclusive(`${again.label}: ${again.response?.status ?? again.error}`);
    // Twice, so one slow request at the leeway boundary cannot make the finding.
    if (twinRefused && ++remembered >= 2) {
      const pastS = Math.round(t.now() - exp);
      return { result: { verdict: 'FAIL', observed: `the short copy was still accepted ${pastS} s past its exp and ${((Date.now() - endedAt) / 1000).toFixed(1)} s after the ${event}, each time right after a never-seen token with the same exp was refused: accepted tokens are remembered beyond exp`, measured: { acceptedPastExpS: pastS } }, user };
    }
    if (t.now() > deadline) return inconclusive(`the short copy and never-seen tokens with its exp are still accepted ${LEEWAY_BOUND_S} s past exp (see CLM-EXP-LEEWAY)`);
  }
}

/**
 * Without minting (an external issuer), only the real token is reused: refused right after the
 * event is PASS; accepted is INFO with its remaining lifetime. Whether it is remembered past its
 * exp cannot be observed without a short-lived copy, so no FAIL is claimed either way.
 */
async function reuseRealToken(t: CheckTools, event: string, end: (user: IssuerUser) => Promise<void>, prepare?: (user: IssuerUser) => Promise<string | undefined>): Promise<Window> {
  const path = t.target.settings.identityPath ?? t.target.settings.protectedPath;
  const user = await t.issuer.createUser();
  const session = await t.issuer.tokenFor(user);
  const claims = decodeSegment(split(session).payload);
  const inconclusive = (observed: string): Window => ({ result: { verdict: 'ERROR', observed: `inconclusive: ${observed}` }, user });
  const control = await provesValid((l, o) => t.send(l, o), t.target, `before the ${event}: its session token (from /token)`, session, user.id);
  if (!control.ok) return inconclusive(`before the ${event}: ${control.observed}`);
  const unprepared = await prepare?.(user);
  if (unprepared) return inconclusive(unprepared);
  await end(user);
  const after = await t.send(`session token right after the ${event}`, { token: session, path });
  const leftS = Math.max(0, Number(claims.exp) - t.now());
  if (after.outcome === 'rejected') {
    const alive = await t.stillValid("another user's valid token, to show the refusal is the session's", t.token);
    if (!alive.ok) return inconclusive(`refused after the ${event}, but so is a valid token of another user: ${alive.observed}`);
    return { result: { verdict: 'PASS', observed: `refused at once after the ${event} (${after.response!.status}): the backend checks the session`, measured: { acceptedAfterS: 0 } }, user };
  }
  if (after.outcome !== 'accepted') return inconclusive(`after the ${event}: ${after.response?.status ?? after.error}`);
  return {
    result: {
      verdict: 'INFO',
      observed: `its real token was still accepted after the ${event}, with ${leftS} s left until its exp; the window's end and acceptance beyond exp are not measured with an external issuer (they need a short-lived copy of the token: mint)`,
      measured: { acceptedRightAfter: 'true', secondsLeftUntilExp: leftS },
    },
    user,
  };
}

check(
  {
    id: 'LIFE-REVOKED-SESSION',
    needs: ['sessions'],
    title: 'A JWT after its Better Auth session was signed out (measured window)',
    severity: 'medium',
    requirement: 'A JWT outlives the session it was issued for until its exp; a backend that does not check sessions must keep exp short, and must never accept a token beyond its exp.',
    references: ['better-auth#10267', 'OWASP JWT cheat sheet (token revocation)', 'RFC 7519 §4.1.4'],
    taxonomy: { cwe: ['CWE-613'], capec: ['CAPEC-60'], owaspApi: 'API2:2023' },
    expected: 'INFO: accepted until exp at most (PASS if refused at once); FAIL if accepted beyond exp',
    requests: 25,
  },
  async (t) => (await reuseAfter(t, 'sign-out', (user) => t.issuer.signOut(user))).result,
  { explains: CAUSES.tokenOutlivesSession },
);

check(
  {
    id: 'LIFE-DELETED-USER',
    needs: ['sessions', 'users'],
    title: "A deleted user's JWT (measured window), and no re-provisioning of its data",
    severity: 'medium',
    requirement: "A deleted user's unexpired JWT works until exp at most; a new account with the same email is a different user (a new sub) and never gets the deleted user's data.",
    references: ['OWASP API1:2023', 'RFC 7519 §4.1.2 (sub is the identity)'],
    taxonomy: { cwe: ['CWE-613', 'CWE-672', 'CWE-1025'], capec: ['CAPEC-60'], owaspApi: 'API2:2023' },
    expected: "INFO window until exp at most; FAIL if accepted beyond exp, or if a new account with the deleted user's email sees the old data",
    requests: 30,
  },
  async (t) => {
    const lab = new IsolationLab(t);
    const owned: Owned[] = [];
    const window = await reuseAfter(
      t,
      'deletion',
      (user) => t.issuer.deleteUser(user),
      async (user) => {
        for (const contract of lab.contracts) {
          const client = lab.client(contract);
          const created = await client.create({ name: 'the user to delete', token: await t.issuer.tokenFor(user) });
          if (!succeeded(created) || created.id === undefined) return `the user to delete could not create a ${contract.name}: ${describeAnswer(created)}`;
          owned.push({ name: contract.name, id: created.id, client });
        }
        return undefined;
      },
    );
    if (window.result.verdict === 'ERROR') return window.result;
    const reprovisioned = await notReprovisioned(t, window.user, owned);
    // A window that cannot end (tokens accepted well past exp) leaves the re-provisioning half to judge.
    if (window.result.verdict === 'SKIP') return { ...reprovisioned, observed: `${reprovisioned.observed}; ${window.result.observed}` };
    // Each half keeps its own rating and cause: the window's (medium) may follow from a token that outlives
    // its session (LIFE-REVOKED-SESSION); the re-provisioning's (high) is this check's own.
    const ownWindow = window.result.verdict === 'FAIL' ? followsFrom([CAUSES.tokenOutlivesSession], { ...window.result, severity: window.result.severity ?? 'medium' }) : window.result;
    return combine([ownWindow, reprovisioned]);
  },
);

/** A new account with the deleted user's email: a new sub, and none of the old data. */
/** A resource the deleted user created. */
interface Owned {
  name: string;
  id: string;
  client: ResourceClient;
}

async function notReprovisioned(t: CheckTools, deleted: IssuerUser, owned: Owned[]): Promise<CheckResult> {
  const again = await t.issuer.createUser({ name: deleted.name, email: deleted.email, password: deleted.password });
  const token = await t.issuer.tokenFor(again);
  const findings: string[] = [];
  const control = await provesValid((l, o) => t.send(l, o), t.target, "the new account with the deleted user's email", token, again.id);
  if (!control.ok) {
    if (control.exchanges.some((e) => t.target.subjectOf(e) === deleted.id)) findings.push(`the identity endpoint names the deleted user's id for the new account`);
    else return { verdict: 'ERROR', observed: `inconclusive: the new account's token: ${control.observed}` };
  }
  const notJudged: string[] = [];
  const judged: string[] = [];
  for (const { name, id, client } of owned) {
    // Only where an unrelated user cannot reach it anyway (otherwise the leak is ISO-READ-OTHER's).
    if (succeeded(await client.read({ name: 'an unrelated user (baseline)', token: t.token }, id, `the deleted user's ${name}`))) {
      notJudged.push(`${name} (an unrelated user reads it too: ISO-READ-OTHER)`);
      continue;
    }
    judged.push(name);
    const caller = { name: "the new account with the deleted user's email", token };
    const read = await client.read(caller, id, `the deleted user's ${name}`);
    if (succeeded(read)) findings.push(`it reads the deleted user's ${name} (${showing(read, 'FAIL')})`);
    const listed = client.contract.list ? await client.list(caller) : undefined;
    if (listed && client.shows(listed, id)) findings.push(`its list shows the deleted user's ${name} (${showing(listed, 'FAIL')})`);
  }
  const notes = notJudged.length ? `; not judged: ${notJudged.join('; ')}` : '';
  // Whoever signs up with the address gets another person's data: high, above the window's medium.
  if (findings.length) return { verdict: 'FAIL', severity: 'high', observed: `re-provisioned: ${findings.join('; ')}${notes}` };
  // Nothing to judge leaves the window's verdict alone (SKIP is the weakest in a combination).
  if (owned.length && !judged.length) return { verdict: 'SKIP', observed: `re-provisioning not judged: ${notJudged.join('; ')}` };
  const what = judged.length ? `and sees none of the deleted user's ${judged.join(', ')}` : '(no resources configured to look for the old data)';
  return { verdict: 'PASS', observed: `a new account with the same email is a new subject ${what}${notes}` };
}

check(
  {
    id: 'LIFE-LONG-EXP',
    needs: ['mint'],
    title: 'A validly signed token that lives a year (measured)',
    severity: 'low',
    requirement: 'A verifier may cap token age (maxTokenAge) beyond what the issuer sets; Better Auth issues 15 min tokens by default.',
    references: ['RFC 8725 §3.10', 'jose jwtVerify maxTokenAge'],
    taxonomy: { cwe: ['CWE-613'], capec: [], owaspApi: 'API2:2023' },
    expected: 'INFO: whether exp = iat + 1 year is accepted',
  },
  async (t) => {
    const iat = t.now();
    const token = await t.signed({ iat, exp: iat + 365 * 24 * 3600 });
    return measuredAcceptance(await t.send('exp = iat + 365 days', token), { accepted: 'no maximum token age beyond exp', refused: 'the backend caps token age' });
  },
);

persistenceProbe();
