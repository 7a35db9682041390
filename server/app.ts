// buildServer: assembles store, registry, routes and controllers into a Fastify instance that
// tests can inject into. It never listens and never exits: server/main.ts does.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Registry } from '../api/registry.js';
import { RESOURCES } from '../api/resources.js';
import { ObjectStore, type Indexer } from '../store/store.js';
import { MemoryAdapter, type PersistenceAdapter } from '../store/persistence.js';
import { LowdbJournalAdapter } from '../store/lowdb-adapter.js';
import { discoveryRoutes } from '../routes/discovery.js';
import { healthRoutes } from '../routes/health.js';
import { openApiRoutes } from '../routes/openapi.js';
import { resourceRoutes, type SubresourceHandler } from '../routes/resources.js';
import { buildRestOpenApi, restDocsRoutes } from '../routes/rest-openapi.js';
import { MAX_BODY_BYTES, frameworkErrorHandler, installErrorHandlers } from './errors.js';
import { WatchStreams } from './watch-stream.js';
import { bootstrapCluster } from './bootstrap.js';
import { POD_SUBRESOURCES } from '../routes/subresources.js';

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
}

/** Secondary indexes the controllers and field selectors lean on. */
export const INDEXERS: readonly Indexer[] = [
  { resource: 'pods', name: 'nodeName', keys: (obj) => [String((obj.spec as { nodeName?: string } | undefined)?.nodeName ?? '')] },
  {
    resource: 'pods',
    name: 'controllerUID',
    keys: (obj) => (obj.metadata.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid),
  },
];

declare module 'fastify' {
  interface FastifyInstance {
    registry: Registry;
  }
}

function adapterFor(data: ServerOptions['data']): PersistenceAdapter {
  if (typeof data !== 'string') return data;
  if (data === 'memory') return new MemoryAdapter();
  return new LowdbJournalAdapter(data);
}

/** Builds a ready (not listening) server over a loaded store. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const now = options.now ?? (() => new Date());
  const store = await ObjectStore.open({ adapter: adapterFor(options.data), now, indexers: INDEXERS, eventLogCapacity: options.eventLogCapacity });
  const fresh = store.resourceVersion === 0;
  const registry = new Registry(store, RESOURCES, now);
  await bootstrapCluster(registry, { fresh, nodeCount: options.nodes ?? 3, now: now() });

  const app = Fastify({
    logger: { level: options.logLevel ?? 'silent' },
    // One debug line per request (onResponse below) instead of Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: true,
    // Object names (and so paths) may be long; Go's server limits only the request line, to 1 MiB.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 64 * 1024 },
    frameworkErrors: frameworkErrorHandler,
  });
  app.decorate('registry', registry);
  installErrorHandlers(app);
  // Bodies stay raw: the handlers decode by content type (JSON, YAML, protobuf, patches).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  const watches = new WatchStreams();
  app.addHook('preClose', async () => watches.endAll());
  app.addHook('onClose', async () => store.close());

  await app.register(healthRoutes, { checks: { ping: () => undefined, 'etcd': () => undefined, 'poststarthook/start-kubemock-controllers': () => undefined } });
  await app.register(discoveryRoutes, { registry });
  await app.register(openApiRoutes, { registry });
  await app.register(restDocsRoutes, { document: buildRestOpenApi(registry.resources) });
  await app.register(resourceRoutes, { registry, watches, now, minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800, subresourceHandlers: { ...POD_SUBRESOURCES, ...options.subresourceHandlers } });
  for (const plugin of options.plugins ?? []) await plugin(app, registry);
  return app;
}
