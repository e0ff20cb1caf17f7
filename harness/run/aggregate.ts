// Checks decided over the whole run rather than by one test: several records of one ID (CTL-PERSIST
// after each family) merge into one, and ERR-NO-5XX looks at every exchange of every check.
import type { CheckMeta, CheckRecord } from '../checks/model.js';
import { worstVerdict } from '../checks/oracle.js';

export const ERR_NO_5XX: CheckMeta = {
  id: 'ERR-NO-5XX',
  title: 'No input makes the backend answer 5xx',
  severity: 'medium',
  requirement: 'Invalid credentials are a client error (RFC 6750 §3.1: 401 invalid_token, 400 invalid_request); a 5xx means an unhandled exception in the authentication path.',
  references: ['RFC 6750 §3.1', 'CVE-2025-49001 (fail-open on verifier exceptions)'],
  expected: 'no 5xx on any request of the run',
};

export function mergeById(records: CheckRecord[]): CheckRecord[] {
  const byId = new Map<string, CheckRecord[]>();
  for (const r of records) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return [...byId.values()].map((group) =>
    group.length === 1
      ? group[0]!
      : {
          ...group[0]!,
          verdict: worstVerdict(group.map((r) => r.verdict)),
          observed: group.map((r) => r.observed).join('; '),
          evidence: group.flatMap((r) => r.evidence),
          durationMs: group.reduce((sum, r) => sum + r.durationMs, 0),
        },
  );
}

export function noServerErrors(records: CheckRecord[]): CheckRecord {
  const exchanges = records.flatMap((r) => r.evidence.map((e) => ({ check: r.id, e })));
  const crashed = exchanges.filter(({ e }) => e.outcome === 'server-error');
  const base = { ...ERR_NO_5XX, family: 'ERR' as const, durationMs: 0 };
  if (exchanges.length === 0) return { ...base, verdict: 'ERROR', observed: 'no exchanges were recorded', evidence: [] };
  const inconclusive = records.filter((r) => r.verdict === 'ERROR').length;
  if (crashed.length === 0 && inconclusive > 0) {
    return { ...base, verdict: 'ERROR', observed: `inconclusive: no 5xx in ${exchanges.length} requests, but ${inconclusive} checks could not run` , evidence: [] };
  }
  if (crashed.length === 0) return { ...base, verdict: 'PASS', observed: `none of ${exchanges.length} requests answered 5xx`, evidence: [] };
  const checks = [...new Set(crashed.map(({ check }) => check))];
  return {
    ...base,
    verdict: 'FAIL',
    observed: `${crashed.length} of ${exchanges.length} requests answered 5xx, in ${checks.join(', ')}`,
    measured: { serverErrors: crashed.length, requests: exchanges.length },
    evidence: crashed.slice(0, 20).map(({ check, e }) => ({ ...e, label: `${check}: ${e.label}` })),
  };
}
