import t from 'tap';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod, PodStatus, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { buildServer } from '../../server/app.js';
import { buildNode } from '../../server/bootstrap.js';
import { pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { controllersPlugin } from '../../controllers/manager.js';
import { kubeletController } from '../../controllers/kubelet.js';
import { desiredNodeTaints, nodeLifecycleController, planNodeLifecycle, planTaintEviction, tryUpdateNodeHealth } from '../../controllers/node-lifecycle.js';
import type { KubeObject } from '../../store/object.js';
import { eventually } from '../helpers/cluster.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const ts = (s: number) => at(s).toISOString().replace('.000Z', 'Z');

function node(readyStatus?: string, heartbeat = 0, extra: { taints?: Taint[]; unschedulable?: boolean; conditions?: NodeCondition[] } = {}): Node {
  const n = buildNode('node-1', 0, ts(heartbeat)) as unknown as Node;
  n.metadata = { ...n.metadata, creationTimestamp: ts(0) };
  if (readyStatus === undefined) delete n.status!.conditions;
  else n.status!.conditions = n.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: readyStatus } : c));
  if (extra.conditions) n.status!.conditions = [...(n.status!.conditions ?? []), ...extra.conditions];
  n.spec = { ...n.spec, ...(extra.taints ? { taints: extra.taints } : {}), ...(extra.unschedulable ? { unschedulable: true } : {}) };
  return n;
}

function lease(renewSeconds: number): Lease {
  return { metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: at(renewSeconds).toISOString().replace('Z', '000Z') } };
}

function pod(name: string, tolerations: Toleration[] = [], ready = true): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }], tolerations },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
];
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

t.test('a node whose lease and heartbeat stop for the grace period is marked Unknown', async (t) => {
  t.same(tryUpdateNodeHealth(node('True'), lease(10), at(30), 40_000, 60_000), { staleAt: at(50).getTime() }, 'the lease keeps it healthy');
  t.same(tryUpdateNodeHealth(node('True', 35), lease(10), at(60), 40_000, 60_000), { staleAt: at(75).getTime() }, 'so does a heartbeat');
  const stale = tryUpdateNodeHealth(node('True'), lease(0), at(40), 40_000, 60_000);
  t.same(
    stale.conditions!.map((c) => [c.type, c.status, c.reason, c.message, c.lastHeartbeatTime, c.lastTransitionTime]),
    ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => [type, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', ts(0), ts(40)]),
  );
  const unknown = node('True');
  unknown.status!.conditions = stale.conditions;
  t.same(tryUpdateNodeHealth(unknown, lease(0), at(90), 40_000, 60_000), {}, 'already Unknown: nothing to write');

  t.same(tryUpdateNodeHealth(node('True'), lease(0), at(100), 40_000, 60_000, at(90).getTime()), { staleAt: at(130).getTime() }, 'a restarted controller first gives the node a fresh grace period');
  t.same(tryUpdateNodeHealth(node(undefined), undefined, at(59), 40_000, 60_000), { staleAt: at(60).getTime() }, 'a new node gets the startup grace period');
  const never = tryUpdateNodeHealth(node(undefined), undefined, at(60), 40_000, 60_000);
  t.same(
    never.conditions!.map((c) => [c.type, c.status, c.reason, c.message, c.lastHeartbeatTime]),
    ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => [type, 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', ts(0)]),
  );
});

t.test('conditions and cordons become the controller taints, swapped without touching other taints', async (t) => {
  const user: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const keyEffect = (taints: Taint[]) => taints.map((x) => `${x.key}:${x.effect}${x.timeAdded ? `@${x.timeAdded}` : ''}`);
  const cases: Array<[string, Node, string[]]> = [
    ['Ready True: none', node('True', 0, { taints: [user] }), ['dedicated:NoSchedule']],
    ['Ready False: not-ready', node('False'), [`node.kubernetes.io/not-ready:NoSchedule@${ts(5)}`, `node.kubernetes.io/not-ready:NoExecute@${ts(5)}`]],
    ['Ready Unknown: unreachable', node('Unknown'), [`node.kubernetes.io/unreachable:NoSchedule@${ts(5)}`, `node.kubernetes.io/unreachable:NoExecute@${ts(5)}`]],
    ['cordoned', node('True', 0, { unschedulable: true }), [`node.kubernetes.io/unschedulable:NoSchedule@${ts(5)}`]],
    ['network unavailable', node('True', 0, { conditions: [{ type: 'NetworkUnavailable', status: 'True' }] }), [`node.kubernetes.io/network-unavailable:NoSchedule@${ts(5)}`]],
    [
      'Ready again: controller taints go, user taints stay',
      node('True', 0, { taints: [user, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: ts(1) }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: ts(1) }] }),
      ['dedicated:NoSchedule'],
    ],
    [
      'Unknown to False swaps the keys; a kept taint keeps its timeAdded',
      node('False', 0, { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: ts(1) }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: ts(1) }] }),
      [`node.kubernetes.io/unschedulable:NoSchedule@${ts(1)}`, `node.kubernetes.io/not-ready:NoSchedule@${ts(5)}`, `node.kubernetes.io/not-ready:NoExecute@${ts(5)}`],
    ],
  ];
  for (const [name, n, want] of cases) t.same(keyEffect(desiredNodeTaints(n, n.status!.conditions ?? [], at(5))), want, name);
});

t.test('NoExecute eviction honours tolerations and tolerationSeconds counted from timeAdded', async (t) => {
  const unreachable: Taint[] = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: ts(100) }];
  const names = (plan: { evict: Pod[] }) => plan.evict.map((p) => p.metadata!.name);
  const all = [pod('plain'), pod('daemon', DAEMON_TOLERATIONS), pod('default', DEFAULT_TOLERATIONS), pod('noschedule-only', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }])];
  t.same(planTaintEviction(unreachable, all, at(100)), { evict: [all[0], all[3]], requeueAfterMs: 300_000 });
  t.same(names(planTaintEviction(unreachable, all, at(399))), ['plain', 'noschedule-only']);
  t.same(names(planTaintEviction(unreachable, all, at(400))), ['plain', 'default', 'noschedule-only'], 'daemon pods tolerate forever');
  const zero = pod('zero', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -5 }]);
  t.same(names(planTaintEviction(unreachable, [zero], at(100))), ['zero'], 'zero or negative seconds evict at once');
  const terminating = { ...pod('bye'), metadata: { ...pod('bye').metadata, deletionTimestamp: ts(90) } };
  t.same(planTaintEviction(unreachable, [terminating], at(100)), { evict: [] }, 'a terminating pod is left to finish');
  const two: Taint[] = [...unreachable, { key: 'maintenance', effect: 'NoExecute', timeAdded: ts(200) }];
  const both = pod('both', [...DEFAULT_TOLERATIONS, { key: 'maintenance', operator: 'Exists', tolerationSeconds: 60 }]);
  t.same(planTaintEviction(two, [both], at(200)), { evict: [], requeueAfterMs: 60_000 }, 'the toleration that runs out first decides');
  t.same(planTaintEviction([{ key: 'x', effect: 'NoSchedule' }], [pod('plain')], at(100)), { evict: [] }, 'NoSchedule never evicts');
});

t.test('a node going stale is marked Unknown, tainted, its pods marked not ready and untolerating pods evicted', async (t) => {
  const pods = [pod('plain'), pod('daemon', DAEMON_TOLERATIONS), pod('already-unready', [], false)];
  const plan = planNodeLifecycle({ node: node('True'), lease: lease(0), pods, now: at(41), gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 });
  t.same(plan.conditions!.find((c) => c.type === 'Ready')!.status, 'Unknown');
  t.same(plan.taints!.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  t.same(plan.nodeEvents, ['NodeNotReady']);
  t.same(plan.markNotReady.map((p) => p.metadata!.name), ['plain', 'daemon']);
  t.same(plan.evict.map((p) => p.metadata!.name), ['plain', 'already-unready']);

  const healthy = planNodeLifecycle({ node: node('True'), lease: lease(30), pods, now: at(41), gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 });
  t.same(healthy, { nodeEvents: [], markNotReady: [], evict: [], requeueAfterMs: 29_000 }, 'a healthy node needs nothing until its lease could expire');

  // Upstream marks pods not ready only when it turns a Ready node not ready itself.
  const alreadyUnknown = planNodeLifecycle({ node: node('Unknown'), lease: lease(0), pods, now: at(100), gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 });
  t.same(alreadyUnknown.markNotReady, [], 'a node already Unknown: its pods were marked when it went');
  const kubeletNotReady = planNodeLifecycle({ node: node('False'), lease: lease(95), pods, now: at(100), gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 });
  t.same(kubeletNotReady.markNotReady, [], 'a kubelet reporting NotReady itself keeps its pods as it reports them');
  t.same(kubeletNotReady.nodeEvents, []);
  t.same(kubeletNotReady.taints!.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute'], 'but it is tainted');
});

const PODS = { group: '', resource: 'pods' };
const NODES = { group: '', resource: 'nodes' };

async function idle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

function readyOf(obj: KubeObject | undefined): string | undefined {
  return ((obj?.status as PodStatus | Node['status'] | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
}

t.test('a node whose kubelet stops goes Unknown, is tainted, evicts intolerant pods, and recovers when the kubelet returns', async (t) => {
  const clock = new FakeClock();
  const stopped = new Set<string>();
  const app = await buildServer({
    data: 'memory',
    nodes: 3,
    now: () => clock.now(),
    plugins: [
      controllersPlugin({
        clock,
        controllers: [(r, c) => kubeletController(r, c, { isStopped: (n) => stopped.has(n), containerStopDelayMs: 60_000 }), (r, c) => nodeLifecycleController(r, c)],
      }),
    ],
  });
  t.teardown(() => app.close());
  await app.ready();
  const store = app.registry.store;
  // The pod strategy gives a pod without them the 300 s defaults (DefaultTolerationSeconds); 0 s opts out.
  const intolerant = DEFAULT_TOLERATIONS.map((t) => ({ ...t, tolerationSeconds: 0 }));
  const podsSpec = { plain: intolerant, daemon: DAEMON_TOLERATIONS, tolerant: DEFAULT_TOLERATIONS } as Record<string, Toleration[]>;
  for (const [name, tolerations] of Object.entries(podsSpec)) {
    await app.registry.create(pods, 'default', { metadata: { name }, spec: { nodeName: 'node-2', tolerations, containers: [{ name: 'c', image: 'nginx' }] } });
  }
  const get = (name: string) => store.get(PODS, 'default', name);
  await idle();
  clock.advance(500);
  await eventually(() => Object.keys(podsSpec).every((n) => readyOf(get(n)) === 'True'), { timeoutMs: 5000 });

  stopped.add('node-2');
  for (let s = 0; s < 5; s++) {
    clock.advance(10_000);
    await idle();
  }
  const node2 = () => store.get(NODES, undefined, 'node-2')!;
  await eventually(() => readyOf(node2()) === 'Unknown', { timeoutMs: 5000 });
  t.equal(readyOf(store.get(NODES, undefined, 'node-1')), 'True', 'nodes with a running kubelet stay Ready');
  await eventually(() => ((node2().spec as Node['spec'])!.taints ?? []).length === 2, { timeoutMs: 5000 });
  t.match((node2().spec as Node['spec'])!.taints, [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: String },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: String },
  ]);
  await eventually(() => get('plain')?.metadata.deletionTimestamp, { timeoutMs: 5000 });
  t.match((get('plain')!.status as PodStatus).conditions!.find((c) => c.type === 'DisruptionTarget'), { status: 'True', reason: 'DeletionByTaintManager' });
  t.notOk(get('daemon')!.metadata.deletionTimestamp, 'the daemon pod tolerates and stays');
  t.notOk(get('tolerant')!.metadata.deletionTimestamp, 'the tolerant pod waits out its 300 s');
  t.equal(readyOf(get('daemon')), 'False', 'pods of a node that is not ready are marked not ready');
  const events = store.list({ group: '', resource: 'events' }, 'default');
  t.match(events.find((e) => e.reason === 'NodeNotReady'), { message: 'Node node-2 status is now: NodeNotReady', source: { component: 'node-controller' } });
  t.match(events.find((e) => e.reason === 'TaintManagerEviction'), { message: 'Marking for deletion Pod default/plain', source: { component: 'taint-eviction-controller' } });

  for (let s = 0; s < 30; s++) {
    clock.advance(10_000);
    await idle();
  }
  await eventually(() => get('tolerant')?.metadata.deletionTimestamp, { timeoutMs: 5000 });
  t.notOk(get('daemon')!.metadata.deletionTimestamp);

  stopped.delete('node-2');
  clock.advance(1_000);
  await idle();
  await eventually(() => readyOf(node2()) === 'True' && !(node2().spec as Node['spec'])!.taints, { timeoutMs: 5000 });
  // The returning kubelet finishes the evictions whose grace period is over and makes the daemon pod ready again.
  await eventually(() => !get('plain') && readyOf(get('daemon')) === 'True', { timeoutMs: 5000 });
  t.ok(get('tolerant'), 'evicted at 340 s, it still has most of its 30 s grace period');
  clock.advance(20_000);
  await eventually(() => !get('tolerant'), { timeoutMs: 5000 });
});
