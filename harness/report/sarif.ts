// SARIF 2.1.0 from report.json, for code-scanning dashboards: one rule per check that ran, one result
// per finding (FAIL: error, NON-STRICT: warning, ERROR: note). The backend's URL is the artifact:
// findings are about a running service, not a source file.
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { CheckRecord, Severity } from '../checks/model.js';
import type { Report } from '../run/report.js';
import { referenceUrl } from './references.js';
import { remediationFor } from './remediation.js';

/** The first reference with an address: the standard or advisory behind the rule. */
const helpUri = (c: CheckRecord) => c.references.map(referenceUrl).find(Boolean);

/** GitHub's security-severity scale (0-10): critical 9+, high 7+, medium 4+, low below. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '7.5', medium: '5.0', low: '2.0', info: '0.0' };

const LEVEL: Partial<Record<CheckRecord['verdict'], Result.level>> = { FAIL: 'error', 'NON-STRICT': 'warning', ERROR: 'note' };

export function sarifLog(report: Report): Log {
  const rules: ReportingDescriptor[] = report.checks.map((c) => ({
    id: c.id,
    name: c.id.replace(/-/g, ''),
    shortDescription: { text: c.title },
    fullDescription: { text: c.requirement },
    help: { text: `Expected: ${c.expected}. ${remediationFor(c.id)?.fix ?? ''} References: ${c.references.join('; ')}` },
    ...(helpUri(c) ? { helpUri: helpUri(c) } : {}),
    properties: { tags: ['security', c.family], 'security-severity': SECURITY_SEVERITY[c.severity], severity: c.severity },
  }));
  const results: Result[] = report.checks.flatMap((c, ruleIndex) => {
    const level = LEVEL[c.verdict];
    if (!level) return [];
    return [
      {
        ruleId: c.id,
        ruleIndex,
        level,
        ...(c.verdict === 'ERROR' ? { kind: 'review' as const } : {}),
        message: { text: `${c.verdict}: ${c.observed}` },
        // A waiver is SARIF's external suppression: dashboards show it as accepted, with the reason.
        ...(c.waiver ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: c.waiver.comment }] } : {}),
        locations: [{ physicalLocation: { artifactLocation: { uri: new URL(report.target.protectedPath, report.target.baseUrl).toString() } } }],
        properties: { verdict: c.verdict, ...(c.measured ? { measured: c.measured } : {}), evidence: c.evidence.length },
      },
    ];
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: report.tool.name, version: report.tool.version, rules } },
        automationDetails: { id: `ba-conformance/${report.run.id}` },
        invocations: [{ executionSuccessful: report.problems.length === 0, startTimeUtc: report.run.startedAt, endTimeUtc: report.run.finishedAt }],
        results,
      },
    ],
  };
}
