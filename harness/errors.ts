// Harness errors carry a stable code (callers branch on it, the CLI maps it to an exit code) and a
// hint that tells the user what to do about it.
import { inert } from './text.js';

export type HarnessErrorCode =
  | 'USAGE' // bad flags or options
  | 'CONFIG_INVALID'
  | 'DOCKER_UNAVAILABLE'
  | 'IMAGE_BUILD_FAILED'
  | 'ISSUER_START_FAILED'
  | 'ISSUER_REQUEST_FAILED'
  | 'TARGET_UNREACHABLE'
  | 'TARGET_PORT_TAKEN' // the backend's port answered before the harness started it
  | 'TARGET_EXITED' // the backend the harness started exited during the run
  | 'TARGET_ORIGIN' // a request would have left the target's origin (refused before sending)
  | 'OUT_DIR_LOCKED' // another run is writing into the same --out directory
  | 'SUITES_UNREADABLE' // the suite files could not be collected (a broken install)
  | 'REPORT_UNREADABLE'; // a report.json given to merge is missing or not one

export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  readonly hint: string | undefined;

  constructor(
    readonly code: HarnessErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Process exit codes of `ba-conformance`: 1 is reserved for runs with FAIL verdicts. */
export const EXIT_CODES = { ok: 0, findings: 1, usage: 2, harness: 3 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof HarnessError && ['USAGE', 'CONFIG_INVALID', 'REPORT_UNREADABLE', 'OUT_DIR_LOCKED'].includes(err.code)) return EXIT_CODES.usage;
  return EXIT_CODES.harness;
}

/** The message the CLI prints; control characters removed, since messages may quote the backend. */
export function describeError(err: unknown): string {
  if (err instanceof HarnessError) return inert(err.hint ? `${err.message}\n  -> ${err.hint}` : err.message);
  return inert(err instanceof Error ? (err.stack ?? err.message) : String(err));
}
