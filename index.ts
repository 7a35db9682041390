// The package's public, typed entry: start a kubemock cluster in-process, one per test if you
// like, each with its own store, port and controllers.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './server/app.js';
import { kubeconfigFor } from './server/kubeconfig.js';
import { ensureTlsMaterial } from './server/tls.js';
import { controllersPlugin } from './controllers/manager.js';
import type { Clock } from './controllers/clock.js';
import { VirtualClock } from './controllers/virtual-clock.js';
import type { PacingMode } from './controllers/daemonset/pacing.js';

export { FakeClock, realClock, type Clock } from './controllers/clock.js';
export { VirtualClock } from './controllers/virtual-clock.js';
export type { KubeObject } from './store/object.js';
export { READ_ONLY_GROUP } from './server/auth.js';

export interface ClusterOptions {
  /** Ready nodes seeded into a fresh store (default 3). */
  nodes?: number;
  /** 'memory' (default) keeps nothing; a path is a lowdb data file kept across starts. */
  data?: 'memory' | string;
  /** Port on host; 0 (default) picks a free one. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /**
   * The clock controllers and the server run on (a FakeClock makes timing tests deterministic);
   * 'virtual' stands time still until the kubemock.dev Clock `cluster` is advanced through the API.
   */
  clock?: Clock | 'virtual';
  /** How fast DaemonSets without a kubemock.dev/daemonset-pacing annotation create pods: instant (default), realistic or fixed. */
  daemonSetPacing?: PacingMode;
  /** Run the controllers (DaemonSet, scheduler, kubelet, ...); default true. */
  controllers?: boolean;
  /** pino log level; default 'silent'. */
  logLevel?: string;
  /**
   * Serve HTTPS with a generated CA and serving certificate (kept in `<data>.tls/` for a data file,
   * made afresh in a temp dir for 'memory'); the kubeconfig embeds the CA, so clients verify it.
   */
  tls?: boolean;
  /**
   * Static bearer tokens, as the lines of a kube-apiserver token file; every request but /livez,
   * /readyz, /healthz and /version then needs one. The kubeconfig carries the first. Members of the
   * group READ_ONLY_GROUP ('kubemock:read-only') may only read.
   */
  tokens?: ReadonlyArray<{ token: string; user: string; uid?: string; groups?: readonly string[] }>;
}

/** A running cluster; close() ends watches, stops controllers, flushes and frees the port. */
export interface Cluster {
  url: string;
  kubeconfig: { text: string; path: string };
  /** A loaded @kubernetes/client-node KubeConfig; reading it throws when that package is not installed. */
  kubeConfig: import('@kubernetes/client-node').KubeConfig;
  /** With tls: the CA certificate (PEM) that clients trust. */
  ca?: string;
  /** With tokens: the token the kubeconfig carries. */
  token?: string;
  /** The underlying Fastify instance (inject(), the registry) for white-box tests. */
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts a kubemock cluster in this process and returns how to reach it. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const clock = options.clock === 'virtual' ? new VirtualClock() : options.clock;
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-'));
  const dataFile = options.data ?? 'memory';
  const host = options.host ?? '127.0.0.1';
  const tokens = options.tokens?.map((t) => ({ token: t.token, user: t.user, uid: t.uid ?? '', groups: t.groups ?? [] }));
  const tls = options.tls ? await ensureTlsMaterial(dataFile === 'memory' ? path.join(dir, 'tls') : `${path.resolve(dataFile)}.tls`, { hosts: [host] }).catch(cleanUp(dir)) : undefined;
  const app = await buildServer({
    data: dataFile,
    nodes: options.nodes ?? 3,
    logLevel: options.logLevel ?? 'silent',
    ...(clock ? { now: () => clock.now() } : {}),
    plugins: options.controllers === false ? [] : [controllersPlugin({ clock, daemonSetPacing: options.daemonSetPacing })],
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    ...(tokens ? { tokens } : {}),
  }).catch(cleanUp(dir));
  await app.listen({ host, port: options.port ?? 0 }).catch(async (err: unknown) => {
    await app.close();
    return cleanUp(dir)(err);
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const token = tokens?.[0]?.token;
  const text = kubeconfigFor(url, { ca: tls?.ca, token });
  const file = path.join(dir, 'kubeconfig');
  await writeFile(file, text, { mode: 0o600 });
  const kubeConfig = await loadKubeConfig(text);
  let closed: Promise<void> | undefined;
  return {
    url,
    kubeconfig: { text, path: file },
    get kubeConfig() {
      if (!kubeConfig) throw new Error('cluster.kubeConfig needs @kubernetes/client-node: npm install @kubernetes/client-node');
      return kubeConfig;
    },
    ...(tls ? { ca: tls.ca } : {}),
    ...(token !== undefined ? { token } : {}),
    app,
    close: () =>
      (closed ??= (async () => {
        await app.close();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/** A rejection handler that removes the cluster's temp dir, then rethrows. */
function cleanUp(dir: string): (err: unknown) => Promise<never> {
  return async (err) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  };
}

/** A KubeConfig loaded from text, or undefined when @kubernetes/client-node (an optional peer) is not installed. */
async function loadKubeConfig(text: string): Promise<import('@kubernetes/client-node').KubeConfig | undefined> {
  let clientNode: typeof import('@kubernetes/client-node');
  try {
    clientNode = await import('@kubernetes/client-node');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw err;
  }
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromString(text);
  return kubeConfig;
}
