import t from 'tap';
import path from 'node:path';
import { ObjectStore } from '../../store/store.js';
import { MemoryAdapter } from '../../store/persistence.js';
import { LowdbJournalAdapter } from '../../store/lowdb-adapter.js';
import { clone, sameJsonText, type KubeObject } from '../../store/object.js';
import { SharedSubtrees } from '../../store/shared-subtrees.js';
import { SHARED_SUBTREES, buildServer } from '../../server/app.js';

const PODS = { group: '', resource: 'pods' };
const specOf = (obj: KubeObject) => obj.spec as Record<string, unknown>;

function pod(name: string, image = 'agent:1', labels: Record<string, string> = { app: 'agent' }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: `node-${name}`, containers: [{ name: 'agent', image }], tolerations: [{ operator: 'Exists' }] },
  };
}

t.test('pods stored alike share their containers, tolerations and labels, frozen; what differs stays their own', async (t) => {
  const store = await ObjectStore.open({ adapter: new MemoryAdapter(), sharedSubtrees: SHARED_SUBTREES });
  const a = await store.create(PODS, pod('a'));
  const b = await store.create(PODS, pod('b'));
  const c = await store.create(PODS, pod('c', 'agent:2', { app: 'other' }));
  t.equal(specOf(b).containers, specOf(a).containers, 'one containers list');
  t.equal(specOf(b).tolerations, specOf(a).tolerations, 'one tolerations list');
  t.equal(b.metadata.labels, a.metadata.labels, 'one labels map');
  t.ok(Object.isFrozen((specOf(a).containers as object[])[0]), 'frozen all the way down');
  t.not(specOf(c).containers, specOf(a).containers, 'another image: its own list');
  t.not(c.metadata.labels, a.metadata.labels, 'other labels: its own map');
  t.equal(specOf(c).tolerations, specOf(a).tolerations, 'the same tolerations are still shared');
  t.match(store.get(PODS, 'default', 'b'), pod('b'), 'the stored object reads as it was written');
});

t.test('an update shares too; a subtree kept frozen from the stored version is left as it is', async (t) => {
  const store = await ObjectStore.open({ adapter: new MemoryAdapter(), sharedSubtrees: SHARED_SUBTREES });
  const a = await store.create(PODS, pod('a'));
  const b = await store.create(PODS, pod('b', 'agent:2'));
  const next = clone(b);
  (next.spec as { containers: unknown }).containers = [{ name: 'agent', image: 'agent:1' }];
  const updated = await store.update(PODS, next);
  t.equal(specOf(updated).containers, specOf(a).containers, 'now alike: shared');
  // A copy-on-write patch keeps the stored, frozen subtrees of the object it changes.
  const kept = { ...updated, metadata: { ...updated.metadata }, spec: { ...specOf(updated), nodeName: 'elsewhere' } } as KubeObject;
  const moved = await store.update(PODS, kept);
  t.equal(specOf(moved).containers, specOf(updated).containers, 'the frozen list is kept');
});

t.test('only the listed paths of the listed resources are shared, and values that are not objects are left', async (t) => {
  const sharing = new SharedSubtrees({ pods: [['spec', 'containers'], ['spec', 'missing', 'deeper'], ['metadata', 'name']] });
  const first = pod('a');
  const second = pod('b');
  sharing.share('pods', first);
  sharing.share('pods', second);
  t.equal(specOf(second).containers, specOf(first).containers);
  t.not(specOf(second).tolerations, specOf(first).tolerations, 'not a listed path');
  const node = { metadata: { name: 'n' }, spec: { containers: [] } } as KubeObject;
  const other = { metadata: { name: 'm' }, spec: { containers: [] } } as KubeObject;
  sharing.share('nodes', node);
  sharing.share('nodes', other);
  t.not(specOf(other).containers, specOf(node).containers, 'not a listed resource');
  t.notOk(Object.isFrozen(specOf(node).containers), 'and left unfrozen');
});

t.test('objects loaded from the data file are shared on their first read', async (t) => {
  const file = path.join(t.testdir(), 'data.json');
  const first = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file) });
  await first.create(PODS, pod('a'));
  await first.create(PODS, pod('b'));
  await first.close();
  const reopened = await ObjectStore.open({ adapter: new LowdbJournalAdapter(file), sharedSubtrees: SHARED_SUBTREES });
  const [a, b] = reopened.list(PODS);
  t.equal(specOf(b!).containers, specOf(a!).containers, 'one containers list');
  t.ok(Object.isFrozen(b) && Object.isFrozen(specOf(a!).containers), 'frozen');
  t.match(b, pod('b'), 'unchanged');
  await reopened.close();
});

t.test('every kind of object shares the managedFields trees of what one manager wrote alike', async (t) => {
  const app = await buildServer({ data: 'memory', nodes: 0, logLevel: 'silent' });
  t.teardown(() => app.close());
  const fieldsOf = (obj: KubeObject) => (obj.metadata.managedFields as Array<{ fieldsV1: Record<string, unknown> }>)[0]!.fieldsV1;
  const post = async (body: unknown) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/namespaces?fieldManager=fixtures', payload: body as object });
    t.equal(res.statusCode, 201, res.body);
    return app.registry.store.get({ group: '', resource: 'namespaces' }, undefined, (body as KubeObject).metadata.name!)!;
  };
  const first = await post({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'one', labels: { team: 'a' } } });
  const second = await post({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'two', labels: { team: 'b' } } });
  const other = await post({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'three', labels: { tier: 'x' } } });
  t.equal(fieldsOf(second), fieldsOf(first), 'the same fields owned: one tree, whatever the values');
  t.ok(Object.isFrozen(fieldsOf(first)['f:metadata']), 'frozen all the way down');
  t.not(fieldsOf(other), fieldsOf(first), 'another field owned: another tree');
  t.match(fieldsOf(other), { 'f:metadata': { 'f:labels': { '.': {}, 'f:tier': {} } } });
});

t.test('values alike but for the order of their keys are not shared: each keeps its own text', async (t) => {
  const sharing = new SharedSubtrees({ pods: [['metadata', 'labels']] });
  const a = pod('a', 'agent:1', { app: 'agent', tier: 'node' });
  const b = pod('b', 'agent:1', { tier: 'node', app: 'agent' });
  const c = pod('c', 'agent:1', { app: 'agent', tier: 'node' });
  const d = pod('d', 'agent:1', { app: 'agent', tier: 'node' });
  for (const p of [a, b, c, d]) sharing.share('pods', p);
  t.not(b.metadata.labels, a.metadata.labels, 'the other order: its own map');
  t.equal(JSON.stringify(b.metadata.labels), '{"tier":"node","app":"agent"}', 'and its own text');
  t.equal(c.metadata.labels, a.metadata.labels, 'found by its text after another value came in between');
  t.equal(d.metadata.labels, a.metadata.labels, 'and by comparison with the value shared last');
});

t.test('sameJsonText is JSON.stringify(a) === JSON.stringify(b) for plain JSON values', async (t) => {
  const cases: Array<[unknown, unknown]> = [
    [{ a: 1, b: [1, { c: 'x' }] }, { a: 1, b: [1, { c: 'x' }] }],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ a: 1, u: undefined }, { a: 1 }],
    [{ u: undefined, a: 1 }, { a: 1, v: undefined }],
    [{ a: 1, u: undefined }, { a: 1, b: 2 }],
    [[1, 2], { 0: 1, 1: 2 }],
    [{ a: [1] }, { a: [1, 2] }],
    [{ a: null }, { a: {} }],
    [{ a: 1 }, { a: '1' }],
    [{}, []],
    ['x', 'x'],
    [{ a: { b: { c: [true, false, null] } } }, { a: { b: { c: [true, false, null] } } }],
    [{ a: { b: { c: [true, false, null] } } }, { a: { b: { c: [true, null, false] } } }],
  ];
  for (const [a, b] of cases) {
    const expected = JSON.stringify(a) === JSON.stringify(b);
    t.equal(sameJsonText(a, b), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    t.equal(sameJsonText(b, a), expected, 'either way round');
  }
});
