// The settings' table (schema.ts) read for the command line and the environment: each setting with
// its path in the config and its default, the run command's options made from it, and flags and
// BA_CONFORMANCE_* variables turned into a partial config that wins over the file.
import { InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { HarnessError } from '../errors.js';
import { configSchema, settings, unwrapped } from './schema.js';
import type { ConformanceConfig, SettingMeta } from './schema.js';

export const ENV_PREFIX = 'BA_CONFORMANCE_';

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
/** Settings that win over a config file (from flags, the environment or run()): any part of a config. */
export type Overrides = DeepPartial<ConformanceConfig>;

export interface Setting extends SettingMeta {
  /** Where it is in the config, e.g. ["jwks", "waitBudgetS"]. */
  path: string[];
  /** An object of settings (target, issuer, …) rather than a value. */
  section: boolean;
  /** The schema's default, if it has one. */
  default?: unknown;
}


function valueAt(root: unknown, path: string[]): unknown {
  return path.reduce<any>((v, key) => v?.[key], root);
}

function collect(shape: Record<string, z.ZodType>, at: string[], defaults: unknown): Setting[] {
  const found: Setting[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    const meta = settings.get(schema);
    const path = [...at, key];
    const object = unwrapped(schema);
    if (object instanceof z.ZodObject) {
      if (meta) found.push({ ...meta, path, section: true });
      found.push(...collect(object.shape, path, defaults));
    } else if (meta) {
      found.push({ ...meta, path, section: false, ...(schema instanceof z.ZodDefault ? { default: valueAt(defaults, path) } : {}) });
    }
  }
  return found;
}

let table: Setting[] | undefined;
/** Every setting and section, in the schema's order. */
export function allSettings(): Setting[] {
  // The defaults as the schema fills them in for the smallest valid config.
  table ??= collect(configSchema.shape, [], configSchema.parse({ target: { baseUrl: 'http://127.0.0.1' } }));
  return table;
}

export const settingAt = (dotted: string): Setting => {
  const found = allSettings().find((s) => s.path.join('.') === dotted);
  if (!found) throw new Error(`no setting ${dotted}`);
  return found;
};

/** A default as help text shows it. */
export function defaultText(s: Setting): string | undefined {
  if (s.defaultText) return s.defaultText;
  if (s.default === undefined || s.value === 'switch' || (Array.isArray(s.default) && !s.default.length)) return undefined;
  return Array.isArray(s.default) ? s.default.join(' ') : String(s.default);
}

const parsers: Record<NonNullable<SettingMeta['value']>, (text: string) => unknown> = {
  text: (t) => t,
  list: (t) => t.split(',').map((v) => v.trim()).filter(Boolean),
  whole: (t) => Number(t),
  number: (t) => Number(t),
  switch: (t) => ['1', 'true', 'yes'].includes(t.toLowerCase()),
};

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** The flag of one setting, as the commands declare it. */
export function optionOf(s: Setting, help = s.help): Option {
  const fallback = defaultText(s);
  const option = new Option(s.flag!, fallback ? `${help} (default: ${fallback})` : help);
  if (s.choices) option.choices(s.choices);
  if (s.value === 'whole') option.argParser(wholeNumber);
  if (s.value === 'number') option.argParser(positiveNumber);
  return option;
}

/** The run command's flags for the resource that --resource names (a quick form of `resources`). */
const RESOURCE_FLAGS = {
  resource: { flag: '--resource <path>', env: 'RESOURCE', help: 'a collection the isolation checks use as two users (REST: POST/GET <path>, GET/PUT/DELETE <path>/{id})' },
  resourceBody: { flag: '--resource-body <json>', env: 'RESOURCE_BODY', help: 'its create body; strings may hold Faker placeholders, e.g. \'{"title":"{{lorem.sentence}}"}\'' },
  resourceOwner: { flag: '--resource-owner <dotted path>', env: 'RESOURCE_OWNER', help: "where the owner's user id is in a resource's JSON (e.g. ownerId)" },
} as const;
/** Existing accounts of the external mode, each email:password, from the environment only (a flag would show the password in `ps`). */
const ACCOUNT_VARIABLES = ['USER_A', 'USER_B'] as const;

/** Every option of `ba-conformance run` that sets a setting. */
export function settingOptions(): Option[] {
  return [...allSettings().filter((s) => s.flag).map((s) => optionOf(s)), ...Object.values(RESOURCE_FLAGS).map((f) => new Option(f.flag, f.help))];
}

/** Every environment variable that sets a setting, with its help (docs/settings.md). */
export function settingVariables(): { name: string; help: string; setting?: string }[] {
  return [
    ...allSettings().filter((s) => s.env).map((s) => ({ name: ENV_PREFIX + s.env, help: s.help, setting: s.path.join('.') })),
    ...Object.values(RESOURCE_FLAGS).map((f) => ({ name: ENV_PREFIX + f.env, help: `${f.flag}: ${f.help}` })),
    ...ACCOUNT_VARIABLES.map((v, i) => ({ name: ENV_PREFIX + v, help: `external mode with sign-up closed: the ${i ? 'second' : 'first'} test account, as email:password`, setting: 'issuer.users' })),
  ];
}

function setAt(target: Record<string, any>, path: string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) at = at[key] ??= {};
  at[path.at(-1)!] = value;
}

/** The config a command's parsed flags give (commander's attribute names, e.g. waitBudget for --wait-budget). */
export function overridesFromFlags(flags: Record<string, unknown>): Overrides {
  const out: Record<string, any> = {};
  for (const s of allSettings()) {
    const value = s.flag ? flags[new Option(s.flag).attributeName()] : undefined;
    if (value !== undefined) setAt(out, s.path, value);
  }
  const [resource, body, owner] = (['resource', 'resourceBody', 'resourceOwner'] as const).map((k) => flags[new Option(RESOURCE_FLAGS[k].flag).attributeName()] as string | undefined);
  return withResource(out, resource, body, owner, 'flags');
}

/** The config the BA_CONFORMANCE_* variables give. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): Overrides {
  const out: Record<string, any> = {};
  for (const s of allSettings()) {
    const text = s.env ? env[ENV_PREFIX + s.env] : undefined;
    // Empty is unset: a CI template passes empty inputs through as empty variables.
    if (text !== undefined && text !== '') setAt(out, s.path, parsers[s.value ?? 'text'](text));
  }
  const [a, b] = ACCOUNT_VARIABLES.map((v) => env[ENV_PREFIX + v] || undefined);
  if (a !== undefined || b !== undefined) {
    if (a === undefined || b === undefined) throw new HarnessError('CONFIG_INVALID', `${ENV_PREFIX}USER_A and ${ENV_PREFIX}USER_B name the two test accounts together`, { hint: 'set both, each as email:password' });
    setAt(out, ['issuer', 'users'], [account(a, `${ENV_PREFIX}USER_A`), account(b, `${ENV_PREFIX}USER_B`)]);
  }
  const [resource, body, owner] = (['resource', 'resourceBody', 'resourceOwner'] as const).map((k) => env[ENV_PREFIX + RESOURCE_FLAGS[k].env] || undefined);
  return withResource(out, resource, body, owner, 'environment');
}

function withResource(out: Record<string, any>, path: string | undefined, body: string | undefined, owner: string | undefined, from: 'flags' | 'environment'): Overrides {
  if (path) out.resources = [{ path, ...(body !== undefined ? { body: parseBody(body) } : {}), ...(owner ? { owner } : {}) }];
  else if (body !== undefined || owner) {
    const names = from === 'flags' ? ['--resource-body and --resource-owner', '--resource'] : [`${ENV_PREFIX}RESOURCE_BODY and _RESOURCE_OWNER`, `${ENV_PREFIX}RESOURCE`];
    throw new HarnessError('CONFIG_INVALID', `${names[0]} describe the resource that ${names[1]} names`, { hint: 'add --resource <collection path>, e.g. --resource /api/todos' });
  }
  return out;
}

/** "email:password" (the password may contain colons); the value is never echoed, it holds a password. */
function account(value: string, name: string): { email: string; password: string } {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) throw new HarnessError('CONFIG_INVALID', `${name} is not email:password`, { hint: `e.g. ${name}=qa-a@example.com:<password>` });
  return { email: value.slice(0, at), password: value.slice(at + 1) };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HarnessError('CONFIG_INVALID', `--resource-body is not JSON: ${(err as Error).message}`, { hint: `e.g. --resource-body '{"title":"{{lorem.sentence}}"}'` });
  }
}
