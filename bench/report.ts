// Report benchmark: how long each writer takes to render a report.json, and how big its file is;
// `list` (collecting the catalogue from the suites) timed too. Give it a full run's report.json
// (the README's first command writes reports/report.json).
// Usage: npm run bench:report [-- --report reports/report.json --runs 20]
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { htmlReport } from '../harness/report/html.js';
import { junitXml } from '../harness/report/junit.js';
import { markdownSummary } from '../harness/report/markdown.js';
import { matrixHtml } from '../harness/report/matrix.js';
import { readReport } from '../harness/report/read.js';
import { sarifLog } from '../harness/report/sarif.js';
import { loadCatalogue } from '../harness/run/catalogue.js';

const { values } = parseArgs({ options: { report: { type: 'string', default: 'reports/report.json' }, runs: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const report = await readReport(values.report);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`input: ${values.report}: ${report.checks.length} checks, ${report.checks.reduce((n, c) => n + c.evidence.length, 0)} exchanges, ${(JSON.stringify(report).length / 1e6).toFixed(2)} MB`);
const writers: [string, () => string][] = [
  ['report.html', () => htmlReport(report, { reportSha256: '0'.repeat(64) })],
  ['junit.xml', () => junitXml(report)],
  ['summary.md', () => markdownSummary(report)],
  ['report.sarif', () => JSON.stringify(sarifLog(report))],
  ['matrix.html (10 copies)', () => matrixHtml(Array.from({ length: 10 }, (_, i) => ({ name: `svc-${i}`, report })))],
];
for (const [name, render] of writers) {
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    size = render().length;
    times.push(performance.now() - started);
  }
  console.log(`${name.padEnd(24)} median ${median(times).toFixed(1)} ms, ${(size / 1e3).toFixed(0)} kB (n=${RUNS})`);
}
const started = performance.now();
const entries = await loadCatalogue();
console.log(`${'list (catalogue)'.padEnd(24)} ${(performance.now() - started).toFixed(0)} ms for ${entries.length} checks (one run)`);
