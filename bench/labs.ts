// Labs benchmark: the same backend with --jobs 1 (the JWKS checks one after another) and with the
// default jobs (each in a lab of its own, side by side), run alternately through the CLI, as a user
// runs it. Prints, per setting, the wall time of each run and their median, the longest single
// check, the peak memory of the whole process tree (the CLI, Vitest's workers, issuers and
// backends: RSS summed over /proc every 100 ms), and the ratio of the medians; and whether both
// settings gave the same verdicts.
// Usage: npm run bench:labs [-- --runs 3 --sequential-runs 1 --backend example|jose-default]
//   example:      the README's first command (fixtures/conformance.example.config.ts)
//   jose-default: the same backend on jose's own key cache (10 min, a 30 s cooldown), with the default JWKS bounds
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../harness/net.js';
import { defaultJobs } from '../harness/run/labs.js';
import type { Report } from '../harness/report-model.js';
import { median } from './median.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'sequential-runs': { type: 'string' }, backend: { type: 'string', default: 'example' } } });
const RUNS = Number(values.runs);
/** --jobs 1 against a backend on library defaults takes minutes a run: fewer of them may do. */
const SEQUENTIAL_RUNS = Number(values['sequential-runs'] ?? RUNS);
const ROOT = path.resolve(import.meta.dirname, '..');

/** RSS of `pid` and all its descendants, in bytes. */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

async function runOnce(jobs: number | undefined): Promise<{ wallMs: number; peakBytes: number; code: number; report: Report }> {
  const out = await mkdtemp(path.join(tmpdir(), 'ba-bench-labs-'));
  const args =
    values.backend === 'jose-default'
      ? ['run', '--target', `http://127.0.0.1:${await freePort()}`, '--protected', '/api/me', '--identity', '/api/me', '--issuer-mode', 'process', '--alg', 'EdDSA', '--start', 'PORT={port} exec node fixtures/backends/node/start.mjs']
      : ['run', '--config', 'fixtures/conformance.example.config.ts'];
  const started = performance.now();
  const child = spawn('node', ['bin/ba-conformance.js', ...args, '--out', out, ...(jobs ? ['--jobs', String(jobs)] : [])], { cwd: ROOT, stdio: 'ignore', detached: true });
  let peakBytes = 0;
  const timer = setInterval(() => (peakBytes = Math.max(peakBytes, treeRss(child.pid!))), 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(timer);
  const wallMs = performance.now() - started;
  // 0, 1 (findings) and 3 (undecided or inconclusive) are runs that ended; anything else is not a measurement.
  if (code === null || ![0, 1, 3].includes(code)) throw new Error(`the run exited ${code} (report in ${out})`);
  return { wallMs, peakBytes, code, report: JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as Report };
}

const settings = [
  { name: '--jobs 1', jobs: 1, runs: SEQUENTIAL_RUNS },
  { name: `default (--jobs ${defaultJobs()})`, jobs: undefined, runs: RUNS },
];
console.log(`machine: ${availableParallelism()} cores, node ${process.version}; backend: ${values.backend}; ${settings.map((s) => `${s.runs} runs of ${s.name}`).join(', ')}, alternating`);
const results = new Map<string, { wallMs: number; peakBytes: number; code: number; report: Report }[]>(settings.map((s) => [s.name, []]));
for (let i = 0; i < Math.max(RUNS, SEQUENTIAL_RUNS); i++) for (const s of settings) if (i < s.runs) results.get(s.name)!.push(await runOnce(s.jobs));

const medians: number[] = [];
for (const s of settings.filter((x) => x.runs > 0)) {
  const runs = results.get(s.name)!;
  const walls = runs.map((r) => r.wallMs / 1000);
  const longest = runs.map((r) => [...r.report.checks].sort((a, b) => b.durationMs - a.durationMs)[0]!);
  medians.push(median(walls));
  console.log(`\n${s.name}`);
  console.log(`  wall            ${walls.map((w) => `${w.toFixed(1)} s`).join(', ')}; median ${median(walls).toFixed(1)} s`);
  console.log(`  longest check   ${longest.map((c) => `${c.id} ${(c.durationMs / 1000).toFixed(1)} s`).join(', ')}`);
  console.log(`  peak memory     ${runs.map((r) => `${(r.peakBytes / 1024 ** 3).toFixed(2)} GB`).join(', ')} (process tree RSS)`);
  console.log(`  summary         ${runs.map((r) => `exit ${r.code} ${JSON.stringify(r.report.summary)}`).join(' ')}`);
}
if (medians.length === 2) console.log(`\nratio of medians (--jobs 1 / default): ${(medians[0]! / medians[1]!).toFixed(2)}`);
const verdicts = (r: Report) => JSON.stringify(Object.fromEntries(r.checks.map((c) => [c.id, c.verdict])));
const all = [...results.values()].flat().map((r) => verdicts(r.report));
console.log(`verdicts identical across every run of both settings: ${all.every((v) => v === all[0]) ? 'yes' : 'NO'}`);
