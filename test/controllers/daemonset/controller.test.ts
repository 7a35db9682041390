import t from 'tap';
import type { Registry } from '../../../api/registry.js';
import { controllerRevisions, daemonSets, nodes, pods } from '../../../api/resources.js';
import { FakeClock } from '../../../controllers/clock.js';
import { daemonSetController } from '../../../controllers/daemonset/controller.js';
import { computeHash } from '../../../controllers/daemonset/revisions.js';
import type { Reconciler } from '../../../controllers/runtime.js';
import { buildServer } from '../../../server/app.js';
import type { KubeObject } from '../../../store/object.js';

const DS = {
  metadata: { name: 'agent' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } },
  },
};

async function setup(t: { teardown(fn: () => unknown): void }, nodeCount = 2): Promise<{ registry: Registry; clock: FakeClock; controller: Reconciler }> {
  const app = await buildServer({ data: 'memory', nodes: nodeCount });
  t.teardown(() => app.close());
  const clock = new FakeClock();
  return { registry: app.registry, clock, controller: daemonSetController(app.registry, clock) };
}

const list = (registry: Registry, resource: string, group = '') => registry.store.list({ group, resource }, 'default');
const eventsOf = (registry: Registry) => list(registry, 'events').map((e) => `${e.reason as string}: ${e.message as string}`);
const podNames = (registry: Registry) => list(registry, 'pods').filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!);

t.test('D7: node events wake every DaemonSet; pod and revision events wake their controller or matching DaemonSets', async (t) => {
  const { registry, controller } = await setup(t);
  const a = await registry.create(daemonSets, 'default', DS);
  await registry.create(daemonSets, 'default', { ...DS, metadata: { name: 'other' }, spec: { ...DS.spec, selector: { matchLabels: { app: 'other' } }, template: { ...DS.spec.template, metadata: { labels: { app: 'other' } } } } });
  const keysFor = (def: unknown, obj: KubeObject) => controller.watches.find((w) => w.def === def)!.keys(obj).slice().sort();
  t.same(controller.initialKeys().slice().sort(), ['default/agent', 'default/other']);
  const node = registry.store.list({ group: '', resource: 'nodes' })[0]!;
  t.same(keysFor(nodes, node), [], 'a node seen at start and unchanged wakes nobody');
  const heartbeat = await registry.patch(nodes, undefined, 'node-1', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }] } }), { subresource: 'status' });
  t.same(keysFor(nodes, heartbeat), [], 'a heartbeat flips no verdict');
  const tainted = await registry.patch(nodes, undefined, 'node-1', (n) => ({ ...n, spec: { ...(n.spec as object), taints: [{ key: 'x', effect: 'NoExecute' }] } }));
  t.same(keysFor(nodes, tainted), ['default/agent', 'default/other'], 'a NoExecute taint flips both');
  await registry.create(daemonSets, 'default', { ...DS, metadata: { name: 'tolerant' }, spec: { ...DS.spec, template: { ...DS.spec.template, spec: { ...DS.spec.template.spec, tolerations: [{ operator: 'Exists' }] } } } });
  const relabelled = await registry.patch(nodes, undefined, 'node-1', (n) => ({ ...n, spec: { ...(n.spec as object), taints: [{ key: 'y', effect: 'NoExecute' }] } }));
  t.same(keysFor(nodes, relabelled), [], 'another untolerated taint changes no verdict');
  const cleared = await registry.patch(nodes, undefined, 'node-1', (n) => {
    delete (n.spec as { taints?: unknown }).taints;
    return n;
  });
  t.same(keysFor(nodes, cleared), ['default/agent', 'default/other'], 'only the DaemonSets whose verdict changed');
  const added = await registry.create(nodes, undefined, { metadata: { name: 'node-9' } });
  t.same(keysFor(nodes, added), ['default/agent', 'default/other', 'default/tolerant'], 'a new node wakes every DaemonSet');
  await registry.delete(nodes, undefined, 'node-9');
  t.same(keysFor(nodes, added), ['default/agent', 'default/other', 'default/tolerant'], 'so does a deleted one');
  t.same(keysFor(daemonSets, a), ['default/agent']);
  const owned = { metadata: { name: 'p', namespace: 'default', labels: { app: 'nomatch' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: a.metadata.uid!, controller: true }] } };
  t.same(keysFor(pods, owned), ['default/agent'], 'by controller reference, whatever the labels');
  const staleOwner = { metadata: { ...owned.metadata, ownerReferences: [{ ...owned.metadata.ownerReferences[0]!, uid: 'old-uid' }] } };
  t.same(keysFor(pods, staleOwner), [], 'a reference to a deleted incarnation resolves to nothing');
  t.same(keysFor(pods, { metadata: { name: 'o', namespace: 'default', labels: { app: 'other' } } }), ['default/other'], 'an orphan wakes the DaemonSets selecting it');
  t.same(keysFor(controllerRevisions, { metadata: { name: 'r', namespace: 'default', labels: { app: 'agent' } } }), ['default/agent', 'default/tolerant']);
});

t.test('a sync creates the revision and the pods with SuccessfulCreate events, then writes status once', async (t) => {
  const { registry, controller } = await setup(t);
  await registry.create(daemonSets, 'default', DS);
  await controller.reconcile('default/agent');
  t.equal(list(registry, 'controllerrevisions', 'apps').length, 1);
  const names = podNames(registry);
  t.equal(names.length, 2);
  t.same(eventsOf(registry).sort(), names.map((n) => `SuccessfulCreate: Created pod: ${n}`).sort());
  await controller.reconcile('default/agent');
  const ds = registry.store.get({ group: 'apps', resource: 'daemonsets' }, 'default', 'agent')!;
  t.match(ds.status, { desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, observedGeneration: 1 });
  const rv = registry.store.resourceVersion;
  await controller.reconcile('default/agent');
  t.equal(registry.store.resourceVersion, rv, 'an unchanged status is not written again');
});

t.test('E10: adoption and release go through ownerReferences patches', async (t) => {
  const { registry, controller } = await setup(t, 1);
  const ds = await registry.create(daemonSets, 'default', DS);
  // It carries the current hash: an orphan of an older template would be rolled (and, not being available, at once).
  const hash = computeHash((ds.spec as { template: unknown }).template);
  await registry.create(pods, 'default', { metadata: { name: 'orphan', labels: { app: 'agent', 'controller-revision-hash': hash } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i' }] } });
  await controller.reconcile('default/agent');
  const adopted = registry.store.get({ group: '', resource: 'pods' }, 'default', 'orphan')!;
  t.same(adopted.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  t.same(podNames(registry), ['orphan'], 'the adopted pod covers the node');
  await registry.patch(pods, 'default', 'orphan', (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'debug', 'controller-revision-hash': hash } } }));
  await controller.reconcile('default/agent');
  const released = registry.store.get({ group: '', resource: 'pods' }, 'default', 'orphan')!;
  t.notOk('ownerReferences' in released.metadata, 'the reference is gone, the field with it');
  t.equal(podNames(registry).length, 2, 'a replacement was created');
});

t.test('a sync reads its own pods and the orphans from indexes, not every pod of the namespace', async (t) => {
  const { registry, controller } = await setup(t);
  await registry.create(daemonSets, 'default', DS);
  const other = await registry.create(daemonSets, 'default', { ...DS, metadata: { name: 'other' } });
  // Pods another DaemonSet controls, labelled so that this one's selector matches them too.
  const controlled = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'other', uid: other.metadata.uid!, controller: true };
  for (let i = 0; i < 20; i++) {
    await registry.create(pods, 'default', { metadata: { name: `other-${i}`, labels: { app: 'agent' }, ownerReferences: [controlled] }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  }
  const listed: string[] = [];
  const list = registry.store.list.bind(registry.store);
  registry.store.list = (ref, namespace) => {
    listed.push(`${ref.resource} in ${namespace ?? 'all namespaces'}`);
    return list(ref, namespace);
  };
  await controller.reconcile('default/agent');
  registry.store.list = list;
  t.notOk(listed.includes('pods in default'), `no pods listed: ${listed.join(', ')}`);
  const byOwner = (name: string) => list({ group: '', resource: 'pods' }, 'default').filter((p) => p.metadata.ownerReferences?.[0]?.name === name);
  t.equal(byOwner('agent').length, 2, 'a pod for each node');
  t.equal(byOwner('other').length, 20, "the other DaemonSet's pods are left as they were");
  const orphan = await registry.create(pods, 'default', { metadata: { name: 'orphan', labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  await controller.reconcile('default/agent');
  const adopted = registry.store.get({ group: '', resource: 'pods' }, 'default', 'orphan')!;
  t.equal(adopted.metadata.ownerReferences?.[0]?.name, 'agent', 'an orphan that matches is still found and adopted');
  t.not(adopted.metadata.resourceVersion, orphan.metadata.resourceVersion);
});

t.test('E8: failed-pod back-off lives in the controller instance', async (t) => {
  const { registry, clock, controller } = await setup(t, 1);
  await registry.create(daemonSets, 'default', DS);
  await controller.reconcile('default/agent');
  const fail = async (name: string) => {
    await registry.patch(pods, 'default', name, (p) => ({ ...p, status: { phase: 'Failed' } }), { subresource: 'status' });
  };
  const [first] = podNames(registry);
  await fail(first!);
  await controller.reconcile('default/agent');
  t.ok(eventsOf(registry).includes(`FailedDaemonPod: Found failed daemon pod default/${first} on node node-1, will try to kill it`));
  t.ok(eventsOf(registry).includes(`SuccessfulDelete: Deleted pod: ${first}`));
  await controller.reconcile('default/agent'); // the failed pod is terminating: a replacement is created
  const second = podNames(registry).find((n) => n !== first)!;
  t.ok(second, 'replaced');
  await fail(second);
  clock.advance(400);
  const result = await controller.reconcile('default/agent');
  t.same(result, { requeueAfterMs: 600 }, 'backing off: look again when the second is up');
  t.ok(podNames(registry).includes(second), 'not deleted yet');
  const fresh = daemonSetController(registry, clock);
  await fresh.reconcile('default/agent');
  t.notOk(podNames(registry).includes(second), 'another instance has its own (empty) back-off');
});

t.test('F10: conditions written through /status survive the controller status writes', async (t) => {
  const { registry, controller } = await setup(t, 1);
  await registry.create(daemonSets, 'default', DS);
  const condition = { type: 'Custom', status: 'True', reason: 'Test' };
  await registry.patch(daemonSets, 'default', 'agent', (d) => ({ ...d, status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, conditions: [condition] } }), { subresource: 'status' });
  await controller.reconcile('default/agent');
  await controller.reconcile('default/agent');
  const status = registry.store.get({ group: 'apps', resource: 'daemonsets' }, 'default', 'agent')!.status as Record<string, unknown>;
  t.match(status, { desiredNumberScheduled: 1, currentNumberScheduled: 1, conditions: [condition] });
});

t.test('E11: a DaemonSet being deleted is left alone by reconcile', async (t) => {
  const { registry, controller } = await setup(t, 1);
  await registry.create(daemonSets, 'default', { ...DS, metadata: { name: 'agent', finalizers: ['example.com/hold'] } });
  await registry.delete(daemonSets, 'default', 'agent', { propagationPolicy: 'Foreground' });
  const rv = registry.store.resourceVersion;
  await controller.reconcile('default/agent');
  t.equal(registry.store.resourceVersion, rv, 'no pod, no revision, no status');
});

t.test('reconciling a DaemonSet that no longer exists does nothing', async (t) => {
  const { registry, controller } = await setup(t, 1);
  const rv = registry.store.resourceVersion;
  t.equal(await controller.reconcile('default/missing'), undefined);
  t.equal(registry.store.resourceVersion, rv);
});
