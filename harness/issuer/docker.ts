// Direct, short-timeout questions to the Docker engine API: is an engine answering (so `auto` mode
// decides in milliseconds instead of waiting on testcontainers' strategy chain), and what became of
// a container.
import { Agent, request } from 'undici';

export interface DockerProbe {
  available: boolean;
  endpoint: string;
  /** Why it is or is not available, in words fit for a log line. */
  detail: string;
}

function dockerEndpoint() {
  const endpoint = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  const socketPath = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : undefined;
  const base = socketPath ? 'http://docker.invalid' : endpoint.replace(/^tcp:\/\//, process.env.DOCKER_TLS_VERIFY ? 'https://' : 'http://');
  return { endpoint, socketPath, base };
}

async function dockerGet(path: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return dockerRequest('GET', path, timeoutMs);
}

async function dockerRequest(method: 'GET' | 'DELETE', path: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  const { socketPath, base } = dockerEndpoint();
  const agent = new Agent(socketPath ? { connect: { socketPath } } : {});
  try {
    const res = await request(new URL(path, base), {
      method,
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.statusCode, text: await res.body.text() };
  } finally {
    await agent.close();
  }
}

export async function probeDocker(timeoutMs = 1_500): Promise<DockerProbe> {
  const { endpoint } = dockerEndpoint();
  try {
    const res = await dockerGet('/_ping', timeoutMs);
    return res.status === 200
      ? { available: true, endpoint, detail: `a Docker engine answered at ${endpoint}` }
      : { available: false, endpoint, detail: `${endpoint} answered ${res.status} ${res.text.slice(0, 80)}` };
  } catch (err) {
    const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    return { available: false, endpoint, detail: `no Docker engine answered at ${endpoint} (${why})` };
  }
}

export interface ContainerInspect {
  Id: string;
  State: { Status: string; Running: boolean };
  HostConfig: { AutoRemove?: boolean; PortBindings?: Record<string, { HostIp: string; HostPort: string }[]> };
  Config: { Labels?: Record<string, string> };
}

/** The engine's view of a container, or null once it no longer exists. */
export async function inspectContainer(id: string, timeoutMs = 5_000): Promise<ContainerInspect | null> {
  const res = await dockerGet(`/containers/${encodeURIComponent(id)}/json`, timeoutMs);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`docker inspect ${id} answered ${res.status}: ${res.text.slice(0, 200)}`);
  return JSON.parse(res.text) as ContainerInspect;
}

/**
 * Removes other tags of `repository` than `keep` (superseded issuer images, 105 MB each). Best
 * effort: an image a running container still uses is refused by the engine and stays.
 */
export async function pruneImages(repository: string, keep: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ reference: [repository] }));
  const list = await dockerGet(`/images/json?filters=${filters}`, 5_000);
  if (list.status !== 200) return [];
  const tags = (JSON.parse(list.text) as { RepoTags?: string[] }[]).flatMap((i) => i.RepoTags ?? []).filter((t) => t !== keep && t.startsWith(`${repository}:`));
  const removed: string[] = [];
  for (const tag of tags) {
    const res = await dockerRequest('DELETE', `/images/${encodeURIComponent(tag)}`, 10_000).catch(() => undefined);
    if (res?.status === 200) removed.push(tag);
  }
  return removed;
}
