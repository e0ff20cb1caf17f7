// Start-up benchmark: what a run costs before and around its checks. A trivial run (one check and
// the controls, on the example backend with the process issuer) and the README example, each timed
// as the whole CLI process: wall time and CPU-seconds (user + sys, every child process included),
// median of several runs, beside two yardsticks: `node -e 0` and the CLI's `--help`.
// Usage: npm run bench:startup [-- --runs 5 --example 3]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { median } from './median.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, example: { type: 'string', default: '3' } } });
const TICK_S = 0.01; // Linux's USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second

/** CPU-seconds of this process's waited-for children so far (cutime + cstime: the whole tree each reaped). */
function childrenCpuS(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_S;
}

interface Sample {
  wallS: number;
  cpuS: number;
  code: number | null;
}

async function timed(command: string, args: string[]): Promise<Sample> {
  const cpuBefore = childrenCpuS();
  const started = performance.now();
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { wallS: (performance.now() - started) / 1000, cpuS: childrenCpuS() - cpuBefore, code };
}

const row = (xs: number[]) => `median ${median(xs).toFixed(2)} (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;

async function bench(name: string, runs: number, command: string, args: string[]): Promise<void> {
  await timed(command, args); // warm-up: the backend's bundle, Vite's cache
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(command, args));
  const codes = [...new Set(samples.map((s) => s.code))].join(', ');
  console.log(`${name} (n=${runs}, exit ${codes})\n  wall s: ${row(samples.map((s) => s.wallS))}\n  cpu s:  ${row(samples.map((s) => s.cpuS))}`);
}

const cli = path.join(REPO_ROOT, 'bin/ba-conformance.js');
const out = await mkdtemp(path.join(tmpdir(), 'ba-bench-startup-'));
const example = ['run', '--config', 'fixtures/conformance.example.config.ts'];
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
await bench('node -e 0', Number(values.runs), process.execPath, ['-e', '0']);
await bench('ba-conformance --help', Number(values.runs), process.execPath, [cli, '--help']);
await bench('trivial run: --only FMT-JSON-INVALID on the example', Number(values.runs), process.execPath, [cli, ...example, '--only', 'FMT-JSON-INVALID', '--out', path.join(out, 'trivial')]);
await bench('the README example (every check)', Number(values.example), process.execPath, [cli, ...example, '--out', path.join(out, 'example')]);
