// The request log: the last N requests the server received, served read-only as kubemock.dev
// RecordedRequests straight from memory (Registry.serveFrom), so a test can list what its client
// called — filtered by field selectors (verb, objectRef.resource, userAgent, responseStatus.code …),
// label selectors (kubemock.dev/verb, kubemock.dev/resource, kubemock.dev/code,
// kubemock.dev/client) and limit — or watch: ADDED when a request arrives, MODIFIED when it
// completes, DELETED when it falls out of the log. The log keeps its own resourceVersion (bumped on
// each of those), which its objects and lists carry. Never stored, never persisted; requests for the
// log itself are not logged. Watches show up when they start (ResponseStarted) and complete when they end.
import type { ServerResponse } from 'node:http';
import type { ObjectSource, Registry, SourceListener } from '../api/registry.js';
import { recordedRequests } from '../api/steering-resources.js';
import { STEERING_API_VERSION } from '../api/kinds/steering-common.js';
import type { RecordedRequestFields, RecordedStage } from '../api/kinds/recordedrequest.js';
import { prefixFromUserAgent } from '../api/managed-fields.js';
import { deepFreeze, type KubeObject } from '../store/object.js';
import { formatMicroTime, formatTimestamp, type StoreWatch } from '../store/store.js';
import { gone } from '../store/status-error.js';
import { requestTarget, type RequestTarget } from './faults.js';
import { isLongRunning } from '../server/request-info.js';
import type { RequestObserver } from '../server/request-observers.js';

/** Requests kept by default. */
export const DEFAULT_REQUEST_LOG_SIZE = 1000;

/** What a request's entry records when it arrives. */
export interface EntryFields {
  method: string;
  requestURI: string;
  userAgent: string;
  sourceIP: string;
  /** The response of a long-running request (isLongRunning: a watch, a log, an exec ...), to tell when it has started. */
  stream?: ServerResponse;
}

/** The verb and objectRef of an entry, worked out from its method and URI when first read. */
interface Described {
  verb: string;
  objectRef: RecordedRequestFields['objectRef'] | undefined;
}

/** A User-Agent product as a label value: `kubectl.1.33`, `my-controller`. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Bytes of text an entry may keep inline in the ring; longer ones are kept as strings aside. */
const MAX_INLINE_TEXT = 4096;

/**
 * The last `capacity` requests, as RecordedRequest objects on demand.
 *
 * A request's entry must outlive many garbage collections, so it is kept in no object of its own:
 * numbers in typed arrays and the text (URI, User-Agent, source IP) as UTF-8 in one byte ring, each
 * in the slot `seq % slots`. An object per entry (as before) was copied by every young-generation
 * collection it lived through and then promoted, a fifth of a GET's time on the server. The ring
 * keeps twice `capacity` entries: the last `capacity` are the log, the ones before them fell out of
 * it and are kept to tell a watch that resumes from a list.
 */
export class RequestLog implements ObjectSource {
  private readonly slots: number;
  private seq = 0;
  private rv = 0;
  /** Below this resourceVersion a watch cannot be resumed: what fell out of the log then is forgotten. */
  private compactedRV = 0;
  private readonly listeners = new Set<SourceListener>();
  // Per slot. Times are numbers (ms since the epoch by the server's clock, and performance.now()).
  private readonly seqOf: Float64Array;
  private readonly received: Float64Array;
  private readonly startedAt: Float64Array;
  /** NaN while the request is in flight. */
  private readonly completed: Float64Array;
  private readonly latencyMs: Float64Array;
  /** The response code; 0 for none. */
  private readonly code: Uint16Array;
  /** The log's resourceVersion when the entry was added, last changed, and fell out of the log (0: not yet). */
  private readonly addedRV: Float64Array;
  private readonly changedRV: Float64Array;
  private readonly deletedRV: Float64Array;
  private readonly methodIndex: Uint8Array;
  /** Where the entry's text starts in the ring (a position that only grows), and each part's length. */
  private readonly textAt: Float64Array;
  private readonly uriBytes: Uint32Array;
  private readonly agentBytes: Uint32Array;
  private readonly ipBytes: Uint32Array;
  private text: Buffer;
  /** Where the next entry's text goes, as a position that only grows (the ring's offset is it modulo its size). */
  private textEnd = 0;
  /** Text too long for the ring, by seq. */
  private readonly longText = new Map<number, readonly [string, string, string]>();
  /** Methods seen, by index (the HTTP parser knows a few dozen). */
  private readonly methods: string[] = [];
  private readonly methodIndexes = new Map<string, number>();
  /** Responses of long-running requests in flight, by seq. */
  private readonly streams = new Map<number, ServerResponse>();
  /** Verbs and objectRefs worked out when read, by slot. */
  private readonly described: Array<Described | undefined>;
  /** The object watchers were sent as ADDED, until it completes: the previous state of its MODIFIED. */
  private readonly reported: Array<KubeObject | undefined>;

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
  ) {
    const slots = (this.slots = Math.max(1, 2 * capacity));
    this.seqOf = new Float64Array(slots);
    this.received = new Float64Array(slots);
    this.startedAt = new Float64Array(slots);
    this.completed = new Float64Array(slots);
    this.latencyMs = new Float64Array(slots);
    this.code = new Uint16Array(slots);
    this.addedRV = new Float64Array(slots);
    this.changedRV = new Float64Array(slots);
    this.deletedRV = new Float64Array(slots);
    this.methodIndex = new Uint8Array(slots);
    this.textAt = new Float64Array(slots);
    this.uriBytes = new Uint32Array(slots);
    this.agentBytes = new Uint32Array(slots);
    this.ipBytes = new Uint32Array(slots);
    this.text = Buffer.alloc(Math.min(slots, 1024) * 128);
    this.described = new Array<Described | undefined>(slots).fill(undefined);
    this.reported = new Array<KubeObject | undefined>(slots).fill(undefined);
  }

  /** Starts an entry and returns its seq, for complete(). */
  begin(fields: EntryFields): number {
    const seq = ++this.seq;
    const slot = seq % this.slots;
    // What falls out of the ring now is forgotten; a watch from before it fell out of the log gets 410 Gone.
    if (this.seqOf[slot] !== 0) {
      this.compactedRV = this.deletedRV[slot]!;
      this.longText.delete(this.seqOf[slot]!);
      this.streams.delete(this.seqOf[slot]!);
      if (this.described[slot] !== undefined) this.described[slot] = undefined;
      if (this.reported[slot] !== undefined) this.reported[slot] = undefined;
    }
    // The entry that falls out of the log now stays in the ring a while, to tell a resumed watch.
    const dropped = seq > this.capacity ? (seq - this.capacity) % this.slots : -1;
    if (dropped >= 0) this.deletedRV[dropped] = ++this.rv;
    this.seqOf[slot] = seq;
    this.received[slot] = this.nowMs();
    this.startedAt[slot] = performance.now();
    this.completed[slot] = NaN;
    this.latencyMs[slot] = NaN;
    this.code[slot] = 0;
    this.addedRV[slot] = this.changedRV[slot] = ++this.rv;
    this.deletedRV[slot] = 0;
    this.methodIndex[slot] = this.indexOfMethod(fields.method);
    this.writeText(slot, seq, fields);
    if (fields.stream) this.streams.set(seq, fields.stream);
    if (this.listeners.size) {
      if (dropped >= 0) this.emit('DELETED', this.toObject(dropped, this.deletedRV[dropped]));
      this.emit('ADDED', (this.reported[slot] = this.toObject(slot)));
    }
    return seq;
  }

  /** Ends the entry begun as seq with the response's code (0: none); more calls, or one for an entry gone from the ring, do nothing. */
  complete(seq: number, code = 0): void {
    const slot = seq % this.slots;
    if (this.seqOf[slot] !== seq || !Number.isNaN(this.completed[slot])) return;
    this.streams.delete(seq);
    this.code[slot] = code;
    this.latencyMs[slot] = Math.round((performance.now() - this.startedAt[slot]!) * 10) / 10;
    this.completed[slot] = this.nowMs();
    // An entry already out of the log changes no more, as far as lists and watches can tell.
    if (this.deletedRV[slot] !== 0) return;
    this.changedRV[slot] = ++this.rv;
    if (this.listeners.size) {
      // Without a previous state (no watcher when it came in), a selective watch sees it ADDED if it matches.
      const previous = this.reported[slot];
      this.reported[slot] = undefined;
      this.emit('MODIFIED', this.toObject(slot), previous);
    }
  }

  private indexOfMethod(method: string): number {
    let index = this.methodIndexes.get(method);
    if (index === undefined) {
      // The HTTP parser accepts only its few dozen methods; any beyond 255 share the last index.
      index = Math.min(this.methods.length, 255);
      if (index === this.methods.length) this.methods.push(method);
      this.methodIndexes.set(method, index);
    }
    return index;
  }

  /** Writes an entry's text to the ring, growing it when it would overwrite an entry still kept. */
  private writeText(slot: number, seq: number, fields: EntryFields): void {
    const { requestURI, userAgent, sourceIP } = fields;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = 3 * (requestURI.length + userAgent.length + sourceIP.length);
    if (most > MAX_INLINE_TEXT) {
      this.longText.set(seq, [requestURI, userAgent, sourceIP]);
      this.textAt[slot] = this.textEnd;
      this.uriBytes[slot] = this.agentBytes[slot] = this.ipBytes[slot] = 0;
      return;
    }
    const oldest = this.seqOf[(seq + 1) % this.slots] !== 0 ? this.textAt[(seq + 1) % this.slots]! : 0;
    let at = this.nextTextStart(most);
    if (at + most - oldest > this.text.length) {
      // Starting over at the ring's start skips fewer than `most` bytes, so this much always holds it.
      this.growText(oldest, this.textEnd - oldest + 2 * most);
      at = this.nextTextStart(most);
    }
    const offset = at % this.text.length;
    const uri = this.text.write(requestURI, offset, 'utf8');
    const agent = this.text.write(userAgent, offset + uri, 'utf8');
    const ip = this.text.write(sourceIP, offset + uri + agent, 'utf8');
    this.textAt[slot] = at;
    this.uriBytes[slot] = uri;
    this.agentBytes[slot] = agent;
    this.ipBytes[slot] = ip;
    this.textEnd = at + uri + agent + ip;
  }

  /** Where text of at most `most` bytes goes next: it is contiguous, so if it would not fit before the ring's end it starts over at its start. */
  private nextTextStart(most: number): number {
    const offset = this.textEnd % this.text.length;
    return offset + most > this.text.length ? this.textEnd + this.text.length - offset : this.textEnd;
  }

  /** Doubles the ring until it holds `needed` bytes, keeping the text from `oldest` on at its positions. */
  private growText(oldest: number, needed: number): void {
    let size = this.text.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.alloc(size);
    for (let at = oldest; at < this.textEnd; ) {
      const offset = at % this.text.length;
      const run = Math.min(this.text.length - offset, this.textEnd - at);
      const target = at % size;
      const first = Math.min(run, size - target);
      this.text.copy(grown, target, offset, offset + first);
      if (first < run) this.text.copy(grown, 0, offset + first, offset + run);
      at += run;
    }
    this.text = grown;
  }

  /** The URI, User-Agent and source IP of the entry in slot. */
  private textOf(slot: number): readonly [string, string, string] {
    const long = this.longText.get(this.seqOf[slot]!);
    if (long) return long;
    const offset = this.textAt[slot]! % this.text.length;
    const agentAt = offset + this.uriBytes[slot]!;
    const ipAt = agentAt + this.agentBytes[slot]!;
    return [this.text.toString('utf8', offset, agentAt), this.text.toString('utf8', agentAt, ipAt), this.text.toString('utf8', ipAt, ipAt + this.ipBytes[slot]!)];
  }

  private emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject, previous?: KubeObject): void {
    for (const listener of this.listeners) listener(type, obj, previous);
  }

  /** The verb and objectRef of the entry in slot, worked out from its method and URI on the first read. */
  private describeEntry(slot: number, method: string, requestURI: string): Described {
    const known = this.described[slot];
    if (known) return known;
    const described = this.describe(method, requestURI);
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
      : undefined;
    return (this.described[slot] = { verb: target?.verb ?? method.toLowerCase(), objectRef });
  }

  /** The entry in slot as a frozen RecordedRequest; rv overrides its resourceVersion (a DELETED event carries the deletion's). */
  private toObject(slot: number, rv = this.changedRV[slot]!): KubeObject {
    const seq = this.seqOf[slot]!;
    const inFlight = Number.isNaN(this.completed[slot]);
    let stage: RecordedStage = 'ResponseComplete';
    let code = this.code[slot] || undefined;
    if (inFlight) {
      // As upstream's audit stages: only a long-running request has a ResponseStarted one.
      const stream = this.streams.get(seq);
      stage = stream?.headersSent ? 'ResponseStarted' : 'RequestReceived';
      if (stream?.headersSent) code = stream.statusCode;
    }
    const method = this.methods[this.methodIndex[slot]!]!;
    const [requestURI, userAgent, sourceIP] = this.textOf(slot);
    const { verb, objectRef } = this.describeEntry(slot, method, requestURI);
    const labels: Record<string, string> = { 'kubemock.dev/verb': verb };
    if (objectRef) labels['kubemock.dev/resource'] = objectRef.resource;
    if (code !== undefined) labels['kubemock.dev/code'] = String(code);
    const client = labelValue(prefixFromUserAgent(userAgent));
    if (client) labels['kubemock.dev/client'] = client;
    const received = this.received[slot]!;
    const fields: RecordedRequestFields = {
      stage,
      verb,
      requestURI,
      userAgent,
      sourceIPs: [sourceIP],
      ...(objectRef ? { objectRef } : {}),
      ...(code !== undefined ? { responseStatus: { code } } : {}),
      latencyMs: inFlight ? Math.round((performance.now() - this.startedAt[slot]!) * 10) / 10 : this.latencyMs[slot]!,
      requestReceivedTimestamp: formatMicroTime(new Date(received)),
      stageTimestamp: formatMicroTime(new Date(inFlight ? this.nowMs() : this.completed[slot]!)),
    };
    return deepFreeze({
      apiVersion: STEERING_API_VERSION,
      kind: 'RecordedRequest',
      metadata: { name: String(seq).padStart(12, '0'), uid: `request-${seq}`, resourceVersion: String(rv), creationTimestamp: formatTimestamp(new Date(received)), labels },
      ...fields,
    } as KubeObject);
  }

  /** The slots of the entries from seq `first` on, oldest first. */
  private slotsFrom(first: number): number[] {
    const slots: number[] = [];
    for (let seq = Math.max(1, first); seq <= this.seq; seq++) slots.push(seq % this.slots);
    return slots;
  }

  list(): readonly KubeObject[] {
    return this.slotsFrom(this.seq - this.capacity + 1).map((slot) => this.toObject(slot));
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
      const changed: Array<[number, 'ADDED' | 'MODIFIED' | 'DELETED', number]> = [];
      for (const slot of this.slotsFrom(this.seq - this.slots + 1)) {
        const deletedRV = this.deletedRV[slot]!;
        if (deletedRV > fromResourceVersion) {
          if (this.addedRV[slot]! <= fromResourceVersion) changed.push([deletedRV, 'DELETED', slot]);
        } else if (deletedRV === 0 && this.changedRV[slot]! > fromResourceVersion) changed.push([this.changedRV[slot]!, this.addedRV[slot]! > fromResourceVersion ? 'ADDED' : 'MODIFIED', slot]);
      }
      changed.sort((a, b) => a[0] - b[0]);
      for (const [rv, type, slot] of changed) listener(type, this.toObject(slot, rv));
    }
    this.listeners.add(listener);
    return { stop: () => void this.listeners.delete(listener) };
  }

  get(name: string): KubeObject | undefined {
    if (!/^\d+$/.test(name)) return undefined;
    const seq = Number(name);
    if (seq < 1 || seq > this.seq || seq <= this.seq - this.capacity) return undefined;
    return this.toObject(seq % this.slots);
  }
}

export interface RequestLogOptions {
  registry: Registry;
  now: () => Date;
  /** The same clock in ms since the epoch (default now().getTime()). */
  nowMs?: () => number;
  /** Requests kept (DEFAULT_REQUEST_LOG_SIZE unless configured); with 0 the log stays empty, and no requestLogObserver is installed. */
  capacity: number;
}

/** Makes the request log and serves it through the registry; requestLogObserver records into it. */
export function serveRequestLog(options: RequestLogOptions): RequestLog {
  const { registry } = options;
  const describe = (method: string, url: string) => {
    const target = requestTarget(registry, method, url);
    return target && { target, version: registry.resources.find((d) => d.group === target.group && d.plural === target.resource)?.version };
  };
  const log = new RequestLog(options.capacity, options.now, describe, options.nowMs);
  registry.serveFrom(recordedRequests, log);
  return log;
}

/**
 * Records every request in the log but those for the log itself: what the request said when it
 * arrives (its verb and objectRef are worked out only when the log is read), its code when the
 * response closes.
 */
export function requestLogObserver(log: RequestLog): RequestObserver<number> {
  return {
    started(request, response) {
      const url = request.url;
      // Only a URL that names recordedrequests (or escapes characters) can be a request for the log itself.
      if (url.includes('recordedrequests') || url.includes('%')) {
        const target = request.parsed.target;
        if (target && target.group === recordedRequests.group && target.resource === recordedRequests.plural) return undefined;
      }
      return log.begin({ method: request.method, requestURI: url, userAgent: request.headers['user-agent'] ?? '', sourceIP: request.ip, stream: isLongRunning(request.parsed.info) ? response : undefined });
    },
    ended: (seq, _request, response) => log.complete(seq, response.statusCode),
  };
}
