// One count of the run (issue 22, point 3): ERR-NO-5XX, ERR-NO-LEAK and run.requests count every
// exchange the target client sends, not only the evidence a check keeps (bulk measurements and the
// JWKS family's labs keep a sample); a 503 while the suite keeps the JWKS down is a fair answer, a
// 500 is not, and 5xx that all come from such an outage are reported under JWKS-OUTAGE-STATUS. And
// `run --plan` foresees the checks, the SKIPs and (within 25 %) the requests of a real run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckRecord } from '../harness/checks/model.js';
import { CAUSES } from '../harness/checks/oracle.js';
import { takeTraffic } from '../harness/checks/traffic.js';
import { TargetClient } from '../harness/target/client.js';
import { linkCauses, mergeById, noLeaks, noServerErrors, runTraffic } from '../harness/run/aggregate.js';
import type { Report } from '../harness/report-model.js';
import { runCli } from './support/cli.js';
import { NODE_FIXTURE } from './support/known-answers.js';
import { startCommand } from '../fixtures/backends/manifest.js';
import { freePort } from '../harness/net.js';

const scope = { selective: false };

describe('the target client counts every exchange, kept as evidence or not', () => {
  // A backend that answers by path: 500, 503, a 401 whose body leaks a stack trace, or 401.
  const server = createServer((req, res) => {
    const answers: Record<string, [number, string]> = {
      '/crash': [500, '{"error":"internal"}'],
      '/unavailable': [503, '{"error":"unavailable"}'],
      '/leak': [401, 'Error: bad token\n    at verify (/srv/app/node_modules/jose/dist/verify.js:12:3)'],
    };
    const [status, body] = answers[req.url ?? ''] ?? [401, '{"error":"invalid_token"}'];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  let client: TargetClient;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new TargetClient({
      baseUrl: `http://127.0.0.1:${port}`, protectedPath: '/', identityPath: undefined, identitySubject: 'sub', timeoutMs: 5_000,
      concurrency: 4, rejectStatuses: [400, 401, 403], runId: 'test', toolVersion: '0',
    });
  });
  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts each exchange under its check ID, and keeps the 5xx and leaks the run-wide checks quote', async () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
    for (let i = 0; i < 10; i++) await client.send('JWKS-X', `plain refusal #${i}`, { token });
    await client.send('JWKS-X', 'a crash', { token, path: '/crash' });
    await client.send('JWKS-X', 'a 503 during an outage', { token, path: '/unavailable', jwksFault: 'status' });
    await client.send('JWKS-X', 'a 500 during an outage', { token, path: '/crash', jwksFault: 'reset' });
    // A fault that still serves the keys excuses nothing; the moments the backend gets them back do.
    await client.send('JWKS-X', 'a 503 while the JWKS serves other headers', { token, path: '/unavailable', jwksFault: 'headers' });
    await client.send('JWKS-X', 'a 503 while the backend gets its keys back', { token, path: '/unavailable', jwksFault: 'recovering' });
    await client.send('JWKS-X', 'a leak', { token, path: '/leak' });
    await client.send('OTHER', 'another check', { token });
    const traffic = takeTraffic('JWKS-X')!;
    expect(traffic.requests).toBe(16);
    // The 503 during the outage is fair; the 500 during it is counted, and said to be during a fault.
    expect(traffic.serverErrors).toBe(3);
    expect(traffic.serverErrorsDuringFault).toBe(1);
    expect(traffic.errorBodies).toBe(16);
    expect(traffic.leaks).toBe(1);
    expect(traffic.leakKinds).toEqual(['a JavaScript stack trace']);
    expect(traffic.kept.map((k) => k.exchange.label).sort()).toEqual(['a 500 during an outage', 'a 503 while the JWKS serves other headers', 'a crash', 'a leak']);
    expect(traffic.kept.find((k) => k.leak)?.leak).toBe('a JavaScript stack trace');
    // Taken once: the next check starts from nothing; another check's count is its own.
    expect(takeTraffic('JWKS-X')).toBeUndefined();
    expect(takeTraffic('OTHER')?.requests).toBe(1);
  });
});

/** A record as a finished check carries it: a sample as evidence, its whole traffic counted. */
function recordOf(id: string, verdict: CheckRecord['verdict'], traffic: Partial<NonNullable<CheckRecord['traffic']>>, extra: Partial<CheckRecord> = {}): CheckRecord {
  return {
    id, family: 'JWKS', suite: 'JWKS', title: id, severity: 'medium', requirement: '', references: [], taxonomy: { cwe: ['CWE-770'], capec: [], owaspApi: 'API4:2023' }, expected: '', verdict, observed: verdict, evidence: [], durationMs: 0,
    traffic: { requests: 0, serverErrors: 0, serverErrorsDuringFault: 0, errorBodies: 0, leaks: 0, leakKinds: [], kept: [], ...traffic },
    ...extra,
  };
}

const exchange = (label: string, status: number, jwksFault?: string) => ({
  label,
  request: { method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, token: { compact: 'x.y.z', length: 5 } },
  response: { status, headers: {}, bodyExcerpt: '{"error":"internal"}' },
  outcome: 'server-error' as const,
  durationMs: 3,
  ...(jwksFault ? { jwksFault } : {}),
});

describe('ERR-NO-5XX, ERR-NO-LEAK and run.requests over the whole traffic', () => {
  it('counts what no evidence kept: a 5xx of a bulk measurement fails ERR-NO-5XX on its own', () => {
    const storm = recordOf('JWKS-KIDMISS-STORM', 'PASS', { requests: 1000, serverErrors: 3, errorBodies: 1000, kept: [{ check: 'JWKS-KIDMISS-STORM', exchange: exchange('random kid #17', 502) }] });
    const records = [storm, recordOf('SIG-ALG-NONE', 'PASS', { requests: 6, errorBodies: 6 })];
    expect(runTraffic(records).requests).toBe(1006);
    const verdict = linkCauses([...records, noServerErrors(records, scope)]).find((r) => r.id === 'ERR-NO-5XX')!;
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.observed).toBe('3 of 1006 requests answered 5xx, in JWKS-KIDMISS-STORM');
    expect(verdict.sameCauseAs).toBeUndefined();
    expect(verdict.evidence.map((e) => e.label)).toEqual(['JWKS-KIDMISS-STORM: random kid #17']);
  });

  it('a backend whose only 5xx are 500s during a JWKS outage fails ERR-NO-5XX, reported under JWKS-OUTAGE-STATUS', () => {
    const outage = [exchange('warm cache, JWKS connection reset: attacker signature', 500, 'reset')];
    const status = recordOf('JWKS-OUTAGE-STATUS', 'FAIL', {}, { explains: [CAUSES.jwksOutageServerError] });
    const failClosed = recordOf('JWKS-OUTAGE-FAILCLOSED', 'PASS', { requests: 40, serverErrors: 9, serverErrorsDuringFault: 9, errorBodies: 40, kept: outage.map((e) => ({ check: 'JWKS-OUTAGE-FAILCLOSED', exchange: e })) });
    const records = [status, failClosed, recordOf('SIG-ALG-NONE', 'PASS', { requests: 6, errorBodies: 6 })];
    const verdict = linkCauses([...records, noServerErrors(records, scope)]).find((r) => r.id === 'ERR-NO-5XX')!;
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.sameCauseAs).toBe('JWKS-OUTAGE-STATUS');
    expect(verdict.observed).toBe('same cause as JWKS-OUTAGE-STATUS: 9 of 46 requests answered 5xx, all while the JWKS was down on purpose, in JWKS-OUTAGE-FAILCLOSED');
    // Where JWKS-OUTAGE-STATUS does not name that cause, the 500s are ERR-NO-5XX's own finding.
    const alone = linkCauses([...records.slice(1), noServerErrors(records.slice(1), scope)]).find((r) => r.id === 'ERR-NO-5XX')!;
    expect(alone.verdict).toBe('FAIL');
    expect(alone.sameCauseAs).toBeUndefined();
  });

  it('a 5xx outside the outage keeps ERR-NO-5XX a finding of its own', () => {
    const status = recordOf('JWKS-OUTAGE-STATUS', 'FAIL', {}, { explains: [CAUSES.jwksOutageServerError] });
    const mixed = recordOf('JWKS-OUTAGE-FAILCLOSED', 'PASS', { requests: 40, serverErrors: 2, serverErrorsDuringFault: 1 });
    const verdict = linkCauses([status, mixed, noServerErrors([status, mixed], scope)]).find((r) => r.id === 'ERR-NO-5XX')!;
    expect(verdict.verdict).toBe('FAIL');
    expect(verdict.sameCauseAs).toBeUndefined();
  });

  it('no 5xx anywhere: PASS over every request; a leak only in the traffic fails ERR-NO-LEAK, naming every kind, kept or not', () => {
    const leak = { ...exchange('a 401 with a stack trace', 401), outcome: 'rejected' as const };
    const records = [recordOf('JWKS-SINGLEFLIGHT', 'PASS', { requests: 200, errorBodies: 150, leaks: 2, leakKinds: ['a JavaScript stack trace', 'private key material'], kept: [{ check: 'JWKS-SINGLEFLIGHT', exchange: leak, leak: 'a JavaScript stack trace' }] })];
    expect(noServerErrors(records, scope)).toMatchObject({ verdict: 'PASS', observed: 'none of 200 requests answered 5xx' });
    expect(noLeaks(records, scope)).toMatchObject({ verdict: 'FAIL', observed: '2 of 150 error bodies leaked a JavaScript stack trace, private key material' });
  });

  it('merging the records of one ID (CTL-PERSIST after each family) adds their traffic', () => {
    const merged = mergeById([recordOf('CTL-PERSIST', 'PASS', { requests: 2 }), recordOf('CTL-PERSIST', 'PASS', { requests: 3, serverErrors: 1 })]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.traffic).toMatchObject({ requests: 5, serverErrors: 1 });
  });
});

/** The checks `run --plan` lists, each "run" or "SKIP", and its request estimate. */
function planned(stdout: string): { rows: Record<string, string>; estimate: number } {
  const rows = Object.fromEntries([...stdout.matchAll(/^(run |SKIP) (\S+)/gm)].map(([, how, id]) => [id!, how!.trim()]));
  return { rows, estimate: Number(/about (\d+) requests to the backend/.exec(stdout)?.[1]) };
}

const verdictsOf = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.id, c.verdict === 'SKIP' ? 'SKIP' : 'run']));

describe('run --plan foresees the SKIPs a run gives for what is not configured', { timeout: 300_000 }, () => {
  it('no OpenAPI document, no identity endpoint, no resources, an issuer that signs RS256: the same SKIPs, planned and run', async () => {
    const port = await freePort();
    const only = ['COV-', 'FMT-JSON-DUP', 'TRN-IDENTITY-HEADERS', 'ISO-READ-OTHER', 'ISO-ENUM-ORACLE', 'SIG-EDDSA-BADLEN', 'CTL-VALID-EDDSA', 'SIG-ALG-NONE'];
    const args = ['run', '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--start', startCommand(NODE_FIXTURE, undefined), '--issuer-mode', 'process', '--alg', 'RS256', '--only', ...only];
    const plan = await runCli([...args, '--plan']);
    expect(plan.code, plan.stderr).toBe(0);
    const { rows } = planned(plan.stdout);
    expect(rows).toMatchObject({ 'COV-PROTECTED-OPS': 'SKIP', 'COV-UNDECLARED-OPS': 'SKIP', 'FMT-JSON-DUP': 'SKIP', 'TRN-IDENTITY-HEADERS': 'SKIP', 'ISO-READ-OTHER': 'SKIP', 'ISO-ENUM-ORACLE': 'SKIP', 'SIG-EDDSA-BADLEN': 'SKIP', 'CTL-VALID-EDDSA': 'SKIP', 'SIG-ALG-NONE': 'run' });
    expect(plan.stdout).toContain('no OpenAPI document is configured');
    const out = await mkdtemp(path.join(tmpdir(), 'ba-plan-skips-'));
    const run = await runCli([...args, '--out', out, '--timeout', '15000']);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.problems, run.stderr).toEqual([]);
    expect(verdictsOf(report)).toEqual(rows);
    expect(report.checks.find((c) => c.id === 'SIG-ALG-NONE')?.verdict).toBe('PASS');
  });
});

// A whole run of the example backend: a few minutes on a loaded machine.
describe('run --plan foresees a real run of the example', { timeout: 900_000 }, () => {
  it('the same checks, the same SKIPs, and the run\'s request count within 25 %', async () => {
    const config = 'fixtures/conformance.example.config.ts';
    const plan = await runCli(['run', '--plan', '--config', config]);
    expect(plan.code, plan.stderr).toBe(0);
    const { rows, estimate } = planned(plan.stdout);
    expect(Object.keys(rows).length).toBeGreaterThan(100);
    const out = await mkdtemp(path.join(tmpdir(), 'ba-plan-'));
    const run = await runCli(['run', '--config', config, '--out', out, '--timeout', '15000']);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as Report;
    expect(report.problems, run.stderr).toEqual([]);
    expect(verdictsOf(report)).toEqual(rows);
    expect(report.run.requests).toBeGreaterThan(0);
    expect(Math.abs(estimate - report.run.requests) / report.run.requests, `planned ${estimate}, sent ${report.run.requests}`).toBeLessThanOrEqual(0.25);
  });
});
