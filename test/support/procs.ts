// What a process started, read from /proc (Linux): a run's children are collected while it runs,
// so the test can prove afterwards that none of them outlived it.
import { readFileSync, readdirSync } from 'node:fs';

interface Stat {
  pid: number;
  ppid: number;
  state: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields after its last ")" are fixed.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(ppid), state: state! };
  } catch {
    return undefined;
  }
}

/** Alive: present and not a zombie (an orphan's zombie waits for a reaper that may never come). */
export function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Every process below `root` right now. */
export function descendants(root: number): number[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => stat(Number(d))).filter((s): s is Stat => s !== undefined);
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const s of all) if (s.ppid === parent && !found.includes(s.pid)) (found.push(s.pid), queue.push(s.pid));
  }
  return found;
}

/** Collects the descendants of `root` every 100 ms until stopped; returns every pid seen. */
export function watchDescendants(root: number): { stop(): number[] } {
  const seen = new Set<number>();
  const look = () => descendants(root).forEach((p) => seen.add(p));
  look();
  const timer = setInterval(look, 100);
  return {
    stop() {
      clearInterval(timer);
      return [...seen];
    },
  };
}
