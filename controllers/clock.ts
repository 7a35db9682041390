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

/** A clock that moves only when advanced; due callbacks run in time order during advance(). */
export class FakeClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(start: Date | string = '2026-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  schedule(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward by ms, running every callback that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }

  /** How many callbacks are waiting. */
  get pending(): number {
    return this.timers.length;
  }
}
