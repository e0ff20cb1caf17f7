// `run --plan`: what a run would do, without starting or sending anything: the checks it runs and
// those it reports SKIP (with the reason), roughly how many requests each sends to the backend, and
// every host it contacts. For a staging backend, read before the first real run.
import type { ResolvedConfig } from '../config/config.js';
import { missingNeeds, plannedProfile, skipReason } from '../issuer/capabilities.js';
import type { IssuerProfile } from '../issuer/capabilities.js';
import { PUBLIC_BASE_IMAGE } from '../issuer/container-runtime.js';
import { DEFAULT_BASE_PATH } from '../issuer/external.js';
import { attackerReach } from '../attacker/reach.js';
import { oauthProviderCanRun } from '../issuer/jwt-settings.js';
import { JWKS_PATH, SHARED_SECRET_ALG } from '../issuer/protocol.js';
import { valueAt } from '../json-path.js';
import { selected, unmetSettings } from '../checks/model.js';
import { RUN_WIDE_CHECKS } from './aggregate.js';
import type { RunFacts } from '../checks/model.js';
import { DEFAULT_ALGORITHMS } from '../issuer/options.js';
import { loadCatalogue } from './catalogue.js';
import { defaultJobs } from './labs.js';
import { openApiSource } from './run.js';
import type { CatalogueEntry } from '../checks/model.js';

/** A catalogue entry with what the planned mode does with it: run it, or report it SKIP and why. */
export type PlannedEntry = CatalogueEntry & { skip?: string };

/** Each entry as a run with `profile` and `facts` would treat it (the same rules as harness/checks/suite.ts). */
export function plan(entries: CatalogueEntry[], profile: IssuerProfile, facts: RunFacts): PlannedEntry[] {
  return entries.map((e) => {
    const missing = missingNeeds(e.needs, profile.capabilities);
    if (missing.length) return { ...e, skip: skipReason(missing, profile) };
    const unset = unmetSettings(e.requires, facts);
    return unset ? { ...e, skip: unset } : e;
  });
}

/**
 * The checks a run reports under --only and --skip: those selected, each family's CTL-PERSIST probe
 * with them (unless --skip names it), and the run-wide checks whenever anything runs.
 */
function selectedAsRun(catalogue: CatalogueEntry[], config: ResolvedConfig): CatalogueEntry[] {
  const PERSIST = 'CTL-PERSIST'; // as the run's --only pattern adds it (run.ts)
  const chosen = catalogue.filter((e) => selected(config, e.id) && !RUN_WIDE_CHECKS.some((c) => c.id === e.id) && e.id !== PERSIST);
  if (!chosen.length) return [];
  const probes = catalogue.filter((e) => e.id === PERSIST && selected({ skip: config.skip }, e.id));
  return [...chosen, ...probes, ...catalogue.filter((e) => RUN_WIDE_CHECKS.some((c) => c.id === e.id))].sort((a, b) => a.id.localeCompare(b.id));
}

/** What `requires` reads, from the config (and the mode's capabilities): the issuer's algorithms are known before the run unless the issuer is the team's. */
export function plannedFacts(config: ResolvedConfig, profile: IssuerProfile): RunFacts {
  return {
    openapi: Boolean(config.target.openapi),
    identityPath: Boolean(config.target.identityPath),
    resources: config.resources.length > 0,
    labs: labLines(config, profile).length > 0,
    secondIssuer: config.issuer.mode !== 'external' && Boolean(config.issuer.second),
    ...(config.issuer.mode === 'external' ? {} : { algorithms: config.issuer.algorithms ?? DEFAULT_ALGORITHMS }),
  };
}

/** Requests a check sends, roughly: what its metadata says (a number, or the setting that sets it), else its family's usual count. */
function estimate(entry: CatalogueEntry, config: ResolvedConfig): number {
  const { requests } = entry;
  if (typeof requests === 'number') return requests;
  const set = requests === undefined ? undefined : valueAt(config, requests);
  if (typeof set === 'number') return set;
  const resources = Math.max(1, config.resources.length);
  // ERR: the run-wide checks judge the other checks' exchanges and send nothing of their own.
  const byFamily: Record<string, number> = { CTL: 2, FMT: 6, SIG: 8, KEY: 8, CLM: 4, XJWT: 2, TRN: 6, ERR: 0, DOS: 4, ISO: 12 * resources, LIFE: 10, INT: 4, COV: 10, JWKS: 40 };
  return byFamily[entry.family] ?? 5;
}

/** The attacker listener: where it is, and whether the checks that pass on no request reaching it can be decided. */
function attackerLines(config: ResolvedConfig, running: PlannedEntry[]): string[] {
  const reach = attackerReach(config);
  const watching = running.filter((e) => e.watchesAttacker).map((e) => e.id);
  const where = `http://${reach.advertisedHost}:<port>${reach.advertisedHost === reach.host ? '' : ` (bound on ${reach.host})`}`;
  const lines = [`  attacker  listeners at ${where}, which the backend reaches only if it fetches a URL a token names${watching.length ? ` (${watching.join(', ')})` : ''}`];
  if (!watching.length) return lines;
  // The plan knows the configuration only; the run may learn more from the backend's JWKS fetches.
  const evidence = reach.fetchesDecide
    ? ` At run time, where the backend's JWKS fetches to the harness issuer come from decides instead, check by check: all over this machine's loopback, it reaches them; any from elsewhere, it may not (${watching.join(', ')} SKIP unless they fail).`
    : '';
  if (reach.reachable) lines.push(`            by the configuration, the backend can reach them: ${reach.why}${config.attacker.publicUrl ? ' (the run checks that the listener answers there)' : ''}.${evidence}`);
  else lines.push(`            by the configuration, the backend may not reach them: ${reach.why}; ${watching.join(', ')} would be SKIP unless they fail: ${reach.fix}.${evidence}`);
  return lines;
}

/** The harness's own issuer, or the team's: where the harness and the backend reach it, and its JWKS. */
function issuerLines(config: ResolvedConfig, families: number): string[] {
  const issuer = config.issuer;
  if (issuer.mode === 'external') {
    const jwksUrl = issuer.jwksUrl ?? `${issuer.url!.replace(/\/+$/, '')}${issuer.basePath ?? DEFAULT_BASE_PATH}/jwks`;
    return [
      `  issuer    ${issuer.url} (Better Auth: sign-up or sign-in, /token; about ${3 * families + 10} requests, 429s waited out)`,
      `  jwks      ${jwksUrl} (read by the harness and by the backend)`,
    ];
  }
  const listening = `${issuer.host ?? '127.0.0.1'}:${issuer.port ?? '<a free port>'}`;
  const jwks = `${issuer.publicUrl?.replace(/\/$/, '') ?? `http://127.0.0.1:${issuer.port ?? '<its port>'}`}${JWKS_PATH}`;
  const docker =
    issuer.mode === 'process'
      ? []
      : [`  docker    the Docker engine at ${process.env.DOCKER_HOST || 'its local socket'}${issuer.mode === 'auto' ? ' (if one answers)' : ''}, which pulls ${process.env.BA_ISSUER_BASE_IMAGE || PUBLIC_BASE_IMAGE} from its registry when neither that image nor one built from this machine's node is there yet`];
  return [
    `  issuer    the harness's own Better Auth, listening on ${listening} (started by the run)`,
    issuer.algorithms?.[0] === SHARED_SECRET_ALG ? `  jwks      none: the backend verifies HS256 with the shared secret` : `  jwks      ${jwks} (read by the backend)`,
    ...docker,
  ];
}

/** With a start command and the harness's keys, JWKS checks get labs: more backends, on other ports of the target's host. */
function labLines(config: ResolvedConfig, profile: IssuerProfile): string[] {
  if (!config.target.start || !profile.capabilities.includes('keys')) return [];
  const lab = new URL(config.target.baseUrl);
  return [`  labs      ${lab.protocol}//${lab.hostname}:<free ports>: up to ${config.run.jobs ?? defaultJobs()} more backends from the start command, each trusting an issuer of its own on 127.0.0.1:<a free port>`];
}

/** The OpenAPI document: fetched from a URL (on the target's origin for a path), or read from a file. */
function openApiLines(config: ResolvedConfig): string[] {
  if (!config.target.openapi) return [];
  const source = openApiSource(config.target.openapi, config.target.baseUrl);
  return ['url' in source ? `  openapi   ${source.url} (the document, fetched once)` : `  openapi   the file ${source.file} (read; no host contacted)`];
}

export async function planText(config: ResolvedConfig): Promise<string> {
  const issuer = config.issuer;
  const profile = plannedProfile(issuer.mode, {
    sharedSecret: issuer.algorithms?.[0] === SHARED_SECRET_ALG,
    accounts: Boolean(issuer.users),
    startsBackend: Boolean(config.target.start),
    plugin: Boolean(issuer.token),
    oauth: oauthProviderCanRun(issuer),
    ...(issuer.url ? { url: issuer.url } : {}),
  });
  const entries = plan(selectedAsRun(await loadCatalogue(), config), profile, plannedFacts(config, profile));
  const running = entries.filter((e) => !e.skip);
  // Each family signs up (or signs in) its own user and proves a valid token first.
  const families = new Set(running.map((e) => e.family));
  const total = running.reduce((n, e) => n + estimate(e, config), 0) + 4 * families.size;
  const idWidth = Math.max(0, ...entries.map((e) => e.id.length)) + 1;
  const lines = [
    ...(config.notices ?? []).map((n) => `config: ${n}`),
    `Plan: ${config.target.baseUrl}, with ${profile.description}`,
    `Nothing is sent by --plan. A run would contact:`,
    `  backend   ${new URL(config.target.baseUrl).origin}${config.target.start ? ` (started with: ${config.target.start})` : ''}: about ${total} requests${config.target.maxRps ? `, at most ${config.target.maxRps} per second` : ''}, every one to this origin`,
    ...labLines(config, profile),
    ...issuerLines(config, families.size),
    ...openApiLines(config),
    ...attackerLines(config, running),
    '',
    ...entries.map((e) => (e.skip ? `SKIP ${e.id.padEnd(idWidth)}${e.skip}` : `run  ${e.id.padEnd(idWidth)}~${String(estimate(e, config)).padStart(4)} requests  ${e.title}`)),
    '',
    `${running.length} checks run, ${entries.length - running.length} SKIP; about ${total} requests to the backend`,
    '',
  ];
  return lines.join('\n');
}
