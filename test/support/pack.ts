// The package as a team gets it: `npm pack` of this checkout, and npm run in a directory of the
// team's own, with an environment free of this checkout's npm settings.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../harness/issuer/bundle.js';

const exec = promisify(execFile);

/** process.env without npm's run-script variables (npm_config_local_prefix would install into this checkout) nor BA_CONFORMANCE_* settings. */
export function teamEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|BA_CONFORMANCE_)/i.test(k)));
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Done {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a non-zero exit is returned, not thrown. */
export async function sh(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = teamEnv()): Promise<Done> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Whether npm can reach its registry from here (the packaging tests install the package's dependencies). */
export async function registryReachable(): Promise<boolean> {
  const ping = await sh('npm', ['ping'], REPO_ROOT).catch(() => undefined);
  return ping?.code === 0;
}

/** `npm pack` (its prepack builds dist/) into `dir`; the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', dir], REPO_ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed (${packed.code}):\n${packed.stderr.slice(-4000)}`);
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[/m))) as [{ filename: string }];
  return path.join(dir, filename);
}
