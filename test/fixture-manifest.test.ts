// The fixture manifest (fixtures/backends/index.json) says what each fixture is: these tests hold it
// to the code and lock files, so that a stack it names is the stack that runs, at that version.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, goBuild, loadFixtureManifest } from '../fixtures/backends/manifest.js';
import type { FixtureBackend } from '../fixtures/backends/manifest.js';
import { FLAWS } from '../fixtures/backends/node/flaws.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';

const backends = loadFixtureManifest();
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** The exact version each lock file pins, by package name. */
const pinned = {
  node: (name: string) => (JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> }).packages[`node_modules/${name}`]?.version,
  python: (name: string) => new RegExp(`^${name}==(\\S+)$`, 'im').exec(read('fixtures/backends/python/requirements.txt'))?.[1],
  go: (name: string, backend: FixtureBackend) => {
    const goMod = read(path.join(goBuild(backend)!.moduleDir, 'go.mod'));
    return name === 'go' ? /^go (\S+)$/m.exec(goMod)?.[1] : new RegExp(`^\\s+${name.replaceAll('.', '\\.')} (v\\S+)(?: // indirect)?$`, 'm').exec(goMod)?.[1];
  },
};

describe('the fixture manifest', () => {
  it('names each library at the version its lock file pins', () => {
    for (const backend of backends) {
      for (const [name, version] of Object.entries(backend.packages)) {
        expect(pinned[backend.language](name, backend), `${backend.name}: ${name}`).toBe(version);
      }
    }
  });

  it('pins every Python requirement exactly', () => {
    const requirements = read('fixtures/backends/python/requirements.txt').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(requirements.filter((l) => !/^[\w.-]+==[\w.+-]+$/.test(l))).toEqual([]);
  });

  it('lists every committed known answer exactly once, and every file it names exists', () => {
    const named = backends.flatMap((b) => [b.expected, ...b.variants.map((v) => v.expected)]);
    const committed = readdirSync(FIXTURES_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => {
        const dir = path.join(d.name, 'expected');
        try {
          return readdirSync(path.join(FIXTURES_DIR, dir)).map((f) => path.join(dir, f));
        } catch {
          return [];
        }
      });
    expect([...named].sort()).toEqual([...new Set(committed)].sort());
  });

  it("lists the node example backend's flaws as its variants, each as FLAW=<name>; the others change only its config", () => {
    const node = backends.find((b) => b.name === 'node-express-jose')!;
    const flawed = node.variants.filter((v) => v.env.FLAW !== undefined);
    expect(flawed.map((v) => v.name).sort()).toEqual(Object.keys(FLAWS).sort());
    for (const v of flawed) expect(v.env).toEqual({ FLAW: v.name });
    // A variant without a flaw is the reference under another configuration (own-audience).
    for (const v of node.variants.filter((v) => v.env.FLAW === undefined)) expect({ env: v.env, config: typeof v.config }).toEqual({ env: {}, config: 'string' });
  });

  it('names unique backends and variants', () => {
    const names = backends.flatMap((b) => [b.name, ...b.variants.map((v) => `${b.name} ${v.name}`)]);
    expect(new Set(names).size).toBe(names.length);
  });
});
