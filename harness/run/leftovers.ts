// The end of an external run: what it created on the team's staging goes. Resources first (deleting
// them needs their owners' live sessions and the backend still up), through the resource contract's
// delete, with a fresh token of the owner where a session of theirs is live, else the token that
// created them; then the issuer's users and sessions (ExternalIssuer.cleanUp). What could not be
// removed is said on the console, one line each. Runs also after a signal (run.ts's clean-up path).
import { Faker, en } from '@faker-js/faker';
import type { ResolvedConfig } from '../config/config.js';
import { ExternalIssuer } from '../issuer/external.js';
import type { IssuerHandle } from '../issuer/handle.js';
import { PACKAGE as pkg } from '../paths.js';
import { ResourceClient, gone, succeeded } from '../resources/client.js';
import { TargetClient } from '../target/client.js';
import { inertLine } from '../text.js';

export async function removeLeftovers(handle: IssuerHandle | undefined, config: ResolvedConfig, runId: string, log: (line: string) => void): Promise<void> {
  if (!(handle instanceof ExternalIssuer)) return;
  const left: string[] = [];
  let removed = 0;
  const seen = new Set<string>();
  const clients = new Map<string, TargetClient>();
  const faker = new Faker({ locale: [en] }); // a delete sends no generated data
  for (const r of handle.notedResources()) {
    const key = `${r.baseUrl} ${r.contract} ${r.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const contract = config.resources.find((c) => c.name === r.contract);
    if (!contract?.delete) {
      left.push(`${r.contract} ${r.id} at ${r.baseUrl}: the resource contract has no delete`);
      continue;
    }
    const token = (r.userId ? await handle.freshTokenOf(r.userId) : undefined) ?? r.token;
    let target = clients.get(r.baseUrl);
    if (!target) {
      const t = config.target;
      target = new TargetClient({
        baseUrl: r.baseUrl, protectedPath: t.protectedPath, identityPath: t.identityPath, identitySubject: t.identitySubject, timeoutMs: t.timeoutMs,
        concurrency: t.concurrency, rejectStatuses: t.rejectStatuses, runId, toolVersion: pkg.version, ...(t.maxRps !== undefined ? { maxRps: t.maxRps } : {}),
      });
      clients.set(r.baseUrl, target);
    }
    const client = new ResourceClient(contract, (label, options) => target.fetch('CLEANUP', label, options), faker);
    // The client refuses, sending nothing, an id that would not name one item ("", ".."): a reason to report.
    const answer = await client.remove({ name: 'its creator', token }, r.id).catch((err: unknown) => (err as Error).message);
    // Gone already counts as removed: a check may have deleted it.
    if (typeof answer !== 'string' && (succeeded(answer) || gone(answer))) removed++;
    else left.push(`${r.contract} ${JSON.stringify(r.id)} at ${r.baseUrl}: ${typeof answer === 'string' ? answer : `${contract.delete.method} answered ${answer.status ?? answer.exchange.error}`}`);
  }
  await Promise.all([...clients.values()].map((c) => c.close()));
  const issuer = await handle.cleanUp();
  left.push(...issuer.left);
  log(`clean-up: ${removed} resource(s) deleted through the resource contract, ${issuer.usersDeleted} signed-up user(s) deleted, ${issuer.sessionsSignedOut} session(s) of configured accounts signed out${left.length ? `; ${left.length} thing(s) left behind:` : ''}`);
  for (const line of left) log(`clean-up: WARNING: left behind: ${inertLine(line)}`);
}
