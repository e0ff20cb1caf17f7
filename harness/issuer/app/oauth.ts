// The suite's OAuth client on the issuer's own provider: registered as an admin would, on the
// harness's first request for it, and the few endpoints it needs on the app's own server (its
// back-channel logout URI, the logout tokens posted there, and the client itself for the harness).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { BACKCHANNEL_LOGOUT_PATH, CONTROL_TOKEN_HEADER, LOGOUT_TOKENS_PATH, OAUTH_CLIENT_PATH, OAUTH_SCOPES } from '../protocol.js';
import type { IssuerAppConfig, OAuthClientInfo } from '../protocol.js';
import { oauthAdminEmail, oauthResources } from './auth.js';
import type { IssuerAuth } from './auth.js';

/** Never contacted: the provider's answer to the authorize request carries the code. A native client may use loopback http. */
const REDIRECT_URI = 'http://127.0.0.1/oauth-callback';

/**
 * Registers the suite's OAuth client: confidential, consent skipped, allowed this API's audience and
 * the other service's, holding the client_credentials scopes. `localUrl` is where the app answers
 * itself, so the provider's logout notifications arrive whatever the public base URL is.
 */
export async function registerOAuthClient(auth: IssuerAuth, config: IssuerAppConfig, baseUrl: string, localUrl: string): Promise<OAuthClientInfo> {
  const { headers } = await auth.api.signUpEmail({ body: { email: oauthAdminEmail(), password: randomBytes(24).toString('base64url'), name: 'OAuth admin' }, returnHeaders: true });
  const cookie = headers.getSetCookie().map((c) => c.split(';', 1)[0]).join('; ');
  const client = await auth.api.adminCreateOAuthClient({
    headers: new Headers({ cookie }),
    body: {
      client_name: 'ba-conformance',
      application_type: 'native',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'client_credentials', 'refresh_token'],
      response_types: ['code'],
      scope: OAUTH_SCOPES.join(' '),
      client_credentials_scopes: ['read:items', 'write:items'],
      resources: oauthResources(config, baseUrl),
      skip_consent: true,
    },
  });
  // Registration refuses a loopback http URI for back-channel logout (it must be https and public);
  // delivery does not check it again, so the row is set as an admin's database update would.
  const context = await auth.$context;
  await context.adapter.update({ model: 'oauthClient', where: [{ field: 'clientId', value: client.client_id }], update: { backchannelLogoutUri: `${localUrl}${BACKCHANNEL_LOGOUT_PATH}` } });
  return { clientId: client.client_id, secret: client.client_secret!, redirectUri: REDIRECT_URI };
}

/** The client's endpoints: a POST of the provider's logout token (kept when it is one), and two GETs for the harness. */
export class OAuthClientRoutes {
  /** Newest first. */
  private readonly logoutTokens: string[] = [];
  private client: Promise<OAuthClientInfo> | undefined;

  constructor(
    private readonly adminToken: string | undefined,
    /** Absent where the provider does not run. */
    private readonly register: (() => Promise<OAuthClientInfo>) | undefined,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'POST' && req.url === BACKCHANNEL_LOGOUT_PATH) return this.receive(req, res);
    if (req.method !== 'GET' || !this.authorized(req)) return void res.writeHead(req.method === 'GET' ? 401 : 404).end();
    if (req.url === LOGOUT_TOKENS_PATH) return this.json(res, this.logoutTokens);
    if (req.url === OAUTH_CLIENT_PATH && this.register) {
      // Registered once, on the first request; a failed registration is tried again by the next.
      this.client ??= this.register().catch((err: unknown) => {
        this.client = undefined;
        throw err;
      });
      this.client.then(
        (client) => this.json(res, client),
        (err: unknown) => void res.writeHead(500, { 'content-type': 'text/plain' }).end(`registering the OAuth client failed: ${err instanceof Error ? err.message : String(err)}`),
      );
      return;
    }
    res.writeHead(404).end();
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body = (body + chunk).slice(0, 64 * 1024)));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token') ?? '';
      // Only what looks like a logout token is kept (anyone who reaches the port may post here).
      let kept = false;
      try {
        kept = decodeProtectedHeader(token).typ === 'logout+jwt' && typeof decodeJwt(token).sid === 'string';
      } catch {
        kept = false;
      }
      if (kept) this.logoutTokens.unshift(token);
      this.logoutTokens.splice(100);
      res.writeHead(kept ? 200 : 400).end();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const given = Buffer.from(String(req.headers[CONTROL_TOKEN_HEADER] ?? ''));
    const expected = Buffer.from(this.adminToken ?? '');
    return this.adminToken !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }
}
