// npm run build (and prepack): the installed package's contents under dist/. The engine and the
// suites compiled to JavaScript with declarations, and the issuer bundle prebuilt, so a team's
// machine needs neither tsx nor esbuild.
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureIssuerBundle } from '../harness/issuer/bundle.js';
import { PACKAGE_ROOT } from '../harness/paths.js';

const dist = path.join(PACKAGE_ROOT, 'dist');
for (const dir of ['harness', 'suites', 'fixtures']) await rm(path.join(dist, dir), { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(PACKAGE_ROOT, 'tsconfig.build.json')], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
if (tsc.status !== 0) {
  process.stderr.write('build: tsc failed (above)\n');
  process.exit(1);
}
// demo runs the fixture backends, which only a checkout has (the CLI leaves it out of the package).
await rm(path.join(dist, 'fixtures'), { recursive: true, force: true });
for (const ext of ['.js', '.d.ts']) await rm(path.join(dist, 'harness/commands', `demo${ext}`), { force: true });
const bundle = await ensureIssuerBundle();
process.stdout.write(`built ${path.relative(PACKAGE_ROOT, dist)}/ (issuer bundle ${bundle.hash.slice(0, 12)})\n`);
