// One resource contract spoken over HTTP as a given user: create, read, update, delete, list and
// search, with the id, owner and rows read from the JSON where the contract says they are.
import type { Faker } from '@faker-js/faker';
import { fillTemplate, pathOf } from '../config/resources.js';
import type { Operation, ResourceContract } from '../config/resources.js';
import { valueAt } from '../json-path.js';
import { withQuery } from '../target/client.js';
import type { FetchedExchange, SendOptions } from '../target/client.js';

export type Fetch = (label: string, options: SendOptions) => Promise<FetchedExchange>;

/** Who makes a request: a token (undefined: none), and extra headers. */
export interface Caller {
  name: string;
  /** A valid token of this user (undefined: none). */
  token: string | undefined;
  headers?: Record<string, string>;
  /** Query parameters added to the request (identity overrides, list widening). */
  query?: Record<string, string>;
}

export interface Answer extends FetchedExchange {
  /** The parsed JSON body (undefined when it is not JSON). */
  json: unknown;
  status: number | undefined;
}

export const succeeded = (a: Answer) => a.status !== undefined && a.status >= 200 && a.status < 300;
/**
 * Access denied: 403/404 (the expected answers for another user's resource), 401, or 410. Other
 * 4xx (429, 409, 415...) say nothing about authorization and are inconclusive.
 */
export const denied = (a: Answer) => a.status === 401 || a.status === 403 || a.status === 404 || a.status === 410;
/** Gone: the resource is not there (a read after a delete). */
export const gone = (a: Answer) => a.status === 404 || a.status === 410;

/** Told of every resource a create made, with the token that made it (so that the run can delete it at the end). */
export type OnCreated = (id: string, token: string | undefined) => void;

export class ResourceClient {
  constructor(
    readonly contract: ResourceContract,
    private readonly fetch: Fetch,
    private readonly faker: Faker,
    private readonly onCreated?: OnCreated,
  ) {}

  get name(): string {
    return this.contract.name;
  }

  /** The same resource spoken with some operations changed (an update by PATCH where PUT is refused). */
  using(changes: Partial<ResourceContract>): ResourceClient {
    return new ResourceClient({ ...this.contract, ...changes }, this.fetch, this.faker, this.onCreated);
  }

  createBody(): Record<string, unknown> {
    return asObject(fillTemplate(this.contract.body, this.faker));
  }
  updateBody(): Record<string, unknown> {
    return asObject(fillTemplate(this.contract.updateBody, this.faker));
  }

  idOf(item: unknown): string | undefined {
    const id = valueAt(item, this.contract.id);
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  }
  ownerOf(item: unknown): string | undefined {
    if (!this.contract.owner) return undefined;
    const owner = valueAt(item, this.contract.owner);
    return owner === undefined || owner === null ? undefined : String(owner);
  }

  /** Creates a resource; `sent` is the body as sent (its Faker values filled). */
  async create(caller: Caller, body: unknown = this.createBody()): Promise<Answer & { id?: string; sent: unknown }> {
    const answer = await this.call(this.contract.create, caller, `${caller.name} creates a ${this.name}`, {}, body);
    const id = succeeded(answer) ? this.idOf(answer.json) : undefined;
    if (id !== undefined) this.onCreated?.(id, caller.token);
    return { ...answer, ...(id !== undefined ? { id } : {}), sent: body };
  }
  read(caller: Caller, id: string, what = ''): Promise<Answer> {
    return this.call(this.contract.read, caller, `${caller.name} reads ${what || `${this.name} ${id}`}`, { id });
  }
  update(caller: Caller, id: string, body: unknown, what = ''): Promise<Answer> {
    return this.call(this.contract.update!, caller, `${caller.name} updates ${what || `${this.name} ${id}`}`, { id }, body);
  }
  remove(caller: Caller, id: string, what = ''): Promise<Answer> {
    return this.call(this.contract.delete!, caller, `${caller.name} deletes ${what || `${this.name} ${id}`}`, { id });
  }
  list(caller: Caller, what = ''): Promise<Answer> {
    return this.call(this.contract.list!, caller, `${caller.name} lists ${this.name}${what ? ` ${what}` : ''}`, {});
  }
  search(caller: Caller, q: string): Promise<Answer> {
    return this.call(this.contract.search!, caller, `${caller.name} searches ${this.name} for ${JSON.stringify(q)}`, { q });
  }

  /** The rows of a list or search answer (undefined when they are not where the contract says). */
  rowsOf(answer: Answer): unknown[] | undefined {
    const rows = this.contract.items ? valueAt(answer.json, this.contract.items) : answer.json;
    return Array.isArray(rows) ? rows : undefined;
  }

  /**
   * Whether a 2xx list or search answer shows resource `id`: a row with that id, or (for ids long
   * enough not to match by chance) the id anywhere in the body, whatever its shape, once the echoed
   * search term (`echo`) is taken out.
   */
  shows(answer: Answer, id: string, echo?: string): boolean {
    if (!succeeded(answer)) return false;
    if (this.rowsOf(answer)?.some((row) => this.idOf(row) === id)) return true;
    const text = echo ? answer.text.split(echo).join('').split(encodeURIComponent(echo)).join('') : answer.text;
    return id.length >= 8 && text.includes(id);
  }

  private async call(op: Operation, caller: Caller, label: string, values: { id?: string; q?: string }, body?: unknown): Promise<Answer> {
    const path = caller.query ? withQuery(pathOf(op, values), caller.query) : pathOf(op, values);
    const fetched = await this.fetch(label, {
      method: op.method,
      path,
      ...(caller.token !== undefined ? { token: caller.token, validToken: true } : {}),
      ...(caller.headers ? { headers: caller.headers } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    return { ...fetched, json: parseJson(fetched.text), status: fetched.exchange.response?.status };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The first string value in a JSON value (a search term that the resource surely contains). */
export function firstString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value;
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      const found = firstString(v);
      if (found) return found;
    }
  }
  return undefined;
}
