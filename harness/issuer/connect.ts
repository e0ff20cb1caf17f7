// A handle on the run's issuer from another process (a Vitest worker), whatever its mode.
import { ExternalIssuer } from './external.js';
import type { ExternalIssuerConnection } from './external.js';
import type { IssuerHandle } from './handle.js';
import { Issuer } from './issuer.js';
import type { IssuerConnection } from './issuer.js';

/** What the runner hands its workers: a harness issuer's admin connection, or an external issuer's settings. */
export type AnyIssuerConnection = IssuerConnection | ExternalIssuerConnection;

export function connectIssuer(connection: AnyIssuerConnection, seedSalt = ''): IssuerHandle {
  return connection.mode === 'external' ? ExternalIssuer.connect(connection, seedSalt) : Issuer.connect(connection, seedSalt);
}
