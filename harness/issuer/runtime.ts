// What the process and container runtimes have in common: a started issuer app, its ready event,
// and a way to stop it.
import type { AppEvent } from './protocol.js';

export type ReadyEvent = Extract<AppEvent, { event: 'ready' }>;

export interface IssuerRuntime {
  readonly mode: 'process' | 'container';
  /** Where the harness and the backend under test reach the issuer (loopback). */
  readonly url: string;
  readonly ready: ReadyEvent;
  /** The child's pid or the container's id. */
  readonly id: string;
  /** Idempotent. */
  stop(): Promise<void>;
}

/** Parses the app's stdout lines; returns the ready event when a line is one. */
export function readyEventFrom(line: string): ReadyEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const event = JSON.parse(line) as AppEvent;
    return event.event === 'ready' ? event : undefined;
  } catch {
    return undefined;
  }
}

/** The last lines the app printed, quoted in start-up errors. */
export class OutputTail {
  private lines: string[] = [];
  constructor(private readonly max = 40) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  toString(): string {
    return this.lines.length ? this.lines.map((l) => `    | ${l}`).join('\n') : '    (no output)';
  }
}
