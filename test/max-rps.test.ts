// target.maxRps, for a staging backend that must not be flooded: the backend itself logs the time of
// every API request it gets (test/support/fault-backend.ts, COUNT_FILE), and no second of the run
// holds more than the limit, whichever workers sent them.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/net.js';
import { runCli } from './support/cli.js';

const MAX_RPS = 8;

describe('--max-rps', () => {
  it(`keeps every one-second window at or under ${MAX_RPS} requests to the backend`, { timeout: 180_000 }, async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'ba-max-rps-'));
    const port = await freePort();
    const count = path.join(out, 'requests.log');
    const { code, stderr } = await runCli([
      'run', '--target', `http://127.0.0.1:${port}`, '--protected', '/api/me', '--identity', '/api/me', '--issuer-mode', 'process',
      '--only', 'SIG-ALG', 'TRN-', '--max-rps', String(MAX_RPS), '--out', out,
      '--start', `FAULT=none COUNT_FILE=${count} PORT={port} exec node --import tsx test/support/fault-backend.ts`,
    ]);
    expect(code, stderr).not.toBe(2);
    const times = (await readFile(count, 'utf8')).split('\n').filter(Boolean).map((l) => Number(l.split(' ')[0])).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(3 * MAX_RPS); // enough requests for the limit to bind
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(MAX_RPS);
    // And it was the limit, not a lack of work, that spread them out.
    expect((times.at(-1)! - times[0]!) / 1000).toBeGreaterThanOrEqual(times.length / MAX_RPS - 2);
  });
});
