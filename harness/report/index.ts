// The report files a run leaves besides report.json, by format name.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from '../run/report.js';
import { junitXml } from './junit.js';
import { markdownSummary } from './markdown.js';
import { sarifLog } from './sarif.js';

export const REPORT_FORMATS = ['json', 'junit', 'markdown', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const FILES: Record<Exclude<ReportFormat, 'json'>, { file: string; render: (report: Report, options: { strict: boolean }) => string }> = {
  junit: { file: 'junit.xml', render: junitXml },
  markdown: { file: 'summary.md', render: markdownSummary },
  sarif: { file: 'report.sarif', render: (report) => `${JSON.stringify(sarifLog(report), null, 2)}\n` },
};

/** Writes the formats other than json (report.json is always written) next to it; returns their paths. */
export async function writeFormats(report: Report, outDir: string, formats: readonly ReportFormat[], options: { strict: boolean }): Promise<string[]> {
  const written: string[] = [];
  for (const format of formats) {
    if (format === 'json') continue;
    const { file, render } = FILES[format];
    const full = path.join(outDir, file);
    await writeFile(full, render(report, options));
    written.push(full);
  }
  return written;
}
