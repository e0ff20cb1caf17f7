// The backend's OpenAPI document as a list of operations the coverage checks can call: each with
// its security (bearer-protected, public, or guarded by something else) and a sample request built
// from its schemas (path parameters, required query parameters and headers, a JSON body).
import SwaggerParser from '@apidevtools/swagger-parser';
import { readFile } from 'node:fs/promises';
import type { OpenAPI, OpenAPIV3 } from 'openapi-types';
import { sample } from 'openapi-sampler';
import { request } from 'undici';
import YAML from 'yaml';
import { readCapped, truncationNote } from '../target/body.js';

/** A URL to fetch, or a file to read (the runner decides which from the config). */
export type OpenApiSource = { url: string } | { file: string };

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

export async function loadOperations(source: OpenApiSource, timeoutMs: number): Promise<ApiOperation[]> {
  const text = 'url' in source ? await download(source.url, timeoutMs) : await readFile(source.file, 'utf8');
  let parsed: unknown;
  try {
    parsed = YAML.parse(text); // JSON is YAML too
  } catch (err) {
    throw new Error(`the OpenAPI document is neither JSON nor YAML: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !('openapi' in parsed) || !String(parsed.openapi).startsWith('3.')) {
    throw new Error('not an OpenAPI 3.x document (no "openapi": "3.x" field); Swagger 2.0 is not supported');
  }
  const doc = (await SwaggerParser.dereference(parsed as OpenAPI.Document)) as OpenAPIV3.Document;
  return operationsOf(doc);
}

/** An OpenAPI document is read whole, but not without end. */
const OPENAPI_CAP_BYTES = 32 * 1024 * 1024;

async function download(url: string, timeoutMs: number): Promise<string> {
  const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
  const { text, truncatedAt } = await readCapped(res.body, OPENAPI_CAP_BYTES);
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  if (truncatedAt !== undefined) throw new Error(`GET ${url}: the document is larger than ${OPENAPI_CAP_BYTES} bytes (${truncationNote(truncatedAt)})`);
  return text;
}

export function operationsOf(doc: OpenAPIV3.Document): ApiOperation[] {
  const schemes = doc.components?.securitySchemes ?? {};
  const basePath = serverBasePath(doc);
  const operations: ApiOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths ?? {})) {
    if (!item) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])] as OpenAPIV3.ParameterObject[];
      const value = (p: OpenAPIV3.ParameterObject) => String(p.example ?? sampleOf(p.schema as OpenAPIV3.SchemaObject | undefined) ?? 'ba-conformance');
      let path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const param = parameters.find((p) => p.in === 'path' && p.name === name);
        return encodeURIComponent(param ? value(param) : '1');
      });
      const query = new URLSearchParams(parameters.filter((p) => p.in === 'query' && p.required).map((p): [string, string] => [p.name, value(p)]));
      if ([...query].length) path += `?${query}`;
      const headers = Object.fromEntries(parameters.filter((p) => p.in === 'header' && p.required && p.name.toLowerCase() !== 'authorization').map((p) => [p.name.toLowerCase(), value(p)]));
      const json = (op.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content?.['application/json'];
      const body = json ? (json.example ?? sampleOf(json.schema as OpenAPIV3.SchemaObject | undefined) ?? {}) : undefined;
      operations.push({
        method: method.toUpperCase(),
        template: `${basePath}${template}`,
        path: `${basePath}${path}`,
        headers,
        ...(body !== undefined ? { body } : {}),
        protection: protectionOf(op.security ?? doc.security ?? [], schemes as Record<string, OpenAPIV3.SecuritySchemeObject>),
      });
    }
  }
  return operations;
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
