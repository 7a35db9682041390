// Memory at cluster scale: N Ready nodes and P Running pods (statuses as the kubelet simulator
// writes them, so a restart finds nothing to change), written through the registry into a durable
// store. Reports RSS and heap after GC while seeding, the size on disk, then restarts on that data
// with every controller running: load time, RSS and heap, and how many writes the controllers make
// in a quiet window (heartbeats and lease renewals only: nothing unchanged is rewritten). The ratio
// printed side by side is RSS over the bytes of the same state as JSON on disk. Finally it pages
// through every pod with limit=500 while a writer creates and relabels pods, and checks the pages
// are one consistent snapshot (no duplicates, no gaps, nothing created after the first page).
// Usage: npm run bench:memory [-- --full]   (default 500 nodes + 15,000 pods; --full: 5,000 + 150,000)
import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { nodes as NODE_DEF, pods as POD_DEF } from '../api/resources.js';
import { allocatePodIP, planPod } from '../controllers/kubelet.js';
import { controllersPlugin } from '../controllers/manager.js';
import { buildNode } from '../server/bootstrap.js';
import { buildServer } from '../server/app.js';
import type { KubeObject } from '../store/object.js';
import { FULL, dataSize, mb, ms, numberArg, podManifest, runBounded, tempDir } from './support.js';

const NODES = numberArg('nodes', FULL ? 5000 : 500);
const PODS = numberArg('pods', FULL ? 150_000 : 15_000);
const QUIET_WINDOW_MS = 12_000;

interface Figures {
  rss: number;
  heapUsed: number;
  ms?: number;
  writes?: number;
}

function memory(): Figures {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** Child 1: seeds the data file through the registry and reports memory with everything loaded. */
async function seed(file: string): Promise<Figures> {
  const start = performance.now();
  const app = await buildServer({ data: file, nodes: 0, logLevel: 'silent' });
  const now = new Date();
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const nodeObjs: KubeObject[] = [];
  await runBounded(NODES, 128, async (i) => {
    const node = buildNode(`node-${i + 1}`, i, stamp);
    const status = node.status;
    await app.registry.create(NODE_DEF, undefined, node);
    nodeObjs[i] = await app.registry.patch(NODE_DEF, undefined, `node-${i + 1}`, (current) => ({ ...current, status }), { subresource: 'status' });
  });
  const used = nodeObjs.map(() => new Set<string>());
  await runBounded(PODS, 128, async (i) => {
    const n = i % NODES;
    const name = `agent-${i}`;
    const node = nodeObjs[n] as unknown as Node;
    let pod = await app.registry.create(POD_DEF, 'default', podManifest(name, { nodeName: node.metadata!.name! }));
    // The kubelet's own two steps (ContainerCreating, then Running), with no start-up delay.
    for (let step = 0; step < 2; step++) {
      const plan = planPod(pod as unknown as Pod, {
        node,
        now,
        startupDelayMs: 0,
        stopDelayMs: 0,
        allocatePodIP: () => {
          const ip = allocatePodIP(node.spec?.podCIDR, used[n]!);
          if (ip) used[n]!.add(ip);
          return ip;
        },
        newContainerID: () => i.toString(16).padStart(64, '0'),
        imagePresent: () => true,
        pulling: new Set(),
        killingRecorded: false,
      });
      pod = await app.registry.patch(POD_DEF, 'default', name, (current) => ({ ...current, status: plan.status }), { subresource: 'status' });
    }
  });
  const figures = { ...memory(), ms: performance.now() - start };
  await app.close();
  return figures;
}

/** Child 2: restarts on the data with every controller, then watches a quiet window. */
async function restart(file: string): Promise<{ loaded: Figures; settled: Figures; paging: PagingResult }> {
  const start = performance.now();
  const app = await buildServer({ data: file, logLevel: 'silent', plugins: [controllersPlugin()] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const loaded = { ...memory(), ms: performance.now() - start };
  const store = app.registry.store;
  // Let the controllers make their first pass (leases get created), then count writes in a quiet window.
  const leases = { group: 'coordination.k8s.io', resource: 'leases' };
  const deadline = performance.now() + 600_000;
  while (store.count(leases) < NODES && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2000));
  const rv = store.resourceVersion;
  await new Promise((r) => setTimeout(r, QUIET_WINDOW_MS));
  const settled = { ...memory(), writes: store.resourceVersion - rv };
  const address = app.server.address();
  const paging = await pageWhileWriting(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  await app.close();
  return { loaded, settled, paging };
}

interface PagingResult {
  pages: number;
  items: number;
  duplicates: number;
  /** Names created before the first page that no page returned. */
  missing: number;
  /** Names created after the first page that a page returned anyway (the snapshot leaked). */
  leaked: number;
  writes: number;
  ms: number;
}

/**
 * Scale correctness: pages through every pod with limit=500 while a writer keeps creating pods and
 * relabelling existing ones. Upstream serves every continue page from the first page's snapshot,
 * so the pages must hold each pod that existed then exactly once, and nothing created later.
 */
async function pageWhileWriting(url: string): Promise<PagingResult> {
  const { request } = await import('undici');
  const before = new Set(Array.from({ length: PODS }, (_, i) => `agent-${i}`));
  const created = new Set<string>();
  let writing = true;
  let writes = 0;
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const name = `late-${i}`;
      created.add(name);
      await request(`${url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(podManifest(name, { nodeName: 'node-1' })) }).then((r) => r.body.dump());
      const target = `agent-${(i * 7919) % PODS}`;
      await request(`${url}/api/v1/namespaces/default/pods/${target}`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { paged: String(i) } } }) }).then((r) => r.body.dump());
      writes += 2;
    }
  })();
  const start = performance.now();
  const seen = new Map<string, number>();
  let pages = 0;
  let token: string | undefined;
  do {
    const res = await request(`${url}/api/v1/namespaces/default/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    if (res.statusCode !== 200) throw new Error(`LIST page ${pages + 1}: ${res.statusCode} ${await res.body.text()}`);
    const list = (await res.body.json()) as { metadata: { continue?: string }; items: Array<{ metadata: { name: string } }> };
    pages++;
    for (const item of list.items) seen.set(item.metadata.name, (seen.get(item.metadata.name) ?? 0) + 1);
    token = list.metadata.continue || undefined;
  } while (token);
  const elapsed = performance.now() - start;
  writing = false;
  await writer;
  let duplicates = 0;
  for (const count of seen.values()) if (count > 1) duplicates += count - 1;
  let missing = 0;
  for (const name of before) if (!seen.has(name)) missing++;
  // The writer's first create may land before the first page: only those after it count as leaks.
  const leaked = [...created].filter((n) => n !== 'late-0' && seen.has(n)).length;
  return { pages, items: [...seen.values()].reduce((a, b) => a + b, 0), duplicates, missing, leaked, writes, ms: elapsed };
}

async function inChild<T>(args: string[]): Promise<T> {
  // The sizes (--full, --nodes, --pods) go to the child too.
  const child = fork(fileURLToPath(import.meta.url), [...args, ...process.argv.slice(2)], { stdio: 'inherit', execArgv: ['--expose-gc', '--max-old-space-size=4096'] });
  return new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const tmp = await tempDir();
  try {
    const file = path.join(tmp.dir, 'data.json');
    const seeded = await inChild<Figures>(['--seed', file]);
    const disk = await dataSize(file);
    const { loaded, settled, paging } = await inChild<{ loaded: Figures; settled: Figures; paging: PagingResult }>(['--restart', file]);
    const onDisk = disk.snapshot + disk.journal;
    console.log(`memory: ${NODES} nodes + ${PODS} Running pods (plus their leases after the restart)`);
    console.log(`  seeding through the registry (durable):  ${ms(seeded.ms!)}; then RSS ${mb(seeded.rss)}, heap ${mb(seeded.heapUsed)}`);
    console.log(`  on disk after a clean stop:              snapshot ${mb(disk.snapshot)}, journal ${mb(disk.journal)}`);
    console.log(`  restart with all controllers, to listening: ${ms(loaded.ms!)}; RSS ${mb(loaded.rss)}, heap ${mb(loaded.heapUsed)}`);
    console.log(`  settled, controllers running:            RSS ${mb(settled.rss)}, heap ${mb(settled.heapUsed)}  (target <= 2048 MiB)`);
    console.log(`  writes in a ${QUIET_WINDOW_MS / 1000} s quiet window: ${settled.writes} (at most about ${Math.ceil(QUIET_WINDOW_MS / 10_000) * NODES + Math.ceil(QUIET_WINDOW_MS / 40_000) * NODES}: each node's lease renewed every 10 s and its status heartbeat every 40 s; nothing else changes)`);
    console.log(`  ratio settled RSS / on-disk JSON:        ${(settled.rss / onDisk).toFixed(2)}`);
    const consistent = paging.duplicates === 0 && paging.missing === 0 && paging.leaked === 0;
    console.log(`  LIST limit=500 through ${PODS} pods during ${paging.writes} concurrent writes: ${paging.pages} pages, ${paging.items} items in ${ms(paging.ms)};`);
    console.log(`    duplicates ${paging.duplicates}, missing ${paging.missing}, created after the first page but listed ${paging.leaked}: ${consistent ? 'consistent' : 'INCONSISTENT'}`);
    if (!consistent) process.exitCode = 1;
  } finally {
    await tmp.remove();
  }
}

const role = process.argv.find((a) => a === '--seed' || a === '--restart');
if (role === '--seed') process.send!(await seed(process.argv[process.argv.indexOf('--seed') + 1]!));
else if (role === '--restart') process.send!(await restart(process.argv[process.argv.indexOf('--restart') + 1]!));
else await main();
if (role) process.disconnect();
