// What a run creates that outlives it unless removed, written down by whichever process created it
// (the runner or a Vitest worker) the moment it exists, so that the runner can remove all of it at the
// end, also after a worker crashed or the run was interrupted. Two ledgers use this: the run's own
// (resources made through the resource contract, in every issuer mode: harness/run/leftovers.ts), and
// an external issuer's (the sessions it opened and the users it signed up: harness/issuer/external.ts).
// They hold tokens, session cookies and passwords: one file only its owner reads, in a directory of
// its own, removed with the run, or when the process exits however it ends.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trackForCleanup } from './issuer/cleanup.js';

export type LedgerEntry =
  /** A session the run signed in (or up) to (an external issuer's ledger). */
  | { kind: 'session'; userId: string; email: string; cookie: string }
  /** A user the run signed up (never a configured account): deleted at the end (an external issuer's ledger). */
  | { kind: 'user'; userId: string; email: string; password: string }
  /** A resource created through the resource contract on the backend at `baseUrl`, with the token that created it (the run's ledger). */
  | { kind: 'resource'; baseUrl: string; contract: string; id: string; token?: string };

/** For each open ledger: its removal at exit, called off once removeLedger removed it. */
const stopTracking = new Map<string, () => void>();

/** A new, empty ledger; returns its file. */
export function createLedger(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ba-conformance-ledger-')); // mode 0700
  const file = path.join(dir, 'ledger.jsonl');
  appendFileSync(file, '', { mode: 0o600 });
  stopTracking.set(file, trackForCleanup({ stop: () => Promise.resolve(), killNow: () => rmSync(dir, { recursive: true, force: true }) }));
  return file;
}

/** One line per entry, appended (O_APPEND: lines from several processes do not interleave). */
export function note(file: string, entry: LedgerEntry): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}

/** Every entry written so far; a line cut short by a killed worker is skipped. */
export function readLedger(file: string): LedgerEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // a partial line
    }
  }
  return entries;
}

/** Marks the run as ending: from now on no process adds to what is noted here (isClosed). */
export function closeLedger(file: string): void {
  try {
    writeFileSync(path.join(path.dirname(file), 'closed'), '', { mode: 0o600 });
  } catch {
    // already removed
  }
}

/** Whether the run is ending (closed, or already removed). */
export function isClosed(file: string): boolean {
  return !existsSync(file) || existsSync(path.join(path.dirname(file), 'closed'));
}

export function removeLedger(file: string): void {
  rmSync(path.dirname(file), { recursive: true, force: true });
  stopTracking.get(file)?.();
  stopTracking.delete(file);
}
