// Colour on the console only where a person reads it: a TTY, unless NO_COLOR is set (no-color.org);
// FORCE_COLOR turns it on for CI logs that render ANSI.
import pc from 'picocolors';
import type { Verdict } from './checks/model.js';

/** Where a run reports its progress (harness/run/collector.ts calls it). */
export interface Progress {
  /** A finished family: one line. */
  line(text: string): void;
  /** Overwrites the live line (TTY only); undefined where there is none. */
  live?: (text: string) => void;
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export const colors = pc.createColors(colorEnabled(process.stdout));

const VERDICT_COLOR: Record<Verdict, (s: string) => string> = {
  PASS: colors.green,
  'NON-STRICT': colors.yellow,
  FAIL: colors.red,
  INFO: colors.cyan,
  SKIP: colors.dim,
  ERROR: colors.magenta,
};

export const paint = (verdict: Verdict, text: string) => VERDICT_COLOR[verdict](text);

/** Progress on stderr: family lines everywhere, and a live line that rewrites itself only on a TTY. */
export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { line: (text) => stream.write(`${text}\n`) };
  let live = false;
  const clear = () => live && stream.write('\r\x1b[2K');
  return {
    line(text) {
      clear();
      live = false;
      stream.write(`${text}\n`);
    },
    live(text) {
      clear();
      live = true;
      stream.write(text.slice(0, (stream.columns || 80) - 1));
    },
  };
}
