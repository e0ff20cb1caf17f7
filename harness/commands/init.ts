// `ba-conformance init`: writes a commented conformance.config.ts to start from, generated from the
// settings' table (config/template.ts). It imports defineConfig from 'better-auth-conformance', which
// the config loader points at the running tool, so the file loads wherever it is written, with the
// package installed in that tree or not.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { HarnessError } from '../errors.js';
import { configTemplate } from '../config/template.js';

export async function writeExampleConfig(file: string, force: boolean): Promise<string> {
  const full = path.resolve(file);
  if (existsSync(full) && !force) {
    throw new HarnessError('USAGE', `${full} exists already`, { hint: 'pass --force to overwrite it, or --out <file> to write elsewhere' });
  }
  await writeFile(full, configTemplate());
  return full;
}

export function initCommand(): Command {
  return new Command('init')
    .description('write a commented example conformance.config.ts')
    .option('--out <file>', 'where to write it', 'conformance.config.ts')
    .option('--force', 'overwrite an existing file')
    .action(async (flags: { out: string; force?: boolean }) => {
      const file = await writeExampleConfig(flags.out, Boolean(flags.force));
      process.stdout.write(`wrote ${file}\nedit target.baseUrl and target.protectedPath, then: npx ba-conformance run --config ${path.relative(process.cwd(), file) || file}\n`);
    });
}
