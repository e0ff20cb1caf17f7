// What the backend under test says ends up in report.html: it must stay text. A hostile response
// (markup in the body, quotes in headers, a token claim that closes a tag) cannot become markup.
import { describe, expect, it } from 'vitest';
import type { CheckRecord } from '../harness/checks/model.js';
import { htmlReport } from '../harness/report/html.js';
import { matrixHtml } from '../harness/report/matrix.js';
import type { Report } from '../harness/report-model.js';

const HOSTILE = '</pre></script><script>alert(1)</script><img src=x onerror=alert(2)>';

const check: CheckRecord = {
  id: 'SIG-ALG-NONE',
  title: 'Unsecured tokens are rejected',
  family: 'SIG',
  severity: 'critical',
  requirement: 'RFC 8725 §3.2',
  references: ['RFC 8725 §3.2', 'CVE-2015-9235', 'better-auth#932'],
  taxonomy: { cwe: ['CWE-347'], capec: [], owaspApi: 'API2:2023' },
  expected: '401',
  verdict: 'FAIL',
  observed: `accepted: ${HOSTILE}`,
  measured: { note: HOSTILE },
  durationMs: 3,
  evidence: [
    {
      label: HOSTILE,
      request: { method: 'GET', url: 'http://127.0.0.1:1/api/me', headers: { authorization: 'Bearer e30.e30.' }, token: { compact: 'e30.e30.', length: 8, header: { alg: 'none' }, payload: { sub: HOSTILE } } },
      response: { status: 200, headers: { 'x-evil': `"><script>alert(3)</script>` }, bodyExcerpt: HOSTILE },
      outcome: 'accepted',
      durationMs: 1,
    },
  ],
};

const report: Report = {
  schemaVersion: 1,
  tool: { name: 'better-auth-conformance', version: '0.0.0' },
  run: { id: 'r1', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, seed: 1, phasesMs: { issuer: 1, target: 1, checks: 1 }, requests: 1 },
  target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/api/me', identityPath: null, started: false },
  issuer: null,
  summary: { pass: 0, nonStrict: 0, fail: 1, info: 0, skip: 0, error: 0 },
  gate: { failOn: 'info', strict: false },
  waivers: null,
  problems: [HOSTILE],
  checks: [check],
};

describe('HTML escaping', () => {
  it('keeps every backend-supplied string as text in the report and the matrix', () => {
    for (const page of [htmlReport(report), matrixHtml([{ name: HOSTILE, report }])]) {
      expect(page).not.toContain('<script>alert');
      expect(page).not.toContain('<img src=x');
      expect(page).not.toContain('"><script>');
      expect(page.match(/<script>/g)).toHaveLength(1); // the page's own filter script
    }
    const page = htmlReport(report);
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('<a href="https://nvd.nist.gov/vuln/detail/CVE-2015-9235"');
    expect(page).toContain('<a href="https://github.com/better-auth/better-auth/issues/932"');
    // Each check links its catalogue entry, whose anchor is the check ID.
    expect(page).toContain('<a href="checks.md#SIG-ALG-NONE" rel="noreferrer">checks.md#SIG-ALG-NONE</a>');
    expect(page).toContain('Run fails its gate: 1 finding(s) at or above info');
  });
});

describe('remediation', () => {
  it("says how to fix a finding in each stack that has advice for it, the Node stacks' fixtures included", () => {
    const storm: CheckRecord = { ...check, id: 'JWKS-KIDMISS-STORM', family: 'JWKS', observed: '1000 JWKS fetches', measured: {}, evidence: [] };
    const page = htmlReport({ ...report, checks: [storm] });
    expect(page).toContain('How to fix: JWKS client: caching, rotation and outages');
    for (const stack of ['jose', 'jwks-rsa', 'passport-jwt', 'get-jwks', 'hono/jwk', 'PyJWT', 'Go jwx']) expect(page, stack).toContain(`<th>${stack}</th>`);
    expect(page).toContain('every unknown kid is a fetch, with no cooldown');
  });
});
