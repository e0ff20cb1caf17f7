// The suite as an OAuth client of Better Auth's OAuth provider: the authorization-code flow with
// PKCE, for a user with a session, gives real access tokens (typ at+jwt, aud = the resource) and real
// ID tokens, minted by the provider's own code with the issuer's key.
import { createHash, randomBytes } from 'node:crypto';
import { HarnessError } from '../errors.js';
import type { HttpClient, HttpResponse } from '../http.js';
import { AUTH_BASE_PATH } from './protocol.js';
import type { OAuthClientInfo } from './protocol.js';

export interface OAuthTokenRequest {
  /** The resource (RFC 8707) the access token is for: its `aud`. */
  resource: string;
  /** Space-separated; "openid" makes an ID token. Default: "openid profile email". */
  scope?: string;
}

export interface OAuthTokens {
  accessToken: string;
  idToken: string | undefined;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** Where the provider sent the user-agent: a 302's Location, or the JSON it answers a fetch with ({ redirect, url }). */
function redirectOf(res: HttpResponse): URL | undefined {
  const location = res.headers.location;
  if (typeof location === 'string') return new URL(location, 'http://unused.invalid');
  try {
    const body = JSON.parse(res.text) as { url?: string };
    return body.url ? new URL(body.url, 'http://unused.invalid') : undefined;
  } catch {
    return undefined;
  }
}

export async function authorizationCodeTokens(web: HttpClient, client: OAuthClientInfo, cookie: string, request: OAuthTokenRequest): Promise<OAuthTokens> {
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(12));
  const authorize = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: request.scope ?? 'openid profile email',
    state,
    nonce: base64url(randomBytes(12)),
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    resource: request.resource,
  });
  const answer = await web.send('GET', `${AUTH_BASE_PATH}/oauth2/authorize?${authorize}`, { headers: { cookie } });
  const code = redirectOf(answer)?.searchParams.get('code');
  if (!code || redirectOf(answer)?.searchParams.get('state') !== state) {
    throw new HarnessError('ISSUER_REQUEST_FAILED', `the OAuth provider's authorize endpoint gave no code (${answer.status}: ${answer.text.slice(0, 200)})`);
  }
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: client.redirectUri });
  const res = await web.send('POST', `${AUTH_BASE_PATH}/oauth2/token`, {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    rawBody: form.toString(),
  });
  if (res.status !== 200) throw new HarnessError('ISSUER_REQUEST_FAILED', `the OAuth provider's token endpoint answered ${res.status}: ${res.text.slice(0, 300)}`);
  const tokens = JSON.parse(res.text) as { access_token: string; id_token?: string };
  return { accessToken: tokens.access_token, idToken: tokens.id_token };
}
