// The backend's OpenAPI document as a list of operations the coverage checks can call: each with
// its security (bearer-protected, public, or guarded by something else) and a sample request built
// from its schemas (path parameters, required query parameters and headers, a JSON body).
import type { OpenAPIV3 } from 'openapi-types';
import { sample } from 'openapi-sampler';
import { targetPathProblem } from '../target/origin.js';
import { readDocument } from './document.js';
import type { OpenApiSource } from './document.js';

export type { OpenApiSource } from './document.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * bearer: every way to call it needs a bearer token (HTTP bearer, OAuth 2 or OpenID Connect, which
 * send one). none: no security requirement, or `{}` among them (anonymous allowed). other: an API
 * key or Basic auth, which this suite has no credential for.
 */
export type Protection = 'bearer' | 'none' | 'other';

export interface ApiOperation {
  method: string;
  /** The path as the document writes it, with the server's base path ("/items/{id}"). */
  template: string;
  /** A concrete path with sample parameter values and required query parameters. */
  path: string;
  headers: Record<string, string>;
  /** A sample JSON body, when the operation takes one. */
  body?: unknown;
  protection: Protection;
}

/**
 * An operation the document declares that is never requested, and why: its path would leave the
 * target's origin ("//host/steal"), or its schemas expand past the sampling bounds.
 */
export interface SkippedOperation {
  method: string;
  template: string;
  protection: Protection;
  reason: string;
}

export interface ApiDocument {
  operations: ApiOperation[];
  skipped: SkippedOperation[];
}

export async function loadDocument(source: OpenApiSource, timeoutMs: number): Promise<ApiDocument> {
  return operationsOf(await readDocument(source, timeoutMs));
}

/** The operations that can be requested (the skipped ones are left out). */
export async function loadOperations(source: OpenApiSource, timeoutMs: number): Promise<ApiOperation[]> {
  return (await loadDocument(source, timeoutMs)).operations;
}

export function operationsOf(doc: OpenAPIV3.Document): ApiDocument {
  const schemes = doc.components?.securitySchemes ?? {};
  const basePath = serverBasePath(doc);
  const budget = new SampleBudget();
  const found: ApiDocument = { operations: [], skipped: [] };
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    if (!item) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const protection = protectionOf(op.security ?? doc.security ?? [], schemes as Record<string, OpenAPIV3.SecuritySchemeObject>);
      const declared = { method: method.toUpperCase(), template: `${basePath}${template}`, protection };
      const skip = (reason: string) => void found.skipped.push({ ...declared, reason });
      // A path that is not one on the target's origin ("//host/steal", "http://x/y", a server URL "http://a//b") is never requested.
      const leaves = targetPathProblem(declared.template);
      if (leaves) {
        skip(`its path ${leaves} (not a path on the target's origin)`);
        continue;
      }
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])] as OpenAPIV3.ParameterObject[];
      const pathParams = [...template.matchAll(/\{([^}]+)\}/g)].map(([, name]) => parameters.find((p) => p.in === 'path' && p.name === name));
      const query = parameters.filter((p) => p.in === 'query' && p.required);
      const headerParams = parameters.filter((p) => p.in === 'header' && p.required && p.name.toLowerCase() !== 'authorization');
      const json = (op.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content?.['application/json'];
      const oversized = [...pathParams, ...query, ...headerParams, json].find((p) => p && !budget.fits(p.example ?? p.schema, p.example != null));
      if (oversized) {
        skip(budget.exhausted ? budget.exhaustedReason : `${oversized === json ? 'its request body' : `its parameter ${JSON.stringify((oversized as OpenAPIV3.ParameterObject).name)}`} ${SampleBudget.oversizedReason}`);
        continue;
      }
      const value = (p: OpenAPIV3.ParameterObject) => String(p.example ?? sampleOf(p.schema as OpenAPIV3.SchemaObject | undefined) ?? 'ba-conformance');
      let path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const param = parameters.find((p) => p.in === 'path' && p.name === name);
        return encodeURIComponent(param ? value(param) : '1');
      });
      const search = new URLSearchParams(query.map((p): [string, string] => [p.name, value(p)]));
      if ([...search].length) path += `?${search}`;
      const headers = Object.fromEntries(headerParams.map((p) => [p.name.toLowerCase(), value(p)]));
      const body = json ? (json.example ?? sampleOf(json.schema as OpenAPIV3.SchemaObject | undefined) ?? {}) : undefined;
      // Sample values are percent-encoded, so this holds whenever the template passed; asserted all the same.
      const sent = targetPathProblem(`${basePath}${path}`);
      if (sent) {
        skip(`its sample path ${JSON.stringify(`${basePath}${path}`)} ${sent} (not a path on the target's origin)`);
        continue;
      }
      found.operations.push({ ...declared, path: `${basePath}${path}`, headers, ...(body !== undefined ? { body } : {}) });
    }
  }
  return found;
}

/**
 * Sampling walks schemas as trees, and a schema the document shares between places is walked once
 * per place: a few kilobytes of refs ("a" holds "b" ten times, "b" holds "c" ten times, ...) expand
 * to billions of nodes. The sampler also writes `minItems` items and `minLength` characters. So each
 * schema is measured as the tree the sampler would write before it is sampled, and each example
 * before it is sent; an operation past these bounds is skipped, with the reason.
 */
class SampleBudget {
  static readonly VALUE_NODES = 100_000;
  static readonly DOCUMENT_NODES = 5_000_000;
  static readonly oversizedReason = `expands to more than ${SampleBudget.VALUE_NODES} nodes once its refs, minItems and minLength are followed (a ref explosion?), or is a circular example: not sampled, never requested`;
  readonly exhaustedReason = `the document's schemas together expand to more than ${SampleBudget.DOCUMENT_NODES} nodes once their refs are followed: the rest of its operations are not sampled, never requested`;
  private left = SampleBudget.DOCUMENT_NODES;

  get exhausted(): boolean {
    return this.left <= 0;
  }

  /** Whether `value` fits (cycles cut where they close, as the sampler cuts them); an example to send may have no cycle at all. */
  fits(value: unknown, example: boolean): boolean {
    if (this.exhausted) return false;
    const size = treeSize(value, Math.min(SampleBudget.VALUE_NODES, this.left));
    this.left -= size?.nodes ?? SampleBudget.VALUE_NODES;
    return size !== undefined && !(example && size.cyclic);
  }
}

/** Characters of a sampled string that cost as much as one node. */
const CHARS_PER_NODE = 100;

/**
 * The nodes `value` spans as a tree, an `items` schema counted minItems times and a string's
 * minLength as characters, and whether a cycle closes in it; undefined past `limit`. Iterative: a
 * deep document does not overflow the stack.
 */
function treeSize(value: unknown, limit: number): { nodes: number; cyclic: boolean } | undefined {
  let nodes = 0;
  let cyclic = false;
  const ancestors = new Set<object>();
  const stack: { value?: unknown; times: number; leave?: object }[] = [{ value, times: 1 }];
  while (stack.length) {
    const { value: v, times, leave } = stack.pop()!;
    if (leave) {
      ancestors.delete(leave);
      continue;
    }
    nodes += times;
    if (!(nodes <= limit)) return undefined; // NaN and Infinity (YAML's .inf) are over, too
    if (!v || typeof v !== 'object') continue;
    if (ancestors.has(v)) {
      cyclic = true;
      continue;
    }
    const { minItems, minLength } = v as { minItems?: unknown; minLength?: unknown };
    if (typeof minLength === 'number' && minLength > 0) nodes += times * Math.ceil(minLength / CHARS_PER_NODE);
    if (!(nodes <= limit)) return undefined;
    ancestors.add(v);
    stack.push({ leave: v, times });
    for (const [key, child] of Object.entries(v)) {
      stack.push({ value: child, times: key === 'items' && typeof minItems === 'number' && minItems > 1 ? times * minItems : times });
    }
  }
  return { nodes, cyclic };
}

function sampleOf(schema: OpenAPIV3.SchemaObject | undefined): unknown {
  if (!schema) return undefined;
  try {
    return sample(schema as never, { skipReadOnly: true, quiet: true });
  } catch {
    return undefined;
  }
}

/** The path part of the first server URL ("https://api.example/{version}" → "/v1"), its variables at their defaults; paths are relative to it. */
function serverBasePath(doc: OpenAPIV3.Document): string {
  const server = doc.servers?.[0];
  if (!server?.url) return '';
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => server.variables?.[name]?.default ?? '');
  try {
    return new URL(url, 'http://server.invalid').pathname.replace(/\/$/, '');
  } catch {
    throw new Error(`the first server URL ${JSON.stringify(server.url)} is not a URL, even with its variables' defaults`);
  }
}

function protectionOf(requirements: OpenAPIV3.SecurityRequirementObject[], schemes: Record<string, OpenAPIV3.SecuritySchemeObject>): Protection {
  if (requirements.length === 0 || requirements.some((r) => Object.keys(r).length === 0)) return 'none';
  const bearer = (name: string) => {
    const scheme = schemes[name];
    return scheme !== undefined && ((scheme.type === 'http' && scheme.scheme.toLowerCase() === 'bearer') || scheme.type === 'oauth2' || scheme.type === 'openIdConnect');
  };
  // Bearer-protected: a bearer token alone is one way in, and no way in lacks one (an API key that must
  // come with it would make every probe fail for want of the key).
  const bearerOnly = requirements.some((r) => Object.keys(r).every(bearer));
  return bearerOnly && requirements.every((r) => Object.keys(r).some(bearer)) ? 'bearer' : 'other';
}
