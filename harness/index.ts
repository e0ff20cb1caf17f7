// The package's public entry ('better-auth-conformance'): defineConfig for config files, the types of
// a config and of report.json, and run() for scripts. The CLI is bin/ba-conformance.js.
export { defineConfig } from './config/define.js';
export type { ConformanceConfig, Overrides, ResolvedConfig } from './config/config.js';
export { run } from './api.js';
export type { RunOptions } from './api.js';
export type { RunOutcome } from './run/run.js';
export type { Gate, Report, Summary } from './report-model.js';
export type { WaiverOutcome } from './report-model.js';
export type { CheckMeta, CheckRecord, DecodedToken, Exchange, Family, Severity, Verdict } from './checks/model.js';
