// What a run could test, stated where a report is read first. A run against a team's own Better Auth
// without the conformance plugin skips every check that needs to sign tokens: "1 failed" read on its
// own would pass for a nearly clean backend. Each report format leads with these lines: the issuer
// and its capabilities, how many of the selected checks ran, and for each capability the run lacked,
// how many checks it cost and how to get it.
import { CAPABILITIES, CAPABILITY_INFO } from '../issuer/capabilities.js';
import type { Capability } from '../issuer/capabilities.js';
import type { CheckRecord } from '../checks/model.js';
import type { Coverage, Report } from '../report-model.js';

/** The capabilities a SKIP said it needed (the runner records them in measured.missing). */
function missingOf(c: CheckRecord): Capability[] {
  const missing = c.verdict === 'SKIP' ? c.measured?.missing : undefined;
  return typeof missing === 'string' ? (missing.split(', ').filter((m) => (CAPABILITIES as readonly string[]).includes(m)) as Capability[]) : [];
}

export function coverageOf(checks: CheckRecord[], issuer: { description: string; capabilities: readonly string[] } | null): Coverage {
  const costs = new Map<Capability, number>();
  for (const c of checks) for (const m of missingOf(c)) costs.set(m, (costs.get(m) ?? 0) + 1);
  return {
    issuer: issuer?.description ?? 'no issuer (the run stopped before it started)',
    capabilities: [...(issuer?.capabilities ?? [])],
    ran: checks.filter((c) => c.verdict !== 'SKIP').length,
    selected: checks.length,
    missing: CAPABILITIES.filter((c) => costs.has(c)).map((capability) => ({ capability, checks: costs.get(capability)!, how: CAPABILITY_INFO[capability].providedBy })),
  };
}

/** The coverage as lines of plain text: the first says how many checks ran, one more per missing capability. */
export function coverageLines(coverage: Coverage): string[] {
  return [
    `${coverage.ran} of ${coverage.selected} checks ran, with ${coverage.issuer} (capabilities: ${coverage.capabilities.join(', ') || 'none'})`,
    ...coverage.missing.map((m) => `without ${m.capability} (${CAPABILITY_INFO[m.capability as Capability]?.what ?? m.capability}): ${m.checks} check${m.checks === 1 ? '' : 's'} SKIP; provided by ${m.how}`),
  ];
}

/** The report's coverage, or one computed for a report written before reports carried it. */
export const reportCoverage = (report: Report): Coverage =>
  report.coverage ?? coverageOf(report.checks, report.issuer ? { description: `the ${report.issuer.mode} issuer`, capabilities: report.issuer.capabilities ?? [] } : null);

/** SKIPs for a missing capability, grouped by what they missed (one console line each); every other SKIP stands alone. */
export function capabilitySkips(checks: CheckRecord[]): { missing: string; checks: CheckRecord[] }[] {
  const groups = new Map<string, CheckRecord[]>();
  for (const c of checks) {
    const missing = missingOf(c);
    if (missing.length) groups.set(missing.join(', '), [...(groups.get(missing.join(', ')) ?? []), c]);
  }
  return [...groups].map(([missing, group]) => ({ missing, checks: group }));
}
