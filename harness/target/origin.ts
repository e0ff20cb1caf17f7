// One origin: every request to the backend goes to the target's origin plus a path. `new URL(path,
// base)` lets a path replace the host ("//other-host/api/me", "/\other-host", a scheme), and a
// tab or newline inside it is dropped by the parser ("/\t/other-host" becomes "//other-host"): so
// config refuses such paths (targetPathProblem) and every URL is built by targetUrl, which asserts the
// origin before anything is sent, whatever the path's source (config, an OpenAPI document, a backend's id).
import { HarnessError } from '../errors.js';

/** A stand-in origin to resolve a path against: where it would go shows whether it leaves the origin. */
const PROBE = 'http://target.invalid';

/** Whether `path` starts with a scheme ("http:", "file:"): a URL of its own, not a path. */
export const hasScheme = (path: string) => /^[a-z][a-z0-9+.-]*:/i.test(path);

/** Why `path` is not a path on a server's own origin, in words; undefined when it is one. */
export function targetPathProblem(path: string): string | undefined {
  if (hasScheme(path)) return 'has a scheme: it names a server of its own';
  if (/^[\\/][\\/]/.test(path)) return `starts with "${path.slice(0, 2)}", which URL parsers read as the start of a host (this one would go to ${hostOf(path) || 'no host'})`;
  if (!path.startsWith('/')) return 'does not start with "/"';
  if (path.includes('\\')) return 'has a backslash, which URL parsers read as "/" (write it %5C)';
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'has a control character (URL parsers drop tabs and newlines, which can join "/" and "/")';
  if (new URL(path, PROBE).origin !== PROBE) return `would not stay on the target's origin (it resolves to ${new URL(path, PROBE).origin})`;
  return undefined;
}

/** What a URL parser sends for `path` on an origin: its path and query, with dot segments resolved. */
export function sentPath(path: string): string {
  const url = new URL(path, PROBE);
  return `${url.pathname}${url.search}`;
}

/** The host a path like "//host/x" would send to (as the WHATWG parser reads "/\host" too). */
function hostOf(path: string): string {
  try {
    return new URL(path, PROBE).host;
  } catch {
    return path.slice(2).split(/[\\/?#]/)[0] ?? '';
  }
}

/**
 * The URL of `path` on the backend at `baseUrl` (its origin; a path in the base URL is replaced, as
 * before). Throws, before anything is sent, when the result would have another origin.
 */
export function targetUrl(baseUrl: string, path: string): URL {
  const origin = new URL(baseUrl).origin;
  const problem = targetPathProblem(path);
  const url = problem === undefined ? new URL(path, origin) : undefined;
  if (!url || url.origin !== origin) {
    throw new HarnessError('TARGET_ORIGIN', `refused to send to ${JSON.stringify(path)} on ${origin}: the path ${problem ?? `resolves to ${url?.origin}`}; nothing was sent`, {
      hint: 'every request goes to its server\'s origin (the target\'s, the issuer\'s): a path from the config, an OpenAPI document or a backend\'s answer must start with a single "/"',
    });
  }
  return url;
}
