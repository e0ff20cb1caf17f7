// defineConfig on its own, without the schema: a config file's `import ... from 'better-auth-conformance'`
// is pointed here (config.ts), so loading a config does not load the tool a second time.
import type { ConformanceConfig } from './schema.js';

/** Identity function that gives a config file its types. */
export function defineConfig(config: ConformanceConfig): ConformanceConfig {
  return config;
}
