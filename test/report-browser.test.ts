// The HTML report and the merge matrix in a real browser (Debian's chromium driven by
// playwright-core): generated from real runs, opened from disk, filtered like a reviewer would,
// and photographed under reports/ (kept as CI artefacts).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { runCli } from './support/cli.js';
import { OUTCOME_COLOUR } from '../harness/report/timeline-svg.js';
import { FAST_JWKS_BOUNDS, nodeFixtureRun } from './support/known-answers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, 'reports');
// .ci/run installs chromium; outside CI a machine without it skips, in CI its absence fails.
const testable = existsSync(CHROMIUM) || Boolean(process.env.CI);

describe.skipIf(!testable)('the HTML reports in chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    await mkdir(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a file; any script error on the page fails the test. */
  async function open(file: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(pathToFileURL(file).href);
    return { page, errors };
  }

  it('report.html: the filters show exactly the checks they select, and a check shows its decoded token', async () => {
    const run = await nodeFixtureRun('alg-none', 'process', ['--only', 'CTL-', 'SIG-ALG', 'KEY-EMBEDDED', '--format', 'html']);
    const { page, errors } = await open(path.join(path.dirname(run.reportFile), 'report.html'));
    const checks = run.report.checks;
    const visible = () => page.locator('details.check:not(.hidden)');
    await expect.poll(() => page.textContent('#shown')).toBe(`${checks.length} of ${checks.length} checks shown`);

    await page.click('#findings-only');
    const findings = checks.filter((c) => ['FAIL', 'ERROR', 'NON-STRICT'].includes(c.verdict));
    expect(findings.length).toBeGreaterThan(0);
    expect((await visible().evaluateAll((els) => els.map((e) => e.id))).sort()).toEqual(findings.map((c) => c.id).sort());

    await page.click('#show-all');
    await page.uncheck('input[data-axis=family][value=SIG]');
    const families = await visible().evaluateAll((els) => els.map((e) => e.getAttribute("data-family")));
    expect(families.length).toBe(checks.filter((c) => c.family !== 'SIG').length);
    expect(families).not.toContain('SIG');

    await page.click('#show-all');
    await page.fill('#search', 'key-embedded');
    expect(await visible().evaluateAll((els) => els.map((e) => e.id))).toEqual(['KEY-EMBEDDED-JWK']);

    await page.click('#show-all');
    await page.click('#findings-only');
    const forged = page.locator('details.check#SIG-ALG-NONE');
    await forged.locator('summary').first().click();
    // The exchange is picked by its label: the check sends its spellings of none concurrently.
    const exchange = forged.locator('details.exchange').filter({ has: page.locator('summary', { hasText: /\. alg: none, kid kept /u }) });
    await exchange.locator('summary').click();
    await expect.poll(() => exchange.locator('pre').nth(1).innerText()).toContain('"alg": "none"');
    await page.screenshot({ path: path.join(SHOTS, 'html-report.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("timelines: each time-bound JWKS check draws its requests, fetches and key changes as in report.json, with the bound as a line, in report.html and side by side in the matrix", async () => {
    const args = ['--only', 'JWKS-ROTATE-NEWKID', 'JWKS-REVOKE-PROPAGATION', ...FAST_JWKS_BOUNDS, '--format', 'html'];
    const [reference, cached] = await Promise.all([nodeFixtureRun(undefined, 'process', args), nodeFixtureRun('jwks-cache-forever', 'process', args)]);
    const { page, errors } = await open(path.join(path.dirname(reference.reportFile), 'report.html'));
    for (const id of ['JWKS-ROTATE-NEWKID', 'JWKS-REVOKE-PROPAGATION']) {
      const timeline = reference.report.checks.find((c) => c.id === id)?.timeline;
      expect(timeline, id).toBeDefined();
      const [lane] = timeline!.lanes;
      // What the check did is on the picture, every request (not only the evidence's sample) and every fetch.
      expect(lane!.requests.length, id).toBeGreaterThan(reference.report.checks.find((c) => c.id === id)!.evidence.length);
      expect(lane!.fetches.length, id).toBeGreaterThan(0);
      expect(lane!.events.map((e) => e.kind), id).toContain(id === 'JWKS-ROTATE-NEWKID' ? 'key-published' : 'key-removed');
      const svg = page.locator(`details.check#${id} svg.timeline`);
      await expect.poll(() => svg.count()).toBe(1);
      const outcomes = lane!.requests.map((r) => OUTCOME_COLOUR[r.outcome]);
      for (const fill of new Set(outcomes)) expect(await svg.locator(`rect.request[fill="${fill}"]`).count(), `${id}: requests drawn in ${fill}`).toBe(outcomes.filter((f) => f === fill).length);
      expect(await svg.locator('rect.fetch').count(), `${id}: fetches`).toBe(lane!.fetches.length);
      expect(await svg.locator('line.bound').count(), `${id}: the bound`).toBe(1);
      expect(timeline!.bound!.label).toBe(id === 'JWKS-ROTATE-NEWKID' ? 'jwks.maxRotationDelayS (5 s)' : 'jwks.maxCacheAgeS (10 s)');
    }
    const rotation = page.locator('details.check#JWKS-ROTATE-NEWKID');
    await rotation.locator('summary').first().click();
    await rotation.locator('svg.timeline').screenshot({ path: path.join(SHOTS, 'timeline.png') });
    expect(errors).toEqual([]);

    const out = path.join(await mkdtemp(path.join(tmpdir(), 'ba-matrix-')), 'matrix.html');
    expect((await runCli(['merge', `reference=${reference.reportFile}`, `cache-forever=${cached.reportFile}`, '--out', out])).code).toBe(0);
    const matrix = await open(out);
    // The same picture per backend, side by side: the backend that keeps a removed key shows it accepted past the bound
    // (NON-STRICT past the bound, reported under JWKS-ROTATE-NEWKID where that finds it never refetches).
    expect(await matrix.page.locator('#timeline-JWKS-REVOKE-PROPAGATION + .timelines svg.timeline').count()).toBe(2);
    expect(cached.report.checks.find((c) => c.id === 'JWKS-REVOKE-PROPAGATION')?.verdict).toBe('NON-STRICT');
    await matrix.page.locator('#timeline-JWKS-REVOKE-PROPAGATION + .timelines').screenshot({ path: path.join(SHOTS, 'matrix-timelines.png') });
    expect(matrix.errors).toEqual([]);
  });

  it('merge: the matrix of two backends shows the differing checks', async () => {
    const args = ['--only', 'CTL-', 'SIG-ALG-NONE', 'SIG-BITFLIP', '--format', 'html'];
    const [reference, flawed] = await Promise.all([nodeFixtureRun(undefined, 'process', args), nodeFixtureRun('alg-none', 'process', args)]);
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'ba-matrix-')), 'matrix.html');
    const merged = await runCli(['merge', `reference=${reference.reportFile}`, `alg-none=${flawed.reportFile}`, '--out', out]);
    expect(merged.code).toBe(0);
    const { page, errors } = await open(out);
    const differing = reference.report.checks.filter((c) => flawed.report.checks.find((f) => f.id === c.id)?.verdict !== c.verdict).map((c) => c.id);
    expect(differing).toEqual(expect.arrayContaining(['SIG-ALG-NONE', 'SIG-ALG-NONE-KEEP-SIG']));
    await page.selectOption('#mode', 'differ');
    const rows = await page.locator('tr.check:not(.hidden) code').allInnerTexts();
    expect(rows.sort()).toEqual(differing.sort());
    // Each cell links to that backend's own report, at the check.
    const href = await page.locator('tr.check:not(.hidden) a.v-FAIL').first().getAttribute('href');
    expect(href).toMatch(/report\.html#SIG-ALG-NONE/);
    await page.screenshot({ path: path.join(SHOTS, 'matrix.png'), fullPage: true });
    expect(errors).toEqual([]);

    // The same two runs as one backend's history (one release refuses alg none, the other does not): the trend
    // names each check that changed, from what to what, in which run, in the order the runs started (the two
    // above ran side by side), whatever order the files are given in.
    const trendFile = path.join(path.dirname(out), 'trend.html');
    const named = [{ name: 'refuses-none', run: reference }, { name: 'takes-none', run: flawed }];
    const [first, second] = [...named].sort((a, b) => a.run.report.run.startedAt.localeCompare(b.run.report.run.startedAt));
    const trended = await runCli(['merge', '--over-time', `${second!.name}=${second!.run.reportFile}`, `${first!.name}=${first!.run.reportFile}`, '--out', trendFile]);
    expect(trended.code, trended.stderr).toBe(0);
    const trend = JSON.parse(await readFile(path.join(path.dirname(trendFile), 'trend.json'), 'utf8')) as { runs: { name: string }[]; changes: { check: string; run: string; from: string; to: string }[] };
    expect(trend.runs.map((r) => r.name)).toEqual([first!.name, second!.name]);
    expect(trend.changes.map((c) => c.check).sort()).toEqual(differing.sort());
    const verdictIn = (r: typeof reference, id: string) => r.report.checks.find((c) => c.id === id)!.verdict;
    expect(trend.changes.find((c) => c.check === 'SIG-ALG-NONE')).toEqual({ check: 'SIG-ALG-NONE', run: second!.name, startedAt: second!.run.report.run.startedAt, from: verdictIn(first!.run, 'SIG-ALG-NONE'), to: verdictIn(second!.run, 'SIG-ALG-NONE') });
    const view = await open(trendFile);
    expect((await view.page.locator('tr.check:not(.hidden) code').allInnerTexts()).sort()).toEqual(differing.sort());
    expect(await view.page.locator('svg.trend rect').count()).toBeGreaterThan(1);
    await view.page.screenshot({ path: path.join(SHOTS, 'trend.png'), fullPage: true });
    expect(view.errors).toEqual([]);
    // Runs of two backends are not a history: refused, saying what to do instead.
    const other = path.join(path.dirname(out), 'other-backend.json');
    await writeFile(other, JSON.stringify({ ...reference.report, target: { ...reference.report.target, protectedPath: '/api/todos' } }));
    const mixed = await runCli(['merge', '--over-time', reference.reportFile, other, '--out', trendFile]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/compares runs of one backend.*run merge without --over-time/s);
  });
});
