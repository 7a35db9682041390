import t, { type Test } from 'tap';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { buildServer } from '../../server/app.js';
import { buildNode } from '../../server/bootstrap.js';
import { nodes, pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { controllersPlugin } from '../../controllers/manager.js';
import {
  admissionFailure,
  allocatePodIP,
  awaitingAdmission,
  goDuration,
  imageIDOf,
  kubeletController,
  normalizeImage,
  planNodeLease,
  planNodeStatus,
  planPod,
  rejectionPlan,
  type PodRuntimeContext,
} from '../../controllers/kubelet.js';
import { deepFreeze, type KubeObject } from '../../store/object.js';
import { eventually } from '../helpers/cluster.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A registered node whose kubelet has not reported conditions yet. */
function node(): Node {
  const n = buildNode('node-1', 0) as unknown as Node;
  n.metadata = { ...n.metadata, uid: 'node-uid' };
  delete n.status!.conditions;
  return n;
}

function boundPod(spec: Partial<NonNullable<Pod['spec']>> = {}, status: PodStatus = { phase: 'Pending', qosClass: 'BestEffort' }): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'pod-uid' },
    spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }], ...spec },
    status,
  };
}

function ctx(now: Date, extra: Partial<PodRuntimeContext> = {}): PodRuntimeContext {
  let n = 0;
  return {
    node: node(),
    now,
    startupDelayMs: 500,
    stopDelayMs: 60_000,
    allocatePodIP: () => allocatePodIP('10.64.0.0/24', new Set()),
    newContainerID: () => `${++n}`.padStart(64, 'a'),
    imagePresent: () => false,
    pulling: new Set(),
    killingRecorded: false,
    ...extra,
  };
}

t.test('node status: four kubelet conditions, a heartbeat every 40 s and events on transitions', async (t) => {
  const first = planNodeStatus(node(), T0, 40_000);
  t.same(
    first.status!.conditions!.map((c) => [c.type, c.status, c.reason, c.lastHeartbeatTime, c.lastTransitionTime]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      ['Ready', 'True', 'KubeletReady', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ],
  );
  t.same(first.events.map((e) => e.message), [
    'Node node-1 status is now: NodeHasSufficientMemory',
    'Node node-1 status is now: NodeHasNoDiskPressure',
    'Node node-1 status is now: NodeHasSufficientPID',
    'Node node-1 status is now: NodeReady',
  ]);
  t.equal(first.requeueAfterMs, 40_000);

  const reported = { ...node(), status: first.status };
  const early = planNodeStatus(reported, at(10_000), 40_000);
  t.same(early, { events: [], requeueAfterMs: 30_000 }, 'nothing to write before the heartbeat is due');

  const beat = planNodeStatus(reported, at(40_000), 40_000);
  t.same(beat.events, []);
  t.same(beat.status!.conditions!.map((c) => [c.lastHeartbeatTime, c.lastTransitionTime]), Array(4).fill(['2026-01-01T00:00:40Z', '2026-01-01T00:00:00Z']));

  const unknown = structuredClone(reported);
  unknown.status!.conditions = unknown.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
  const back = planNodeStatus(unknown, at(50_000), 40_000);
  t.match(back.status!.conditions!.find((c) => c.type === 'Ready'), { status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:50Z' });
  t.same(back.events.map((e) => e.reason), ['NodeReady']);
});

t.test('node status: what a kubelet registers is filled in when missing', async (t) => {
  const bare: Node = { metadata: { name: 'extra', uid: 'u' }, spec: {} };
  const plan = planNodeStatus(bare, T0, 40_000);
  t.match(plan.status, {
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
    addresses: [{ type: 'InternalIP' }, { type: 'Hostname', address: 'extra' }],
    nodeInfo: { kubeletVersion: 'v1.31.0', containerRuntimeVersion: 'containerd://1.7.18' },
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
  });
});

t.test('the node lease is created with an owner reference and renewed every 10 s', async (t) => {
  const created = planNodeLease(undefined, node(), T0, 10_000, 40);
  t.same(created, {
    create: true,
    lease: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'node-uid' }] },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' },
    },
    requeueAfterMs: 10_000,
  });
  const lease = created.lease as Lease;
  t.same(planNodeLease(lease, node(), at(4_000), 10_000, 40), { requeueAfterMs: 6_000 });
  const renewed = planNodeLease(lease, node(), at(10_000), 10_000, 40);
  t.equal(renewed.lease!.spec!.renewTime, '2026-01-01T00:00:10.000000Z');
  t.notOk(renewed.create);
});

t.test('a bound pod is ContainerCreating first, then Running with IP, conditions and container statuses', async (t) => {
  const creating = planPod(boundPod(), ctx(T0));
  t.equal(creating.requeueAfterMs, 500);
  t.same(creating.pulls, ['web']);
  t.same(creating.events, [{ type: 'Normal', reason: 'Pulling', message: 'Pulling image "nginx:1.27"', fieldPath: 'spec.containers{web}' }]);
  t.same(creating.status, {
    phase: 'Pending',
    qosClass: 'BestEffort',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
    ],
    hostIP: '10.0.0.2',
    hostIPs: [{ ip: '10.0.0.2' }],
    startTime: '2026-01-01T00:00:00Z',
    containerStatuses: [{ name: 'web', image: 'nginx:1.27', imageID: '', lastState: {}, ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }],
  });

  const pending = boundPod({}, creating.status);
  t.same(planPod(pending, ctx(at(200), { creatingSince: T0.getTime(), pulling: new Set(['web']) })), { events: [], requeueAfterMs: 300 });

  const running = planPod(pending, ctx(at(1500), { creatingSince: T0.getTime(), pulling: new Set(['web']) }));
  t.same(running.events.map((e) => [e.reason, e.message]), [
    ['Pulled', `Successfully pulled image "nginx:1.27" in 1.5s (1.5s including waiting). Image size: ${running.events[0]!.message.match(/(\d+) bytes/)![1]} bytes.`],
    ['Created', 'Created container web'],
    ['Started', 'Started container web'],
  ]);
  t.same(running.pulled, ['docker.io/library/nginx:1.27']);
  t.match(running.status, {
    phase: 'Running',
    podIP: '10.64.0.2',
    podIPs: [{ ip: '10.64.0.2' }],
    startTime: '2026-01-01T00:00:00Z',
    containerStatuses: [
      {
        name: 'web',
        image: 'docker.io/library/nginx:1.27',
        imageID: imageIDOf('nginx:1.27'),
        containerID: `containerd://${'1'.padStart(64, 'a')}`,
        ready: true,
        started: true,
        restartCount: 0,
        lastState: {},
        state: { running: { startedAt: '2026-01-01T00:00:01Z' } },
      },
    ],
  });
  t.same(running.status!.conditions!.map((c) => [c.type, c.status, c.lastTransitionTime]), [
    ['PodReadyToStartContainers', 'True', '2026-01-01T00:00:01Z'],
    ['Initialized', 'True', '2026-01-01T00:00:00Z'],
    ['Ready', 'True', '2026-01-01T00:00:01Z'],
    ['ContainersReady', 'True', '2026-01-01T00:00:01Z'],
    ['PodScheduled', 'True', '2026-01-01T00:00:00Z'],
  ]);

  const steady = boundPod({}, running.status);
  t.same(planPod(steady, ctx(at(60_000))), { events: [], pulled: [] }, 'a running pod needs no write');

  const markedNotReady = structuredClone(steady);
  markedNotReady.status!.conditions = markedNotReady.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: '2026-01-01T00:05:00Z' } : c));
  const restored = planPod(markedNotReady, ctx(at(400_000)));
  t.match(restored.status!.conditions!.find((c) => c.type === 'Ready'), { status: 'True', lastTransitionTime: '2026-01-01T00:06:40Z' });

  // A stored (frozen) running pod found in order is not planned again on the same host; on another host it is.
  const stored = deepFreeze(boundPod({}, running.status));
  t.same(planPod(stored, ctx(at(60_000))), { events: [], pulled: [] }, 'planned once');
  t.same(planPod(stored, ctx(at(61_000))), { events: [] }, 'then found in order at once (no container statuses worked out)');
  const moved = { ...node(), status: { ...node().status, addresses: [{ type: 'InternalIP', address: '192.0.2.7' }] } } as Node;
  const replanned = planPod(stored, ctx(at(62_000), { node: moved }));
  t.match(replanned.status, { hostIP: '192.0.2.7' }, 'a new host IP is a change');
});

t.test('images already on the node are not pulled again', async (t) => {
  const creating = planPod(boundPod(), ctx(T0, { imagePresent: (image) => image === 'docker.io/library/nginx:1.27' }));
  t.same(creating.events, []);
  const running = planPod(boundPod({}, creating.status), ctx(at(500), { creatingSince: T0.getTime() }));
  t.equal(running.events[0]!.message, 'Container image "nginx:1.27" already present on machine');
  const always = planPod(boundPod({ containers: [{ name: 'web', image: 'nginx', imagePullPolicy: 'Always' }] }), ctx(T0, { imagePresent: () => true }));
  t.same(always.pulls, ['web'], 'imagePullPolicy Always pulls every time');
});

t.test('init containers run to completion before the pod is initialized', async (t) => {
  const spec = { initContainers: [{ name: 'setup', image: 'busybox' }] };
  const creating = planPod(boundPod(spec), ctx(T0));
  t.match(creating.status!.conditions!.find((c) => c.type === 'Initialized'), { status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [setup]' });
  t.match(creating.status!.initContainerStatuses, [{ name: 'setup', state: { waiting: { reason: 'PodInitializing' } } }]);
  t.match(creating.status!.containerStatuses, [{ name: 'web', state: { waiting: { reason: 'PodInitializing' } } }]);
  const running = planPod(boundPod(spec, creating.status), ctx(at(500), { creatingSince: T0.getTime() }));
  t.match(running.status!.initContainerStatuses, [{ name: 'setup', ready: true, started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }]);
  t.same(running.events.map((e) => `${e.reason} ${e.fieldPath}`), [
    'Pulled spec.initContainers{setup}',
    'Created spec.initContainers{setup}',
    'Started spec.initContainers{setup}',
    'Pulled spec.containers{web}',
    'Created spec.containers{web}',
    'Started spec.containers{web}',
  ]);
});

t.test('a host-network pod gets the node IP and no pod IP allocation', async (t) => {
  const creating = planPod(boundPod({ hostNetwork: true }), ctx(T0));
  const running = planPod(boundPod({ hostNetwork: true }, creating.status), ctx(at(500), { creatingSince: T0.getTime(), allocatePodIP: () => t.fail('no allocation') as never }));
  t.match(running.status, { podIP: '10.0.0.2', podIPs: [{ ip: '10.0.0.2' }] });
});

t.test('a terminating pod is removed once its grace period is over, and a terminal pod is left alone', async (t) => {
  const running = boundPod({}, { phase: 'Running', containerStatuses: [{ name: 'web', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] });
  const terminating = { ...running, metadata: { ...running.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
  t.same(planPod(terminating, ctx(T0)), {
    events: [{ type: 'Normal', reason: 'Killing', message: 'Stopping container web', fieldPath: 'spec.containers{web}' }],
    requeueAfterMs: 30_000,
  });
  t.same(planPod(terminating, ctx(at(10_000), { killingRecorded: true })), { events: [], requeueAfterMs: 20_000 });
  t.same(planPod(terminating, ctx(at(30_000), { killingRecorded: true })), { delete: true, events: [] });
  for (const phase of ['Failed', 'Succeeded']) t.same(planPod(boundPod({}, { phase }), ctx(T0)), { events: [] }, `${phase} stays ${phase}`);
});

t.test("admission: a new pod must fit the node's allocatable beside the pods it admitted, as noderesources.Fits", async (t) => {
  const small = node();
  small.status!.allocatable = { cpu: '1', memory: '1Gi', pods: '2' };
  const requesting = (requests: Record<string, string>, name = 'web') => {
    const pod = boundPod({ containers: [{ name: 'web', image: 'nginx', resources: { requests } }] });
    return { ...pod, metadata: { ...pod.metadata, name } };
  };
  t.equal(admissionFailure(requesting({ cpu: '500m' }), small, []), undefined, 'fits an empty node');
  t.same(admissionFailure(boundPod(), small, [boundPod(), boundPod()]), { reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2" });
  t.same(admissionFailure(requesting({ cpu: '600m' }), small, [requesting({ cpu: '500m' })]), { reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 600, used: 500, capacity: 1000" });
  t.same(admissionFailure(requesting({ cpu: '2', memory: '2Gi' }), small, []), { reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1000" }, 'the first shortfall in Fits order names it');
  t.same(admissionFailure(requesting({ memory: '2Gi' }), small, []), { reason: 'OutOfmemory', message: "Node didn't have enough resource: memory, requested: 2147483648, used: 0, capacity: 1073741824" });
  t.equal(admissionFailure(requesting({ 'example.com/gpu': '1' }), small, []), undefined, 'a resource the node does not list is not checked');
  const unlisted = node();
  delete unlisted.status!.allocatable;
  t.equal(admissionFailure(boundPod(), unlisted, [boundPod(), boundPod(), boundPod()]), undefined, 'a node without allocatable admits');

  t.ok(awaitingAdmission(boundPod()), 'a new pod awaits admission');
  t.notOk(awaitingAdmission(boundPod({}, { phase: 'Pending', startTime: '2026-01-01T00:00:00Z' })), 'one with a start time was admitted');
  t.notOk(awaitingAdmission(boundPod({}, { phase: 'Failed' })), 'a finished one is not admitted again');
  t.same(rejectionPlan(boundPod(), { reason: 'OutOfpods', message: 'm' }, T0), {
    status: { phase: 'Failed', qosClass: 'BestEffort', reason: 'OutOfpods', message: 'Pod was rejected: m', startTime: '2026-01-01T00:00:00Z' },
    events: [{ type: 'Warning', reason: 'OutOfpods', message: 'm' }],
  });
});

t.test('pod IPs come from the node range, skip the network and gateway addresses and are unique', async (t) => {
  t.equal(allocatePodIP('10.64.3.0/24', new Set()), '10.64.3.2');
  t.equal(allocatePodIP('10.64.3.0/24', new Set(['10.64.3.2', '10.64.3.3'])), '10.64.3.4');
  t.equal(allocatePodIP('10.64.3.0/30', new Set()), '10.64.3.2');
  t.equal(allocatePodIP('10.64.3.0/30', new Set(['10.64.3.2'])), undefined, 'a /30 holds one pod besides network, gateway and broadcast');
  const full = new Set(Array.from({ length: 253 }, (_, i) => `10.64.3.${i + 2}`));
  t.equal(allocatePodIP('10.64.3.0/24', full), undefined);
  t.equal(allocatePodIP(undefined, new Set()), '10.88.0.2', "containerd's default network without a podCIDR");
});

t.test('images are reported as containerd normalises them', async (t) => {
  const table: Array<[string, string]> = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
  ];
  for (const [image, want] of table) t.equal(normalizeImage(image), want, image);
  t.match(imageIDOf('nginx'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  t.equal(imageIDOf('nginx@sha256:' + 'a'.repeat(64)), 'docker.io/library/nginx@sha256:' + 'a'.repeat(64));
  t.same(['0s', '500ms', '1.5s', '2m3.25s'], [goDuration(0), goDuration(500), goDuration(1500), goDuration(123_250)]);
});

/** Three nodes and their kubelets; each node sync's key is pushed to `synced`. */
async function cluster(t: Test, clock: FakeClock, stopped = new Set<string>(), synced: string[] = []) {
  const kubelet = (registry: Parameters<typeof kubeletController>[0], c: FakeClock) => {
    const reconciler = kubeletController(registry, c, { isStopped: (n) => stopped.has(n), containerStopDelayMs: 60_000 });
    const reconcile = reconciler.reconcile.bind(reconciler);
    return { ...reconciler, reconcile: (key: string) => (synced.push(key), reconcile(key)) };
  };
  const app = await buildServer({
    data: 'memory',
    nodes: 3,
    now: () => clock.now(),
    plugins: [controllersPlugin({ clock, controllers: [(registry, c) => kubelet(registry, c as FakeClock)] })],
  });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

const PODS = { group: '', resource: 'pods' };

/** Lets every in-flight reconcile finish: with the memory store all their awaits resolve within a few event-loop turns. */
async function idle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

function podStatus(obj: KubeObject | undefined): PodStatus | undefined {
  return obj?.status as PodStatus | undefined;
}

t.test('the kubelet keeps nodes Ready and renews their leases', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock);
  const store = app.registry.store;
  await eventually(() => store.list({ group: '', resource: 'nodes' }).every((n) => (n.status as Node['status'])?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), { timeoutMs: 5000 });
  const lease = () => store.get({ group: 'coordination.k8s.io', resource: 'leases' }, 'kube-node-lease', 'node-2') as unknown as Lease | undefined;
  await eventually(() => lease(), { timeoutMs: 5000 });
  const nodeUid = store.get({ group: '', resource: 'nodes' }, undefined, 'node-2')!.metadata.uid;
  t.match(lease(), { spec: { holderIdentity: 'node-2', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' }, metadata: { ownerReferences: [{ kind: 'Node', name: 'node-2', uid: nodeUid }] } });
  clock.advance(10_000);
  await eventually(() => lease()?.spec?.renewTime === '2026-01-01T00:00:10.000000Z', { timeoutMs: 5000 });
  const heartbeat = () => (store.get({ group: '', resource: 'nodes' }, undefined, 'node-2')!.status as Node['status'])!.conditions!.find((c) => c.type === 'Ready')!.lastHeartbeatTime;
  t.equal(heartbeat(), '2026-01-01T00:00:00Z', 'no node status write before the heartbeat is due');
  clock.advance(30_000);
  await eventually(() => heartbeat() === '2026-01-01T00:00:40Z', { timeoutMs: 5000 });

  // A node that reports not ready (as the node lifecycle controller marks it) is set Ready again, with an event.
  await app.registry.patch(nodes, undefined, 'node-2', (n) => {
    const status = n.status as NonNullable<Node['status']>;
    status.conditions = status.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    return n;
  }, { subresource: 'status' });
  await eventually(() => store.list({ group: '', resource: 'events' }, 'default').find((e) => e.reason === 'NodeReady'), { timeoutMs: 5000 });
  const ready = (store.get({ group: '', resource: 'nodes' }, undefined, 'node-2')!.status as Node['status'])!.conditions!.find((c) => c.type === 'Ready');
  t.match(ready, { status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:40Z' });
  t.match(store.list({ group: '', resource: 'events' }, 'default').find((e) => e.reason === 'NodeReady'), {
    message: 'Node node-2 status is now: NodeReady',
    source: { component: 'kubelet', host: 'node-2' },
    involvedObject: { kind: 'Node', name: 'node-2', uid: 'node-2' },
  });
});

t.test('a bound pod is seen Pending, then Running after the startup delay, each on its own IP', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock);
  for (const name of ['a', 'b']) {
    await app.registry.create(pods, 'default', { metadata: { name }, spec: { nodeName: 'node-2', containers: [{ name: 'c', image: 'nginx' }] } });
  }
  const get = (name: string) => app.registry.store.get(PODS, 'default', name);
  await eventually(() => ['a', 'b'].every((n) => podStatus(get(n))?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating'), { timeoutMs: 5000 });
  t.equal(podStatus(get('a'))!.phase, 'Pending');
  t.equal(podStatus(get('a'))!.hostIP, '10.0.0.3');
  clock.advance(500);
  await eventually(() => ['a', 'b'].every((n) => podStatus(get(n))?.phase === 'Running'), { timeoutMs: 5000 });
  t.same(['a', 'b'].map((n) => podStatus(get(n))!.podIP).sort(), ['10.64.1.2', '10.64.1.3']);
  t.match(podStatus(get('a'))!.containerStatuses![0], { ready: true, started: true, restartCount: 0, containerID: /^containerd:\/\/[0-9a-f]{64}$/, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
  const reasons = app.registry.store.list({ group: '', resource: 'events' }, 'default').filter((e) => (e.involvedObject as { name: string }).name === 'a').map((e) => e.reason);
  t.same(reasons.sort(), ['Created', 'Pulled', 'Pulling', 'Started']);
});

t.test("the kubelet's own status writes do not wake it again; anyone else's do", async (t) => {
  const clock = new FakeClock();
  const synced: string[] = [];
  const app = await cluster(t, clock, new Set(), synced);
  const store = app.registry.store;
  const get = () => store.get(PODS, 'default', 'a');
  await eventually(() => ['node-1', 'node-2', 'node-3'].every((n) => store.get({ group: 'coordination.k8s.io', resource: 'leases' }, 'kube-node-lease', n)), { timeoutMs: 5000 });
  await idle();
  const syncs = () => synced.filter((key) => key === 'node-2').length;
  const before = syncs();

  await app.registry.create(pods, 'default', { metadata: { name: 'a' }, spec: { nodeName: 'node-2', containers: [{ name: 'c', image: 'nginx' }] } });
  await eventually(() => podStatus(get())?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating', { timeoutMs: 5000 });
  await idle();
  t.equal(syncs() - before, 1, 'one sync for the bound pod: the ContainerCreating status it wrote wakes nobody');
  clock.advance(500);
  await eventually(() => podStatus(get())?.phase === 'Running', { timeoutMs: 5000 });
  await idle();
  t.equal(syncs() - before, 2, 'one more when the start-up delay is over: the Running status it wrote wakes nobody');

  // Another writer marks the pod not ready (as the node lifecycle controller does): the kubelet wakes and puts Ready back.
  await app.registry.patch(pods, 'default', 'a', (p) => {
    const status = p.status as PodStatus;
    status.conditions = status.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'NodeNotReady' } : c));
    return p;
  }, { subresource: 'status' });
  await eventually(() => podStatus(get())?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', { timeoutMs: 5000 });
  await idle();
  t.equal(syncs() - before, 3, "someone else's status write wakes the kubelet once");
});

t.test('a pod bound past the node\'s pod capacity is rejected at admission: Failed, OutOfpods, a Warning event', async (t) => {
  const clock = new FakeClock();
  const app = await cluster(t, clock);
  await app.registry.patch(nodes, undefined, 'node-3', (n) => {
    const status = n.status as NonNullable<Node['status']>;
    status.allocatable = { ...status.allocatable, pods: '2' };
    return n;
  }, { subresource: 'status' });
  // Created in the same second: the kubelet admits in creation order, then by name.
  for (const name of ['first', 'second', 'third']) {
    await app.registry.create(pods, 'default', { metadata: { name }, spec: { nodeName: 'node-3', containers: [{ name: 'c', image: 'nginx' }] } });
  }
  const get = (name: string) => podStatus(app.registry.store.get(PODS, 'default', name));
  await eventually(() => get('third')?.phase === 'Failed' && ['first', 'second'].every((n) => get(n)?.containerStatuses), { timeoutMs: 5000 });
  clock.advance(500);
  await eventually(() => ['first', 'second'].every((n) => get(n)?.phase === 'Running'), { timeoutMs: 5000 });
  t.match(get('third'), { phase: 'Failed', reason: 'OutOfpods', message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2" });
  t.notOk(get('third')!.containerStatuses, 'no container was started');
  const event = () => app.registry.store.list({ group: '', resource: 'events' }, 'default').find((e) => (e.involvedObject as { name: string }).name === 'third');
  await eventually(() => event(), { timeoutMs: 5000 });
  t.match(event(), { type: 'Warning', reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2", source: { component: 'kubelet', host: 'node-3' } });
  // A finished pod frees its place: the next new pod is admitted.
  await app.registry.delete(pods, 'default', 'first', { gracePeriodSeconds: 0 });
  await app.registry.create(pods, 'default', { metadata: { name: 'fourth' }, spec: { nodeName: 'node-3', containers: [{ name: 'c', image: 'nginx' }] } });
  clock.advance(500);
  await eventually(() => get('fourth')?.phase === 'Running', { timeoutMs: 5000 });
  t.equal(get('third')!.phase, 'Failed', 'a rejected pod stays rejected');
});

t.test('graceful deletion ends after the grace period, a forced one at once, and a stopped kubelet does nothing', async (t) => {
  const clock = new FakeClock();
  const stopped = new Set<string>();
  const app = await cluster(t, clock, stopped);
  const get = (name: string) => app.registry.store.get(PODS, 'default', name);
  await app.registry.create(pods, 'default', { metadata: { name: 'slow' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] } });
  clock.advance(500);
  await eventually(() => podStatus(get('slow'))?.phase === 'Running', { timeoutMs: 5000 });

  await app.registry.delete(pods, 'default', 'slow', {});
  t.equal(get('slow')!.metadata.deletionGracePeriodSeconds, 30, 'still there, terminating');
  clock.advance(29_000);
  await idle();
  t.ok(get('slow'), 'not gone before the grace period ends');
  clock.advance(1_000);
  await eventually(() => !get('slow'), { timeoutMs: 5000 });

  stopped.add('node-3');
  await app.registry.create(pods, 'default', { metadata: { name: 'idle' }, spec: { nodeName: 'node-3', containers: [{ name: 'c', image: 'nginx' }] } });
  clock.advance(2_000);
  await idle();
  t.same(podStatus(get('idle')), { phase: 'Pending', qosClass: 'BestEffort' }, 'a stopped kubelet leaves the pod untouched');
  stopped.delete('node-3');
  clock.advance(1_000);
  await eventually(() => podStatus(get('idle'))?.containerStatuses !== undefined, { timeoutMs: 5000 });
  clock.advance(500);
  await eventually(() => podStatus(get('idle'))?.phase === 'Running', { timeoutMs: 5000 });
});

t.test('a terminating pod is removed once its containers exit, well within the grace period', async (t) => {
  const now = new Date('2026-01-01T00:00:09Z');
  const terminating = { ...runningPodForStopTest(), metadata: { name: 'web', namespace: 'default', uid: 'pod-uid', deletionTimestamp: '2026-01-01T00:00:39Z', deletionGracePeriodSeconds: 30 } } as never;
  t.same(planPod(terminating, ctx(now, { stopDelayMs: 1000, killingRecorded: true })), { events: [], requeueAfterMs: 1000 }, 'SIGTERM was at 00:09 (deadline minus grace); the container exits a second later');
  t.match(planPod(terminating, ctx(new Date('2026-01-01T00:00:11Z'), { stopDelayMs: 1000, killingRecorded: true })), { delete: true });
  t.match(planPod(terminating, ctx(new Date('2026-01-01T00:00:11Z'), { stopDelayMs: 60_000, killingRecorded: true })), { requeueAfterMs: 28_000 }, 'the grace period caps a slow exit');
});

function runningPodForStopTest() {
  return { apiVersion: 'v1', kind: 'Pod', spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'nginx:1.27' }] }, status: { phase: 'Running' } };
}
