// `npm run docs:checks`: writes docs/checks.md from the suites' metadata. With --check [file] it
// writes nothing and exits 1 when the committed file (or the one given) differs from what the suites
// declare today: the project's tests run it so, and the catalogue cannot drift from the code.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { CATALOGUE_FILE } from '../harness/report/catalogue-link.js';
import { catalogueMarkdown } from '../harness/report/catalogue-doc.js';
import { loadCatalogue } from '../harness/run/catalogue.js';

const [mode, given] = process.argv.slice(2);
const file = given ? path.resolve(given) : path.join(REPO_ROOT, CATALOGUE_FILE);
const generated = catalogueMarkdown(await loadCatalogue());

if (mode === '--check') {
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed !== generated) {
    process.stderr.write(`${path.relative(process.cwd(), file)} is out of date with the suites: run npm run docs:checks and commit the result\n`);
    process.exit(1);
  }
  process.stdout.write(`${path.relative(process.cwd(), file)} is up to date\n`);
} else {
  await writeFile(file, generated);
  process.stdout.write(`wrote ${CATALOGUE_FILE}\n`);
}
