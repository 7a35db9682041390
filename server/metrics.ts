// Prometheus metrics of one server, named and labelled as kube-apiserver and client-go name them,
// in a registry of its own (never prom-client's global one: many clusters share a process), and
// the request hooks that feed them and write the one debug log line per request.
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type * as Prom from 'prom-client';
import type { ControllerMetrics } from '../controllers/runtime.js';
import { groupResource, requestInfo, type RequestInfo } from './request-info.js';

// prom-client's index also loads its default process metrics and through them @opentelemetry/api,
// which costs the process start a tenth of a second; the metric classes alone are enough here
// (they are the same modules the index re-exports). Process metrics load after start, on demand.
const requireCjs = createRequire(import.meta.url);
const Counter = requireCjs('prom-client/lib/counter.js') as typeof Prom.Counter;
const Gauge = requireCjs('prom-client/lib/gauge.js') as typeof Prom.Gauge;
const Histogram = requireCjs('prom-client/lib/histogram.js') as typeof Prom.Histogram;
const PromRegistry = requireCjs('prom-client/lib/registry.js') as typeof Prom.Registry;

/** client-go's workqueue duration buckets: ExponentialBuckets(10e-9, 10, 10). */
const WORK_DURATION_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/** Upstream's apiserver_request_duration_seconds buckets. */
const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type RequestLabels = Record<(typeof REQUEST_LABELS)[number], string>;

export interface MetricsOptions {
  /** Objects per resource (`pods`, `daemonsets.apps`) at scrape time, for apiserver_storage_objects. */
  storageObjects: () => Iterable<readonly [string, number]>;
  /** Also export the process's own metrics (process_*, nodejs_*): for the one server of a process. */
  processMetrics?: boolean;
}

/** One server's metrics: apiserver request figures, storage object counts and controller work queues. */
export class ServerMetrics implements ControllerMetrics {
  readonly registry: Prom.Registry = new PromRegistry();
  private readonly requests: Prom.Counter<string>;
  private readonly durations: Prom.Histogram<string>;
  private readonly longRunning: Prom.Gauge<string>;
  private readonly queueAdds: Prom.Counter<string>;
  private readonly queueRetries: Prom.Counter<string>;
  private readonly workDurations: Prom.Histogram<string>;
  private readonly depths = new Map<string, () => number>();
  private readonly wantsProcessMetrics: boolean;
  /** Settles once the process metrics are registered; started by the first scrape. */
  private processMetrics: Promise<void> | undefined;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      registers,
    });
    this.durations = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...REQUEST_LABELS],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      registers,
    });
    const { storageObjects } = options;
    new Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['resource'],
      registers,
      collect() {
        for (const [resource, count] of storageObjects()) this.set({ resource }, count);
      },
    });
    const depths = this.depths;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, depth] of depths) this.set({ name }, depth());
      },
    });
    this.queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
    this.queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
    this.workDurations = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name'],
      buckets: WORK_DURATION_BUCKETS,
      registers,
    });
    this.wantsProcessMetrics = options.processMetrics ?? false;
  }

  /** The text exposition (Prometheus text format 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    // Kept off the start-up path: the first scrape loads them (event-loop lag and GC timings count from then).
    if (this.wantsProcessMetrics) await (this.processMetrics ??= import('prom-client').then(({ collectDefaultMetrics }) => collectDefaultMetrics({ register: this.registry })));
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** Counts one finished resource request and observes its duration. */
  requestDone(labels: RequestLabels, code: number, seconds: number): void {
    this.requests.inc({ ...labels, code: String(code) });
    this.durations.observe(labels, seconds);
  }

  /** A long-running request (a watch) started; the returned function marks its end. */
  longRunningStarted(labels: RequestLabels): () => void {
    const { dry_run: _dryRun, ...gaugeLabels } = labels;
    this.longRunning.inc(gaugeLabels);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.longRunning.dec(gaugeLabels);
    };
  }

  queueAdded(name: string): void {
    this.queueAdds.inc({ name });
  }

  queueRetried(name: string): void {
    this.queueRetries.inc({ name });
  }

  reconciled(name: string, seconds: number): void {
    this.workDurations.observe({ name }, seconds);
  }

  watchDepth(name: string, depth: () => number): void {
    this.depths.set(name, depth);
    this.queueAdds.inc({ name }, 0);
    this.queueRetries.inc({ name }, 0);
  }
}

type Query = Record<string, string | string[] | undefined>;

/** Upstream's CleanScope: resource (named, or create), namespace, cluster, or '' for non-resource requests. */
export function requestScope(info: RequestInfo): string {
  if (info.name !== '' || info.verb === 'create') return 'resource';
  if (info.namespace !== '') return 'namespace';
  return info.isResourceRequest ? 'cluster' : '';
}

/**
 * The verb label as upstream's metrics report it (CanonicalVerb + CleanVerb): GET, LIST, WATCH,
 * POST, PUT, PATCH, APPLY, DELETE, upper case, which is what kube-apiserver dashboards select on.
 */
export function reportedVerb(method: string, info: RequestInfo, query: Query, contentType: string | undefined): string {
  let verb = method.toUpperCase();
  const scope = requestScope(info);
  if (verb === 'GET' || verb === 'HEAD') {
    verb = scope !== 'resource' && scope !== '' ? 'LIST' : 'GET';
    const watch = first(query, 'watch')?.toLowerCase() ?? '';
    if (watch !== '' && watch !== 'false' && watch !== '0') verb = 'WATCH';
  }
  if (verb === 'PATCH' && contentType?.split(';')[0]!.trim().toLowerCase() === 'application/apply-patch+yaml') verb = 'APPLY';
  return verb;
}

function first(query: Query, key: string): string | undefined {
  const v = query[key];
  return Array.isArray(v) ? v[0] : v;
}

/** Upstream's cleanDryRun: the sorted distinct dryRun values, or "invalid". */
function dryRunLabel(query: Query): string {
  const raw = query.dryRun;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

function labelsFor(request: FastifyRequest, info: RequestInfo): RequestLabels {
  const query = request.query as Query;
  return {
    verb: reportedVerb(request.method, info, query, request.headers['content-type']),
    dry_run: dryRunLabel(query),
    group: info.apiGroup,
    version: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    scope: requestScope(info),
    component: 'apiserver',
  };
}

/**
 * Installs the hooks that measure every request: resource requests feed apiserver_request_total
 * and apiserver_request_duration_seconds (watches when they end, and apiserver_longrunning_requests
 * while they run); every request gets one debug log line when it ends. isServed tells which
 * resource requests name a served resource and subresource. Register before the routes.
 */
export function instrumentRequests(app: FastifyInstance, metrics: ServerMetrics, isServed: (info: RequestInfo) => boolean = () => true): void {
  const started = new WeakMap<FastifyRequest, { at: number; labels: RequestLabels | undefined }>();
  /** Records a request once, from onResponse or, for a hijacked watch, from the socket's close. */
  const finish = (request: FastifyRequest, status: number): void => {
    const start = started.get(request);
    if (start === undefined) return;
    started.delete(request);
    const seconds = (performance.now() - start.at) / 1000;
    if (start.labels) metrics.requestDone(start.labels, status, seconds);
    request.log.debug({ method: request.method, url: request.url, status, ms: Math.round(seconds * 1e4) / 10, ...(request.user ? { user: request.user.name } : {}) }, 'request');
  };
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const info = requestInfo(request.method, request.url, request.query as Query);
    // Only resources the server serves get series, as upstream instruments only installed routes:
    // made-up paths must not grow the label set without bound.
    const labels = info.isResourceRequest && isServed(info) ? labelsFor(request, info) : undefined;
    started.set(request, { at: performance.now(), labels });
    if (labels?.verb === 'WATCH') {
      // A watch hijacks its reply, so onResponse never runs for it: it counts when the stream closes.
      const ended = metrics.longRunningStarted(labels);
      reply.raw.once('close', () => {
        ended();
        finish(request, reply.raw.statusCode);
      });
    }
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => finish(request, reply.statusCode));
}

/** Objects per resource as apiserver_storage_objects labels them. */
export function storageObjectCounts(resources: ReadonlyArray<{ group: string; plural: string }>, count: (ref: { group: string; resource: string }) => number): () => Array<readonly [string, number]> {
  return () => resources.map((r) => [groupResource({ apiGroup: r.group, resource: r.plural }), count({ group: r.group, resource: r.plural })] as const);
}
