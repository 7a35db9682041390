import t from 'tap';
import { ObjectStore, type StoreEvent } from '../../store/store.js';
import { MemoryAdapter, keyOrdered } from '../../store/persistence.js';
import type { KubeObject } from '../../store/object.js';
import { throwsStatus } from '../helpers/status.js';

const PODS = { group: '', resource: 'pods' };

function pod(name: string, namespace = 'default', extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'i' }] }, ...extra };
}

async function openStore(capacity?: number) {
  return ObjectStore.open({ adapter: new MemoryAdapter(), now: () => new Date('2026-01-02T03:04:05.678Z'), eventLogCapacity: capacity });
}

t.test('create assigns uid, creationTimestamp and increasing resourceVersions', async (t) => {
  const store = await openStore();
  const a = await store.create(PODS, pod('a'));
  const b = await store.create(PODS, pod('b'));
  t.match(a.metadata.uid, /^[0-9a-f-]{36}$/);
  t.equal(a.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
  t.equal(a.metadata.resourceVersion, '1');
  t.equal(b.metadata.resourceVersion, '2');
  t.ok(Object.isFrozen(a.metadata), 'stored objects are frozen');
});

t.test('create of an existing name answers 409 AlreadyExists', async (t) => {
  const store = await openStore();
  await store.create(PODS, pod('a'));
  await throwsStatus(t, store.create(PODS, pod('a')), { code: 409, reason: 'AlreadyExists', message: 'pods "a" already exists' });
});

t.test('update with a stale resourceVersion answers 409 Conflict', async (t) => {
  const store = await openStore();
  const a = await store.create(PODS, pod('a'));
  const next = structuredClone(a) as KubeObject;
  next.metadata.labels = { x: '1' };
  await store.update(PODS, next);
  const stale = structuredClone(a) as KubeObject;
  stale.metadata.labels = { x: '2' };
  await throwsStatus(t, store.update(PODS, stale), { code: 409, reason: 'Conflict' });
});

t.test('an update that changes nothing keeps the resourceVersion and wakes no watcher', async (t) => {
  const store = await openStore();
  const a = await store.create(PODS, pod('a'));
  const events: StoreEvent[] = [];
  store.watch(PODS, { fromResourceVersion: store.resourceVersion, onEvent: (e) => events.push(e) });
  const same = await store.update(PODS, structuredClone(a) as KubeObject);
  t.equal(same.metadata.resourceVersion, a.metadata.resourceVersion);
  t.equal(store.resourceVersion, 1);
  t.same(events, []);
});

t.test('list returns objects sorted by namespace and name, optionally of one namespace', async (t) => {
  const store = await openStore();
  for (const [ns, name] of [['b', 'x'], ['a', 'z'], ['a', 'y'], ['a-b', 'w'], ['a', 'a']] as const) await store.create(PODS, pod(name, ns));
  t.same(store.list(PODS).map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['a-b/w', 'a/a', 'a/y', 'a/z', 'b/x']);
  t.same(store.list(PODS, 'a').map((p) => p.metadata.name), ['a', 'y', 'z']);
  t.same(store.list(PODS, 'c'), []);
});

t.test('watch replays logged events after a resourceVersion, then delivers new ones in order', async (t) => {
  const store = await openStore();
  await store.create(PODS, pod('a'));
  const b = await store.create(PODS, pod('b'));
  const seen: string[] = [];
  store.watch(PODS, { fromResourceVersion: 1, onEvent: (e) => seen.push(`${e.type} ${e.object.metadata.name} ${e.rv}`) });
  await store.delete(PODS, 'default', 'b', { uid: b.metadata.uid });
  t.same(seen, ['ADDED b 2', 'DELETED b 3']);
});

t.test('DELETED carries the final state with a new resourceVersion', async (t) => {
  const store = await openStore();
  await store.create(PODS, pod('a'));
  const final = await store.delete(PODS, 'default', 'a');
  t.equal(final.metadata.resourceVersion, '2');
  t.equal(store.get(PODS, 'default', 'a'), undefined);
});

t.test('a watch from a resourceVersion older than the log answers 410 Gone', async (t) => {
  const store = await openStore(2);
  for (const name of ['a', 'b', 'c', 'd']) await store.create(PODS, pod(name));
  await throwsStatus(t, () => store.watch(PODS, { fromResourceVersion: 1, onEvent: () => {} }), { code: 410, reason: 'Expired' });
  const seen: number[] = [];
  store.watch(PODS, { fromResourceVersion: 2, onEvent: (e) => seen.push(e.rv) });
  t.same(seen, [3, 4]);
});

t.test('a namespace-scoped watch sees only its namespace', async (t) => {
  const store = await openStore();
  const seen: string[] = [];
  store.watch(PODS, { namespace: 'x', fromResourceVersion: 0, onEvent: (e) => seen.push(e.object.metadata.name!) });
  await store.create(PODS, pod('in', 'x'));
  await store.create(PODS, pod('out', 'y'));
  t.same(seen, ['in']);
});

t.test('indexes follow creates, updates and deletes', async (t) => {
  const store = await ObjectStore.open({
    adapter: new MemoryAdapter(),
    indexers: [{ resource: 'pods', name: 'node', keys: (o) => [String((o.spec as { nodeName?: string }).nodeName ?? '')] }],
  });
  const a = await store.create(PODS, pod('a', 'default', { spec: { nodeName: 'n1' } }));
  await store.create(PODS, pod('b', 'default', { spec: { nodeName: 'n1' } }));
  t.same(store.byIndex(PODS, 'node', 'n1').map((p) => p.metadata.name), ['a', 'b']);
  const moved = structuredClone(a) as KubeObject;
  moved.spec = { nodeName: 'n2' };
  await store.update(PODS, moved);
  t.same(store.byIndex(PODS, 'node', 'n1').map((p) => p.metadata.name), ['b']);
  t.same(store.byIndex(PODS, 'node', 'n2').map((p) => p.metadata.name), ['a']);
  // Filed after the entry was read (and its order kept): in order, ahead of the others.
  await store.create(PODS, pod('0', 'default', { spec: { nodeName: 'n1' } }));
  t.same(store.byIndex(PODS, 'node', 'n1').map((p) => p.metadata.name), ['0', 'b']);
  await store.delete(PODS, 'default', 'b');
  await store.delete(PODS, 'default', '0');
  t.same(store.byIndex(PODS, 'node', 'n1'), []);
});

t.test('an update moves an object only in the indexes whose values for it changed, one value or many', async (t) => {
  const labelsOf = (o: KubeObject) => Object.keys(o.metadata.labels ?? {});
  const store = await ObjectStore.open({
    adapter: new MemoryAdapter(),
    indexers: [
      { resource: 'pods', name: 'node', keys: (o) => [String((o.spec as { nodeName?: string }).nodeName ?? '')] },
      { resource: 'pods', name: 'label', keys: labelsOf },
    ],
  });
  const names = (index: string, value: string) => store.byIndex(PODS, index, value).map((p) => p.metadata.name);
  let a = await store.create(PODS, pod('a', 'default', { metadata: { name: 'a', namespace: 'default', labels: { x: '1', y: '1' } }, spec: { nodeName: 'n1' } }));
  const write = async (change: (o: KubeObject) => void) => {
    const next = structuredClone(a) as KubeObject;
    change(next);
    a = await store.update(PODS, next);
  };
  await write((o) => void (o.metadata.labels = { x: '2', y: '2' }));
  t.same([names('node', 'n1'), names('label', 'x'), names('label', 'y')], [['a'], ['a'], ['a']], 'values unchanged: still filed under each');
  await write((o) => void (o.metadata.labels = { y: '2', z: '1' }));
  t.same([names('label', 'x'), names('label', 'y'), names('label', 'z'), names('node', 'n1')], [[], ['a'], ['a'], ['a']], 'one value gone, one kept, one new; the other index untouched');
  await write((o) => void (o.metadata.labels = { z: '1', y: '2' }));
  t.same([names('label', 'y'), names('label', 'z')], [['a'], ['a']], 'the same values in another order');
  await write((o) => void (o.metadata.labels = {}));
  t.same([names('label', 'y'), names('label', 'z'), names('node', 'n1')], [[], [], ['a']], 'no values left');
});

t.test('delete with a mismatched uid precondition answers 409 and keeps the object', async (t) => {
  const store = await openStore();
  await store.create(PODS, pod('a'));
  await throwsStatus(t, store.delete(PODS, 'default', 'a', { uid: 'other' }), { code: 409 });
  t.ok(store.get(PODS, 'default', 'a'));
});

t.test('entriesAt shows a resource as it was at an earlier resourceVersion, from the event log', async (t) => {
  const store = await openStore();
  await store.create(PODS, pod('a'));
  const b = await store.create(PODS, pod('b'));
  await store.create(PODS, pod('d'));
  const rv = store.resourceVersion;
  await store.create(PODS, pod('c'));
  const changed = structuredClone(b) as KubeObject;
  changed.metadata.labels = { changed: 'yes' };
  await store.update(PODS, changed);
  await store.delete(PODS, 'default', 'd');
  await store.delete(PODS, 'default', 'a');
  await store.create(PODS, pod('a'));
  const at = [...store.entriesAt(PODS, rv)];
  t.same(at.map(([k]) => k), ['default/a', 'default/b', 'default/d'], 'created later: absent; deleted since: present');
  t.same(at[1]![1], b, 'changed since: as it was');
  t.notOk(at[0]![1].metadata.labels, 'deleted and re-created: the old one');
  t.same([...store.entriesAt(PODS, rv, 'default/a')].map(([k]) => k), ['default/b', 'default/d'], 'after a start key');
  t.same([...store.entriesAt(PODS, store.resourceVersion)].map(([k]) => k), ['default/a', 'default/b', 'default/c'], 'now: the current objects');
});

t.test('entriesAt before the oldest logged event answers 410', async (t) => {
  const store = await openStore(3);
  for (const n of ['a', 'b', 'c', 'd', 'e']) await store.create(PODS, pod(n));
  t.throws(() => [...store.entriesAt(PODS, 1)], { name: 'StatusError', message: /too old resource version/ });
  t.equal([...store.entriesAt(PODS, store.oldestResourceVersion)].length, store.oldestResourceVersion);
});

t.test('objects loaded from a snapshot are frozen when they are first read', async (t) => {
  const loaded = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', uid: 'u', resourceVersion: '7' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  const store = await ObjectStore.open({ adapter: new MemoryAdapter({ resourceVersion: 7, objects: { pods: { 'default/a': loaded } } }) });
  t.notOk(Object.isFrozen(loaded), 'not frozen by the load itself');
  const read = store.get(PODS, 'default', 'a')!;
  t.equal(read, loaded);
  t.ok(Object.isFrozen(read) && Object.isFrozen((read.spec as { containers: object[] }).containers[0]), 'deep-frozen once read');
  t.ok(Object.isFrozen(store.list(PODS)[0]));
});

t.test('a snapshot is the state at its resourceVersion, in key order, and later writes leave it as it was', async (t) => {
  const store = await openStore();
  for (const name of ['c', 'a', 'b']) await store.create(PODS, pod(name));
  store.list(PODS); // sorts the keys once, so that the snapshot's arrays are the store's own
  await store.create(PODS, pod('d', 'kube-system'));
  const snapshot = store.snapshot();
  const taken = JSON.stringify(snapshot);
  const pods = keyOrdered(snapshot.objects.pods!);
  t.same(pods.keys, ['default/a', 'default/b', 'default/c', 'kube-system/d'], 'keys in order, the one created after the last sort merged in');
  t.same(pods.objects.map((o) => o.metadata.name), ['a', 'b', 'c', 'd'], 'each key beside its object');
  t.equal(snapshot.resourceVersion, 4);
  await store.create(PODS, pod('0'));
  await store.delete(PODS, 'default', 'b');
  store.list(PODS);
  t.equal(JSON.stringify(snapshot), taken, 'a create, a delete and a new sort after it change nothing in it');
  t.same(keyOrdered(store.snapshot().objects.pods!).keys, ['default/0', 'default/a', 'default/c', 'kube-system/d'], 'the next snapshot has them');
});

t.test('an indexer for * files the objects of every resource', async (t) => {
  const store = await ObjectStore.open({ adapter: new MemoryAdapter(), indexers: [{ resource: '*', name: 'owner', keys: (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid) }] });
  const owned = (name: string) => ({ ...pod(name), metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'owner-1' }] } });
  await store.create(PODS, owned('p'));
  await store.create({ group: 'apps', resource: 'controllerrevisions' }, owned('r'));
  t.same(store.byIndex(PODS, 'owner', 'owner-1').map((o) => o.metadata.name), ['p']);
  t.same(store.byIndex({ group: 'apps', resource: 'controllerrevisions' }, 'owner', 'owner-1').map((o) => o.metadata.name), ['r']);
});

t.test('key order stays exact through interleaved creates, deletes and re-creates, and a list already handed out never changes', async (t) => {
  const store = await openStore(1_000_000);
  const model = new Set<string>();
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const listed = () => store.list(PODS).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  let mismatches = 0;
  let held: { keys: string[]; copy: string[] } | undefined;
  for (let step = 0; step < 3000; step++) {
    const name = `p${random(400)}`;
    const namespace = ['a', 'default', 'kube-system'][random(3)]!;
    const key = `${namespace}/${name}`;
    if (model.has(key)) {
      await store.delete(PODS, namespace, name);
      model.delete(key);
    } else {
      await store.create(PODS, pod(name, namespace));
      model.add(key);
    }
    if (random(10) === 0) {
      const keys = listed();
      if (keys.join() !== [...model].sort().join()) mismatches++;
      if (held && held.keys.join() !== held.copy.join()) mismatches++;
      const raw = store.keysAfter(PODS, undefined) as string[];
      held = { keys: raw, copy: [...raw] };
    }
  }
  t.equal(mismatches, 0, 'every list equals the sorted model and no earlier key list was altered');
  t.same(listed(), [...model].sort());
  t.same(store.list(PODS, 'default').map((o) => o.metadata.name), [...model].filter((k) => k.startsWith('default/')).sort().map((k) => k.slice('default/'.length)));
});
