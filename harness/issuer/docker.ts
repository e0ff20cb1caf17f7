// Is a Docker engine answering? Asked directly (GET /_ping) with a short timeout, so `auto` mode
// decides in milliseconds instead of waiting on testcontainers' strategy chain.
import { Agent, request } from 'undici';

export interface DockerProbe {
  available: boolean;
  endpoint: string;
  /** Why it is or is not available, in words fit for a log line. */
  detail: string;
}

export async function probeDocker(timeoutMs = 1_500): Promise<DockerProbe> {
  const endpoint = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const socketPath = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : undefined;
  const base = socketPath
    ? 'http://docker.invalid'
    : endpoint.replace(/^tcp:\/\//, process.env.DOCKER_TLS_VERIFY ? 'https://' : 'http://');
  const agent = new Agent(socketPath ? { connect: { socketPath } } : {});
  try {
    const res = await request(new URL('/_ping', base), {
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.body.text();
    return res.statusCode === 200
      ? { available: true, endpoint, detail: `a Docker engine answered at ${endpoint}` }
      : { available: false, endpoint, detail: `${endpoint} answered ${res.statusCode} ${body.slice(0, 80)}` };
  } catch (err) {
    const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    return { available: false, endpoint, detail: `no Docker engine answered at ${endpoint} (${why})` };
  } finally {
    await agent.close();
  }
}
