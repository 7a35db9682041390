// The package's public, typed entry: start a kubemock cluster in-process, one per test if you
// like, each with its own store, port and controllers.
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './server/app.js';
import { kubeconfigFor } from './server/kubeconfig.js';
import { controllersPlugin } from './controllers/manager.js';
import type { Clock } from './controllers/clock.js';

export { FakeClock, realClock, type Clock } from './controllers/clock.js';
export type { KubeObject } from './store/object.js';

export interface ClusterOptions {
  /** Ready nodes seeded into a fresh store (default 3). */
  nodes?: number;
  /** 'memory' (default) keeps nothing; a path is a lowdb data file kept across starts. */
  data?: 'memory' | string;
  /** Port on host; 0 (default) picks a free one. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /** The clock controllers run on (a FakeClock makes timing tests deterministic). */
  clock?: Clock;
  /** Run the controllers (DaemonSet, scheduler, kubelet, ...); default true. */
  controllers?: boolean;
  /** pino log level; default 'silent'. */
  logLevel?: string;
}

/** A running cluster; close() ends watches, stops controllers, flushes and frees the port. */
export interface Cluster {
  url: string;
  kubeconfig: { text: string; path: string };
  /** A loaded @kubernetes/client-node KubeConfig (the package must be installed). */
  kubeConfig: import('@kubernetes/client-node').KubeConfig;
  /** The underlying Fastify instance (inject(), the registry) for white-box tests. */
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts a kubemock cluster in this process and returns how to reach it. */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const clock = options.clock;
  const app = await buildServer({
    data: options.data ?? 'memory',
    nodes: options.nodes ?? 3,
    logLevel: options.logLevel ?? 'silent',
    ...(clock ? { now: () => clock.now() } : {}),
    plugins: options.controllers === false ? [] : [controllersPlugin({ clock })],
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const text = kubeconfigFor(url);
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-'));
  const file = path.join(dir, 'kubeconfig');
  await writeFile(file, text);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(text);
  let closed: Promise<void> | undefined;
  return {
    url,
    kubeconfig: { text, path: file },
    kubeConfig,
    app,
    close: () =>
      (closed ??= (async () => {
        await app.close();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
