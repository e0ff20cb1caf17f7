// The installed package, as a team uses it: `npm pack`, then installed into a CommonJS project
// (`npm i -D <tarball>`) and run with no package.json at all (`npx --package <tarball>`, the config
// in .conformance/). In both: init writes a config that loads, list reads the compiled suites, and a
// short run against the example backend (started from this checkout through a path relative to the
// config file) writes reports whose SARIF results point at files of the team's repository. And the
// plugin as a team adds it: better-auth-conformance/plugin in the team's own Better Auth, which the
// suite then uses in external mode with the plugin's token.
// Runs in CI and wherever npm reaches its registry; it takes a couple of minutes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { freePort } from '../harness/net.js';
import type { Report } from '../harness/report-model.js';
import { packTarball, registryReachable, sh, teamEnv } from './support/pack.js';

const testable = Boolean(process.env.CI) || (await registryReachable());

/** A config as a team writes it: TypeScript, the package import, the backend started from a directory relative to the file. */
function teamConfig(configDir: string, port: number, extra = ''): string {
  return `import { defineConfig } from 'better-auth-conformance';

const port: number = ${port};

export default defineConfig({
  target: {
    baseUrl: \`http://127.0.0.1:\${port}\`,
    protectedPath: '/api/todos',
    identityPath: '/api/me',
    // The example backend with a known flaw (alg none accepted), from this checkout.
    cwd: '${path.relative(configDir, REPO_ROOT)}',
    start: \`PORT=\${port} FLAW=alg-none exec node fixtures/backends/node/start.mjs\`,
  },
  issuer: { mode: 'process' },${extra}
});
`;
}

/** Every SARIF result points at a repository-relative path (or a file:// URI), as GitHub code scanning requires. */
async function expectAnchored(sarifFile: string, expected: string): Promise<void> {
  const sarif = JSON.parse(await readFile(sarifFile, 'utf8')) as Log;
  const results = sarif.runs[0]!.results ?? [];
  expect(results.length).toBeGreaterThan(0);
  for (const result of results) {
    for (const location of result.locations ?? []) {
      const uri = location.physicalLocation?.artifactLocation?.uri ?? '';
      expect(uri.startsWith('file://') || (!/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/') && uri.length > 0), uri).toBe(true);
      expect(uri).toBe(expected);
    }
  }
}

describe.skipIf(!testable)('the npm package', { timeout: 600_000 }, () => {
  let tarball: string;
  // Each install holds about 120 MB of dependencies: removed afterwards.
  const scratch: string[] = [];
  const scratchDir = async (prefix: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };

  beforeAll(async () => {
    tarball = await packTarball(await scratchDir('ba-pack-'));
  }, 300_000);

  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('installs into a CommonJS project: init, list and a run from its compiled JavaScript', async () => {
    const project = await scratchDir('ba-cjs-');
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'team-api', version: '1.0.0', private: true }));
    const installed = await sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball], project);
    expect(installed.code, installed.stderr).toBe(0);
    const cli = (...args: string[]) => sh('npx', ['--no-install', 'ba-conformance', ...args], project);

    const init = await cli('init');
    expect(init.code, init.stderr).toBe(0);
    expect(await readFile(path.join(project, 'conformance.config.ts'), 'utf8')).toContain("import { defineConfig } from 'better-auth-conformance';");
    // The written config loads in a CommonJS project: the run gets as far as the backend, which is not there.
    const unreachable = await cli('run', '--only', 'CTL-', '--issuer-mode', 'process', '--target', `http://127.0.0.1:${await freePort()}`);
    expect(unreachable.code, unreachable.stderr).toBe(3);
    expect(unreachable.stderr).toMatch(/does not answer/);

    const list = await cli('list', '--only', 'SIG-ALG-NONE', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((e) => e.id)).toEqual(['SIG-ALG-NONE', 'SIG-ALG-NONE-KEEP-SIG']);
    // demo needs the fixture backends of a checkout.
    expect((await cli('--help')).stdout).not.toMatch(/\bdemo\b/);

    await writeFile(path.join(project, 'conformance.config.ts'), teamConfig(project, await freePort()));
    const run = await cli('run', '--only', 'CTL-', 'SIG-ALG-NONE', '--issuer-mode', 'process');
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(await readFile(path.join(project, 'reports/report.json'), 'utf8')) as Report;
    expect(report.tool.name).toBe('better-auth-conformance');
    expect(report.checks.find((c) => c.id === 'SIG-ALG-NONE')?.verdict).toBe('FAIL');
    expect(report.checks.find((c) => c.id === 'CTL-VALID-EDDSA')?.verdict).toBe('PASS');
    await expectAnchored(path.join(project, 'reports/report.sarif'), 'conformance.config.ts');

    // The public entry: its declarations type-check a team's config, and run() runs from a script.
    const tsc = await sh(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'conformance.config.ts'], project);
    expect(tsc.code, tsc.stdout).toBe(0);
    await writeFile(path.join(project, 'api.mjs'), `import { run } from 'better-auth-conformance';
const outcome = await run({ config: 'conformance.config.ts', overrides: { only: ['CTL-VALID'], report: { outDir: 'api-reports' }, issuer: { mode: 'process' } } });
console.log(JSON.stringify({ exitCode: outcome.exitCode, ids: outcome.report.checks.map((c) => c.id) }));
`);
    const api = await sh(process.execPath, ['api.mjs'], project);
    expect(api.code, api.stderr).toBe(0);
    const result = JSON.parse(api.stdout.trim().split('\n').at(-1)!) as { exitCode: number; ids: string[] };
    expect(result.exitCode).toBe(0);
    expect(result.ids).toContain('CTL-VALID-EDDSA');
    expect(result.ids.every((id) => id.startsWith('CTL-') || id.startsWith('ERR-'))).toBe(true);
  });

  it("mounts in a team's Better Auth as better-auth-conformance/plugin, and external mode with its token runs the claim checks against that server's own key", async () => {
    const project = await scratchDir('ba-staging-');
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'team-auth', version: '1.0.0', private: true, type: 'module' }));
    // The Better Auth the suite is built against, as the team's own dependency (the plugin's peer).
    const betterAuth = JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules/better-auth/package.json'), 'utf8')) as { version: string };
    const installed = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `better-auth@${betterAuth.version}`], project);
    expect(installed.code, installed.stderr).toBe(0);
    await writeFile(path.join(project, 'auth.mjs'), `import http from 'node:http';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import { conformance } from 'better-auth-conformance/plugin';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = \`http://127.0.0.1:\${server.address().port}\`;
const auth = betterAuth({
  baseURL,
  secret: 'team-staging-secret-0123456789abcdefghijklmnop',
  database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [jwt(), conformance({ token: process.env.BA_CONFORMANCE_TOKEN })],
});
server.on('request', toNodeHandler(auth));
console.log(JSON.stringify({ baseURL }));
`);
    const token = randomBytes(32).toString('base64url');
    const auth = spawn(process.execPath, ['auth.mjs'], { cwd: project, env: teamEnv({ BA_CONFORMANCE_TOKEN: token }), stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let said = '';
      auth.stderr.on('data', (d: Buffer) => (said += d.toString()));
      const baseURL = await new Promise<string>((resolve, reject) => {
        auth.stdout.on('data', (d: Buffer) => {
          const line = d.toString().split('\n').find((l) => l.startsWith('{'));
          if (line) resolve((JSON.parse(line) as { baseURL: string }).baseURL);
        });
        auth.once('exit', (code) => reject(new Error(`the team's Better Auth exited (${code}): ${said}`)));
      });
      const port = await freePort();
      // The example backend, trusting only the team's server, never checks the audience.
      const run = await sh('npx', ['--no-install', 'ba-conformance', 'run', '--issuer-mode', 'external', '--issuer-url', baseURL, '--target', `http://127.0.0.1:${port}`, '--protected', '/api/todos', '--identity', '/api/me', '--only', 'CTL-VALID', 'CLM-AUD-WRONG', '--out', 'reports', '--start', `PORT=${port} FLAW=no-iss-aud-check exec node ${path.join(REPO_ROOT, 'fixtures/backends/node/start.mjs')}`], project, teamEnv({ BA_CONFORMANCE_ISSUER_TOKEN: token }));
      expect(run.stderr + run.stdout).toContain('conformance plugin: mint, fetch-log, sessions');
      const report = JSON.parse(await readFile(path.join(project, 'reports/report.json'), 'utf8')) as Report;
      expect(report.checks.find((c) => c.id === 'CLM-AUD-WRONG')?.verdict, run.stderr).toBe('FAIL');
      expect(run.code).toBe(1);
      // The token is in no report file.
      for (const file of ['report.json', 'summary.md', 'report.sarif']) expect(await readFile(path.join(project, 'reports', file), 'utf8')).not.toContain(token);
    } finally {
      auth.kill('SIGTERM');
    }
  });

  it('runs with npx where there is no package.json, the config and its baseline in .conformance/', async () => {
    const repo = await scratchDir('ba-bare-');
    const cli = (...args: string[]) => sh('npx', ['--yes', '--package', tarball, 'ba-conformance', ...args], repo);
    const configFile = '.conformance/conformance.config.ts';
    await mkdir(path.join(repo, '.conformance'));

    const init = await cli('init', '--out', configFile);
    expect(init.code, init.stderr).toBe(0);
    expect(await readFile(path.join(repo, configFile), 'utf8')).toContain("from 'better-auth-conformance'");
    const list = await cli('list', '--family', 'CTL');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^CTL-VALID-EDDSA /m);

    // The baseline is named relative to the config file, not to the working directory.
    await writeFile(path.join(repo, '.conformance/baseline.yaml'), '- check: SIG-ALG-NONE\n  comment: "known, tracked in SEC-1"\n- check: SIG-ALG-NONE-KEEP-SIG\n  comment: "known, tracked in SEC-1"\n');
    await writeFile(path.join(repo, configFile), teamConfig(path.join(repo, '.conformance'), await freePort(), "\n  report: { baseline: 'baseline.yaml', outDir: 'conformance-reports' },"));
    const run = await cli('run', '--config', configFile, '--only', 'CTL-', 'SIG-ALG-NONE', '--issuer-mode', 'process');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(await readFile(path.join(repo, 'conformance-reports/report.json'), 'utf8')) as Report;
    expect(report.waivers?.applied).toBe(2);
    expect(report.checks.find((c) => c.id === 'SIG-ALG-NONE')).toMatchObject({ verdict: 'FAIL', waiver: { comment: 'known, tracked in SEC-1' } });
    await expectAnchored(path.join(repo, 'conformance-reports/report.sarif'), configFile);
  });
});
