// npm run image -- [--tag <name>] [--base <node image>]: the tool's container image (Dockerfile at
// the repository root), from the package as `npm pack` makes it, installed with its production
// dependencies on this machine (the base image needs only `node`, no npm or registry access).
// On the base built from the host's node (--base local), the shared libraries that the native
// addons (rolldown's, Vitest's bundler) link are copied in as well: that base has only node's.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { LOCAL_BASE_IMAGE, parseLdd, withTempDir, writeLocalBaseContext } from '../harness/issuer/base-image.js';
import { PACKAGE, PACKAGE_ROOT } from '../harness/paths.js';

const exec = promisify(execFile);

export const DEFAULT_TAG = `better-auth-conformance:${PACKAGE.version}`;

/** The base built from this machine's node, as the issuer's container uses where no registry is reachable; built when absent. */
export async function ensureLocalBase(): Promise<string> {
  const present = await exec('docker', ['image', 'inspect', LOCAL_BASE_IMAGE]).then(() => true, () => false);
  if (!present) await withTempDir(async (dir) => {
    await writeLocalBaseContext(dir);
    await exec('docker', ['build', '--quiet', '--tag', LOCAL_BASE_IMAGE, dir], { maxBuffer: 16 * 1024 * 1024 });
  });
  return LOCAL_BASE_IMAGE;
}

/** Copies what the native addons under `app` link into `rootfs`, at the same paths. */
async function hostLibraries(app: string, rootfs: string): Promise<void> {
  const addons = (await readdir(app, { recursive: true })).filter((f) => f.endsWith('.node')).map((f) => path.join(app, f));
  const libs = new Set<string>();
  for (const addon of addons) {
    // An addon for another libc is not loaded here anyway: ldd's refusal is skipped.
    const listed = await exec('ldd', [addon]).then(({ stdout }) => parseLdd(stdout), () => []);
    listed.forEach((lib) => libs.add(lib));
  }
  for (const lib of libs) {
    await mkdir(path.join(rootfs, path.dirname(lib)), { recursive: true });
    await copyFile(await realpath(lib), path.join(rootfs, lib));
  }
}

/** Builds the image from `tarball` (npm pack's output) on `base` (LOCAL_BASE_IMAGE: the host's node); returns its tag. */
export async function buildToolImage(options: { tarball: string; tag?: string; base?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const tag = options.tag ?? DEFAULT_TAG;
  const context = await mkdtemp(path.join(tmpdir(), 'ba-image-'));
  try {
    const app = path.join(context, 'app');
    await exec('npm', ['install', '--prefix', app, '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock', options.tarball], { env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 });
    await copyFile(path.join(PACKAGE_ROOT, 'Dockerfile'), path.join(context, 'Dockerfile'));
    const rootfs = path.join(context, 'rootfs');
    await mkdir(rootfs);
    if (options.base === LOCAL_BASE_IMAGE) await hostLibraries(app, rootfs);
    await exec('docker', ['build', '--quiet', '--tag', tag, ...(options.base ? ['--build-arg', `NODE_IMAGE=${options.base}`] : []), context], { maxBuffer: 16 * 1024 * 1024 }).catch((err: { stderr?: string; message: string }) => {
      const said = `${err.stderr ?? ''} ${err.message}`;
      // The public base image could not be pulled: no registry here (an air-gapped CI, a proxy).
      if (!options.base && /pull|registry|dial tcp|lookup|resolve|TLS handshake|i\/o timeout|not found/i.test(said)) {
        throw new Error(`docker build could not pull the base image node:20-slim (no image registry reachable?): build on a base made from this machine's node instead: npm run image -- --base local\n${said.trim().split('\n').slice(-3).join('\n')}`);
      }
      throw err;
    });
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { tag: { type: 'string' }, base: { type: 'string' } } });
  if (values.base === 'local') values.base = await ensureLocalBase();
  const dir = await mkdtemp(path.join(tmpdir(), 'ba-pack-'));
  try {
    const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: PACKAGE_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const tarball = path.join(dir, stdout.trim().split('\n').at(-1)!);
    const tag = await buildToolImage({ tarball, ...(values.tag ? { tag: values.tag } : {}), ...(values.base ? { base: values.base } : {}) });
    process.stdout.write(`built ${tag}\n`);
  } catch (err) {
    process.stderr.write(`npm run image: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
