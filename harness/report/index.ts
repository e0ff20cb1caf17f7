// The report files a run leaves besides report.json, by format name; each is rendered from report.json alone.
import path from 'node:path';
import type { Report, ReportFormat } from '../report-model.js';
import { catalogueMarkdown } from './catalogue-doc.js';
import { REPORT_CATALOGUE_FILE } from './catalogue-link.js';
import { htmlReport } from './html.js';
import { junitXml } from './junit.js';
import { markdownSummary } from './markdown.js';
import { writePrivateFile } from './private-file.js';
import { harLog } from './har.js';
import { sarifLog } from './sarif.js';


export interface RenderOptions {
  /** SHA-256 of report.json as written, quoted as evidence that the rendered file belongs to it. */
  reportSha256?: string;
}

const FILES: Record<Exclude<ReportFormat, 'json'>, { file: string; render: (report: Report, options: RenderOptions) => string }> = {
  junit: { file: 'junit.xml', render: junitXml },
  markdown: { file: 'summary.md', render: markdownSummary },
  sarif: { file: 'report.sarif', render: (report) => `${JSON.stringify(sarifLog(report), null, 2)}\n` },
  html: { file: 'report.html', render: htmlReport },
  har: { file: 'report.har', render: (report) => `${JSON.stringify(harLog(report), null, 2)}\n` },
};

/** Writes the formats other than json (report.json is always written) next to it, and the catalogue entries they link to; returns their paths. */
export async function writeFormats(report: Report, outDir: string, formats: readonly ReportFormat[], options: RenderOptions): Promise<string[]> {
  const written: string[] = [];
  // The formats that link the catalogue get a copy of it beside them.
  if (formats.some((f) => f === 'markdown' || f === 'sarif' || f === 'html')) {
    const catalogue = path.join(outDir, REPORT_CATALOGUE_FILE);
    const entries = [...new Map(report.checks.map((c) => [c.id, c])).values()];
    await writePrivateFile(catalogue, catalogueMarkdown(entries, 'report'));
    written.push(catalogue);
  }
  for (const format of formats) {
    if (format === 'json') continue;
    const { file, render } = FILES[format];
    const full = path.join(outDir, file);
    await writePrivateFile(full, render(report, options));
    written.push(full);
  }
  return written;
}
