// An OpenAPI document is data, not a fetcher (issue 23). A hostile document served by a real loopback
// backend must not make the harness read a local file, fetch another listener, follow a redirect, or
// request a path that leaves the target's origin; a spec the team configured as a file reads only files
// in its own directory tree; ref cycles and ref explosions are bounded. Each "bystander" is a real
// listener standing in for another host (a metadata service, an attacker): it must see nothing.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../harness/net.js';
import { OPENAPI_CAP_BYTES } from '../harness/openapi/document.js';
import { loadDocument } from '../harness/openapi/operations.js';
import { runSuite } from './support/known-answers.js';

interface Listener {
  url: string;
  port: number;
  /** Every request it received, as "METHOD /path". */
  hits: string[];
  close(): Promise<void>;
}

async function listen(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listener> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A secret that only a file read or a fetch could bring into the harness. */
const CANARY = `canary-${Math.random().toString(36).slice(2)}`;
const openapi = (paths: object, extra: object = {}) => ({ openapi: '3.1.0', info: { title: 'hostile', version: '1' }, paths, ...extra });
const withParam = (param: object) => openapi({ '/items': { get: { parameters: [param], responses: {} } } });
const bearer = { components: { securitySchemes: { jwt: { type: 'http', scheme: 'bearer' } } }, security: [{ jwt: [] }] };

/** The message of the error `promise` rejects with (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  return (outcome.err as Error).message;
}

let dir = '';
let secretFile = '';
let backend: Listener;
let bystander: Listener;
/** What the backend serves, by path. */
const served = new Map<string, { status: number; body: string; headers?: Record<string, string> }>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'openapi-hostile-'));
  secretFile = path.join(dir, 'secret.json');
  await writeFile(secretFile, JSON.stringify({ type: 'string', example: CANARY }));
  backend = await listen((req, res) => {
    const found = served.get(req.url ?? '');
    res.writeHead(found?.status ?? 404, found?.headers).end(found?.body ?? 'not found');
  });
  bystander = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'string', example: CANARY })));
});
afterAll(async () => {
  await Promise.all([backend.close(), bystander.close()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  backend.hits.length = 0;
  bystander.hits.length = 0;
});

/** Serves `doc` at a fresh path and loads it as the coverage checks do. */
function loadServed(doc: object) {
  const at = `/doc-${served.size}.json`;
  served.set(at, { status: 200, body: JSON.stringify(doc) });
  return { at, loaded: loadDocument({ url: `${backend.url}${at}` }, 2_000) };
}

describe('a document served by the backend: refs inside it only', () => {
  it('refuses $ref: /proc/self/environ, naming the ref, with nothing of the environment in the error', async () => {
    process.env.BA_OPENAPI_HOSTILE_CANARY = CANARY;
    const { at, loaded } = loadServed(withParam({ $ref: '/proc/self/environ' }));
    const message = await refusal(loaded);
    expect(message).toMatch(/refers outside itself \("\/proc\/self\/environ" at #\/paths\/~1items\/get\/parameters\/0\).*nothing was read or fetched/);
    expect(message).not.toContain(CANARY);
    expect(backend.hits).toEqual([`GET ${at}`]);
  });

  it('refuses a relative file ref (../secret.json) and an absolute file: URL to a file that exists', async () => {
    for (const ref of ['../secret.json', `file://${secretFile}`, secretFile]) {
      const { at, loaded } = loadServed(withParam({ name: 'q', in: 'query', required: true, schema: { $ref: ref } }));
      const message = await refusal(loaded);
      expect(message).toContain(JSON.stringify(ref));
      expect(message).not.toContain(CANARY);
      expect(backend.hits.at(-1)).toBe(`GET ${at}`);
    }
    // Only the documents were requested: "../secret.json" was not fetched from the backend either.
    expect(backend.hits).toHaveLength(3);
  });

  it('fetches no http ref, whichever way it writes the loopback address (0 requests at the listener it names)', async () => {
    const urls = [`${bystander.url}/x`, `http://[::ffff:127.0.0.1]:${bystander.port}/x`, `http://0.0.0.0:${bystander.port}/x`, `//127.0.0.1:${bystander.port}/x`];
    // The control: each of these addresses does reach the bystander from here.
    for (const url of urls.slice(0, 3)) expect((await request(url)).statusCode).toBe(200);
    expect(bystander.hits).toHaveLength(3);
    bystander.hits.length = 0;
    for (const url of urls) {
      const message = await refusal(loadServed(withParam({ name: 'q', in: 'query', required: true, schema: { $ref: url } })).loaded);
      expect(message).toContain(JSON.stringify(url));
    }
    expect(bystander.hits).toEqual([]);
  });

  it('follows no redirect: a document that moved to another server is an error, and that server sees nothing', async () => {
    served.set('/moved.json', { status: 302, body: '', headers: { location: `${bystander.url}/openapi.json` } });
    const message = await refusal(loadDocument({ url: `${backend.url}/moved.json` }, 2_000));
    expect(message).toMatch(/answered 302, a redirect to ".*\/openapi\.json", which is not followed/);
    expect(bystander.hits).toEqual([]);
  });

  it('still resolves refs inside the document', async () => {
    const doc = openapi(
      { '/items/{id}': { get: { parameters: [{ $ref: '#/components/parameters/id' }], responses: {} } } },
      { components: { parameters: { id: { name: 'id', in: 'path', required: true, schema: { type: 'integer', example: 7 } } } } },
    );
    const { operations, skipped } = await loadServed(doc).loaded;
    expect(operations.map((op) => op.path)).toEqual(['/items/7']);
    expect(skipped).toEqual([]);
  });
});

describe('a path that would leave the target origin is skipped with its reason, never requested', () => {
  it('skips "//host/steal", a URL, a backslash and a control character, and keeps the rest', async () => {
    const other = `127.0.0.1:${bystander.port}`;
    const op = { get: { responses: {} } };
    const doc = openapi({ [`//${other}/steal`]: op, [`http://${other}/y`]: op, [`/\\${other}/z`]: op, '/\t/evil/w': op, 'relative/v': op, '/api/me': op }, bearer);
    const { operations, skipped } = await loadServed(doc).loaded;
    expect(operations.map((o) => o.path)).toEqual(['/api/me']);
    expect(Object.fromEntries(skipped.map((s) => [s.template, s.reason]))).toEqual({
      [`//${other}/steal`]: expect.stringMatching(new RegExp(`starts with "//".*this one would go to ${other}\\) \\(not a path on the target's origin\\)$`)),
      [`http://${other}/y`]: expect.stringMatching(/has a scheme/),
      [`/\\${other}/z`]: expect.stringMatching(/starts with "\/\\"/),
      '/\t/evil/w': expect.stringMatching(/control character/),
      'relative/v': expect.stringMatching(/does not start with "\/"/),
    });
    // Skipped operations keep their protection: a bearer-protected one the coverage check could not probe stays counted.
    expect(skipped.every((s) => s.protection === 'bearer' && s.method === 'GET')).toBe(true);
    expect(bystander.hits).toEqual([]);
  });

  it('skips every operation when the server URL\'s base path would make one ("http://a//host")', async () => {
    const { operations, skipped } = await loadServed(openapi({ '/x': { get: { responses: {} } } }, { servers: [{ url: `http://a//127.0.0.1:${bystander.port}` }] })).loaded;
    expect(operations).toEqual([]);
    expect(skipped).toEqual([expect.objectContaining({ template: `//127.0.0.1:${bystander.port}/x`, reason: expect.stringMatching(/starts with "\/\/"/) })]);
  });
});

describe('a spec the team configured as a file', () => {
  let spec = '';
  beforeAll(async () => {
    spec = path.join(dir, 'spec');
    await mkdir(path.join(spec, 'paths'), { recursive: true });
    await mkdir(path.join(spec, 'components'), { recursive: true });
    await writeFile(path.join(spec, 'components', 'params.yaml'), 'id: {name: id, in: path, required: true, schema: {$ref: "./schemas.json#/Id"}}\n');
    await writeFile(path.join(spec, 'components', 'schemas.json'), JSON.stringify({ Id: { type: 'integer', example: 42 } }));
    await writeFile(path.join(spec, 'paths', 'items.yaml'), 'get: {parameters: [{$ref: "../components/params.yaml#/id"}], responses: {}}\n');
    await symlink(secretFile, path.join(spec, 'link.json'));
  });

  const writeSpec = async (name: string, paths: object) => {
    const file = path.join(spec, name);
    await writeFile(file, JSON.stringify(openapi(paths, bearer)));
    return file;
  };

  it('resolves refs relative to the file (not the cwd), through subdirectories', async () => {
    expect(process.cwd()).not.toBe(spec);
    const file = await writeSpec('openapi.json', { '/items/{id}': { $ref: './paths/items.yaml' } });
    const { operations } = await loadDocument({ file }, 2_000);
    expect(operations).toEqual([{ method: 'GET', template: '/items/{id}', path: '/items/42', headers: {}, protection: 'bearer' }]);
  });

  it('refuses a ref that leaves its directory: "..", an absolute path, a symlink out, a URL; nothing is read or fetched', async () => {
    const cases: [string, RegExp][] = [
      ['../secret.json', /outside the OpenAPI file's directory/],
      [secretFile, /outside the OpenAPI file's directory/],
      [`file://${secretFile}`, /outside the OpenAPI file's directory/],
      ['./link.json', /outside the OpenAPI file's directory .*\(it leads to .*secret\.json\)/],
      [`${bystander.url}/x`, /refused: an OpenAPI file's refs may only name files next to it/],
      [`http://[::ffff:127.0.0.1]:${bystander.port}/x`, /refused: an OpenAPI file's refs may only name files next to it/],
    ];
    for (const [ref, reason] of cases) {
      const file = await writeSpec('escape.json', { '/x': { get: { parameters: [{ name: 'q', in: 'query', required: true, schema: { $ref: ref } }], responses: {} } } });
      const message = await refusal(loadDocument({ file }, 2_000));
      expect(message, ref).toMatch(reason);
      expect(message).not.toContain(CANARY);
    }
    expect(bystander.hits).toEqual([]);
  });

  it('refuses a ref to a file that is not JSON or YAML (a .env, conformance.config.ts, a .json link to them, YAML that reads as a string), naming it; nothing of it in the error', async () => {
    await writeFile(path.join(spec, '.env'), `SECRET_TOKEN=${CANARY}\n`);
    await writeFile(path.join(spec, 'conformance.config.ts'), `export default { issuer: { users: [{ email: 'qa@example.test', password: '${CANARY}' }] } };\n`);
    await symlink(path.join(spec, '.env'), path.join(spec, 'env.json'));
    await writeFile(path.join(spec, 'string.yaml'), `SECRET_TOKEN=${CANARY}\n`);
    const notJsonOrYaml = /refused: an OpenAPI file's refs may only name \.json, \.yaml, \.yml files \(JSON or YAML\); nothing was read/;
    const cases: [string, RegExp][] = [
      ['./.env', notJsonOrYaml],
      ['./conformance.config.ts', notJsonOrYaml],
      ['./env.json', /refused: it leads to .*\/\.env, and an OpenAPI file's refs may only name/],
      ['./string.yaml', /refused: it holds a bare string, not a JSON or YAML object or array/],
    ];
    for (const [ref, reason] of cases) {
      // As in the reproduction: a parameter's example, which the coverage checks send as the value.
      const example = (r: string) => ({ name: 'q', in: 'query', required: true, schema: { type: 'string' }, example: { $ref: r } });
      const file = await writeSpec('secrets.json', { '/x': { get: { parameters: [example(ref)], responses: {} } } });
      const message = await refusal(loadDocument({ file }, 2_000));
      expect(message, ref).toMatch(reason);
      expect(message, ref).toContain(`$ref to ${path.join(spec, ref)}`);
      expect(message, ref).not.toContain(CANARY);
    }
  });

  it('refuses a file over the size bound and a FIFO (no wait for a writer)', async () => {
    const big = path.join(spec, 'big.json');
    await writeFile(big, '');
    await truncate(big, OPENAPI_CAP_BYTES + 1); // sparse: no 32 MB written
    expect(await refusal(loadDocument({ file: await writeSpec('big-ref.json', { '/x': { $ref: './big.json' } }) }, 2_000))).toMatch(/big\.json is larger than 33554432 bytes/);
    execFileSync('mkfifo', [path.join(spec, 'pipe.json')]);
    expect(await refusal(loadDocument({ file: await writeSpec('fifo-ref.json', { '/x': { $ref: './pipe.json' } }) }, 2_000))).toMatch(/pipe\.json refused: not a regular file/);
  });
});

describe('cycles and ref explosions are bounded', () => {
  it('samples a recursive schema (a tree node) to a finite body, and a ref cycle with nothing in it ends', async () => {
    const body = (name: string) => ({ post: { requestBody: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } }, responses: {} } });
    const doc = openapi(
      { '/nodes': body('Node'), '/loop': body('A') },
      { components: { schemas: { Node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', minItems: 3, items: { $ref: '#/components/schemas/Node' } } } }, A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } } } },
    );
    const { operations } = await loadServed(doc).loaded;
    expect(JSON.stringify(operations.find((op) => op.template === '/nodes')!.body)).toMatch(/^\{"name":"string","children":\[/);
    expect(operations.find((op) => op.template === '/loop')!.body).toEqual({});
  });

  it('skips an operation whose schema explodes (10 refs to the next level, 30 levels: 10^30 nodes; nested minItems; a huge minLength), and keeps the others', { timeout: 15_000 }, async () => {
    const schemas: Record<string, object> = { L30: { type: 'string' } };
    for (let level = 29; level >= 0; level--) {
      schemas[`L${level}`] = { type: 'object', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { $ref: `#/components/schemas/L${level + 1}` }])) };
    }
    const doc = openapi(
      {
        '/bomb': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/L0' } } } }, responses: {} } },
        '/bomb-example': { post: { requestBody: { content: { 'application/json': { example: { $ref: '#/components/schemas/L0' } } } }, responses: {} } },
        '/fine': { get: { responses: {} } },
        // The sampler writes minItems items and minLength characters: 1000^3 strings, and a 1 GB one.
        '/arrays': { post: { requestBody: { content: { 'application/json': { schema: { type: 'array', minItems: 1000, items: { type: 'array', minItems: 1000, items: { type: 'array', minItems: 1000, items: { type: 'string' } } } } } } }, responses: {} } },
        '/string/{s}': { get: { parameters: [{ name: 's', in: 'path', required: true, schema: { type: 'string', minLength: 2 ** 30 } }], responses: {} } },
      },
      { components: { schemas } },
    );
    const started = Date.now();
    const { operations, skipped } = await loadServed(doc).loaded;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(operations.map((op) => op.template)).toEqual(['/fine']);
    expect(skipped.map((s) => [s.template, s.reason])).toEqual([
      ['/bomb', expect.stringMatching(/^its request body expands to more than 100000 nodes/)],
      ['/bomb-example', expect.stringMatching(/^its request body expands to more than 100000 nodes/)],
      ['/arrays', expect.stringMatching(/^its request body expands to more than 100000 nodes once its refs, minItems and minLength are followed/)],
      ['/string/{s}', expect.stringMatching(/^its parameter "s" expands to more than 100000 nodes/)],
    ]);
  });

  it('refuses a YAML alias explosion', async () => {
    const lines = ['openapi: 3.1.0', 'info: {title: t, version: "1"}', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 20; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    lines.push('paths: {}');
    served.set('/aliases.yaml', { status: 200, body: lines.join('\n') });
    expect(await refusal(loadDocument({ url: `${backend.url}/aliases.yaml` }, 2_000))).toMatch(/neither JSON nor YAML.*alias/i);
  });
});

describe.concurrent('the coverage checks over a document with a path that leaves the origin (a real run against the example backend)', { timeout: 180_000 }, () => {
  /** Runs COV-* with `paths` as the document (a file), and returns its two checks and all it wrote (report, console). */
  async function coverage(name: string, paths: object) {
    const file = path.join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify(openapi(paths, bearer)));
    const port = await freePort();
    const { report, stdout, stderr } = await runSuite([
      '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--issuer-mode', 'process', '--alg', 'EdDSA',
      '--only', 'COV-', '--openapi', file, '--start', 'PORT={port} exec node fixtures/backends/node/start.mjs',
    ]);
    const [covered, undeclared] = ['COV-PROTECTED-OPS', 'COV-UNDECLARED-OPS'].map((id) => report.checks.find((c) => c.id === id));
    expect(covered, stderr).toBeDefined();
    expect(undeclared, stderr).toBeDefined();
    return { covered: covered!, undeclared: undeclared!, written: `${JSON.stringify(report)}\n${stdout}\n${stderr}` };
  }
  const steal = () => `//127.0.0.1:${bystander.port}/steal`;
  const get = (security?: object[]) => ({ get: { ...(security ? { security } : {}), responses: {} } });

  it('no PASS when the only bearer-protected operation was skipped: ERROR that names it, and the other host sees nothing', async () => {
    const { covered, undeclared } = await coverage('only-steal', { [steal()]: get(), '/health': get([]) });
    expect(covered.verdict, covered.observed).toBe('ERROR');
    expect(covered.observed).toContain(`none of the document's 1 bearer-protected operations could be requested: GET ${JSON.stringify(steal())} skipped: its path starts with "//"`);
    expect(undeclared.verdict).toBe('INFO');
    expect(undeclared.observed).toContain(`1 operations never requested: GET ${JSON.stringify(steal())} skipped`);
    expect(bystander.hits).toEqual([]);
  });

  it('a spec whose examples ref a .env and conformance.config.ts beside it: ERROR naming the ref, nothing sent, the secrets nowhere in the report', async () => {
    await writeFile(path.join(dir, '.env'), `SECRET_TOKEN=${CANARY}\n`);
    await writeFile(path.join(dir, 'conformance.config.ts'), `export default { issuer: { users: [{ email: 'qa@example.test', password: '${CANARY}' }] } };\n`);
    const example = (name: string, ref: string) => ({ name, in: 'query', required: true, schema: { type: 'string' }, example: { $ref: ref } });
    const { covered, undeclared, written } = await coverage('secret-refs', { '/api/me': { get: { parameters: [example('q', './.env'), example('r', './conformance.config.ts')], responses: {} } } });
    for (const check of [covered, undeclared]) {
      expect(check.verdict, check.observed).toBe('ERROR');
      expect(check.observed).toMatch(/cannot read the OpenAPI document .*: \$ref to .*\/(\.env|conformance\.config\.ts) refused: an OpenAPI file's refs may only name \.json, \.yaml, \.yml files/);
      expect(check.evidence).toEqual([]);
    }
    expect(written).not.toContain(CANARY);
  });

  it('no PASS when one of them was skipped and the others refused: ERROR, the probed ones and the skipped one named', async () => {
    const { covered } = await coverage('me-and-steal', { '/api/me': get(), [steal()]: get() });
    expect(covered.verdict, covered.observed).toBe('ERROR');
    expect(covered.observed).toMatch(/^inconclusive: all 1 protected operations requested refused all four \(GET \/api\/me: valid 200; no token 401/);
    expect(covered.observed).toContain(`1 bearer-protected operations were never requested: GET ${JSON.stringify(steal())} skipped`);
    expect(covered.evidence.every((e) => new URL(e.request.url).port !== String(bystander.port))).toBe(true);
    expect(bystander.hits).toEqual([]);
  });
});
