// The request log: the last N requests the server received, served read-only as kubemock.dev
// RecordedRequests straight from memory (Registry.serveFrom), so a test can list what its client
// called — filtered by field selectors (verb, objectRef.resource, userAgent, responseStatus.code …),
// label selectors (kubemock.dev/verb, kubemock.dev/resource, kubemock.dev/code,
// kubemock.dev/client) and limit — or watch: ADDED when a request arrives, MODIFIED when it
// completes, DELETED when it falls out of the log. The log keeps its own resourceVersion (bumped on
// each of those), which its objects and lists carry. Never stored, never persisted; requests for the
// log itself are not logged. Watches show up when they start (ResponseStarted) and complete when they end.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ObjectSource, Registry, SourceListener } from '../api/registry.js';
import { recordedRequests } from '../api/steering-resources.js';
import { STEERING_API_VERSION } from '../api/kinds/steering-common.js';
import type { RecordedRequestFields, RecordedStage } from '../api/kinds/recordedrequest.js';
import { prefixFromUserAgent } from '../api/managed-fields.js';
import { deepFreeze, type KubeObject } from '../store/object.js';
import { formatMicroTime, formatTimestamp, type StoreWatch } from '../store/store.js';
import { gone } from '../store/status-error.js';
import { requestTarget, type RequestTarget } from './faults.js';

/** Requests kept by default. */
export const DEFAULT_REQUEST_LOG_SIZE = 1000;

/** What a request's entry starts with: a verb and objectRef, or the method to work them out from when read. */
export interface EntryFields {
  verb?: string;
  method?: string;
  requestURI: string;
  userAgent: string;
  sourceIP: string;
  objectRef?: RecordedRequestFields['objectRef'];
  /** The response while it is open, to tell a started watch from a request still being served. */
  raw?: ServerResponse;
}

/** One request; a class of fixed shape, as one is made per request. */
class Entry {
  readonly verb: string | undefined;
  readonly method: string | undefined;
  readonly requestURI: string;
  readonly userAgent: string;
  readonly sourceIP: string;
  readonly objectRef: RecordedRequestFields['objectRef'] | undefined;
  /** The verb and objectRef worked out from method and requestURI on the first read. */
  described: { verb: string; objectRef: RecordedRequestFields['objectRef'] | undefined } | undefined = undefined;
  raw: ServerResponse | undefined;
  // Times as numbers (ms since the epoch, by the server's clock): a Date kept per entry is an
  // object more for the garbage collector to carry through every collection.
  readonly received: number;
  readonly startedAt = performance.now();
  code: number | undefined = undefined;
  /** The log's resourceVersion when the entry was added, last changed, and fell out of the log (0: not yet). */
  addedRV = 0;
  rv = 0;
  deletedRV = 0;
  /** The object watchers were sent as ADDED, until it completes: the previous state of its MODIFIED. */
  reported: KubeObject | undefined = undefined;
  latencyMs: number | undefined = undefined;
  completed: number | undefined = undefined;

  constructor(
    readonly seq: number,
    fields: EntryFields,
    received: number,
  ) {
    this.verb = fields.verb;
    this.method = fields.method;
    this.requestURI = fields.requestURI;
    this.userAgent = fields.userAgent;
    this.sourceIP = fields.sourceIP;
    this.objectRef = fields.objectRef;
    this.raw = fields.raw;
    this.received = received;
  }
}

/** A User-Agent product as a label value: `kubectl.1.33`, `my-controller`. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The last `capacity` requests, as RecordedRequest objects on demand. */
export class RequestLog implements ObjectSource {
  private entries: Entry[] = [];
  private seq = 0;
  private rv = 0;
  /** Below this resourceVersion a watch cannot be resumed: what fell out of the log then is forgotten. */
  private compactedRV = 0;
  private readonly listeners = new Set<SourceListener>();

  /**
   * describe works out the target of a request by method and URL, and the served version of its
   * resource. nowMs is the same clock as now in ms since the epoch: a request reads it twice, and
   * Date.now() makes no Date each time.
   */
  constructor(
    private readonly capacity: number,
    now: () => Date,
    private readonly describe: (method: string, url: string) => { target: RequestTarget; version: string | undefined } | undefined = () => undefined,
    private readonly nowMs: () => number = () => now().getTime(),
  ) {}

  /** Starts an entry; call the returned function when the response is over (more calls do nothing). */
  begin(fields: EntryFields): () => void {
    const entry = new Entry(++this.seq, fields, this.nowMs());
    this.entries.push(entry);
    // The entry that falls out of the log now is kept (until the batch trim) to tell a resumed watch.
    const dropped = this.entries.length > this.capacity ? this.entries[this.entries.length - this.capacity - 1] : undefined;
    if (dropped) dropped.deletedRV = ++this.rv;
    entry.addedRV = entry.rv = ++this.rv;
    // Trimmed in batches: a shift per request would be O(n). The last `capacity` entries that fell
    // out are kept, so that a watch from any list of the last `capacity` requests can resume.
    if (this.entries.length >= 3 * this.capacity) {
      this.compactedRV = this.entries[this.entries.length - 2 * this.capacity - 1]!.deletedRV;
      this.entries = this.entries.slice(-2 * this.capacity);
    }
    if (this.listeners.size) {
      if (dropped) this.emit('DELETED', this.toObject(dropped, dropped.deletedRV));
      this.emit('ADDED', (entry.reported = this.toObject(entry)));
    }
    return () => {
      if (entry.completed !== undefined) return;
      const previous = entry.reported;
      entry.reported = undefined;
      entry.code = entry.raw?.statusCode;
      entry.latencyMs = Math.round((performance.now() - entry.startedAt) * 10) / 10;
      entry.completed = this.nowMs();
      entry.raw = undefined;
      // An entry already out of the log changes no more, as far as lists and watches can tell.
      if (entry.deletedRV !== 0) return;
      entry.rv = ++this.rv;
      // Without a previous state (no watcher when it came in), a selective watch sees it ADDED if it matches.
      if (this.listeners.size) this.emit('MODIFIED', this.toObject(entry), previous);
    };
  }

  private emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject, previous?: KubeObject): void {
    for (const listener of this.listeners) listener(type, obj, previous);
  }

  /** The verb and objectRef of an entry, worked out from its method and URL unless it was given them. */
  private describeEntry(e: Entry): { verb: string; objectRef: RecordedRequestFields['objectRef'] | undefined } {
    if (e.method === undefined) return { verb: e.verb ?? '', objectRef: e.objectRef };
    if (e.described) return e.described;
    const described = this.describe(e.method, e.requestURI);
    const target = described?.target;
    const objectRef = target && described.version !== undefined
      ? {
          resource: target.resource,
          ...(target.namespace ? { namespace: target.namespace } : {}),
          ...(target.name ? { name: target.name } : {}),
          apiGroup: target.group,
          apiVersion: described.version,
          ...(target.subresource ? { subresource: target.subresource } : {}),
        }
      : e.objectRef;
    return (e.described = { verb: e.verb ?? target?.verb ?? e.method.toLowerCase(), objectRef });
  }

  /** The entry as a frozen RecordedRequest; rv overrides its resourceVersion (a DELETED event carries the deletion's). */
  private toObject(e: Entry, rv = e.rv): KubeObject {
    let stage: RecordedStage = 'ResponseComplete';
    let code = e.code;
    if (e.completed === undefined) {
      stage = e.raw?.headersSent ? 'ResponseStarted' : 'RequestReceived';
      if (e.raw?.headersSent) code = e.raw.statusCode;
    }
    const { verb, objectRef } = this.describeEntry(e);
    const labels: Record<string, string> = { 'kubemock.dev/verb': verb };
    if (objectRef) labels['kubemock.dev/resource'] = objectRef.resource;
    if (code !== undefined) labels['kubemock.dev/code'] = String(code);
    const client = labelValue(prefixFromUserAgent(e.userAgent));
    if (client) labels['kubemock.dev/client'] = client;
    const fields: RecordedRequestFields = {
      stage,
      verb,
      requestURI: e.requestURI,
      userAgent: e.userAgent,
      sourceIPs: [e.sourceIP],
      ...(objectRef ? { objectRef } : {}),
      ...(code !== undefined ? { responseStatus: { code } } : {}),
      latencyMs: e.latencyMs ?? Math.round((performance.now() - e.startedAt) * 10) / 10,
      requestReceivedTimestamp: formatMicroTime(new Date(e.received)),
      stageTimestamp: formatMicroTime(new Date(e.completed ?? this.nowMs())),
    };
    return deepFreeze({
      apiVersion: STEERING_API_VERSION,
      kind: 'RecordedRequest',
      metadata: { name: String(e.seq).padStart(12, '0'), uid: `request-${e.seq}`, resourceVersion: String(rv), creationTimestamp: formatTimestamp(new Date(e.received)), labels },
      ...fields,
    } as KubeObject);
  }

  list(): readonly KubeObject[] {
    return this.entries.slice(-this.capacity).map((e) => this.toObject(e));
  }

  resourceVersion(): number {
    return this.rv;
  }

  /**
   * Calls listener for every change after fromResourceVersion (undefined: from now): first what
   * changed since, as the entries stand now (ADDED, MODIFIED or DELETED), then each change as it
   * happens. Throws 410 Gone when what fell out of the log after it is no longer known.
   */
  subscribe(fromResourceVersion: number | undefined, listener: SourceListener): StoreWatch {
    if (fromResourceVersion !== undefined) {
      if (fromResourceVersion < this.compactedRV) throw gone(`too old resource version: ${fromResourceVersion} (${this.rv})`);
      const changed: Array<[number, 'ADDED' | 'MODIFIED' | 'DELETED', Entry]> = [];
      for (const e of this.entries) {
        if (e.deletedRV > fromResourceVersion) {
          if (e.addedRV <= fromResourceVersion) changed.push([e.deletedRV, 'DELETED', e]);
        } else if (e.deletedRV === 0 && e.rv > fromResourceVersion) changed.push([e.rv, e.addedRV > fromResourceVersion ? 'ADDED' : 'MODIFIED', e]);
      }
      changed.sort((a, b) => a[0] - b[0]);
      for (const [rv, type, e] of changed) listener(type, this.toObject(e, rv));
    }
    this.listeners.add(listener);
    return { stop: () => void this.listeners.delete(listener) };
  }

  get(name: string): KubeObject | undefined {
    if (!/^\d+$/.test(name)) return undefined;
    const seq = Number(name);
    const entry = this.entries.slice(-this.capacity).find((e) => e.seq === seq);
    return entry && this.toObject(entry);
  }
}

export interface RequestLogOptions {
  registry: Registry;
  now: () => Date;
  /** The same clock in ms since the epoch (default now().getTime()). */
  nowMs?: () => number;
  /** Requests kept (default 1000); 0 turns the log off. */
  capacity?: number;
}

/** Records every request but those for the log itself, and serves the log through the registry. */
export function installRequestLog(app: FastifyInstance, options: RequestLogOptions): RequestLog {
  const { registry } = options;
  const describe = (method: string, url: string) => {
    const target = requestTarget(registry, method, url);
    return target && { target, version: registry.resources.find((d) => d.group === target.group && d.plural === target.resource)?.version };
  };
  const log = new RequestLog(options.capacity ?? DEFAULT_REQUEST_LOG_SIZE, options.now, describe, options.nowMs);
  registry.serveFrom(recordedRequests, log);
  if ((options.capacity ?? DEFAULT_REQUEST_LOG_SIZE) <= 0) return log;
  // A callback hook that keeps what the request said; its verb and objectRef are worked out only
  // when the log is read, so a request pays for one small entry.
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    // Only a URL that names recordedrequests (or escapes characters) can be a request for the log itself.
    if (url.includes('recordedrequests') || url.includes('%')) {
      const target = request.parsed.target;
      if (target && target.group === recordedRequests.group && target.resource === recordedRequests.plural) return done();
    }
    const finish = log.begin({ method: request.method, requestURI: url, userAgent: request.headers['user-agent'] ?? '', sourceIP: request.ip, raw: reply.raw });
    reply.raw.on('close', finish);
    done();
  });
  return log;
}
