// Suite benchmark: wall time and request count of a run of every family but JWKS against the
// reference fixture (its todo resource and OpenAPI document included), with the issuer start
// excluded (check time) and included (whole run), in process and container mode. The JWKS family waits on caches by design: bench/jwks.ts measures it.
// Usage: npm run bench:suite [-- --runs 5]
import { cpus } from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JWKS_SUITE_CHECKS } from '../suites/jwks/lab.js';
import { resolveConfig } from '../harness/config/config.js';
import { probeDocker } from '../harness/issuer/index.js';
import { freePort } from '../harness/net.js';
import { runConformance } from '../harness/run/run.js';
import { TODO_RESOURCE } from '../fixtures/backends/node/contract.js';
import { median } from './median.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs)}, max ${Math.max(...xs)}, n=${xs.length})`;

const docker = await probeDocker();
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${RUNS} runs per mode; target: the Node reference fixture`);
for (const mode of docker.available ? (['process', 'container'] as const) : (['process'] as const)) {
  const checks: number[] = [];
  const issuer: number[] = [];
  const whole: number[] = [];
  let requests = 0;
  let count = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const port = await freePort();
    const config = resolveConfig({
      target: { baseUrl: `http://127.0.0.1:${port}`, identityPath: '/api/me', openapi: '/openapi.json', start: `PORT=${port} exec node fixtures/backends/node/start.mjs` },
      resources: [TODO_RESOURCE],
      issuer: { mode },
      skip: JWKS_SUITE_CHECKS,
      report: { outDir: await mkdtemp(path.join(tmpdir(), 'ba-bench-')) },
    });
    const { report } = await runConformance(config, () => {});
    if (report.summary.fail + report.summary.error > 0) throw new Error(`the reference run had FAIL/ERROR: ${JSON.stringify(report.summary)}`);
    if (i === 0) continue; // warm-up: bundle, image and module caches
    checks.push(report.run.phasesMs.checks);
    issuer.push(report.run.phasesMs.issuer);
    whole.push(report.run.durationMs);
    requests = report.run.requests;
    count = report.checks.length;
  }
  console.log(`\n[${mode}] ${count} checks, ${requests} requests recorded per run`);
  console.log(`  checks (issuer and backend up)   ${fmt(checks)}`);
  console.log(`  issuer start                     ${fmt(issuer)}`);
  console.log(`  whole run (issuer, backend, checks, report) ${fmt(whole)}`);
}
