// What the operating system knows about the backend's processes: who is still in its process group,
// who listens on a port, and a watchdog that takes the group down if the harness itself dies.
// Linux reads /proc; elsewhere the group falls back to kill(-pgid, 0) and a port's holder is unknown.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  /** The command line, or the command name when the command line cannot be read. */
  command: string;
  /** The session it belongs to: a backend the harness started keeps the session of its group leader unless it calls setsid. */
  session: number;
}

interface Stat {
  pid: number;
  state: string;
  pgrp: number;
  session: number;
  comm: string;
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields after its last ")" are fixed.
    const close = text.lastIndexOf(')');
    const [state, , pgrp, session] = text.slice(close + 2).split(' ');
    return { pid, state: state!, pgrp: Number(pgrp), session: Number(session), comm: text.slice(text.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

function info(s: Stat): ProcessInfo {
  let command = s.comm;
  try {
    command = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || s.comm;
  } catch {
    // gone meanwhile, or not ours to read
  }
  return { pid: s.pid, command: command.length > 120 ? `${command.slice(0, 117)}...` : command, session: s.session };
}

function allStats(): Stat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== undefined);
}

/**
 * The live members of process group `pgid`. Zombies do not count: an orphan's zombie waits for a
 * reaper that may never come (this machine's init reaps nothing), and it holds no port.
 */
export function groupMembers(pgid: number): ProcessInfo[] {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [{ pid: pgid, command: '(unknown)', session: pgid }];
    } catch {
      return [];
    }
  }
  return allStats()
    .filter((s) => s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X')
    .map(info);
}

/** The processes that hold a listening TCP socket on `port` (any address), from /proc/net/tcp{,6}; empty when unknown. */
export function listenersOf(port: number): ProcessInfo[] {
  if (!hasProc) return [];
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return [];
  const holders: ProcessInfo[] = [];
  for (const s of allStats()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${s.pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        const target = readlinkSync(`/proc/${s.pid}/fd/${fd}`);
        return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
    if (holds) holders.push(info(s));
  }
  return holders;
}

export const describeProcesses = (processes: ProcessInfo[]) => processes.map((p) => `pid ${p.pid} (${p.command})`).join(', ');

/**
 * A watchdog for process group `pgid`: a shell that waits for end-of-file on a pipe only the harness
 * holds, then kills the group. However the harness dies (SIGKILL, the OOM killer, a crash), the kernel
 * closes the pipe, and the backend goes with it. It runs in a group of its own, so neither a signal to
 * the harness's group nor one to the backend's reaches it. `disarm()` ends it without touching the group.
 */
export function guardGroup(pgid: number): { disarm(): void } {
  const watchdog = spawn('/bin/sh', ['-c', 'read -r _ ; kill -s KILL -- "-$1" 2>/dev/null', 'ba-conformance-watchdog', String(pgid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.on('error', () => {}); // no /bin/sh: the harness's own exit handler remains
  watchdog.stdin?.on('error', () => {});
  // Neither the process nor its pipe keeps the harness's event loop alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let disarmed = false;
  return {
    disarm() {
      if (disarmed) return;
      disarmed = true;
      try {
        if (watchdog.pid !== undefined) process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      watchdog.stdin?.destroy();
    },
  };
}
