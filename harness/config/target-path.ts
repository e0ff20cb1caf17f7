// A path setting (protectedPath, readinessPath, a resource's operations...): a path on the server's
// own origin, never one that names another host ("//host/x", "/\host", a scheme); see target/origin.ts.
import { z } from 'zod';
import { targetPathProblem } from '../target/origin.js';

/** Refused with the value, what is wrong with it and the fix; zod's message adds the setting's name. */
export const pathProblemMessage = (value: string, problem: string, server: string) =>
  `${JSON.stringify(value)} ${problem}: give a path on the ${server}, starting with a single "/" (e.g. /api/me)`;

/** A path on the target (or, for issuer.basePath, on the issuer). */
export const pathOn = (server: 'target' | 'issuer' = 'target') =>
  z.string().superRefine((value, ctx) => {
    const problem = targetPathProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: pathProblemMessage(value, problem, server) });
  });

/** target.openapi: a URL or a file as given; a value starting with "/" may become a path on the target, so it must be one. */
export function openApiProblem(value: string, ctx: z.RefinementCtx): void {
  const problem = value.startsWith('/') ? targetPathProblem(value) : undefined;
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${pathProblemMessage(value, problem, 'target')}, a URL or a file` });
}

/**
 * issuer.url, issuer.jwksUrl: a URL whose path the harness joins to others (issuer.url's path comes
 * before every auth path), so its path must be a path on its own origin: "https://staging//auth"
 * would make every sign-in, password and all, go to host "auth".
 */
export function urlPathProblem(value: string, ctx: z.RefinementCtx): void {
  let pathname: string;
  try {
    pathname = new URL(value).pathname;
  } catch {
    return; // not a URL: z.url says so
  }
  const problem = targetPathProblem(pathname);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)}: its path ${JSON.stringify(pathname)} ${problem}: write the path with single "/"s (e.g. https://auth.example.test/auth)` });
}
