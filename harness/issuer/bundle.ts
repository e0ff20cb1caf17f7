// Bundles the issuer app into one ESM file that runs with plain `node` and no node_modules
// (the child process and the container image both run it). The bundle is rebuilt only when its
// inputs change: the harness sources, the lockfile and the Dockerfile. The installed package ships
// it prebuilt (npm run build), without the sources.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';
import { COMPILED, PACKAGE_ROOT } from '../paths.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ISSUER_DIR = path.join(REPO_ROOT, 'harness', 'issuer');
/** Also the Docker build context: the bundle and the Dockerfile, nothing else. */
export const BUNDLE_DIR = path.join(PACKAGE_ROOT, 'dist', 'issuer');
export const BUNDLE_FILE = path.join(BUNDLE_DIR, 'issuer.mjs');
const HASH_FILE = path.join(BUNDLE_DIR, 'inputs.sha256');

export interface IssuerBundle {
  file: string;
  dir: string;
  /** Hash of the inputs; names the container image built from this bundle. */
  hash: string;
}

async function inputsHash(): Promise<string> {
  // Every TypeScript file under harness/: a superset of what the app imports, so never stale.
  const harnessDir = path.join(REPO_ROOT, 'harness');
  const sources = (await readdir(harnessDir, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => path.join(harnessDir, f));
  const files = [...sources, path.join(ISSUER_DIR, 'Dockerfile'), path.join(REPO_ROOT, 'package-lock.json')].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.slice(REPO_ROOT.length)).update(await readFile(file));
  return hash.digest('hex');
}

async function prebuiltBundle(): Promise<IssuerBundle> {
  if (!existsSync(BUNDLE_FILE) || !existsSync(HASH_FILE)) {
    throw new HarnessError('ISSUER_START_FAILED', `the prebuilt issuer bundle ${BUNDLE_FILE} is missing`, { hint: 'reinstall better-auth-conformance; a package built without `npm run build` is incomplete' });
  }
  return { file: BUNDLE_FILE, dir: BUNDLE_DIR, hash: (await readFile(HASH_FILE, 'utf8')).trim() };
}

let pending: Promise<IssuerBundle> | undefined;

/** Returns the current bundle, building it first when it is missing or stale. */
export function ensureIssuerBundle(): Promise<IssuerBundle> {
  pending ??= (async () => {
    if (COMPILED) return prebuiltBundle();
    const hash = await inputsHash();
    if (existsSync(BUNDLE_FILE) && existsSync(HASH_FILE) && (await readFile(HASH_FILE, 'utf8')) === hash) {
      return { file: BUNDLE_FILE, dir: BUNDLE_DIR, hash };
    }
    await mkdir(BUNDLE_DIR, { recursive: true });
    // Write beside the target and rename, so concurrent test workers never run a half-written file.
    const tmp = `${BUNDLE_FILE}.${process.pid}.tmp`;
    // Only a checkout builds: the installed package has neither the sources nor esbuild.
    const { build } = await import('esbuild');
    await build({
      entryPoints: [path.join(ISSUER_DIR, 'app', 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      outfile: tmp,
      logLevel: 'error',
    });
    await rename(tmp, BUNDLE_FILE);
    await copyFile(path.join(ISSUER_DIR, 'Dockerfile'), path.join(BUNDLE_DIR, 'Dockerfile'));
    await writeFile(HASH_FILE, hash);
    return { file: BUNDLE_FILE, dir: BUNDLE_DIR, hash };
  })().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}
