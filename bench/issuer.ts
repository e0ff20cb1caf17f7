// Issuer benchmarks: cold start to the first JWKS response (process and container mode) and tokens
// per second through Better Auth's real GET /api/auth/token. Prints medians of several runs.
// Usage: npm run bench:issuer [-- --runs 7 --tokens 1000]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { probeDocker, startIssuer } from '../harness/issuer/index.js';
import type { Issuer, IssuerMode } from '../harness/issuer/index.js';
import { median } from './median.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, tokens: { type: 'string', default: '1000' } } });
const RUNS = Number(values.runs);
const TOKENS = Number(values.tokens);

const fmt = (xs: number[], unit: string) => `median ${median(xs).toFixed(0)} ${unit} (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;

async function firstJwks(url: string): Promise<void> {
  const res = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`JWKS answered ${res.statusCode}`);
}

async function coldStart(mode: Exclude<IssuerMode, 'auto'>) {
  const ready: number[] = [];
  const jwks: number[] = [];
  const stop: number[] = [];
  // One unmeasured start builds the bundle (and, for containers, the image) if needed.
  await (await startIssuer({ mode })).stop();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const issuer = await startIssuer({ mode });
    const t1 = performance.now();
    await firstJwks(issuer.jwksUrl);
    const t2 = performance.now();
    await issuer.stop();
    ready.push(t1 - t0);
    jwks.push(t2 - t0);
    stop.push(performance.now() - t2);
  }
  return { ready, jwks, stop };
}

async function tokenRate(issuer: Issuer, concurrency: number): Promise<number> {
  const users = await Promise.all(Array.from({ length: Math.min(concurrency, 16) }, () => issuer.createUser()));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < TOKENS) {
        next++;
        await issuer.tokenFor(users[worker % users.length]!);
      }
    }),
  );
  return TOKENS / ((performance.now() - t0) / 1000);
}

const docker = await probeDocker();
const modes: Exclude<IssuerMode, 'auto'>[] = docker.available ? ['process', 'container'] : ['process'];
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; ${RUNS} runs per figure, ${TOKENS} tokens per rate run`);
if (!docker.available) console.log(`container mode skipped: ${docker.detail}`);

for (const mode of modes) {
  const { ready, jwks, stop } = await coldStart(mode);
  console.log(`\n[${mode}] cold start (EdDSA, key generated at start)`);
  console.log(`  startIssuer() resolved      ${fmt(ready, 'ms')}`);
  console.log(`  to first JWKS 200           ${fmt(jwks, 'ms')}`);
  console.log(`  stop() until removed        ${fmt(stop, 'ms')}`);
  const issuer = await startIssuer({ mode });
  try {
    for (const concurrency of [1, 16]) {
      const rates: number[] = [];
      for (let i = 0; i < Math.min(RUNS, 5); i++) rates.push(await tokenRate(issuer, concurrency));
      console.log(`  tokens/s via /api/auth/token, concurrency ${String(concurrency).padEnd(2)} ${fmt(rates, 'tokens/s')}`);
    }
  } finally {
    await issuer.stop();
  }
}
