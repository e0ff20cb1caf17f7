// A plain client for what a backend's JWKS fetcher would see: no retries, and (undici's default)
// no redirects followed.
import { request } from 'undici';

export async function get(url: string, options: { timeoutMs?: number; headers?: Record<string, string> } = {}) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const started = Date.now();
  const res = await request(url, {
    headers: options.headers ?? {},
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  let chunks = 0;
  let text = '';
  for await (const chunk of res.body) {
    chunks++;
    text += (chunk as Buffer).toString('utf8');
  }
  return { status: res.statusCode, headers: res.headers, text, chunks, elapsedMs: Date.now() - started };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
