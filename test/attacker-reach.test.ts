// Observe or do not pass: a check that passes because no request reached the attacker listener
// (KEY-JKU, KEY-X5U, JWKS-REDIRECT, JWKS-ISS-DERIVED-URL) decides something only where the backend
// can reach the listener. A backend elsewhere that follows a jku fetches its own loopback, fails, and
// refuses the token; that must not read as PASS. Where the backend is comes from evidence (where its
// JWKS fetches to the harness issuer come from), else from the configuration. Only addresses of this
// machine are used: an unreachable listener is made by a bind (listeners on 127.0.0.2 named 127.0.0.3),
// or by a backend whose loopback is its own (test/support/own-loopback.mjs) that reaches the issuer
// at this machine's other address (eth0's), never over loopback.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attackerReach, probeReach, reachFromFetches } from '../harness/attacker/reach.js';
import { AttackerListener } from '../harness/attacker/listener.js';
import type { Exchange } from '../harness/checks/model.js';
import { FETCH_WINDOW_MS, expectRejectedWithoutFetch, unobservedPass } from '../harness/checks/oracle.js';
import { resolveConfig } from '../harness/config/config.js';
import { REPO_ROOT } from '../harness/issuer/bundle.js';
import { freePort } from '../harness/net.js';
import { pollUntil } from '../harness/poll.js';
import { FAST_JWKS_BOUNDS, nodeFixtureRun, runSuite } from './support/known-answers.js';
import { runCli } from './support/cli.js';

const loopbackTarget = { baseUrl: 'http://127.0.0.1:8000', protectedPath: '/api/me' };
const startedTarget = { ...loopbackTarget, start: 'PORT={port} exec node server.js' };
const remoteTarget = { baseUrl: 'https://api.staging.test', protectedPath: '/api/me', allowRemote: true };
/** The bind that makes the listener unreachable: bound on 127.0.0.2, named 127.0.0.3. */
const UNREACHABLE = ['--attacker-host', '127.0.0.2', '--attacker-public-url', 'http://127.0.0.3'];

describe('attackerReach: the configuration rule (no evidence)', () => {
  it('a backend the harness started on loopback, trusting an issuer on loopback, reaches a loopback listener', () => {
    expect(attackerReach(resolveConfig({ target: startedTarget }))).toMatchObject({ host: '127.0.0.1', advertisedHost: '127.0.0.1', reachable: true, fetchesDecide: true });
  });

  it('a loopback URL the harness did not start may be a port-forward to a container or pod: unreachable, in every issuer mode', () => {
    for (const issuer of [{}, { mode: 'process' }, { mode: 'external', url: 'https://auth.staging.test' }]) {
      const reach = attackerReach(resolveConfig({ target: loopbackTarget, issuer }));
      expect(reach, JSON.stringify(issuer)).toMatchObject({ reachable: false, fetchesDecide: true });
      expect(reach.why).toContain('the harness did not start the backend at http://127.0.0.1:8000, and a loopback URL may be a port-forward to a container or pod');
      expect(reach.fix).toContain('http://127.0.0.1 for a backend that shares its loopback');
    }
    // Started by the harness with an external issuer: the configuration rule has no issuer address to doubt.
    expect(attackerReach(resolveConfig({ target: startedTarget, issuer: { mode: 'external', url: 'https://auth.staging.test' } })).reachable).toBe(true);
  });

  it('a start command that runs a container, or an issuer listening beyond loopback, says the backend may be elsewhere', () => {
    const docker = attackerReach(resolveConfig({ target: { ...startedTarget, start: 'docker run --rm -p {port}:8080 api:latest' } }));
    expect(docker).toMatchObject({ reachable: false });
    expect(docker.why).toContain('runs a container or pod (docker run --rm …)');
    const wide = attackerReach(resolveConfig({ target: { ...startedTarget, allowRemote: true }, issuer: { host: '0.0.0.0' } }));
    expect(wide).toMatchObject({ reachable: false });
    expect(wide.why).toContain('the issuer listens on 0.0.0.0, beyond loopback');
  });

  it('a backend off loopback does not, unless attacker.publicUrl names an address it reaches', () => {
    const remote = attackerReach(resolveConfig({ target: remoteTarget }));
    // Not even loopback fetches decide for it (they would come through a tunnel, whose far end's loopback is its own).
    expect(remote).toMatchObject({ reachable: false, advertisedHost: '127.0.0.1', fetchesDecide: false });
    expect(reachFromFetches(remote, [{ remoteAddress: '127.0.0.1', headers: { host: '127.0.0.1:3999' } }]).reachable).toBe(false);
    expect(remote.why).toContain('https://api.staging.test is not on this machine');
    expect(remote.fix).toMatch(/set attacker\.publicUrl to an address of this machine the backend can reach/);
    const declared = attackerReach(resolveConfig({ target: remoteTarget, attacker: { host: '0.0.0.0', publicUrl: 'http://10.0.0.5' } }));
    expect(declared).toMatchObject({ host: '0.0.0.0', advertisedHost: '10.0.0.5', reachable: true, fetchesDecide: false });
    expect(declared.why).toContain('attacker.publicUrl');
    // The user's word holds for a backend the harness did not start, too.
    expect(attackerReach(resolveConfig({ target: loopbackTarget, attacker: { publicUrl: 'http://127.0.0.1' } })).reachable).toBe(true);
  });

  it('a backend on loopback that reaches the issuer by another name (a container) may not share our loopback', () => {
    const reach = attackerReach(resolveConfig({ target: startedTarget, issuer: { publicUrl: 'http://host.docker.internal:3999' } }));
    expect(reach).toMatchObject({ reachable: false });
    expect(reach.why).toContain('http://host.docker.internal:3999');
    // A loopback name for the issuer says nothing of the kind.
    expect(attackerReach(resolveConfig({ target: startedTarget, issuer: { publicUrl: 'http://localhost:3999' } })).reachable).toBe(true);
  });

  it('a wildcard bind is named by loopback; beyond loopback it needs target.allowRemote; publicUrl is http://<address> only', () => {
    expect(attackerReach(resolveConfig({ target: remoteTarget, attacker: { host: '0.0.0.0' } }))).toMatchObject({ advertisedHost: '127.0.0.1', reachable: false });
    expect(() => resolveConfig({ target: loopbackTarget, attacker: { host: '0.0.0.0' } })).toThrow(/attacker\.host 0\.0\.0\.0 is not a loopback address/);
    for (const publicUrl of ['http://10.0.0.5:8080', 'http://10.0.0.5/jwks', 'https://10.0.0.5', 'ftp://10.0.0.5']) {
      expect(() => resolveConfig({ target: remoteTarget, attacker: { publicUrl } }), publicUrl).toThrow(/attacker\.publicUrl|invalid configuration/);
    }
  });
});

describe('reachFromFetches: the evidence of the JWKS fetch log', () => {
  const fetchFrom = (remoteAddress: string, host?: string) => ({ remoteAddress, headers: host === undefined ? {} : { host } as Record<string, string> });
  const unstarted = attackerReach(resolveConfig({ target: loopbackTarget }));
  const started = attackerReach(resolveConfig({ target: startedTarget }));

  it('all over loopback (a loopback address, dialling a loopback name): reachable, whatever the configuration said', () => {
    const reach = reachFromFetches(unstarted, [fetchFrom('127.0.0.1', '127.0.0.1:3999'), fetchFrom('::ffff:127.0.0.1', 'localhost:3999'), fetchFrom('::1', '[::1]:3999')]);
    expect(reach).toMatchObject({ reachable: true });
    expect(reach.why).toBe("the backend's 3 JWKS fetches came over this machine's loopback, where the listener is");
  });

  it('any from another address (a docker bridge gateway, a pod IP): unreachable, naming it, even for a backend the harness started', () => {
    const reach = reachFromFetches(started, [fetchFrom('127.0.0.1', '127.0.0.1:3999'), fetchFrom('172.17.0.2', '172.17.0.1:3999')]);
    expect(reach).toMatchObject({ reachable: false });
    expect(reach.why).toContain("the backend fetched the issuer's JWKS from 172.17.0.2, not over this machine's loopback");
    expect(reach.fix).toContain('attacker.publicUrl');
  });

  it("from loopback for another host's name (Docker Desktop relays host.docker.internal from 127.0.0.1): unreachable", () => {
    const reach = reachFromFetches(started, [fetchFrom('127.0.0.1', 'host.docker.internal:3999')]);
    expect(reach).toMatchObject({ reachable: false });
    expect(reach.why).toContain('from 127.0.0.1, for the host host.docker.internal');
    expect(reachFromFetches(started, [fetchFrom('127.0.0.1')]).why).toContain('without a Host header');
  });

  it('an issuer in a container sees Docker\'s gateway for every client: the dialled name decides', () => {
    expect(reachFromFetches(unstarted, [fetchFrom('172.17.0.1', '127.0.0.1:3999')], true).reachable).toBe(true);
    expect(reachFromFetches(started, [fetchFrom('172.17.0.1', '172.17.0.1:3999')], true).reachable).toBe(false);
    expect(reachFromFetches(started, [fetchFrom('172.17.0.1', '127.0.0.1:3999')], false).reachable).toBe(false);
  });

  it('no fetch at all (a shared HS256 secret, a backend that never fetched), or attacker.publicUrl: the configuration stands', () => {
    expect(reachFromFetches(unstarted, [])).toEqual(unstarted);
    expect(reachFromFetches(started, [])).toEqual(started);
    const declared = attackerReach(resolveConfig({ target: remoteTarget, attacker: { host: '0.0.0.0', publicUrl: 'http://10.0.0.5' } }));
    expect(reachFromFetches(declared, [fetchFrom('172.17.0.2', 'x:1')])).toEqual(declared);
  });
});

describe('unobservedPass', () => {
  const unreachable = { reachable: false, why: 'the backend is elsewhere', fix: 'set attacker.publicUrl' };
  it('turns a PASS into SKIP with the reason and the fix when the listener is unreachable', () => {
    const result = unobservedPass({ verdict: 'PASS', observed: 'all 6 rejected (401×6); no request reached the attacker listener', measured: { attackerFetches: 0 } }, unreachable);
    expect(result.verdict).toBe('SKIP');
    expect(result.observed).toMatch(/^undecided: the backend may not reach the attacker listener \(the backend is elsewhere\).*all 6 rejected.*To decide it, set attacker\.publicUrl$/);
    expect(result.measured).toEqual({ attackerFetches: 0, attackerReachable: 'no' });
  });

  it('keeps every finding, and a PASS where the listener is reachable', () => {
    for (const verdict of ['FAIL', 'NON-STRICT', 'ERROR', 'INFO'] as const) expect(unobservedPass({ verdict, observed: 'x' }, unreachable).verdict).toBe(verdict);
    const kept = unobservedPass({ verdict: 'PASS', observed: 'x' }, { reachable: true, why: 'loopback' });
    expect(kept).toMatchObject({ verdict: 'PASS', observed: 'x (the backend reaches the listener: loopback)', measured: { attackerReachable: 'yes' } });
  });
});

describe('expectRejectedWithoutFetch: a window after the last answer', () => {
  const refused = (label: string): Exchange => ({ label, request: { method: 'GET', url: 'http://127.0.0.1:1/api/me', headers: {} }, response: { status: 401, headers: {}, bodyExcerpt: '' }, outcome: 'rejected', durationMs: 1 });

  it('sees a fetch the backend makes after answering 401, and returns as soon as it arrives', async () => {
    const listener = await AttackerListener.start();
    try {
      const url = listener.serve('/jku/jwks.json', 'application/json', '{"keys":[]}');
      const started = performance.now();
      // A backend that answers first and fetches the jku in the background, 300 ms later.
      setTimeout(() => void fetch(url).then((r) => r.body?.cancel()), 200);
      const result = await expectRejectedWithoutFetch([refused('jku')], listener, '/jku/', 'high');
      const tookMs = performance.now() - started;
      expect(result).toMatchObject({ verdict: 'FAIL', severity: 'high', measured: { attackerFetches: 1 } });
      expect(tookMs).toBeGreaterThanOrEqual(150);
      expect(tookMs).toBeLessThan(FETCH_WINDOW_MS);
    } finally {
      await listener.stop();
    }
  });

  it('passes only after the whole window, and says how long it watched', async () => {
    const listener = await AttackerListener.start();
    try {
      const started = performance.now();
      const result = await expectRejectedWithoutFetch([refused('jku'), refused('x5u')], listener, '/jku/');
      expect(performance.now() - started).toBeGreaterThanOrEqual(FETCH_WINDOW_MS - 20);
      expect(result).toMatchObject({ verdict: 'PASS', measured: { attackerFetches: 0 } });
      expect(result.observed).toBe('all 2 rejected (401×2); no request reached the attacker listener within 1 s of the last answer');
    } finally {
      await listener.stop();
    }
  });
});

describe('probeReach: the listener answers at the address it advertises', () => {
  it('on its bind address it does; bound on 127.0.0.2 and named 127.0.0.3 it does not', async () => {
    const bound = { host: '127.0.0.2', advertisedHost: '127.0.0.2', reachable: true, fetchesDecide: false, why: 'declared' };
    expect(await probeReach(bound)).toEqual(bound);
    const elsewhere = await probeReach({ ...bound, advertisedHost: '127.0.0.3' });
    expect(elsewhere.reachable).toBe(false);
    expect(elsewhere.why).toMatch(/bound on 127\.0\.0\.2 does not answer at its own address http:\/\/127\.0\.0\.3:\d+ \(.*ECONNREFUSED/);
    expect(elsewhere.fix).toContain('attacker.host');
  });
});

describe('a jku-following backend (node fixture, FLAW=jku)', { timeout: 180_000 }, () => {
  it('FAILs KEY-JKU where it reaches the listener, and is SKIP, never PASS, where it cannot', async () => {
    const [reached, unreached] = await Promise.all([nodeFixtureRun('jku', 'process', ['--only', 'KEY-JKU']), nodeFixtureRun('jku', 'process', ['--only', 'KEY-JKU', ...UNREACHABLE])]);
    const jkuOf = (report: typeof reached.report) => report.checks.find((c) => c.id === 'KEY-JKU');
    // Reachable: the backend fetched the attacker's JWKS and accepted its tokens.
    expect(jkuOf(reached.report)?.verdict, reached.stderr).toBe('FAIL');
    expect(Number(jkuOf(reached.report)?.measured?.attackerFetches)).toBeGreaterThan(0);
    expect(reached.code).toBe(1);
    // Unreachable: the same backend tried http://127.0.0.3:<port>/jku/jwks.json, where nothing listens, and refused every token.
    const jku = jkuOf(unreached.report);
    expect(jku?.verdict, unreached.stderr).toBe('SKIP');
    expect(jku?.evidence.length).toBeGreaterThan(0);
    for (const e of jku!.evidence) {
      expect(e.outcome).toBe('rejected');
      expect((e.request.token?.header as { jku?: string }).jku).toMatch(/^http:\/\/127\.0\.0\.3:\d+\/jku\/jwks\.json$/);
    }
    expect(jku?.observed).toMatch(/^undecided: the backend may not reach the attacker listener \(the listener bound on 127\.0\.0\.2 does not answer at its own address/);
    expect(jku?.observed).toContain('To decide it, bind the listener where attacker.publicUrl points');
    expect(unreached.stderr + unreached.stdout).toMatch(/attacker: WARNING: the listener bound on 127\.0\.0\.2 does not answer/);
    expect(unreached.code).toBe(0);
  });
});

describe('a backend that derives its JWKS URL from iss (node fixture, FLAW=jwks-from-iss)', { timeout: 180_000 }, () => {
  it('is SKIP on JWKS-ISS-DERIVED-URL, never PASS, when the origin its tokens name is unreachable (in a lab, as the JWKS checks run)', async () => {
    // Reachable, it FAILs: the known answers (fixtures/backends/node/expected/jwks-from-iss.json).
    const { report, stderr } = await nodeFixtureRun('jwks-from-iss', 'process', ['--only', 'JWKS-ISS-DERIVED-URL', ...FAST_JWKS_BOUNDS, ...UNREACHABLE]);
    const check = report.checks.find((c) => c.id === 'JWKS-ISS-DERIVED-URL');
    expect(check?.verdict, stderr).toBe('SKIP');
    expect(check?.evidence.filter((e) => /^http:\/\/127\.0\.0\.3:\d+(\/api\/auth)?$/.test(String((e.request.token?.payload as { iss?: string } | undefined)?.iss)))).toHaveLength(2);
    expect(check?.observed).toMatch(/^undecided: the backend may not reach the attacker listener .*all 2 rejected/);
  });
});

/** This machine's first IPv4 address off loopback (eth0's), if any: the backends below reach the issuer there, never over loopback. */
const LOCAL_ADDRESS = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
/** Preloaded into a backend, refuses its connections to loopback: its loopback is its own, as a container's is. */
const OWN_LOOPBACK = `--import=${pathToFileURL(path.join(REPO_ROOT, 'test/support/own-loopback.mjs')).href}`;
const JKU_ISSUER = 'http://reach-evidence.test';

/** The node fixture (FLAW=jku) started by the test, not the harness, on 127.0.0.1:`port`, trusting `jwksUrl`. */
async function ownBackend(port: number, jwksUrl: string, ownLoopback: boolean): Promise<ChildProcess> {
  const env = { ...process.env, FLAW: 'jku', PORT: String(port), JWKS_URL: jwksUrl, JWT_ISSUER: JKU_ISSUER, JWT_AUDIENCE: JKU_ISSUER, JWT_ALGORITHMS: 'EdDSA', ...(ownLoopback ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${OWN_LOOPBACK}` } : {}) };
  const child = spawn(process.execPath, ['fixtures/backends/node/start.mjs'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
  await pollUntil(() => fetch(`http://127.0.0.1:${port}/api/me`).then((r) => (void r.body?.cancel(), true), () => undefined), { timeoutMs: 60_000, what: 'the test backend' });
  return child;
}

/** A KEY-JKU run against the backend on 127.0.0.1:`port` with this config (the issuer's iss and aud those the backend expects). */
async function jkuRun(port: number, issuer: Record<string, unknown>, target: Record<string, unknown> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'ba-reach-evidence-'));
  const config = path.join(dir, 'conformance.config.mjs');
  const settings = {
    target: { baseUrl: `http://127.0.0.1:${port}`, protectedPath: '/api/me', identityPath: '/api/me', cwd: REPO_ROOT, ...target },
    issuer: { mode: 'process', algorithms: ['EdDSA'], issuer: JKU_ISSUER, audience: JKU_ISSUER, ...issuer },
  };
  await writeFile(config, `export default ${JSON.stringify(settings)};\n`);
  const run = await runSuite(['--config', config, '--only', 'KEY-JKU']);
  return { ...run, jku: run.report.checks.find((c) => c.id === 'KEY-JKU') };
}

describe('where the backend\'s JWKS fetches come from decides (node fixture, FLAW=jku)', { timeout: 180_000 }, () => {
  it.skipIf(!LOCAL_ADDRESS)('a backend the harness did not start, on 127.0.0.1, fetching the JWKS from this machine\'s other address with a loopback of its own: SKIP, naming the address (PASS before)', async () => {
    const [issuerPort, port] = [await freePort(), await freePort()];
    const backend = await ownBackend(port, `http://${LOCAL_ADDRESS}:${issuerPort}/api/auth/jwks`, true);
    try {
      const { jku, stderr, stdout } = await jkuRun(port, { host: LOCAL_ADDRESS, port: issuerPort }, { allowRemote: true });
      // The backend tried the jku on its own loopback (refused), refused every token: nothing reached the listener.
      expect(jku?.verdict, stderr).toBe('SKIP');
      expect(jku?.measured?.attackerFetches).toBe(0);
      expect(jku?.evidence.every((e) => e.outcome === 'rejected')).toBe(true);
      expect(jku?.observed).toContain(`the backend fetched the issuer's JWKS from ${LOCAL_ADDRESS}, not over this machine's loopback`);
      expect(stdout + stderr).toMatch(/attacker: by the configuration, the backend may not reach the listener at 127\.0\.0\.1/);
    } finally {
      backend.kill();
    }
  });

  it.skipIf(!LOCAL_ADDRESS)('a backend the harness started, reaching the loopback issuer through a relay at another address (as Docker Desktop relays host.docker.internal): SKIP, though the configuration says reachable (PASS before)', async () => {
    const issuerPort = await freePort();
    // The relay: connections to <this machine's address>:<port> arrive at the issuer from 127.0.0.1, for another host's name.
    const relay = net.createServer((c) => {
      const up = net.connect(issuerPort, '127.0.0.1');
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, LOCAL_ADDRESS, resolve));
    const relayUrl = `http://${LOCAL_ADDRESS}:${(relay.address() as AddressInfo).port}/api/auth/jwks`;
    try {
      const start = `FLAW=jku JWKS_URL=${relayUrl} NODE_OPTIONS='${OWN_LOOPBACK}' PORT={port} exec node fixtures/backends/node/start.mjs`;
      const { jku, stderr } = await jkuRun(await freePort(), { port: issuerPort }, { start });
      expect(jku?.verdict, stderr).toBe('SKIP');
      expect(jku?.measured?.attackerFetches).toBe(0);
      expect(jku?.observed).toContain(`from 127.0.0.1, for the host ${LOCAL_ADDRESS}, not over this machine's loopback`);
    } finally {
      relay.close();
    }
  });

  it('a backend the harness did not start, fetching the JWKS over loopback: decided (FAIL: it fetched the jku and accepted), where the configuration alone would say SKIP', async () => {
    const [issuerPort, port] = [await freePort(), await freePort()];
    const backend = await ownBackend(port, `http://127.0.0.1:${issuerPort}/api/auth/jwks`, false);
    try {
      const { jku, stderr, code } = await jkuRun(port, { port: issuerPort });
      expect(jku?.verdict, stderr).toBe('FAIL');
      expect(Number(jku?.measured?.attackerFetches)).toBeGreaterThan(0);
      expect(code).toBe(1);
    } finally {
      backend.kill();
    }
  });
});

describe('run --plan', () => {
  it('says where the listener is and that a remote backend may not reach it, naming the checks that would be SKIP', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-attacker-plan-'));
    const config = path.join(dir, 'conformance.config.mjs');
    await writeFile(config, `export default { target: ${JSON.stringify(remoteTarget)} };\n`);
    const { code, stdout, stderr } = await runCli(['run', '--plan', '--config', config, '--only', 'KEY-JKU', 'KEY-X5U', 'SIG-ALG-NONE']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ {2}attacker {2}listeners at http:\/\/127\.0\.0\.1:<port>, .*\(KEY-JKU, KEY-JKU-ALLOWLIST-BYPASS, KEY-X5U\)$/m);
    expect(stdout).toMatch(/by the configuration, the backend may not reach them: the backend at https:\/\/api\.staging\.test is not on this machine's loopback.*KEY-JKU, KEY-JKU-ALLOWLIST-BYPASS, KEY-X5U would be SKIP unless they fail: set attacker\.publicUrl/);
  });

  it('for a loopback backend the harness does not start: SKIP by the configuration, and the JWKS fetches may decide at run time', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-attacker-plan-'));
    const config = path.join(dir, 'conformance.config.mjs');
    await writeFile(config, `export default { target: ${JSON.stringify(loopbackTarget)}, issuer: { mode: 'process' } };\n`);
    const { code, stdout, stderr } = await runCli(['run', '--plan', '--config', config, '--only', 'KEY-JKU']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/by the configuration, the backend may not reach them: the harness did not start the backend at http:\/\/127\.0\.0\.1:8000, and a loopback URL may be a port-forward to a container or pod.*KEY-JKU, KEY-JKU-ALLOWLIST-BYPASS would be SKIP unless they fail/);
    expect(stdout).toContain("At run time, where the backend's JWKS fetches to the harness issuer come from decides instead, check by check: all over this machine's loopback, it reaches them; any from elsewhere, it may not (KEY-JKU, KEY-JKU-ALLOWLIST-BYPASS SKIP unless they fail).");
  });
});
