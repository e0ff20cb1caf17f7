// Where each setting of a run came from. A run's settings are layers, lowest first: the config file,
// the profile it names (profiles.<name>), the BA_CONFORMANCE_* variables, the flags. A later layer
// wins; a message about a setting names the layer it came from (the file, the profile, the exact
// variable or flag). A setting that does not apply to the issuer mode the run ends up with is
// ignored with a notice when a later layer chose the mode, and refused otherwise (mergeLayers).
import { HarnessError } from '../errors.js';
import { EXTERNAL_ISSUER_SETTINGS, HARNESS_ISSUER_SETTINGS } from './schema.js';
import { ENV_PREFIX, allSettings } from './settings.js';
import type { Overrides } from './settings.js';

export type LayerKind = 'file' | 'profile' | 'env' | 'flags' | 'override';

export interface Layer {
  kind: LayerKind;
  /** How a message names it: "conformance.config.ts", 'profile "staging" of conformance.config.ts'. */
  name: string;
  settings: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function valueAt(settings: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = settings;
  for (const key of path) at = isObject(at) ? at[key] : undefined;
  return at;
}

/** `over` laid on `base`: objects merge, anything else replaces; undefined leaves, null removes. */
export function layOver(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = isObject(value) && isObject(merged[key]) ? layOver(merged[key], value) : value;
  }
  return merged;
}

/** The index of the layer that set `path` last; -1 when none did. */
function layerOf(layers: readonly Layer[], path: readonly string[]): number {
  for (let i = layers.length - 1; i >= 0; i--) if (valueAt(layers[i]!.settings, path) !== undefined) return i;
  return -1;
}

/** The layer that set `path` last, named as precisely as it can be (the variable or flag itself); undefined when none did. */
export function sourceOf(layers: readonly Layer[], path: readonly string[]): string | undefined {
  const layer = layers[layerOf(layers, path)];
  if (!layer) return undefined;
  const setting = allSettings().find((s) => s.path.join('.') === path.join('.'));
  if (layer.kind === 'env' && setting?.env) return `${ENV_PREFIX}${setting.env}`;
  if (layer.kind === 'flags' && setting?.flag) return setting.flag.split(' ')[0];
  return layer.name;
}


/**
 * The layers merged, with the settings that do not apply to the issuer mode taken out: each one named
 * in a notice with where it came from when a later layer chose the mode, and refused otherwise.
 */
export function mergeLayers(layers: readonly Layer[]): { merged: Record<string, any>; notices: string[] } {
  let merged: Record<string, any> = {};
  for (const layer of layers) merged = layOver(merged, layer.settings);
  const notices: string[] = [];
  const issuer = isObject(merged.issuer) ? { ...merged.issuer } : undefined;
  if (!issuer) return { merged, notices };
  const mode = typeof issuer.mode === 'string' ? issuer.mode : 'auto';
  const modeFrom = sourceOf(layers, ['issuer', 'mode']);
  const external = mode === 'external';
  for (const key of external ? HARNESS_ISSUER_SETTINGS : EXTERNAL_ISSUER_SETTINGS) {
    if (issuer[key] === undefined) continue;
    const from = sourceOf(layers, ['issuer', key])!;
    const what = external ? "configures the harness's own issuer; an external issuer's settings are read from its tokens and JWKS" : 'is for the external mode';
    const chosen = `issuer.mode is ${mode} (${modeFrom ?? 'the default'})`;
    // Ignored only when a later layer chose the mode (a profile over the file's settings, a flag over
    // the environment), or for a variable the whole environment holds (a token in CI) when no one chose
    // it. Set where the mode was chosen, after it, or with no mode chosen at all, it contradicts the mode.
    const keyLayer = layerOf(layers, ['issuer', key]);
    const modeLayer = layerOf(layers, ['issuer', 'mode']);
    const environmentWide = layers[keyLayer]!.kind === 'env' && modeLayer < 0;
    if (keyLayer >= modeLayer && !environmentWide) {
      throw new HarnessError('CONFIG_INVALID', `invalid configuration: issuer.${key} (${from}) ${what}, but ${chosen}`, { hint: `remove issuer.${key} from ${from}, or choose the mode it is for` });
    }
    delete issuer[key];
    notices.push(`issuer.${key} (${from}) is ignored: it ${what}, and ${chosen}`);
  }
  return { merged: { ...merged, issuer }, notices };
}

/** Overrides given as they are (the API, tests): one layer each. */
export const overrideLayer = (settings: Overrides, kind: LayerKind = 'override', name = 'the overrides'): Layer => ({ kind, name, settings: settings as Record<string, unknown> });
