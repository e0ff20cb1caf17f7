// The tool's container image (Dockerfile, npm run image), built from `npm pack` on the base this
// machine's node makes (no image registry needed): `docker run --network host <image> run --config`
// against a backend on the host, its issuer a process inside the image on a fixed port the backend
// was told. Runs where a Docker engine answers and npm reaches its registry, and always in CI.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { probeDocker } from '../harness/issuer/index.js';
import { freePort } from '../harness/net.js';
import type { Report } from '../harness/report-model.js';
import { launchTarget } from '../harness/target/launcher.js';
import type { LaunchedTarget } from '../harness/target/launcher.js';
import { buildToolImage, ensureLocalBase } from '../scripts/image.js';
import { packTarball, registryReachable, sh, teamEnv } from './support/pack.js';

const docker = await probeDocker();
const testable = Boolean(process.env.CI) || (docker.available && (await registryReachable()));
const TAG = `ba-conformance-tool:test-${process.pid}`;

describe.skipIf(!testable)(`the container image${docker.available ? '' : ` (${docker.detail})`}`, { timeout: 300_000 }, () => {
  let backend: LaunchedTarget | undefined;
  let packDir: string | undefined;
  let repo: string | undefined;

  beforeAll(async () => {
    packDir = await mkdtemp(path.join(tmpdir(), 'ba-pack-'));
    await buildToolImage({ tarball: await packTarball(packDir), tag: TAG, base: await ensureLocalBase(), env: teamEnv() });
  }, 600_000);

  afterAll(async () => {
    await backend?.stop();
    for (const dir of [packDir, repo]) if (dir) await rm(dir, { recursive: true, force: true });
    await sh('docker', ['rmi', '--force', TAG], REPO_ROOT);
  });

  it('runs the checks with `docker run --network host <image> run --config`, its issuer a process inside', async () => {
    const [issuerPort, backendPort] = [await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${issuerPort}`;
    // The backend trusts the issuer the container will start on the fixed port (jose fetches the JWKS on first use).
    backend = await launchTarget({
      command: `PORT=${backendPort} FLAW=alg-none exec node fixtures/backends/node/start.mjs`,
      cwd: REPO_ROOT,
      baseUrl: `http://127.0.0.1:${backendPort}`,
      readinessPath: '/health',
      readinessTimeoutMs: 30_000,
      requestTimeoutMs: 5_000,
      env: { JWKS_URL: `${issuer}/api/auth/jwks`, JWT_ISSUER: 'team-issuer', JWT_AUDIENCE: 'team-api', JWT_ALGORITHMS: 'EdDSA', BETTER_AUTH_URL: issuer },
    });
    repo = await mkdtemp(path.join(tmpdir(), 'ba-image-repo-'));
    await writeFile(path.join(repo, 'conformance.config.ts'), `import { defineConfig } from 'better-auth-conformance';
export default defineConfig({
  target: { baseUrl: 'http://127.0.0.1:${backendPort}', protectedPath: '/api/todos', identityPath: '/api/me' },
  issuer: { port: ${issuerPort}, issuer: 'team-issuer', audience: 'team-api', algorithms: ['EdDSA'] },
  profiles: { staging: { target: { baseUrl: 'https://api.staging.example.test', allowRemote: true }, issuer: { mode: 'external', url: 'https://auth.staging.example.test' } } },
});
`);
    const run = await sh('docker', ['run', '--rm', '--network', 'host', '-v', `${repo}:/work`, TAG, 'run', '--config', 'conformance.config.ts', '--only', 'CTL-', 'SIG-ALG-NONE'], repo);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(await readFile(path.join(repo, 'reports/report.json'), 'utf8')) as Report;
    expect(report.issuer).toMatchObject({ mode: 'process', issuer: 'team-issuer', jwksUrl: `${issuer}/api/auth/jwks` });
    expect(report.checks.find((c) => c.id === 'CTL-VALID-EDDSA')?.verdict).toBe('PASS');
    expect(report.checks.find((c) => c.id === 'SIG-ALG-NONE')?.verdict).toBe('FAIL');
    const sarif = JSON.parse(await readFile(path.join(repo, 'reports/report.sarif'), 'utf8')) as Log;
    const uris = (sarif.runs[0]!.results ?? []).flatMap((r) => (r.locations ?? []).map((l) => l.physicalLocation?.artifactLocation?.uri));
    expect(uris.length).toBeGreaterThan(0);
    expect(new Set(uris)).toEqual(new Set(['conformance.config.ts']));

    // The image sets no issuer mode of its own: the config's profile chooses the external mode (--plan sends nothing).
    const plan = await sh('docker', ['run', '--rm', '--network', 'host', '-v', `${repo}:/work`, TAG, 'run', '--config', 'conformance.config.ts', '--profile', 'staging', '--plan'], repo);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Plan: https://api.staging.example.test, with the external issuer at https://auth.staging.example.test');
    expect(plan.stdout).toContain('config: issuer.port (conformance.config.ts) is ignored');
  });
});
