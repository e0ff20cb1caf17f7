// `ba-conformance list`: the check catalogue, filtered like a run (--only/--skip by ID prefix,
// --severity, --family), as a table or JSON. Nothing is started and nothing is sent: a dry run.
import { Command, Option } from 'commander';
import { FAMILIES, SEVERITIES } from '../checks/model.js';
import type { Family, Severity } from '../checks/model.js';
import { loadCatalogue } from '../run/catalogue.js';
import { onlyOption, skipOption } from './options.js';

interface ListFlags {
  only?: string[];
  skip?: string[];
  severity?: Severity[];
  family?: Family[];
  json?: boolean;
  references?: boolean;
}

export function listCommand(): Command {
  return new Command('list')
    .description('print the check catalogue (what `run` would execute with the same --only/--skip), without running anything')
    .addOption(onlyOption())
    .addOption(skipOption())
    .addOption(new Option('--severity <severities...>', 'only these severities').choices(SEVERITIES))
    .addOption(new Option('--family <families...>', 'only these families').choices(FAMILIES))
    .option('--references', 'also print each check\'s requirement and references')
    .option('--json', 'print JSON (id, title, family, severity, requirement, references, expected)')
    .action(async (flags: ListFlags) => {
      const entries = (await loadCatalogue({ ...(flags.only ? { only: flags.only } : {}), ...(flags.skip ? { skip: flags.skip } : {}) })).filter(
        (e) => (!flags.severity || flags.severity.includes(e.severity)) && (!flags.family || flags.family.includes(e.family)),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      const lines = entries.map((e) => {
        const row = `${e.id.padEnd(32)} ${e.severity.padEnd(8)} ${e.title}`;
        return flags.references ? `${row}\n${''.padEnd(41)}${e.requirement}\n${''.padEnd(41)}${e.references.join('; ')}` : row;
      });
      const families = new Set(entries.map((e) => e.family)).size;
      process.stdout.write(`${lines.join('\n')}\n\n${entries.length} checks in ${families} families\n`);
    });
}
