// Prints what a fixture gives today, as a known answer's `verdicts`, for a maintainer to review and
// commit after a library or check changes (the tests never record: they only compare):
//   npx tsx test/support/record.ts <backend> [variant]      e.g. go-jwx no-issuer-check
import { caseScope, fixtureCases, fixtureRun } from './known-answers.js';

const [backendName, variantName] = process.argv.slice(2);
const c = (await fixtureCases()).find((k) => k.backend.name === backendName && k.variant?.name === variantName);
if (!c) throw new Error(`no fixture case "${backendName}${variantName ? ` ${variantName}` : ''}" in fixtures/backends/index.json`);
const { code, report } = await fixtureRun(c.backend, c.variant, 'process', caseScope(c).args);
const byId = [...report.checks].sort((a, b) => a.id.localeCompare(b.id));
const verdicts = Object.fromEntries(byId.map((check) => [check.id, check.verdict]));
const sameCause = Object.fromEntries(byId.filter((check) => check.sameCauseAs).map((check) => [check.id, check.sameCauseAs]));
process.stdout.write(`${JSON.stringify({ exitCode: code, sameCause, verdicts }, null, 2)}\n`);
for (const check of report.checks.filter((k) => k.verdict !== 'PASS')) process.stderr.write(`${check.verdict} ${check.id}: ${check.observed}\n`);
