// The check catalogue, read from the suites themselves: Vitest collects the suite files (their
// top-level code declares every check with its metadata) without running a test, so `list` can
// never disagree with what `run` executes. The run-wide checks are added from their definitions.
import { createVitest } from 'vitest/node';
import type { CatalogueEntry, CheckMeta } from '../checks/model.js';
import { familyOf, selected } from '../checks/model.js';
import { HarnessError } from '../errors.js';
import { CODE_ROOT } from '../paths.js';
import { SUITES_MODULE_CACHE, SUITES_VITE, SUITE_PROJECTS, suiteProjects } from './projects.js';
import { RUN_WIDE_CHECKS } from './aggregate.js';

/** `projects`: the suite projects to read (all by default); the run-wide checks are added whatever they are. */
export async function loadCatalogue(filter: { only?: string[]; skip?: string[] } = {}, projects = SUITE_PROJECTS): Promise<CatalogueEntry[]> {
  const vitest = await createVitest('test', { root: CODE_ROOT, config: false, projects: suiteProjects(), project: projects, watch: false, reporters: [], ...SUITES_MODULE_CACHE }, SUITES_VITE);
  const byId = new Map<string, CheckMeta>();
  try {
    const { testModules } = await vitest.collect();
    for (const module of testModules) {
      const errors = module.errors();
      if (errors.length) throw new HarnessError('SUITES_UNREADABLE', `cannot read the checks of ${module.moduleId}: ${errors[0]!.message}`, { hint: 'reinstall with npm ci; if it persists, the suite file is broken' });
      for (const test of module.children.allTests()) {
        const meta = test.meta().catalogue;
        if (meta) byId.set(meta.id, meta);
      }
    }
  } finally {
    await vitest.close();
  }
  for (const meta of RUN_WIDE_CHECKS) byId.set(meta.id, meta);
  return [...byId.values()]
    .filter((meta) => selected(filter, meta.id))
    .map((meta) => ({ ...meta, family: familyOf(meta.id) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
