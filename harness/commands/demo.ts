// `ba-conformance demo`: the whole product in one command. Runs the checks against the bundled
// example backend twice, as the secure reference and with one known flaw, then writes the matrix
// of the two: the flaw's checks are the only ones that differ.
import path from 'node:path';
import { Command, Option } from 'commander';
import { fixtureBackend } from '../../fixtures/backends/manifest.js';
import { loadConfigFile, resolveConfig } from '../config/config.js';
import type { RunIssuerMode } from '../issuer/capabilities.js';
import { PACKAGE_ROOT } from '../paths.js';
import { summaryLine } from '../report-model.js';
import { runConformance } from '../run/run.js';
import { consoleProgress } from '../terminal.js';
import { writeMatrix } from './merge.js';
import { issuerModeOption, onlyOption, skipOption } from './options.js';

const EXAMPLE = path.join(PACKAGE_ROOT, 'fixtures/conformance.example.config.ts');
/** The example backend's flaws, as the fixture manifest lists them (the fixture itself loads only when run). */
const FLAW_NAMES = fixtureBackend('node-express-jose').variants.map((v) => v.name);

interface DemoFlags {
  flaw: string;
  out: string;
  only?: string[];
  skip?: string[];
  issuerMode?: RunIssuerMode;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the checks against the bundled reference backend and one flawed copy, and write both reports and their matrix')
    .addOption(new Option('--flaw <name>', 'the flaw of the second backend').choices(FLAW_NAMES).default('no-iss-aud-check'))
    .option('--out <dir>', 'where the two reports and matrix.html go', 'reports/demo')
    .addOption(onlyOption())
    .addOption(skipOption())
    .addOption(issuerModeOption())
    .action(async (flags: DemoFlags) => {
      const base = await loadConfigFile(EXAMPLE, PACKAGE_ROOT);
      const target = base.target as { start: string };
      const sources: string[] = [];
      let exitCode = 0;
      for (const [name, flaw] of [['reference', undefined], [flags.flaw, flags.flaw]] as const) {
        process.stderr.write(`\n== ${name}: the example backend${flaw ? ` with FLAW=${flaw}` : ' (secure reference)'}\n`);
        const config = resolveConfig(
          { ...base, target: { ...target, cwd: PACKAGE_ROOT, start: flaw ? `FLAW=${flaw} ${target.start}` : target.start } },
          { report: { outDir: path.join(flags.out, name) }, only: flags.only, skip: flags.skip, issuer: { mode: flags.issuerMode } },
        );
        const outcome = await runConformance(config, (line) => process.stderr.write(`${line}\n`), consoleProgress());
        process.stdout.write(`${name}: ${summaryLine(outcome.report.summary)} (${path.relative(process.cwd(), outcome.reportFile)})\n`);
        // The reference must pass its gate and the flaw must be caught; anything else is worth an exit code.
        if ((flaw === undefined) !== (outcome.exitCode === 0)) exitCode = 3;
        sources.push(`${name}=${outcome.reportFile}`);
      }
      const matrix = await writeMatrix(sources, path.join(flags.out, 'matrix.html'));
      process.stdout.write(`matrix: ${matrix}\n`);
      process.exitCode = exitCode;
    });
}
