// The isolation family's fixture: users A and B, each owning one resource of every configured kind,
// created through the backend's own API and proven readable by their owners (the positive control:
// a contract that does not work makes the checks ERROR, never PASS). Built once per worker and then
// only read; checks that write make resources of their own.
import type { Faker } from '@faker-js/faker';
import { englishFaker } from '../faker.js';
import type { ResourceContract } from '../config/resources.js';
import { isClosed, note } from '../ledger.js';
import type { IssuerUser } from '../issuer/issuer.js';
import { ResourceClient, succeeded } from '../resources/client.js';
import type { Answer, Caller, Fetch } from '../resources/client.js';
import { familyOf } from './model.js';
import type { Exchange, Verdict } from './model.js';
import { combine } from './oracle.js';
import type { CheckResult } from './oracle.js';
import type { CheckTools } from './suite.js';

/**
 * A user other than A. Configured accounts (an external issuer's issuer.users) are handed out in turn
 * to the family's concurrent checks, so the next one may be A again: asked for a few times.
 */
export async function anotherUser(issuer: CheckTools['issuer'], a: CheckTools['user']): Promise<CheckTools['user'] | undefined> {
  for (let i = 0; i < 3; i++) {
    const user = await issuer.createUser();
    if (user.id !== a.id) return user;
  }
  return undefined;
}

export interface Party {
  user: IssuerUser;
  token: string;
  caller: Caller;
}

export interface Owned {
  id: string;
  /** As its owner reads it. */
  item: unknown;
  /** The create body as sent. */
  sent: unknown;
}

export interface SharedResource {
  contract: ResourceContract;
  a: Owned;
  b: Owned;
  /** Why A's list does not show A's resource, when it does not (the list checks are then inconclusive). */
  listProblem?: string;
}

export interface IsolationWorld {
  a: Party;
  b: Party;
  resources: SharedResource[];
  /** The set-up's requests, quoted by a check that cannot run because of them. */
  evidence: Exchange[];
  /** Why the resource contract does not work for its owners, when it does not. */
  broken?: string;
}

/** Body fields through which a careless API lets the caller name the owner. */
export const OWNER_FIELDS = ['ownerId', 'owner_id', 'owner', 'userId', 'user_id', 'user', 'createdBy', 'created_by', 'authorId', 'author_id', 'sub'];

/** The owner fields to try one at a time: the contract's owner path first, then the usual names. */
export function ownerFields(contract: ResourceContract): string[] {
  return [...new Set([...(contract.owner ? [contract.owner] : []), ...OWNER_FIELDS])];
}

/** The body with the (dotted) field set to `value`. */
export function withField(body: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = { ...body };
  const keys = dotted.split('.');
  let node = result;
  for (const key of keys.slice(0, -1)) node = (node[key] = typeof node[key] === 'object' && node[key] !== null ? { ...(node[key] as object) } : {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return result;
}

/** Headers and query parameters with which some backends let the request name its user. */
export const IDENTITY_OVERRIDES = (b: Pick<IssuerUser, 'id' | 'email'>) => ({
  headers: {
    'x-user-id': b.id,
    'x-user': b.id,
    'x-forwarded-user': b.id,
    'x-auth-user': b.id,
    'x-auth-request-user': b.id,
    'x-remote-user': b.id,
    'remote-user': b.id,
    'x-authenticated-user': b.id,
    'x-subject': b.id,
    'x-forwarded-email': b.email,
    'x-auth-request-email': b.email,
  },
  query: { user_id: b.id, userId: b.id, uid: b.id, sub: b.id },
});

/**
 * `answer`'s exchange is the one that shows `verdict` (SARIF's location names its route), among the
 * set-up around it; its status, for the finding's text (the body, generated content, is in the evidence).
 */
export function showing(answer: Answer, verdict: Verdict): string {
  answer.exchange.shows = verdict;
  return answer.status !== undefined ? String(answer.status) : `no answer (${answer.exchange.error})`;
}

export const describeAnswer = (a: Answer) => (a.status !== undefined ? `${a.status}${a.text ? ` ${a.text.slice(0, 120)}` : ''}` : `no answer (${a.exchange.error})`);

const party = (name: string, user: IssuerUser, token: string): Party => ({ user, token, caller: { name, token } });

/** One world per family's user A: families of one worker share this module, and each judges its own A's resources. */
const worlds = new Map<string, Promise<IsolationWorld>>();

export class IsolationLab {
  readonly faker: Faker;

  constructor(private readonly t: CheckTools) {
    let seed = t.issuer.seed;
    for (const ch of t.checkId) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0;
    this.faker = englishFaker(seed);
  }

  get contracts(): ResourceContract[] {
    return this.t.run.resources;
  }

  /**
   * A client for `contract` whose requests are this check's evidence; what it creates is noted in the
   * run's ledger, for the runner to delete at the end. Once the runner has begun that (the run is
   * ending: a signal), it sends nothing more, so that nothing is created after the ledger was read.
   */
  client(contract: ResourceContract, fetch: Fetch = this.t.fetch): ResourceClient {
    const { run, target } = this.t;
    const unlessEnding: Fetch = (label, options) => (isClosed(run.ledger) ? Promise.reject(new Error('not sent: the run is ending')) : fetch(label, options));
    return new ResourceClient(contract, unlessEnding, this.faker, (id, token) => note(run.ledger, { kind: 'resource', baseUrl: target.settings.baseUrl, contract: contract.name, id, ...(token ? { token } : {}) }));
  }

  /** Users A (the family's) and B, and one resource each of every kind; built once per family. */
  world(): Promise<IsolationWorld> {
    let world = worlds.get(this.t.user.id);
    if (!world) worlds.set(this.t.user.id, (world = this.build()));
    return world;
  }

  /**
   * Runs `fn` for every resource kind and combines the results (its checks require resources:
   * CheckMeta.requires); ERROR (with the set-up's requests) when the contract does not work for the
   * resources' owners.
   */
  async eachResource(fn: (shared: SharedResource, w: IsolationWorld, client: ResourceClient) => Promise<CheckResult>): Promise<CheckResult> {
    const w = await this.world();
    if (w.broken) return { verdict: 'ERROR', observed: `inconclusive: ${w.broken}`, evidence: w.evidence };
    const results: CheckResult[] = [];
    for (const shared of w.resources) {
      const result = await fn(shared, w, this.client(shared.contract));
      results.push(w.resources.length > 1 ? { ...result, observed: `${shared.contract.name}: ${result.observed}` } : result);
    }
    const measured = Object.assign({}, ...results.map((r) => r.measured ?? {})) as Record<string, number | string>;
    return { ...combine(results), ...(Object.keys(measured).length ? { measured } : {}), evidence: results.flatMap((r) => r.evidence ?? []) };
  }

  private async build(): Promise<IsolationWorld> {
    const { issuer, target, user, token } = this.t;
    const evidence: Exchange[] = [];
    const fetch: Fetch = async (label, options) => {
      // Counted with the family's set-up, whichever family builds the world.
      const fetched = await target.fetch(`${familyOf(this.t.checkId)}-setup`, label, options);
      evidence.push(fetched.exchange);
      return fetched;
    };
    // Configured accounts may hand A out again: B is another user, or the world is broken.
    const userB = await anotherUser(issuer, user);
    if (!userB) return { a: party('A', user, token), b: party('B', user, token), resources: [], evidence, broken: 'the issuer gave no second user (B)' };
    const w: IsolationWorld = { a: party('A', user, token), b: party('B', userB, await issuer.tokenFor(userB)), resources: [], evidence };
    const problems: string[] = [];
    for (const contract of this.contracts) {
      const client = this.client(contract, fetch);
      const own = async (p: Party): Promise<Owned | undefined> => {
        const created = await client.create(p.caller);
        if (!succeeded(created) || created.id === undefined) {
          problems.push(`${contract.name}: ${p.caller.name}'s ${contract.create.method} ${contract.create.path} answered ${describeAnswer(created)}${succeeded(created) ? ` with no id at "${contract.id}"` : ''}`);
          return undefined;
        }
        const read = await client.read(p.caller, created.id, `its own ${contract.name}`);
        if (!succeeded(read) || client.idOf(read.json) !== created.id) {
          problems.push(`${contract.name}: the owner ${p.caller.name} cannot read what it created: ${contract.read.method} ${contract.read.path} answered ${describeAnswer(read)}`);
          return undefined;
        }
        const owner = client.ownerOf(read.json);
        if (contract.owner && owner !== p.user.id) {
          problems.push(`${contract.name}: "${contract.owner}" of ${p.caller.name}'s own ${contract.name} is ${JSON.stringify(owner)}, not ${p.caller.name}'s user id ${p.user.id} (fix the owner path)`);
          return undefined;
        }
        return { id: created.id, item: read.json, sent: created.sent };
      };
      const [a, b] = [await own(w.a), await own(w.b)];
      if (!a || !b) continue;
      let listProblem: string | undefined;
      if (contract.list) {
        const list = await client.list(w.a.caller);
        if (!succeeded(list)) listProblem = `A's list answered ${describeAnswer(list)}`;
        else if (!client.shows(list, a.id)) listProblem = `A's list does not show A's own ${contract.name} ${a.id}${contract.items ? ` (rows at "${contract.items}")` : ' (set `items` if the rows are not the top-level array)'}`;
      }
      w.resources.push({ contract, a, b, ...(listProblem ? { listProblem } : {}) });
    }
    if (problems.length) w.broken = `the resource contract does not work for the resources' owners: ${problems.join('; ')}`;
    return w;
  }
}
