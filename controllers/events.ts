// An event recorder as client-go's: core/v1 Events about an object, deduplicated by
// (object, type, reason, message, source) into one Event whose count and lastTimestamp grow.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Registry } from '../api/registry.js';
import { events } from '../api/resources.js';
import { apiVersionOf } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
import { formatTimestamp } from '../store/store.js';
import type { Clock } from './clock.js';

export type EventType = 'Normal' | 'Warning';

let lastSuffix = 0n;

/**
 * client-go names an event `<object>.<UnixNano in hex>`; nanoseconds here are the clock's
 * milliseconds made strictly increasing within the process, so two events of one object in the
 * same millisecond (or under a virtual clock standing still) never share a name.
 */
function eventNameSuffix(now: Date): string {
  const nanos = BigInt(now.getTime()) * 1_000_000n;
  lastSuffix = nanos > lastSuffix ? nanos : lastSuffix + 1n;
  return lastSuffix.toString(16);
}

export interface EventSource {
  component: string;
  host?: string;
}

/**
 * Where every recorder of one store sends its events: written after the work that caused them
 * (from a later turn of the event loop, a batch at a time), as client-go's broadcaster sends events
 * from its own goroutine, so that a burst of pod creates, binds and status writes is not slowed by
 * the events it produces. The virtual clock's settling waits for it to be idle.
 */
export class EventQueue {
  private pending: Array<() => Promise<void>> = [];
  private inFlight = 0;
  private draining: Promise<void> | undefined;

  /** Nothing waiting to be written and nothing being written. */
  get idle(): boolean {
    return this.pending.length === 0 && this.inFlight === 0;
  }

  /** Queues a write; resolves once it is done (or failed: events are best effort), never rejects. */
  add(write: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push(() => write().then(resolve, () => resolve()));
      this.draining ??= this.drain();
    });
  }

  /** Resolves once everything queued so far (and queued meanwhile) is written. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await nextMacrotask();
        const batch = this.pending.splice(0, EVENT_BATCH);
        this.inFlight += batch.length;
        await Promise.all(batch.map((write) => write()));
        this.inFlight -= batch.length;
      }
    } finally {
      this.draining = undefined;
    }
  }
}

/** Events written side by side (they share group commits). */
const EVENT_BATCH = 64;

const queues = new WeakMap<object, EventQueue>();

/** The event queue of the store behind a registry (controllers may each hold a wrapped registry). */
export function eventQueueOf(registry: Registry): EventQueue {
  let queue = queues.get(registry.store);
  if (!queue) queues.set(registry.store, (queue = new EventQueue()));
  return queue;
}

/** Records events through the registry's event queue; callers on hot paths need not await. */
export class EventRecorder {
  /** dedupe key -> event name, for the events this process wrote. */
  private readonly seen = new Map<string, string>();
  /** dedupe key -> the last queued write of that key: a repeat waits for it, to bump its count. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly queue: EventQueue;

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly source: EventSource,
  ) {
    this.queue = eventQueueOf(registry);
  }

  /**
   * Records (or bumps the count of) an event about obj, as of now. Resolves once it is written;
   * never rejects: events are best effort (a missing namespace or a racing delete must not fail
   * the controller that reports).
   */
  record(obj: KubeObject, type: EventType, reason: string, message: string, options: { fieldPath?: string; nodeAsUid?: boolean } = {}): Promise<void> {
    const def = this.registry.resources.find((d) => d.kind === obj.kind && apiVersionOf(d) === obj.apiVersion);
    const clusterScoped = def ? !def.namespaced : !obj.metadata.namespace;
    const namespace = clusterScoped ? 'default' : obj.metadata.namespace!;
    const uid = options.nodeAsUid ? obj.metadata.name! : obj.metadata.uid!;
    const key = [namespace, uid, type, reason, message, this.source.component, this.source.host ?? ''].join('\u0000');
    const at = this.clock.now();
    const event = {
      metadata: { name: `${obj.metadata.name}.${eventNameSuffix(at)}`, namespace },
      involvedObject: {
        kind: obj.kind,
        namespace: clusterScoped ? '' : obj.metadata.namespace,
        name: obj.metadata.name,
        uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
        ...(options.fieldPath ? { fieldPath: options.fieldPath } : {}),
      },
      reason,
      message,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: formatTimestamp(at),
      lastTimestamp: formatTimestamp(at),
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    };
    const previous = this.tails.get(key);
    const write = () => this.queue.add(() => this.write(key, namespace, event));
    const done = previous ? previous.then(write) : write();
    this.tails.set(key, done);
    void done.then(() => {
      if (this.tails.get(key) === done) this.tails.delete(key);
    });
    return done;
  }

  private async write(key: string, namespace: string, event: { metadata: { name: string }; lastTimestamp: string }): Promise<void> {
    const existing = this.seen.get(key);
    if (existing && this.registry.store.get({ group: '', resource: 'events' }, namespace, existing)) {
      await this.registry.patch(events, namespace, existing, (ev) => {
        ev.count = (Number(ev.count) || 1) + 1;
        ev.lastTimestamp = event.lastTimestamp;
        return ev;
      });
      return;
    }
    await this.registry.create(events, namespace, event);
    this.seen.set(key, event.metadata.name);
    // Bounded like client-go's event cache: the oldest entries go first.
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
  }
}
