// Loading the contract a user writes (conformance.config.ts with `export default defineConfig({...})`,
// its schema in schema.ts) and resolving it with the profile it names and the settings from the
// environment (CI) and flags (quick runs): flags win over the environment, which wins over the
// profile, which wins over the file (layers.ts, which also says where each setting came from).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';
import { z } from 'zod';
import { CODE_EXTENSION, PACKAGE } from '../paths.js';
import { HarnessError } from '../errors.js';
import { isLoopback } from '../net.js';
import { DEFAULT_SARIF_LOCATION } from '../report-model.js';
import { configSchema, unwrapped } from './schema.js';
import type { ResolvedConfig } from './schema.js';
import { mergeLayers, overrideLayer, sourceOf } from './layers.js';
import type { Layer } from './layers.js';
import type { Overrides } from './settings.js';

export type { ConformanceConfig, JwksSettings, ResolvedConfig } from './schema.js';
export type { Overrides } from './settings.js';
export type { Layer } from './layers.js';
export { defineConfig } from './define.js';

/** Set by loadConfigFile: the loaded file as a SARIF location, the default of report.sarifLocation. */
const LOADED_FROM = Symbol('sarif location of the config file');

/** The config file relative to the working directory (the repository root in CI); a file:// URI when it lies outside. */
function locationOf(full: string, cwd: string): string {
  const relative = path.relative(cwd, full);
  return relative.startsWith('..') || path.isAbsolute(relative) ? pathToFileURL(full).href : relative.split(path.sep).join('/');
}

/** Set by loadConfigFile: the directory of the loaded file, where the start command runs unless a flag replaced it. */
const LOADED_DIR = Symbol('directory of the config file');

/** Looked for in the working directory when no --config is given, in this order. */
export const CONFIG_FILE_NAMES = ['conformance.config.ts', 'conformance.config.mts', 'conformance.config.js', 'conformance.config.mjs'];

/** What `import ... from 'better-auth-conformance'` in a config loads: the running tool's defineConfig, installed there or not. */
const DEFINE_MODULE = fileURLToPath(new URL(`./define.${CODE_EXTENSION}`, import.meta.url));

/** Paths in a config file are relative to the file: its cwd, a baseline, an OpenAPI file (not a "/path" on the backend or a URL), the issuer's CA. */
function rebase(config: Record<string, any>, dir: string): Record<string, any> {
  const target = config.target && typeof config.target === 'object' ? { ...config.target } : undefined;
  const report = config.report && typeof config.report === 'object' ? { ...config.report } : undefined;
  if (typeof target?.cwd === 'string') target.cwd = path.resolve(dir, target.cwd);
  if (typeof target?.openapi === 'string' && !/^[a-z][a-z0-9+.-]*:|^\//i.test(target.openapi)) target.openapi = pathToFileURL(path.resolve(dir, target.openapi)).href;
  if (typeof report?.baseline === 'string') report.baseline = path.resolve(dir, report.baseline);
  const issuer = config.issuer && typeof config.issuer === 'object' ? { ...config.issuer } : undefined;
  if (typeof issuer?.ca === 'string') issuer.ca = path.resolve(dir, issuer.ca);
  return { ...config, ...(target ? { target } : {}), ...(report ? { report } : {}), ...(issuer ? { issuer } : {}) };
}

/** A config as if written in a file in `dir`: its relative paths resolve against `dir`, where its start command runs. */
export function configIn(dir: string, config: Record<string, unknown>): Record<string, unknown> {
  return { ...rebase(config, dir), [LOADED_DIR]: dir };
}

export async function loadConfigFile(file: string | undefined, cwd: string): Promise<Record<string, unknown>> {
  const candidate = file ?? CONFIG_FILE_NAMES.find((name) => existsSync(path.join(cwd, name)));
  if (!candidate) return {};
  const full = path.resolve(cwd, candidate);
  if (!existsSync(full)) throw new HarnessError('CONFIG_INVALID', `config file ${full} does not exist`, { hint: 'pass --config <file>, or omit it and give --target and --protected' });
  try {
    // jiti compiles the file (TypeScript or not) whatever the package type around it, or with no package.json at all.
    const jiti = createJiti(full, { moduleCache: false, interopDefault: false, alias: { [PACKAGE.name]: DEFINE_MODULE } });
    const mod = (await jiti.import(full)) as { default?: unknown };
    if (!mod.default || typeof mod.default !== 'object') throw new Error('it has no default export; write `export default defineConfig({ ... })`');
    return { ...configIn(path.dirname(full), mod.default as Record<string, unknown>), [LOADED_FROM]: locationOf(full, cwd) };
  } catch (err) {
    throw new HarnessError('CONFIG_INVALID', `cannot load ${full}: ${(err as Error).message}`, { cause: err });
  }
}

/** The keys an object of the schema accepts at `at` (a path into the config), if it is an object. */
function keysAt(at: readonly PropertyKey[]): string[] | undefined {
  // Defaults and prefaults wrap the object schemas; arrays hold them as elements.
  let schema: z.ZodType | undefined = configSchema;
  for (const key of at) {
    const inner: z.ZodType | undefined = schema && unwrapped(schema);
    schema = typeof key === 'number' ? (inner instanceof z.ZodArray ? (inner.element as z.ZodType) : undefined) : inner instanceof z.ZodObject ? inner.shape[key as string] : undefined;
  }
  const inner = schema && unwrapped(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : undefined;
}

/** What to do about the first problem found: an unknown key names the keys that exist there. */
function hintFor(error: z.ZodError): string {
  const unknown = error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const where = unknown.path.length ? unknown.path.join('.') : 'the top level';
    const known = keysAt(unknown.path);
    return `remove or correct ${unknown.keys.map((k) => `"${k}"`).join(', ')} at ${where}${known ? `; the keys there are ${known.join(', ')}` : ''}`;
  }
  if (error.issues.some((i) => i.path[0] === 'target' && (i.path[1] === 'baseUrl' || i.path.length === 1))) {
    return 'a quick run needs --target <base URL> and --protected <path>; see `ba-conformance run --help`';
  }
  return 'correct the setting named above (in conformance.config.ts, a flag or a BA_CONFORMANCE_* variable); see `ba-conformance run --help`';
}

const isLayer = (o: Overrides | Layer): o is Layer => typeof (o as Layer).kind === 'string' && typeof (o as Layer).name === 'string' && typeof (o as Layer).settings === 'object';

/** The file, the profile it names (from --profile, BA_CONFORMANCE_PROFILE or the file's own `profile`), then the given layers. */
function layersOf(fromFile: Record<string, unknown>, given: Layer[]): Layer[] {
  const fileName = (fromFile as { [LOADED_FROM]?: string })[LOADED_FROM] ?? 'the config';
  const fileDir = (fromFile as { [LOADED_DIR]?: string })[LOADED_DIR];
  const { profiles, ...file } = fromFile;
  const layers: Layer[] = [{ kind: 'file', name: fileName, settings: { target: {}, ...file } }];
  const chooser = [...given].reverse().find((l) => typeof l.settings.profile === 'string');
  const name = (chooser?.settings.profile ?? file.profile) as string | undefined;
  if (name === undefined) return [...layers, ...given];
  const chosenBy = chooser ? sourceOf([chooser], ['profile'])! : fileName;
  const profile = profiles && typeof profiles === 'object' ? (profiles as Record<string, unknown>)[name] : undefined;
  if (!profile || typeof profile !== 'object') {
    const names = profiles && typeof profiles === 'object' ? Object.keys(profiles) : [];
    throw new HarnessError('CONFIG_INVALID', `invalid configuration: profile "${name}" (${chosenBy}) is not in the profiles of ${fileName}`, { hint: names.length ? `the profiles there are ${names.join(', ')}` : `${fileName} has no profiles: add profiles: { ${name}: { ... } }, or leave the profile out` });
  }
  // A profile's relative paths, like the file's, are relative to the file.
  const settings = fileDir ? rebase(profile as Record<string, any>, fileDir) : (profile as Record<string, unknown>);
  return [...layers, { kind: 'profile', name: `profile "${name}" of ${fileName}`, settings }, ...given];
}

export function resolveConfig(fromFile: Record<string, unknown>, ...overrides: (Overrides | Layer)[]): ResolvedConfig {
  const layers = layersOf(fromFile, overrides.map((o) => (isLayer(o) ? o : overrideLayer(o))));
  const resolved = mergeLayers(layers);
  let merged = resolved.merged;
  // The start command of the file (or of its profile) runs beside the file; one from a flag or the environment, in the working directory.
  const fileDir = (fromFile as { [LOADED_DIR]?: string })[LOADED_DIR];
  const startFrom = [...layers].reverse().find((l) => (l.settings.target as { start?: unknown } | undefined)?.start !== undefined)?.kind;
  if (fileDir && merged.target.cwd === undefined && merged.target.start !== undefined && (startFrom === 'file' || startFrom === 'profile')) merged = { ...merged, target: { ...merged.target, cwd: fileDir } };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // Where each value named came from, when it was not the file alone: a profile, a variable, a flag.
    const sources = [...new Set(parsed.error.issues.map((i) => {
      const at = i.path.slice(0, i.path.findIndex((p) => typeof p !== 'string') + 1 || undefined).filter((p): p is string => typeof p === 'string');
      const from = at.length ? sourceOf(layers, at) : undefined;
      return from && layers.length > 1 ? `${at.join('.')} is from ${from}` : '';
    }).filter(Boolean))];
    throw new HarnessError('CONFIG_INVALID', `invalid configuration:\n${z.prettifyError(parsed.error)}${sources.length ? `\n(${sources.join('; ')})` : ''}`, { hint: hintFor(parsed.error) });
  }
  const config = parsed.data;
  const protectedPath = config.target.protectedPath ?? config.target.identityPath;
  if (!protectedPath) {
    throw new HarnessError('CONFIG_INVALID', 'invalid configuration: target.protectedPath is missing', {
      hint: 'give the path of an endpoint that requires a bearer token (--protected /api/me), or an identity endpoint (--identity)',
    });
  }
  if (!isLoopback(new URL(config.target.baseUrl).hostname) && !config.target.allowRemote) {
    throw new HarnessError('CONFIG_INVALID', `target.baseUrl ${config.target.baseUrl} is not a loopback address`, {
      hint: 'to attack a backend on another host (a staging server you own), set target.allowRemote: true in conformance.config.ts',
    });
  }
  if (config.issuer.host !== undefined && !isLoopback(config.issuer.host) && !config.target.allowRemote) {
    throw new HarnessError('CONFIG_INVALID', `issuer.host ${config.issuer.host} is not a loopback address: anyone who can reach it could read the issuer's JWKS and sign up users`, {
      hint: 'for a remote backend that trusts the harness issuer, set target.allowRemote: true as well (and issuer.publicUrl to the URL it reaches the issuer at)',
    });
  }
  if (config.attacker.host !== undefined && !isLoopback(config.attacker.host) && !config.target.allowRemote) {
    throw new HarnessError('CONFIG_INVALID', `attacker.host ${config.attacker.host} is not a loopback address: the attacker listener would listen beyond this machine`, {
      hint: 'for a remote backend, set target.allowRemote: true as well, and attacker.publicUrl to the address it reaches this machine at',
    });
  }
  const loadedFrom = (fromFile as { [LOADED_FROM]?: string })[LOADED_FROM];
  return {
    ...config,
    target: { ...config.target, protectedPath },
    report: { ...config.report, sarifLocation: config.report.sarifLocation ?? loadedFrom ?? DEFAULT_SARIF_LOCATION },
    ...(resolved.notices.length ? { notices: resolved.notices } : {}),
  };
}
