// The server's keys as the plugin sees them: Better Auth's own `jwks` table, read through its adapter
// (and changed only when the plugin manages the server's keys: the harness's own issuer), plus
// signing of arbitrary header/payload bytes with a real key of the server.
import { KeyObject, createPrivateKey } from 'node:crypto';
import type { AuthContext } from 'better-auth';
import { createJwk, resolveSigningKey } from 'better-auth/plugins';
import type { JwtOptions } from 'better-auth/plugins';
import { symmetricDecrypt } from 'better-auth/crypto';
import { b64u, hmac, signBytes, signingInput } from '../forge/jws.js';
import { CONTROL_PATH, KEY_PAIR_ALGORITHMS, SHARED_SECRET_ALG } from '../issuer/protocol.js';
import type { IssuerAlgorithm, KeyInfo, KeyPairAlgorithm, RawSegment, SignRequest, SignResponse } from '../issuer/protocol.js';

interface JwkRow {
  id: string;
  publicKey: string;
  privateKey: string;
  createdAt: Date;
  expiresAt?: Date | null;
  alg?: string | null;
  crv?: string | null;
}

const DEFAULT_GRACE_PERIOD_S = 2_592_000; // Better Auth's jwks.gracePeriod default (30 days)

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** keyPairConfig per algorithm, as Better Auth documents them. */
export function keyPairConfigFor(alg: KeyPairAlgorithm): NonNullable<NonNullable<JwtOptions['jwks']>['keyPairConfig']> {
  switch (alg) {
    case 'EdDSA':
      return { alg: 'EdDSA', crv: 'Ed25519' };
    case 'ES256':
    case 'ES512':
      return { alg }; // the curve follows from the algorithm (P-256, P-521)
    case 'RS256':
    case 'PS256':
      return { alg, modulusLength: 2048 };
  }
}

export class KeyStore {
  constructor(
    private readonly context: () => Promise<AuthContext>,
    private readonly jwtOptions: JwtOptions,
    /** Rotate, retire and remove act on the server's own keys: only on a server the suite owns (the harness's issuer). */
    private readonly managesServerKeys: boolean,
    /** The shared HS256 secret, in the shared-secret mode: no key pairs, nothing published. */
    private readonly sharedSecret?: string,
  ) {}

  private refuseUnlessManaged(): void {
    if (!this.managesServerKeys) throw new HttpError(403, 'keys_not_managed', "the plugin never lists, rotates, retires or removes the server's own keys (managesServerKeys is off)");
  }

  private get primaryAlg(): KeyPairAlgorithm {
    return (this.jwtOptions.jwks?.keyPairConfig?.alg ?? 'EdDSA') as KeyPairAlgorithm;
  }

  private noKeyPairs(): HttpError {
    return new HttpError(409, 'shared_secret', `the issuer signs ${SHARED_SECRET_ALG} with a shared secret: it has no key pairs to rotate, retire or remove`);
  }

  private async endpointContext() {
    // The shape Better Auth's plugin helpers expect: { context: AuthContext }.
    return { context: await this.context() } as unknown as Parameters<typeof createJwk>[0];
  }

  private async rows(): Promise<JwkRow[]> {
    const ctx = await this.context();
    return ctx.adapter.findMany<JwkRow>({ model: 'jwks' });
  }

  private async row(kid: string): Promise<JwkRow> {
    const ctx = await this.context();
    const row = await ctx.adapter.findOne<JwkRow>({ model: 'jwks', where: [{ field: 'id', value: kid }] });
    if (!row) throw new HttpError(404, 'key_not_found', `no key with kid "${kid}" in the issuer's key store`);
    return row;
  }

  /**
   * Creates a key of the given algorithm; for the primary algorithm it becomes the signing key at once.
   * `kid`: its id (Better Auth's jwks row id, which its tokens carry as kid) instead of a generated one.
   */
  async rotate(alg: IssuerAlgorithm = this.primaryAlg, kid?: string): Promise<KeyInfo> {
    this.refuseUnlessManaged();
    if (this.sharedSecret !== undefined) throw this.noKeyPairs();
    if (!(KEY_PAIR_ALGORITHMS as readonly string[]).includes(alg)) throw new HttpError(400, 'bad_alg', `unsupported algorithm "${alg}"`);
    if (kid !== undefined && (await this.rows()).some((r) => r.id === kid)) throw new HttpError(409, 'kid_taken', `the issuer already has a key with kid "${kid}"`);
    const options: JwtOptions = { ...this.jwtOptions, jwks: { ...this.jwtOptions.jwks, keyPairConfig: keyPairConfigFor(alg as KeyPairAlgorithm) } };
    const created = (await createJwk(await this.endpointContext(), options)) as JwkRow;
    if (kid === undefined) return this.describe(created.id);
    // The same row under the chosen id: created by Better Auth, renamed (its createdAt keeps it the newest).
    const ctx = await this.context();
    await ctx.adapter.delete({ model: 'jwks', where: [{ field: 'id', value: created.id }] });
    await ctx.adapter.create({ model: 'jwks', data: { ...created, id: kid }, forceAllowId: true });
    return this.describe(kid);
  }

  /** Expires the key now: it stops signing and stays published for the grace period. */
  async retire(kid: string): Promise<KeyInfo> {
    this.refuseUnlessManaged();
    if (this.sharedSecret !== undefined) throw this.noKeyPairs();
    await this.row(kid);
    const ctx = await this.context();
    await ctx.adapter.update({ model: 'jwks', where: [{ field: 'id', value: kid }], update: { expiresAt: new Date() } });
    return this.describe(kid);
  }

  /** Deletes the key: gone from the JWKS at once. */
  async remove(kid: string): Promise<void> {
    this.refuseUnlessManaged();
    if (this.sharedSecret !== undefined) throw this.noKeyPairs();
    await this.row(kid);
    const ctx = await this.context();
    await ctx.adapter.delete({ model: 'jwks', where: [{ field: 'id', value: kid }] });
  }

  /** The server's keys; only where the plugin manages them (a team's key list is none of the suite's business). */
  async list(): Promise<KeyInfo[]> {
    this.refuseUnlessManaged();
    return this.describeAll();
  }

  private async describeAll(): Promise<KeyInfo[]> {
    const rows = await this.rows();
    const signingKid = await this.signingKid(rows);
    const grace = (this.jwtOptions.jwks?.gracePeriod ?? DEFAULT_GRACE_PERIOD_S) * 1000;
    const now = Date.now();
    return rows
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((r) => ({
        kid: r.id,
        alg: r.alg ?? this.primaryAlg,
        ...(r.crv ? { crv: r.crv } : {}),
        createdAt: r.createdAt.toISOString(),
        expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
        published: !r.expiresAt || r.expiresAt.getTime() + grace > now,
        signing: r.id === signingKid,
        publicJwk: JSON.parse(r.publicKey) as Record<string, unknown>,
      }));
  }

  private async describe(kid: string): Promise<KeyInfo> {
    const info = (await this.describeAll()).find((k) => k.kid === kid);
    if (!info) throw new HttpError(404, 'key_not_found', `no key with kid "${kid}"`);
    return info;
  }

  /** Mirrors Better Auth's choice for /api/auth/token without minting: newest live primary key, else newest live key. */
  private async signingKid(rows: JwkRow[]): Promise<string | undefined> {
    const now = new Date();
    const live = rows.filter((r) => !r.expiresAt || r.expiresAt > now).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return (live.find((r) => (r.alg ?? this.primaryAlg) === this.primaryAlg) ?? live[0])?.id;
  }

  /** Makes sure every configured algorithm has a key before anyone fetches the JWKS (avoids Better Auth's first-key race). */
  async ensureKeys(algorithms: readonly IssuerAlgorithm[]): Promise<string[]> {
    if (this.sharedSecret !== undefined) return [];
    const rows = await this.rows();
    for (const alg of algorithms) {
      if (!rows.some((r) => (r.alg ?? this.primaryAlg) === alg)) await this.rotate(alg);
    }
    return (await this.describeAll()).filter((k) => k.published).map((k) => k.kid);
  }

  async sign(req: SignRequest, defaults: () => Record<string, unknown>): Promise<SignResponse> {
    const raw = (segment: RawSegment) => (typeof segment === 'string' ? segment : Buffer.from(segment.base64url, 'base64url'));
    const payload = req.rawPayload !== undefined ? raw(req.rawPayload) : req.defaults ? { ...defaults(), ...req.claims } : (req.claims ?? {});
    if (this.sharedSecret !== undefined) {
      if (req.key?.kid !== undefined || (req.key?.alg !== undefined && req.key.alg !== SHARED_SECRET_ALG)) throw this.noKeyPairs();
      // The header /api/auth/token's HS256 tokens carry (app/auth.ts).
      const header = req.rawHeader !== undefined ? raw(req.rawHeader) : (req.header ?? { alg: SHARED_SECRET_ALG, typ: 'JWT' });
      const input = signingInput(header, payload);
      return { token: `${input}.${b64u(hmac(SHARED_SECRET_ALG, this.sharedSecret, input))}`, alg: SHARED_SECRET_ALG };
    }
    const key = await this.signingKey(req.key);
    const header = req.rawHeader !== undefined ? raw(req.rawHeader) : (req.header ?? { alg: key.alg, kid: key.kid });
    const input = signingInput(header, payload);
    return { token: `${input}.${b64u(signBytes(key.alg, key.privateKey, Buffer.from(input)))}`, kid: key.kid, alg: key.alg };
  }

  private async signingKey(which: SignRequest['key']): Promise<{ kid: string; alg: KeyPairAlgorithm; privateKey: KeyObject }> {
    if (which?.kid !== undefined) {
      // Any stored key, expired or not: checks need tokens from retired keys too.
      const row = await this.row(which.kid);
      const alg = (row.alg ?? this.primaryAlg) as KeyPairAlgorithm;
      if (which.alg !== undefined && which.alg !== alg)
        throw new HttpError(400, 'alg_mismatch', `key "${which.kid}" is ${alg}, not ${which.alg}`);
      const jwk = this.jwtOptions.jwks?.disablePrivateKeyEncryption
        ? row.privateKey
        : await symmetricDecrypt({ key: (await this.context()).secretConfig, data: JSON.parse(row.privateKey) });
      return { kid: row.id, alg, privateKey: createPrivateKey({ key: JSON.parse(jwk), format: 'jwk' }) };
    }
    if (which?.alg !== undefined && !(await this.rows()).some((r) => (r.alg ?? this.primaryAlg) === which.alg)) {
      throw new HttpError(409, 'no_key_for_alg', `the issuer has no ${which.alg} key; rotate one in first (POST ${CONTROL_PATH}/keys {"alg":"${which.alg}"})`);
    }
    // Better Auth's own selection, so "the current key" means exactly what it signs tokens with.
    const resolved = await resolveSigningKey(await this.endpointContext(), this.jwtOptions, which?.alg ? { signingAlgorithm: which.alg as KeyPairAlgorithm } : undefined);
    if (!resolved) throw new HttpError(500, 'no_signing_key', 'Better Auth resolved no signing key');
    return { kid: resolved.kid, alg: resolved.alg as KeyPairAlgorithm, privateKey: KeyObject.from(resolved.privateKey as Parameters<typeof KeyObject.from>[0]) };
  }
}
