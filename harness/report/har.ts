// report.har: the exchanges the checks kept as evidence, as HAR 1.2 (W3C Web Performance draft, the
// format browsers' "Save all as HAR" and ZAP/Burp import), with every credential redacted as in
// report.json (it is rendered from it). Each entry names its check, verdict and label in the fields HAR
// keeps for tools (`_check`, `_verdict`, `_label`, `_outcome`, `_jwksFault`) and its comment.
import type { CheckRecord, Exchange } from '../checks/model.js';
import type { Report } from '../report-model.js';

interface HarHeader {
  name: string;
  value: string;
}

const headerList = (headers: Record<string, string | string[]>): HarHeader[] =>
  Object.entries(headers).flatMap(([name, value]) => [value].flat().flatMap((v) => v.split('\n').map((line) => ({ name, value: line }))));

const mimeOf = (headers: Record<string, string | string[]>): string => String([headers['content-type'] ?? ''].flat()[0] ?? '');

function entry(check: CheckRecord, e: Exchange, fallbackStart: string) {
  const url = new URL(e.request.url);
  const requestHeaders = headerList(e.request.headers);
  return {
    // Exchanges recorded before they carried their send time take the run's start.
    startedDateTime: e.at ?? fallbackStart,
    time: e.durationMs,
    request: {
      method: e.request.method,
      url: e.request.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: requestHeaders,
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(e.request.body !== undefined ? { postData: { mimeType: String(e.request.headers['content-type'] ?? 'application/json'), text: e.request.body } } : {}),
      headersSize: -1,
      bodySize: e.request.body !== undefined ? Buffer.byteLength(e.request.body) : 0,
    },
    response: e.response
      ? {
          status: e.response.status,
          statusText: '',
          httpVersion: 'HTTP/1.1',
          cookies: [],
          headers: headerList(e.response.headers),
          content: { size: Buffer.byteLength(e.response.bodyExcerpt), mimeType: mimeOf(e.response.headers), text: e.response.bodyExcerpt, ...(e.response.bodyTruncated ? { comment: `body ${e.response.bodyTruncated}` } : {}) },
          redirectURL: String([e.response.headers.location ?? ''].flat()[0] ?? ''),
          headersSize: -1,
          bodySize: -1,
        }
      : // No answer (a timeout, a reset): HAR's convention for a request that got none is status 0.
        { status: 0, statusText: e.error ?? 'no answer', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: '' }, redirectURL: '', headersSize: -1, bodySize: -1, _error: e.error ?? 'no answer' },
    cache: {},
    timings: { send: 0, wait: e.durationMs, receive: 0 },
    comment: `${check.id} (${check.verdict}): ${e.label}`,
    _check: check.id,
    _verdict: check.verdict,
    _label: e.label,
    _outcome: e.outcome,
    ...(e.jwksFault ? { _jwksFault: e.jwksFault } : {}),
  };
}

/** The HAR 1.2 log of every check's evidence, in the order of the report, each entry in the order its check kept it. */
export function harLog(report: Report) {
  return {
    log: {
      version: '1.2',
      creator: { name: report.tool.name, version: report.tool.version },
      pages: [],
      entries: report.checks.flatMap((c) => c.evidence.map((e) => entry(c, e, report.run.startedAt))),
      comment: `run ${report.run.id} against ${report.target.baseUrl}: the exchanges each check kept as evidence (bulk measurements keep a sample; report.json's timelines draw every request), credentials redacted as in report.json`,
    },
  };
}
