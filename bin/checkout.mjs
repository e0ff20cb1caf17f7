// In a checkout, `ba-conformance` runs harness/cli.ts from one esbuild bundle of the harness,
// rebuilt when a source is newer than it (as fixtures/backends/node/start.mjs does for the example
// backend). A loader that transforms each TypeScript file as it is imported (tsx) cost about a
// CPU-second on every start, and the project's tests start the CLI some hundred times.
// Each source keeps its own import.meta.url, so paths (harness/paths.ts) are found as from the sources.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'node_modules', '.cache', 'ba-conformance-cli');
const bundle = path.join(outDir, 'cli.mjs');
const inputsFile = path.join(outDir, 'cli.inputs.json');

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
};

function fresh() {
  try {
    const built = mtime(bundle);
    return JSON.parse(readFileSync(inputsFile, 'utf8')).every((input) => mtime(input) < built);
  } catch {
    return false;
  }
}

/** import.meta.url of each source file, as its own URL rather than the bundle's. */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

if (!fresh()) {
  const { build } = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  // Written under a name of this process and renamed: CLIs started side by side may build at once.
  const temp = `${bundle}.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [path.join(root, 'harness', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: temp,
    metafile: true,
    plugins: [ownUrls],
    logLevel: 'warning',
  });
  writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(Object.keys(result.metafile.inputs).map((input) => path.resolve(root, input))));
  renameSync(temp, bundle);
  renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
}
await import(pathToFileURL(bundle).href);
