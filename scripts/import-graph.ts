// The code's imports as a graph: each file of harness/ and suites/ with the files it imports or
// re-exports (type-only ones included), read with TypeScript's own pre-processor. test/imports.test.ts
// holds it free of cycles; scripts/docs-architecture.ts draws its rooms in docs/architecture.md.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../harness/issuer/bundle.js';

/** Every TypeScript source under `dir`, as harness/issuer/bundle.ts lists them (Node's recursive readdir). */
const sources = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));

/** Each file (relative to the repository) and the files of `roots` it imports. */
export function importGraph(roots: string[]): Map<string, string[]> {
  const files = roots.flatMap((r) => sources(path.join(REPO_ROOT, r)));
  const known = new Set(files);
  const rel = (file: string) => path.relative(REPO_ROOT, file).split(path.sep).join('/');
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .map((i) => i.fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => path.resolve(path.dirname(file), name).replace(/\.js$/, '.ts'))
        .filter((target) => known.has(target));
      return [rel(file), [...new Set(targets.map(rel))]];
    }),
  );
}

/** The strongly connected components of more than one file, or a file importing itself (Tarjan): every cycle. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The small helpers at harness/'s top level, drawn as one room. */
const SHARED = new Set(['errors', 'faker', 'http', 'in-flight', 'json-path', 'ledger', 'net', 'paths', 'poll', 'text']);

/** The room a file belongs to: its folder under harness/ (a top-level file is its own, the helpers one), or suites. */
export function roomOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'suites') return parts.length > 2 ? `suites/${parts[1]}` : 'suites';
  if (parts.length > 2) return `harness/${parts[1]}`;
  const name = parts[1]!.replace(/\.ts$/, '');
  return SHARED.has(name) ? 'harness/(helpers)' : `harness/${name}.ts`;
}

/** A Mermaid flowchart of the rooms and which import which (harness/issuer/app is the issuer's own bundle). */
export function roomDiagram(graph: Map<string, string[]>): string {
  const arrows = new Set<string>();
  const rooms = new Set<string>();
  for (const [file, targets] of graph) {
    const from = roomOf(file);
    rooms.add(from);
    for (const target of targets) {
      const to = roomOf(target);
      rooms.add(to);
      if (to !== from) arrows.add(`${from}\u0000${to}`);
    }
  }
  const id = (room: string) => room.replace(/[^a-z0-9]+/gi, '_');
  const lines = ['```mermaid', 'flowchart TD'];
  for (const room of [...rooms].sort()) lines.push(`  ${id(room)}["${room}"]`);
  for (const arrow of [...arrows].sort()) {
    const [from, to] = arrow.split('\u0000') as [string, string];
    lines.push(`  ${id(from)} --> ${id(to)}`);
  }
  lines.push('```');
  return lines.join('\n');
}
