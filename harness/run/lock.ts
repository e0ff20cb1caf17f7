// One run per output directory: two runs writing report.json into the same place would overwrite
// each other's evidence without a word. The lock is a file created exclusively, holding the
// owner's pid; a lock whose pid no longer runs is stale and taken over.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { HarnessError } from '../errors.js';

export const LOCK_FILE = '.ba-conformance.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return undefined; // vanished, or half written: the next attempt decides
  }
}

/** Takes the lock on `outDir` (created if needed); returns its release. Throws OUT_DIR_LOCKED while another live run holds it. */
export function lockOutDir(outDir: string): () => void {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, LOCK_FILE);
  const mine: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        // Only our own lock: a run that took over a lock it thought stale must not lose it.
        if (readOwner(file)?.pid === process.pid) unlinkSync(file);
      };
      process.on('exit', release); // also when the process exits without reaching its own release
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(file);
    // Another host's pid cannot be checked from here: such a lock is respected.
    if (owner && (owner.host !== mine.host || running(owner.pid))) {
      throw new HarnessError('OUT_DIR_LOCKED', `another run (pid ${owner.pid}${owner.host !== mine.host ? ` on ${owner.host}` : ''}, started ${owner.startedAt}) is writing its reports into ${outDir}`, {
        hint: `give this run its own directory with --out <dir> (e.g. --out ${path.join(path.dirname(outDir), `${path.basename(outDir)}-2`)}), or wait for the other run to finish; if no run is left, delete ${file}`,
      });
    }
    try {
      unlinkSync(file); // stale: its run is gone
    } catch {
      // someone else removed it first
    }
  }
  throw new HarnessError('OUT_DIR_LOCKED', `could not take the lock ${file}: other runs keep taking it`, { hint: 'give this run its own directory with --out <dir>' });
}
