// Halting a run, in one place: the first signal (SIGINT, SIGTERM, SIGHUP) or exit of the backend the
// harness started stops it. From that moment nothing more is decided: what the collector had decided
// is frozen, every phase still waiting gives up (`unlessHalted`), and the run goes on to its report.
import { interrupted, onInterrupt } from '../issuer/cleanup.js';
import type { Interruption } from '../issuer/cleanup.js';
import { launchTarget } from '../target/launcher.js';
import type { LaunchOptions, LaunchedTarget, TargetExit } from '../target/launcher.js';
import type { CheckCollector } from './collector.js';

/** Why the run stopped before its end. */
export interface Halt {
  reason: string;
  signal?: NodeJS.Signals;
  backendExit?: TargetExit;
}

/** What a phase throws when the run was halted while it waited. */
export class RunHalted extends Error {
  constructor(readonly halt: Halt) {
    super(halt.reason);
  }
}

export class Halter {
  /** The first halt, once there is one. */
  halted: Halt | undefined;
  /** What had been decided when it came. */
  frozen: ReturnType<CheckCollector['freeze']> | undefined;
  /** Resolves at the first halt. */
  readonly requested: Promise<void>;
  /** Resolves once everything tracked was stopped after a signal (cleanup.ts stops it as the signal arrives). */
  readonly stoppedAfterSignal: Promise<Interruption>;
  private readonly throws: Promise<never>;
  private readonly offInterrupt: () => void;
  private onHalt = () => {};

  constructor(
    private readonly collector: CheckCollector,
    private readonly problems: string[],
    log: (line: string) => void,
  ) {
    this.requested = new Promise<void>((resolve) => (this.onHalt = resolve));
    this.stoppedAfterSignal = interrupted();
    this.offInterrupt = onInterrupt((signal) => {
      log(`${signal}: stopping the run; the report keeps what was decided (${signal} again exits at once)`);
      this.halt({ reason: `the run was interrupted by ${signal}`, signal });
    });
    this.throws = this.requested.then((): never => {
      throw new RunHalted(this.halted!);
    });
    this.throws.catch(() => {}); // observed by the races of unlessHalted; never an unhandled rejection
  }

  halt(why: Halt): void {
    if (this.halted) return;
    this.halted = why;
    this.frozen = this.collector.freeze(why.reason);
    this.onHalt();
  }

  /** The backend the harness started exited when nobody asked it to. */
  backendExited(exit: TargetExit): void {
    this.problems.push(`the backend the harness started exited during the run (${exit.describe}); nothing after that is decided; its last output:\n${exit.output}`);
    this.halt({ reason: `the backend exited (${exit.describe})`, backendExit: exit });
  }

  /** A phase that stops waiting once the run is halted (what it started is stopped by the run's clean-up). */
  unlessHalted<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.throws]);
  }

  /** Launches the backend and watches it: an exit nobody asked for halts the run. */
  async launchWatched(options: LaunchOptions): Promise<LaunchedTarget> {
    // An exit before it was ready fails the launch itself (launchTarget throws); after, it halts the run.
    return launchTarget({ ...options, onUnexpectedExit: (exit) => this.backendExited(exit) });
  }

  /** Signals no longer halt this run (its clean-up has begun). */
  stopListening(): void {
    this.offInterrupt();
  }
}
