// The request log: the last N requests the server received, served read-only as kubemock.dev
// RecordedRequests straight from memory (Registry.serveFrom), so a test can list what its client
// called — filtered by field selectors (verb, objectRef.resource, userAgent, responseStatus.code …),
// label selectors (kubemock.dev/verb, kubemock.dev/resource, kubemock.dev/code,
// kubemock.dev/client) and limit. Never stored, never persisted; requests for the log itself are
// not logged. Watches show up when they start (ResponseStarted) and complete when they end.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ObjectSource, Registry } from '../api/registry.js';
import { recordedRequests } from '../api/steering-resources.js';
import { STEERING_API_VERSION } from '../api/kinds/steering-common.js';
import type { RecordedRequestFields, RecordedStage } from '../api/kinds/recordedrequest.js';
import { prefixFromUserAgent } from '../api/managed-fields.js';
import { deepFreeze, type KubeObject } from '../store/object.js';
import { formatTimestamp } from '../store/store.js';
import { requestTarget } from './faults.js';

/** Requests kept by default. */
export const DEFAULT_REQUEST_LOG_SIZE = 1000;

interface Entry {
  seq: number;
  verb: string;
  requestURI: string;
  userAgent: string;
  sourceIP: string;
  objectRef?: RecordedRequestFields['objectRef'];
  received: Date;
  startedAt: number;
  /** The response while it is open, to tell a started watch from a request still being served. */
  raw?: ServerResponse;
  code?: number;
  latencyMs?: number;
  completed?: Date;
}

/** MicroTime as the apiserver serialises it. */
function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** A User-Agent product as a label value: `kubectl.1.33`, `my-controller`. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The last `capacity` requests, as RecordedRequest objects on demand. */
export class RequestLog implements ObjectSource {
  private entries: Entry[] = [];
  private seq = 0;

  constructor(
    private readonly capacity: number,
    private readonly now: () => Date,
  ) {}

  /** Starts an entry; call the returned function when the response is over. */
  begin(fields: Omit<Entry, 'seq' | 'received' | 'startedAt'>): () => void {
    const entry: Entry = { ...fields, seq: ++this.seq, received: this.now(), startedAt: performance.now() };
    this.entries.push(entry);
    // Trimmed in batches: a shift per request would be O(n).
    if (this.entries.length >= 2 * this.capacity) this.entries = this.entries.slice(-this.capacity);
    return () => {
      entry.code = entry.raw?.statusCode;
      entry.latencyMs = Math.round((performance.now() - entry.startedAt) * 10) / 10;
      entry.completed = this.now();
      delete entry.raw;
    };
  }

  private toObject(e: Entry): KubeObject {
    let stage: RecordedStage = 'ResponseComplete';
    let code = e.code;
    if (!e.completed) {
      stage = e.raw?.headersSent ? 'ResponseStarted' : 'RequestReceived';
      if (e.raw?.headersSent) code = e.raw.statusCode;
    }
    const labels: Record<string, string> = { 'kubemock.dev/verb': e.verb };
    if (e.objectRef) labels['kubemock.dev/resource'] = e.objectRef.resource;
    if (code !== undefined) labels['kubemock.dev/code'] = String(code);
    const client = labelValue(prefixFromUserAgent(e.userAgent));
    if (client) labels['kubemock.dev/client'] = client;
    const fields: RecordedRequestFields = {
      stage,
      verb: e.verb,
      requestURI: e.requestURI,
      userAgent: e.userAgent,
      sourceIPs: [e.sourceIP],
      ...(e.objectRef ? { objectRef: e.objectRef } : {}),
      ...(code !== undefined ? { responseStatus: { code } } : {}),
      latencyMs: e.latencyMs ?? Math.round((performance.now() - e.startedAt) * 10) / 10,
      requestReceivedTimestamp: microTime(e.received),
      stageTimestamp: microTime(e.completed ?? this.now()),
    };
    return deepFreeze({
      apiVersion: STEERING_API_VERSION,
      kind: 'RecordedRequest',
      metadata: { name: String(e.seq).padStart(12, '0'), uid: `request-${e.seq}`, resourceVersion: String(e.seq), creationTimestamp: formatTimestamp(e.received), labels },
      ...fields,
    } as KubeObject);
  }

  list(): readonly KubeObject[] {
    return this.entries.slice(-this.capacity).map((e) => this.toObject(e));
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
  /** Requests kept (default 1000); 0 turns the log off. */
  capacity?: number;
}

/** Records every request but those for the log itself, and serves the log through the registry. */
export function installRequestLog(app: FastifyInstance, options: RequestLogOptions): RequestLog {
  const log = new RequestLog(options.capacity ?? DEFAULT_REQUEST_LOG_SIZE, options.now);
  options.registry.serveFrom(recordedRequests, log);
  if ((options.capacity ?? DEFAULT_REQUEST_LOG_SIZE) <= 0) return log;
  app.addHook('onRequest', async (request, reply) => {
    const target = requestTarget(options.registry, request.method, request.url);
    if (target && target.group === recordedRequests.group && target.resource === recordedRequests.plural) return;
    const def = target && options.registry.resources.find((d) => d.group === target.group && d.plural === target.resource);
    const finish = log.begin({
      verb: target?.verb ?? request.method.toLowerCase(),
      requestURI: request.url,
      userAgent: request.headers['user-agent'] ?? '',
      sourceIP: request.ip,
      ...(target && def
        ? {
            objectRef: {
              resource: target.resource,
              ...(target.namespace ? { namespace: target.namespace } : {}),
              ...(target.name ? { name: target.name } : {}),
              apiGroup: target.group,
              apiVersion: def.version,
              ...(target.subresource ? { subresource: target.subresource } : {}),
            },
          }
        : {}),
      raw: reply.raw,
    });
    reply.raw.once('close', finish);
  });
  return log;
}
