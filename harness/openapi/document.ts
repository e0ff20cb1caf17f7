// Reading the backend's OpenAPI document. A document is data, not a fetcher: nothing it says makes
// the harness read a local file or contact another host. json-schema-ref-parser's defaults would
// (a `$ref: /proc/self/environ` read the harness's environment into a parameter example, which the
// coverage checks then sent to the backend), so its built-in file and http resolvers are off here:
// - served by the backend (a URL): only refs inside the document (#/...) are resolved;
// - a file the team configured: refs to .json/.yaml/.yml files in that file's directory tree, read
//   and parsed by LocalFiles. Not any file: the library's text and binary parsers would turn a .env or
//   a conformance.config.ts beside the spec into a string example, which the coverage checks send.
import type SwaggerParser from '@apidevtools/swagger-parser';
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPI, OpenAPIV3 } from 'openapi-types';
import { request } from 'undici';
import YAML from 'yaml';
import { readCapped, truncationNote } from '../target/body.js';

/** A URL to fetch, or a file to read (the runner decides which from the config). */
export type OpenApiSource = { url: string } | { file: string };

/** One document, or one file of a multi-file spec, is read whole, but not without end. */
export const OPENAPI_CAP_BYTES = 32 * 1024 * 1024;
/** All the files of a multi-file spec together. */
export const OPENAPI_TOTAL_CAP_BYTES = 64 * 1024 * 1024;
const MAX_FILES = 1_000;
/** json-schema-ref-parser's own bound on dereferencing (a ref explosion is caught later, by size: see operations.ts). */
const DEREFERENCE_BUDGET_MS = 20_000;

export async function readDocument(source: OpenApiSource, timeoutMs: number): Promise<OpenAPIV3.Document> {
  if ('url' in source) {
    const doc = parseDocument(await download(source.url, timeoutMs));
    refuseExternalRefs(doc, source.url);
    // external: false also keeps the library from resolving anything the scan above could have missed.
    return dereference(source.url, doc, { external: false, file: false, http: false });
  }
  const files = await LocalFiles.rootedAt(source.file);
  const doc = parseDocument((await files.read(files.root, 'the OpenAPI file')).toString('utf8'));
  // Refs resolve against the file's own path (not the cwd); only the LocalFiles resolver reads.
  return dereference(files.root, doc, { external: true, file: false, http: false, local: files.resolver() }).catch((err: unknown) => {
    throw files.failure ?? err;
  });
}

/** JSON or YAML text as a value; `what` names it in the error. */
function parseJsonOrYaml(text: string, what: string): unknown {
  try {
    return YAML.parse(text); // JSON is YAML too; yaml's maxAliasCount (100) refuses an alias explosion
  } catch (err) {
    // The first line only: the rest quotes the source, which may be a line of a secret.
    throw new Error(`${what} is neither JSON nor YAML: ${(err as Error).message.split('\n', 1)[0]}`);
  }
}

function parseDocument(text: string): OpenAPI.Document {
  const parsed = parseJsonOrYaml(text, 'the OpenAPI document');
  if (!parsed || typeof parsed !== 'object' || !('openapi' in parsed) || !String(parsed.openapi).startsWith('3.')) {
    throw new Error('not an OpenAPI 3.x document (no "openapi": "3.x" field); Swagger 2.0 is not supported');
  }
  return parsed as OpenAPI.Document;
}

async function dereference(root: string, doc: OpenAPI.Document, resolve: NonNullable<SwaggerParser.Options['resolve']>): Promise<OpenAPIV3.Document> {
  // No parser that makes a value of any bytes: a ref's file is JSON or YAML (LocalFiles hands it over parsed).
  const parse = { text: false, binary: false };
  // Loaded when a document is read: most runs have none, and every worker would pay for it.
  const { default: parser } = await import('@apidevtools/swagger-parser');
  return (await parser.dereference(root, doc, { resolve, parse, timeoutMs: DEREFERENCE_BUDGET_MS })) as OpenAPIV3.Document;
}

/**
 * undici's request follows no redirect (a 3xx is an answer like any other), so the document comes
 * from the URL the run was given, never from where the backend points.
 */
async function download(url: string, timeoutMs: number): Promise<string> {
  const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
  const { text, truncatedAt } = await readCapped(res.body, OPENAPI_CAP_BYTES);
  if (res.statusCode >= 300 && res.statusCode < 400) {
    const location = String(res.headers.location ?? '').slice(0, 200);
    throw new Error(`GET ${url} answered ${res.statusCode}, a redirect${location ? ` to ${JSON.stringify(location)}` : ''}, which is not followed: configure the document's own URL`);
  }
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`);
  if (truncatedAt !== undefined) throw new Error(`GET ${url}: the document is larger than ${OPENAPI_CAP_BYTES} bytes (${truncationNote(truncatedAt)})`);
  return text;
}

/**
 * A document the backend serves may only point inside itself. It is refused, with the refs named,
 * rather than read with those refs left unresolved: an operation whose parameters or body silently
 * went missing would be probed with a wrong request, and the answers to it (400/404/422 to every
 * caller) read as a verdict. A served document that points outside itself is broken or hostile; the
 * team should hear of it either way, and a multi-file spec can be configured as a file instead.
 */
function refuseExternalRefs(doc: OpenAPI.Document, url: string): void {
  const found = externalRefs(doc, 3);
  if (found.length === 0) return;
  const named = found.map(([ref, at]) => `${JSON.stringify(ref.slice(0, 200))} at ${at}`).join(', ');
  throw new Error(
    `${url}: the document refers outside itself (${named}${found.length === 3 ? ', ...' : ''}); a document served by the backend may only use refs inside it ("#/..."): nothing was read or fetched. ` +
      'For a multi-file spec, set target.openapi to its main file: its refs are then read from that file\'s directory',
  );
}

/** The first `max` refs the ref parser would treat as external (a `$ref` string not starting with "#"), with where they are. */
function externalRefs(doc: object, max: number): [string, string][] {
  const found: [string, string][] = [];
  const seen = new Set<object>();
  const stack: [unknown, string][] = [[doc, '#']];
  while (stack.length && found.length < max) {
    const [value, at] = stack.pop()!;
    if (!value || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.length > 0 && !ref.startsWith('#')) found.push([ref, at]);
    for (const [key, child] of Object.entries(value)) stack.push([child, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`]);
  }
  return found;
}

/** The files a ref of a configured spec may name: JSON and YAML, what a spec is written in. */
const REF_EXTENSIONS = ['.json', '.yaml', '.yml'];

/**
 * The files of a spec the team configured: the main file, and the files its refs name, each read
 * only when its real path (symlinks followed) lies in the main file's directory tree, is a regular
 * file, and fits the size bounds. No http: a ref to a URL is refused like a file outside the tree.
 * A ref's file must also be named .json, .yaml or .yml (as must its real path) and hold a JSON or
 * YAML object or array: a .env or a .ts file, even one YAML would read as a string, is refused.
 */
class LocalFiles {
  private bytes = 0;
  private files = 0;
  /** The first read that failed: the library reports a resolver's failure as a bare 'Error reading file'. */
  failure: Error | undefined;

  private constructor(
    /** The main file's real path. */
    readonly root: string,
    private readonly dir: string,
  ) {}

  static async rootedAt(file: string): Promise<LocalFiles> {
    const root = await realpath(file).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the OpenAPI file ${file}: ${err.code ?? err.message}`);
    });
    return new LocalFiles(root, path.dirname(root));
  }

  /** A json-schema-ref-parser resolver that reads every external ref through this class (the built-in ones are off). */
  resolver(): SwaggerParser.ResolverOptions {
    return {
      order: 1,
      canRead: true,
      read: async (file: SwaggerParser.FileInfo) => {
        try {
          const at = this.pathOf(file.url);
          // Handed over parsed: the library's parsers take a value as it is, and never see the bytes.
          return specValue(parseJsonOrYaml((await this.read(at, '$ref to', REF_EXTENSIONS)).toString('utf8'), `$ref to ${at}`), at);
        } catch (err) {
          this.failure ??= err as Error;
          throw err;
        }
      },
    };
  }

  /** The library hands relative refs over resolved against the main file, as a path or a file: URL. */
  private pathOf(ref: string): string {
    const url = new URL(ref, 'file:///');
    if (url.protocol !== 'file:') throw new Error(`$ref ${JSON.stringify(ref.slice(0, 200))} refused: an OpenAPI file's refs may only name files next to it, nothing is fetched`);
    return fileURLToPath(url);
  }

  /**
   * `file`'s bytes, if it may be read; `what` names it in errors ("$ref to", "the OpenAPI file").
   * `extensions`: the only names it and its real path may end in.
   */
  async read(file: string, what: string, extensions?: string[]): Promise<Buffer> {
    const refusedName = (name: string) => extensions !== undefined && !extensions.includes(path.extname(name).toLowerCase());
    if (refusedName(file)) throw new Error(`${what} ${file} refused: an OpenAPI file's refs may only name ${extensions!.join(', ')} files (JSON or YAML); nothing was read`);
    const real = await realpath(file).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${what} ${file}: ${err.code ?? err.message}`);
    });
    if (refusedName(real)) throw new Error(`${what} ${file} refused: it leads to ${real}, and an OpenAPI file's refs may only name ${extensions!.join(', ')} files (JSON or YAML); nothing was read`);
    const inside = path.relative(this.dir, real);
    if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
      throw new Error(`${what} ${file} refused: it is outside the OpenAPI file's directory ${this.dir}${real !== file ? ` (it leads to ${real})` : ''}; nothing was read`);
    }
    if (++this.files > MAX_FILES) throw new Error(`the OpenAPI spec refers to more than ${MAX_FILES} files`);
    // O_NOFOLLOW: the checked path cannot be swapped for a symlink between the check and the read;
    // O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused as not a regular file).
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${what} ${file} refused: not a regular file`);
      const room = Math.min(OPENAPI_CAP_BYTES, OPENAPI_TOTAL_CAP_BYTES - this.bytes);
      const buffer = Buffer.alloc(Math.min(stat.size, room) + 1);
      let size = 0;
      for (let n = -1; n !== 0 && size < buffer.length; size += n) n = (await handle.read(buffer, size, buffer.length - size)).bytesRead;
      if (size > room) {
        throw new Error(room < OPENAPI_CAP_BYTES ? `the OpenAPI spec's files together are larger than ${OPENAPI_TOTAL_CAP_BYTES} bytes (at ${file})` : `${file} is larger than ${OPENAPI_CAP_BYTES} bytes`);
      }
      this.bytes += size;
      return buffer.subarray(0, size);
    } finally {
      await handle.close();
    }
  }
}

/** A ref's file as the spec uses it: an object or an array (a bare string is no part of a spec, but is what a .env reads as). */
function specValue(value: unknown, file: string): object {
  if (value === null || typeof value !== 'object') throw new Error(`$ref to ${file} refused: it holds ${value === null ? 'nothing' : `a bare ${typeof value}`}, not a JSON or YAML object or array`);
  return value;
}
