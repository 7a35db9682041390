// Scheduling at scale: N Ready nodes with every controller running on a durable (lowdb + journal)
// store; create P pods that name no node (no DaemonSet: each goes through the scheduler's filters
// and scores over the nodes) and time until every one is bound, and until every one is Running
// and Ready. Side by side in the same run: the same P pods created with spec.nodeName set (spread
// over the nodes one by one), which skips the scheduler and nothing else. Both create their pods
// in process through the registry, 16 at a time, and alternate (scheduled first, then pinned,
// twice), each on a fresh server, after one small warm-up of each.
// Usage: npm run bench:schedule [-- --full] [-- --nodes N] [-- --pods P]
// (default 1,000 nodes; --full: 1,000 and 5,000; 1,000 pods)
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pods as POD_DEF } from '../api/resources.js';
import { FULL, isReady, ms, numberArg, podManifest, runBounded, settledCluster, tempDir, until } from './support.js';

const sizes = process.argv.includes('--nodes') ? [numberArg('nodes', 1000)] : FULL ? [1000, 5000] : [1000];
const POD_COUNT = numberArg('pods', 1000);
const CONCURRENCY = 16;
const PODS = { group: '', resource: 'pods' };

interface Timed {
  /** Every pod bound to a node, ms after the first create. */
  boundMs: number;
  /** Every pod Running and Ready. */
  readyMs: number;
}

/** One run on a fresh server with n settled nodes: p pods, pinned to nodes or left to the scheduler. */
async function createPods(n: number, p: number, pinned: boolean): Promise<Timed> {
  const tmp = await tempDir();
  try {
    const file = path.join(tmp.dir, 'data.json');
    const server = await settledCluster(file, n);
    try {
      const { registry } = server.app;
      const store = registry.store;
      const bound = new Set<string>();
      const ready = new Set<string>();
      let boundAt = Number.NaN;
      let readyAt = Number.NaN;
      const watch = store.watch(PODS, {
        namespace: 'default',
        fromResourceVersion: store.resourceVersion,
        onEvent: (e) => {
          const name = e.object.metadata.name!;
          if (e.type !== 'DELETED' && (e.object.spec as { nodeName?: string } | undefined)?.nodeName) bound.add(name);
          if (e.type !== 'DELETED' && isReady(e.object)) ready.add(name);
          if (Number.isNaN(boundAt) && bound.size === p) boundAt = performance.now();
          if (Number.isNaN(readyAt) && ready.size === p) readyAt = performance.now();
        },
      });
      const t0 = performance.now();
      await runBounded(p, CONCURRENCY, async (i) => {
        await registry.create(POD_DEF, 'default', podManifest(`pod-${i}`, pinned ? { nodeName: `node-${(i % n) + 1}` } : {}));
      });
      await until(() => !Number.isNaN(readyAt), 120_000, `${p} pods Running+Ready`);
      watch.stop();
      return { boundMs: boundAt - t0, readyMs: readyAt - t0 };
    } finally {
      await server.close();
    }
  } finally {
    await tmp.remove();
  }
}

async function main(): Promise<void> {
  // Uncounted: the first runs in a process time V8 compiling the create, bind and kubelet paths.
  await createPods(100, 200, false);
  await createPods(100, 200, true);
  for (const n of sizes) {
    const scheduled: Timed[] = [];
    const pinned: Timed[] = [];
    for (let round = 0; round < 2; round++) {
      scheduled.push(await createPods(n, POD_COUNT, false));
      pinned.push(await createPods(n, POD_COUNT, true));
    }
    const best = (runs: Timed[], key: keyof Timed) => Math.min(...runs.map((r) => r[key]));
    console.log(`schedule, ${n} nodes (durable store, all controllers), ${POD_COUNT} pods created ${CONCURRENCY} at a time, the better of two runs each:`);
    console.log(`  through the scheduler:  every pod bound at ${ms(best(scheduled, 'boundMs'))}, Running+Ready at ${ms(best(scheduled, 'readyMs'))}  (runs: ${scheduled.map((r) => ms(r.readyMs)).join(', ')})`);
    console.log(`  with spec.nodeName set: every pod Running+Ready at ${ms(best(pinned, 'readyMs'))}  (runs: ${pinned.map((r) => ms(r.readyMs)).join(', ')})`);
    console.log(`  ratio scheduled / pinned (Running+Ready): ${(best(scheduled, 'readyMs') / best(pinned, 'readyMs')).toFixed(2)}`);
  }
}

await main();
