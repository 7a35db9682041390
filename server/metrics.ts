// Prometheus metrics of one server, named and labelled as kube-apiserver and client-go name them,
// in a registry of its own (never prom-client's global one: many clusters share a process), and
// the request observer that feeds them.
//
// The figures are plain numbers in maps; prom-client loads with the first scrape and reads them
// then. That keeps it off the start-up path, and a request pays for a map update instead of
// prom-client's label hashing and checking, which cost more than all the rest of the metrics.
import { createRequire } from 'node:module';
import type { FastifyRequest } from 'fastify';
import type * as Prom from 'prom-client';
import type { ControllerMetrics } from '../controllers/runtime.js';
import { groupResource, type RequestInfo } from './request-info.js';
import type { RequestObserver } from './request-observers.js';

/** client-go's workqueue duration buckets: ExponentialBuckets(10e-9, 10, 10). */
const WORK_DURATION_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

/** Upstream's apiserver_request_duration_seconds buckets. */
const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type RequestLabels = Record<(typeof REQUEST_LABELS)[number], string>;
type LongRunningLabels = Omit<RequestLabels, 'dry_run'>;

export interface MetricsOptions {
  /** Objects per resource (`pods`, `daemonsets.apps`) at scrape time, for apiserver_storage_objects. */
  storageObjects: () => Iterable<readonly [string, number]>;
  /** Also export the process's own metrics (process_*, nodejs_*): for the one server of a process. */
  processMetrics?: boolean;
}

/** The observations of one histogram series: counts per bucket (not cumulative), sum and count. */
interface HistogramSeries<L extends object> {
  readonly labels: L;
  readonly buckets: number[];
  sum: number;
  count: number;
}

function histogramSeries<L extends object>(labels: L, bounds: readonly number[]): HistogramSeries<L> {
  return { labels, buckets: bounds.map(() => 0), sum: 0, count: 0 };
}

function observe(series: HistogramSeries<object>, bounds: readonly number[], value: number): void {
  // A loop, not findIndex: no closure per observation.
  for (let i = 0; i < bounds.length; i++) {
    if (value <= bounds[i]!) {
      series.buckets[i]!++;
      break;
    }
  }
  series.sum += value;
  series.count++;
}

/** The finished requests of one label set: the duration histogram and counts per code. */
interface RequestSeries extends HistogramSeries<RequestLabels> {
  readonly codes: Map<number, number>;
}

/** One key per label set. */
function labelsKey(l: LongRunningLabels & { dry_run?: string }): string {
  return `${l.verb}\0${l.dry_run ?? ''}\0${l.group}\0${l.version}\0${l.resource}\0${l.subresource}\0${l.scope}\0${l.component}`;
}

/**
 * A histogram as a prom-client metric that reads its series at scrape time, in prom-client's
 * exposition shape: cumulative `_bucket` lines with `le` first, `+Inf`, `_sum`, `_count`.
 */
function histogramMetric(name: string, help: string, bounds: readonly number[], series: () => Iterable<HistogramSeries<object>>): Prom.Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: Array<{ labels: object; value: number; metricName: string }> = [];
      for (const s of series()) {
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          values.push({ labels: { le, ...s.labels }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${name}_bucket` });
        values.push({ labels: s.labels, value: s.sum, metricName: `${name}_sum` });
        values.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
      }
      return Promise.resolve({ name, help, type: metric.type, values, aggregator: metric.aggregator });
    },
    reset() {},
  };
  return metric as unknown as Prom.Metric;
}

/** One server's metrics: apiserver request figures, storage object counts and controller work queues. */
export class ServerMetrics implements ControllerMetrics {
  /** The request series in the order they were made. */
  private readonly requests: RequestSeries[] = [];
  /**
   * The same series by their label values, one map level per label in REQUEST_LABELS order: every
   * request looks its series up, and a lookup this way builds no key string.
   */
  private readonly requestIndex = new Map<string, unknown>();
  private readonly longRunning = new Map<string, { labels: LongRunningLabels; value: number }>();
  private readonly queueAdds = new Map<string, number>();
  private readonly queueRetries = new Map<string, number>();
  private readonly workDurations = new Map<string, HistogramSeries<{ name: string }>>();
  private readonly depths = new Map<string, () => number>();
  /** The prom-client registry that exposes the figures; made by the first scrape. */
  private registry: Promise<Prom.Registry> | undefined;

  constructor(private readonly options: MetricsOptions) {}

  /** The text exposition (Prometheus text format 0.0.4) and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    const registry = await (this.registry ??= this.buildRegistry());
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  private async buildRegistry(): Promise<Prom.Registry> {
    // prom-client's index also loads its default process metrics and through them
    // @opentelemetry/api; the metric classes alone (the modules the index re-exports) do here.
    const requireCjs = createRequire(import.meta.url);
    const Counter = requireCjs('prom-client/lib/counter.js') as typeof Prom.Counter;
    const Gauge = requireCjs('prom-client/lib/gauge.js') as typeof Prom.Gauge;
    const PromRegistry = requireCjs('prom-client/lib/registry.js') as typeof Prom.Registry;
    const registry = new PromRegistry();
    const registers = [registry];
    const { requests, longRunning, queueAdds, queueRetries, workDurations, depths } = this;
    const { storageObjects } = this.options;
    new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      registers,
      collect() {
        this.reset();
        for (const s of requests.values()) for (const [code, n] of s.codes) this.inc({ ...s.labels, code: String(code) }, n);
      },
    });
    registry.registerMetric(histogramMetric(
      'apiserver_request_duration_seconds',
      'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      REQUEST_DURATION_BUCKETS,
      () => requests.values(),
    ));
    new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      registers,
      collect() {
        for (const { labels, value } of longRunning.values()) this.set(labels, value);
      },
    });
    new Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['resource'],
      registers,
      collect() {
        for (const [resource, count] of storageObjects()) this.set({ resource }, count);
      },
    });
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
      collect() {
        for (const [name, depth] of depths) this.set({ name }, depth());
      },
    });
    const counterOf = (counts: Map<string, number>) =>
      function collect(this: Prom.Counter<string>) {
        this.reset();
        for (const [name, n] of counts) this.inc({ name }, n);
      };
    new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers, collect: counterOf(queueAdds) });
    new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers, collect: counterOf(queueRetries) });
    registry.registerMetric(histogramMetric('workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes.', WORK_DURATION_BUCKETS, () => workDurations.values()));
    // Event-loop lag and GC timings count from the first scrape on.
    if (this.options.processMetrics) (await import('prom-client')).collectDefaultMetrics({ register: registry });
    return registry;
  }

  /** Counts one finished resource request and observes its duration. */
  requestDone(labels: RequestLabels, code: number, seconds: number): void {
    let level = this.requestIndex;
    for (let i = 0; i < REQUEST_LABELS.length - 1; i++) {
      const value = labels[REQUEST_LABELS[i]!];
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const last = labels[REQUEST_LABELS[REQUEST_LABELS.length - 1]!];
    let s = level.get(last) as RequestSeries | undefined;
    if (s === undefined) {
      level.set(last, (s = { ...histogramSeries(labels, REQUEST_DURATION_BUCKETS), codes: new Map() }));
      this.requests.push(s);
    }
    s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
    observe(s, REQUEST_DURATION_BUCKETS, seconds);
  }

  /** A long-running request (a watch) started (+1) or ended (-1). */
  longRunningChanged(labels: RequestLabels, delta: 1 | -1): void {
    const { dry_run: _dryRun, ...gaugeLabels } = labels;
    const key = labelsKey(gaugeLabels);
    let gauge = this.longRunning.get(key);
    if (gauge === undefined) this.longRunning.set(key, (gauge = { labels: gaugeLabels, value: 0 }));
    gauge.value += delta;
  }

  queueAdded(name: string): void {
    this.queueAdds.set(name, (this.queueAdds.get(name) ?? 0) + 1);
  }

  queueRetried(name: string): void {
    this.queueRetries.set(name, (this.queueRetries.get(name) ?? 0) + 1);
  }

  reconciled(name: string, seconds: number): void {
    let s = this.workDurations.get(name);
    if (s === undefined) this.workDurations.set(name, (s = histogramSeries({ name }, WORK_DURATION_BUCKETS)));
    observe(s, WORK_DURATION_BUCKETS, seconds);
  }

  watchDepth(name: string, depth: () => number): void {
    this.depths.set(name, depth);
    if (!this.queueAdds.has(name)) this.queueAdds.set(name, 0);
    if (!this.queueRetries.has(name)) this.queueRetries.set(name, 0);
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
  if (raw === undefined) return '';
  const values = Array.isArray(raw) ? raw : [raw];
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
 * Measures every request to a served resource (upstream instruments only installed routes: made-up
 * paths must not grow the label set without bound): apiserver_request_total and
 * apiserver_request_duration_seconds when it ends (a watch too), apiserver_longrunning_requests
 * while a watch runs. isServed tells which resource requests name a served resource and
 * subresource. Reads request.parsed (installRequestParsing).
 */
export function requestMetrics(metrics: ServerMetrics, isServed: (info: RequestInfo) => boolean = () => true): RequestObserver<RequestLabels> {
  return {
    started(request) {
      const info = request.parsed.info;
      if (!info.isResourceRequest || !isServed(info)) return undefined;
      const labels = labelsFor(request, info);
      if (labels.verb === 'WATCH') metrics.longRunningChanged(labels, 1);
      return labels;
    },
    ended(labels, _request, response, elapsedMs) {
      if (labels.verb === 'WATCH') metrics.longRunningChanged(labels, -1);
      metrics.requestDone(labels, response.statusCode, elapsedMs / 1000);
    },
  };
}

/** Objects per resource as apiserver_storage_objects labels them. */
export function storageObjectCounts(resources: ReadonlyArray<{ group: string; plural: string }>, count: (ref: { group: string; resource: string }) => number): () => Array<readonly [string, number]> {
  return () => resources.map((r) => [groupResource({ apiGroup: r.group, resource: r.plural }), count({ group: r.group, resource: r.plural })] as const);
}
