// DaemonSet fan-out: N Ready nodes with every controller running on a durable (lowdb + journal)
// store; create one DaemonSet and time until a watch has seen N pods Running and Ready and the
// DaemonSet status reports N ready and updated. Side by side in the same run: the same N pods
// created directly through the API (durable store, no controllers) in the controller's slow-start
// batches (1, 2, 4, …), which is the same concurrency the DaemonSet controller uses. The client
// (watches and POSTs) runs on its own thread, as a real client is another process.
// Usage: npm run bench:fanout [-- --full] [-- --nodes N] [-- --startup-delay-ms N] [-- --warm-up N] [-- --runs N] [-- --profile FILE]
// (default 200 nodes; --full: 1,000 and 5,000, each with the kubelet's default 500 ms ContainerCreating
// and without it, through a PodStage with startup.delayMs 0; --warm-up: fan-outs at the first size
// before anything is measured (default 1, --full 3); --runs: fan-outs per figure, the median
// reported (default 1, --full 3))
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { podStages } from '../api/steering-resources.js';
import { eventSinkOf } from '../controllers/events.js';
import type { ObjectStore } from '../store/store.js';
import { Worker } from 'node:worker_threads';
import { FULL, daemonSetDone, isReady, listen, mainThreadCpuMs, ms, numberArg, podManifest, profiled, settledCluster, tempDir, until } from './support.js';
import type { DirectTask, FanOutResult, FanOutTask } from './fanout-client.js';

const sizes = process.argv.includes('--nodes') ? [numberArg('nodes', 200)] : FULL ? [1000, 5000] : [200];
const WARM_UPS = numberArg('warm-up', FULL ? 3 : 1);
const RUNS = Math.max(1, numberArg('runs', FULL ? 3 : 1));

/**
 * The client (bench/fanout-client.ts): one thread for the whole run, given one task at a time.
 * Unref'd, so that it does not keep the process alive once every task is answered.
 */
let clientThread: Worker | undefined;

/** Runs one task on the client thread and returns its answer. */
function onClientThread<T>(task: FanOutTask | DirectTask): Promise<T> {
  if (!clientThread) {
    clientThread = new Worker(new URL('./fanout-client.js', import.meta.url));
    clientThread.unref();
  }
  const worker = clientThread;
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the client thread exited with ${code} before answering`));
    worker.once('exit', onExit);
    worker.once('error', reject);
    worker.once('message', (m: { answer: T } | { error: string }) => {
      worker.off('exit', onExit);
      worker.off('error', reject);
      if ('error' in m) reject(new Error(`the client thread failed: ${m.error}`));
      else resolve(m.answer);
    });
    worker.postMessage(task);
  });
}

/** When, inside the server, the last pod was created, bound, ContainerCreating (the kubelet's first write) and Ready, and the status said so. */
interface StoreMilestones {
  created: number;
  bound: number;
  creating: number;
  ready: number;
  status: number;
}

/**
 * The same end point seen inside the server process, by a watch on the store itself: no JSON, no
 * socket, no client thread to fall behind (at 5,000 nodes the client thread, sharing two cores
 * with the server, can lag by seconds and be cut off). stop(since) returns how long after `since`
 * (as performance.timeOrigin + performance.now()) every pod was Running+Ready and the status said
 * so, and when each step was last taken, which shows where a fan-out's time went.
 */
function storeWatch(store: ObjectStore, rv: number, n: number): { stop(since: number): { ms: number; milestones: StoreMilestones } } {
  const ready = new Set<string>();
  const seen = { created: new Set<string>(), bound: new Set<string>(), creating: new Set<string>() };
  const milestones: StoreMilestones = { created: Number.NaN, bound: Number.NaN, creating: Number.NaN, ready: Number.NaN, status: Number.NaN };
  let dsDone = false;
  let doneAt = Number.NaN;
  const now = () => performance.timeOrigin + performance.now();
  const mark = (step: keyof typeof seen, name: string) => {
    if (seen[step].has(name)) return;
    seen[step].add(name);
    if (seen[step].size === n) milestones[step] = now();
  };
  const check = () => {
    if (Number.isNaN(doneAt) && dsDone && ready.size === n) doneAt = now();
  };
  const pods = store.watch({ group: '', resource: 'pods' }, { namespace: 'default', fromResourceVersion: rv, onEvent: (e) => {
    const name = e.object.metadata.name!;
    mark('created', name);
    if ((e.object.spec as { nodeName?: string } | undefined)?.nodeName) mark('bound', name);
    if ((e.object.status as { startTime?: string } | undefined)?.startTime) mark('creating', name);
    if (e.type !== 'DELETED' && isReady(e.object)) ready.add(name);
    else ready.delete(name);
    if (ready.size === n && Number.isNaN(milestones.ready)) milestones.ready = now();
    check();
  } });
  const daemonSets = store.watch({ group: 'apps', resource: 'daemonsets' }, { namespace: 'default', fromResourceVersion: rv, onEvent: (e) => {
    dsDone = daemonSetDone(e.object, n);
    if (dsDone && Number.isNaN(milestones.status)) milestones.status = now();
    check();
  } });
  return {
    stop(since) {
      pods.stop();
      daemonSets.stop();
      const after = (at: number) => at - since;
      return {
        ms: after(doneAt),
        milestones: { created: after(milestones.created), bound: after(milestones.bound), creating: after(milestones.creating), ready: after(milestones.ready), status: after(milestones.status) },
      };
    },
  };
}

type FanOutFigures = FanOutResult & { storeMs: number; storeMilestones: StoreMilestones; loadMs: number; busyMs: number; cpuMs: number; processCpuMs: number; writes: number; eventsTrailMs: number; allWrites: number };

async function fanOut(n: number, startupDelayMs?: number): Promise<FanOutFigures> {
  const tmp = await tempDir();
  try {
    const file = path.join(tmp.dir, 'data.json');
    const server = await settledCluster(file, n);
    const { loadMs } = server;
    try {
      const store = server.app.registry.store;
      if (startupDelayMs !== undefined) {
        // How long a pod stays ContainerCreating is a simulated wait, not work: a PodStage sets it.
        await server.app.registry.create(podStages, undefined, { metadata: { name: 'bench-startup' }, spec: { selector: { matchLabels: { app: 'monitoring-agent' } }, startup: { delayMs: startupDelayMs } } });
        await new Promise((r) => setTimeout(r, 100));
      }
      const rv = store.resourceVersion;
      const daemonSet = {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'monitoring-daemon' },
        spec: { selector: { matchLabels: { app: 'monitoring-agent' } }, template: { metadata: { labels: { app: 'monitoring-agent' } }, spec: (podManifest('x') as { spec: unknown }).spec } },
      };
      const storeDone = storeWatch(store, rv, n);
      const busyBefore = performance.eventLoopUtilization();
      const cpuBefore = mainThreadCpuMs();
      const processCpuBefore = process.cpuUsage();
      const result = await profiled(() => onClientThread<FanOutResult>({ task: 'fanout', url: server.url, rv, n, daemonSet }));
      const { ms: storeMs, milestones: storeMilestones } = storeDone.stop(result.startedAt);
      // Time the server's event loop was busy (not waiting for I/O or timers): steadier than wall time on a noisy machine.
      const busyMs = performance.eventLoopUtilization(busyBefore).active;
      const cpuAfter = mainThreadCpuMs();
      const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : Number.NaN;
      // Every thread of the process: the server's, the client's, and V8's compiler and GC threads.
      const processCpu = process.cpuUsage(processCpuBefore);
      const processCpuMs = (processCpu.user + processCpu.system) / 1000;
      const writes = store.resourceVersion - rv;
      // Events are written in the background (EventSink) and trail the pods: how long, and how many writes in all.
      const endedAt = performance.now();
      await until(() => eventSinkOf(server.app.registry).idle, 120_000, 'events written');
      return { ...result, storeMs, storeMilestones, loadMs, busyMs, cpuMs, processCpuMs, writes, eventsTrailMs: performance.now() - endedAt, allWrites: store.resourceVersion - rv };
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
    try {
      return await onClientThread<number>({ task: 'direct', url: server.url, n });
    } finally {
      await server.close();
    }
  } finally {
    await tmp.remove();
  }
}

/** runs fan-outs one after the other; the one of median time, with every run's time. */
async function medianFanOut(n: number, startupDelayMs?: number): Promise<FanOutFigures & { runsMs: number[] }> {
  const results: FanOutFigures[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await fanOut(n, startupDelayMs));
  const runsMs = results.map((r) => r.ms);
  // Of an even number of runs, the faster of the middle two.
  const median = [...results].sort((a, b) => a.ms - b.ms)[(results.length - 1) >> 1]!;
  return { ...median, runsMs };
}

const report = (n: number, label: string, result: FanOutFigures & { runsMs?: number[] }, baseline: number) => {
  console.log(`fan-out, ${n} nodes (durable store, all controllers), ${label}:`);
  console.log(`  restart with ${n} nodes to listening:           ${ms(result.loadMs)}`);
  console.log(`  DaemonSet created -> ${n} pods Running+Ready, status ${n}/${n}: ${ms(result.ms)}  (${(result.ms / n).toFixed(2)} ms per pod)${result.runsMs && result.runsMs.length > 1 ? `, the median of ${result.runsMs.length} runs: ${result.runsMs.map((t) => t.toFixed(0)).join(', ')} ms` : ''}`);
  console.log(`    the same seen by a watch inside the server process (no client thread to fall behind): ${ms(result.storeMs)}`);
  const s = result.storeMilestones;
  console.log(`      the last pod created at ${ms(s.created)}, bound at ${ms(s.bound)}, ContainerCreating at ${ms(s.creating)}, Running+Ready at ${ms(s.ready)}; status ${n}/${n} at ${ms(s.status)}`);
  const m = result.milestones;
  console.log(`  all ${n} pods seen created at ${ms(m.created ?? NaN)}, bound at ${ms(m.bound ?? NaN)}, Running+Ready at ${ms(m.ready ?? NaN)}`);
  console.log(`  server event loop busy during the fan-out: ${ms(result.busyMs)} (${((100 * result.busyMs) / result.ms).toFixed(0)}% of it); its thread's CPU time: ${ms(result.cpuMs)}; the whole process's (client and V8's compiler and GC threads too): ${ms(result.processCpuMs)}`);
  console.log(`  writes during the fan-out: ${result.writes} (${(result.writes / n).toFixed(1)} per pod); watch events seen: ${result.podEvents} pod, ${result.dsEvents} DaemonSet${result.relists ? ` (${result.relists} relists: the server cut off a watch the client thread could not keep up with)` : ''}`);
  console.log(`  events still being written at the end, all written ${ms(result.eventsTrailMs)} later: ${result.allWrites} writes in all (${(result.allWrites / n).toFixed(1)} per pod)`);
  console.log(`  ratio fan-out / direct creates:                 ${(result.ms / baseline).toFixed(2)}`);
};

// The first fan-out in a process runs code V8 has not optimised yet: its compiler threads then
// take as much CPU as the server's own thread (on two cores, shared with the client). That is
// what the first DaemonSet after a start costs, so it is shown, once, at the first size; the
// figures after it are of a server in use, as the other benchmarks' (servers there are warmed
// up before they are measured). The servers are new each time, the process and its code are not.
{
  const n = sizes[0]!;
  const baseline = await direct(n);
  console.log(`${n} pods POSTed directly, first in this process:  ${ms(baseline)}`);
  report(n, "the first DaemonSet in this process (code not yet optimised), pods ContainerCreating for the kubelet's default 500 ms", await fanOut(n), baseline);
}
// V8 goes on optimising the fan-out's code for a few DaemonSets after the first: at 1,000 nodes the
// second still compiled some 340 functions (against 550 in the first, 80 to 130 from the fourth
// on), on threads that took about as much CPU as the server's own, and its time came down by a
// fifth by the fourth. A server in use has that behind it, so the figures below come after warm-up
// fan-outs at the first size (as bench:writes warms its servers up before it measures).
for (let i = 0; i < WARM_UPS; i++) {
  const r = await fanOut(sizes[0]!);
  console.log(`warm-up fan-out ${i + 1} of ${WARM_UPS}, ${sizes[0]} nodes: ${ms(r.ms)}, process CPU ${ms(r.processCpuMs)} (the server thread's ${ms(r.cpuMs)})`);
}
for (const n of sizes) {
  const baseline = await direct(n);
  console.log(`${n} pods POSTed directly (same slow-start batches):  ${ms(baseline)}`);
  report(n, "pods ContainerCreating for the kubelet's default 500 ms", await medianFanOut(n), baseline);
  // The full run (or --startup-delay-ms N) also times the fan-out with a PodStage's start-up time
  // (0 unless given): the kubelet's 500 ms is a simulated wait, not work.
  if (FULL || process.argv.includes('--startup-delay-ms')) {
    const delay = numberArg('startup-delay-ms', 0);
    report(n, `pods ContainerCreating for ${delay} ms (a PodStage)`, await medianFanOut(n, delay), baseline);
  }
}
