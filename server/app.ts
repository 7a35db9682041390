// buildServer: assembles store, registry, routes and controllers into a Fastify instance that
// tests can inject into. It never listens and never exits: server/cli.ts does.
import { createRequire } from 'node:module';
import { fastify as Fastify, LogController, type FastifyInstance } from 'fastify';
import { Registry } from '../api/registry.js';
import { RESOURCES } from '../api/resources.js';
import { STEERING_RESOURCES } from '../api/steering-resources.js';
import { ObjectStore, type Indexer } from '../store/store.js';
import { MemoryAdapter, type PersistenceAdapter } from '../store/persistence.js';
import type { SharedSubtreePaths } from '../store/shared-subtrees.js';
import { discoveryRoutes } from '../routes/discovery.js';
import { healthRoutes } from '../routes/health.js';
import { openApiRoutes } from '../routes/openapi.js';
import { resourceRoutes, type SubresourceHandler } from '../routes/resources.js';
import { buildRestOpenApi, restDocsRoutes } from '../routes/rest-openapi.js';
import { MAX_BODY_BYTES, frameworkErrorHandler, installErrorHandlers } from './errors.js';
import { WatchStreams } from './watch-stream.js';
import { bootstrapCluster } from './bootstrap.js';
import { POD_SUBRESOURCES } from '../routes/subresources.js';
import { installFaultInjection } from '../routes/faults.js';
import { DEFAULT_REQUEST_LOG_SIZE, serveRequestLog, requestLogObserver } from '../routes/request-log.js';
import type { DestinationStream } from 'pino';
import { installAuthentication, type StaticToken } from './auth.js';
import { ServerMetrics, requestMetrics, storageObjectCounts } from './metrics.js';
import { observeRequests, requestDebugLine } from './request-observers.js';
import { metricsRoutes } from '../routes/metrics.js';
import { installRequestParsing } from './request-info.js';

export interface ServerOptions {
  /** 'memory', a lowdb data file path, or a ready adapter. */
  data: string | PersistenceAdapter;
  /** Nodes to seed when the store is fresh. */
  nodes?: number;
  /** The clock every component reads; tests inject their own. */
  now?: () => Date;
  logLevel?: string;
  /** Extra pieces that hook into the lifecycle (controllers); each gets the registry. */
  plugins?: ReadonlyArray<(app: FastifyInstance, registry: Registry) => Promise<void> | void>;
  /** Subresource handlers beyond the built-in pod ones (tests, extensions). */
  subresourceHandlers?: Record<string, SubresourceHandler>;
  /** Watch events kept for resuming watches (the watch cache size); older resourceVersions answer 410 Gone. */
  eventLogCapacity?: number;
  /**
   * kube-apiserver's --min-request-timeout: a watch without timeoutSeconds ends after this many
   * seconds times a random factor in [1, 2), so clients re-watch now and then (default 1800; 0 never).
   */
  minRequestTimeoutSeconds?: number;
  /** Requests the request log keeps (kubemock.dev RecordedRequests; default 1000, 0 off). */
  requestLogSize?: number;
  /** Bytes a watch client may leave unread before its stream is closed (default 32 MiB). */
  maxWatchBufferedBytes?: number;
  /** Serve HTTPS with this certificate and key (PEM); see server/tls.ts. */
  https?: { cert: string; key: string };
  /** Static bearer tokens (server/auth.ts); when given, every request but the health and version paths needs one. */
  tokens?: readonly StaticToken[];
  /** Where log lines go (default stdout, as JSON); main.ts passes pino-pretty in a terminal. */
  logStream?: DestinationStream;
  /** Also export process_* and nodejs_* metrics: for the one server of a process. */
  processMetrics?: boolean;
}

// Fastify's default schema compilers (ajv, fast-json-stringify), loaded on the first route that
// declares a schema rather than at every start: no route of this server declares one, and loading
// them is a noticeable part of start-up. Resolved from fastify's own folder, as fastify would.
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
type CompilerBuilder = (...args: never[]) => unknown;
function lazyBuilder(module: string): CompilerBuilder {
  let builder: ((...args: unknown[]) => unknown) | undefined;
  return (...args) => (builder ??= (fastifyRequire(module) as () => (...args: unknown[]) => unknown)())(...args);
}
const LAZY_SCHEMA_COMPILERS = { buildValidator: lazyBuilder('@fastify/ajv-compiler'), buildSerializer: lazyBuilder('@fastify/fast-json-stringify-compiler') } as never;

/** Secondary indexes the controllers and field selectors lean on. */
export const INDEXERS: readonly Indexer[] = [
  { resource: 'pods', name: 'nodeName', keys: (obj) => [String((obj.spec as { nodeName?: string } | undefined)?.nodeName ?? '')] },
  {
    resource: 'pods',
    name: 'controllerUID',
    keys: (obj) => (obj.metadata.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid),
  },
  // Pods without a controller, by namespace: what a DaemonSet may adopt, found without a scan.
  { resource: 'pods', name: 'orphansIn', keys: (obj) => ((obj.metadata.ownerReferences ?? []).some((r) => r.controller) ? [] : [obj.metadata.namespace ?? '']) },
  // Every owner of every object: the garbage collector finds dependents without a scan.
  { resource: '*', name: 'ownerUID', keys: (obj) => [...new Set((obj.metadata.ownerReferences ?? []).map((r) => r.uid))] },
];

/**
 * What objects made from one template repeat, shared between them in the store: a DaemonSet's pods
 * carry the same containers, tolerations, labels and owner reference; nodes the same capacity;
 * and the objects one manager writes alike the same managedFields tree (some 40 small objects).
 */
export const SHARED_SUBTREES: SharedSubtreePaths = {
  '*': [['metadata', 'managedFields', '*', 'fieldsV1']],
  pods: [
    ['metadata', 'labels'],
    ['metadata', 'ownerReferences'],
    ['spec', 'containers'],
    ['spec', 'initContainers'],
    ['spec', 'tolerations'],
    ['spec', 'volumes'],
    ['spec', 'securityContext'],
  ],
  nodes: [
    ['status', 'capacity'],
    ['status', 'allocatable'],
    ['status', 'daemonEndpoints'],
  ],
};

declare module 'fastify' {
  interface FastifyInstance {
    registry: Registry;
    metrics: ServerMetrics;
  }
}

async function adapterFor(data: ServerOptions['data']): Promise<PersistenceAdapter> {
  if (typeof data !== 'string') return data;
  if (data === 'memory') return new MemoryAdapter();
  // lowdb loads only for a data file: a memory store starts without it.
  const { LowdbJournalAdapter } = await import('../store/lowdb-adapter.js');
  return new LowdbJournalAdapter(data);
}

/** Builds a ready (not listening) server over a loaded store. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const now = options.now ?? (() => new Date());
  // The same clock in ms, for what reads it per request: Date.now() makes no Date.
  const nowMs = options.now ? () => now().getTime() : Date.now;
  const store = await ObjectStore.open({ adapter: await adapterFor(options.data), now, indexers: INDEXERS, sharedSubtrees: SHARED_SUBTREES, eventLogCapacity: options.eventLogCapacity });
  const fresh = store.resourceVersion === 0;
  const registry = new Registry(store, [...RESOURCES, ...STEERING_RESOURCES], now);
  await bootstrapCluster(registry, { fresh, nodeCount: options.nodes ?? 3, now: now() });

  const app = Fastify({
    // Silent is no logger at all: pino stays unloaded and no request gets a child logger.
    logger: (options.logLevel ?? 'silent') === 'silent' ? false : { level: options.logLevel, ...(options.logStream ? { stream: options.logStream } : {}) },
    // The https server has the same request and reply API; Fastify's types only tell them apart.
    ...(options.https ? { https: options.https } : {}),
    // One debug line per request (requestDebugLine) instead of Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    // Object names (and so paths) may be long; Go's server limits only the request line, to 1 MiB.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 64 * 1024 },
    frameworkErrors: frameworkErrorHandler,
    schemaController: { compilersFactory: LAZY_SCHEMA_COMPILERS },
  });
  app.decorate('registry', registry);
  installErrorHandlers(app);
  // Bodies stay raw: the handlers decode by content type (JSON, YAML, protobuf, patches).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  // Every request is measured and logged (the request log, the debug line) from its arrival, then
  // authenticated, before any route: requests refused by authentication are in the metrics and the
  // request log too, as upstream audits them.
  installRequestParsing(app, registry);
  const metrics = new ServerMetrics({ storageObjects: storageObjectCounts(registry.resources, (ref) => store.count(ref)), processMetrics: options.processMetrics });
  app.decorate('metrics', metrics);
  const requestLogSize = options.requestLogSize ?? DEFAULT_REQUEST_LOG_SIZE;
  const requestLog = serveRequestLog({ registry, now, nowMs, capacity: requestLogSize });
  observeRequests(app, [
    requestMetrics(metrics, (info) => {
      const def = registry.find(info.apiGroup, info.apiVersion, info.resource);
      return def !== undefined && (info.subresource === '' || def.subresources.some((sub) => sub.name === info.subresource));
    }),
    ...(requestLogSize > 0 ? [requestLogObserver(requestLog)] : []),
    requestDebugLine,
  ]);
  if (options.tokens) installAuthentication(app, options.tokens);
  // FaultRules answer or slow matching requests before any handler runs.
  installFaultInjection(app, { registry, now });

  // One JSON text per stored object version (the store's, which its journal records embed), shared
  // by GET, LIST, write answers and every watcher.
  const watches = new WatchStreams({ maxBufferedBytes: options.maxWatchBufferedBytes, jsonCache: store.json });
  app.addHook('preClose', async () => watches.endAll());
  app.addHook('onClose', async () => store.close());

  await app.register(metricsRoutes, { metrics });
  await app.register(healthRoutes, { checks: { ping: () => undefined, 'etcd': () => undefined, 'poststarthook/start-kubemock-controllers': () => undefined } });
  await app.register(discoveryRoutes, { registry });
  await app.register(openApiRoutes, { registry });
  await app.register(restDocsRoutes, { document: () => buildRestOpenApi(registry.resources) });
  await app.register(resourceRoutes, { registry, watches, now, minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800, subresourceHandlers: { ...POD_SUBRESOURCES, ...options.subresourceHandlers } });
  for (const plugin of options.plugins ?? []) await plugin(app, registry);
  return app;
}
