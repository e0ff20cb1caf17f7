// JWKS family benchmark: wall time of the family (run alone) against the reference fixture, and
// how it grows with the accepted cache age. Two series, each over accepted ages of 5, 10 and 20 s:
//  - "compliant": the backend's jose cache is as long as the accepted age (it drops a removed key
//    in time): the family waits for the backend, about twice the cache age;
//  - "over": jose's default 10 min cache, beyond every accepted age: the family stops waiting at the
//    accepted age (JWKS-REVOKE-PROPAGATION fails there), so the accepted age bounds the wall time.
// The backend's refetch cooldown is 1 s, the wait budget 120 s. Usage: npm run bench:jwks [-- --ages 5,10,20]
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JWKS_SUITE_CHECKS } from '../suites/jwks/lab.js';
import { resolveConfig } from '../harness/config/config.js';
import { freePort } from '../harness/net.js';
import { runConformance } from '../harness/run/run.js';

const { values } = parseArgs({ options: { ages: { type: 'string', default: '5,10,20' } } });
const AGES = values.ages.split(',').map(Number);

async function family(acceptedAgeS: number, backendCacheMs: number | undefined) {
  const port = await freePort();
  const cache = backendCacheMs === undefined ? '' : `JWKS_CACHE_MAX_AGE_MS=${backendCacheMs} `;
  const config = resolveConfig({
    target: { baseUrl: `http://127.0.0.1:${port}`, identityPath: '/api/me', start: `${cache}JWKS_COOLDOWN_MS=1000 PORT=${port} exec node fixtures/backends/node/start.mjs` },
    issuer: { mode: 'process' },
    jwks: { maxCacheAgeS: acceptedAgeS, maxRotationDelayS: 5, waitBudgetS: 120 },
    only: JWKS_SUITE_CHECKS,
    report: { outDir: await mkdtemp(path.join(tmpdir(), 'ba-bench-jwks-')) },
  });
  const { report } = await runConformance(config, () => {});
  const slowest = [...report.checks].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((c) => `${c.id} ${(c.durationMs / 1000).toFixed(1)} s`);
  const revoke = report.checks.find((c) => c.id === 'JWKS-REVOKE-PROPAGATION');
  return { checksS: report.run.phasesMs.checks / 1000, count: report.checks.length, revoke: `${revoke?.verdict} ${JSON.stringify(revoke?.measured ?? {})}`, slowest };
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; the JWKS family alone against the Node reference (process issuer)`);
await family(AGES[0]!, AGES[0]! * 1000); // warm-up: bundle and module caches
for (const [series, cacheFor] of [['compliant (backend cache = accepted age)', (a: number) => a * 1000], ['over (backend cache 10 min)', () => undefined]] as const) {
  console.log(`\n${series}`);
  for (const age of AGES) {
    const r = await family(age, cacheFor(age));
    console.log(`  accepted age ${String(age).padStart(3)} s: family ${r.checksS.toFixed(1)} s for ${r.count} checks; REVOKE ${r.revoke}; slowest: ${r.slowest.join(', ')}`);
  }
}
