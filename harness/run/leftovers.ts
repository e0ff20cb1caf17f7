// The end of a run: what it created that would outlive it goes. First the resources the checks
// created through the resource contract, in every issuer mode (a staging backend, or a local one with
// a database, keeps them otherwise): each is deleted through the contract's delete while the backend is
// still up, with a fresh token of its owner, else the token that created it. Then, with an external
// issuer, the users the run signed up and the sessions it opened (ExternalIssuer.cleanUp). What could
// not be removed is said on the console, one line each. Runs also after a signal (run.ts's clean-up
// path), and after the report is written: nothing here changes it.
//
// Every noted resource is tried, on the backend it was created on. A lab's backend (labs.ts) that the
// harness started with an in-memory store forgets its resources when it stops, but one with a
// persistent database keeps them, and the harness cannot tell which it is: so labs get no exemption.
// The labs still open are up here (the pool closes after this); a lab's backend stopped earlier answers
// nothing, and its resources are listed as left behind rather than claimed gone.
import { englishFaker } from '../faker.js';
import type { ResolvedConfig } from '../config/config.js';
import { ExternalIssuer } from '../issuer/external.js';
import type { IssuerHandle } from '../issuer/handle.js';
import { closeLedger, readLedger } from '../ledger.js';
import type { LedgerEntry } from '../ledger.js';
import { PACKAGE as pkg } from '../paths.js';
import { ResourceClient, gone, succeeded } from '../resources/client.js';
import { TargetClient } from '../target/client.js';
import { inertLine } from '../text.js';

type NotedResource = Extract<LedgerEntry, { kind: 'resource' }>;

/** How long the end of a run may spend deleting resources (a backend that stopped answering costs a timeout each). */
const CLEANUP_BUDGET_MS = 60_000;

export async function removeLeftovers(handle: IssuerHandle | undefined, ledger: string, config: ResolvedConfig, runId: string, log: (line: string) => void): Promise<void> {
  // From now on no worker sends a resource request (isolation-lab.ts): nothing new is created behind the reads below.
  closeLedger(ledger);
  const left: string[] = [];
  let removed = 0;
  const seen = new Set<string>();
  const clients = new Map<string, TargetClient>();
  const faker = englishFaker(); // a delete sends no generated data
  const clientFor = (r: NotedResource, contract: ResolvedConfig['resources'][number]) => {
    let target = clients.get(r.baseUrl);
    if (!target) {
      const t = config.target;
      target = new TargetClient({
        baseUrl: r.baseUrl, protectedPath: t.protectedPath, identityPath: t.identityPath, identitySubject: t.identitySubject, timeoutMs: t.timeoutMs,
        concurrency: t.concurrency, rejectStatuses: t.rejectStatuses, runId, toolVersion: pkg.version, ...(t.maxRps !== undefined ? { maxRps: t.maxRps } : {}),
      });
      clients.set(r.baseUrl, target);
    }
    return new ResourceClient(contract, (label, options) => target.fetch('CLEANUP', label, options), faker);
  };
  const deadline = Date.now() + CLEANUP_BUDGET_MS;
  try {
    // A second read takes what a create already in flight at the close noted after the first one.
    for (let pass = 0; pass < 2 && Date.now() <= deadline; pass++) {
      const noted = readLedger(ledger).filter((e): e is NotedResource => e.kind === 'resource' && !seen.has(keyOf(e)));
      for (const [i, r] of noted.entries()) {
        seen.add(keyOf(r));
        if (Date.now() > deadline) {
          left.push(`${noted.length - i} more resource(s): the clean-up's ${CLEANUP_BUDGET_MS / 1000} s ran out`);
          break;
        }
        const contract = config.resources.find((c) => c.name === r.contract);
        if (!contract?.delete) {
          left.push(`${r.contract} ${r.id} at ${r.baseUrl}: the resource contract has no delete`);
          continue;
        }
        const why = await remove(clientFor(r, contract), r, handle, contract.delete.method);
        if (why === undefined) removed++;
        else left.push(`${r.contract} ${JSON.stringify(r.id)} at ${r.baseUrl}: ${why}`);
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  const issuer = handle instanceof ExternalIssuer ? await handle.cleanUp() : undefined;
  left.push(...(issuer?.left ?? []));
  // Said whenever there was something to remove; a run that created nothing says nothing.
  if (!issuer && seen.size === 0) return;
  const onIssuer = issuer ? `, ${issuer.usersDeleted} signed-up user(s) deleted, ${issuer.sessionsSignedOut} session(s) of configured accounts signed out` : '';
  log(`clean-up: ${removed} resource(s) deleted through the resource contract${onIssuer}${left.length ? `; ${left.length} thing(s) left behind:` : ''}`);
  for (const line of left) log(`clean-up: WARNING: left behind: ${inertLine(line)}`);
}

const keyOf = (r: NotedResource) => `${r.baseUrl} ${r.contract} ${r.id}`;

/**
 * Deletes one resource: with a fresh token of its owner first (the one that created it may have
 * expired, or been revoked by a lifecycle check), then, when that is refused (the issuer could not
 * renew it after a signal stopped it, or the resource is on a lab's backend, which trusts the lab's
 * issuer), with the token that created it. Undefined when it is gone (gone already counts: a check
 * may have deleted it), else the last answer.
 */
async function remove(client: ResourceClient, r: NotedResource, handle: IssuerHandle | undefined, method: string): Promise<string | undefined> {
  const renewed = r.token ? await handle?.renewToken(r.token).catch(() => undefined) : undefined;
  // A resource created without a token (a finding of its own) is deleted without one.
  const tokens = r.token ? [...new Set([renewed ?? r.token, r.token])] : [undefined];
  let why = '';
  for (const token of tokens) {
    // The client refuses, sending nothing, an id that would not name one item ("", ".."): its reason is reported.
    const answer = await client.remove({ name: 'its creator', token }, r.id).catch((err: unknown) => (err as Error).message);
    if (typeof answer !== 'string' && (succeeded(answer) || gone(answer))) return undefined;
    why = typeof answer === 'string' ? answer : `${method} answered ${answer.status ?? answer.exchange.error}`;
    // Only a refused token is worth another try: no answer, or another error, would be the same again.
    if (typeof answer === 'string' || (answer.status !== 401 && answer.status !== 403)) break;
  }
  return why;
}
