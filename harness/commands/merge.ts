// `ba-conformance merge`: one HTML matrix of backends x checks (and matrix.json) from several
// report.json files; with --over-time, one backend's runs as a trend (trend.html, trend.json). A file
// is given as `name=path` or as a path, named after its directory.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { matrixHtml, matrixJson } from '../report/matrix.js';
import type { MatrixColumn } from '../report/matrix.js';
import { readReport } from '../report/read.js';
import { orderRuns, trendHtml, trendJson } from '../report/trend.js';

/** Each report, named (name=path, else its directory; a repeated name numbered), with its report.html when there is one. */
async function namedReports(sources: string[], relativeTo: string): Promise<MatrixColumn[]> {
  const columns: MatrixColumn[] = [];
  for (const source of sources) {
    const eq = source.indexOf('=');
    const [given, reportFile] = eq > 0 ? [source.slice(0, eq), source.slice(eq + 1)] : [undefined, source];
    const report = await readReport(reportFile);
    const dir = path.dirname(path.resolve(reportFile));
    const base = given ?? path.basename(dir);
    const taken = (n: string) => columns.some((c) => c.name === n);
    let name = base;
    for (let i = 2; taken(name); i++) name = `${base} (${i})`;
    const html = path.join(dir, 'report.html');
    columns.push({ name, report, ...(existsSync(html) ? { htmlHref: path.relative(relativeTo, html).split(path.sep).join('/') } : {}) });
  }
  return columns;
}

/** Reads the reports and writes <out> and matrix.json beside it; returns the matrix's path. */
export async function writeMatrix(sources: string[], out: string): Promise<string> {
  const file = path.resolve(out);
  const columns = await namedReports(sources, path.dirname(file));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, matrixHtml(columns));
  await writeFile(path.join(path.dirname(file), 'matrix.json'), `${JSON.stringify(matrixJson(columns), null, 2)}\n`);
  return file;
}

/** Reads one backend's reports and writes <out> and trend.json beside it; returns the trend's path. */
export async function writeTrend(sources: string[], out: string): Promise<string> {
  const file = path.resolve(out);
  const runs = orderRuns(await namedReports(sources, path.dirname(file)));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, trendHtml(runs));
  await writeFile(path.join(path.dirname(file), 'trend.json'), `${JSON.stringify(trendJson(runs), null, 2)}\n`);
  return file;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('write one HTML matrix of backends x checks (the Autobahn view) from several report.json files, or with --over-time one backend\'s runs as a trend')
    .argument('<reports...>', 'report.json files, each as a path or name=path')
    .option('--over-time', "the reports are one backend's successive runs: which checks changed verdict, when (trend.html and trend.json)")
    .option('--out <file>', 'the matrix file (matrix.json is written beside it); with --over-time, the trend file (default reports/trend.html)')
    .action(async (reports: string[], flags: { out?: string; overTime?: boolean }) => {
      if (flags.overTime) {
        const file = await writeTrend(reports, flags.out ?? 'reports/trend.html');
        process.stdout.write(`trend: ${file} (${reports.length} runs)\n`);
        return;
      }
      const file = await writeMatrix(reports, flags.out ?? 'reports/matrix.html');
      process.stdout.write(`matrix: ${file} (${reports.length} backends)\n`);
    });
}
