// The credentials the run's issuers hand the checks (passwords, session cookies and tokens, every
// real token's signature), remembered in the worker that got them and carried to the runner in a
// finished check's meta (in memory, never written), so the report redacts them wherever they show
// up: in a body that echoes them, a URL, a claim (report/redact.ts). The checks themselves use the
// real values: only the report's copy is redacted.
import type { IssuerHandle, IssuerUser } from '../issuer/handle.js';
import type { OAuthTokens } from '../issuer/oauth-client.js';
import type { SignResponse } from '../issuer/protocol.js';
import type { KnownSecret } from '../report/redact.js';
import { looksLikeJose } from '../report/redact.js';

/** Remembered since the last finished check of this worker took them. */
const pending: KnownSecret[] = [];

const credential = (value: string | undefined) => {
  if (value) pending.push({ value, kind: 'credential' });
};

/** A user's password, each value of its Cookie header (raw and decoded) and the parts of a signed value (token.hmac). */
export function rememberUser(user: Pick<IssuerUser, 'password' | 'cookie'>): void {
  if (user.password) pending.push({ value: user.password, kind: 'password' });
  for (const pair of user.cookie.split(';')) {
    const raw = pair.slice(pair.indexOf('=') + 1).trim();
    if (!pair.includes('=') || !raw) continue;
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // not percent-encoded: the raw value is all there is
    }
    // A cookie that holds a JWT (Better Auth's cookie cache) is a token: its header and claims are shared or readable anyway.
    if (looksLikeJose(decoded)) rememberToken(decoded);
    else for (const value of new Set([raw, decoded, ...decoded.split('.')])) credential(value);
  }
}

/** A real token: its signature is what makes it a credential (its header and claims stay readable). */
export function rememberToken(token: string): void {
  credential(token.split('.')[2]);
}

/** What was remembered since the last call (a finished check puts it in its meta for the runner). */
export function takeRemembered(): KnownSecret[] {
  return pending.splice(0);
}

/** `handle`, remembering every user, session and token it hands out. */
export function rememberingSecrets(handle: IssuerHandle): IssuerHandle {
  const remembered: Partial<Record<keyof IssuerHandle, (result: unknown) => void>> = {
    createUser: (user) => rememberUser(user as IssuerUser),
    signIn: (user) => rememberUser(user as IssuerUser),
    tokenFor: (token) => rememberToken(token as string),
    sign: (response) => rememberToken((response as SignResponse).token),
    logoutToken: (token) => rememberToken(token as string),
    oauthTokens: (tokens) => {
      const { accessToken, idToken } = tokens as OAuthTokens;
      rememberToken(accessToken);
      if (idToken) rememberToken(idToken);
    },
  };
  return new Proxy(handle, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const remember = remembered[property as keyof IssuerHandle];
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!remember) return bound;
      return async (...args: unknown[]) => {
        const result = await bound(...args);
        remember(result);
        return result;
      };
    },
  });
}
