// The fan-out benchmark's API client, on its own thread: a real client is another process, so its
// watch parsing and request encoding must not take turns on the server's event loop. The main
// thread sends tasks one at a time and gets back what the client timed; the thread serves them
// all, so that its code is compiled once, not again (on the server's two cores) in every task.
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { parentPort } from 'node:worker_threads';
import { daemonSetDone, isReady, openWatch, podManifest, pool, postJson, runBounded, until, type WatchEvent } from './support.js';

/** A fan-out: watch pods and DaemonSets from rv, create the DaemonSet, time until n pods are Running+Ready and the status says so. */
export interface FanOutTask {
  task: 'fanout';
  url: string;
  rv: number;
  n: number;
  daemonSet: Record<string, unknown>;
}

/** The same n pods POSTed directly, bound to nodes, in slow-start batches (1, 2, 4, …). */
export interface DirectTask {
  task: 'direct';
  url: string;
  n: number;
}

/** When (ms after the create) the watch had seen every pod: created, bound to its node, Running and Ready. */
export interface Milestones {
  created?: number;
  bound?: number;
  ready?: number;
}

export interface FanOutResult {
  ms: number;
  /** When the DaemonSet was POSTed, as performance.timeOrigin + performance.now() (comparable across threads). */
  startedAt: number;
  podEvents: number;
  dsEvents: number;
  /** Times a watch was ended by the server (the client fell behind) and the client listed again. */
  relists: number;
  milestones: Milestones;
}

/**
 * A watch kept going as client-go's reflector keeps it: when the server ends it (a watcher that
 * falls too far behind is cut off, as upstream does), list again, hand every item on as ADDED,
 * and watch on from the list's resourceVersion.
 */
async function reflect(url: string, listPath: string, rv: number | string, onEvent: (e: WatchEvent) => void): Promise<{ stop(): void; relists(): number }> {
  let stopped = false;
  let relists = 0;
  let watch = await openWatch(`${url}${listPath}?watch=true&resourceVersion=${rv}`, onEvent);
  void (async () => {
    for (;;) {
      const { byServer } = await watch.ended;
      if (!byServer || stopped) return;
      relists++;
      const res = await request(`${url}${listPath}`);
      const list = (await res.body.json()) as { metadata: { resourceVersion: string }; items: Array<Record<string, any>> };
      for (const object of list.items) onEvent({ type: 'ADDED', object });
      watch = await openWatch(`${url}${listPath}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, onEvent);
    }
  })();
  return {
    stop: () => {
      stopped = true;
      watch.stop();
    },
    relists: () => relists,
  };
}

async function fanOut({ url, rv, n, daemonSet }: FanOutTask): Promise<FanOutResult> {
  const ready = new Set<string>();
  const created = new Set<string>();
  const bound = new Set<string>();
  const milestones: Milestones = {};
  let podEvents = 0;
  let dsEvents = 0;
  let dsDone = false;
  let start = performance.now();
  const onPod = (e: WatchEvent) => {
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
  };
  const onDaemonSet = (e: WatchEvent) => {
    dsEvents++;
    dsDone = daemonSetDone(e.object, n);
  };
  const podWatch = await reflect(url, '/api/v1/namespaces/default/pods', rv, onPod);
  const dsWatch = await reflect(url, '/apis/apps/v1/namespaces/default/daemonsets', rv, onDaemonSet);
  const client = pool(url, 4);
  try {
    start = performance.now();
    await postJson(client, '/apis/apps/v1/namespaces/default/daemonsets', daemonSet);
    await until(() => ready.size === n && dsDone, 120_000 + n * 200, `${n} pods Running and Ready and the DaemonSet status`, 5);
    return { ms: performance.now() - start, startedAt: performance.timeOrigin + start, podEvents, dsEvents, relists: podWatch.relists() + dsWatch.relists(), milestones };
  } finally {
    podWatch.stop();
    dsWatch.stop();
    await client.close();
  }
}

async function direct({ url, n }: DirectTask): Promise<number> {
  const client = pool(url, 64);
  try {
    const start = performance.now();
    for (let pos = 0, batch = 1; pos < n; pos += batch, batch = Math.min(2 * batch, n - pos)) {
      await runBounded(batch, batch, (i) => postJson(client, '/api/v1/namespaces/default/pods', podManifest(`agent-${pos + i}`, { nodeName: `node-${pos + i + 1}` })).then(() => undefined));
    }
    return performance.now() - start;
  } finally {
    await client.close();
  }
}

parentPort!.on('message', (task: FanOutTask | DirectTask) => {
  void (task.task === 'fanout' ? fanOut(task) : direct(task)).then(
    (answer) => parentPort!.postMessage({ answer }),
    (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
