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
