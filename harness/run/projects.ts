// The Vitest projects that hold the checks, for `run` and `list` (and vitest.config.ts in a checkout):
// inline, so the installed package needs no config file and runs its compiled suites.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import { CODE_EXTENSION, CODE_ROOT } from '../paths.js';
import { JWKS_SUITE_CHECKS } from '../../suites/jwks/project.js';

/**
 * Vite's cache (Vitest keeps its results and the transformed suites there) outside the package, whose
 * directory may be read-only once installed. One per installed copy: Vitest clears its module cache
 * whenever the lockfile beside the code differs from the one it last saw, and copies sharing one
 * directory (a checkout and an installed package) cleared it under each other's running workers.
 */
export const SUITES_VITE = { cacheDir: path.join(tmpdir(), 'ba-conformance-vite', createHash('sha256').update(CODE_ROOT).digest('hex').slice(0, 12)) };

/**
 * The suites as transformed for the workers, kept between runs beside Vite's cache (keyed by each
 * file's content and Vitest's version; written atomically): a run's workers read them instead of
 * transforming the harness again (a one-check run: 1 CPU-second less).
 */
export const SUITES_MODULE_CACHE = { experimental: { fsModuleCache: true, fsModuleCachePath: path.join(SUITES_VITE.cacheDir, 'modules') } };

export const SUITE_PROJECTS = ['suites', 'jwks'];

/**
 * The projects a selection may need: a run whose --only / --skip leaves out every check of the jwks
 * project starts neither its worker nor its labs. Conservative: a prefix that overlaps is kept.
 */
export function projectsFor(selection: { only?: string[] | undefined; skip?: string[] | undefined }): string[] {
  const holds = (p: string) => (!selection.only?.length || selection.only.some((o) => o.startsWith(p) || p.startsWith(o))) && !selection.skip?.some((s) => p.startsWith(s));
  return JWKS_SUITE_CHECKS.some(holds) ? SUITE_PROJECTS : SUITE_PROJECTS.filter((name) => name !== 'jwks');
}

/** `labs`: the JWKS checks run in labs of their own, so their family runs beside the others instead of after them. */
export function suiteProjects(options: { labs?: boolean } = {}): TestProjectInlineConfiguration[] {
  const jwks = `suites/jwks.suite.${CODE_EXTENSION}`;
  return [
    {
      test: {
        name: 'suites',
        include: [`suites/**/*.suite.${CODE_EXTENSION}`],
        exclude: [jwks],
        sequence: { groupOrder: 0 },
        // Checks wait on the network, not the CPU: threads without per-file isolation, and every
        // check of a family in flight at once.
        pool: 'threads',
        isolate: false,
        maxConcurrency: 64,
        testTimeout: 120_000,
        hookTimeout: 180_000,
      },
    },
    {
      test: {
        name: 'jwks',
        include: [jwks],
        // Without labs, after every other family (a higher group runs later): it rotates the run's
        // keys, breaks its JWKS, restarts its backend and counts fetches, so nothing else may run
        // beside it. In labs it touches neither, and runs beside the others. Its checks wait up to
        // jwks.waitBudgetS each, and in labs wait for a free lab first.
        sequence: { groupOrder: options.labs ? 0 : 1 },
        pool: 'threads',
        isolate: false,
        maxConcurrency: 64,
        testTimeout: 3_600_000,
        hookTimeout: 180_000,
      },
    },
  ];
}
