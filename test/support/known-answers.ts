// Shared by the known-answer files: running the CLI against a fixture backend, the committed
// expectations (fixtures/backends/*/expected/*.json), and a readable diff of verdicts.
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JWKS_SUITE_CHECKS } from '../../harness/checks/jwks-lab.js';
import type { CheckRecord } from '../../harness/checks/model.js';
import { REPO_ROOT } from '../../harness/issuer/bundle.js';
import { freePort } from '../../harness/net.js';
import type { Report } from '../../harness/run/report.js';
import { runCli } from './cli.js';

export const NODE_EXPECTED = path.join(REPO_ROOT, 'fixtures/backends/node/expected');
export const PYTHON_EXPECTED = path.join(REPO_ROOT, 'fixtures/backends/python/expected');

export const RUN_WIDE = ['CTL-PERSIST', 'ERR-NO-5XX', 'ERR-401-CHALLENGE', 'ERR-NO-LEAK'];
/** How the node backends' jose cache is tuned, and the JWKS bounds the suite judges it by. */
export const FAST_JWKS_BACKEND = 'JWKS_CACHE_MAX_AGE_MS=3000 JWKS_COOLDOWN_MS=1000';
export const FAST_JWKS_BOUNDS = ['--max-cache-age', '10', '--max-rotation-delay', '5', '--wait-budget', '20'];

export const inJwksFamily = (id: string) => JWKS_SUITE_CHECKS.some((p) => id.startsWith(p));

export interface Expectation {
  /** Default 1 for a flawed fixture: it has FAILs. */
  exitCode?: number;
  /** "JWKS": a flaw of key fetching, run with the JWKS family only; "all": every family (a backend that refuses everything). */
  family?: 'JWKS' | 'all';
  /** Check ID prefixes the run is limited to (a flaw of the handlers, run with the families that can see it). */
  only?: string[];
  /** The run's --protected path, when it is not the identity endpoint. */
  protectedPath?: string;
  verdicts?: Record<string, string>;
  differsFromReference?: Record<string, string>;
  explains?: string;
}

export async function expectation(name: string): Promise<Expectation> {
  return JSON.parse(await readFile(path.join(NODE_EXPECTED, `${name}.json`), 'utf8')) as Expectation;
}

/** The node flaws with committed expectations, each with its expectation. */
export async function nodeFlaws(): Promise<{ flaw: string; expected: Expectation }[]> {
  const names = (await readdir(NODE_EXPECTED)).filter((f) => f.endsWith('.json') && f !== 'reference.json').map((f) => f.replace(/\.json$/, ''));
  return Promise.all(names.map(async (flaw) => ({ flaw, expected: await expectation(flaw) })));
}

/** The reference's verdicts with the flaw's differences, for the checks that run selects. */
export async function expectedVerdicts(name: string, selected: (id: string) => boolean = () => true): Promise<Record<string, string>> {
  const all = { ...(await expectation('reference')).verdicts, ...(await expectation(name)).differsFromReference };
  return Object.fromEntries(Object.entries(all).filter(([id]) => selected(id)));
}

/** The flags that limit a flaw's run, and which checks that run reports. */
export function scopeOf({ family, only }: Expectation): { args: string[]; selected: (id: string) => boolean } {
  if (only) return { args: ['--only', ...only], selected: (id) => only.some((p) => id.startsWith(p)) || RUN_WIDE.includes(id) };
  if (family === 'all') return { args: FAST_JWKS_BOUNDS, selected: () => true };
  if (family === 'JWKS') return { args: ['--only', ...JWKS_SUITE_CHECKS, ...FAST_JWKS_BOUNDS], selected: (id) => inJwksFamily(id) || RUN_WIDE.includes(id) };
  return { args: ['--skip', ...JWKS_SUITE_CHECKS], selected: (id) => !inJwksFamily(id) };
}

export async function runSuite(args: string[]): Promise<{ code: number | null; report: Report; reportFile: string; stdout: string; stderr: string }> {
  const out = await mkdtemp(path.join(tmpdir(), 'ba-kat-'));
  // A generous request timeout: on a loaded CI machine a slow answer must not turn into an ERROR.
  const { code, stdout, stderr } = await runCli(['run', ...args, '--out', out, '--timeout', '15000']);
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

/** The node example backend (FLAW=flaw, or the reference) started by the CLI, with the issuer in `issuerMode`. */
export async function nodeFixtureRun(flaw: string | undefined, issuerMode: 'process' | 'container', extra: string[] = [], backendEnv = FAST_JWKS_BACKEND) {
  const port = await freePort();
  const start = `${flaw ? `FLAW=${flaw} ` : ''}${backendEnv} PORT=${port} exec node --import tsx fixtures/backends/node/server.ts`;
  const { protectedPath } = flaw ? await expectation(flaw) : {};
  // kat.config.ts adds what flags do not say: the todo resource and the OpenAPI document.
  return runSuite([
    '--config', 'fixtures/backends/node/kat.config.ts',
    '--target', `http://127.0.0.1:${port}`,
    '--identity', '/api/me',
    ...(protectedPath ? ['--protected', protectedPath] : []),
    '--start', start,
    '--issuer-mode', issuerMode,
    ...extra,
  ]);
}
