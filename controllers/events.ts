// An event recorder as client-go's: core/v1 Events about an object, deduplicated by
// (object, type, reason, message, source) into one Event whose count and lastTimestamp grow, and
// passed through client-go's EventCorrelator (similar events combined, a spam filter per object).
// As client-go's broadcaster, recording does not wait for the write: the writes of every recorder
// of one store go through one EventSink, a few at a time, so a burst of events (five per pod in a
// DaemonSet rollout) trails the pods instead of holding up the controllers that report them.
import type { Registry } from '../api/registry.js';
import { events } from '../api/resources.js';
import { apiVersionOf, type ResourceDefinition } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
import type { ObjectStore } from '../store/store.js';
import { formatTimestamp } from '../store/store.js';
import { StatusError } from '../store/status-error.js';
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
  /**
   * Apply client-go's EventCorrelator (default true), as every recorder of the legacy
   * tools/record API does (kubelet, kube-controller-manager). The scheduler records through the
   * events.k8s.io API, which has no spam filter or aggregation.
   */
  correlate?: boolean;
}

// client-go's EventCorrelator defaults (tools/record/events_cache.go).
/** Events a source may send about one object at once (defaultSpamBurst)… */
const SPAM_BURST = 25;
/** …and then one more every 5 minutes (defaultSpamQPS = 1/300). */
const SPAM_REFILL_MS = 300_000;
/** Events of one reason with different messages before they are combined (defaultAggregateMaxEvents). */
const AGGREGATE_MAX_EVENTS = 10;
/** Similar events further apart than this start a new count (defaultAggregateIntervalInSeconds). */
const AGGREGATE_INTERVAL_MS = 600_000;
/** Entries each cache keeps (maxLruCacheEntries). */
const CACHE_ENTRIES = 4096;

/** Sets key in an insertion-ordered map used as an LRU cache of at most CACHE_ENTRIES. */
function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
}

/** Event writes in flight at once per store: enough to share each group commit, few enough to leave the rest of the CPU to the controllers. */
const SINK_CONCURRENCY = 32;

/** Where the recorders of one store send their writes: first come, first written, SINK_CONCURRENCY at a time. */
export class EventSink {
  /** Writes waiting, from `head` on: taken by index, as shift() moves the whole array (a rollout queues thousands). */
  private queue: Array<() => void> = [];
  private head = 0;
  private inFlight = 0;

  /** Nothing queued or being written (a virtual clock waits for this before it moves on). */
  get idle(): boolean {
    return this.inFlight === 0 && this.head === this.queue.length;
  }

  /** Runs write when a slot is free; settles as it does. */
  submit(write: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      // The slot is free (and the next write started) before the submitter hears back.
      const finish = (): void => {
        this.inFlight--;
        this.next();
      };
      this.queue.push(() => {
        this.inFlight++;
        write().then(
          () => {
            finish();
            resolve();
          },
          (err: unknown) => {
            finish();
            reject(err);
          },
        );
      });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < SINK_CONCURRENCY && this.head < this.queue.length) {
      const start = this.queue[this.head]!;
      this.queue[this.head++] = undefined!;
      start();
    }
    // Drop the written head now and then (at once when all is written), never per write.
    if (this.head === this.queue.length || (this.head > 4096 && this.head * 2 > this.queue.length)) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

const SINKS = new WeakMap<ObjectStore, EventSink>();

/** The event sink of a registry's store (one per store, whichever registry view records). */
export function eventSinkOf(registry: Registry): EventSink {
  let sink = SINKS.get(registry.store);
  if (!sink) SINKS.set(registry.store, (sink = new EventSink()));
  return sink;
}

/** One event to write: new, or a count bump of the event already written under key. */
interface EventWrite {
  key: string;
  namespace: string;
  involvedObject: Record<string, unknown>;
  type: EventType;
  reason: string;
  message: string;
  /** The combined event of similar ones, which carries no reporting controller or instance. */
  aggregate: boolean;
  now: Date;
}

/**
 * Records events through the registry as client-go's recorder does: an event identical to one
 * already written bumps its count; with correlation, the tenth and later events of one reason
 * about one object with different messages are combined into one "(combined from similar
 * events)" event, and a source sends at most 25 events about one object at once, then one every
 * 5 minutes (the rest are dropped, as upstream's spam filter drops them). Writes for one event
 * key go out one after the other.
 */
export class EventRecorder {
  /** event key -> event name, for the events this recorder wrote (client-go's eventLogger cache). */
  private readonly seen = new Map<string, string>();
  /** aggregate key -> the messages seen of similar events, and when the last one was. */
  private readonly aggregates = new Map<string, { messages: Set<string>; last: number }>();
  /** source + object -> the spam filter's token bucket. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** event key -> the write in flight for it (a count bump waits for the create before it). */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly source: EventSource,
  ) {
    this.sink = eventSinkOf(registry);
  }

  private readonly sink: EventSink;
  private readonly definitions = new Map<string, ResourceDefinition | undefined>();

  /**
   * Records (or bumps the count of) an event about obj: decided at once, written through the
   * store's EventSink. Controllers do not wait for it; the promise (for tests) settles once it is
   * written, and never rejects: events are best effort, as client-go's are.
   */
  record(obj: KubeObject, type: EventType, reason: string, message: string, options: { fieldPath?: string; nodeAsUid?: boolean } = {}): Promise<void> {
    const write = this.correlate(obj, type, reason, message, options);
    if (!write) return Promise.resolve();
    // Writes of one event key go out one after the other (a count bump waits for the create).
    const done = (this.writing.get(write.key) ?? Promise.resolve()).then(() => this.sink.submit(() => this.write(write))).catch((err: unknown) => {
      // A missing namespace, a racing delete or a server shutting down: the event is dropped, as
      // client-go drops one it cannot write. Anything else is a defect worth a warning.
      if (!(err instanceof StatusError)) process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'EventWriteFailed');
    });
    this.writing.set(write.key, done);
    void done.finally(() => {
      if (this.writing.get(write.key) === done) this.writing.delete(write.key);
    });
    return done;
  }

  /** The served resource of an object's kind and apiVersion (every event looks one up). */
  private definitionOf(obj: KubeObject): ResourceDefinition | undefined {
    const key = `${obj.apiVersion}/${obj.kind}`;
    let def = this.definitions.get(key);
    if (def === undefined && !this.definitions.has(key)) {
      def = this.registry.resources.find((d) => d.kind === obj.kind && apiVersionOf(d) === obj.apiVersion);
      this.definitions.set(key, def);
    }
    return def;
  }

  /** EventCorrelate, decided at once (so that concurrent records see each other): what to write, or nothing. */
  private correlate(obj: KubeObject, type: EventType, reason: string, message: string, options: { fieldPath?: string; nodeAsUid?: boolean }): EventWrite | undefined {
    const def = this.definitionOf(obj);
    const clusterScoped = def ? !def.namespaced : !obj.metadata.namespace;
    const namespace = clusterScoped ? 'default' : obj.metadata.namespace!;
    const uid = options.nodeAsUid ? obj.metadata.name! : obj.metadata.uid!;
    const involvedObject = {
      kind: obj.kind,
      namespace: clusterScoped ? '' : obj.metadata.namespace,
      name: obj.metadata.name,
      uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
      ...(options.fieldPath ? { fieldPath: options.fieldPath } : {}),
    };
    const source = [this.source.component, this.source.host ?? ''];
    const objectKey = [...source, obj.kind, involvedObject.namespace, obj.metadata.name, uid, obj.apiVersion].join('\u0000');
    const now = this.clock.now();
    const write: EventWrite = { key: [objectKey, options.fieldPath ?? '', type, reason, message].join('\u0000'), namespace, involvedObject, type, reason, message, aggregate: false, now };
    if (this.source.correlate === false) return write;

    // EventAggregator (EventAggregatorByReasonFunc): similar events differ only in their message.
    const at = now.getTime();
    const aggregateKey = [objectKey, type, reason, ...source].join('\u0000');
    let similar = this.aggregates.get(aggregateKey);
    if (!similar || at - similar.last > AGGREGATE_INTERVAL_MS) similar = { messages: new Set(), last: at };
    similar.messages.add(message);
    similar.last = at;
    remember(this.aggregates, aggregateKey, similar);
    if (similar.messages.size >= AGGREGATE_MAX_EVENTS) {
      similar.messages.delete(similar.messages.values().next().value!);
      Object.assign(write, { key: aggregateKey, message: `(combined from similar events): ${message}`, aggregate: true });
    }

    // EventSourceObjectSpamFilter: a token bucket per source and object.
    const bucket = this.buckets.get(objectKey) ?? { tokens: SPAM_BURST, at };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + Math.max(0, at - bucket.at) / SPAM_REFILL_MS);
    bucket.at = at;
    remember(this.buckets, objectKey, bucket);
    if (bucket.tokens < 1) return undefined;
    bucket.tokens -= 1;
    return write;
  }

  private async write(write: EventWrite): Promise<void> {
    const now = formatTimestamp(write.now);
    const existing = this.seen.get(write.key);
    if (existing && this.registry.store.get({ group: '', resource: 'events' }, write.namespace, existing)) {
      await this.registry.patch(events, write.namespace, existing, (ev) => {
        ev.count = (Number(ev.count) || 1) + 1;
        ev.lastTimestamp = now;
        ev.message = write.message;
        return ev;
      });
      return;
    }
    const name = `${write.involvedObject.name as string}.${eventNameSuffix(write.now)}`;
    await this.registry.create(events, write.namespace, {
      metadata: { name, namespace: write.namespace },
      involvedObject: write.involvedObject,
      reason: write.reason,
      message: write.message,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: write.type,
      eventTime: null,
      reportingComponent: write.aggregate ? '' : this.source.component,
      reportingInstance: write.aggregate ? '' : (this.source.host ?? ''),
    }, { internal: true });
    remember(this.seen, write.key, name);
  }
}
