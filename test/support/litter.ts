// The litter backend (litter-backend.ts) on a free port, trusting the issuer `env` names. Started by
// the test, not the run, so that what a run leaves in it can be looked at afterwards.
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../../harness/issuer/bundle.js';
import { freePort } from '../../harness/net.js';
import { pollUntil } from '../../harness/poll.js';

export interface LitterBackend {
  url: string;
  /** Every todo it holds, whoever owns it. */
  todos(): Promise<unknown[]>;
  stop(): void;
}

export async function startLitterBackend(env: { JWKS_URL: string; JWT_ISSUER: string; JWT_AUDIENCE: string }): Promise<LitterBackend> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const backend = spawn(process.execPath, ['--import', 'tsx', 'test/support/litter-backend.ts'], { cwd: REPO_ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: 'ignore' });
  const stop = () => void backend.kill('SIGTERM');
  try {
    await pollUntil(async () => ((await fetch(`${url}/health`)).ok ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, what: 'the litter backend' });
  } catch (err) {
    stop();
    throw err;
  }
  return { url, todos: async () => (await (await fetch(`${url}/__todos`)).json()) as unknown[], stop };
}
