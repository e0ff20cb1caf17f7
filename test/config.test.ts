// The contract a user writes: validation messages that name the field, precedence of flags over
// the environment over the file, loading conformance.config.ts, and the run command's usage errors.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../harness/config/config.js';
import { ENV_PREFIX, allSettings, overridesFromEnv, overridesFromFlags, settingOptions } from '../harness/config/settings.js';
import { SETTINGS_DOC, configTemplate, settingsDoc } from '../harness/config/template.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';

const configError = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as Error & { code: string; hint?: string };
  }
  throw new Error('expected a configuration error');
};

describe('resolveConfig', () => {
  it('applies defaults and takes protectedPath from identityPath when only that is given', () => {
    const c = resolveConfig({ target: { baseUrl: 'http://127.0.0.1:8080', identityPath: '/api/me' } });
    expect(c.target).toMatchObject({ protectedPath: '/api/me', identitySubject: 'sub', readinessPath: '/health', timeoutMs: 5000, concurrency: 8, allowRemote: false });
    expect(c.issuer.mode).toBe('auto');
    expect(c.report.outDir).toBe('reports');
  });

  it.each([
    [{ target: {} }, /target\.baseUrl/],
    [{ target: { baseUrl: 'not a url', protectedPath: '/x' } }, /target\.baseUrl/],
    [{ target: { baseUrl: "http://127.0.0.1:1", protectedPath: "api/me" } }, /does not start with "\/".*single "\/".*at target\.protectedPath/s],
    [{ target: { baseUrl: 'http://127.0.0.1:1' } }, /target\.protectedPath is missing/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { algorithms: ['HS512'] } }, /issuer\.algorithms/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x', typo: 1 } }, /typo/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { host: '0.0.0.0' } }, /issuer\.host 0\.0\.0\.0 is not a loopback address/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { publicUrl: 'https://issuer.example.test/auth' } }, /issuer\.publicUrl/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { mode: 'external', url: 'https://ba.example.test', publicUrl: 'https://x.example.test' } }, /issuer\.publicUrl \(the config\) configures the harness's own issuer.*but issuer\.mode is external \(the config\)/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { secondPort: 3998 } }, /issuer\.secondPort is the port of the second issuer: set issuer\.second/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { second: true, algorithms: ['HS256'] } }, /issuer\.second needs key pairs/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { second: true, publicUrl: 'https://issuer.example.test' } }, /issuer\.second listens on loopback only/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { second: true, port: 3999, secondPort: 3999 } }, /issuer\.secondPort is issuer\.port \(3999\)/],
    [{ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { mode: 'external', url: 'https://ba.example.test', second: true } }, /issuer\.second \(the config\) configures the harness's own issuer/],
  ])('%j is refused with a message naming the field', (config, message) => {
    const err = configError(() => resolveConfig(config as never));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(message);
  });

  it('an unknown key names the keys that exist where it was written, in a section or in a resource', () => {
    const base = { target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' } };
    expect(configError(() => resolveConfig({ ...base, jwks: { waitBudget: 5 } } as never)).hint).toMatch(/"waitBudget" at jwks; the keys there are maxCacheAgeS, .*waitBudgetS/);
    expect(configError(() => resolveConfig({ ...base, resources: [{ path: '/api/todos', ownr: 'ownerId' }] } as never)).hint).toMatch(/"ownr" at resources\.0; the keys there are name, path, .*owner/);
  });

  it('gives the JWKS bounds their defaults, and takes them from the environment and flags', () => {
    const base = { target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' } };
    expect(resolveConfig(base).jwks).toEqual({ maxCacheAgeS: 600, maxRotationDelayS: 60, waitBudgetS: 120, maxOutageResponseS: 10, maxBlockingS: 1, stormRequests: 1000, burstRequests: 200 });
    const env = overridesFromEnv({ BA_CONFORMANCE_WAIT_BUDGET_S: '30', BA_CONFORMANCE_MAX_CACHE_AGE_S: '10', BA_CONFORMANCE_SKIP: 'JWKS-,DOS-' });
    const c = resolveConfig({ ...base, jwks: { maxRotationDelayS: 5 } }, env, { jwks: { waitBudgetS: 45 } });
    expect(c.jwks).toMatchObject({ maxCacheAgeS: 10, maxRotationDelayS: 5, waitBudgetS: 45 });
    expect(c.skip).toEqual(['JWKS-', 'DOS-']);
    expect(configError(() => resolveConfig({ ...base, jwks: { waitBudgetS: 0 } })).message).toMatch(/jwks\.waitBudgetS/);
  });

  it('refuses a non-loopback target unless allowRemote is set', () => {
    const err = configError(() => resolveConfig({ target: { baseUrl: 'https://api.example.com', protectedPath: '/x' } }));
    expect(err.message).toMatch(/not a loopback address/);
    expect(err.hint).toMatch(/allowRemote/);
    expect(resolveConfig({ target: { baseUrl: 'https://api.example.com', protectedPath: '/x', allowRemote: true } }).target.baseUrl).toBe('https://api.example.com');
    expect(resolveConfig({ target: { baseUrl: 'http://127.8.9.10:1', protectedPath: '/x' } }).target.baseUrl).toBe('http://127.8.9.10:1');
  });

  it('binds the harness issuer beyond loopback (issuer.host) only with allowRemote, and takes its public URL', () => {
    const remote = { target: { baseUrl: 'https://api.staging.test', protectedPath: '/x', allowRemote: true }, issuer: { host: '0.0.0.0', port: 8787, publicUrl: 'https://issuer.staging.test' } };
    expect(resolveConfig(remote).issuer).toMatchObject({ host: '0.0.0.0', publicUrl: 'https://issuer.staging.test' });
    expect(configError(() => resolveConfig({ ...remote, target: { ...remote.target, allowRemote: false } })).hint).toMatch(/allowRemote: true/);
    expect(resolveConfig({ target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' }, issuer: { host: '127.0.0.1' } }).issuer.host).toBe('127.0.0.1');
  });

  it('flags win over the environment, which wins over the file', () => {
    const file = { target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/file', start: 'file' }, only: ['FILE-'] };
    const env = overridesFromEnv({ BA_CONFORMANCE_PROTECTED: '/env', BA_CONFORMANCE_ONLY: 'SIG-, CLM-', BA_CONFORMANCE_START: 'env' });
    const c = resolveConfig(file, env, overridesFromFlags({ start: 'flag' }));
    expect(c.target.protectedPath).toBe('/env');
    expect(c.only).toEqual(['SIG-', 'CLM-']);
    expect(c.target.start).toBe('flag');
  });
});

describe("the settings' table", () => {
  const valueAt = (root: unknown, at: string[]) => at.reduce<any>((v, key) => v?.[key], root);

  it('maps every BA_CONFORMANCE_* variable and every run flag to its place in the config', () => {
    const flagged = allSettings().filter((s) => s.flag);
    expect(flagged.length).toBeGreaterThan(20);
    for (const s of allSettings().filter((x) => x.env)) {
      const [text, value] = { list: ['A-, B-', ['A-', 'B-']], whole: ['7', 7], number: ['2.5', 2.5], switch: ['yes', true], text: ['some text', 'some text'] }[s.value ?? 'text'];
      expect(valueAt(overridesFromEnv({ [ENV_PREFIX + s.env]: text as string }), s.path), s.env).toEqual(value);
    }
    // Empty is unset (a CI template passes empty inputs through), never 0 or "".
    expect(overridesFromEnv({ [`${ENV_PREFIX}JOBS`]: '', [`${ENV_PREFIX}SEED`]: '', [`${ENV_PREFIX}TARGET`]: '', [`${ENV_PREFIX}RESOURCE_BODY`]: '' })).toEqual({});
    const options = new Map(settingOptions().map((o) => [o.long, o]));
    for (const s of flagged) {
      const option = options.get(s.flag!.split(' ')[0]!)!;
      expect(option, s.flag).toBeDefined();
      expect(valueAt(overridesFromFlags({ [option.attributeName()]: 'from a flag' }), s.path), s.flag).toBe('from a flag');
    }
  });

  it("writes init's config from it: every setting, set or commented out, with its variable", () => {
    const template = configTemplate();
    for (const s of allSettings().filter((x) => !x.section && x.init !== false)) {
      expect(template, s.path.join('.')).toMatch(new RegExp(`^ *(// )?${s.path.at(-1)}: `, 'm'));
      if (s.env) expect(template).toContain(ENV_PREFIX + s.env);
    }
    expect(template).not.toContain('secret:');
  });

  it(`is what ${SETTINGS_DOC} says (npm run docs:settings writes it)`, async () => {
    expect(await readFile(path.join(REPO_ROOT, SETTINGS_DOC), 'utf8'), `${SETTINGS_DOC} is out of date: run npm run docs:settings`).toBe(settingsDoc());
  });
});

describe('the resource contract', () => {
  const base = { target: { baseUrl: 'http://127.0.0.1:1', protectedPath: '/x' } };

  it('expands a collection path into REST operations, and lets each be replaced or switched off', () => {
    const [todo] = resolveConfig({ ...base, resources: [{ path: '/api/todos', body: { title: '{{lorem.sentence}}' }, owner: 'owner.id' }] }).resources;
    expect(todo).toMatchObject({
      name: '/api/todos',
      id: 'id',
      owner: 'owner.id',
      create: { method: 'POST', path: '/api/todos' },
      read: { method: 'GET', path: '/api/todos/{id}' },
      update: { method: 'PUT', path: '/api/todos/{id}' },
      delete: { method: 'DELETE', path: '/api/todos/{id}' },
      list: { method: 'GET', path: '/api/todos' },
    });
    expect(todo!.updateBody).toEqual(todo!.body);
    const [notes] = resolveConfig({ ...base, resources: [{ path: '/notes/', update: 'PATCH /notes/{id}', delete: false, list: false, search: 'GET /notes/search?q={q}' }] }).resources;
    expect(notes).toMatchObject({ update: { method: 'PATCH', path: '/notes/{id}' }, read: { path: '/notes/{id}' }, search: { method: 'GET', path: '/notes/search?q={q}' } });
    expect(notes!.delete).toBeUndefined();
    expect(notes!.list).toBeUndefined();
  });

  it.each([
    [{ path: 'todos' }, /does not start with "\/".*single "\/".*resources\[0\]\.path/s],
    [{ path: '/t', read: 'GET /t/:id' }, /must contain \{id\}.*resources\[0\]\.read/s],
    [{ path: '/t', update: 'FETCH /t/{id}' }, /METHOD \/path.*resources\[0\]\.update/s],
    [{ path: '/t', search: 'GET /t' }, /must contain \{q\}/],
    [{ path: '/t', body: { title: '{{lorem.nonsense}}' } }, /lorem\.nonsense.*placeholders look like/s],
    [{ path: '/t', owner: 'owner..id' }, /dotted path/],
    [{ path: '/t', colour: 'red' }, /colour/],
  ])('%j is refused with a message naming the field', (resource, message) => {
    const err = configError(() => resolveConfig({ ...base, resources: [resource] } as never));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(message);
  });

  it('takes a single resource and the OpenAPI document from flags or the environment', () => {
    const env = overridesFromEnv({ BA_CONFORMANCE_OPENAPI: '/openapi.json', BA_CONFORMANCE_RESOURCE: '/api/env' });
    const c = resolveConfig(base, env, overridesFromFlags({ resource: '/api/items', resourceBody: '{"name":"{{commerce.productName}}"}', resourceOwner: 'userId' }));
    expect(c.target.openapi).toBe('/openapi.json');
    expect(c.resources).toHaveLength(1);
    expect(c.resources[0]).toMatchObject({ name: '/api/items', body: { name: '{{commerce.productName}}' }, owner: 'userId' });
    expect(configError(() => overridesFromFlags({ resource: '/x', resourceBody: '{nope' })).message).toMatch(/--resource-body is not JSON/);
    expect(configError(() => overridesFromFlags({ resourceOwner: 'userId' })).hint).toMatch(/--resource <collection path>/);
  });
});

describe('loadConfigFile', () => {
  it('loads the default export of conformance.config.ts from the working directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-config-'));
    await writeFile(path.join(dir, 'conformance.config.ts'), "export default { target: { baseUrl: 'http://127.0.0.1:5', protectedPath: '/p' } };\n");
    expect(resolveConfig(await loadConfigFile(undefined, dir)).target.protectedPath).toBe('/p');
    expect(await loadConfigFile(undefined, tmpdir())).toEqual({});
  });

  it('says what is wrong with a missing file or a file without a default export', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-config-'));
    await expect(loadConfigFile('nope.config.ts', dir)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/does not exist/) });
    await writeFile(path.join(dir, 'bad.config.ts'), 'export const x = 1;\n');
    await expect(loadConfigFile('bad.config.ts', dir)).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/no default export/) });
  });
});

describe('profiles, and where each setting came from', () => {
  const env = (settings: Record<string, string>) => ({ kind: 'env' as const, name: 'the environment', settings: overridesFromEnv(Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${ENV_PREFIX}${k}`, v]))) });
  const flags = (settings: Record<string, unknown>) => ({ kind: 'flags' as const, name: 'the flags', settings: overridesFromFlags(settings) });
  const local = {
    target: { baseUrl: 'http://127.0.0.1:5', protectedPath: '/p', start: 'npm start' },
    issuer: { mode: 'process', algorithms: ['EdDSA'] },
    profiles: {
      staging: { target: { baseUrl: 'https://api.staging.example.test', allowRemote: true, start: null }, issuer: { mode: 'external', url: 'https://auth.staging.example.test' } },
    },
  };

  it('lays the chosen profile over the file, below the environment and the flags; null removes a setting of the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-profile-'));
    await writeFile(path.join(dir, 'conformance.config.ts'), `export default ${JSON.stringify(local)};\n`);
    const file = await loadConfigFile(undefined, dir);
    expect(resolveConfig(file).issuer).toMatchObject({ mode: 'process', algorithms: ['EdDSA'] });
    for (const chooser of [flags({ profile: 'staging' }), env({ PROFILE: 'staging' })]) {
      const staging = resolveConfig(file, chooser);
      expect(staging.target).toMatchObject({ baseUrl: 'https://api.staging.example.test', allowRemote: true });
      expect(staging.target.start).toBeUndefined();
      expect(staging.issuer).toMatchObject({ mode: 'external', url: 'https://auth.staging.example.test' });
      // The file's algorithms are for the local route: ignored, and said so with where each value came from.
      expect(staging.issuer.algorithms).toBeUndefined();
      expect(staging.notices).toEqual(["issuer.algorithms (conformance.config.ts) is ignored: it configures the harness's own issuer; an external issuer's settings are read from its tokens and JWKS, and issuer.mode is external (profile \"staging\" of conformance.config.ts)"]);
    }
    // The environment and the flags still win over the profile.
    expect(resolveConfig(file, flags({ profile: 'staging', issuerUrl: 'https://auth2.example.test' })).issuer.url).toBe('https://auth2.example.test');
    const unknown = configError(() => resolveConfig(file, flags({ profile: 'prod' })));
    expect(unknown.message).toBe('invalid configuration: profile "prod" (--profile) is not in the profiles of conformance.config.ts');
    expect(unknown.hint).toBe('the profiles there are staging');
  });

  it('ignores a setting that does not apply to the mode another layer chose, naming both; refuses one the same layer set', () => {
    const file = { target: { baseUrl: 'http://127.0.0.1:5', protectedPath: '/p' }, issuer: { algorithms: ['ES256'] } };
    const byEnv = resolveConfig(file, env({ ISSUER_MODE: 'external', ISSUER_URL: 'https://auth.example.test' }));
    expect(byEnv.notices).toEqual(["issuer.algorithms (the config) is ignored: it configures the harness's own issuer; an external issuer's settings are read from its tokens and JWKS, and issuer.mode is external (BA_CONFORMANCE_ISSUER_MODE)"]);
    // A plugin token in the environment of a local run is for the external mode: ignored.
    expect(resolveConfig(file, env({ ISSUER_TOKEN: 'x'.repeat(40) })).notices).toEqual(['issuer.token (BA_CONFORMANCE_ISSUER_TOKEN) is ignored: it is for the external mode, and issuer.mode is auto (the default)']);
    const both = configError(() => resolveConfig(file, flags({ issuerMode: 'external', issuerUrl: 'https://auth.example.test', alg: ['ES256'] })));
    expect(both.message).toBe("invalid configuration: issuer.algorithms (--alg) configures the harness's own issuer; an external issuer's settings are read from its tokens and JWKS, but issuer.mode is external (--issuer-mode)");
    expect(both.hint).toBe('remove issuer.algorithms from --alg, or choose the mode it is for');
    // Nobody chose the mode: an external setting in the file contradicts the default; a flag typed over a chosen mode is no notice either.
    expect(configError(() => resolveConfig({ ...file, issuer: { url: 'https://auth.example.test' } })).message).toBe('invalid configuration: issuer.url (the config) is for the external mode, but issuer.mode is auto (the default)');
    expect(configError(() => resolveConfig({ ...file, issuer: { mode: 'process' } }, flags({ issuerUrl: 'https://auth.example.test' }))).message).toBe('invalid configuration: issuer.url (--issuer-url) is for the external mode, but issuer.mode is process (the config)');
  });

  it("init's commented staging profile works once uncommented", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-init-profile-'));
    const template = configTemplate().replace(/^(\s*)\/\/ profiles: /m, '$1profiles: ');
    expect(template).toMatch(/^\s*profiles: \{ staging: /m);
    await writeFile(path.join(dir, 'conformance.config.ts'), template);
    const staging = resolveConfig(await loadConfigFile(undefined, dir), flags({ profile: 'staging' }));
    expect(staging.issuer.mode).toBe('external');
    expect(staging.target.start).toBeUndefined();
    expect(staging.target.allowRemote).toBe(true);
  });
});

describe('loadConfigFile in a team\'s repository', () => {
  const typed = "import { defineConfig } from 'better-auth-conformance';\nconst port: number = 5;\nexport default defineConfig({ target: { baseUrl: `http://127.0.0.1:${port}`, protectedPath: '/p' } });\n";
  const plain = "import { defineConfig } from 'better-auth-conformance';\nexport default defineConfig({ target: { baseUrl: 'http://127.0.0.1:5', protectedPath: '/p' } });\n";
  const files = { 'c.ts': typed, 'c.mts': typed, 'c.js': plain, 'c.mjs': plain };

  it.each([
    ['a CommonJS package', { name: 'team-api', version: '1.0.0' }],
    ['an ES module package', { name: 'team-api', version: '1.0.0', type: 'module' }],
    ['no package.json', undefined],
  ])('loads .ts, .mts, .js and .mjs configs importing better-auth-conformance in %s', async (_, pkg) => {
    // Not installed there: the import is the running tool's.
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-team-'));
    if (pkg) await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg));
    for (const [name, text] of Object.entries(files)) {
      await writeFile(path.join(dir, name), text);
      expect(resolveConfig(await loadConfigFile(name, dir)).target).toMatchObject({ baseUrl: 'http://127.0.0.1:5', protectedPath: '/p' });
    }
  });

  it('finds conformance.config.mjs in the working directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-team-'));
    await writeFile(path.join(dir, 'conformance.config.mjs'), plain);
    expect(resolveConfig(await loadConfigFile(undefined, dir)).target.protectedPath).toBe('/p');
  });

  it('resolves the paths in a config against its directory; flags and the environment against the working directory', async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'ba-team-'));
    const dir = path.join(repo, '.conformance');
    await mkdir(dir);
    const write = async (target: string, report = '{}') => {
      await writeFile(path.join(dir, 'c.ts'), `export default { target: { baseUrl: 'http://127.0.0.1:5', protectedPath: '/p', ${target} }, report: ${report} };\n`);
      return loadConfigFile('.conformance/c.ts', repo);
    };
    const started = resolveConfig(await write("start: 'npm start', openapi: 'api/openapi.yaml'", "{ baseline: 'baseline.yaml', outDir: 'reports' }"));
    expect(started.target.cwd).toBe(dir);
    expect(started.target.openapi).toBe(pathToFileURL(path.join(dir, 'api/openapi.yaml')).href);
    expect(started.report.baseline).toBe(path.join(dir, 'baseline.yaml'));
    // Reports are output: where the run is, like --out.
    expect(started.report.outDir).toBe('reports');
    expect(resolveConfig(await write("start: 'npm start', cwd: '..'")).target.cwd).toBe(repo);
    // A path on the backend and a URL are not files.
    expect(resolveConfig(await write("openapi: '/openapi.json'")).target.openapi).toBe('/openapi.json');
    expect(resolveConfig(await write("openapi: 'http://127.0.0.1:5/spec'")).target.openapi).toBe('http://127.0.0.1:5/spec');
    // A start command given as a flag runs where the flag was typed; a flag's baseline is relative to there too.
    const flagged = resolveConfig(await write("start: 'npm start'"), overridesFromFlags({ start: 'make serve', baseline: 'b.yaml' }));
    expect(flagged.target.cwd).toBeUndefined();
    expect(flagged.report.baseline).toBe('b.yaml');
  });
});

describe('ba-conformance run errors', () => {
  const run = async (args: string[]) => {
    const child = spawn(process.execPath, ['bin/ba-conformance.js', 'run', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const [code] = (await once(child, 'exit')) as [number];
    return { code, stderr };
  };

  it('exits 2 and names the field when the target is missing', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/target\.baseUrl/);
    expect(stderr).toMatch(/--target <base URL> and --protected <path>/);
  });

  it('exits 2 before anything starts when --only or --skip matches no check, offering the nearest IDs (list too)', async () => {
    // An external issuer nobody listens on: had the run started, it would have failed on it instead.
    const { code, stderr } = await run(['--issuer-mode', 'external', '--issuer-url', 'http://127.0.0.1:9', '--target', 'http://127.0.0.1:9', '--protected', '/x', '--only', 'CLAIM-', '--skip', 'sig-alg-nonee']);
    expect(code).toBe(2);
    expect(stderr).toContain('"CLAIM-" matches no check: did you mean CLM-?');
    expect(stderr).toContain('"sig-alg-nonee" matches no check: did you mean SIG-ALG-NONE,');
    expect(stderr).not.toMatch(/issuer|127\.0\.0\.1:9/);
    const list = spawn(process.execPath, ['bin/ba-conformance.js', 'list', '--only', 'CLM-', 'JKWS-'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let said = '';
    list.stderr.on('data', (d: Buffer) => (said += d.toString()));
    expect(((await once(list, 'exit')) as [number])[0]).toBe(2);
    expect(said).toContain('--only "JKWS-" matches no check: did you mean JWKS-,');
  });

  it('exits 3 with what to do when a backend that was not started does not answer, and still writes a report', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'ba-unreachable-'));
    const { code, stderr } = await run(['--target', 'http://127.0.0.1:9', '--protected', '/x', '--issuer-mode', 'process', '--out', out]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/does not answer.*ECONNREFUSED/s);
    expect(stderr).toMatch(/--start/);
    const report = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(path.join(out, 'report.json'), 'utf8'))) as { problems: string[] };
    expect(report.problems[0]).toMatch(/does not answer/);
  });

  it('exits 3 when the start command dies, quoting its output', async () => {
    const { code, stderr } = await run(['--target', 'http://127.0.0.1:9', '--protected', '/x', '--issuer-mode', 'process', '--start', 'echo boom-from-backend >&2; exit 7', '--out', await mkdtemp(path.join(tmpdir(), 'ba-dies-'))]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/the start command exited \(exit code 7\)/);
    expect(stderr).toMatch(/boom-from-backend/);
  });
});
