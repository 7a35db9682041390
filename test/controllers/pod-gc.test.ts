import t from 'tap';
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { buildServer } from '../../server/app.js';
import { buildNode } from '../../server/bootstrap.js';
import { nodes, pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { controllersPlugin } from '../../controllers/manager.js';
import { planPodGc, podGcController } from '../../controllers/pod-gc.js';
import type { KubeObject } from '../../store/object.js';
import { eventually } from '../helpers/cluster.js';

function pod(name: string, extra: { nodeName?: string; phase?: string; deleting?: boolean; created?: string } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z',
      ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
    status: { phase: extra.phase ?? 'Running' },
  };
}

function node(name: string, extra: { notReady?: boolean; outOfService?: boolean } = {}): Node {
  const n = buildNode(name, 0, '2026-01-01T00:00:00Z') as unknown as Node;
  if (extra.notReady) n.status!.conditions = n.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown' } : c));
  if (extra.outOfService) n.spec = { ...n.spec, taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] };
  return n;
}

t.test('pod GC picks orphans, unscheduled terminating pods and terminating pods of out-of-service nodes', async (t) => {
  const input = [
    pod('on-live-node', { nodeName: 'node-1' }),
    pod('orphan', { nodeName: 'gone' }),
    pod('orphan-failed', { nodeName: 'gone', phase: 'Failed' }),
    pod('pending'),
    pod('pending-deleted', { deleting: true }),
    pod('terminating-live', { nodeName: 'node-1', deleting: true }),
    pod('terminating-oos', { nodeName: 'node-2', deleting: true }),
    pod('running-oos', { nodeName: 'node-2' }),
    pod('terminating-oos-ready', { nodeName: 'node-3', deleting: true }),
  ];
  const actions = planPodGc({ pods: input, nodes: [node('node-1'), node('node-2', { notReady: true, outOfService: true }), node('node-3', { outOfService: true })], terminatedPodThreshold: 0 });
  t.same(actions.map((a) => [a.pod.metadata!.name, a.reason]), [
    ['orphan', 'orphaned'],
    ['orphan-failed', 'orphaned'],
    ['pending-deleted', 'unscheduledTerminating'],
    ['terminating-oos', 'outOfService'],
  ]);
});

t.test('terminated pods beyond the threshold go oldest first, and a threshold of 0 keeps them all', async (t) => {
  const input = [
    pod('new-failed', { nodeName: 'node-1', phase: 'Failed', created: '2026-01-01T00:03:00Z' }),
    pod('old-succeeded', { nodeName: 'node-1', phase: 'Succeeded', created: '2026-01-01T00:01:00Z' }),
    pod('mid-failed', { nodeName: 'node-1', phase: 'Failed', created: '2026-01-01T00:02:00Z' }),
    pod('running', { nodeName: 'node-1', created: '2026-01-01T00:00:00Z' }),
  ];
  const nodesNow = [node('node-1')];
  t.same(planPodGc({ pods: input, nodes: nodesNow, terminatedPodThreshold: 1 }).map((a) => [a.pod.metadata!.name, a.reason]), [
    ['old-succeeded', 'terminated'],
    ['mid-failed', 'terminated'],
  ]);
  t.same(planPodGc({ pods: input, nodes: nodesNow, terminatedPodThreshold: 3 }), []);
  t.same(planPodGc({ pods: input, nodes: nodesNow, terminatedPodThreshold: 0 }), []);
});

const PODS = { group: '', resource: 'pods' };

t.test('pods of a deleted node are marked Failed with DisruptionTarget and force-deleted at once', async (t) => {
  const clock = new FakeClock();
  const app = await buildServer({
    data: 'memory',
    nodes: 3,
    now: () => clock.now(),
    plugins: [controllersPlugin({ clock, controllers: [(r, c) => podGcController(r, c, { terminatedPodThreshold: 1 })] })],
  });
  t.teardown(() => app.close());
  await app.ready();
  for (const name of ['a', 'b']) await app.registry.create(pods, 'default', { metadata: { name }, spec: { nodeName: 'node-3', containers: [{ name: 'c', image: 'nginx' }] } });
  await app.registry.create(pods, 'default', { metadata: { name: 'elsewhere' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] } });

  const seen: Array<[string, string, string | undefined]> = [];
  const watch = app.registry.watch(pods, { resourceVersion: String(app.registry.store.resourceVersion) }, {
    event: (type, obj) => seen.push([type, obj.metadata.name!, (obj.status as PodStatus | undefined)?.phase]),
    bookmark: () => {},
  });
  t.teardown(() => watch.stop());
  await app.registry.delete(nodes, undefined, 'node-3');
  await eventually(() => !app.registry.store.get(PODS, 'default', 'a') && !app.registry.store.get(PODS, 'default', 'b'), { timeoutMs: 5000 });
  t.same(seen.filter(([, name]) => name === 'a'), [
    ['MODIFIED', 'a', 'Failed'],
    ['DELETED', 'a', 'Failed'],
  ]);
  t.ok(app.registry.store.get(PODS, 'default', 'elsewhere'), 'pods of live nodes stay');

  // The threshold counts terminated pods across the cluster (here 1).
  for (const name of ['done-1', 'done-2']) {
    await app.registry.create(pods, 'default', { metadata: { name }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] } });
    clock.advance(1000);
  }
  for (const name of ['done-2', 'done-1']) {
    await app.registry.patch(pods, 'default', name, (p: KubeObject) => ({ ...p, status: { ...(p.status as object), phase: 'Succeeded' } }), { subresource: 'status' });
  }
  await eventually(() => !app.registry.store.get(PODS, 'default', 'done-1'), { timeoutMs: 5000 });
  t.ok(app.registry.store.get(PODS, 'default', 'done-2'), 'the newest terminated pod is kept');
});
