// JUnit XML from report.json: one testsuite per family, one testcase per check. FAIL is a failure,
// ERROR an error (the harness could not decide), SKIP skipped; NON-STRICT is a failure under
// --strict. Every case carries the requirement, the expectation and what was observed.
import junitModule from 'junit-report-builder';
import type { Builder } from 'junit-report-builder';
import type { CheckRecord } from '../checks/model.js';
import { failsGate } from '../report-model.js';
import type { Report } from '../report-model.js';
import { inert } from '../text.js';

// A CommonJS module whose module.exports is the builder; its types describe an ES default export.
const junit = junitModule as unknown as Builder;

function details(c: CheckRecord): string {
  const measured = c.measured ? `\nmeasured: ${Object.entries(c.measured).map(([k, v]) => `${k}=${v}`).join(', ')}` : '';
  const waiver = c.waiver ? `\nwaived (${c.waiver.expected} accepted): ${c.waiver.comment}` : '';
  // Control characters are not even legal XML 1.0, and observations quote the backend.
  return inert(`${c.id} (${c.severity}): ${c.title}\nrequirement: ${c.requirement}\nreferences: ${c.references.join('; ')}\nexpected: ${c.expected}\nobserved: ${c.observed}${measured}${waiver}`);
}

/** A waived finding is reported skipped (it does not fail the job), its reason in the case's output. */
export function junitXml(report: Report): string {
  const strict = report.gate.strict;
  const builder = junit.newBuilder().name(`ba-conformance ${report.target.baseUrl}`);
  const families = [...new Set(report.checks.map((c) => c.family))];
  for (const family of families) {
    const suite = builder.testSuite().name(`${family} (${report.target.baseUrl})`).timestamp(report.run.startedAt);
    for (const c of report.checks.filter((x) => x.family === family)) {
      const testCase = suite.testCase().className(`ba-conformance.${family}`).name(`${c.id}: ${c.title}`).time(c.durationMs / 1000).standardOutput(details(c));
      if (c.waiver) testCase.skipped();
      else if (failsGate(c, strict)) testCase.failure(inert(`${c.verdict}: ${c.observed}`), c.severity);
      else if (c.verdict === 'ERROR') testCase.error(inert(`inconclusive: ${c.observed}`), 'ERROR');
      else if (c.verdict === 'SKIP') testCase.skipped();
    }
  }
  // Jenkins' schema (junit-10.xsd, which CI servers follow) has no skipped count on <testsuites>;
  // each <testsuite> carries its own.
  return builder.build().replace(/^(<testsuites\b[^>]*?) skipped="\d+"/m, '$1');
}
