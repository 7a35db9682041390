// Crash safety of the real server process: bursts of concurrent writes over HTTP, SIGKILL at a
// random moment, restart on the same data file, and check that every acknowledged write is there
// (and every acknowledged delete is not), that nothing half-written is visible, and that the
// resourceVersion counter never goes backwards. Each restart is the next round's server.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { decodeJournal } from '../../store/lowdb-adapter.js';
import type { KubeObject } from '../../store/object.js';
import { startServer, type ServerProcess } from '../helpers/cluster.js';

const ROUNDS = 20;
const POD_WORKERS = 12;
const NAMESPACE_WORKERS = 2;

type Op = 'create' | 'patch' | 'delete';

/** What the client knows of one object: what was acknowledged, and what may be in flight. */
interface Tracked {
  kind: 'pod' | 'namespace';
  name: string;
  /** uid from the acknowledged create. */
  uid?: string;
  /** The label `v` of the last acknowledged write (pods). */
  v: number;
  created: boolean;
  deleted: boolean;
  inflight?: Op;
  inflightV?: number;
}

interface Burst {
  maxAckedRV: number;
  acked: number;
}

function rvOf(body: unknown): number {
  const rv = (body as KubeObject | undefined)?.metadata?.resourceVersion;
  return rv ? Number(rv) : 0;
}

/** Sends one request; resolves with the parsed body of a 2xx answer read to the end, undefined otherwise. */
async function send(pool: Pool, method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, contentType = 'application/json'): Promise<KubeObject | undefined> {
  try {
    const res = await pool.request({ method, path, headers: body === undefined ? {} : { 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) return undefined;
    return JSON.parse(text) as KubeObject;
  } catch {
    return undefined;
  }
}

/** Runs writers against server until stop() is called; every acknowledgement is recorded in tracked. */
function startBurst(server: ServerProcess, round: number, tracked: Map<string, Tracked>): { stop(): void; done: Promise<Burst> } {
  const pool = new Pool(server.url, { connections: POD_WORKERS + NAMESPACE_WORKERS });
  let stopped = false;
  const burst: Burst = { maxAckedRV: 0, acked: 0 };
  const ack = (obj: KubeObject) => {
    burst.acked++;
    burst.maxAckedRV = Math.max(burst.maxAckedRV, rvOf(obj));
  };
  const run = async (entry: Tracked, op: Op, request: () => Promise<KubeObject | undefined>, onAck: (obj: KubeObject) => void): Promise<boolean> => {
    entry.inflight = op;
    const answer = await request();
    if (answer === undefined) return false; // left in flight: the server may or may not have it
    entry.inflight = undefined;
    onAck(answer);
    ack(answer);
    return true;
  };
  const podWorker = async (w: number) => {
    for (let k = 0; !stopped; k++) {
      const name = `p-${round}-${w}-${k}`;
      const entry: Tracked = { kind: 'pod', name, v: -1, created: false, deleted: false };
      tracked.set(`pod/${name}`, entry);
      const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { v: '0' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
      if (!(await run(entry, 'create', () => send(pool, 'POST', '/api/v1/namespaces/default/pods', manifest), (obj) => Object.assign(entry, { created: true, uid: obj.metadata.uid, v: 0 })))) return;
      for (let v = 1; v <= 2 && !stopped; v++) {
        entry.inflightV = v;
        const patch = { metadata: { labels: { v: String(v) } } };
        if (!(await run(entry, 'patch', () => send(pool, 'PATCH', `/api/v1/namespaces/default/pods/${name}`, patch, 'application/merge-patch+json'), () => (entry.v = v)))) return;
      }
      if (stopped) return;
      if ((w + k) % 3 !== 0) {
        if (!(await run(entry, 'delete', () => send(pool, 'DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`), () => (entry.deleted = true)))) return;
      }
    }
  };
  const namespaceWorker = async (w: number) => {
    for (let k = 0; !stopped; k++) {
      const name = `ns-${round}-${w}-${k}`;
      const entry: Tracked = { kind: 'namespace', name, v: -1, created: false, deleted: false };
      tracked.set(`namespace/${name}`, entry);
      if (!(await run(entry, 'create', () => send(pool, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }), (obj) => Object.assign(entry, { created: true, uid: obj.metadata.uid })))) return;
      if (k % 2 === 1 && !stopped) {
        if (!(await run(entry, 'delete', () => send(pool, 'DELETE', `/api/v1/namespaces/${name}`), () => (entry.deleted = true)))) return;
      }
    }
  };
  const done = Promise.all([...Array.from({ length: POD_WORKERS }, (_, w) => podWorker(w)), ...Array.from({ length: NAMESPACE_WORKERS }, (_, w) => namespaceWorker(w))]).then(async () => {
    await pool.destroy();
    return burst;
  });
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}

/** A stored object is complete: identity, version, kind and (for pods) a spec. */
function problemsOf(obj: KubeObject, where: string): string[] {
  const problems: string[] = [];
  const m = obj.metadata ?? {};
  if (!obj.apiVersion || !obj.kind) problems.push(`${where}: no apiVersion/kind`);
  if (!m.name || !m.uid || !m.creationTimestamp || !/^\d+$/.test(m.resourceVersion ?? '')) problems.push(`${where}: incomplete metadata ${JSON.stringify(m)}`);
  if (obj.kind === 'Pod' && !(obj.spec as { containers?: unknown[] } | undefined)?.containers?.length) problems.push(`${where}: pod without containers`);
  return problems;
}

/** Reads the data file and journal a killed process left: both must parse, and every object in them must be complete. */
async function checkFiles(dataFile: string): Promise<string[]> {
  const problems: string[] = [];
  let snapshotText: string | undefined;
  try {
    snapshotText = await readFile(dataFile, 'utf8');
  } catch {
    // no snapshot yet: only the journal holds data
  }
  if (snapshotText !== undefined) {
    const doc = JSON.parse(snapshotText) as { objects: Record<string, Record<string, KubeObject>> };
    for (const [resource, byKey] of Object.entries(doc.objects)) for (const [key, obj] of Object.entries(byKey)) problems.push(...problemsOf(obj, `snapshot ${resource} ${key}`));
  }
  const records = decodeJournal(await readFile(`${dataFile}.journal`, 'utf8'), 'journal');
  for (const r of records) if (r.op === 'put') problems.push(...problemsOf(r.object, `journal ${r.resource} ${r.key}`));
  return problems;
}

async function getJson(server: ServerProcess, path: string): Promise<{ metadata: { resourceVersion: string }; items: KubeObject[] }> {
  const res = await fetch(`${server.url}${path}`);
  return (await res.json()) as { metadata: { resourceVersion: string }; items: KubeObject[] };
}

/** Everything the restarted server must show; returns the failures. */
async function verify(server: ServerProcess, tracked: Map<string, Tracked>, maxAckedRV: number, round: number): Promise<string[]> {
  const failures: string[] = [];
  const pods = await getJson(server, '/api/v1/namespaces/default/pods');
  const namespaces = await getJson(server, '/api/v1/namespaces');
  if (Number(pods.metadata.resourceVersion) < maxAckedRV) failures.push(`list resourceVersion ${pods.metadata.resourceVersion} is below the ${maxAckedRV} served before`);
  const present = new Map<string, KubeObject>();
  for (const p of pods.items) present.set(`pod/${p.metadata.name}`, p);
  for (const n of namespaces.items) present.set(`namespace/${n.metadata.name}`, n);
  for (const [key, obj] of present) failures.push(...problemsOf(obj, `served ${key}`));
  for (const [key, e] of tracked) {
    const obj = present.get(key);
    if (e.deleted) {
      if (obj && !(e.kind === 'namespace' && obj.metadata.deletionTimestamp)) failures.push(`${key}: the delete was acknowledged, but it is still there`);
      continue;
    }
    if (!e.created) continue; // never acknowledged: may or may not exist
    if (!obj) {
      if (e.inflight !== 'delete') failures.push(`${key}: the create was acknowledged, but it is gone`);
      continue;
    }
    if (obj.metadata.uid !== e.uid) failures.push(`${key}: uid ${obj.metadata.uid}, acknowledged ${e.uid}`);
    if (e.kind === 'pod') {
      const v = Number(obj.metadata.labels?.v);
      const allowed = e.inflight === 'patch' ? [e.v, e.inflightV] : [e.v];
      if (!allowed.includes(v)) failures.push(`${key}: label v=${v}, acknowledged ${e.v}${e.inflight === 'patch' ? ` (v=${e.inflightV} in flight)` : ''}`);
    }
  }
  // New writes get higher resourceVersions than any acknowledged before the crash.
  const probe = await fetch(`${server.url}/api/v1/namespaces/default/pods`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `probe-${round}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }),
  });
  const created = (await probe.json()) as KubeObject;
  if (probe.status !== 201) failures.push(`probe create answered ${probe.status}`);
  else if (rvOf(created) <= maxAckedRV) failures.push(`resourceVersion went backwards: a new write got ${rvOf(created)}, ${maxAckedRV} was acknowledged before the crash`);
  // In-flight operations are settled now: the object is as the server shows it.
  for (const [key, e] of tracked) {
    const obj = present.get(key);
    if (obj?.metadata.deletionTimestamp) e.deleted = true; // a terminating namespace goes away on its own
    if (!e.inflight) continue;
    e.inflight = undefined;
    if (!obj) e.deleted = e.created || e.deleted;
    else if (!e.created) Object.assign(e, { created: true, uid: obj.metadata.uid, v: Number(obj.metadata.labels?.v ?? -1) });
    else if (e.kind === 'pod') e.v = Number(obj.metadata.labels?.v);
  }
  return failures;
}

t.test(`acknowledged writes survive ${ROUNDS} SIGKILLs at random moments, and resourceVersions never go backwards`, async (t) => {
  const dir = t.testdir();
  const started = performance.now();
  const tracked = new Map<string, Tracked>();
  let maxAckedRV = 0;
  let server = await startServer(t, { dir, nodes: 1 });
  let totalAcked = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // The journal goes to its writer thread some 0.3 s after a start's first write (the probe of
    // the round before): odd rounds wait for it, even rounds write on the event loop at first.
    if (round % 2 === 1) await new Promise((r) => setTimeout(r, 400));
    const burst = startBurst(server, round, tracked);
    // Kill points spread over the burst, from before the first acknowledgement to well into it.
    const killAfterMs = Math.floor(Math.random() * 600);
    await new Promise((r) => setTimeout(r, killAfterMs));
    const exit = await server.stop('SIGKILL');
    burst.stop();
    const result = await burst.done;
    totalAcked += result.acked;
    maxAckedRV = Math.max(maxAckedRV, result.maxAckedRV);
    t.equal(exit, null, `round ${round}: killed after ${killAfterMs} ms with ${result.acked} writes acknowledged`);
    t.same(await checkFiles(server.dataFile), [], `round ${round}: the files a killed process left parse, and every object in them is complete`);
    server = await startServer(t, { dir, nodes: 1 });
    t.same(await verify(server, tracked, maxAckedRV, round), [], `round ${round}: every acknowledged write is there after the restart`);
    // Reads show only durable state, so a resourceVersion a list served must never be handed out again either.
    maxAckedRV = Math.max(maxAckedRV, Number((await getJson(server, '/api/v1/namespaces/default/pods')).metadata.resourceVersion));
  }
  // A clean stop after all that keeps everything too.
  t.equal(await server.stop('SIGTERM'), 0, 'a clean stop exits 0');
  server = await startServer(t, { dir, nodes: 1 });
  t.same(await verify(server, tracked, maxAckedRV, ROUNDS), [], 'everything is there after a clean stop and start');
  t.ok(totalAcked > ROUNDS, `${totalAcked} writes were acknowledged across the rounds`);
  t.comment(`${ROUNDS} crash rounds in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
