// What an external run created on the team's staging (sessions, signed-up users, resources made
// through the backend's API), written down by whichever process created it (the runner or a Vitest
// worker) the moment it exists. The runner reads it at the end and removes all of it, also after a
// worker crashed or the run was interrupted. It holds session cookies, the passwords of users the
// run signed up and tokens: one file only its owner reads, in a directory of its own, removed with the run.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type LedgerEntry =
  /** A session the run signed in (or up) to. */
  | { kind: 'session'; userId: string; email: string; cookie: string }
  /** A user the run signed up (never a configured account): deleted at the end. */
  | { kind: 'user'; userId: string; email: string; password: string }
  /** A resource created through the resource contract, with the token that created it. */
  | { kind: 'resource'; baseUrl: string; contract: string; id: string; userId?: string; token?: string };

/** A new, empty ledger; returns its file. */
export function createLedger(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ba-conformance-ledger-')); // mode 0700
  const file = path.join(dir, 'ledger.jsonl');
  appendFileSync(file, '', { mode: 0o600 });
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

/** Marks the run as ending: from now on no process opens a session on the issuer (isClosed). */
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
}
