// A harness process that starts an issuer and then waits to be killed: the lifecycle tests kill it
// and check that the issuer's process or container goes with it.
// Usage: node --import tsx test/support/parent.ts <process|container> [leaseMs]
import { startIssuer } from '../../harness/issuer/index.js';

const mode = process.argv[2] as 'process' | 'container';
const leaseMs = Number(process.argv[3] ?? 30_000);
const issuer = await startIssuer({ mode, container: { leaseMs } });
process.stdout.write(`${JSON.stringify({ id: issuer.runtimeId, url: issuer.url })}\n`);
setInterval(() => {}, 1 << 30);
