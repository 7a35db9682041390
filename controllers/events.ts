// An event recorder as client-go's: core/v1 Events about an object, deduplicated by
// (object, type, reason, message, source) into one Event whose count and lastTimestamp grow.
import type { Registry } from '../api/registry.js';
import { events } from '../api/resources.js';
import { apiVersionOf } from '../api/types.js';
import type { KubeObject } from '../store/object.js';
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
}

/** Records events through the registry; safe to call without awaiting in hot paths. */
export class EventRecorder {
  /** dedupe key -> event name, for the events this process wrote. */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly source: EventSource,
  ) {}

  /** Records (or bumps the count of) an event about obj. Never throws: events are best effort. */
  async record(obj: KubeObject, type: EventType, reason: string, message: string, options: { fieldPath?: string; nodeAsUid?: boolean } = {}): Promise<void> {
    try {
      await this.write(obj, type, reason, message, options);
    } catch (err) {
      // A missing namespace or a racing delete must not fail the controller that reports.
      if (!(err instanceof StatusError)) throw err;
    }
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string, options: { fieldPath?: string; nodeAsUid?: boolean }): Promise<void> {
    const def = this.registry.resources.find((d) => d.kind === obj.kind && apiVersionOf(d) === obj.apiVersion);
    const clusterScoped = def ? !def.namespaced : !obj.metadata.namespace;
    const namespace = clusterScoped ? 'default' : obj.metadata.namespace!;
    const uid = options.nodeAsUid ? obj.metadata.name! : obj.metadata.uid!;
    const key = [namespace, uid, type, reason, message, this.source.component, this.source.host ?? ''].join('\u0000');
    const now = formatTimestamp(this.clock.now());
    const existing = this.seen.get(key);
    if (existing && this.registry.store.get({ group: '', resource: 'events' }, namespace, existing)) {
      await this.registry.patch(events, namespace, existing, (ev) => {
        ev.count = (Number(ev.count) || 1) + 1;
        ev.lastTimestamp = now;
        return ev;
      });
      return;
    }
    const name = `${obj.metadata.name}.${eventNameSuffix(this.clock.now())}`;
    await this.registry.create(events, namespace, {
      metadata: { name, namespace },
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
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    });
    this.seen.set(key, name);
    // Bounded like client-go's event cache: the oldest entries go first.
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
  }
}
