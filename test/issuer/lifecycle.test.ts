// Start, stop and clean-up: nothing is left behind after stop(), after the harness is interrupted,
// or after it is killed outright; the container is published on loopback only; errors say what to do.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors.js';
import { REPO_ROOT } from '../../harness/issuer/bundle.js';
import { inspectContainer } from '../../harness/issuer/docker.js';
import { probeDocker, startIssuer } from '../../harness/issuer/index.js';
import { pollUntil } from '../../harness/poll.js';
import { get, isAlive } from '../support/http.js';
import { CONTAINERS_TESTABLE, describeEachMode } from '../support/modes.js';

async function gone(mode: 'process' | 'container', id: string, timeoutMs: number): Promise<void> {
  await pollUntil(async () => ((mode === 'process' ? !isAlive(Number(id)) : (await inspectContainer(id)) === null) ? true : undefined), {
    timeoutMs,
    what: `${mode} ${id} to be gone`,
  });
}

function startParent(mode: 'process' | 'container', leaseMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/parent.ts', mode, String(leaseMs)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = new Promise<{ id: string; url: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { id: string; url: string }));
    child.once('exit', (code) => reject(new Error(`parent exited (${code}) before starting the issuer:\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, started, exited };
}

describeEachMode('lifecycle', (mode) => {
  it('stop() removes the process or container, and is idempotent', async () => {
    const issuer = await startIssuer({ mode });
    expect((await get(issuer.jwksUrl)).status).toBe(200);
    await issuer.stop();
    await gone(mode, issuer.runtimeId, 1_000); // stop() resolves only once it is gone
    await issuer.stop();
    await expect(get(issuer.jwksUrl, { timeoutMs: 1_000 })).rejects.toThrow();
  });

  it('`await using` stops the issuer when the scope ends', async () => {
    let id: string;
    {
      await using issuer = await startIssuer({ mode });
      id = issuer.runtimeId;
      expect((await get(issuer.jwksUrl)).status).toBe(200);
    }
    await gone(mode, id, 1_000);
  });

  it('nothing is left when the harness is interrupted (SIGTERM, SIGINT)', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const parent = startParent(mode, 30_000);
      const { id } = await parent.started;
      expect(mode === 'process' ? isAlive(Number(id)) : (await inspectContainer(id))?.State.Running).toBe(true);
      parent.child.kill(signal);
      // 128 + signal number proves the harness's handler ran and exited; a default signal death gives null.
      expect(await parent.exited).toBe(128 + constants.signals[signal]);
      await gone(mode, id, 10_000);
    }
  });

  it('nothing is left when the harness is killed outright (SIGKILL)', async () => {
    const leaseMs = 2_000;
    const parent = startParent(mode, leaseMs);
    const { id, url } = await parent.started;
    parent.child.kill('SIGKILL');
    await parent.exited;
    // A child process sees its stdin close at once; a container's lease runs out and Docker removes it.
    await gone(mode, id, mode === 'process' ? 5_000 : leaseMs + 10_000);
    await expect(get(`${url}/api/auth/ok`, { timeoutMs: 1_000 })).rejects.toThrow();
  });
});

describe.skipIf(!CONTAINERS_TESTABLE)('container specifics', () => {
  it('publishes the port on 127.0.0.1 only, with Docker auto-remove and the harness label', async () => {
    const issuer = await startIssuer({ mode: 'container' });
    try {
      const info = (await inspectContainer(issuer.runtimeId))!;
      const bindings = Object.values(info.HostConfig.PortBindings ?? {}).flat();
      expect(bindings).toEqual([{ HostIp: '127.0.0.1', HostPort: new URL(issuer.url).port }]);
      expect(info.HostConfig.AutoRemove).toBe(true);
      expect(info.Config.Labels?.['ba-conformance.issuer']).toBe('true');
      expect(issuer.baseUrl).toBe(issuer.url); // iss/aud name the address the backend reaches
    } finally {
      await issuer.stop();
    }
  });

  it('honours a fixed port, so a backend can be configured statically', async () => {
    const probe = await startIssuer({ mode: 'process' });
    const port = Number(new URL(probe.url).port);
    await probe.stop(); // a port that was just free
    const issuer = await startIssuer({ mode: 'container', port });
    try {
      expect(issuer.url).toBe(`http://127.0.0.1:${port}`);
      expect((await get(issuer.jwksUrl)).status).toBe(200);
    } finally {
      await issuer.stop();
    }
  });
});

describe('mode choice and errors', () => {
  const savedDockerHost = process.env.DOCKER_HOST;
  afterEach(() => {
    if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedDockerHost;
  });

  it('auto says which runtime it chose and why', async () => {
    const docker = await probeDocker();
    const issuer = await startIssuer({ mode: 'auto' });
    try {
      expect(issuer.mode).toBe(docker.available ? 'container' : 'process');
      expect(issuer.modeReason).toContain(docker.endpoint);
    } finally {
      await issuer.stop();
    }
  });

  it('auto falls back to a child process when no Docker engine answers', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const issuer = await startIssuer({ mode: 'auto' });
    try {
      expect(issuer.mode).toBe('process');
      expect(issuer.modeReason).toMatch(/no Docker engine answered at unix:\/\/\/nonexistent\/docker\.sock.*child process/);
    } finally {
      await issuer.stop();
    }
  });

  it('container mode without an engine fails with DOCKER_UNAVAILABLE and says what to do', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const err = await startIssuer({ mode: 'container' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessError);
    expect(err).toMatchObject({ code: 'DOCKER_UNAVAILABLE', hint: expect.stringMatching(/--mode process/) });
  });

  it('invalid options fail with CONFIG_INVALID naming the field', async () => {
    for (const bad of [{ algorithms: ['HS512'] }, { algorithms: ['EdDSA', 'HS256'] }, { port: 70000 }, { expirationTime: 'soon' }, { algorithms: ['EdDSA', 'EdDSA'] }, { nope: 1 }]) {
      const err = await startIssuer(bad as never).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((err as Error).message).toMatch(new RegExp(Object.keys(bad)[0]!));
    }
  });

  it('a port already in use fails with ISSUER_START_FAILED and the issuer output', async () => {
    const holder = await startIssuer({ mode: 'process' });
    try {
      const err = await startIssuer({ mode: 'process', port: Number(new URL(holder.url).port) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ISSUER_START_FAILED', message: expect.stringMatching(/EADDRINUSE/) });
    } finally {
      await holder.stop();
    }
  });
});
