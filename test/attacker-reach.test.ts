// Observe or do not pass: a check that passes because no request reached the attacker listener
// (KEY-JKU, KEY-X5U, JWKS-REDIRECT, JWKS-ISS-DERIVED-URL) decides something only where the backend
// can reach the listener. A remote backend that follows a jku fetches its own loopback, fails, and
// refuses the token; that must not read as PASS. Only loopback addresses are targets here, so the
// unreachable listener is made by a bind: listeners on 127.0.0.2 whose URLs name 127.0.0.3
// (attacker.publicUrl), where nothing listens, as a remote backend's 127.0.0.1 has nothing of ours.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attackerReach, probeReach } from '../harness/attacker/reach.js';
import { unobservedPass } from '../harness/checks/oracle.js';
import { resolveConfig } from '../harness/config/config.js';
import { FAST_JWKS_BOUNDS, nodeFixtureRun } from './support/known-answers.js';
import { runCli } from './support/cli.js';

const loopbackTarget = { baseUrl: 'http://127.0.0.1:8000', protectedPath: '/api/me' };
const remoteTarget = { baseUrl: 'https://api.staging.test', protectedPath: '/api/me', allowRemote: true };
/** The bind that makes the listener unreachable: bound on 127.0.0.2, named 127.0.0.3. */
const UNREACHABLE = ['--attacker-host', '127.0.0.2', '--attacker-public-url', 'http://127.0.0.3'];

describe('attackerReach: from the configuration', () => {
  it('a backend on loopback reaches a loopback listener', () => {
    expect(attackerReach(resolveConfig({ target: loopbackTarget }))).toMatchObject({ host: '127.0.0.1', advertisedHost: '127.0.0.1', reachable: true });
  });

  it('a backend off loopback does not, unless attacker.publicUrl names an address it reaches', () => {
    const remote = attackerReach(resolveConfig({ target: remoteTarget }));
    expect(remote).toMatchObject({ reachable: false, advertisedHost: '127.0.0.1' });
    expect(remote.why).toContain('https://api.staging.test is not on this machine');
    expect(remote.fix).toMatch(/set attacker\.publicUrl to an address of this machine the backend can reach/);
    const declared = attackerReach(resolveConfig({ target: remoteTarget, attacker: { host: '0.0.0.0', publicUrl: 'http://10.0.0.5' } }));
    expect(declared).toMatchObject({ host: '0.0.0.0', advertisedHost: '10.0.0.5', reachable: true });
    expect(declared.why).toContain('attacker.publicUrl');
  });

  it('a backend on loopback that reaches the issuer by another name (a container) may not share our loopback', () => {
    const reach = attackerReach(resolveConfig({ target: loopbackTarget, issuer: { publicUrl: 'http://host.docker.internal:3999' } }));
    expect(reach).toMatchObject({ reachable: false });
    expect(reach.why).toContain('http://host.docker.internal:3999');
    // A loopback name for the issuer says nothing of the kind.
    expect(attackerReach(resolveConfig({ target: loopbackTarget, issuer: { publicUrl: 'http://localhost:3999' } })).reachable).toBe(true);
  });

  it('a wildcard bind is named by loopback; beyond loopback it needs target.allowRemote; publicUrl is http://<address> only', () => {
    expect(attackerReach(resolveConfig({ target: remoteTarget, attacker: { host: '0.0.0.0' } }))).toMatchObject({ advertisedHost: '127.0.0.1', reachable: false });
    expect(() => resolveConfig({ target: loopbackTarget, attacker: { host: '0.0.0.0' } })).toThrow(/attacker\.host 0\.0\.0\.0 is not a loopback address/);
    for (const publicUrl of ['http://10.0.0.5:8080', 'http://10.0.0.5/jwks', 'https://10.0.0.5', 'ftp://10.0.0.5']) {
      expect(() => resolveConfig({ target: remoteTarget, attacker: { publicUrl } }), publicUrl).toThrow(/attacker\.publicUrl|invalid configuration/);
    }
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
    expect(unobservedPass({ verdict: 'PASS', observed: 'x' }, { reachable: true, why: 'loopback' }).verdict).toBe('PASS');
  });
});

describe('probeReach: the listener answers at the address it advertises', () => {
  it('on its bind address it does; bound on 127.0.0.2 and named 127.0.0.3 it does not', async () => {
    const bound = { host: '127.0.0.2', advertisedHost: '127.0.0.2', reachable: true, why: 'declared' };
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

describe('run --plan', () => {
  it('says where the listener is and that a remote backend may not reach it, naming the checks that would be SKIP', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ba-attacker-plan-'));
    const config = path.join(dir, 'conformance.config.mjs');
    await writeFile(config, `export default { target: ${JSON.stringify(remoteTarget)} };\n`);
    const { code, stdout, stderr } = await runCli(['run', '--plan', '--config', config, '--only', 'KEY-JKU', 'KEY-X5U', 'SIG-ALG-NONE']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ {2}attacker {2}listeners at http:\/\/127\.0\.0\.1:<port>, .*\(KEY-JKU, KEY-X5U\)$/m);
    expect(stdout).toMatch(/the backend may not reach them: the backend at https:\/\/api\.staging\.test is not on this machine's loopback.*KEY-JKU, KEY-X5U would be SKIP unless they fail: set attacker\.publicUrl/);
  });
});
