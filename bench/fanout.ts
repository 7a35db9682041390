// DaemonSet fan-out: N Ready nodes with every controller running on a durable (lowdb + journal)
// store; create one DaemonSet and time until a watch has seen N pods Running and Ready and the
// DaemonSet status reports N ready and updated. Side by side in the same run: the same N pods
// created directly through the API (durable store, no controllers) in the controller's slow-start
// batches (1, 2, 4, …), which is the same concurrency the DaemonSet controller uses.
// Usage: npm run bench:fanout [-- --full] [-- --nodes N] [-- --profile FILE]   (default 200 nodes; --full: 1,000 and 5,000)
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { nodes as NODE_DEF } from '../api/resources.js';
import { controllersPlugin } from '../controllers/manager.js';
import { buildNode } from '../server/bootstrap.js';
import { buildServer } from '../server/app.js';
import { FULL, listen, ms, numberArg, openWatch, podManifest, pool, postJson, profiled, runBounded, tempDir, until, type WatchEvent } from './support.js';

const sizes = process.argv.includes('--nodes') ? [numberArg('nodes', 200)] : FULL ? [1000, 5000] : [200];
const LEASES = { group: 'coordination.k8s.io', resource: 'leases' };

/** Writes n Ready nodes into a fresh data file, concurrently (group commit), without controllers. */
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

const isReady = (pod: Record<string, any>): boolean =>
  pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

/** When (ms after the create) a watch had seen every pod: created, bound to its node, Running and Ready. */
interface Milestones {
  created?: number;
  bound?: number;
  ready?: number;
}

async function fanOut(n: number): Promise<{ ms: number; loadMs: number; writes: number; podEvents: number; dsEvents: number; milestones: Milestones }> {
  const tmp = await tempDir();
  try {
    const file = path.join(tmp.dir, 'data.json');
    await seedNodes(file, n);
    const t0 = performance.now();
    const server = await listen({ data: file, plugins: [controllersPlugin()] });
    const loadMs = performance.now() - t0;
    try {
      const store = server.app.registry.store;
      // Settled: every kubelet has registered its lease.
      await until(() => store.count(LEASES) >= n, 60_000 + n * 20, 'node leases');
      await new Promise((r) => setTimeout(r, 500));
      const rv = store.resourceVersion;
      const ready = new Set<string>();
      const created = new Set<string>();
      const bound = new Set<string>();
      const milestones: Milestones = {};
      let podEvents = 0;
      let dsEvents = 0;
      let dsDone = false;
      let start = performance.now();
      const podWatch = await openWatch(`${server.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, (e: WatchEvent) => {
        podEvents++;
        const name = e.object.metadata.name as string;
        if (e.type !== 'DELETED' && isReady(e.object)) ready.add(name);
        else ready.delete(name);
        created.add(name);
        if (e.object.spec?.nodeName) bound.add(name);
        const at = performance.now() - start;
        if (created.size === n) milestones.created ??= at;
        if (bound.size === n) milestones.bound ??= at;
        if (ready.size === n) milestones.ready ??= at;
      });
      const dsWatch = await openWatch(`${server.url}/apis/apps/v1/namespaces/default/daemonsets?watch=true&resourceVersion=${rv}`, (e: WatchEvent) => {
        dsEvents++;
        const s = e.object.status ?? {};
        dsDone = s.desiredNumberScheduled === n && s.numberReady === n && s.updatedNumberScheduled === n && s.numberAvailable === n;
      });
      const client = pool(server.url, 4);
      start = performance.now();
      await profiled(async () => {
        await postJson(client, '/apis/apps/v1/namespaces/default/daemonsets', {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'monitoring-daemon' },
          spec: { selector: { matchLabels: { app: 'monitoring-agent' } }, template: { metadata: { labels: { app: 'monitoring-agent' } }, spec: (podManifest('x') as { spec: unknown }).spec } },
        });
        await until(() => ready.size === n && dsDone, 120_000 + n * 200, `${n} pods Running and Ready and the DaemonSet status`);
      });
      const elapsed = performance.now() - start;
      const writes = store.resourceVersion - rv;
      podWatch.stop();
      dsWatch.stop();
      await client.close();
      return { ms: elapsed, loadMs, writes, podEvents, dsEvents, milestones };
    } finally {
      await server.close();
    }
  } finally {
    await tmp.remove();
  }
}

/** The same n pods posted straight to the API of a durable server without controllers, in slow-start batches. */
async function direct(n: number): Promise<number> {
  const tmp = await tempDir();
  try {
    const server = await listen({ data: path.join(tmp.dir, 'data.json'), nodes: 0 });
    const client = pool(server.url, 64);
    try {
      const start = performance.now();
      for (let pos = 0, batch = 1; pos < n; pos += batch, batch = Math.min(2 * batch, n - pos)) {
        await runBounded(batch, batch, (i) => postJson(client, '/api/v1/namespaces/default/pods', podManifest(`agent-${pos + i}`, { nodeName: `node-${pos + i + 1}` })).then(() => undefined));
      }
      return performance.now() - start;
    } finally {
      await client.close();
      await server.close();
    }
  } finally {
    await tmp.remove();
  }
}

for (const n of sizes) {
  const baseline = await direct(n);
  const result = await fanOut(n);
  console.log(`fan-out, ${n} nodes (durable store, all controllers):`);
  console.log(`  restart with ${n} nodes to listening:           ${ms(result.loadMs)}`);
  console.log(`  DaemonSet created -> ${n} pods Running+Ready, status ${n}/${n}: ${ms(result.ms)}  (${(result.ms / n).toFixed(2)} ms per pod)`);
  const m = result.milestones;
  console.log(`  all ${n} pods seen created at ${ms(m.created ?? NaN)}, bound at ${ms(m.bound ?? NaN)}, Running+Ready at ${ms(m.ready ?? NaN)}`);
  console.log(`  writes during the fan-out: ${result.writes} (${(result.writes / n).toFixed(1)} per pod); watch events seen: ${result.podEvents} pod, ${result.dsEvents} DaemonSet`);
  console.log(`  ${n} pods POSTed directly (same slow-start batches):  ${ms(baseline)}`);
  console.log(`  ratio fan-out / direct creates:                 ${(result.ms / baseline).toFixed(2)}`);
}
