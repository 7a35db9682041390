// Time as a parameter: controllers read now() and schedule through a Clock, so tests advance a
// fake clock instead of sleeping.

export interface Clock {
  now(): Date;
  /** Calls fn after ms of this clock's time; returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void;
}

/** Wall-clock time with unref'd timers (they never keep the process alive). */
export const realClock: Clock = {
  now: () => new Date(),
  schedule(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Callbacks due at points of a clock's time, taken earliest first (ties in scheduling order). */
export class TimerQueue {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  /** Queues fn for time `at`; returns a cancel function. */
  add(at: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** The earliest due time, or undefined when nothing waits. */
  nextAt(): number | undefined {
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    return this.timers[0]?.at;
  }

  /** Removes and returns the earliest callback due at or before t, if any. */
  takeDue(t: number): (() => void) | undefined {
    const at = this.nextAt();
    return at !== undefined && at <= t ? this.timers.shift()!.fn : undefined;
  }

  get size(): number {
    return this.timers.length;
  }
}

/** A clock that moves only when advanced; due callbacks run in time order during advance(). */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers = new TimerQueue();

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(ms: number, fn: () => void): () => void {
    return this.timers.add(this.current + Math.max(0, ms), fn);
  }

  /** Moves time forward by ms, running every callback that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let at = this.timers.nextAt(); at !== undefined && at <= target; at = this.timers.nextAt()) {
      this.current = at;
      this.timers.takeDue(at)!();
    }
    this.current = target;
  }

  /** How many callbacks are waiting. */
  get pending(): number {
    return this.timers.size;
  }
}
