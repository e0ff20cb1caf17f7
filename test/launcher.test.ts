// Start styles teams use: a start command that does not exec, one whose server outlives its leader,
// one that leaves the group, and a harness that dies outright. Stopping a backend means it is gone;
// a port that answers at a start is named as the harness's own leftover or another server.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { freePort, portAnswers } from '../harness/net.js';
import { pollUntil } from '../harness/poll.js';
import { launchTarget } from '../harness/target/launcher.js';
import { groupMembers, listenersOf } from '../harness/target/processes.js';
import { alive } from './support/procs.js';

/** A server that answers with its pid and, on SIGTERM, takes `graceMs` to close (as next-server or uvicorn drain), then writes `marker` if given. */
const slowServer = (port: number, graceMs: number, marker = '') =>
  `node -e "const s = require('http').createServer((q, r) => r.end(String(process.pid))).listen(${port}, '127.0.0.1'); process.on('SIGTERM', () => setTimeout(() => s.close(() => { if ('${marker}') require('fs').writeFileSync('${marker}', 'drained'); process.exit(0) }), ${graceMs}))"`;

const launchOn = (port: number, command: string) =>
  launchTarget({ command, baseUrl: `http://127.0.0.1:${port}`, readinessPath: '/', readinessTimeoutMs: 10_000, env: {} });

describe('launcher: stopping a backend means it is gone', () => {
  it('a wrapper that does not exec: the server gets its grace, not just the wrapper; stop() returns once every process of the group has exited and the port is free, so a restart on the same port never races', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'ba-launcher-'));
    for (let start = 0; start < 3; start++) {
      // bash forks node (the `; true` keeps bash from exec'ing it); SIGTERM ends bash and sh at once, the server 600 ms later.
      const marker = path.join(dir, `drained-${start}`);
      const target = await launchOn(port, `bash -c "${slowServer(port, 600, marker).replaceAll('"', '\\"')}; true"`);
      const members = groupMembers(target.pid).map((p) => p.pid);
      expect(members.length).toBeGreaterThanOrEqual(2); // sh and node at least: the server is not the leader
      await target.stop();
      expect(groupMembers(target.pid)).toEqual([]);
      expect(members.filter(alive)).toEqual([]);
      expect(await portAnswers('127.0.0.1', port)).toBe(false);
      // A SIGKILL the moment the leader exited would have cut its drain short.
      expect(existsSync(marker)).toBe(true);
    }
  });

  it('a server that ignores SIGTERM is killed once its grace runs out, and the port is free after stop()', async () => {
    const port = await freePort();
    const target = await launchOn(port, `bash -c "node -e \\"process.on('SIGTERM', () => {}); require('http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1')\\"; true"`);
    const started = Date.now();
    await target.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500); // it was given its grace, then SIGKILL
    expect(groupMembers(target.pid)).toEqual([]);
    expect(await portAnswers('127.0.0.1', port)).toBe(false);
  });
});

describe('launcher: a port that answers before the start is named', () => {
  it('another server: its pid and command, not the harness', async () => {
    const squatter = http.createServer((_, res) => res.end('squatter'));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;
    try {
      const error = await launchOn(port, slowServer(port, 0)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: 'TARGET_PORT_TAKEN' });
      expect((error as Error).message).toContain(`pid ${process.pid}`);
      expect((error as Error).message).toContain('already answers before the backend was started');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("the harness's own leftover: a server that left the group (setsid) is named as this run's, with the fix", async () => {
    const port = await freePort();
    const target = await launchOn(port, `setsid ${slowServer(port, 0)} & wait`);
    const [daemon] = listenersOf(port);
    expect(daemon).toBeDefined();
    try {
      await target.stop(); // the group is gone; the daemon is not, and it still holds the port
      expect(groupMembers(target.pid)).toEqual([]);
      const error = await launchOn(port, slowServer(port, 0)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: 'TARGET_PORT_TAKEN' });
      expect((error as Error).message).toContain(`pid ${daemon!.pid}`);
      expect((error as Error).message).toContain("started by this run's earlier start of the backend");
      expect((error as { hint?: string }).hint).toMatch(/exec/);
    } finally {
      process.kill(daemon!.pid, 'SIGKILL');
    }
  });
});

describe('launcher: no orphan backends', () => {
  it('a harness killed outright (SIGKILL) takes its backend with it, wrapper and grandchild alike', async () => {
    const port = await freePort();
    const parent = spawn(process.execPath, ['--import', 'tsx', 'test/support/backend-parent.ts', String(port)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    parent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((resolve) => parent.once('exit', resolve));
    const { pid } = await new Promise<{ pid: number }>((resolve, reject) => {
      createInterface({ input: parent.stdout }).once('line', (line) => resolve(JSON.parse(line) as { pid: number }));
      parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before starting the backend:\n${stderr}`)));
    });
    const members = groupMembers(pid).map((p) => p.pid);
    expect(members.length).toBeGreaterThanOrEqual(2);
    expect(await portAnswers('127.0.0.1', port)).toBe(true);
    parent.kill('SIGKILL');
    await exited;
    await pollUntil(async () => (members.filter(alive).length === 0 && !(await portAnswers('127.0.0.1', port)) ? true : undefined), {
      timeoutMs: 10_000,
      what: `the backend group ${pid} to be gone after its harness was killed`,
    });
  });
});
