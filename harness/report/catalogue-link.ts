// Where a check is described. The repository keeps the generated catalogue in docs/checks.md; every
// report directory gets its own copy (checks.md, the entries of the checks in that report), so a
// report's links resolve wherever it is opened: the artifact, a download, a laptop. Where the team
// publishes the catalogue (report.catalogueUrl: the Action passes its own repository's), links are
// absolute, and resolve in a job summary or a pull-request comment too.
import type { Report } from '../report-model.js';

/** The generated catalogue, relative to the ba-conformance repository's root. */
export const CATALOGUE_FILE = 'docs/checks.md';

/** The catalogue written beside report.json: report.html, summary.md and report.sarif link into it. */
export const REPORT_CATALOGUE_FILE = 'checks.md';

/** The catalogue entry of a check, as `report` links it: `<catalogueUrl>#SIG-ALG-NONE`, else `checks.md#SIG-ALG-NONE` beside the report. */
export const catalogueLink = (report: Pick<Report, 'tool'>, id: string): string => `${report.tool.catalogueUrl ?? REPORT_CATALOGUE_FILE}#${id}`;

/** Where that is, in words. */
export const catalogueWhere = (report: Pick<Report, 'tool'>): string => (report.tool.catalogueUrl ? 'the published catalogue' : `${REPORT_CATALOGUE_FILE}, written beside this report`);
