// Pure parts, without servers.
import { describe, expect, it } from 'vitest';
import { parseLdd } from '../harness/issuer/base-image.js';
import { resolveIssuerOptions } from '../harness/issuer/options.js';
import { UserFactory } from '../harness/issuer/users.js';
import { cookieHeaderFrom } from '../harness/http.js';
import { percentile } from '../harness/checks/jwks-lab.js';
import { selected } from '../harness/checks/suite.js';

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
  it('is reproducible from its seed and gives unique emails and valid passwords', () => {
    const a = new UserFactory(99);
    const b = new UserFactory(99);
    const users = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(users);
    expect(new Set(users.map((u) => u.email)).size).toBe(50);
    for (const u of users) expect(u.password.length).toBeGreaterThanOrEqual(8);
    expect(new UserFactory(100).next()).not.toEqual(users[0]);
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
