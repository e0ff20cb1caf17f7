// `npm run docs:settings`: writes docs/settings.md from the settings' table (harness/config/schema.ts).
// test/config.test.ts fails when the committed file differs from what the table says today.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { SETTINGS_DOC, settingsDoc } from '../harness/config/template.js';

await writeFile(path.join(REPO_ROOT, SETTINGS_DOC), settingsDoc());
process.stdout.write(`wrote ${SETTINGS_DOC}\n`);
