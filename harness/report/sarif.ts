// SARIF 2.1.0 from report.json, for code-scanning dashboards: one rule per check that ran, one result
// per finding (FAIL: error, NON-STRICT: warning, ERROR: note). Findings are about a running service,
// but GitHub code scanning only takes results located in a repository file, so each result is
// anchored to one (report.sarifLocation, else the config file) and names the method and route of the
// backend that showed it as a logical location. Fingerprints leave out what changes between runs (port, run id, timings), so
// the same finding on the next run is the same alert.
import { coverageLines, reportCoverage } from './coverage.js';
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { CheckRecord, Severity } from '../checks/model.js';
import type { Report } from '../report-model.js';
import { DEFAULT_SARIF_LOCATION } from '../report-model.js';
import { catalogueLink, catalogueWhere } from './catalogue-link.js';
import { referenceUrl } from './references.js';
import { remediationFor } from './remediation.js';


/** The partialFingerprints key: versioned, so a change of what it hashes starts new alerts instead of mismatching old ones. */
export const FINGERPRINT_KEY = 'baConformanceFinding/v1';

/** The first reference with an address: the standard or advisory behind the rule (helpUri must be absolute). */
const helpUri = (c: CheckRecord) => c.references.map(referenceUrl).find(Boolean);

/** GitHub's security-severity scale (0-10): critical 9+, high 7+, medium 4+, low below. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '7.5', medium: '5.0', low: '2.0', info: '0.0' };

const LEVEL: Partial<Record<CheckRecord['verdict'], Result.level>> = { FAIL: 'error', 'NON-STRICT': 'warning', ERROR: 'note' };

/** The backend as named across runs: its host and protected path, not its port (a fresh one each CI run). */
export function targetName(target: Report['target']): string {
  return `${new URL(target.baseUrl).hostname}${target.protectedPath}`;
}

/** The same check, on the same backend, with the same verdict: the same alert. */
export function findingFingerprint(c: Pick<CheckRecord, 'id' | 'verdict'>, target: Report['target']): string {
  return createHash('sha256').update([c.id, targetName(target), c.verdict].join('\n')).digest('hex');
}

function help(c: CheckRecord, report: Report): ReportingDescriptor['help'] {
  const fix = remediationFor(c.id)?.fix;
  const references = c.references.map((r) => {
    const url = referenceUrl(r);
    return url ? `[${r}](${url})` : r;
  });
  return {
    text: `Expected: ${c.expected}. ${fix ?? ''} References: ${c.references.join('; ')}. Catalogue: ${catalogueLink(report, c.id)} (${catalogueWhere(report)}).`,
    markdown: [
      c.requirement,
      '',
      `**Expected:** ${c.expected}`,
      ...(fix ? ['', `**How to fix:** ${fix}`] : []),
      '',
      `**References:** ${references.join(' · ') || 'none'}`,
      '',
      `Catalogue entry: \`${catalogueLink(report, c.id)}\` (${catalogueWhere(report)}).`,
    ].join('\n'),
  };
}

/** A path segment that names one record (a number, a UUID, a long opaque id): in a route template, {id}. */
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[^/]*\d)[A-Za-z0-9_-]{20,})$/i;

/**
 * Where the finding happened: the method and route of the exchange that shows it (the one the check
 * marked with this verdict, else the first accepted one of a FAIL or NON-STRICT, the first unclear one of an ERROR), ids templated, so the same route
 * is the same location whatever records a run made. Without evidence, the protected path.
 */
export function findingRoute(c: Pick<CheckRecord, 'verdict' | 'evidence'>, target: Report['target']): { name: string; fullyQualifiedName: string } {
  const decisive =
    c.evidence.find((e) => e.shows === c.verdict) ??
    c.evidence.find((e) => (c.verdict === 'ERROR' ? e.outcome !== 'accepted' && e.outcome !== 'rejected' : e.outcome === 'accepted')) ??
    c.evidence[0];
  // The host without its port (a new one each CI run), as the fingerprint names the target.
  const host = (url: URL) => `${url.protocol}//${url.hostname}`;
  if (!decisive) return { name: target.protectedPath, fullyQualifiedName: `${host(new URL(target.baseUrl))}${target.protectedPath}` };
  const url = new URL(decisive.request.url);
  const template = url.pathname
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
  const method = decisive.request.method.toUpperCase();
  return { name: `${method} ${template}`, fullyQualifiedName: `${method} ${host(url)}${template}` };
}

export function sarifLog(report: Report): Log {
  const location = report.target.sarifLocation ?? DEFAULT_SARIF_LOCATION;
  const targetUrl = new URL(report.target.protectedPath, report.target.baseUrl).toString();
  const rules: ReportingDescriptor[] = report.checks.map((c) => ({
    id: c.id,
    name: c.id.replace(/-/g, ''),
    shortDescription: { text: c.title },
    fullDescription: { text: c.requirement },
    help: help(c, report),
    ...(helpUri(c) ? { helpUri: helpUri(c) } : {}),
    // external/cwe/cwe-NNN is the tag GitHub code scanning reads a CWE from (CodeQL's convention).
    properties: { tags: ['security', c.family, ...(c.taxonomy?.cwe ?? []).map((cwe) => `external/cwe/${cwe.toLowerCase()}`)], 'security-severity': SECURITY_SEVERITY[c.severity], severity: c.severity, catalogue: catalogueLink(report, c.id), ...(c.taxonomy ? { taxonomy: c.taxonomy } : {}) },
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
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: location }, region: { startLine: 1 } },
            logicalLocations: [{ ...findingRoute(c, report.target), kind: 'resource' }],
          },
        ],
        partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(c, report.target) },
        properties: { verdict: c.verdict, target: targetUrl, ...(c.measured ? { measured: c.measured } : {}), evidence: c.evidence.length },
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
        // What the run could test: a reviewer of few results must see how many checks did not run, and why.
        properties: { coverage: reportCoverage(report), coverageSummary: coverageLines(reportCoverage(report)).join('; ') },
      },
    ],
  };
}
