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

/** The dotted path of the first string equal to `wanted` in `value` (breadth first, so the shallowest), or undefined. */
export function pathOf(value: unknown, wanted: string, maxNodes = 10_000): string | undefined {
  const queue: [unknown, string][] = [[value, '']];
  for (let seen = 0; queue.length > 0 && seen < maxNodes; seen++) {
    const [node, path] = queue.shift()!;
    if (node === wanted) return path;
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node)) queue.push([child, path === '' ? key : `${path}.${key}`]);
  }
  return undefined;
}
