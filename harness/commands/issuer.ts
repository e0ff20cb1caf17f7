// `ba-conformance issuer`: start a harness issuer, print what a backend needs to trust it and a
// valid token for a fresh user, then serve until Ctrl-C.
import { Command, InvalidArgumentError, Option } from 'commander';
import { interrupted } from '../issuer/cleanup.js';
import { ISSUER_ALGORITHMS, ISSUER_MODES, startIssuer } from '../issuer/index.js';
import type { IssuerAlgorithm, IssuerMode } from '../issuer/index.js';

interface IssuerFlags {
  mode: IssuerMode;
  alg: IssuerAlgorithm[];
  host: string;
  port: number;
  issuer?: string;
  audience?: string[];
  expiration?: string;
  seed?: number;
  json?: boolean;
  publicUrl?: string;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function issuerCommand(): Command {
  return new Command('issuer')
    .description('start a Better Auth issuer the harness controls, print its JWKS URL, issuer, audience and a valid token, and serve until Ctrl-C')
    .addOption(new Option('--mode <mode>', 'where the issuer runs').choices(ISSUER_MODES).default('auto'))
    .addOption(new Option('--alg <alg...>', 'key algorithms; the first signs tokens').choices(ISSUER_ALGORITHMS).default(['EdDSA']))
    .option('--host <address>', 'address to listen on (process) or publish on (container)', '127.0.0.1')
    .option('--port <port>', 'fixed port (0: the OS picks)', integer(0, 65535), 0)
    .option('--public-url <url>', 'the URL the backend reaches the issuer at (a tunnel, a DNS name): written into iss and aud, and the JWKS served under it')
    .option('--issuer <iss>', 'token issuer (default: the base URL)')
    .option('--audience <aud...>', 'token audience (default: the base URL)')
    .option('--expiration <span>', 'token lifetime, e.g. 15m or 3600', undefined)
    .option('--seed <n>', 'seed for the generated users', integer(0, 2 ** 32 - 1))
    .option('--json', 'print one JSON object {baseUrl, jwksUrl, issuer, audience, token, ...} on stdout')
    .action(async (flags: IssuerFlags) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const issuer = await startIssuer({
        mode: flags.mode,
        algorithms: flags.alg,
        host: flags.host,
        port: flags.port,
        ...(flags.publicUrl !== undefined ? { baseUrl: flags.publicUrl.replace(/\/$/, '') } : {}),
        ...(flags.issuer !== undefined ? { issuer: flags.issuer } : {}),
        ...(flags.audience !== undefined ? { audience: flags.audience.length === 1 ? flags.audience[0]! : flags.audience } : {}),
        ...(flags.expiration !== undefined ? { expirationTime: /^\d+$/.test(flags.expiration) ? Number(flags.expiration) : flags.expiration } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        // HS256: the secret the backend shares (generated when not given; printed, it is this test issuer's).
        ...(process.env.BA_CONFORMANCE_SECRET ? { secret: process.env.BA_CONFORMANCE_SECRET } : {}),
        log,
      });
      const stopped = interrupted();
      // Nothing else may hold the event loop (a container issuer leaves no child process): wait for Ctrl-C.
      const keepAlive = setInterval(() => {}, 1 << 30);
      try {
        const user = await issuer.createUser();
        const token = await issuer.tokenFor(user);
        const shared = issuer.sharedSecret !== undefined;
        const info = {
          baseUrl: issuer.baseUrl,
          // A shared HS256 secret publishes no keys: the backend verifies with the secret instead.
          jwksUrl: shared ? null : issuer.jwksUrl,
          ...(shared ? { sharedSecret: issuer.sharedSecret! } : {}),
          issuer: issuer.issuer,
          audience: issuer.audience,
          token,
          mode: issuer.mode,
          algorithms: issuer.algorithms,
          user: { id: user.id, email: user.email },
          seed: issuer.seed,
        };
        if (flags.json) process.stdout.write(`${JSON.stringify(info)}\n`);
        else process.stdout.write(humanReadable(info, issuer.modeReason));
        log('serving until Ctrl-C');
      } catch (err) {
        clearInterval(keepAlive);
        await issuer.stop();
        throw err;
      }
      const { signal, allStopped } = await stopped;
      clearInterval(keepAlive);
      log(allStopped ? `${signal}: issuer stopped` : `${signal}: the issuer did not stop within 5 s; its container exits when its lease runs out`);
    });
}

function humanReadable(info: { baseUrl: string; jwksUrl: string | null; sharedSecret?: string; issuer: string; audience: string | string[]; token: string; mode: string; algorithms: readonly string[]; user: { id: string; email: string }; seed: number }, reason: string): string {
  const audience = Array.isArray(info.audience) ? info.audience.join(',') : info.audience;
  return [
    `Better Auth issuer running (${reason})`,
    `  base URL    ${info.baseUrl}`,
    info.jwksUrl ? `  JWKS URL    ${info.jwksUrl}` : '  JWKS URL    none: HS256 with a shared secret publishes no keys',
    `  issuer      ${info.issuer}`,
    `  audience    ${audience}`,
    `  algorithms  ${info.algorithms.join(', ')}`,
    `  user        ${info.user.email} (sub ${info.user.id}, seed ${info.seed})`,
    `  token       ${info.token}`,
    '',
    'Configure the backend under test with:',
    info.jwksUrl
      ? `  JWKS_URL=${info.jwksUrl} JWT_ISSUER=${info.issuer} JWT_AUDIENCE=${audience}`
      : `  BETTER_AUTH_SECRET=${info.sharedSecret} JWT_ISSUER=${info.issuer} JWT_AUDIENCE=${audience}`,
    '',
  ].join('\n');
}
