// Dotted paths into JSON ("user.id", "data.items"): how the config says where a value is.

/** The value at `dotted` in `value` (undefined when any step is missing). An empty path is the value itself. */
export function valueAt(value: unknown, dotted: string): unknown {
  if (dotted === '') return value;
  let current = value;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
