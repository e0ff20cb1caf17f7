// A Node base image made from the host's own `node` binary and the shared libraries it links, for
// machines where no image registry is reachable. FROM scratch, so building it pulls nothing.
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from '../errors.js';

const run = promisify(execFile);

export const LOCAL_BASE_IMAGE = `ba-conformance/node-base:${process.versions.node}`;

/** Absolute paths of the shared libraries (and the loader) that `ldd` lists for a binary. */
export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1]) paths.add(match[1]);
  }
  return [...paths];
}

/** Writes the build context for the local base image into `dir`. */
export async function writeLocalBaseContext(dir: string): Promise<void> {
  if (process.platform !== 'linux') {
    throw new HarnessError('IMAGE_BUILD_FAILED', `cannot build a local Node base image on ${process.platform}`, {
      hint: 'set BA_ISSUER_BASE_IMAGE (or container.baseImage) to a Node >= 20 image your engine can pull',
    });
  }
  const node = await realpath(process.execPath);
  let libs: string[];
  try {
    libs = parseLdd((await run('ldd', [node])).stdout);
  } catch (err) {
    throw new HarnessError('IMAGE_BUILD_FAILED', `ldd could not list the libraries of ${node}`, {
      cause: err,
      hint: 'set BA_ISSUER_BASE_IMAGE to a Node >= 20 image',
    });
  }
  const rootfs = path.join(dir, 'rootfs');
  const place = async (source: string, target: string) => {
    await mkdir(path.join(rootfs, path.dirname(target)), { recursive: true });
    await copyFile(await realpath(source), path.join(rootfs, target));
  };
  await place(node, '/usr/bin/node');
  for (const lib of libs) await place(lib, lib);
  await mkdir(path.join(rootfs, 'etc'), { recursive: true });
  await writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n');
  await writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  await writeFile(path.join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  await writeFile(path.join(rootfs, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  await mkdir(path.join(rootfs, 'tmp'), { recursive: true });
  await chmod(path.join(rootfs, 'tmp'), 0o1777);
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin\nWORKDIR /app\n');
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ba-conformance-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
