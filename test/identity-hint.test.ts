// A backend whose identity endpoint names the user somewhere other than target.identitySubject: the
// positive control says where the expected subject is and which setting to change, never a hunt.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeValid } from '../harness/checks/suite.js';
import { pathOf } from '../harness/json-path.js';
import { TargetClient, type TargetSettings } from '../harness/target/client.js';

const SUB = 'YfMXu0aNd3wUser';
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/me') return res.end(JSON.stringify({ user: { id: SUB, email: 'a@example.test' } }));
    if (req.url === '/api/me-list') return res.end(JSON.stringify({ data: [{ kind: 'user', id: SUB }] }));
    res.end(JSON.stringify({ user: { id: 'someone-else' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const clientFor = (identityPath: string, identitySubject: string) =>
  new TargetClient({ baseUrl, protectedPath: identityPath, identityPath, identitySubject, timeoutMs: 5_000, concurrency: 1, rejectStatuses: [400, 401, 403], runId: 'test', toolVersion: '0' } satisfies TargetSettings);

describe('identity subject hint', () => {
  it('pathOf finds the shallowest string equal to the subject, through objects and arrays', () => {
    expect(pathOf({ a: { b: 'x' }, c: 'x' }, 'x')).toBe('c');
    expect(pathOf({ data: [{ id: 'y' }] }, 'y')).toBe('data.0.id');
    expect(pathOf({ id: 'z' }, 'nope')).toBeUndefined();
  });

  it('names where the expected subject is and the setting that fixes it', async () => {
    const target = clientFor('/api/me', 'sub');
    try {
      const verdict = judgeValid(target, await target.send('CTL', 'valid', { token: 'a.b.c' }), SUB);
      expect(verdict.ok).toBe(false);
      expect(verdict.observed).toContain(`named undefined instead of ${SUB}`);
      expect(verdict.observed).toContain(`the expected subject is at "user.id": set target.identitySubject: 'user.id'`);
    } finally {
      await target.close();
    }
  });

  it('array paths work with the dotted syntax the setting reads, and the hinted path then passes', async () => {
    const hinted = clientFor('/api/me-list', 'sub');
    const fixed = clientFor('/api/me-list', 'data.0.id');
    try {
      expect(judgeValid(hinted, await hinted.send('CTL', 'valid', { token: 'a.b.c' }), SUB).observed).toContain("target.identitySubject: 'data.0.id'");
      expect(judgeValid(fixed, await fixed.send('CTL', 'valid', { token: 'a.b.c' }), SUB)).toMatchObject({ ok: true });
    } finally {
      await hinted.close();
      await fixed.close();
    }
  });

  it('gives no hint when the answer names another user: that is a finding, not a misconfiguration', async () => {
    const target = clientFor('/api/other', 'user.id');
    try {
      const verdict = judgeValid(target, await target.send('CTL', 'valid', { token: 'a.b.c' }), SUB);
      expect(verdict.ok).toBe(false);
      expect(verdict.observed).not.toContain('identitySubject');
    } finally {
      await target.close();
    }
  });
});
