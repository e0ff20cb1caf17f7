// Runs `ba-conformance` as a user does: `runCli` waits for it (exit code, stdout and stderr);
// `startCli` returns the running process, for tests that signal it midway.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { REPO_ROOT } from '../../harness/issuer/bundle.js';

export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the exit code (null after a signal the CLI did not handle). */
  exit: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/ba-conformance.js'), ...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': the output is complete once the pipes are closed.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, options);
  const code = await cli.exit;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}
