// What the benchmarks share: argument reading, percentiles, temp dirs, in-process servers over a
// durable or memory store, bounded-concurrency loops and a newline-delimited watch reader.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { Pool, request } from 'undici';
import { nodes as NODE_DEF } from '../api/resources.js';
import { buildServer, type ServerOptions } from '../server/app.js';
import { buildNode } from '../server/bootstrap.js';
import { controllersPlugin } from '../controllers/manager.js';

export const FULL = process.argv.includes('--full');

/** `--name value` from argv, as a number, else the fallback. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}

/** The p-th percentile (0..100) of values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-bench-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Bytes of a data file and its journal. */
export async function dataSize(file: string): Promise<{ snapshot: number; journal: number }> {
  const size = async (f: string) => (await stat(f).catch(() => ({ size: 0 }))).size;
  return { snapshot: await size(file), journal: await size(`${file}.journal`) };
}

export interface Listening {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** buildServer + listen on a free loopback port. */
export async function listen(options: ServerOptions): Promise<Listening> {
  const app = await buildServer({ logLevel: 'silent', ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, url, close: () => app.close() };
}

/** Runs task(i) for i in [0, count) with at most `concurrency` in flight; resolves when all are done. */
export async function runBounded(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** A keep-alive connection pool to url, closed with close(). */
export function pool(url: string, connections = 64): Pool {
  return new Pool(url, { connections, pipelining: 1 });
}

/** POSTs JSON and returns the parsed answer; throws on a non-2xx status. */
export async function postJson(client: Pool, urlPath: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await client.request({ method: 'POST', path: urlPath, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`POST ${urlPath}: ${res.statusCode} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A pod Running with its Ready condition True. */
export function isReady(pod: Record<string, any>): boolean {
  return pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}

/** A DaemonSet whose status reports n pods scheduled, ready, updated and available. */
export function daemonSetDone(ds: Record<string, any>, n: number): boolean {
  const s = ds.status ?? {};
  return s.desiredNumberScheduled === n && s.numberReady === n && s.updatedNumberScheduled === n && s.numberAvailable === n;
}

export interface WatchEvent {
  type: string;
  object: Record<string, any>;
}

/** Opens a watch and calls onEvent for every event line (with the ms timestamp it arrived at); returns a stop function. */
export async function openWatch(url: string, onEvent: (event: WatchEvent, at: number) => void): Promise<{ stop(): void; ended: Promise<{ byServer: boolean }> }> {
  const controller = new AbortController();
  const res = await request(url, { signal: controller.signal });
  if (res.statusCode !== 200) throw new Error(`watch ${url}: ${res.statusCode} ${await res.body.text()}`);
  let buffered = '';
  let stopped = false;
  const ended = new Promise<void>((resolve) => {
    res.body.on('data', (chunk: Buffer) => {
      const at = performance.now();
      const text = buffered + chunk.toString('utf8');
      // One pass over the chunk's lines: slicing the rest off after each line would copy it once per line.
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        if (nl > from) onEvent(JSON.parse(text.slice(from, nl)) as WatchEvent, at);
        from = nl + 1;
      }
      buffered = text.slice(from);
    });
    res.body.on('end', resolve);
    res.body.on('error', () => resolve());
    res.body.on('close', resolve);
  });
  return {
    stop: () => {
      stopped = true;
      controller.abort();
    },
    // Whether the server ended the watch (a client too slow to read is cut off), not stop().
    ended: ended.then(() => ({ byServer: !stopped })),
  };
}

/**
 * CPU time (ms) the process's main thread has used, from /proc (Linux; 10 ms resolution), or
 * undefined elsewhere. Unlike event-loop busy time, it does not grow when other threads or
 * processes take the CPU away, so it compares runs on a noisy machine.
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) in parentheses: utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Writes n Ready nodes (`node-1` …) into a fresh data file, concurrently (group commit), without controllers. */
async function seedNodes(file: string, n: number): Promise<void> {
  const app = await buildServer({ data: file, nodes: 0, logLevel: 'silent' });
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await runBounded(n, 64, async (i) => {
    const node = buildNode(`node-${i + 1}`, i, now);
    const status = node.status;
    await app.registry.create(NODE_DEF, undefined, node);
    await app.registry.patch(NODE_DEF, undefined, `node-${i + 1}`, (current) => ({ ...current, status }), { subresource: 'status' });
  });
  await app.close();
}

/**
 * A durable server with every controller over n Ready nodes seeded into `file`, returned once each
 * kubelet has registered its lease and half a second more has passed (the cluster a fan-out or a
 * scheduling run starts from); loadMs is the time from its start to listening.
 */
export async function settledCluster(file: string, n: number): Promise<Listening & { loadMs: number }> {
  await seedNodes(file, n);
  const t0 = performance.now();
  const server = await listen({ data: file, plugins: [controllersPlugin()] });
  const loadMs = performance.now() - t0;
  try {
    await until(() => server.app.registry.store.count(LEASES) >= n, 60_000 + n * 20, 'node leases');
    await new Promise((r) => setTimeout(r, 500));
  } catch (err) {
    await server.close();
    throw err;
  }
  return { ...server, loadMs };
}

const LEASES = { group: 'coordination.k8s.io', resource: 'leases' };

/** Resolves once predicate() holds, checking every intervalMs; rejects after timeoutMs. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string, intervalMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A pod as a client would post it, optionally pinned to a node, with a padding annotation to reach a realistic size. */
export function podManifest(name: string, options: { namespace?: string; nodeName?: string; labels?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: options.namespace ?? 'default', labels: { app: 'bench', ...options.labels } },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      containers: [{ name: 'agent', image: 'registry.example/monitoring-agent:1.4.2', resources: { requests: { cpu: '10m', memory: '32Mi' } }, ports: [{ containerPort: 9100, name: 'metrics' }] }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
    },
  };
}

/**
 * Runs fn; with `--profile <file>` on the command line, records a V8 CPU profile of just that
 * part of the run (open it in Chrome DevTools or VS Code) instead of the whole process.
 */
export async function profiled<T>(fn: () => Promise<T>): Promise<T> {
  const i = process.argv.indexOf('--profile');
  const file = i >= 0 ? process.argv[i + 1] : undefined;
  if (!file) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the measured part: ${file}`);
  }
}
