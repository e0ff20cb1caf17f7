// What a time-bound check did, on one time axis: every request it sent (kept as evidence or not) and
// how it was answered, every JWKS fetch the issuer logged, the keys published, retired and removed,
// the JWKS faults set and cleared, and the backend's restarts. A lab records it (harness/checks/suite.ts
// gives each lab of a family with timelines one recorder); the report draws it (report/timeline-svg.ts).
import type { IssuerHandle } from '../issuer/handle.js';
import type { JwksFault, JwksFetch } from '../issuer/protocol.js';
import type { Exchange, Timeline, TimelineEvent, TimelineEventKind, TimelineLane, TimelineRequest } from './model.js';

/** Where a check's bound line sits: the setting's seconds after the first event of a kind. */
export interface TimelineBound {
  setting: 'maxRotationDelayS' | 'maxCacheAgeS';
  after: TimelineEventKind;
}

/**
 * Requests kept per lane: a storm of unknown kids sends thousands, and the picture needs the shape, not
 * each. The first and the last half are kept (what set the state up, and what decided the check); the
 * middle is counted.
 */
export const TIMELINE_MAX_REQUESTS = 1_500;
/** JWKS fetches kept per lane, the first ones (a client with no cache fetches on every request). */
const TIMELINE_MAX_FETCHES = 1_500;

const faultName = (fault: JwksFault): string => (fault.kind === 'status' ? `status ${fault.status ?? 503}` : fault.kind);

/** What one lab did from its acquisition (or, on the run's own backend, from a group's first check); `snapshot` gives a check its picture. */
export class LabTimeline {
  private readonly requests: TimelineRequest[] = [];
  /** Past the first half, the latest requests: the other half, the oldest dropped (and counted) as new ones come. */
  private readonly latest: TimelineRequest[] = [];
  private leftOut = 0;
  private readonly events: TimelineEvent[] = [];
  private readonly lanes: TimelineLane[] = [];

  constructor(readonly startedAtMs = Date.now()) {}

  private at(epochMs: number): number {
    return epochMs - this.startedAtMs;
  }

  /** TargetClient's observer: each exchange once answered, with when it was sent. */
  readonly onExchange = (exchange: Exchange, sentAtMs: number): void => {
    const request: TimelineRequest = { atMs: this.at(sentAtMs), durationMs: exchange.durationMs, outcome: exchange.outcome, ...(exchange.response ? { status: exchange.response.status } : {}), label: exchange.label };
    if (this.requests.length < TIMELINE_MAX_REQUESTS / 2) {
      this.requests.push(request);
      return;
    }
    this.latest.push(request);
    if (this.latest.length > TIMELINE_MAX_REQUESTS / 2) {
      this.latest.shift();
      this.leftOut++;
    }
  };

  note(kind: TimelineEventKind, detail: string, epochMs = Date.now()): void {
    this.events.push({ atMs: this.at(epochMs), kind, detail });
  }

  /** A scenario's lab, drawn under this one. */
  addLane(lane: TimelineLane, startedAtMs: number): void {
    this.lanes.push({ ...lane, offsetMs: this.at(startedAtMs) });
  }

  /** This lab's lane up to now, with the issuer's fetch log (`fetches`: since its acquisition), and the scenario lanes. */
  snapshot(label: string, fetches: JwksFetch[], bound?: { label: string; afterS: number; anchor: TimelineEventKind }): Timeline {
    const own: TimelineLane = {
      label,
      offsetMs: 0,
      durationMs: this.at(Date.now()),
      requests: [...this.requests, ...this.latest].sort((a, b) => a.atMs - b.atMs),
      ...(this.leftOut > 0 ? { requestsLeftOut: this.leftOut } : {}),
      fetches: fetches.filter((f) => f.epochMs >= this.startedAtMs).slice(0, TIMELINE_MAX_FETCHES).map((f) => ({ atMs: this.at(f.epochMs), served: f.fault ?? 'keys' })),
      events: [...this.events].sort((a, b) => a.atMs - b.atMs),
    };
    const anchor = bound && own.events.find((e) => e.kind === bound.anchor);
    return {
      startedAtMs: this.startedAtMs,
      lanes: [own, ...this.lanes],
      ...(bound && anchor ? { bound: { label: bound.label, atMs: anchor.atMs + bound.afterS * 1000 } } : {}),
    };
  }
}

/**
 * Where a family's backend and issuer record: a new timeline begins when a lab is acquired, or, on
 * the run's own backend, when a group of checks sharing a measurement begins.
 */
export class TimelineSlot {
  current: LabTimeline | undefined;

  begin(): LabTimeline {
    this.current = new LabTimeline();
    return this.current;
  }

  /** TargetClient's observer. */
  readonly observe = (exchange: Exchange, sentAtMs: number): void => this.current?.onExchange(exchange, sentAtMs);
}

/** `handle`, noting on the slot's timeline each key it publishes, retires or removes and each JWKS fault it sets or clears. */
export function recordingKeyEvents(handle: IssuerHandle, slot: TimelineSlot): IssuerHandle {
  // A clear with no fault set (every check's health check sends one) changes nothing the backend sees.
  let faulted = false;
  const noted: Partial<Record<keyof IssuerHandle, (args: unknown[], result: unknown) => void>> = {
    rotate: (_, key) => slot.current?.note('key-published', (key as { kid: string }).kid),
    retireKey: ([kid]) => slot.current?.note('key-retired', String(kid)),
    removeKey: ([kid]) => slot.current?.note('key-removed', String(kid)),
    setJwksFault: ([fault]) => {
      faulted = true;
      slot.current?.note('fault-set', faultName(fault as JwksFault));
    },
    clearJwksFault: () => {
      if (faulted) slot.current?.note('fault-cleared', 'the real key set');
      faulted = false;
    },
  };
  return new Proxy(handle, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      const note = noted[property as keyof IssuerHandle];
      if (!note) return bound;
      return async (...args: unknown[]) => {
        const result = await bound(...args);
        note(args, result);
        return result;
      };
    },
  });
}
