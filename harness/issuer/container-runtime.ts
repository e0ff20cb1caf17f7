// Runs the issuer app in a container with testcontainers: the image is built from
// harness/issuer/Dockerfile (no registry needed when the base image is local), the port is
// published on loopback only, and the container is removed on stop, on error, on SIGINT/SIGTERM,
// and by Docker itself when the harness dies without a word (the app's lease runs out).
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { HarnessError } from '../errors.js';
import { freePort } from '../net.js';
import { pollUntil } from '../poll.js';
import { LOCAL_BASE_IMAGE, withTempDir, writeLocalBaseContext } from './base-image.js';
import type { IssuerBundle } from './bundle.js';
import { inspectContainer, pruneImages } from './docker.js';
import { trackForCleanup } from './cleanup.js';
import { AUTH_BASE_PATH, CONTROL_PATH, CONTROL_TOKEN_HEADER, ENV } from './protocol.js';
import type { IssuerAppConfig } from './protocol.js';
import { OutputTail, readyEventFrom } from './runtime.js';
import type { IssuerRuntime, ReadyEvent } from './runtime.js';

export const PUBLIC_BASE_IMAGE = 'node:20-slim';
const ISSUER_IMAGE_REPOSITORY = 'ba-conformance/issuer';
const CONTAINER_PORT = 3000;
const PORT_ATTEMPTS = 3;
/** Labels on every issuer container: what it is, and the pid of the harness process that started it. */
export const ISSUER_LABEL = 'ba-conformance.issuer';
export const OWNER_LABEL = 'ba-conformance.pid';

type Testcontainers = typeof import('testcontainers');

export interface ContainerStartOptions {
  hostIp: string;
  /** 0: a free port is picked. */
  hostPort: number;
  baseImage: string | undefined;
  leaseMs: number;
  startupTimeoutMs: number;
  log: (line: string) => void;
}

async function loadTestcontainers(): Promise<Testcontainers> {
  // The harness cleans up itself (signals, leases, Docker's auto-remove), so Ryuk, whose image would
  // have to be pulled, is not needed; and a local engine is reached on loopback, with no probe image.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (!process.env.DOCKER_HOST || process.env.DOCKER_HOST.startsWith('unix://')) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  return import('testcontainers');
}

const imageBuilds = new Map<string, Promise<string>>();

/** The issuer image for this bundle, built unless it exists. */
async function ensureIssuerImage(tc: Testcontainers, bundle: IssuerBundle, options: ContainerStartOptions): Promise<string> {
  const baseImage = await resolveBaseImage(tc, options);
  const tag = `${ISSUER_IMAGE_REPOSITORY}:${bundle.hash.slice(0, 16)}-${createHash('sha256').update(baseImage).digest('hex').slice(0, 8)}`;
  let build = imageBuilds.get(tag);
  if (!build) {
    build = (async () => {
      const client = await tc.getContainerRuntimeClient();
      if (await client.image.exists(tc.ImageName.fromString(tag))) return tag;
      options.log(`building image ${tag} from ${baseImage}`);
      try {
        await tc.GenericContainer.fromDockerfile(bundle.dir).withBuildArgs({ NODE_IMAGE: baseImage }).build(tag, { deleteOnExit: false });
      } catch (err) {
        throw new HarnessError('IMAGE_BUILD_FAILED', `building the issuer image from ${baseImage} failed: ${(err as Error).message}`, {
          cause: err,
          hint: 'set BA_ISSUER_BASE_IMAGE to a Node >= 20 image the engine has, or run the issuer without Docker: `run --issuer-mode process` (`issuer --mode process`)',
        });
      }
      const pruned = await pruneImages(ISSUER_IMAGE_REPOSITORY, tag).catch(() => []);
      if (pruned.length) options.log(`removed superseded issuer images: ${pruned.join(', ')}`);
      return tag;
    })();
    imageBuilds.set(tag, build);
    build.catch(() => imageBuilds.delete(tag));
  }
  return build;
}

/** The requested base image; else a public Node image if present or pullable; else one built from the host's node. */
async function resolveBaseImage(tc: Testcontainers, options: ContainerStartOptions): Promise<string> {
  if (options.baseImage) return options.baseImage;
  const client = await tc.getContainerRuntimeClient();
  const exists = (name: string) => client.image.exists(tc.ImageName.fromString(name));
  if (await exists(PUBLIC_BASE_IMAGE)) return PUBLIC_BASE_IMAGE;
  if (await exists(LOCAL_BASE_IMAGE)) return LOCAL_BASE_IMAGE;
  try {
    await client.image.pull(tc.ImageName.fromString(PUBLIC_BASE_IMAGE));
    return PUBLIC_BASE_IMAGE;
  } catch (err) {
    options.log(`cannot pull ${PUBLIC_BASE_IMAGE} (${(err as Error).message.split('\n')[0]}); building ${LOCAL_BASE_IMAGE} from this machine's node`);
  }
  await withTempDir(async (dir) => {
    await writeLocalBaseContext(dir);
    await tc.GenericContainer.fromDockerfile(dir).build(LOCAL_BASE_IMAGE, { deleteOnExit: false });
  });
  return LOCAL_BASE_IMAGE;
}

export async function startContainerIssuer(
  bundle: IssuerBundle,
  config: Omit<IssuerAppConfig, 'host' | 'port'>,
  adminToken: string,
  options: ContainerStartOptions,
): Promise<IssuerRuntime> {
  const tc = await loadTestcontainers();
  const image = await ensureIssuerImage(tc, bundle, options);
  for (let attempt = 1; ; attempt++) {
    const hostPort = options.hostPort || (await freePort(options.hostIp));
    try {
      return await startOnce(tc, image, config, adminToken, options, hostPort);
    } catch (err) {
      // Another process may take the port between picking and publishing it: pick again.
      const taken = /port is already allocated|address already in use/i.test(String((err as Error).message));
      if (!taken || options.hostPort !== 0 || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(
  tc: Testcontainers,
  image: string,
  config: Omit<IssuerAppConfig, 'host' | 'port'>,
  adminToken: string,
  options: ContainerStartOptions,
  hostPort: number,
): Promise<IssuerRuntime> {
  const url = `http://${options.hostIp.includes(':') ? `[${options.hostIp}]` : options.hostIp}:${hostPort}`;
  const appConfig: IssuerAppConfig = { ...config, host: '0.0.0.0', port: CONTAINER_PORT, baseUrl: config.baseUrl ?? url };
  const client = await tc.getContainerRuntimeClient();

  let containerId: string | undefined;
  let lease: NodeJS.Timeout | undefined;
  let untrack = () => {};
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      clearInterval(lease);
      if (containerId) {
        const id = containerId;
        const container = client.container.getById(id);
        await client.container.stop(container, { timeout: 2_000 }).catch(() => {});
        // Docker's auto-remove may already be under way; either way, return only once it is gone.
        await client.container.remove(container, { removeVolumes: true }).catch(() => {});
        await pollUntil(async () => ((await inspectContainer(id)) === null ? true : undefined), { timeoutMs: 10_000, what: `container ${id.slice(0, 12)} to be removed` });
      }
      untrack();
    })());

  class LoopbackPublishedContainer extends tc.GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      // testcontainers publishes on every interface; the issuer must be reachable from loopback only.
      this.hostConfig.PortBindings = { [`${CONTAINER_PORT}/tcp`]: [{ HostIp: options.hostIp, HostPort: String(hostPort) }] };
      // Docker removes the container once it exits, also when the app's lease runs out.
      this.hostConfig.AutoRemove = true;
    }
    protected override async containerCreated(id: string): Promise<void> {
      // Tracked from creation on, so a Ctrl-C during start-up removes it too.
      containerId = id;
      untrack = trackForCleanup({ stop });
    }
  }

  let ready: ReadyEvent | undefined;
  const tail = new OutputTail();
  try {
    await new LoopbackPublishedContainer(image)
      .withExposedPorts(CONTAINER_PORT)
      .withEnvironment({
        [ENV.config]: JSON.stringify(appConfig),
        [ENV.adminToken]: adminToken,
        [ENV.leaseMs]: String(options.leaseMs),
      })
      // The pid label names the harness process that owns it, so a leftover can be traced to its run.
      .withLabels({ [ISSUER_LABEL]: 'true', [OWNER_LABEL]: String(process.pid) })
      .withLogConsumer((stream) => {
        // A broken log stream (dockerd restarting) must not crash the harness.
        stream.on('error', (err: Error) => tail.push(`(container log stream failed: ${err.message})`));
        createInterface({ input: stream })
          .on('line', (line) => {
            const event = readyEventFrom(line.trim());
            if (event) ready = event;
            else tail.push(line);
          })
          .on('error', () => {});
      })
      .withWaitStrategy(tc.Wait.forLogMessage(/"event":"ready"/))
      .withStartupTimeout(options.startupTimeoutMs)
      .start();
  } catch (err) {
    await stop();
    const portTaken = /port is already allocated|address already in use/i.test((err as Error).message);
    throw new HarnessError('ISSUER_START_FAILED', `the issuer container did not start: ${(err as Error).message}\n${tail}`, {
      cause: err,
      hint: portTaken
        ? `port ${hostPort} is taken on ${options.hostIp}: free it (\`docker ps --filter label=${ISSUER_LABEL}\` lists issuer containers), or set another issuer.port (0 picks a free one)`
        : 'run `npx ba-conformance issuer --mode container` to see it on its own, or run the issuer without Docker: `run --issuer-mode process` (`issuer --mode process`)',
    });
  }
  lease = setInterval(() => void renewLease(url, adminToken), Math.max(500, options.leaseMs / 3));
  lease.unref();

  try {
    const readyEvent = await pollUntil(async () => ready, { timeoutMs: 5_000, what: 'the ready line in the container log' });
    // docker-proxy accepts connections before the app listens behind it: probe with a short timeout.
    await pollUntil(
      async () => {
        const res = await request(`${url}${AUTH_BASE_PATH}/ok`, { headersTimeout: 500, bodyTimeout: 500, signal: AbortSignal.timeout(500) });
        await res.body.dump();
        return res.statusCode === 200 ? true : undefined;
      },
      { timeoutMs: 10_000, what: `the issuer to answer on ${url}` },
    );
    return { mode: 'container', url, ready: readyEvent, id: containerId!, stop };
  } catch (err) {
    await stop();
    throw new HarnessError('ISSUER_START_FAILED', `the issuer container started but ${(err as Error).message}\n${tail}`, { cause: err });
  }
}

async function renewLease(url: string, adminToken: string): Promise<void> {
  try {
    const res = await request(`${url}${AUTH_BASE_PATH}${CONTROL_PATH}/lease`, {
      method: 'POST',
      headers: { [CONTROL_TOKEN_HEADER]: adminToken, 'content-type': 'application/json' },
      body: '{}',
      headersTimeout: 2_000,
      bodyTimeout: 2_000,
    });
    await res.body.dump();
  } catch {
    // A missed renewal is harmless; the lease is several renewals long.
  }
}
