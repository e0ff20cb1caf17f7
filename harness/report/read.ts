// Reading a report.json back (merge, demo): the parts the matrix needs are checked, so a wrong file
// is named with what is wrong instead of failing somewhere in rendering.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FAMILIES, SEVERITIES, VERDICTS } from '../checks/model.js';
import { HarnessError } from '../errors.js';
import type { Report } from '../report-model.js';
import { REPORT_SCHEMA_VERSION } from '../report-model.js';

const reportShape = z.looseObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  run: z.looseObject({ id: z.string(), startedAt: z.string() }),
  target: z.looseObject({ baseUrl: z.string() }),
  summary: z.looseObject({ pass: z.number(), fail: z.number() }),
  checks: z.array(z.looseObject({ id: z.string(), verdict: z.enum(VERDICTS), severity: z.enum(SEVERITIES), family: z.enum(FAMILIES), observed: z.string() })),
});

export async function readReport(file: string): Promise<Report> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new HarnessError('REPORT_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { hint: 'give the report.json files that `ba-conformance run` wrote' });
  }
  const parsed = reportShape.safeParse(data);
  if (!parsed.success) {
    throw new HarnessError('REPORT_UNREADABLE', `${file} is not a ba-conformance report.json (schema ${REPORT_SCHEMA_VERSION}):\n${z.prettifyError(parsed.error)}`);
  }
  return data as Report;
}
