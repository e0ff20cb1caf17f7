// The code's layers as its imports draw them: no file of harness/ or suites/ reaches itself through
// its imports (type-only ones included: a type is an arrow of the design too), so each layer can be
// read and tested without the ones above it. The names several layers share (the report's shape,
// formats and gate) live in harness/report-model.ts, below configuration, running and reporting.
// docs/architecture.md draws the rooms from the same graph, and must match it.
import { describe, expect, it } from 'vitest';
import { cycles, importGraph } from '../scripts/import-graph.js';
import { architectureDoc } from '../scripts/docs-architecture.js';

describe('imports', () => {
  it('form no cycle in harness/ and suites/', () => {
    const graph = importGraph(['harness', 'suites']);
    expect(graph.size).toBeGreaterThan(100);
    expect(cycles(graph)).toEqual([]);
  });

  it('a cycle is found when there is one', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a']]);
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('configuration imports nothing from reporting or running', () => {
    const upward = [...importGraph(['harness'])]
      .filter(([file]) => file.startsWith('harness/config/'))
      .flatMap(([file, targets]) => targets.filter((t) => /^harness\/(report|run)\//.test(t)).map((t) => `${file} -> ${t}`));
    expect(upward).toEqual([]);
  });

  it('docs/architecture.md draws the rooms as the imports are today', async () => {
    const { committed, generated } = await architectureDoc();
    expect(committed, 'run npm run docs:architecture and commit the result').toBe(generated);
  });
});
