import t, { type Test } from 'tap';
import type { Node, NodeSelectorTerm, Pod, PodStatus, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { buildServer } from '../../server/app.js';
import { buildNode } from '../../server/bootstrap.js';
import { nodes, pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { controllersPlugin } from '../../controllers/manager.js';
import {
  findNode,
  numFeasibleNodesToFind,
  podRequests,
  schedulePod,
  schedulerController,
  tolerationToleratesTaint,
  type NodeInfo,
} from '../../controllers/scheduler.js';
import { updatePodCondition } from '../../api/pod-conditions.js';
import type { KubeObject } from '../../store/object.js';
import { eventually } from '../helpers/cluster.js';

function node(name: string, index: number, patch: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; allocatable?: Record<string, string> } = {}): Node {
  const n = buildNode(name, index) as unknown as Node;
  n.metadata!.labels = { ...n.metadata!.labels, ...patch.labels };
  n.spec = { ...n.spec, ...(patch.taints ? { taints: patch.taints } : {}), ...(patch.unschedulable ? { unschedulable: true } : {}) };
  if (patch.allocatable) n.status!.allocatable = patch.allocatable;
  return n;
}

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, requests?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', image: 'nginx', ...(requests ? { resources: { requests } } : {}) }], ...spec },
  };
}

function infos(list: Node[], podsOn: Record<string, Pod[]> = {}): NodeInfo[] {
  return list.map((n) => ({ node: n, pods: podsOn[n.metadata!.name!] ?? [] }));
}

const three = () => [node('node-1', 0), node('node-2', 1), node('node-3', 2)];
const notHelpful = (n: number) => `preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;

t.test('a pod goes to the least-loaded fitting node, ties broken by name', async (t) => {
  t.same(schedulePod(pod('p'), infos(three())), { nodeName: 'node-1' });
  const busy = { 'node-1': [pod('a'), pod('b')], 'node-2': [pod('c')], 'node-3': [pod('d')] };
  t.same(schedulePod(pod('p'), infos(three(), busy)), { nodeName: 'node-2' });
  const heavy = { 'node-1': [pod('a', {}, { cpu: '3' })], 'node-2': [pod('b'), pod('c')] };
  t.same(schedulePod(pod('p'), infos(three(), heavy)), { nodeName: 'node-3' }, 'requests weigh, not only pod counts');
});

t.test('above 100 nodes a cycle looks for numFeasibleNodesToFind fitting nodes from where the last one stopped, as upstream does', async (t) => {
  t.same([50, 99, 100, 250, 300, 1000, 5000, 10000].map(numFeasibleNodesToFind), [50, 99, 100, 120, 144, 420, 500, 500], 'all below 100; 50% less 1% per 125 nodes, at least 5% and at least 100');
  const many = Array.from({ length: 300 }, (_, i) => node(`n-${String(i).padStart(3, '0')}`, i));
  const source = (podsOn: Record<string, Pod[]> = {}) => ({ nodes: many, podsOn: (n: Node) => podsOn[n.metadata!.name!] ?? [] });
  t.same(findNode(pod('p'), source()), { result: { nodeName: 'n-000' }, processed: 144 }, 'the first 144 fit: the cycle stops there');
  // The least loaded of the nodes it looked at, not of all: n-200 is emptier than any, but out of reach.
  const load = Object.fromEntries(many.map((n, i) => [n.metadata!.name!, i === 200 ? [] : i === 290 ? [pod('x')] : [pod('x'), pod('y')]]));
  t.same(findNode(pod('p'), source(load), 250), { result: { nodeName: 'n-290' }, processed: 144 }, 'from 250 it wraps past n-299 to n-093');
  t.same(findNode(pod('p'), source(load), 150).result, { nodeName: 'n-200' });
  const cordoned = many.map((n, i) => (i < 200 ? node(n.metadata!.name!, i, { unschedulable: true }) : n));
  t.same(findNode(pod('p'), { nodes: cordoned, podsOn: () => [] }), { result: { nodeName: 'n-200' }, processed: 300 }, 'nodes that fail count as looked at: all 300 to find 100 that fit');
  const full = findNode(pod('p', { nodeSelector: { disk: 'ssd' } }), source(), 123);
  t.equal(full.processed, 300, 'with nothing fitting every node is looked at');
  t.match(full.result.message, /^0\/300 nodes are available: 300 node\(s\) didn't match Pod's node affinity\/selector\./);
  const pinned = pod('ds', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n-007'] }] }] } } } });
  t.same(findNode(pinned, source(), 250), { result: { nodeName: 'n-007' }, processed: 1 }, 'a pod pinned by node name is checked against its node alone');
});

t.test('the FitError message lists sorted reasons and the preemption verdict as upstream does', async (t) => {
  const cases: Array<{ name: string; nodes: Node[]; pod: Pod; podsOn?: Record<string, Pod[]>; want: string }> = [
    {
      name: 'taint and affinity (the documented example)',
      nodes: [node('node-1', 0, { labels: { disk: 'ssd' }, taints: [{ key: 'key', value: 'value', effect: 'NoSchedule' }] }), node('node-2', 1), node('node-3', 2)],
      pod: pod('p', { nodeSelector: { disk: 'ssd' } }),
      want: `0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 node(s) didn't match Pod's node affinity/selector. ${notHelpful(3)}`,
    },
    {
      name: 'selector matches nothing',
      nodes: three(),
      pod: pod('p', { nodeSelector: { disk: 'ssd' } }),
      want: `0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. ${notHelpful(3)}`,
    },
    {
      name: 'cordoned nodes',
      nodes: [node('node-1', 0, { unschedulable: true })],
      pod: pod('p'),
      want: `0/1 nodes are available: 1 node(s) were unschedulable. ${notHelpful(1)}`,
    },
    {
      name: 'a NoExecute taint must be tolerated too; a taint without value prints empty',
      nodes: [node('node-1', 0, { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] })],
      pod: pod('p'),
      want: `0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. ${notHelpful(1)}`,
    },
    {
      name: 'insufficient cpu is resolvable, so preemption looks for victims',
      nodes: three(),
      pod: pod('p', {}, { cpu: '5' }),
      want: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    },
    {
      name: 'several resources on one node count each',
      nodes: [node('node-1', 0)],
      pod: pod('p', {}, { cpu: '5', memory: '20Gi' }),
      want: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
    {
      name: 'requests of pods already on the node count',
      nodes: [node('node-1', 0)],
      podsOn: { 'node-1': [pod('a', {}, { memory: '15Gi' })] },
      pod: pod('p', {}, { memory: '2Gi' }),
      want: '0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
    {
      name: 'pod count is capped by allocatable pods',
      nodes: [node('node-1', 0, { allocatable: { cpu: '4', memory: '16Gi', pods: '1' } })],
      podsOn: { 'node-1': [pod('a')] },
      pod: pod('p'),
      want: '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
    {
      name: 'mixed resolvable and unresolvable failures',
      nodes: [node('node-1', 0), node('node-2', 1, { taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] }), node('node-3', 2, { taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] })],
      podsOn: { 'node-1': [pod('a', {}, { cpu: '4' })] },
      pod: pod('p', {}, { cpu: '1' }),
      want: '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {a: b}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    },
    {
      name: 'a daemon pod pinned by matchFields to a tainted node',
      nodes: [node('node-1', 0), node('node-2', 1, { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }), node('node-3', 2)],
      pod: pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] } } } }),
      want: `0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. ${notHelpful(3)}`,
    },
    {
      name: 'a pod pinned to a node that does not exist',
      nodes: three(),
      pod: pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gone'] }] }] } } } }),
      want: `0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. ${notHelpful(3)}`,
    },
    {
      name: 'host ports in use',
      nodes: [node('node-1', 0)],
      podsOn: { 'node-1': [pod('a', { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] })] },
      pod: pod('p', { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }] }),
      want: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    },
    {
      name: 'preemptionPolicy Never',
      nodes: [node('node-1', 0)],
      pod: pod('p', { preemptionPolicy: 'Never' }, { cpu: '5' }),
      want: '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    },
    { name: 'no nodes at all', nodes: [], pod: pod('p'), want: 'no nodes available to schedule pods' },
  ];
  for (const c of cases) t.same(schedulePod(c.pod, infos(c.nodes, c.podsOn)), { message: c.want }, c.name);
});

t.test('tolerations lift taints, cordons and NoExecute as upstream matches them', async (t) => {
  const tainted = [node('node-1', 0, { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }] })];
  t.same(schedulePod(pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu' }] }), infos(tainted)), { nodeName: 'node-1' }, 'PreferNoSchedule is ignored');
  t.same(schedulePod(pod('p', { tolerations: [{ operator: 'Exists' }] }), infos(tainted)), { nodeName: 'node-1' }, 'an empty key with Exists tolerates everything');
  const cordoned = [node('node-1', 0, { unschedulable: true })];
  t.same(schedulePod(pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), infos(cordoned)), { nodeName: 'node-1' });

  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  const table: Array<[Toleration, boolean]> = [
    [{ key: 'k', operator: 'Equal', value: 'v' }, true],
    [{ key: 'k', value: 'v' }, true],
    [{ key: 'k', operator: 'Equal', value: 'w' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }, true],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ operator: 'Exists' }, true],
    [{ key: 'k', operator: 'Lt', value: 'v' }, false],
  ];
  for (const [toleration, want] of table) t.equal(tolerationToleratesTaint(toleration, taint), want, JSON.stringify(toleration));
});

t.test('required node affinity supports every operator and ORs its terms', async (t) => {
  const labelled = [node('node-1', 0, { labels: { zone: 'a', gen: '5' } })];
  const withTerms = (...terms: NodeSelectorTerm[]) =>
    pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const table: Array<[string, Pod, boolean]> = [
    ['In', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), true],
    ['In, other value', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }), false],
    ['NotIn', withTerms({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }), true],
    ['NotIn, label absent', withTerms({ matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['x'] }] }), true],
    ['Exists', withTerms({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }), true],
    ['DoesNotExist', withTerms({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }), false],
    ['Gt', withTerms({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }), true],
    ['Lt', withTerms({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }), false],
    ['Gt with a non-integer', withTerms({ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['1'] }] }), false],
    ['matchFields NotIn', withTerms({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-2'] }] }), true],
    ['an empty term matches nothing', withTerms({}), false],
    ['terms are ORed', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'gen', operator: 'Exists' }] }), true],
    ['expressions within a term are ANDed', withTerms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'DoesNotExist' }] }), false],
  ];
  for (const [name, p, fits] of table) t.equal(schedulePod(p, infos(labelled)).nodeName === 'node-1', fits, name);
});

t.test('pod requests add containers and sidecars and take the largest init container when bigger', async (t) => {
  const p = pod('p', {
    containers: [
      { name: 'a', image: 'x', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
      { name: 'b', image: 'x', resources: { limits: { cpu: '200m' } } },
    ],
    initContainers: [
      { name: 'sidecar', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      { name: 'init', image: 'x', resources: { requests: { cpu: '1', memory: '1Mi' } } },
    ],
    overhead: { cpu: '10m' },
  });
  const reqs = podRequests(p);
  t.equal(reqs.get('cpu'), 1060, 'max(100+200+50, 1000+50) + 10 millicores');
  t.equal(reqs.get('memory'), 64 * 1024 * 1024);
});

t.test('updatePodCondition keeps lastTransitionTime while the status stays and reports changes', async (t) => {
  const status: PodStatus = {};
  t.ok(updatePodCondition(status, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm1' }, new Date('2026-01-01T00:00:00Z')));
  t.notOk(updatePodCondition(status, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm1' }, new Date('2026-01-01T00:01:00Z')), 'same condition: no change');
  t.ok(updatePodCondition(status, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm2' }, new Date('2026-01-01T00:02:00Z')));
  t.equal(status.conditions![0]!.lastTransitionTime, '2026-01-01T00:00:00Z');
  t.ok(updatePodCondition(status, { type: 'PodScheduled', status: 'True' }, new Date('2026-01-01T00:03:00Z')));
  t.same(status.conditions, [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:03:00Z' }]);
});

async function cluster(t: Test, clock: FakeClock, nodeCount = 3) {
  const app = await buildServer({
    data: 'memory',
    nodes: nodeCount,
    now: () => clock.now(),
    plugins: [controllersPlugin({ clock, controllers: [(registry, c) => schedulerController(registry, c)] })],
  });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

function condition(obj: KubeObject | undefined, type: string) {
  return ((obj?.status as PodStatus | undefined)?.conditions ?? []).find((c) => c.type === type);
}

t.test('the scheduler binds a pending pod, sets PodScheduled and records Scheduled', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock);
  await app.registry.create(pods, 'default', { metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
  const bound = await eventually(() => {
    const p = app.registry.store.get({ group: '', resource: 'pods' }, 'default', 'web');
    return condition(p, 'PodScheduled')?.status === 'True' ? p : undefined;
  }, { timeoutMs: 5000 });
  t.equal((bound!.spec as Pod['spec'])!.nodeName, 'node-1');
  t.match(condition(bound, 'PodScheduled'), { status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' });
  const events = await eventually(() => {
    const scheduled = app.registry.store.list({ group: '', resource: 'events' }, 'default').filter((e) => e.reason === 'Scheduled');
    return scheduled.length > 0 ? scheduled : undefined;
  }, { timeoutMs: 5000 });
  t.match(events![0], { type: 'Normal', message: 'Successfully assigned default/web to node-1', source: { component: 'default-scheduler' }, involvedObject: { kind: 'Pod', name: 'web' } });
});

t.test('an unschedulable pod is explained, and scheduled once a node changes to fit it', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock);
  await app.registry.create(pods, 'default', { metadata: { name: 'ssd' }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'nginx' }] } });
  const get = () => app.registry.store.get({ group: '', resource: 'pods' }, 'default', 'ssd');
  await eventually(() => condition(get(), 'PodScheduled')?.status === 'False', { timeoutMs: 5000 });
  t.match(condition(get(), 'PodScheduled'), {
    reason: 'Unschedulable',
    message: `0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. ${notHelpful(3)}`,
  });
  const failed = await eventually(() => app.registry.store.list({ group: '', resource: 'events' }, 'default').find((e) => e.reason === 'FailedScheduling'), { timeoutMs: 5000 });
  t.match(failed, { type: 'Warning', source: { component: 'default-scheduler' } });

  await app.registry.patch(nodes, undefined, 'node-3', (n) => {
    n.metadata.labels = { ...n.metadata.labels, disk: 'ssd' };
    return n;
  });
  // The node change requeues the pod; it is retried once its back-off (1 s) has passed.
  const bound = await eventually(() => {
    clock.advance(500);
    const p = get();
    return (p?.spec as Pod['spec'])?.nodeName ? p : undefined;
  }, { timeoutMs: 5000 });
  t.equal((bound!.spec as Pod['spec'])!.nodeName, 'node-3');
  await eventually(() => condition(get(), 'PodScheduled')?.status === 'True', { timeoutMs: 5000 });
  t.equal(condition(get(), 'PodScheduled')!.reason, undefined, 'the Unschedulable reason is gone');
});

t.test('a status-only write to a pending pod starts no new attempt; a change to its metadata does, as upstream isPodUpdated', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock);
  await app.registry.create(pods, 'default', { metadata: { name: 'ssd' }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'nginx' }] } });
  // Every attempt records FailedScheduling (one Event, or one per attempt: the counts add up either way).
  const attempts = () =>
    app.registry.store
      .list({ group: '', resource: 'events' }, 'default')
      .filter((e) => e.reason === 'FailedScheduling')
      .reduce((sum, e) => sum + ((e as { count?: number }).count ?? 1), 0);
  await eventually(() => attempts() === 1, { timeoutMs: 5000 });
  // Past the back-off (1 s), as a retry would wait for, and with time for the controller to act.
  const waitPastBackOff = async () => {
    for (let i = 0; i < 4; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await app.registry.patch(pods, 'default', 'ssd', (p) => {
    const status = (p.status ?? {}) as PodStatus;
    p.status = { ...status, conditions: [...(status.conditions ?? []), { type: 'example.com/gate', status: 'True' }] };
    return p;
  }, { subresource: 'status' });
  await waitPastBackOff();
  t.equal(attempts(), 1, 'a status write changes nothing the scheduler reads');

  await app.registry.patch(pods, 'default', 'ssd', (p) => {
    p.metadata.labels = { tier: 'db' };
    return p;
  });
  await eventually(async () => {
    await waitPastBackOff();
    return attempts() === 2;
  }, { timeoutMs: 5000 });
  t.equal(attempts(), 2, 'a label change is looked at again');
});

t.test('each cycle starts where the last one stopped, so that at 300 nodes a second pod is placed among the next 144', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock, 300);
  const names = app.registry.store.list({ group: '', resource: 'nodes' }).map((n) => n.metadata.name!);
  const nodeOf = async (name: string) => {
    await app.registry.create(pods, 'default', { metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    return eventually(() => (app.registry.store.get({ group: '', resource: 'pods' }, 'default', name)?.spec as Pod['spec'])?.nodeName, { timeoutMs: 10_000 });
  };
  t.equal(await nodeOf('first'), names[0], 'the first of the first 144 nodes (all empty: ties go by name)');
  t.equal(await nodeOf('second'), names[144], 'the first of the next 144, not the second node overall');
  // From 288 the window wraps to the start: of its empty nodes the first by name is the second node.
  t.equal(await nodeOf('third'), names[1], 'the next 144 wrap around past the last node');
});
