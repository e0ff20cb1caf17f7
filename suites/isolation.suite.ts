// Per-user isolation (docs/checks.md#family-ISO): with real Better Auth users A and B, each owning resources
// made through the backend's own API, A must not read, change, list or create B's data, and the
// caller's identity must come from the verified token alone. Needs `resources` in the config.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import CachePolicy from 'http-cache-semantics';
import { decodeJwt } from 'jose';
import { IDENTITY_OVERRIDES, IsolationLab, anotherUser, describeAnswer, ownerFields, showing, withField } from '../harness/checks/isolation-lab.js';
import type { Party, SharedResource } from '../harness/checks/isolation-lab.js';
import type { Exchange } from '../harness/checks/model.js';
import { CAUSES, combine } from '../harness/checks/oracle.js';
import type { CheckResult } from '../harness/checks/oracle.js';
import { family } from '../harness/checks/suite.js';
import type { CheckTools } from '../harness/checks/suite.js';
import { loadOperations } from '../harness/openapi/operations.js';
import { inFlight } from '../harness/in-flight.js';
import { IAT_MARGIN_S, freshClaims, split } from '../harness/forge/token.js';
import { denied, firstString, gone, succeeded } from '../harness/resources/client.js';
import type { Answer, Caller, ResourceClient } from '../harness/resources/client.js';
import { scaledToRate } from '../harness/target/pace.js';

const { check, persistenceProbe } = family('ISO');

/** A verdict for "A tried to reach B's resource": denied is secure, 2xx is a leak, anything else (429, 5xx) is unclear. */
function judgeReach(answer: Answer, what: string): CheckResult {
  // The status, not the body: generated titles would only be noise in a finding (the body is in the evidence).
  if (succeeded(answer)) return { verdict: 'FAIL', observed: `${what}: answered ${showing(answer, 'FAIL')}` };
  if (denied(answer)) return { verdict: 'PASS', observed: `${what}: refused (${answer.status}${answer.status === 403 || answer.status === 404 ? '' : ', not 403/404'})` };
  return { verdict: 'ERROR', observed: `inconclusive: ${what}: ${describeAnswer(answer)}` };
}

/** The values at the update body's fields: what an update changes (volatile fields like updatedAt or a request id are left out). */
function written(item: unknown, update: Record<string, unknown>): Record<string, unknown> {
  const row = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
  return Object.fromEntries(Object.keys(update).map((k) => [k, row[k]]));
}

check(
  {
    id: 'ISO-READ-OTHER',
    requires: ['resources'],
    title: "A user cannot read another user's resource by its id",
    severity: 'critical',
    requirement: "OWASP API1:2023 (broken object level authorization): every access to an object by id checks that the caller may access it; a valid token alone is not permission.",
    references: ['OWASP API1:2023 (BOLA)', 'ASVS 5.0 V8 (IDOR/BOLA)'],
    taxonomy: { cwe: ['CWE-639', 'CWE-862'], capec: [], owaspApi: 'API1:2023' },
    expected: "403 or 404 for A's token on B's resource",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    return lab.eachResource(async (r, w, client) => judgeReach(await client.read(w.a.caller, r.b.id, `B's ${client.name}`), `A read B's ${client.name}`));
  },
);

check(
  {
    id: 'ISO-WRITE-OTHER',
    requires: ['resources'],
    title: "A user cannot change or delete another user's resource",
    severity: 'critical',
    requirement: 'OWASP API1:2023: writes by object id are authorized per object; the object stays as its owner left it.',
    references: ['OWASP API1:2023 (BOLA)', 'ASVS 5.0 V8'],
    taxonomy: { cwe: ['CWE-639', 'CWE-862'], capec: [], owaspApi: 'API1:2023' },
    expected: "403/404 for A's update and delete of B's resource, and B reads it back unchanged",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    return lab.eachResource(async (_r, w, client) => {
      if (!client.contract.update && !client.contract.delete) return { verdict: 'SKIP', observed: 'the contract has no update and no delete operation' };
      // Fresh resources: the shared ones are read by checks running alongside.
      const results: CheckResult[] = [];
      if (client.contract.update) results.push(await updateOther(t, client, w.a, w.b));
      if (client.contract.delete) results.push(await deleteOther(client, w.a, w.b));
      return combine(results);
    });
  },
);

/** `owner` creates a resource and reads it back; a string says why that failed. */
async function ownedBy(client: ResourceClient, owner: Party): Promise<{ id: string; before: unknown } | string> {
  const created = await client.create(owner.caller);
  if (!succeeded(created) || created.id === undefined) return `${owner.caller.name}'s create answered ${describeAnswer(created)}`;
  const read = await client.read(owner.caller, created.id, `its new ${client.name}`);
  if (!succeeded(read)) return `${owner.caller.name} cannot read its new ${client.name}: ${describeAnswer(read)}`;
  return { id: created.id, before: read.json };
}

/** Whether the backend's OpenAPI document declares PATCH on the resource's item path. */
async function patchDeclared(t: CheckTools, itemPath: string): Promise<boolean> {
  if (!t.run.openapi) return false;
  const shape = (p: string) => p.replace(/\{[^}]*\}/g, '{}').replace(/\/$/, '');
  const operations = await loadOperations(t.run.openapi, t.run.target.timeoutMs).catch(() => []);
  return operations.some((o) => o.method.toUpperCase() === 'PATCH' && shape(o.template) === shape(itemPath));
}

async function updateOther(t: CheckTools, client: ResourceClient, a: Party, b: Party): Promise<CheckResult> {
  // The control: the owner's own update changes the written fields, so "unchanged" below means refused.
  const mine = await ownedBy(client, a);
  if (typeof mine === 'string') return { verdict: 'ERROR', observed: `inconclusive (update): ${mine}` };
  const ownBody = client.updateBody();
  let ownUpdate = await client.update(a.caller, mine.id, ownBody, `its own ${client.name}`);
  // The default PUT refused as a method (404/405): PATCH when the OpenAPI document declares it, else say which setting to change.
  const put = client.contract.update!;
  if (client.contract.updateDefaulted && (ownUpdate.status === 404 || ownUpdate.status === 405)) {
    if (!(await patchDeclared(t, put.path))) {
      return {
        verdict: 'ERROR',
        observed: `inconclusive (update): the default update, ${put.method} ${put.path}, answered ${ownUpdate.status} to the owner itself; if the API updates with PATCH, set update: 'PATCH ${put.path}' on the resource (update: false when it has none)`,
      };
    }
    client = client.using({ update: { method: 'PATCH', path: put.path } });
    ownUpdate = await client.update(a.caller, mine.id, ownBody, `its own ${client.name} (PATCH, as the OpenAPI document declares; PUT answered ${ownUpdate.status})`);
  }
  const ownAfter = await client.read(a.caller, mine.id, `its own ${client.name} after updating it`);
  if (!succeeded(ownUpdate) || isDeepStrictEqual(written(ownAfter.json, ownBody), written(mine.before, ownBody))) {
    return { verdict: 'ERROR', observed: `inconclusive (update): the owner's own ${client.contract.update!.method} did not change the fields it wrote (${Object.keys(ownBody).join(', ')}) (${describeAnswer(ownUpdate)}); check the update operation and updateBody` };
  }
  const theirs = await ownedBy(client, b);
  if (typeof theirs === 'string') return { verdict: 'ERROR', observed: `inconclusive (update): ${theirs}` };
  const body = client.updateBody();
  const attempt = await client.update(a.caller, theirs.id, body, `B's ${client.name}`);
  const after = await client.read(b.caller, theirs.id, `its ${client.name} after A's update`);
  if (gone(after)) return { verdict: 'FAIL', observed: `after A's update (${showing(attempt, 'FAIL')}), B's ${client.name} is gone (${after.status})` };
  if (!succeeded(after)) return { verdict: 'ERROR', observed: `inconclusive (update): B cannot read its ${client.name} back: ${describeAnswer(after)}` };
  if (!isDeepStrictEqual(written(after.json, body), written(theirs.before, body))) {
    return { verdict: 'FAIL', observed: `A's update (${showing(attempt, 'FAIL')}) changed B's ${client.name}: ${changedFields(written(theirs.before, body), written(after.json, body))}` };
  }
  if (succeeded(attempt)) {
    showing(attempt, 'NON-STRICT');
    return { verdict: 'NON-STRICT', observed: `A's update of B's ${client.name} answered ${attempt.status}, though B's resource is unchanged` };
  }
  return { verdict: 'PASS', observed: `A's update refused (${describeAnswer(attempt).slice(0, 60)}); B's ${client.name} unchanged` };
}

async function deleteOther(client: ResourceClient, a: Party, b: Party): Promise<CheckResult> {
  const mine = await ownedBy(client, a);
  if (typeof mine === 'string') return { verdict: 'ERROR', observed: `inconclusive (delete): ${mine}` };
  const ownDelete = await client.remove(a.caller, mine.id, `its own ${client.name}`);
  const ownAfter = await client.read(a.caller, mine.id, `its own ${client.name} after deleting it`);
  if (!succeeded(ownDelete) || !gone(ownAfter)) {
    return { verdict: 'ERROR', observed: `inconclusive (delete): the owner's own ${client.contract.delete!.method} did not delete its ${client.name} (${describeAnswer(ownDelete)}, then read: ${describeAnswer(ownAfter)})` };
  }
  const theirs = await ownedBy(client, b);
  if (typeof theirs === 'string') return { verdict: 'ERROR', observed: `inconclusive (delete): ${theirs}` };
  const attempt = await client.remove(a.caller, theirs.id, `B's ${client.name}`);
  const after = await client.read(b.caller, theirs.id, `its ${client.name} after A's delete`);
  if (gone(after)) return { verdict: 'FAIL', observed: `A's delete (${showing(attempt, 'FAIL')}) removed B's ${client.name}: B's read answers ${after.status}` };
  if (!succeeded(after)) return { verdict: 'ERROR', observed: `inconclusive (delete): B cannot read its ${client.name} back: ${describeAnswer(after)}` };
  if (succeeded(attempt)) {
    showing(attempt, 'NON-STRICT');
    return { verdict: 'NON-STRICT', observed: `A's delete of B's ${client.name} answered ${attempt.status}, though B's resource is still there` };
  }
  return { verdict: 'PASS', observed: `A's delete refused (${attempt.status}); B's ${client.name} still there` };
}

/** Which of the written fields changed (their values, generated text, are in the evidence). */
function changedFields(before: unknown, after: unknown): string {
  if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return 'its content changed';
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = keys.filter((k) => !isDeepStrictEqual((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]));
  return `${changed.join(', ')} rewritten to A's values`;
}

check(
  {
    id: 'ISO-CREATE-FOR-OTHER',
    requires: ['resources'],
    title: "A resource created with another user's id in the body still belongs to the caller",
    severity: 'critical',
    requirement: "OWASP API1/API3:2023 (mass assignment): the owner of a new object comes from the verified token's sub, never from the request body.",
    references: ['OWASP API1:2023', 'OWASP API3:2023 (BOPLA / mass assignment)'],
    taxonomy: { cwe: ['CWE-915', 'CWE-639'], capec: [], owaspApi: 'API3:2023' },
    expected: "refused, or created as A: its owner is A, and B can neither read it nor see it in B's list",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    return lab.eachResource(async (r, w, client) => {
      // B's probes count only where B cannot read A's resources anyway (that is ISO-READ-OTHER's finding).
      const baseline = await client.read(w.b.caller, r.a.id, `A's ${client.name} (baseline)`);
      const bCanReadA = succeeded(baseline);
      if (bCanReadA && !client.contract.owner) return { verdict: 'ERROR', observed: `inconclusive: B reads A's ${client.name} anyway (ISO-READ-OTHER), and the contract has no owner path to look at` };
      // One owner field per request: a strict schema refusing the others must not hide one it honours.
      const findings: string[] = [];
      const outcomes: string[] = [];
      for (const field of ownerFields(client.contract)) {
        const created = await client.create({ ...w.a.caller, name: `A (${field} = B)` }, withField(client.createBody(), field, w.b.user.id));
        if (created.status === 400 || created.status === 403 || created.status === 409 || created.status === 422) {
          outcomes.push(`${field}: refused ${created.status}`);
          continue;
        }
        if (!succeeded(created) || created.id === undefined) return { verdict: 'ERROR', observed: `inconclusive: A's create with ${field} = B answered ${describeAnswer(created)}` };
        const before = findings.length;
        const byA = await client.read(w.a.caller, created.id, `the ${client.name} it created with ${field} = B`);
        const owner = succeeded(byA) ? client.ownerOf(byA.json) : undefined;
        if (client.contract.owner && succeeded(byA) && owner !== w.a.user.id) findings.push(`${field}: its "${client.contract.owner}" is ${JSON.stringify(owner)}${owner === w.b.user.id ? " (B's id)" : ''}`);
        if (!bCanReadA) {
          const byB = await client.read(w.b.caller, created.id, `the ${client.name} A created with ${field} = B`);
          if (succeeded(byB)) findings.push(`${field}: B can read it`);
          if (client.contract.list && client.shows(await client.list(w.b.caller), created.id)) findings.push(`${field}: it is in B's list`);
          if (!succeeded(byA) && !succeeded(byB)) return { verdict: 'ERROR', observed: `inconclusive: created with ${field} = B (${created.status}), but neither A (${byA.status}) nor B (${byB.status}) can read it` };
        }
        // The create is where the finding is (the reads after it only show what it did).
        if (findings.length > before) showing(created, 'FAIL');
        outcomes.push(`${field}: created as A`);
      }
      const notes = bCanReadA ? ' (judged by the owner path only: B reads A\'s resources anyway)' : '';
      if (findings.length) return { verdict: 'FAIL', observed: `A's creates naming B as the owner: ${findings.join('; ')}${notes}` };
      return { verdict: 'PASS', observed: `${outcomes.length} owner fields set to B, one per create: ${outcomes.join(', ')}${notes}` };
    });
  },
);

/** Query parameters that try to widen a list to someone else's rows (or everyone's). */
const widening = (b: Party): Record<string, string>[] => [
  ...['userId', 'user_id', 'ownerId', 'owner_id', 'owner', 'user', 'uid', 'sub', 'filter[userId]', 'filter[ownerId]'].map((name) => ({ [name]: b.user.id })),
  { owner: '*' },
  { userId: '*' },
  { all: 'true' },
  { scope: 'all' },
  { include: 'all' },
  { limit: '1000', offset: '0' },
  { page: '2' },
  { email: b.user.email },
];

check(
  {
    id: 'ISO-LIST-SCOPED',
    requires: ['resources'],
    title: "Lists and searches show only the caller's rows, whatever the query says",
    severity: 'high',
    requirement: "OWASP API1:2023: collection endpoints filter by the caller's identity on the server; query parameters never widen the scope to other users.",
    references: ['OWASP API1:2023 (BOLA)'],
    taxonomy: { cwe: ['CWE-639', 'CWE-863'], capec: [], owaspApi: 'API1:2023' },
    expected: "A's list shows A's rows and none of B's, also with ?userId=B, ?owner=*, ?all=true, paging; a search for B's text finds none of B's rows",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    return lab.eachResource(async (r, w, client) => {
      if (!client.contract.list && !client.contract.search) return { verdict: 'SKIP', observed: 'the contract has no list or search operation' };
      const leaks: string[] = [];
      let probes = 0;
      if (client.contract.list) {
        if (r.listProblem) return { verdict: 'ERROR', observed: `inconclusive: ${r.listProblem}` };
        for (const query of [{}, ...widening(w.b)]) {
          const what = Object.keys(query).length ? `with ?${new URLSearchParams(query)}` : '';
          const list = await client.list({ ...w.a.caller, query }, what);
          probes++;
          if (client.shows(list, r.b.id)) leaks.push(`A's list ${what || '(no parameters)'} shows B's ${client.name} (${showing(list, 'FAIL')})`);
        }
        const listB = await client.list(w.b.caller);
        probes++;
        if (client.shows(listB, r.a.id)) leaks.push(`B's list shows A's ${client.name} (${showing(listB, 'FAIL')})`);
      }
      if (client.contract.search) {
        // Search terms from the create bodies: text the resources surely contain.
        const term = (sent: unknown) => firstString(sent) ?? '';
        const own = await client.search(w.a.caller, term(r.a.sent));
        if (!client.shows(own, r.a.id)) return { verdict: 'ERROR', observed: `inconclusive: A's search for its own ${client.name}'s text ${JSON.stringify(term(r.a.sent))} does not find it (${describeAnswer(own)})` };
        const queries: [string, string][] = [[`B's ${client.name}'s own text`, term(r.b.sent)], [`B's ${client.name}'s id`, r.b.id], ['"*"', '*'], ['"%"', '%']];
        for (const [named, q] of queries) {
          const found = await client.search(w.a.caller, q);
          probes++;
          if (client.shows(found, r.b.id, q)) leaks.push(`A's search for ${named} finds B's ${client.name} (${showing(found, 'FAIL')})`);
        }
      }
      if (leaks.length) return { verdict: 'FAIL', observed: leaks.join('; '), measured: { leakingQueries: leaks.length, queries: probes } };
      return { verdict: 'PASS', observed: `${probes} lists and searches: A sees its own rows and none of B's, and B none of A's`, measured: { leakingQueries: 0, queries: probes } };
    });
  },
);

check(
  {
    id: 'ISO-SUB-SOURCE',
    requires: ['resources'],
    title: 'The caller is the verified sub: identity headers, query or body fields change nothing',
    severity: 'critical',
    requirement: "The identity used for authorization comes from the verified token only; X-User-Id and similar headers, query parameters and body fields are attacker-controlled.",
    references: ['OWASP API1:2023', 'CWE-290 (authentication bypass by spoofing)'],
    taxonomy: { cwe: ['CWE-348', 'CWE-639', 'CWE-290'], capec: ['CAPEC-151'], owaspApi: 'API1:2023' },
    expected: "with B's id in X-User-Id, X-Forwarded-User, ?user_id=..., A still cannot reach B's resources, and what A creates with them is A's (by the owner path); without a token the headers are refused; an owner field in an update does not hand A's resource to B",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    return lab.eachResource(async (r, w, client) => {
      const { headers, query } = IDENTITY_OVERRIDES(w.b.user);
      const spoofing: Caller = { ...w.a.caller, name: "A (with B's id in identity headers and query)", headers, query };
      const anonymous: Caller = { name: "no token (B's id in identity headers and query)", token: undefined, headers, query };
      const judged: string[] = [];
      const unattributable: string[] = [];
      const leaks: string[] = [];
      /** A leak, and the exchange that showed it (the finding's location). */
      const leak = (answer: Answer, what: string) => {
        showing(answer, 'FAIL');
        leaks.push(what);
      };
      // Each probe counts only where the same request without the overrides is refused: otherwise
      // the leak is ISO-READ-OTHER's or ISO-LIST-SCOPED's, not the headers'.
      const baseline = await client.read(w.a.caller, r.b.id, `B's ${client.name} (baseline, no overrides)`);
      if (succeeded(baseline)) unattributable.push(`A reads B's ${client.name} even without overrides (ISO-READ-OTHER)`);
      else {
        const spoofed = await client.read(spoofing, r.b.id, `B's ${client.name}`);
        judged.push('read');
        if (succeeded(spoofed)) leak(spoofed, `with the overrides A reads B's ${client.name} (${spoofed.status}; ${baseline.status} without)`);
      }
      if (client.contract.list && !r.listProblem) {
        const plain = await client.list(w.a.caller, '(baseline, no overrides)');
        if (client.shows(plain, r.b.id)) unattributable.push("A's plain list already shows B's rows (ISO-LIST-SCOPED)");
        else {
          const spoofed = await client.list(spoofing);
          judged.push('list');
          if (client.shows(spoofed, r.b.id)) leak(spoofed, `with the overrides A's list shows B's ${client.name}`);
        }
      }
      if (client.contract.owner) {
        // Decided by the owner path whatever A may read: a create with B's id in the headers and query must be A's.
        const spoofedCreate = await client.create({ ...spoofing, name: "A (creating, with B's id in identity headers and query)" });
        // A refusal may be the query's doing (a strict schema), not the headers': it judges nothing.
        if ([400, 403, 409, 422].includes(spoofedCreate.status ?? 0)) unattributable.push(`A's create with the overrides was refused (${spoofedCreate.status})`);
        else if (succeeded(spoofedCreate) && spoofedCreate.id !== undefined) {
          const byA = await client.read(w.a.caller, spoofedCreate.id, `the ${client.name} A created with the overrides`);
          const owner = succeeded(byA) ? client.ownerOf(byA.json) : undefined;
          if (owner === w.b.user.id) leak(spoofedCreate, `with the overrides A's create is owned by B: its "${client.contract.owner}" is B's id`);
          else if (owner === w.a.user.id) judged.push(`create (owned by A, by "${client.contract.owner}")`);
          else if (!succeeded(byA)) {
            // A cannot read what it created with the overrides: whose it became is for B's read to say.
            const byB = await client.read(w.b.caller, spoofedCreate.id, `the ${client.name} A created with the overrides`);
            if (succeeded(byB) && client.ownerOf(byB.json) === w.b.user.id) leak(spoofedCreate, `with the overrides A's create is owned by B (B reads it; A answered ${byA.status})`);
            else unattributable.push(`A cannot read the ${client.name} it created with the overrides (${byA.status})`);
          } else unattributable.push(`the ${client.name} A created with the overrides has "${client.contract.owner}" ${JSON.stringify(owner)}`);
        } else unattributable.push(`A's create with the overrides answered ${describeAnswer(spoofedCreate)}`);
      }
      const anon = await client.read(anonymous, r.b.id, `B's ${client.name}`);
      judged.push('no-token read');
      if (succeeded(anon)) leak(anon, `without any token, B's id in the headers reads B's ${client.name} (${anon.status})`);
      if (client.contract.update) {
        // Body identity: an owner field in A's update of its own resource must not hand it to B (one field per update).
        const mine = await client.create(w.a.caller);
        const before = succeeded(mine) && mine.id !== undefined ? await client.read(w.b.caller, mine.id, `A's new ${client.name} (baseline)`) : undefined;
        if (before && succeeded(before)) unattributable.push(`B reads A's ${client.name} even before any update (ISO-READ-OTHER)`);
        else if (succeeded(mine) && mine.id !== undefined) {
          for (const field of ownerFields(client.contract)) {
            const moved = await client.update(w.a.caller, mine.id, withField(client.updateBody(), field, w.b.user.id), `its own ${client.name} with ${field} = B`);
            const byB = await client.read(w.b.caller, mine.id, `A's ${client.name} after A's update with ${field} = B`);
            if (succeeded(byB)) {
              leak(moved, `A's update with ${field} = B (${moved.status}) let B read the ${client.name}`);
              break;
            }
          }
          judged.push('update body');
        } else unattributable.push(`A's create for the update probe answered ${describeAnswer(mine)}`);
      }
      const notes = unattributable.length ? `; not judged: ${unattributable.join('; ')}` : '';
      if (leaks.length) return { verdict: 'FAIL', observed: `${leaks.join('; ')}${notes}` };
      // The no-token probe alone says nothing about overrides next to a valid token.
      if (!judged.some((j) => j !== 'no-token read')) return { verdict: 'ERROR', observed: `inconclusive: nothing with A's token could be judged${notes}` };
      return { verdict: 'PASS', observed: `ignored in ${judged.join(', ')} (${Object.keys(headers).length} headers, ${Object.keys(query).length} query parameters)${notes}` };
    });
  },
  { explains: CAUSES.identityFromRequest },
);

check(
  {
    id: 'ISO-HTTP-CACHE',
    title: 'Authenticated responses cannot be stored by a shared cache and served to another user',
    severity: 'high',
    requirement: "RFC 9111 §3.5: a shared cache may store a response to a request with Authorization only if it says public, s-maxage or must-revalidate; responses with a user's data say private or no-store (or Vary: Authorization), so a CDN or proxy never serves A's body to B.",
    references: ['RFC 9111 §3.5, §5.2.2', 'OWASP API8:2023'],
    taxonomy: { cwe: ['CWE-524', 'CWE-525'], capec: ['CAPEC-204'], owaspApi: 'API8:2023' },
    expected: 'Cache-Control: private or no-store (or Vary: Authorization) on every authenticated 2xx; NON-STRICT when it relies on the RFC default; FAIL when a shared cache would serve it to B',
  },
  async (t) => {
    const lab = new IsolationLab(t);
    const samples: { what: string; exchange: Exchange }[] = [];
    const a: Caller = { name: 'A', token: t.token };
    for (const path of new Set([t.target.settings.protectedPath, t.target.settings.identityPath].filter((p): p is string => p !== undefined))) {
      samples.push({ what: `GET ${path}`, exchange: await t.send(`A's GET ${path}`, { token: t.token, path }) });
    }
    if (lab.contracts.length) {
      const w = await lab.world();
      for (const r of w.resources) {
        const client = lab.client(r.contract);
        samples.push({ what: `A's ${client.name}`, exchange: (await client.read(a, r.a.id, `its own ${client.name}`)).exchange });
        if (r.contract.list) samples.push({ what: `A's ${client.name} list`, exchange: (await client.list(a)).exchange });
      }
    }
    const answered = samples.filter((s) => s.exchange.outcome === 'accepted');
    if (answered.length === 0) return { verdict: 'ERROR', observed: 'inconclusive: no authenticated request was answered 2xx' };
    return combine(answered.map(({ what, exchange }) => sharedCacheVerdict(what, exchange)));
  },
);

/** A header's value as one string (undici gives repeated header lines as an array). */
const headerValue = (headers: Record<string, string | string[]>, name: string) => [headers[name] ?? []].flat().join(', ');

/** `private` or `no-store` as a whole directive: `private="Set-Cookie"` only keeps those fields private. */
const keepsOutOfSharedCaches = (cacheControl: string) => cacheControl.split(',').some((d) => /^\s*(private|no-store)\s*$/i.test(d));

/** How a shared cache (RFC 9111, as http-cache-semantics implements it), or a CDN, would treat A's response. */
function sharedCacheVerdict(what: string, exchange: Exchange): CheckResult {
  const url = new URL(exchange.request.url);
  const headers = Object.fromEntries(Object.keys(exchange.response!.headers).map((k) => [k, headerValue(exchange.response!.headers, k)]));
  const request = { url: url.pathname + url.search, method: exchange.request.method, headers: { host: url.host, authorization: exchange.request.headers.authorization ?? '' } };
  const policy = new CachePolicy(request, { status: exchange.response!.status, headers }, { shared: true });
  const cacheControl = headers['cache-control'] ?? '';
  const vary = headers.vary ?? '';
  // CDNs honour these over Cache-Control (RFC 9213, Surrogate-Control).
  const cdn = ['cdn-cache-control', 'surrogate-control'].map((name) => [name, headers[name]] as const).find(([, v]) => v !== undefined && !/\b(private|no-store)\b/i.test(v) && /\b(public|s-maxage|max-age\s*=\s*[1-9])/i.test(v));
  const said = `Cache-Control: ${cacheControl || '(none)'}${vary ? `, Vary: ${vary}` : ''}${cdn ? `, ${cdn[0]}: ${cdn[1]}` : ''}`;
  const forB = { ...request, headers: { ...request.headers, authorization: 'Bearer <B>' } };
  if (policy.storable() && policy.satisfiesWithoutRevalidation(forB)) return { verdict: 'FAIL', observed: `${what}: ${said}: a shared cache stores it and serves it to B` };
  if (cdn && !/\bauthorization\b|\*/i.test(vary)) return { verdict: 'FAIL', observed: `${what}: ${said}: a CDN following ${cdn[0]} stores it and serves it to B` };
  if (keepsOutOfSharedCaches(cacheControl) || /\bauthorization\b|\*/i.test(vary)) return { verdict: 'PASS', observed: `${what}: ${said}` };
  // Low: RFC 9111 §3.5 already keeps responses to Authorization requests out of shared caches.
  if (policy.storable()) return { verdict: 'NON-STRICT', severity: 'low', observed: `${what}: ${said}: a shared cache may store it (it revalidates before serving it to B)` };
  return { verdict: 'NON-STRICT', severity: 'low', observed: `${what}: ${said}: relies on RFC 9111 §3.5 (Authorization) to keep it out of shared caches; say private or no-store` };
}

const CONCURRENT_PAIRS = 150;

check(
  {
    id: 'ISO-CONCURRENCY',
    title: "Under concurrency, no response carries another request's user",
    severity: 'high',
    requirement: 'Per-request identity lives in the request (async context), never in a global or module variable that a concurrent request can overwrite.',
    references: ['CWE-362 (race condition)', 'CWE-488 (exposure of data to the wrong session)'],
    taxonomy: { cwe: ['CWE-488', 'CWE-567', 'CWE-362'], capec: ['CAPEC-26'], owaspApi: 'API1:2023' },
    expected: `${CONCURRENT_PAIRS} requests each of A and B, interleaved and in flight together: every answer names its own caller and shows only its own rows`,
    requests: 4 * CONCURRENT_PAIRS, // each of A and B, at the identity endpoint and at one resource's list
  },
  async (t) => {
    const lab = new IsolationLab(t);
    const { identityPath } = t.target.settings;
    const w = lab.contracts.length ? await lab.world() : undefined;
    if (w?.broken) return { verdict: 'ERROR', observed: `inconclusive: ${w.broken}`, evidence: w.evidence };
    const userB = w?.b.user ?? (await t.issuer.createUser());
    const parties = [
      { name: 'A', user: t.user, token: t.token },
      { name: 'B', user: userB, token: w?.b.token ?? (await t.issuer.tokenFor(userB)) },
    ];
    // One request kind per endpoint; each knows what its caller must (and must not) see.
    type Probe = (who: 0 | 1, i: number) => Promise<{ exchange: Exchange; wrong?: string }>;
    const probes: Probe[] = [];
    if (identityPath) {
      probes.push(async (who, i) => {
        const { exchange } = await t.target.fetch(t.checkId, `${parties[who]!.name} #${i} at ${identityPath}`, { token: parties[who]!.token, path: identityPath });
        const subject = t.target.subjectOf(exchange);
        return { exchange, ...(exchange.outcome === 'accepted' && subject !== parties[who]!.user.id ? { wrong: `named ${subject === parties[1 - who]!.user.id ? `the other user` : JSON.stringify(subject)}` } : {}) };
      });
    }
    const notJudged: string[] = [];
    for (const r of w?.resources ?? []) {
      if (!r.contract.list || r.listProblem) continue;
      // Cross-talk in a list shows only if the lists are scoped when requests come one at a time.
      const sequential = lab.client(r.contract);
      if (sequential.shows(await sequential.list(w!.a.caller, '(baseline, alone)'), r.b.id)) {
        notJudged.push(`${r.contract.name} lists (A's list shows B's rows even alone: ISO-LIST-SCOPED)`);
        continue;
      }
      // Not kept as evidence one by one: the result quotes a sample.
      const client = lab.client(r.contract, (label, options) => t.target.fetch(t.checkId, label, options));
      probes.push(async (who, i) => {
        const other = who === 0 ? r.b.id : r.a.id;
        const list = await client.list({ name: `${parties[who]!.name} #${i}`, token: parties[who]!.token });
        // Only the other user's rows count: its own may be pushed off a page by rows other checks create meanwhile.
        const wrong = client.shows(list, other) ? `showed the other user's ${client.name}` : undefined;
        return { exchange: list.exchange, ...(wrong ? { wrong } : {}) };
      });
    }
    if (probes.length === 0) {
      if (notJudged.length) return { verdict: 'ERROR', observed: `inconclusive: not judged: ${notJudged.join('; ')}` };
      return { verdict: 'SKIP', observed: 'needs an identity endpoint (target.identityPath) or a resource with a list operation' };
    }
    // Scaled down under target.maxRps, so a staging backend is not flooded.
    const pairs = scaledToRate(CONCURRENT_PAIRS * 2, t.target.settings.maxRps) / 2;
    const jobs = probes.flatMap((probe) => Array.from({ length: Math.floor(pairs) * 2 }, (_, i) => () => probe((i % 2) as 0 | 1, i >> 1)));
    const results = await inFlight(jobs, t.target.settings.concurrency * 4);
    const crossed = results.filter((r) => r.wrong);
    const unanswered = results.filter((r) => r.exchange.outcome !== 'accepted' && !r.wrong);
    const measured = { requests: results.length, crossTalk: crossed.length, notAccepted: unanswered.length };
    const evidence = [...crossed.slice(0, 10).map((r) => ({ ...r.exchange, label: `${r.exchange.label}: ${r.wrong}` })), ...results.slice(0, 2).map((r) => r.exchange)];
    if (crossed.length) return { verdict: 'FAIL', observed: `${crossed.length} of ${results.length} answers carried the wrong user (e.g. ${crossed[0]!.exchange.label} ${crossed[0]!.wrong}): the caller is kept where concurrent requests share it`, measured, evidence };
    if (unanswered.length) return { verdict: 'ERROR', observed: `inconclusive: ${unanswered.length} of ${results.length} requests were not answered 2xx (e.g. ${unanswered[0]!.exchange.response?.status ?? unanswered[0]!.exchange.error})`, measured, evidence };
    const notes = notJudged.length ? `; not judged: ${notJudged.join('; ')}` : '';
    return { verdict: 'PASS', observed: `${results.length} interleaved requests of A and B, up to ${t.target.settings.concurrency * 4} in flight: every answer was its caller's${notes}`, measured, evidence };
  },
);

/** The claims every token carries whoever it is for: what two users' tokens share when they are issued together. */
const SHARED_CLAIMS = ['iss', 'aud', 'iat', 'nbf', 'exp', 'jti'];

check(
  {
    id: 'ISO-TOKEN-CACHE-CONFUSION',
    requires: ['identityPath'],
    needs: ['mint'],
    title: "A's and B's tokens that share a prefix, a jti and an iat second are never taken for each other, nor A's claims under another signature for A",
    severity: 'critical',
    requirement: "A cache of verified tokens is keyed by the whole token (or a hash of all of it). A key built from part of it (a prefix, a suffix, the jti, the claims without the signature) returns one user's verified claims for another's token, or for a token whose signature was never checked.",
    references: ['fast-jwt GHSA-rp9m-7r4c-75qg (CVE-2026-35039, cacheKeyBuilder collisions)', 'LiteLLM GHSA-jjhc-v7c2-5hh6 (CVE-2026-35030, OIDC cache key collision)', 'CWE-488'],
    taxonomy: { cwe: ['CWE-488', 'CWE-694', 'CWE-345'], capec: ['CAPEC-633'], owaspApi: 'API2:2023' },
    expected: "each token named its own user at the identity endpoint, in turn and again; A's header and claims with B's signature refused",
  },
  async ({ user, claims, issuer, target, send, now }): Promise<CheckResult> => {
    const path = target.settings.identityPath!; // required (CheckMeta.requires)
    const b = await anotherUser(issuer, user);
    if (!b) return { verdict: 'ERROR', observed: `inconclusive: the issuer gives no user other than A (${user.id}); configure two accounts (issuer.users)` };
    // Both tokens are signed in the same second with the same jti, the shared claims first: the two
    // strings then agree on their header and the first ~170 characters of their payloads.
    const iat = now() - IAT_MARGIN_S;
    const shared = { iss: claims.iss, aud: claims.aud, iat, exp: iat + 600, jti: randomUUID() };
    const own = (all: Record<string, unknown>) => Object.fromEntries(Object.entries(all).filter(([k]) => !SHARED_CLAIMS.includes(k)));
    const [tokenA, tokenB] = await Promise.all([claims, decodeJwt(await issuer.tokenFor(b))].map(async (c) => (await issuer.sign({ claims: { ...shared, ...own(c) } })).token));
    const common = [...tokenA!].findIndex((ch, i) => ch !== tokenB![i]);
    const a = split(tokenA!);
    const probes: [string, string, string | undefined][] = [
      ["A's token", tokenA!, user.id],
      [`B's token (the first ${common} characters are A's)`, tokenB!, b.id],
      ["A's header and claims with B's signature", `${a.header}.${a.payload}.${split(tokenB!).signature}`, undefined],
      ["A's token again", tokenA!, user.id],
      ["B's token again", tokenB!, b.id],
    ];
    // One at a time, in this order: a cache is filled by the first and read by the next.
    const findings: string[] = [];
    const unclear: string[] = [];
    let crashed = '';
    // A token taken for another user, or the forged one named after the signature's owner, is a cache's
    // doing: a backend that merely verifies nothing names each token's own sub.
    let confused = false;
    for (const [label, token, expected] of probes) {
      const e = await send(label, { token, path });
      const named = e.outcome === 'accepted' ? target.subjectOf(e) : undefined;
      if (expected === undefined) {
        if (e.outcome === 'accepted') findings.push(`${label} was accepted${named === user.id ? ' as A: a signature that is not theirs went unchecked' : ` (named ${named === b.id ? 'B, the signature\'s owner' : JSON.stringify(named)})`}`);
        if (e.outcome === 'accepted' && named !== user.id) confused = true;
        // A 5xx is a refusal here, not a confusion (ERR-NO-5XX judges it).
        else if (e.outcome === 'server-error') crashed = ` (it answered ${e.response!.status}: see ERR-NO-5XX)`;
        else if (e.outcome !== 'rejected') unclear.push(`${label}: ${e.response?.status ?? e.error}`);
      } else if (e.outcome !== 'accepted') unclear.push(`${label} was not accepted (${e.response?.status ?? e.error})`);
      else if (named !== expected) {
        findings.push(`${label} was named ${named === user.id ? 'A' : named === b.id ? 'B' : JSON.stringify(named)}: verified tokens are told apart by part of the token`);
        confused = true;
      }
    }
    if (findings.length) return { verdict: 'FAIL', observed: findings.join('; '), ...(confused ? { ownSignal: true, explains: CAUSES.tokenCacheConfused } : {}) };
    if (unclear.length) return { verdict: 'ERROR', observed: `inconclusive: ${unclear.join('; ')}` };
    return { verdict: 'PASS', observed: `A's and B's tokens (same header, jti and iat; the first ${common} characters alike) each named their own user, twice; A's claims under B's signature were refused${crashed}` };
  },
  { forgesSignature: true },
);

check(
  {
    id: 'ISO-ENUM-ORACLE',
    requires: ['resources'],
    title: "Whether another user's id exists cannot be told from the answer (measured)",
    severity: 'low',
    requirement: "Answering 403 for another user's existing resource and 404 for a missing one lets a caller enumerate ids; 404 for both is preferred.",
    references: ['OWASP API1:2023', 'RFC 9110 §15.5.5 (404 may hide a 403)'],
    taxonomy: { cwe: ['CWE-204', 'CWE-203'], capec: [], owaspApi: 'API1:2023' },
    expected: "INFO: the statuses for B's existing id and for a missing id of the same shape (the same status preferred)",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    return lab.eachResource(async (r, w, client) => {
      const missing = lookalike(r.b.id, lab.faker);
      const existing = await client.read(w.a.caller, r.b.id, `B's ${client.name}`);
      const absent = await client.read(w.a.caller, missing, `a missing ${client.name} ${missing}`);
      const measured = { existingOtherStatus: existing.status ?? 'no answer', missingStatus: absent.status ?? 'no answer' };
      if (existing.status === undefined || absent.status === undefined) return { verdict: 'ERROR', observed: `inconclusive: ${describeAnswer(existing)}; ${describeAnswer(absent)}`, measured };
      if (succeeded(existing)) return { verdict: 'INFO', observed: `B's resource is readable by A (${existing.status}; see ISO-READ-OTHER); a missing id answers ${absent.status}`, measured };
      const same = existing.status === absent.status;
      return { verdict: 'INFO', observed: same ? `${existing.status} for both B's id and a missing one: no existence oracle` : `${existing.status} for B's existing id, ${absent.status} for a missing one: the status tells which ids exist`, measured };
    });
  },
);

/** An id of the same length and alphabet as `id` that surely does not exist. */
function lookalike(id: string, faker: IsolationLab['faker']): string {
  if (/^\d+$/.test(id)) return String(BigInt(id) + 987_654_321n);
  const alphabet = /^[0-9a-f-]+$/.test(id) ? '0123456789abcdef' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return id.replace(/[0-9A-Za-z]/g, () => faker.helpers.arrayElement([...alphabet]));
}

check(
  {
    id: 'ISO-SUB-NORMALIZATION',
    needs: ['mint'],
    title: 'Subjects that differ only by case, Unicode form or whitespace are different users',
    severity: 'medium',
    requirement: "sub is a case-sensitive string compared exactly (RFC 7519 §4.1.2, StringOrURI); folding case, trimming or NFKC-normalizing it merges distinct users.",
    references: ['RFC 7519 §2 (StringOrURI), §4.1.2', 'RFC 8265 (preparation of identifiers)'],
    taxonomy: { cwe: ['CWE-289', 'CWE-178', 'CWE-176'], capec: [], owaspApi: 'API1:2023' },
    expected: "tokens whose sub is A's id in upper case, lower case, fullwidth letters or with spaces reach none of A's resources, are not named A, and own what they create (by the owner path)",
  },
  async (t) => {
    const lab = new IsolationLab(t);
    const id = t.user.id;
    const candidates: [string, string][] = [
      ['upper case', id.toUpperCase()],
      ['lower case', id.toLowerCase()],
      ['fullwidth letters (NFKC folds them back)', [...id].map((c) => (/[0-9A-Za-z]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('')],
      ['leading space', ` ${id}`],
      ['trailing space', `${id} `],
    ];
    // Ids without letters of one case make some variants the id itself, or each other.
    const variants = candidates.filter(([, v], i) => v !== id && candidates.findIndex(([, x]) => x === v) === i);
    const w = lab.contracts.length ? await lab.world() : undefined;
    if (w?.broken) return { verdict: 'ERROR', observed: `inconclusive: ${w.broken}`, evidence: w.evidence };
    if (!t.target.settings.identityPath && !w?.resources.length) return { verdict: 'SKIP', observed: 'needs an identity endpoint or resources' };
    const findings: string[] = [];
    const notJudged: string[] = [];
    // A resource counts only if an unrelated user (B) cannot reach it anyway; where B can, its owner path alone may judge.
    const judgedResources: SharedResource[] = [];
    const byOwnerPath: SharedResource[] = [];
    for (const r of w?.resources ?? []) {
      const client = lab.client(r.contract);
      const byB = await client.read(w!.b.caller, r.a.id, `A's ${client.name} (baseline)`);
      if (!succeeded(byB)) judgedResources.push(r);
      else if (r.contract.owner) byOwnerPath.push(r);
      else notJudged.push(`${r.contract.name} (B reads A's ${r.contract.name} too: ISO-READ-OTHER)`);
    }
    // Another user whose id differs from A's only this way: its own name and email, so only sub can collide.
    const lookalikeToken = (sub: string) => t.signed({ ...freshClaims(t.claims), sub, id: sub, email: lab.faker.internet.email({ provider: 'example.test' }).toLowerCase(), name: lab.faker.person.fullName() });
    // The control: a token of that shape with a sub that collides with no one is accepted, so refusals below are not "refuses any unknown sub".
    const fresh = await t.send('a token with a new, non-colliding sub (control)', await lookalikeToken(lookalike(id, lab.faker)));
    if (fresh.outcome !== 'accepted') return { verdict: 'ERROR', observed: `inconclusive: a validly signed token for a user the backend has not seen is not accepted (${fresh.response?.status ?? fresh.error}), so look-alike subjects cannot be judged` };
    for (const [what, sub] of variants) {
      const token = await lookalikeToken(sub);
      const caller: Caller = { name: `sub = A's id, ${what}`, token };
      if (t.target.settings.identityPath) {
        const me = await t.send(`${caller.name} at the identity endpoint`, { token, path: t.target.settings.identityPath });
        if (me.outcome === 'accepted' && t.target.subjectOf(me) === id) {
          me.shows = 'FAIL';
          findings.push(`${what}: the identity endpoint names A`);
        }
      }
      for (const r of judgedResources) {
        const client = lab.client(r.contract);
        const read = await client.read(caller, r.a.id, `A's ${client.name}`);
        if (succeeded(read)) findings.push(`${what}: reads A's ${client.name} (${showing(read, 'FAIL')})`);
        const listed = r.contract.list && !r.listProblem ? await client.list(caller) : undefined;
        if (listed && client.shows(listed, r.a.id)) findings.push(`${what}: lists A's ${client.name} (${showing(listed, 'FAIL')})`);
      }
      // Where anyone reads anything, what the look-alike creates says whom the backend took it for.
      for (const r of byOwnerPath) {
        const client = lab.client(r.contract);
        const created = await client.create(caller);
        const back = succeeded(created) && created.id !== undefined ? await client.read(caller, created.id, `the ${client.name} it created`) : undefined;
        const owner = back && succeeded(back) ? client.ownerOf(back.json) : undefined;
        if (owner === id) findings.push(`${what}: what it creates is owned by A ("${r.contract.owner}" is A's id; ${showing(created, 'FAIL')})`);
        else if (owner !== sub) notJudged.push(`${r.contract.name} (what ${what} created has "${r.contract.owner}" ${JSON.stringify(owner)}; B reads A's ${r.contract.name} anyway: ISO-READ-OTHER)`);
      }
    }
    judgedResources.push(...byOwnerPath.filter((r) => !notJudged.some((n) => n.startsWith(`${r.contract.name} (`))));
    const notes = notJudged.length ? `; not judged: ${notJudged.join('; ')}` : '';
    if (findings.length) return { verdict: 'FAIL', observed: `${findings.join('; ')}${notes}` };
    // An identity endpoint echoes the verified sub: it cannot show normalization done where data is looked up.
    if (judgedResources.length === 0) {
      return notJudged.length
        ? { verdict: 'ERROR', observed: `inconclusive: the identity endpoint named each look-alike as itself, and no resource could be judged: ${notJudged.join('; ')}` }
        : { verdict: 'SKIP', observed: 'the identity endpoint named each look-alike as itself; judging where data is looked up needs resources (resources in conformance.config.ts)' };
    }
    const byOwner = byOwnerPath.filter((r) => judgedResources.includes(r)).map((r) => r.contract.name);
    const how = byOwner.length ? ` (${byOwner.join(', ')}: judged by the owner path of what each created, B reading A's anyway: ISO-READ-OTHER)` : '';
    return { verdict: 'PASS', observed: `${variants.length} look-alike subjects (${variants.map(([w]) => w).join(', ')}) reached nothing of A's${how}${notes}` };
  },
);

persistenceProbe();
