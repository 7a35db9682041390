// A keyed work queue with client-go's semantics: duplicate keys collapse, one key is never in
// flight twice (a key re-added while processing runs again after), failures back off per key,
// delayed adds serve requeueAfter, and shutdown lets in-flight work finish.
import type { Clock } from './clock.js';

export interface WorkQueueOptions {
  clock: Clock;
  /** Per-key exponential back-off: base delay and cap, in ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called once per key that actually enters the queue (a collapsed duplicate is no add), as client-go counts workqueue_adds_total. */
  onAdd?: () => void;
}

export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;
  private readonly onAdd: (() => void) | undefined;

  constructor(options: WorkQueueOptions) {
    this.clock = options.clock;
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.onAdd = options.onAdd;
  }

  /** Queue depth: keys waiting now (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.onAdd?.();
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.handOut(key);
  }

  /** Gives a dirty key to a waiting worker, or queues it. */
  private handOut(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** Adds key after ms; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now().getTime() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.schedule(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** Re-adds a failed key with per-key exponential back-off. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n));
  }

  /** Clears a key's failure count after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Resolves with the next key, or undefined once shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key finished; if it was re-added meanwhile it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (!this.dirty.has(key)) return;
    if (this.shuttingDown) this.dirty.delete(key);
    else this.handOut(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
