// `run()` for scripts and other tools: the same run as `ba-conformance run`, from a config file or
// a config object, without the console. The CLI's flags and BA_CONFORMANCE_* variables do not
// apply here; overrides are passed explicitly.
import path from 'node:path';
import type { ConformanceConfig, Overrides } from './config/config.js';
import { configIn, loadConfigFile, resolveConfig } from './config/config.js';
import type { RunOutcome } from './run/run.js';
import { runConformance } from './run/run.js';

export interface RunOptions {
  /** A config file (relative to `cwd`), or the config itself; default: conformance.config.ts in `cwd` when present. */
  config?: string | ConformanceConfig;
  /** Where a config file is looked for, and what a config object's relative paths (cwd, OpenAPI file, baseline) resolve against. Default: the working directory. */
  cwd?: string;
  /** Settings that win over the config, as flags do. */
  overrides?: Overrides;
  /** Progress lines (the CLI's stderr); silent by default. */
  log?: (line: string) => void;
}

/** Runs the checks and writes the reports (report.outDir is relative to the process's working directory, as for the CLI); resolves with the report and the exit code the CLI would give. */
export async function run(options: RunOptions = {}): Promise<RunOutcome> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const fromFile = typeof options.config === 'object' ? configIn(cwd, options.config as Record<string, unknown>) : await loadConfigFile(options.config, cwd);
  const config = resolveConfig(fromFile, ...(options.overrides ? [options.overrides] : []));
  return runConformance(config, options.log ?? (() => {}));
}
