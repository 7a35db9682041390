// The one reconcile loop shape every controller uses: registry watches map events to keys, a
// keyed work queue collapses them, and workers call reconcile(key), which re-reads state and
// returns when to look again. Errors back off per key; nothing is edge-triggered.
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
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export interface RunnerOptions {
  registry: Registry;
  clock: Clock;
  log?: FastifyBaseLogger;
  workers?: number;
}

/** Runs one reconciler until stopped. */
export class ControllerRunner {
  readonly queue: WorkQueue;
  private readonly watches: StoreWatch[] = [];
  private readonly workers: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly options: RunnerOptions,
  ) {
    this.queue = new WorkQueue({ clock: options.clock });
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
    for (let i = 0; i < (this.options.workers ?? 1); i++) this.workers.push(this.work());
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.reconciler.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined && !this.stopped) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (!this.stopped) {
          this.options.log?.warn({ controller: this.reconciler.name, key, err }, 'reconcile failed; retrying with back-off');
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Stops watching, lets in-flight reconciles finish, and drops queued work. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watches.splice(0)) w.stop();
    this.queue.shutDown();
    await Promise.all(this.workers);
  }
}
