// The backend's clock from its Date header (harness/target/clock.ts), against real servers on
// loopback whose Date header runs ahead, behind, or is absent.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOCK_OFFSET_APPLIED_FROM_MS, describeClock, measureClock, offsetFrom } from '../harness/target/clock.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server whose Date header is `offsetMs` off this machine's clock, or carries none, or is one frozen stamp; `age` adds a cache's Age header. */
async function serverWithClock(offsetMs: number | 'none' | 'frozen', age = false): Promise<string> {
  const frozen = new Date(Date.now() - 120_000).toUTCString();
  const server = createServer((_req, res) => {
    if (offsetMs === 'none') res.sendDate = false;
    else res.setHeader('date', offsetMs === 'frozen' ? frozen : new Date(Date.now() + offsetMs).toUTCString());
    if (age) res.setHeader('age', '30');
    res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the backend clock', () => {
  it.each([90_000, -90_000, 3_500, -40_250])('measures a server %i ms off to within a second, and offsets token times by it', async (offsetMs) => {
    const clock = await measureClock(await serverWithClock(offsetMs), '/health', 2_000);
    expect(clock.samples).toBe(7);
    expect(clock.notApplied).toBeUndefined();
    expect(Math.abs(clock.offsetMs! - offsetMs)).toBeLessThan(1_000);
    expect(clock.uncertaintyMs!).toBeLessThan(1_000);
    expect(clock.appliedOffsetS).toBe(Math.round(clock.offsetMs! / 1_000));
    expect(describeClock(clock)).toContain(offsetMs > 0 ? 'ahead of' : 'behind');
  });

  it('leaves token times alone for a server on this clock, and says nothing', async () => {
    const clock = await measureClock(await serverWithClock(0), '/health', 2_000);
    // One answer bounds it within a second and a round trip: no more are asked for (every run pays this).
    expect(clock.samples).toBe(1);
    expect(Math.abs(clock.offsetMs!)).toBeLessThan(CLOCK_OFFSET_APPLIED_FROM_MS);
    expect(clock.appliedOffsetS).toBe(0);
    expect(describeClock(clock)).toBeUndefined();
  });

  it('says the clock was not measured when the answers carry no Date header', async () => {
    const clock = await measureClock(await serverWithClock('none'), '/health', 2_000);
    expect(clock).toEqual({ appliedOffsetS: 0, samples: 0 });
    expect(describeClock(clock)).toContain('no Date header');
  });

  it('does not apply an offset it cannot trust: a Date a proxy keeps frozen, or a cache\'s answer', async () => {
    const frozen = await measureClock(await serverWithClock('frozen'), '/health', 2_000);
    expect(Math.abs(frozen.offsetMs!)).toBeGreaterThan(100_000);
    expect(frozen.appliedOffsetS).toBe(0);
    expect(frozen.notApplied).toContain('did not advance');
    expect(describeClock(frozen)).toContain('token times stay on this machine');
    const cached = await measureClock(await serverWithClock(-90_000, true), '/health', 2_000);
    expect(cached.appliedOffsetS).toBe(0);
    expect(cached.notApplied).toContain('cache');
  });

  it('takes the median of answers that contradict each other (a clock stepped meanwhile, servers behind one address)', () => {
    const at = 1_000_000_000_000;
    const samples = [0, 60_000, 60_000].map((off, i) => ({ sentAt: at + i * 200, receivedAt: at + i * 200 + 10, date: Math.floor((at + i * 200 + off) / 1000) * 1000 }));
    const { offsetMs, uncertaintyMs } = offsetFrom(samples);
    expect(Math.abs(offsetMs! - 60_000)).toBeLessThan(1_000);
    expect(uncertaintyMs!).toBeGreaterThan(29_000);
  });
});
