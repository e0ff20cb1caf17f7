// What a check needs from the issuer, and what each issuer mode provides. A check declares its needs
// in its metadata; the run knows what its mode provides; a need that is not met makes the check SKIP
// with a reason naming the capability and the mode that would provide it (never ERROR, never absent).

export const CAPABILITIES = ['mint', 'jwks', 'keys', 'jwks-faults', 'fetch-log', 'users', 'sessions', 'oauth', 'restart-backend'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The issuer modes a run can use: the harness's own Better Auth (a child process or a container), or a team's own. */
export const ISSUER_MODE_NAMES = ['process', 'container', 'external'] as const;
export type IssuerModeName = (typeof ISSUER_MODE_NAMES)[number];

export const CAPABILITY_INFO: Record<Capability, { what: string; providedBy: string }> = {
  mint: { what: "signing arbitrary claims and headers with the issuer's own key", providedBy: "the process or container issuer mode (also with --alg HS256), or on a team's Better Auth the conformance plugin (better-auth-conformance/plugin) with its token in issuer.token" },
  jwks: { what: "a published JWKS with the issuer's public keys", providedBy: 'the process, container or external issuer mode with a key-pair algorithm, not --alg HS256' },
  keys: { what: "rotating, retiring and removing the issuer's keys", providedBy: "the process or container issuer mode with a key-pair algorithm (the conformance plugin never changes a team's own keys)" },
  'jwks-faults': { what: 'serving JWKS faults on purpose (outages, bad bodies, redirects)', providedBy: "the process or container issuer mode with a key-pair algorithm, or the conformance plugin with allowJwksFaults (every consumer of that JWKS sees the faults)" },
  'fetch-log': { what: "a log of the backend's JWKS fetches", providedBy: "the process or container issuer mode with a key-pair algorithm, or on a team's Better Auth the conformance plugin with its token in issuer.token" },
  users: { what: 'signing up fresh users on demand', providedBy: 'the process or container issuer mode, or an external issuer whose sign-up is open, without issuer.users' },
  sessions: { what: 'signing users out and deleting them', providedBy: 'the process, container or external issuer mode' },
  oauth: { what: "OAuth access, ID and logout tokens from Better Auth's OAuth provider (@better-auth/oauth-provider), through its own flows", providedBy: 'the process or container issuer mode with a key-pair algorithm (not --alg HS256), where issuer.issuer and issuer.audience, when set, are URLs' },
  'restart-backend': { what: 'restarting the backend for a cold start', providedBy: 'any issuer mode when the harness starts the backend (target.start / --start)' },
};

/** What the run can do, and how it describes itself in a SKIP reason. */
export interface IssuerProfile {
  mode: IssuerModeName;
  /** e.g. "the external issuer at https://auth.example.com" or "the process issuer signing HS256 with a shared secret". */
  description: string;
  capabilities: Capability[];
}

/**
 * What the harness's own Better Auth provides: everything with asymmetric keys (OAuth tokens where its
 * issuer and audience are URLs, as the provider requires); no JWKS with a shared HS256 secret.
 */
export function harnessCapabilities(sharedSecret: boolean, oauth = true): Capability[] {
  return sharedSecret ? ['mint', 'users', 'sessions'] : ['mint', 'jwks', 'keys', 'jwks-faults', 'fetch-log', 'users', 'sessions', ...(oauth ? (['oauth'] as const) : [])];
}

/** What a team's own Better Auth provides: its published keys, its users and sessions; never its private key. */
export function externalCapabilities(signUp: boolean): Capability[] {
  return signUp ? ['jwks', 'users', 'sessions'] : ['jwks', 'sessions'];
}

/** What the conformance plugin adds on a team's Better Auth by default (harness/plugin): the server's key signs for the suite, and its JWKS fetches are logged. */
export const PLUGIN_CAPABILITIES: readonly Capability[] = ['mint', 'fetch-log', 'sessions'];

/** The needs `profile` does not meet, in declaration order. */
export function missingNeeds(needs: readonly Capability[] | undefined, provided: readonly Capability[]): Capability[] {
  return (needs ?? []).filter((n) => !provided.includes(n));
}

/** The SKIP reason of a check whose needs are not met. */
export function skipReason(missing: readonly Capability[], profile: Pick<IssuerProfile, 'description'>): string {
  const parts = missing.map((c) => `${c}: ${CAPABILITY_INFO[c].what}, provided by ${CAPABILITY_INFO[c].providedBy}`);
  return `not applicable with ${profile.description}: this check needs ${parts.join('; and ')}`;
}

/** Thrown when a check uses an issuer operation its mode cannot perform: a check that did not declare the need is ERROR, never PASS. */
export class CapabilityMissing extends Error {
  readonly code = 'CAPABILITY_MISSING';
  constructor(
    readonly capability: Capability,
    mode: string,
  ) {
    super(`the ${mode} issuer cannot do this: it needs ${capability} (${CAPABILITY_INFO[capability].what}), which the check did not declare`);
  }
}

/** Thrown when the server behind an external issuer refuses a feature it may turn off (e.g. user deletion): the check is SKIP with this reason. */
export class IssuerFeatureDisabled extends Error {
  readonly code = 'ISSUER_FEATURE_DISABLED';
}

/** The modes a run or `list` can name: the harness's own issuer (auto picks process or container) or an external one. */
export const RUN_ISSUER_MODES = ['auto', 'process', 'container', 'external'] as const;
export type RunIssuerMode = (typeof RUN_ISSUER_MODES)[number];

/**
 * What a mode will provide, known before anything starts (for `list --issuer-mode` and `run --plan`):
 * `sharedSecret` is --alg HS256, `accounts` an external issuer with issuer.users (sign-up closed),
 * `startsBackend` a target.start command (a cold start is possible), `plugin` an external issuer
 * with the conformance plugin (issuer.token given; what it offers is read when the run starts).
 */
export function plannedProfile(mode: RunIssuerMode, o: { sharedSecret?: boolean; accounts?: boolean; startsBackend?: boolean; url?: string; plugin?: boolean; oauth?: boolean } = {}): IssuerProfile {
  const restart: Capability[] = o.startsBackend ? ['restart-backend'] : [];
  if (mode === 'external') {
    const own = externalCapabilities(!o.accounts);
    const plugin = o.plugin ? PLUGIN_CAPABILITIES.filter((c) => !own.includes(c)) : [];
    return { mode, description: `the external issuer${o.url ? ` at ${o.url}` : ''}${o.plugin ? ' with the conformance plugin' : ''}`, capabilities: [...own, ...plugin, ...restart] };
  }
  const runtime = mode === 'auto' ? 'process' : mode; // both runtimes provide the same
  const how = o.sharedSecret ? 'signing HS256 with a shared secret' : 'with key pairs';
  return { mode: runtime, description: `the harness's ${mode === 'auto' ? 'own' : mode} issuer ${how}`, capabilities: [...harnessCapabilities(Boolean(o.sharedSecret), o.oauth ?? true), ...restart] };
}
