// A harness process that starts a backend with a wrapper start command (no exec: the server is a
// grandchild) and then waits to be killed: the launcher tests kill it and check that the backend goes with it.
// Usage: node --import tsx test/support/backend-parent.ts <port>
import { launchTarget } from '../../harness/target/launcher.js';

const port = Number(process.argv[2]);
const target = await launchTarget({
  command: `bash -c 'node -e "require(\\"http\\").createServer((q, s) => s.end(String(process.pid))).listen(${port}, \\"127.0.0.1\\")"; true'`,
  baseUrl: `http://127.0.0.1:${port}`,
  readinessPath: '/',
  readinessTimeoutMs: 10_000,
  env: {},
});
process.stdout.write(`${JSON.stringify({ pid: target.pid })}\n`);
setInterval(() => {}, 1 << 30);
