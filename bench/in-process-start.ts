// In-process start-up benchmark: the median time of many startCluster() calls (memory store,
// 3 nodes, controllers running, listening on a free port, kubeconfig written) against a bare
// Fastify listen() on a free port, the two interleaved in the same run so machine load hits both
// alike. Prints both medians and their ratio; --tls adds startCluster({ tls: true }).
// Usage: npm run bench:in-process [-- --runs 50] [-- --tls]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { startCluster, type ClusterOptions } from '../index.js';

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** ms from startCluster() called to resolved; the cluster is closed outside the timing. */
export async function timeStartCluster(options: ClusterOptions = {}): Promise<number> {
  const t0 = performance.now();
  const cluster = await startCluster({ nodes: 3, ...options });
  const ms = performance.now() - t0;
  await cluster.close();
  return ms;
}

/** ms from Fastify() to listen() resolved, for a server with one route. */
export async function timeBareFastify(): Promise<number> {
  const t0 = performance.now();
  const app = Fastify();
  app.get('/readyz', async () => 'ok');
  await app.listen({ host: '127.0.0.1', port: 0 });
  const ms = performance.now() - t0;
  await app.close();
  return ms;
}

export interface InProcessStartResult {
  runs: number;
  cluster: number[];
  bare: number[];
  tls?: number[];
  /** The first, uncounted start of each (module loading, JIT warm-up). */
  firstClusterMs: number;
}

/** Interleaves `runs` timed starts of each kind after one uncounted warm-up start of each. */
export async function measureInProcessStart(runs: number, options: { tls?: boolean } = {}): Promise<InProcessStartResult> {
  const firstClusterMs = await timeStartCluster();
  await timeBareFastify();
  if (options.tls) await timeStartCluster({ tls: true });
  const cluster: number[] = [];
  const bare: number[] = [];
  const tls: number[] = [];
  for (let i = 0; i < runs; i++) {
    cluster.push(await timeStartCluster());
    bare.push(await timeBareFastify());
    if (options.tls) tls.push(await timeStartCluster({ tls: true }));
  }
  return { runs, cluster, bare, firstClusterMs, ...(options.tls ? { tls } : {}) };
}

/** The lines the benchmark prints. */
export function report(result: InProcessStartResult): string[] {
  const fmt = (n: number) => `${n.toFixed(2)} ms`;
  const lines = [
    `in-process startCluster() (3 nodes, memory, controllers): median ${fmt(median(result.cluster))} over ${result.runs} starts (first, uncounted start: ${fmt(result.firstClusterMs)})`,
    `bare Fastify listen():                                    median ${fmt(median(result.bare))} over ${result.runs} starts`,
    `ratio startCluster / bare Fastify:                        ${(median(result.cluster) / median(result.bare)).toFixed(2)}`,
  ];
  if (result.tls) {
    lines.push(`in-process startCluster({ tls: true }):                  median ${fmt(median(result.tls))} (new CA and certificate each start)`);
    lines.push(`ratio startCluster tls / bare Fastify:                   ${(median(result.tls) / median(result.bare)).toFixed(2)}`);
  }
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--runs');
  const runs = at >= 0 ? Number(process.argv[at + 1]) : 50;
  const result = await measureInProcessStart(runs, { tls: process.argv.includes('--tls') });
  for (const line of report(result)) console.log(line);
}
