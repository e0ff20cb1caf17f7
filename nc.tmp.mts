import { fixtureBackend, loadFixtureManifest } from './fixtures/backends/manifest.js';
import { fixtureRun } from './test/support/known-answers.js';
const NEW = ['XJWT-', 'ISO-TOKEN'];
const cases = process.argv.slice(2).map((a) => a.split(':'));
for (const [name, variantName] of cases) {
  const b = fixtureBackend(name!);
  const v = variantName ? b.variants.find((x) => x.name === variantName) : undefined;
  const { report } = await fixtureRun(b, v, 'process', ['--only', 'XJWT-', 'ISO-TOKEN']);
  for (const c of report.checks.filter((c) => NEW.some((p) => c.id.startsWith(p)))) console.log(`${name}${variantName ? ':' + variantName : ''}\t${c.id}\t${c.verdict}\t${c.severity}\t${c.sameCauseAs ?? ''}\t${c.observed.slice(0, 300)}`);
}
