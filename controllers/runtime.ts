// The one reconcile loop shape every controller uses: registry watches map events to keys, a
// keyed work queue collapses them, and workers call reconcile(key), which re-reads state and
// returns when to look again. Errors back off per key; nothing is edge-triggered.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from '../api/registry.js';
import type { ResourceDefinition } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
import type { StoreWatch } from '../store/store.js';
import type { Clock } from './clock.js';
import { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  /** Look at this key again after this many ms (timed work: grace periods, back-off, readiness). */
  requeueAfterMs?: number;
}

/** A controller: what it watches, how events become keys, and how one key is reconciled. */
export interface Reconciler {
  name: string;
  watches: ReadonlyArray<{ def: ResourceDefinition; keys(obj: KubeObject): readonly string[] }>;
  /** Every key to look at on start (level-triggered resync after a restart). */
  initialKeys(): readonly string[];
  /**
   * How many keys may be reconciled at once (upstream's --concurrent-*-syncs; default 1). The
   * queue never hands one key to two workers; more workers let independent keys' writes share
   * group commits instead of queueing behind each other's fsyncs.
   */
  workers?: number;
  reconcile(key: string): Promise<ReconcileResult | void>;
}

/** Where runners report client-go's workqueue figures; the server's metrics implement it. */
export interface ControllerMetrics {
  /** A key entered the named queue (workqueue_adds_total). */
  queueAdded(name: string): void;
  /** A failed key was re-queued with back-off (workqueue_retries_total). */
  queueRetried(name: string): void;
  /** One reconcile took this long (workqueue_work_duration_seconds). */
  reconciled(name: string, seconds: number): void;
  /** Reads the named queue's depth at scrape time (workqueue_depth). */
  watchDepth(name: string, depth: () => number): void;
}

export interface RunnerOptions {
  registry: Registry;
  clock: Clock;
  log?: FastifyBaseLogger;
  workers?: number;
  metrics?: ControllerMetrics;
}

/** How long a worker may run without letting the event loop take I/O. */
const YIELD_AFTER_MS = 10;

/** A reconcile that holds the event loop longer than this paces its key (see work()). */
const PACE_AFTER_MS = 1;
/**
 * The pause after such a reconcile, as a multiple of how long it held the loop: while the loop is
 * busy, the key takes at most 1/(1+10) of it. A pause ends early once the loop goes idle.
 */
const PACE_FACTOR = 10;
const MAX_PACE_MS = 2000;
/** How often a pause looks at the event loop, and the share of that time it must have been idle to end the pause. */
const PACE_CHECK_MS = 2;
const IDLE_SHARE = 0.5;

/** Runs one reconciler until stopped. */
export class ControllerRunner {
  readonly queue: WorkQueue;
  private readonly watches: StoreWatch[] = [];
  private readonly workers: Promise<void>[] = [];
  private stopped = false;
  private inFlight = 0;
  /** Keys paced after a long synchronous reconcile: not run again before this time (performance.now()). */
  private readonly notBefore = new Map<string, number>();
  /** Ends the pauses under way (see pause), for stop(). */
  private readonly pauses = new Set<() => void>();

  /** The reconciler's name. */
  get name(): string {
    return this.reconciler.name;
  }

  /** Nothing queued now and nothing being reconciled (delayed keys do not count: they wait for the clock). */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  constructor(
    private readonly reconciler: Reconciler,
    private readonly options: RunnerOptions,
  ) {
    const { metrics } = options;
    this.queue = new WorkQueue({ clock: options.clock, ...(metrics ? { onAdd: () => metrics.queueAdded(reconciler.name) } : {}) });
    metrics?.watchDepth(reconciler.name, () => this.queue.length);
  }

  start(): void {
    const { registry } = this.options;
    const from = String(registry.store.resourceVersion);
    for (const { def, keys } of this.reconciler.watches) {
      const enqueue = (_type: string, obj: KubeObject) => {
        for (const key of keys(obj)) this.queue.add(key);
      };
      this.watches.push(registry.watch(def, { resourceVersion: from }, { event: enqueue, bookmark: () => {} }));
    }
    for (const key of this.reconciler.initialKeys()) this.queue.add(key);
    for (let i = 0; i < (this.options.workers ?? this.reconciler.workers ?? 1); i++) this.workers.push(this.work());
  }

  private async work(): Promise<void> {
    let since = performance.now();
    for (;;) {
      // Reconciles that write nothing (and a memory store) settle in microtasks only: a worker
      // with a long queue (every key at start-up) would hold the event loop, and requests with
      // it, until the queue is empty. Give way to I/O every few milliseconds.
      if (performance.now() - since > YIELD_AFTER_MS) {
        await nextMacrotask();
        since = performance.now();
      }
      const key = await this.queue.get();
      if (key === undefined) return;
      // In flight from the moment it is taken (a paced key's pause included): a virtual clock's advance waits for it.
      this.inFlight++;
      // Pacing: a key whose last reconcile held the event loop for long waits a multiple of that
      // before it runs again (events meanwhile collapse into this one run), so that one costly
      // key (a DaemonSet planned over thousands of nodes) takes at most a share of the process
      // and the kubelets, scheduler and API requests keep moving.
      const notBefore = this.notBefore.get(key);
      if (notBefore !== undefined && notBefore > performance.now() && !this.stopped) await this.pause(notBefore - performance.now());
      if (this.stopped) {
        // Stopped during the pause: the key is dropped with the rest of the queue.
        this.inFlight--;
        this.queue.done(key);
        return;
      }
      const started = performance.now();
      let blockedMs = 0;
      try {
        const pending = this.reconciler.reconcile(key);
        // The synchronous part (up to its first await): planning, which holds the event loop.
        blockedMs = performance.now() - started;
        const result = await pending;
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined && !this.stopped) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (!this.stopped) {
          this.options.log?.warn({ controller: this.reconciler.name, key, err }, 'reconcile failed; retrying with back-off');
          this.options.metrics?.queueRetried(this.reconciler.name);
          this.queue.addRateLimited(key);
        }
      } finally {
        if (blockedMs > PACE_AFTER_MS) this.notBefore.set(key, performance.now() + Math.min(MAX_PACE_MS, blockedMs * PACE_FACTOR));
        else this.notBefore.delete(key);
        this.inFlight--;
        this.options.metrics?.reconciled(this.reconciler.name, (performance.now() - started) / 1000);
        this.queue.done(key);
      }
    }
  }

  /**
   * Waits up to ms of real time (pacing shares the CPU, so it is not the controllers' clock): less
   * once the event loop has been idle for most of a check interval, as then the key takes time no
   * one else wants (the last sync of a fan-out need not wait out its pause); and no longer than
   * until stop().
   */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const until = performance.now() + ms;
      let timer: NodeJS.Timeout | undefined;
      const end = () => {
        clearTimeout(timer);
        this.pauses.delete(end);
        resolve();
      };
      let since = performance.eventLoopUtilization();
      const check = () => {
        const now = performance.eventLoopUtilization();
        const busy = performance.eventLoopUtilization(now, since).utilization;
        since = now;
        const left = until - performance.now();
        if (left <= 0 || busy < IDLE_SHARE) end();
        else timer = setTimeout(check, Math.min(PACE_CHECK_MS, left));
      };
      this.pauses.add(end);
      timer = setTimeout(check, Math.min(PACE_CHECK_MS, ms));
    });
  }

  /** Stops watching, lets in-flight reconciles finish, and drops queued work. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const end of [...this.pauses]) end();
    for (const w of this.watches.splice(0)) w.stop();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }
}
