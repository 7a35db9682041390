// The virtual clock (`--clock virtual`, startCluster({ clock: 'virtual' })): time stands still
// until something advances it (the kubemock.dev Clock object). An advance moves from one due timer
// to the next and lets the cluster settle after each instant (every controller idle, every write
// delivered to watchers), so a lease renewed every 10 s is renewed at 10, 20 and 30 s of a 40 s
// jump before the node lifecycle controller looks at it at 40 s, as with real time, only faster.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { TimerQueue, type Clock } from './clock.js';

/** A check that is true while the cluster has nothing left to do at the current instant. */
export type IdleProbe = () => boolean;

/** How long one instant may take to settle (real time) before the advance moves on regardless. */
const SETTLE_LIMIT_MS = 10_000;

export class VirtualClock implements Clock {
  private current: number;
  private readonly timers = new TimerQueue();
  private readonly probes = new Set<IdleProbe>();

  constructor(start: Date | string = new Date()) {
    // A whole second: timestamps (whole seconds on the wire) then count virtual time exactly.
    this.current = Math.floor(new Date(start).getTime() / 1000) * 1000;
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(ms: number, fn: () => void): () => void {
    return this.timers.add(this.current + Math.max(0, ms), fn);
  }

  /** Adds a settle check (a controller runner's idleness, the store's delivered writes); returns its removal. */
  addIdleProbe(probe: IdleProbe): () => void {
    this.probes.add(probe);
    return () => this.probes.delete(probe);
  }

  /** Resolves once every probe has held for a few turns of the event loop in a row (or after a real-time limit). */
  async settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    let quiet = 0;
    let turns = 0;
    while (quiet < 3 && Date.now() < deadline) {
      // The first turns are cheap; after that, wait a little so pending fsyncs can land.
      if (turns++ < 20) await nextTurn();
      else await sleep(1);
      quiet = [...this.probes].every((p) => p()) ? quiet + 1 : 0;
    }
  }

  /**
   * Moves time forward to target: runs due timers one instant at a time, earliest first, and lets
   * the cluster settle after each. Never moves backwards. Resolves when target is reached and settled.
   */
  async advanceTo(target: Date | number): Promise<void> {
    const end = typeof target === 'number' ? target : target.getTime();
    await this.settle();
    for (let at = this.timers.nextAt(); at !== undefined && at <= end; at = this.timers.nextAt()) {
      this.current = Math.max(this.current, at);
      // Every timer due at this instant fires before the cluster reacts, as they would in real time.
      for (let fn = this.timers.takeDue(this.current); fn; fn = this.timers.takeDue(this.current)) fn();
      await this.settle();
    }
    if (end > this.current) this.current = end;
    await this.settle();
  }

  /** Moves time forward by ms (see advanceTo). */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }

  /** How many callbacks are waiting. */
  get pending(): number {
    return this.timers.size;
  }
}

/** Whether a clock is virtual (and so wants idle probes from the controllers). */
export function isVirtualClock(clock: Clock): clock is VirtualClock {
  return clock instanceof VirtualClock;
}
