// Pure parts, without servers.
import { describe, expect, it } from 'vitest';
import { parseLdd } from '../harness/issuer/base-image.js';
import { resolveIssuerOptions } from '../harness/issuer/options.js';
import { UserFactory } from '../harness/issuer/users.js';
import { cookieHeaderFrom } from '../harness/http.js';
import { percentile } from '../suites/jwks/lab.js';
import { selected } from '../harness/checks/model.js';
import { ownerFields, withField } from '../harness/checks/isolation-lab.js';
import { resolveConfig } from '../harness/config/config.js';
import { pathOf } from '../harness/config/resources.js';
import { ResourceClient } from '../harness/resources/client.js';
import { englishFaker } from '../harness/faker.js';
import { ephemeralPasswords } from '../harness/issuer/app/auth.js';

describe('parseLdd', () => {
  it('keeps resolved libraries and the loader, drops the vDSO', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f)',
    ].join('\n');
    expect(parseLdd(out)).toEqual(['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});

describe('UserFactory', () => {
  it('gives the same names and emails for a seed, unique emails, and passwords the seed does not give', () => {
    const a = new UserFactory(99);
    const b = new UserFactory(99);
    const users = Array.from({ length: 50 }, () => a.next());
    const again = Array.from({ length: 50 }, () => b.next());
    const identity = ({ name, email }: { name: string; email: string }) => ({ name, email });
    expect(again.map(identity)).toEqual(users.map(identity));
    expect(new Set(users.map((u) => u.email)).size).toBe(50);
    for (const u of users) expect(u.password.length).toBeGreaterThanOrEqual(8);
    // The same seed, other passwords: a report's seed does not sign anyone in.
    for (const [i, u] of users.entries()) expect(again[i]!.password).not.toBe(u.password);
    expect(new Set(users.map((u) => u.password)).size).toBe(50);
    expect(identity(new UserFactory(100).next())).not.toEqual(identity(users[0]!));
  });
});

describe('resolveIssuerOptions', () => {
  it("applies Better Auth's defaults", () => {
    const o = resolveIssuerOptions({});
    expect(o).toMatchObject({ mode: 'auto', host: '127.0.0.1', port: 0, app: { algorithms: ['EdDSA'], expirationTime: '15m' } });
    expect(o.app.secret.length).toBeGreaterThanOrEqual(32);
    expect(resolveIssuerOptions({}).app.secret).not.toBe(o.app.secret);
  });
});

describe('cookieHeaderFrom', () => {
  it('keeps only name=value of each Set-Cookie', () => {
    expect(cookieHeaderFrom(['a=1; Path=/; HttpOnly', 'b=2; Max-Age=5'])).toBe('a=1; b=2');
    expect(cookieHeaderFrom(undefined)).toBe('');
  });
});

describe('selected (--only and --skip)', () => {
  it('takes --only prefixes, then leaves out --skip prefixes', () => {
    expect(selected({}, 'JWKS-CACHE-USED')).toBe(true);
    expect(selected({ only: ['SIG-', 'JWKS-'] }, 'JWKS-CACHE-USED')).toBe(true);
    expect(selected({ only: ['SIG-'] }, 'JWKS-CACHE-USED')).toBe(false);
    expect(selected({ skip: ['JWKS-'] }, 'JWKS-CACHE-USED')).toBe(false);
    expect(selected({ only: ['JWKS-'], skip: ['JWKS-OUTAGE'] }, 'JWKS-OUTAGE-STALE')).toBe(false);
    expect(selected({ only: ['JWKS-'], skip: ['JWKS-OUTAGE'] }, 'JWKS-REDIRECT')).toBe(true);
  });
});

describe('percentile', () => {
  it('is the nearest-rank percentile', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100), percentile([], 50)]).toEqual([50, 99, 100, 0]);
  });
});

describe('resource bodies and answers', () => {
  const [todo] = resolveConfig({ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, resources: [{ path: '/todos', body: { title: '{{lorem.word}}', tags: ['{{color.human}}'], done: false }, owner: 'meta.owner', items: 'data' }] }).resources;
  const faker = englishFaker(7);

  it('fills Faker placeholders anew each time, leaving other values alone', () => {
    const client = new ResourceClient(todo!, async () => ({ exchange: {} as never, text: '' }), faker);
    const [a, b] = [client.createBody(), client.createBody()];
    expect(a.done).toBe(false);
    expect(typeof a.title).toBe('string');
    expect(a.title).not.toMatch(/\{\{/);
    expect([a.title, (a.tags as string[])[0]]).not.toEqual([b.title, (b.tags as string[])[0]]);
    expect(pathOf({ method: 'GET', path: '/todos/{id}?q={q}' }, { id: 'a/b', q: 'x y' })).toBe('/todos/a%2Fb?q=x%20y');
  });

  it('tries the configured owner path first, then the usual owner fields, one at a time', () => {
    expect(ownerFields(todo!).slice(0, 3)).toEqual(['meta.owner', 'ownerId', 'owner_id']);
    expect(withField({ title: 't', meta: { kept: 1 } }, 'meta.owner', 'B')).toEqual({ title: 't', meta: { kept: 1, owner: 'B' } });
    expect(withField({ title: 't' }, 'userId', 'B')).toEqual({ title: 't', userId: 'B' });
  });

  it('finds a row by id where the contract says rows are, or a long id anywhere in the body', () => {
    const client = new ResourceClient(todo!, async () => ({ exchange: {} as never, text: '' }), faker);
    const answer = (json: unknown, status = 200) => ({ exchange: {} as never, text: JSON.stringify(json), json, status });
    expect(client.shows(answer({ data: [{ id: 7 }] }), '7')).toBe(true);
    expect(client.shows(answer({ data: [{ id: 8 }], other: 7 }), '7')).toBe(false); // short ids only match as rows
    expect(client.shows(answer({ results: [{ key: 'b8e1c0de-0000-4000-8000-000000000001' }] }), 'b8e1c0de-0000-4000-8000-000000000001')).toBe(true);
    expect(client.rowsOf(answer([{ id: 1 }]))).toBeUndefined(); // rows are at "data"
    const id = 'b8e1c0de-0000-4000-8000-000000000002';
    expect(client.shows(answer({ q: id, data: [] }), id, id)).toBe(false); // a search echoing its query
    expect(client.shows(answer({ error: `no ${id}` }, 400), id)).toBe(false); // only 2xx answers list rows
  });
});

describe("the issuer's password hash", () => {
  it('verifies the password it hashed and nothing else, salted per hash', async () => {
    const hash = await ephemeralPasswords.hash('correct horse');
    expect(await ephemeralPasswords.verify({ hash, password: 'correct horse' })).toBe(true);
    expect(await ephemeralPasswords.verify({ hash, password: 'correct hors' })).toBe(false);
    expect(await ephemeralPasswords.verify({ hash: 'nonsense', password: 'correct horse' })).toBe(false);
    expect(await ephemeralPasswords.hash('correct horse')).not.toBe(hash);
  });
});
