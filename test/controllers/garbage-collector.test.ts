import t, { type Test } from 'tap';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { buildServer } from '../../server/app.js';
import { controllerRevisions, daemonSets, leases, nodes, pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { controllersPlugin } from '../../controllers/manager.js';
import { garbageCollectorController, planDependent, planOwnerDeletion, type ResolvedOwner } from '../../controllers/garbage-collector.js';
import type { KubeObject } from '../../store/object.js';
import { eventually } from '../helpers/cluster.js';

function obj(name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra } };
}

function ref(name: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: true, ...extra };
}

const present = (name: string, meta: Partial<KubeObject['metadata']> = {}): ResolvedOwner => ({ ref: ref(name), state: 'present', owner: obj(name, meta) });
const absent = (name: string): ResolvedOwner => ({ ref: ref(name), state: 'absent' });
const foreground = { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] };

t.test('a dependent is kept, unlinked or deleted according to its owners', async (t) => {
  const cases: Array<[string, KubeObject, ResolvedOwner[], boolean, ReturnType<typeof planDependent>]> = [
    ['no owners', obj('p'), [], false, { kind: 'none' }],
    ['its owner exists', obj('p'), [present('ds')], false, { kind: 'none' }],
    ['its owner is gone', obj('p'), [absent('ds')], false, { kind: 'delete', propagationPolicy: 'Background' }],
    ['gone owner, dependent asks for orphaning', obj('p', { finalizers: ['orphan'] }), [absent('ds')], false, { kind: 'delete', propagationPolicy: 'Orphan' }],
    ['one owner left: only the dangling reference goes', obj('p'), [present('a'), absent('b')], false, { kind: 'removeOwnerReferences', uids: ['uid-b'] }],
    ['one owner left, another deleting in foreground', obj('p'), [present('a'), present('b', foreground)], false, { kind: 'removeOwnerReferences', uids: ['uid-b'] }],
    ['owner deleting in foreground, dependent has dependents', obj('p'), [present('ds', foreground)], true, { kind: 'delete', propagationPolicy: 'Foreground' }],
    ['owner deleting in foreground, a leaf dependent', obj('p'), [present('ds', foreground)], false, { kind: 'delete', propagationPolicy: 'Background' }],
    ['owner kind not served', obj('p'), [{ ref: ref('rs', { kind: 'ReplicaSet' }), state: 'unresolvable' }], false, { kind: 'none' }],
    ['already being deleted', obj('p', { deletionTimestamp: '2026-01-01T00:00:00Z' }), [absent('ds')], false, { kind: 'none' }],
    ['owner being deleted in background (no finalizer)', obj('p'), [present('ds', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['other'] })], false, { kind: 'none' }],
  ];
  for (const [name, dependent, owners, hasDependents, want] of cases) t.same(planDependent(dependent, owners, hasDependents), want, name);
});

t.test('an owner deleted with orphan or foregroundDeletion gets its finalizer removed only when its work is done', async (t) => {
  const linked = (name: string, r: Partial<OwnerReference> = {}, meta: Partial<KubeObject['metadata']> = {}) => obj(name, { ownerReferences: [ref('ds', r)], ...meta });
  const orphaning = obj('ds', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] });
  t.same(planOwnerDeletion(orphaning, [linked('a'), linked('b')]), { orphan: [linked('a'), linked('b')], attempt: [], removeFinalizer: 'orphan' });
  t.same(planOwnerDeletion(orphaning, []), { orphan: [], attempt: [], removeFinalizer: 'orphan' });

  const fg = obj('ds', foreground);
  const terminating = linked('t', {}, { deletionTimestamp: '2026-01-01T00:00:30Z' });
  t.same(planOwnerDeletion(fg, [linked('a'), terminating]), { orphan: [], attempt: [linked('a')] }, 'waits for blocking dependents, even terminating ones');
  const loose = linked('loose', { blockOwnerDeletion: false });
  t.same(planOwnerDeletion(fg, [loose]), { orphan: [], attempt: [loose], removeFinalizer: 'foregroundDeletion' }, 'non-blocking dependents do not hold the owner');
  t.same(planOwnerDeletion(obj('ds'), [linked('a')]), { orphan: [], attempt: [] }, 'an owner not being deleted needs nothing');
});

const DS = {
  metadata: { name: 'agent' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent' }] } },
  },
};

async function cluster(t: Test) {
  const clock = new FakeClock();
  const app = await buildServer({ data: 'memory', nodes: 3, now: () => clock.now(), plugins: [controllersPlugin({ clock, controllers: [garbageCollectorController] })] });
  t.teardown(() => app.close());
  await app.ready();
  const registry = app.registry;
  const ds = await registry.create(daemonSets, 'default', DS);
  const owner: OwnerReference = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true };
  for (const [name, nodeName] of [['agent-a', 'node-1'], ['agent-b', 'node-2']]) {
    await registry.create(pods, 'default', { metadata: { name, labels: { app: 'agent' }, ownerReferences: [owner] }, spec: { nodeName, containers: [{ name: 'agent', image: 'agent' }] } });
  }
  await registry.create(controllerRevisions, 'default', { metadata: { name: 'agent-1', ownerReferences: [owner] }, data: {}, revision: 1 });
  const get = {
    ds: () => registry.store.get({ group: 'apps', resource: 'daemonsets' }, 'default', 'agent'),
    pod: (name: string) => registry.store.get({ group: '', resource: 'pods' }, 'default', name),
    revision: () => registry.store.get({ group: 'apps', resource: 'controllerrevisions' }, 'default', 'agent-1'),
  };
  return { app, registry, ds, owner, get };
}

t.test('background deletion: the owner goes at once, then its pods are deleted gracefully and its revisions removed', async (t) => {
  const { registry, get } = await cluster(t);
  const result = await registry.delete(daemonSets, 'default', 'agent', { propagationPolicy: 'Background' });
  t.ok(result.deleted);
  await eventually(() => !get.revision() && get.pod('agent-a')?.metadata.deletionTimestamp && get.pod('agent-b')?.metadata.deletionTimestamp, { timeoutMs: 5000 });
  t.equal(get.pod('agent-a')!.metadata.deletionGracePeriodSeconds, 30, 'pods terminate gracefully');
});

t.test('foreground deletion keeps the owner until its blocking dependents are gone', async (t) => {
  const { registry, get } = await cluster(t);
  await registry.delete(daemonSets, 'default', 'agent', { propagationPolicy: 'Foreground' });
  t.match(get.ds()!.metadata, { deletionTimestamp: String, finalizers: ['foregroundDeletion'] });
  await eventually(() => !get.revision() && get.pod('agent-a')?.metadata.deletionTimestamp && get.pod('agent-b')?.metadata.deletionTimestamp, { timeoutMs: 5000 });
  t.ok(get.ds(), 'still there while pods terminate');
  // What a kubelet does at the end of the grace period.
  await registry.delete(pods, 'default', 'agent-a', { gracePeriodSeconds: 0 });
  await registry.delete(pods, 'default', 'agent-b', { gracePeriodSeconds: 0 });
  await eventually(() => !get.ds(), { timeoutMs: 5000 });
});

t.test('orphan deletion releases every dependent and then lets the owner go', async (t) => {
  const { registry, get } = await cluster(t);
  const podUid = get.pod('agent-a')!.metadata.uid;
  await registry.delete(daemonSets, 'default', 'agent', { propagationPolicy: 'Orphan' });
  await eventually(() => !get.ds(), { timeoutMs: 5000 });
  t.notOk(get.pod('agent-a')!.metadata.ownerReferences, 'the ownerReferences field is removed when empty');
  t.notOk(get.pod('agent-a')!.metadata.deletionTimestamp);
  t.equal(get.pod('agent-a')!.metadata.uid, podUid);
  t.notOk(get.revision()!.metadata.ownerReferences, 'revisions are released too');
});

t.test('objects whose owners never existed are collected, unless the owner kind is not served', async (t) => {
  const { registry, get, owner } = await cluster(t);
  const stale = { ...owner, uid: '00000000-0000-0000-0000-000000000000' };
  await registry.create(pods, 'default', { metadata: { name: 'dangling', ownerReferences: [stale] }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await registry.create(pods, 'default', { metadata: { name: 'replicaset-child', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: stale.uid }] }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await registry.create(pods, 'default', { metadata: { name: 'two-owners', ownerReferences: [owner, { ...stale, name: 'other', controller: false }] }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await eventually(() => !get.pod('dangling') && get.pod('two-owners')!.metadata.ownerReferences!.length === 1, { timeoutMs: 5000 });
  t.ok(get.pod('replicaset-child'), 'an unresolvable owner keeps the dependent');
  t.same(get.pod('two-owners')!.metadata.ownerReferences!.map((r) => r.uid), [owner.uid], 'only the dangling reference went');
});

t.test('a write to a dependent whose owners all exist enqueues no check, as upstream\'s graph builder', async (t) => {
  const { app, registry, get, owner } = await cluster(t);
  const podKeys = garbageCollectorController(registry, new FakeClock()).watches.find((w) => w.def === pods)!.keys;
  t.same(podKeys(get.pod('agent-a')!), [], 'owner present: nothing to check');
  const stale = await registry.create(pods, 'default', { metadata: { name: 'stale', ownerReferences: [{ ...owner, uid: 'not-the-owner' }] }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  // (The running collector may have deleted it already: then it is also reported gone.)
  t.equal(podKeys(stale)[0], 'dependent|pods|default|stale', 'an owner of another uid: checked');
  await registry.delete(daemonSets, 'default', 'agent', { propagationPolicy: 'Foreground' });
  t.same(podKeys(get.pod('agent-a')!), ['dependent|pods|default|agent-a', 'owner|daemonsets.apps|default|agent'], 'owner deleting in foreground: the dependent and the owner');
  await app.close();
});

t.test('a node lease goes with its node', async (t) => {
  const { registry } = await cluster(t);
  const node = registry.store.get({ group: '', resource: 'nodes' }, undefined, 'node-3')!;
  await registry.create(leases, 'kube-node-lease', {
    metadata: { name: 'node-3', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-3', uid: node.metadata.uid! }] },
    spec: { holderIdentity: 'node-3', leaseDurationSeconds: 40 },
  });
  await registry.delete(nodes, undefined, 'node-3');
  await eventually(() => !registry.store.get({ group: 'coordination.k8s.io', resource: 'leases' }, 'kube-node-lease', 'node-3'), { timeoutMs: 5000 });
  t.pass('lease collected');
});
