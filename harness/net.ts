import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** 127.0.0.0/8, ::1 or localhost (a URL's hostname keeps IPv6 brackets). */
export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * A port free on `host` right now, chosen at random outside the range the OS hands out for port 0 and
 * outgoing connections, and not in `avoid`. Between this choice and its use the port is free: an
 * ephemeral one could meanwhile go to any server binding port 0 (an issuer, a lab), which the
 * launcher would then rightly refuse as a squatter.
 */
export async function freePort(host = '127.0.0.1', avoid: ReadonlySet<number> = new Set()): Promise<number> {
  const [low, high] = ephemeralRange();
  // Below the ephemeral range, or above it when it starts too low to leave room.
  const [from, to] = low - 10_000 >= 1_000 ? [10_000, low - 1] : 65_535 - high >= 1_000 ? [high + 1, 65_535] : [1_024, 65_535];
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + randomInt(to - from + 1);
    if (!avoid.has(port) && (await portFree(host, port))) return port;
  }
  throw new Error(`no free port on ${host} between ${from} and ${to}`);
}

/** The OS's range for ephemeral ports (Linux; elsewhere the IANA range). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux
  }
  return [49152, 65535];
}

/** Whether `port` can be bound on `host` right now (it may be taken again before it is used). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections on host:port now (a refused or unanswered connection: no). */
export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
