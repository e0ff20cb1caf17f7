// The resource contract: how the isolation checks create, read, update, delete, list and search
// one kind of resource as two different users, and where its id and owner are in the JSON. Only
// `path` is required; the operations default to REST on it.
import type { Faker } from '@faker-js/faker';
import { englishFaker } from '../faker.js';
import { z } from 'zod';
import { sentPath, targetPathProblem } from '../target/origin.js';
import { pathOn, pathProblemMessage } from './target-path.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof METHODS)[number];

export interface Operation {
  method: HttpMethod;
  /** A path template: `{id}` is the resource's id, `{q}` a search term (both URL-encoded). */
  path: string;
}

/** What is wrong with the path of "METHOD /path" when it leaves the target's origin ("GET //host/x"). */
function operationPathProblem(operation: string): string | undefined {
  if (!/^[A-Z]+ /.test(operation)) return undefined; // not "METHOD /path": the format's message says so
  const path = operation.slice(operation.indexOf(' ') + 1);
  const problem = targetPathProblem(path);
  return problem === undefined ? undefined : pathProblemMessage(path, problem, 'target');
}

/** "METHOD /path", e.g. "PATCH /api/todos/{id}"; `placeholder` must appear in the path. */
function operation(placeholder?: '{id}' | '{q}') {
  return z
    .string()
    .regex(new RegExp(`^(${METHODS.join('|')}) /\\S*$`), `"METHOD /path" with METHOD one of ${METHODS.join(', ')}`)
    .refine((s) => !placeholder || s.includes(placeholder), `the path must contain ${placeholder}`)
    .superRefine((s, ctx) => {
      const problem = operationPathProblem(s);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((s): Operation => {
      const [method, path] = s.split(' ') as [HttpMethod, string];
      return { method, path };
    });
}

/** An operation, or false when the API has none (the union's one message names a path that leaves the origin). */
const optional = (placeholder?: '{id}' | '{q}') =>
  z.union([operation(placeholder), z.literal(false)], {
    error: (issue) =>
      (typeof issue.input === 'string' ? operationPathProblem(issue.input) : undefined) ??
      `"METHOD /path" with METHOD one of ${METHODS.join(', ')}${placeholder ? ` and ${placeholder} in the path` : ''}, or false when the API has none`,
  });

const dotted = z.string().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'a dotted path into the JSON, e.g. "id" or "data.owner.id"');

/** Strings of a body template may hold Faker placeholders; each one must be a real Faker method. */
const bodyTemplate = z.json().superRefine((template, ctx) => {
  const faker = englishFaker(1);
  for (const text of stringsOf(template)) {
    try {
      faker.helpers.fake(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${(err as Error).message} (placeholders look like "{{lorem.sentence}}")` });
    }
  }
});

// Each option's description is the documentation (docs/settings.md is generated from it).
export const resourceSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('A name for the report (default: the collection path).'),
    path: pathOn('target').regex(/^\S*$/, 'a path without spaces').describe('The collection, e.g. "/api/todos".'),
    body: bodyTemplate.default({}).describe('The create body. Strings may hold Faker placeholders ("{{lorem.sentence}}"), filled anew for every resource.'),
    updateBody: bodyTemplate.optional().describe('The update body (default: `body`, filled anew, so the values change).'),
    id: dotted.default('id').describe('Where the id is in a created or read resource.'),
    owner: dotted.optional().describe('Where the owner\'s user id is in a created or read resource, when the API shows it.'),
    items: dotted.optional().describe('Where the rows are in the list response (default: the response is the array of rows).'),
    create: operation().optional().describe('Default "POST <path>"; answers with the created resource.'),
    read: operation('{id}').optional().describe('Default "GET <path>/{id}".'),
    update: optional('{id}').optional().describe('Default "PUT <path>/{id}"; false when the API has none.'),
    delete: optional('{id}').optional().describe('Default "DELETE <path>/{id}"; false when the API has none.'),
    list: optional().optional().describe('Default "GET <path>"; false when the API has none.'),
    search: operation('{q}').optional().describe('A search returning rows like the list, e.g. "GET /api/todos?q={q}" (none by default).'),
  })
  .transform((r) => {
    const item = `${r.path.replace(/\/$/, '')}/{id}`;
    const or = (given: Operation | false | undefined, method: HttpMethod, path: string) => (given === false ? undefined : (given ?? { method, path }));
    return {
      name: r.name ?? r.path,
      body: r.body,
      updateBody: r.updateBody ?? r.body,
      id: r.id,
      owner: r.owner,
      items: r.items,
      create: r.create ?? { method: 'POST' as const, path: r.path },
      read: r.read ?? { method: 'GET' as const, path: item },
      update: or(r.update, 'PUT', item),
      /** The update is the default PUT, not one the team named: a 404/405 to it may be the wrong method. */
      updateDefaulted: r.update === undefined,
      delete: or(r.delete, 'DELETE', item),
      list: or(r.list, 'GET', r.path),
      search: r.search,
    };
  });

export type ResourceInput = z.input<typeof resourceSchema>;
export type ResourceContract = z.output<typeof resourceSchema>;

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

/** The template with every string's Faker placeholders filled. */
export function fillTemplate(template: unknown, faker: Faker): unknown {
  if (typeof template === 'string') return faker.helpers.fake(template);
  if (Array.isArray(template)) return template.map((v) => fillTemplate(v, faker));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, faker)]));
  return template;
}

/**
 * The operation's path with its placeholders filled. Throws, before anything is sent, for an id
 * that would not name one item (idProblem): ids come from the backend's answers.
 */
export function pathOf(op: Operation, values: { id?: string; q?: string }): string {
  const problem = values.id === undefined ? undefined : idProblem(op, values.id);
  if (problem) throw new Error(`refused ${op.method} ${op.path} with the id ${JSON.stringify(values.id)} the backend gave: it ${problem}; nothing was sent`);
  return fill(op.path, values);
}

function fill(template: string, values: { id?: string; q?: string }): string {
  return template.replace(/\{(id|q)\}/g, (_, name: 'id' | 'q') => encodeURIComponent(values[name] ?? ''));
}

/**
 * Why `id` cannot name one item in `op`'s path, in words; undefined when it can. encodeURIComponent
 * leaves "." alone, so an id "", "." or ".." would make "DELETE /api/todos/{id}" a DELETE of the
 * collection or of its parent, sent with a live token.
 */
export function idProblem(op: Operation, id: string): string | undefined {
  const at = op.path.indexOf('{id}');
  if (at < 0) return undefined;
  if (id === '' || id === '.' || id === '..') return `${id ? 'is a dot segment' : 'is empty'}: the path would be ${sentPath(fill(op.path, { id }))}, not one item's`;
  // Whatever the id, the item path as a URL parser sends it ends in the id, as the template has it.
  const encoded = encodeURIComponent(id);
  const itemPath = sentPath(`${op.path.slice(0, at)}${encoded}`);
  return itemPath.endsWith(encoded) ? undefined : `does not stay in its place in the path (it becomes ${itemPath})`;
}
