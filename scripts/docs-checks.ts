// `npm run docs:checks`: writes docs/checks.md from the suites' metadata, and the list of check IDs
// the configuration validates --only and --skip against (harness/config/check-ids.ts, read without
// collecting the suites). With --check [file] it writes nothing and exits 1 when a committed file (or
// the one given, for the catalogue) differs from what the suites declare today: the project's tests
// run it so, and neither can drift from the code.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { CATALOGUE_FILE } from '../harness/report/catalogue-link.js';
import { checkIdsModule } from '../harness/config/check-ids-module.js';
import { catalogueMarkdown } from '../harness/report/catalogue-doc.js';
import { loadCatalogue } from '../harness/run/catalogue.js';

const [mode, given] = process.argv.slice(2);
const catalogue = await loadCatalogue();
const outputs: [string, string][] = [
  [given ? path.resolve(given) : path.join(REPO_ROOT, CATALOGUE_FILE), catalogueMarkdown(catalogue)],
  [path.join(REPO_ROOT, 'harness/config/check-ids.ts'), checkIdsModule(catalogue.map((e) => e.id))],
];

for (const [file, generated] of outputs) {
  const shown = path.relative(process.cwd(), file);
  if (mode === '--check') {
    const committed = await readFile(file, 'utf8').catch(() => '');
    if (committed !== generated) {
      process.stderr.write(`${shown} is out of date with the suites: run npm run docs:checks and commit the result\n`);
      process.exitCode = 1;
    } else process.stdout.write(`${shown} is up to date\n`);
  } else {
    await writeFile(file, generated);
    process.stdout.write(`wrote ${shown}\n`);
  }
}
