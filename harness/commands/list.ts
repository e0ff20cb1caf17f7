// `ba-conformance list`: the check catalogue, filtered like a run (--only/--skip by ID prefix,
// --severity, --family), as a table or JSON. With --issuer-mode (or --alg HS256) it says exactly what
// that mode runs and what it reports SKIP, with the reason. Nothing is started and nothing is sent.
import { prefixProblem } from '../config/check-prefix.js';
import { HarnessError } from '../errors.js';
import { Command, Option } from 'commander';
import { FAMILIES, SEVERITIES } from '../checks/model.js';
import type { Family, Severity } from '../checks/model.js';
import { plannedProfile } from '../issuer/capabilities.js';
import type { RunIssuerMode } from '../issuer/capabilities.js';
import { SHARED_SECRET_ALG } from '../issuer/protocol.js';
import { loadCatalogue } from '../run/catalogue.js';
import { taxonomyReferences } from '../report/references.js';
import { plan } from '../run/plan.js';
import type { PlannedEntry } from '../run/plan.js';
import { DEFAULT_ALGORITHMS } from '../issuer/options.js';
import { algOption, issuerModeOption, onlyOption, skipOption } from './options.js';

interface ListFlags {
  only?: string[];
  skip?: string[];
  severity?: Severity[];
  family?: Family[];
  json?: boolean;
  references?: boolean;
  issuerMode?: RunIssuerMode;
  alg?: string[];
  accounts?: boolean;
  plugin?: boolean;
  start: boolean;
}

export function listCommand(): Command {
  return new Command('list')
    .description('print the check catalogue (what `run` would execute with the same --only/--skip), without running anything')
    .addOption(onlyOption())
    .addOption(skipOption())
    .addOption(new Option('--severity <severities...>', 'only these severities').choices(SEVERITIES))
    .addOption(new Option('--family <families...>', 'only these families').choices(FAMILIES))
    .addOption(issuerModeOption())
    .addOption(algOption(`the harness issuer's algorithms (${SHARED_SECRET_ALG}: the shared-secret mode)`))
    .option('--accounts', 'external mode with configured test accounts (sign-up closed): no fresh users')
    .option('--plugin', "external mode with the conformance plugin on the team's Better Auth (issuer.token): the server's key signs the suite's tokens")
    .option('--no-start', 'the harness does not start the backend (no cold start: restart-backend is missing)')
    .option('--references', 'also print each check\'s requirement, references and weakness (CWE, CAPEC, OWASP API Top 10)')
    .option('--json', 'print JSON (id, title, family, severity, needs, requirement, references, taxonomy, expected; skip with a mode)')
    .action(async (flags: ListFlags) => {
      const problems = [...(flags.only ?? []).map((p) => ['--only', p]), ...(flags.skip ?? []).map((p) => ['--skip', p])].flatMap(([flag, p]) => {
        const problem = prefixProblem(p!);
        return problem ? [`${flag} ${problem}`] : [];
      });
      if (problems.length) throw new HarnessError('USAGE', problems.join('\n'));
      const catalogue = (await loadCatalogue({ ...(flags.only ? { only: flags.only } : {}), ...(flags.skip ? { skip: flags.skip } : {}) })).filter(
        (e) => (!flags.severity || flags.severity.includes(e.severity)) && (!flags.family || flags.family.includes(e.family)),
      );
      const planned = flags.issuerMode !== undefined || flags.alg !== undefined;
      const profile = plannedProfile(flags.issuerMode ?? 'auto', { sharedSecret: flags.alg?.[0] === SHARED_SECRET_ALG, accounts: Boolean(flags.accounts), startsBackend: flags.start, plugin: Boolean(flags.plugin) });
      // What list cannot know of a run's settings (an OpenAPI document, an identity endpoint, resources, a second issuer) counts as given;
      // labs, as the mode and a start command give them.
      const labs = Boolean(flags.start) && profile.capabilities.includes('keys');
      const facts = { openapi: true, identityPath: true, resources: true, labs, secondIssuer: flags.issuerMode !== 'external', ...(flags.issuerMode === 'external' ? {} : { algorithms: flags.alg ?? DEFAULT_ALGORITHMS }) };
      const entries: PlannedEntry[] = planned ? plan(catalogue, profile, facts) : catalogue;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      const lines = entries.map((e) => {
        const row = `${planned ? (e.skip ? 'SKIP ' : 'run  ') : ''}${e.id.padEnd(32)} ${e.severity.padEnd(8)} ${e.title}`;
        const indent = ''.padEnd(planned ? 46 : 41);
        const why = e.skip ? `\n${indent}${e.skip}` : '';
        return flags.references ? `${row}${why}\n${indent}${e.requirement}\n${indent}${e.references.join('; ')}\n${indent}${taxonomyReferences(e.taxonomy).join('; ')}` : `${row}${why}`;
      });
      const families = new Set(entries.map((e) => e.family)).size;
      const skipped = entries.filter((e) => e.skip).length;
      const tally = planned ? `; with ${profile.description}: ${entries.length - skipped} run, ${skipped} SKIP` : '';
      process.stdout.write(`${lines.join('\n')}\n\n${entries.length} checks in ${families} families${tally}\n`);
    });
}
