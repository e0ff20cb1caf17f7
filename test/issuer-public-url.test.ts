// A harness issuer a backend reaches by another name (issuer.publicUrl): the name is the token's iss
// and aud, and the JWKS URL the backend is given is under it. Here the name is localhost on the
// issuer's fixed port, which the reference backend on this machine can reach; a staging backend would
// be given a tunnel or DNS name with issuer.host 0.0.0.0 and target.allowRemote.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { freePort } from '../harness/net.js';
import type { Report } from '../harness/report-model.js';
import { runCli } from './support/cli.js';

describe('issuer.publicUrl', () => {
  it('is the issuer the backend trusts: iss, aud and the JWKS URL, and valid tokens are accepted', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-public-url-'));
    const [issuerPort, backendPort] = [await freePort(), await freePort()];
    const publicUrl = `http://localhost:${issuerPort}`;
    await writeFile(path.join(dir, 'conformance.config.mjs'), `export default {
  target: { baseUrl: 'http://127.0.0.1:${backendPort}', protectedPath: '/api/me', identityPath: '/api/me', cwd: ${JSON.stringify(REPO_ROOT)},
    start: 'PORT={port} exec node fixtures/backends/node/start.mjs' },
  issuer: { mode: 'process', algorithms: ['EdDSA'], port: ${issuerPort}, publicUrl: '${publicUrl}' },
  only: ['CTL-', 'SIG-ALG-NONE'],
  report: { outDir: ${JSON.stringify(path.join(dir, 'out'))} },
};
`);
    const { code, stderr } = await runCli(['run', '--config', path.join(dir, 'conformance.config.mjs')]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, 'out/report.json'), 'utf8')) as Report;
    expect(report.issuer).toMatchObject({ issuer: publicUrl, audience: publicUrl, jwksUrl: `${publicUrl}/api/auth/jwks` });
    expect(report.checks.find((c) => c.id === 'CTL-DIAGNOSIS')?.observed).toMatch(/nothing to diagnose/);
  });
});
