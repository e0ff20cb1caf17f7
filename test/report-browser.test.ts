// The HTML report and the merge matrix in a real browser (Debian's chromium driven by
// playwright-core): generated from real runs, opened from disk, filtered like a reviewer would,
// and photographed under reports/ (kept as CI artefacts).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { runCli } from './support/cli.js';
import { nodeFixtureRun } from './support/known-answers.js';

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
  });
});
