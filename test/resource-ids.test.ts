// Ids come from the backend (issue 23, point 7). encodeURIComponent leaves "." alone, so an id "",
// "." or ".." would turn "DELETE /api/todos/{id}" into a DELETE of the collection or of /api/, sent
// with the owner's live token. A loopback backend whose create answers such ids: the resource client
// refuses every operation built from them, and the end-of-run clean-up reports them as left behind,
// with the reason, without sending anything.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { englishFaker } from '../harness/faker.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../harness/config/config.js';
import { idProblem } from '../harness/config/resources.js';
import { createLedger, note, removeLedger } from '../harness/ledger.js';
import { ResourceClient } from '../harness/resources/client.js';
import { removeLeftovers } from '../harness/run/leftovers.js';
import { TargetClient } from '../harness/target/client.js';

/** A stand-in for a JWT (its signature is never checked here). */
const TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyLWEifQ.c2ln';
const HOSTILE_IDS = ['..', '', '.'];
/** `text` as a regular expression that matches it literally. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A backend whose creates answer the ids of `ids`, in turn; it records every request as "METHOD /path". */
let backend: { server: Server; url: string; hits: string[] };
let nextIds: string[] = [];
beforeAll(async () => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const body = req.method === 'POST' ? { id: nextIds.shift() ?? 'no-id', title: 't' } : { ok: true };
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
});
afterAll(() => new Promise((resolve) => backend.server.close(resolve)));

const config = () => resolveConfig({ target: { baseUrl: backend.url, protectedPath: '/api/me', timeoutMs: 2_000 }, resources: [{ path: '/api/todos' }] });
const targetClient = () => {
  const t = config().target;
  return new TargetClient({ baseUrl: t.baseUrl, protectedPath: t.protectedPath, identityPath: undefined, identitySubject: 'sub', timeoutMs: 2_000, concurrency: 2, rejectStatuses: [401, 403], runId: 'resource-ids', toolVersion: '0' });
};

describe('an id that would not name one item', () => {
  it('is "", "." or "..", whatever the operation; an ordinary id, one with "/" or "%2e%2e" in it, names one item', () => {
    const del = { method: 'DELETE' as const, path: '/api/todos/{id}' };
    expect(idProblem(del, '..')).toBe('is a dot segment: the path would be /api/, not one item\'s');
    expect(idProblem(del, '')).toBe('is empty: the path would be /api/todos/, not one item\'s');
    expect(idProblem(del, '.')).toBe('is a dot segment: the path would be /api/todos/, not one item\'s');
    expect(idProblem({ method: 'GET', path: '/api/todos/{id}/comments' }, '..')).toMatch(/the path would be \/api\/comments,/);
    for (const id of ['42', 'a/../..', '%2e%2e', '...', 'x y', '?..']) expect(idProblem(del, id), id).toBeUndefined();
  });
});

describe('a backend whose create answers the id "..", "" or "."', () => {
  it('the resource client creates, then refuses to read, update or delete by that id: nothing but the creates reaches the backend', async () => {
    const target = targetClient();
    const created: string[] = [];
    const client = new ResourceClient(config().resources[0]!, (label, options) => target.fetch('TEST', label, options), englishFaker(), (id) => created.push(id));
    const owner = { name: 'A', token: TOKEN };
    try {
      backend.hits.length = 0;
      nextIds = [...HOSTILE_IDS, 'abc'];
      for (const id of HOSTILE_IDS) {
        expect((await client.create(owner)).id).toBe(id);
        const refused = new RegExp(`^refused (GET|PUT|DELETE) ${literally(`/api/todos/{id} with the id ${JSON.stringify(id)} the backend gave: it is`)} (empty|a dot segment).*; nothing was sent$`);
        await expect(client.read(owner, id)).rejects.toThrow(refused);
        await expect(client.update(owner, id, { title: 'x' })).rejects.toThrow(refused);
        await expect(client.remove(owner, id)).rejects.toThrow(refused);
      }
      expect(backend.hits).toEqual(HOSTILE_IDS.map(() => 'POST /api/todos'));
      // The control: an ordinary id is read, updated and deleted at its own path.
      const { id } = await client.create(owner);
      await client.read(owner, id!);
      await client.update(owner, id!, { title: 'x' });
      await client.remove(owner, id!);
      expect(backend.hits.slice(-4)).toEqual(['POST /api/todos', 'GET /api/todos/abc', 'PUT /api/todos/abc', 'DELETE /api/todos/abc']);
      expect(created).toEqual([...HOSTILE_IDS, 'abc']);
    } finally {
      await target.close();
    }
  });

  it('the end-of-run clean-up reports them left behind with the reason, and sends no DELETE but the ordinary one', async () => {
    // The run's record of what it created on the backend; no issuer handle (nothing to renew a token with).
    const ledger = createLedger();
    try {
      const target = targetClient();
      const contract = config().resources[0]!;
      // As a run does: every id a create answered is noted for the clean-up.
      const client = new ResourceClient(contract, (label, options) => target.fetch('TEST', label, options), englishFaker(), (id, token) => note(ledger, { kind: 'resource', baseUrl: backend.url, contract: contract.name, id, ...(token ? { token } : {}) }));
      nextIds = [...HOSTILE_IDS, 'abc'];
      for (let i = 0; i <= HOSTILE_IDS.length; i++) await client.create({ name: 'A', token: TOKEN });
      await target.close();
      backend.hits.length = 0;

      const lines: string[] = [];
      await removeLeftovers(undefined, ledger, config(), 'resource-ids', (line) => lines.push(line));
      expect(backend.hits).toEqual(['DELETE /api/todos/abc']);
      expect(lines[0]).toBe('clean-up: 1 resource(s) deleted through the resource contract; 3 thing(s) left behind:');
      for (const id of HOSTILE_IDS) {
        const reported = `clean-up: WARNING: left behind: /api/todos ${JSON.stringify(id)} at ${backend.url}: refused DELETE /api/todos/{id} with the id ${JSON.stringify(id)} the backend gave: it is`;
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${literally(reported)} (empty|a dot segment).*; nothing was sent$`)));
      }
    } finally {
      removeLedger(ledger);
    }
  });
});
