// startIssuer(): choose the runtime, start the bundled Better Auth issuer in it, return the handle.
import { randomBytes } from 'node:crypto';
import { HarnessError } from '../errors.js';
import { ensureIssuerBundle } from './bundle.js';
import { startContainerIssuer } from './container-runtime.js';
import { probeDocker } from './docker.js';
import { Issuer } from './issuer.js';
import { resolveIssuerOptions } from './options.js';
import type { IssuerMode, IssuerOptions } from './options.js';
import { startProcessIssuer } from './process-runtime.js';
import { SHARED_SECRET_ALG } from './protocol.js';

async function chooseRuntime(mode: IssuerMode): Promise<{ runtime: 'process' | 'container'; reason: string }> {
  if (mode === 'process') return { runtime: 'process', reason: 'process mode was requested' };
  const docker = await probeDocker();
  if (mode === 'container') {
    if (docker.available) return { runtime: 'container', reason: `container mode was requested; ${docker.detail}` };
    throw new HarnessError('DOCKER_UNAVAILABLE', `container mode needs a Docker engine: ${docker.detail}`, {
      hint: 'start the engine (e.g. `dockerd &`, or Docker Desktop), point DOCKER_HOST at it, or run the issuer without Docker: `run --issuer-mode process` (`issuer --mode process`)',
    });
  }
  return docker.available
    ? { runtime: 'container', reason: `auto: ${docker.detail}, so the issuer runs in a container` }
    : { runtime: 'process', reason: `auto: ${docker.detail}, so the issuer runs as a child process` };
}

export async function startIssuer(options: IssuerOptions = {}): Promise<Issuer> {
  const o = resolveIssuerOptions(options);
  const [{ runtime, reason }, bundle] = await Promise.all([chooseRuntime(o.mode), ensureIssuerBundle()]);
  o.log(`issuer: ${runtime} mode (${reason})`);
  // The admin routes exist only in issuers the harness starts, and only with this token.
  const adminToken = randomBytes(32).toString('base64url');
  const started =
    runtime === 'process'
      ? await startProcessIssuer(bundle, { ...o.app, host: o.host, port: o.port }, adminToken, o.startupTimeoutMs)
      : await startContainerIssuer(bundle, o.app, adminToken, {
          hostIp: o.host,
          hostPort: o.port,
          baseImage: o.baseImage,
          leaseMs: o.leaseMs,
          startupTimeoutMs: o.startupTimeoutMs,
          log: o.log,
        });
  return new Issuer(started, adminToken, o.seed, reason, o.app.algorithms, o.app.algorithms[0] === SHARED_SECRET_ALG ? o.app.secret : undefined);
}
