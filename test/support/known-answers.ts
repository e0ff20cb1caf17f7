// Shared by the known-answer files: running the CLI against a fixture backend, the committed
// expectations (fixtures/backends/*/expected/*.json), and a readable diff of verdicts.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JWKS_SUITE_CHECKS } from '../../suites/jwks/lab.js';
import type { CheckRecord, Severity } from '../../harness/checks/model.js';
import { REPO_ROOT } from '../../harness/issuer/bundle.js';
import { freePort } from '../../harness/net.js';
import type { Report } from '../../harness/report-model.js';
import { FIXTURES_DIR, fixtureBackend, goBuild, loadFixtureManifest, startCommand } from '../../fixtures/backends/manifest.js';
import type { FixtureBackend, FixtureVariant } from '../../fixtures/backends/manifest.js';
import { expect } from 'vitest';
import { runCli } from './cli.js';

export const NODE_EXPECTED = path.join(FIXTURES_DIR, 'node/expected');
export const NODE_FIXTURE = fixtureBackend('node-express-jose');

export const RUN_WIDE = ['CTL-PERSIST', 'ERR-NO-5XX', 'ERR-401-CHALLENGE', 'ERR-NO-LEAK'];
/** The JWKS bounds the suite judges the fixtures by (the manifest tunes their key caches short to match). */
export const FAST_JWKS_BOUNDS = ['--max-cache-age', '10', '--max-rotation-delay', '5', '--wait-budget', '20'];

export const inJwksFamily = (id: string) => JWKS_SUITE_CHECKS.some((p) => id.startsWith(p));

export interface Expectation {
  /** Default 1 for a flawed fixture: it has FAILs. */
  exitCode?: number;
  /** "JWKS": a flaw of key fetching, run with the JWKS family only; "all": every family (a backend that refuses everything). */
  family?: 'JWKS' | 'all';
  /** Why this run spends most of its time waiting (for tokens to expire): it runs beside the others, started when its file loads. */
  waits?: string;
  /** Check ID prefixes the run is limited to (a flaw of the handlers, run with the families that can see it). */
  only?: string[];
  /** The run's --protected path, when it is not the identity endpoint. */
  protectedPath?: string;
  verdicts?: Record<string, string>;
  /** Findings reported under another check's (sameCauseAs): exactly these, when given. */
  sameCause?: Record<string, string>;
  /** The severity these findings are reported with, where an outcome sets its own (a NON-STRICT low of a check whose FAIL is high). */
  severities?: Record<string, Severity>;
  differsFromReference?: Record<string, string>;
  explains?: string;
}

export async function readExpectation(file: string): Promise<Expectation> {
  return JSON.parse(await readFile(path.join(FIXTURES_DIR, file), 'utf8')) as Expectation;
}

/** The node example backend's expectation for the reference or one flaw. */
export async function expectation(name: string): Promise<Expectation> {
  return readExpectation(path.join('node/expected', `${name}.json`));
}

/** One known-answer run: a backend of the manifest, or one of its variants, with its expectation. */
export interface FixtureCase {
  backend: FixtureBackend;
  variant?: FixtureVariant;
  expected: Expectation;
  /** "backend" or "backend FLAW=variant", for test titles. */
  label: string;
}

/** Every backend of the manifest and every variant, each with its committed expectation. */
export async function fixtureCases(): Promise<FixtureCase[]> {
  const cases: FixtureCase[] = [];
  for (const backend of loadFixtureManifest()) {
    cases.push({ backend, expected: await readExpectation(backend.expected), label: backend.name });
    for (const variant of backend.variants) {
      cases.push({ backend, variant, expected: await readExpectation(variant.expected), label: `${backend.name} ${variant.name}` });
    }
  }
  return cases;
}

/** A full run of every family (the JWKS one included), or a run the expectation scopes to some families. */
export const runsJwksFamily = ({ variant, expected }: FixtureCase) => variant === undefined || (expected.family !== undefined && !expected.only);

/** The verdicts a case must give: its own, or its backend's with the variant's differences, for the checks its run selects. */
export async function verdictsOf({ backend, variant, expected }: FixtureCase, selected = caseScope({ variant, expected }).selected): Promise<Record<string, string>> {
  const all = expected.verdicts ?? { ...(await readExpectation(backend.expected)).verdicts, ...expected.differsFromReference };
  return Object.fromEntries(Object.entries(all).filter(([id]) => selected(id)));
}

/** The reference's verdicts with the flaw's differences, for the checks that run selects. */
export async function expectedVerdicts(name: string, selected: (id: string) => boolean = () => true): Promise<Record<string, string>> {
  return verdictsOf({ backend: NODE_FIXTURE, variant: NODE_FIXTURE.variants.find((v) => v.name === name), expected: await expectation(name), label: name }, selected);
}

/**
 * Why a Python or Go fixture cannot start here, if it cannot: fixtures/backends/setup builds their
 * venv and binary (.ci/run runs it; outside CI a machine without them skips).
 */
export function fixtureUnavailable(backend: FixtureBackend): string | undefined {
  const built = { node: undefined, python: 'fixtures/backends/python/.venv/bin/python', go: goBuild(backend)?.binary }[backend.language];
  if (built === undefined || existsSync(path.join(REPO_ROOT, built))) return undefined;
  return `${built} is missing: run bash fixtures/backends/setup`;
}

/** A backend runs every family; a variant as its expectation scopes it. */
export function caseScope({ variant, expected }: Pick<FixtureCase, 'variant' | 'expected'>): { args: string[]; selected: (id: string) => boolean } {
  return variant === undefined ? { args: FAST_JWKS_BOUNDS, selected: () => true } : scopeOf(expected);
}

/** The flags that limit a flaw's run, and which checks that run reports. */
export function scopeOf({ family, only }: Expectation): { args: string[]; selected: (id: string) => boolean } {
  if (only) return { args: ['--only', ...only], selected: (id) => only.some((p) => id.startsWith(p)) || RUN_WIDE.includes(id) };
  if (family === 'all') return { args: FAST_JWKS_BOUNDS, selected: () => true };
  if (family === 'JWKS') return { args: ['--only', ...JWKS_SUITE_CHECKS, ...FAST_JWKS_BOUNDS], selected: (id) => inJwksFamily(id) || RUN_WIDE.includes(id) };
  return { args: ['--skip', ...JWKS_SUITE_CHECKS], selected: (id) => !inJwksFamily(id) };
}

export async function runSuite(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null; report: Report; reportFile: string; stdout: string; stderr: string }> {
  const out = await mkdtemp(path.join(tmpdir(), 'ba-kat-'));
  // A generous request timeout: on a loaded CI machine a slow answer must not turn into an ERROR.
  const { code, stdout, stderr } = await runCli(['run', ...args, '--out', out, '--timeout', '15000'], env ? { env } : {});
  const reportFile = path.join(out, 'report.json');
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as Report;
  return { code, report, reportFile, stdout, stderr };
}

export function describeMismatches(expected: Record<string, string>, checks: CheckRecord[]): string[] {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const lines: string[] = [];
  for (const id of [...new Set([...Object.keys(expected), ...byId.keys()])].sort()) {
    const check = byId.get(id);
    if (expected[id] === check?.verdict) continue;
    lines.push(`${id}: expected ${expected[id] ?? '(no expectation)'}, got ${check?.verdict ?? '(not run)'}`);
    if (check) {
      lines.push(`    observed: ${check.observed}`);
      for (const e of check.evidence.slice(0, 3)) lines.push(`    evidence: ${e.label} -> ${e.response ? `${e.response.status} ${e.response.bodyExcerpt.slice(0, 100)}` : e.error}`);
    }
  }
  return lines;
}

/** A fixture backend (or one variant) started by the CLI from its manifest command, with the issuer in `issuerMode`. */
export async function fixtureRun(backend: FixtureBackend, variant: FixtureVariant | undefined, issuerMode: 'process' | 'container', extra: string[] = [], backendEnv = backend.env) {
  return runSuite(await fixtureRunArgs(backend, variant, issuerMode, extra, backendEnv));
}

/** The `run` options of fixtureRun (a fresh port for the backend the harness starts): the same options `reproduce` takes. */
export async function fixtureRunArgs(backend: FixtureBackend, variant: FixtureVariant | undefined, issuerMode: 'process' | 'container', extra: string[] = [], backendEnv = backend.env): Promise<string[]> {
  const port = await freePort();
  const expected = variant ? await readExpectation(variant.expected) : undefined;
  return [
    ...((variant?.config ?? backend.config) ? ['--config', (variant?.config ?? backend.config)!] : []),
    '--target', `http://127.0.0.1:${port}`,
    '--identity', '/api/me',
    ...(expected?.protectedPath ? ['--protected', expected.protectedPath] : []),
    '--start', startCommand(backend, variant, backendEnv),
    '--issuer-mode', issuerMode,
    '--alg', ...(variant?.algorithms ?? backend.algorithms),
    ...extra,
    // Last: a backend's own bounds (its key cache's real age) outweigh the suite's short defaults.
    ...(backend.args ?? []),
  ];
}

/** The node example backend (FLAW=flaw, or the reference), with the issuer in `issuerMode`. */
export async function nodeFixtureRun(flaw: string | undefined, issuerMode: 'process' | 'container', extra: string[] = [], backendEnv = NODE_FIXTURE.env) {
  const variant = flaw === undefined ? undefined : NODE_FIXTURE.variants.find((v) => v.name === flaw);
  if (flaw !== undefined && !variant) throw new Error(`no variant ${flaw} of ${NODE_FIXTURE.name} in the fixture manifest`);
  return fixtureRun(NODE_FIXTURE, variant, issuerMode, extra, backendEnv);
}

/**
 * With BA_KAT_REPORTS=<dir>, each case's report.json is kept there as <label>.json: what an
 * adjudication of the known answers reads (the evidence behind each verdict), not only the verdicts.
 */
async function keepForReview(c: FixtureCase, reportFile: string): Promise<void> {
  const dir = process.env.BA_KAT_REPORTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await copyFile(reportFile, path.join(dir, `${c.label.replace(/[^\w.-]+/g, '_')}.json`));
}

/** Runs one case (its report is kept with BA_KAT_REPORTS). */
export async function runCase(c: FixtureCase): Promise<CaseRun> {
  const run = await fixtureRun(c.backend, c.variant, 'process', caseScope(c).args);
  await keepForReview(c, run.reportFile);
  return run;
}
export type CaseRun = Awaited<ReturnType<typeof fixtureRun>>;

/** Runs one case and holds it to its committed verdicts and exit code. */
export async function expectKnownAnswer(c: FixtureCase): Promise<Report> {
  return holdToKnownAnswer(c, await runCase(c));
}

/** Holds a case's run to its committed verdicts and exit code. */
export async function holdToKnownAnswer(c: FixtureCase, { code, report, stderr }: CaseRun): Promise<Report> {
  expect(describeMismatches(await verdictsOf(c), report.checks), stderr).toEqual([]);
  if (c.expected.sameCause) {
    const linked = Object.fromEntries(report.checks.filter((r) => r.sameCauseAs).map((r) => [r.id, r.sameCauseAs]));
    expect(linked, 'findings reported under another check').toEqual(c.expected.sameCause);
  }
  if (c.expected.severities) {
    const reported = Object.fromEntries(Object.keys(c.expected.severities).map((id) => [id, report.checks.find((r) => r.id === id)?.severity]));
    expect(reported, 'the severities findings are reported with').toEqual(c.expected.severities);
  }
  expect(code, stderr).toBe(c.expected.exitCode ?? (c.variant ? 1 : 0));
  return report;
}
