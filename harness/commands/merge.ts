// `ba-conformance merge`: one HTML matrix of backends x checks (and matrix.json) from several
// report.json files. A file is given as `name=path` or as a path, named after its directory.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { matrixHtml, matrixJson } from '../report/matrix.js';
import type { MatrixColumn } from '../report/matrix.js';
import { readReport } from '../report/read.js';

/** Reads the reports and writes <out> and matrix.json beside it; returns the matrix's path. */
export async function writeMatrix(sources: string[], out: string): Promise<string> {
  const file = path.resolve(out);
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
    columns.push({ name, report, ...(existsSync(html) ? { htmlHref: path.relative(path.dirname(file), html).split(path.sep).join('/') } : {}) });
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, matrixHtml(columns));
  await writeFile(path.join(path.dirname(file), 'matrix.json'), `${JSON.stringify(matrixJson(columns), null, 2)}\n`);
  return file;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('write one HTML matrix of backends x checks (the Autobahn view) from several report.json files')
    .argument('<reports...>', 'report.json files, each as a path or name=path')
    .option('--out <file>', 'the matrix file (matrix.json is written beside it)', 'reports/matrix.html')
    .action(async (reports: string[], flags: { out: string }) => {
      const file = await writeMatrix(reports, flags.out);
      process.stdout.write(`matrix: ${file} (${reports.length} backends)\n`);
    });
}
