// The second issuer of a backend that trusts two (issuer.second), as a check holds it: a user of its
// own and that user's valid token from Better Auth's /token, proven accepted first. A backend that
// refuses it does not trust the second issuer, and nothing about binding keys to issuers can be told.
import { connectIssuer } from '../issuer/connect.js';
import type { IssuerHandle, IssuerUser } from '../issuer/handle.js';
import { decodeSegment, split } from '../forge/token.js';
import type { CheckResult } from './oracle.js';
import { rememberingSecrets } from './secrets.js';
import { provesValid } from './suite.js';
import type { CheckTools } from './suite.js';

export interface SecondIssuer {
  issuer: IssuerHandle;
  /** Its own user (not A), and a valid token of theirs. */
  user: IssuerUser;
  token: string;
  claims: Record<string, unknown>;
}

/** The second issuer with a user and an accepted token of theirs; an ERROR result when the backend refuses that token. */
export async function secondIssuerWithUser(t: CheckTools): Promise<SecondIssuer | { broken: CheckResult }> {
  const connection = t.run.secondIssuer;
  if (!connection) return { broken: t.skip('no second issuer in this run (issuer.second)') };
  const issuer = rememberingSecrets(connectIssuer(connection, t.checkId));
  const user = await issuer.createUser();
  const token = await issuer.tokenFor(user);
  const proof = await provesValid((label, options) => t.send(label, options), t.target, "control: the second issuer's own token for its user", token, user.id);
  if (!proof.ok) {
    return {
      broken: {
        verdict: 'ERROR',
        observed: `inconclusive: the backend refused a valid token of the second issuer (${proof.observed}): is it configured to trust SECOND_JWKS_URL and SECOND_JWT_ISSUER beside JWKS_URL and JWT_ISSUER?`,
      },
    };
  }
  return { issuer, user, token, claims: decodeSegment(split(token).payload) };
}
