import t from 'tap';
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { behaviorFor, crashBackOffMs, inStableFraction, planStagedPod, pullAttempts, stableFraction, stableJitterMs, stageSelects } from '../../../controllers/steering/pod-stages.js';
import { planPod, planUntilSettled, type PodRuntimeContext } from '../../../controllers/kubelet.js';
import { deepFreeze } from '../../../store/object.js';
import type { KubeObject } from '../../../store/object.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const node: Node = { metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
let ids = 0;
const ctx = (now: number, over: Partial<PodRuntimeContext> = {}): PodRuntimeContext => ({
  node,
  now: at(now),
  startupDelayMs: 500,
  stopDelayMs: 1000,
  creatingSince: T0,
  allocatePodIP: () => '10.244.1.2',
  newContainerID: () => `id${++ids}`,
  imagePresent: () => true,
  pulling: new Set(),
  killingRecorded: false,
  ...over,
});
const pod = (restartPolicy: 'Always' | 'Never' = 'Always'): Pod => ({
  metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
  spec: { nodeName: 'node-1', restartPolicy, containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'IfNotPresent' }] },
  status: { phase: 'Pending' },
});
/** Runs the planner as the kubelet does, applying each status, until the pod's clock reaches `until`. */
function run(p: Pod, b: Parameters<typeof planStagedPod>[2], until: number, from = 0): { pod: Pod; events: string[] } {
  let now = from;
  const events: string[] = [];
  for (let i = 0; i < 200 && now <= until; i++) {
    const plan = planUntilSettled((q, c) => planStagedPod(q, c, b), p, ctx(now));
    if (plan.status) p = { ...p, status: plan.status };
    events.push(...plan.events.map((e) => e.reason));
    // The kubelet's own status write wakes nobody: the plan alone says when the pod is due again.
    if (plan.requeueAfterMs === undefined || now + plan.requeueAfterMs > until) break;
    now += plan.requeueAfterMs;
  }
  return { pod: p, events };
}
const containerState = (p: Pod) => (p.status as PodStatus).containerStatuses![0]!;

t.test('without a stage the kubelet plans as before', async (t) => {
  t.same(planStagedPod(pod(), ctx(0), undefined), planPod(pod(), ctx(0)));
});

t.test('fractions and jitter are fixed per (stage, pod)', async (t) => {
  t.equal(stableFraction('s', 'uid-1', 'failure'), stableFraction('s', 'uid-1', 'failure'));
  t.not(stableFraction('s', 'uid-1', 'failure'), stableFraction('s', 'uid-2', 'failure'));
  const fails = Array.from({ length: 1000 }, (_, i) => behaviorFor('flaky', { failure: { fraction: 0.5 } }, `uid-${i}`, 500).failure).filter(Boolean).length;
  t.ok(fails > 450 && fails < 550, `about half fail: ${fails}`);
  const b = behaviorFor('slow', { startup: { delayMs: 2000, jitterMs: 1000 } }, 'uid-1', 500);
  t.ok(b.startupDelayMs! >= 2000 && b.startupDelayMs! < 3000);
  t.same(behaviorFor('none', {}, 'uid-1', 500), { stage: 'none' });
  t.same(behaviorFor('exact', { startup: { delayMs: 0 } }, 'uid-1', 500), { stage: 'exact', startupDelayMs: 0 }, 'no jitter: the delay as given');
  t.equal(stableJitterMs('s', 'uid-1', 1000), Math.floor(stableFraction('s', 'uid-1', 'jitter') * 1000));
  t.equal(stableJitterMs('s', 'uid-1', 0), 0);
  t.equal(stableJitterMs('s', 'uid-1', undefined), 0);
  const u = Array.from({ length: 200 }, (_, i) => `uid-${i}`);
  t.ok(u.every((id) => inStableFraction('s', id, 'failure', 1)), 'fraction 1 takes every object');
  t.notOk(u.some((id) => inStableFraction('s', id, 'failure', 0)), 'fraction 0 takes none');
  t.ok(u.every((id) => inStableFraction('s', id, 'failure', 0.3) === stableFraction('s', id, 'failure') < 0.3), 'a fraction between takes by the hash');
});

t.test('stages select by namespace, labels and pod fields', async (t) => {
  const obj = { metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'node-1' } } as KubeObject;
  const fields = (sel: string, o: KubeObject) => sel === `spec.nodeName=${(o.spec as { nodeName: string }).nodeName}`;
  t.ok(stageSelects({}, obj, fields), 'an empty stage selects every pod');
  t.ok(stageSelects({ selector: { matchLabels: { app: 'web' } }, namespaces: ['default'], fieldSelector: 'spec.nodeName=node-1' }, obj, fields));
  t.notOk(stageSelects({ selector: { matchLabels: { app: 'db' } } }, obj, fields));
  t.notOk(stageSelects({ namespaces: ['kube-system'] }, obj, fields));
  t.notOk(stageSelects({ fieldSelector: 'spec.nodeName=node-2' }, obj, fields));
});

t.test('a stored stage selector is parsed once and still decides; one the parser refuses selects nothing', async (t) => {
  const obj = { metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } } } as KubeObject;
  const none = () => false;
  const stored = deepFreeze({ selector: { matchLabels: { app: 'web' } } });
  t.ok(stageSelects(stored, obj, none));
  t.ok(stageSelects(stored, obj, none), 'the second time from the parsed selector');
  t.notOk(stageSelects(stored, { ...obj, metadata: { ...obj.metadata, labels: { app: 'db' } } }, none));
  t.notOk(stageSelects(deepFreeze({ selector: { matchLabels: { 'bad key!': 'x' } } }), obj, none));
  t.notOk(stageSelects(deepFreeze({ selector: { matchExpressions: [{ key: 'app', operator: 'Near' }] } }), obj, none));
});

t.test('without a start-up delay a pod goes to Running in one plan; a failing pull to ErrImagePull', async (t) => {
  const planner = (b: Parameters<typeof planStagedPod>[2]) => (p: Pod, c: PodRuntimeContext) => planStagedPod(p, c, b);
  const fresh = { ...pod(), status: {} };
  const started = planUntilSettled(planner({ stage: 's', startupDelayMs: 0 }), fresh, ctx(0, { imagePresent: () => false, creatingSince: undefined }));
  t.equal(started.status?.phase, 'Running');
  t.equal(started.status?.startTime, '2026-01-01T00:00:00Z');
  t.match(containerState({ ...fresh, status: started.status }), { ready: true, state: { running: {} } });
  t.same(started.events.map((e) => e.reason), ['Pulling', 'Pulled', 'Created', 'Started'], 'every step\'s events, in order');
  t.match(started.events[1]!.message, /^Successfully pulled image "nginx" in 0s/);
  t.same(started.pulls, ['c']);
  t.same(started.pulled, ['docker.io/library/nginx:latest']);
  t.equal(started.requeueAfterMs, undefined);

  const failing = planUntilSettled(planner({ stage: 's', startupDelayMs: 0, imagePullFails: true }), fresh, ctx(0, { imagePresent: () => false, creatingSince: undefined }));
  t.equal(failing.status?.phase, 'Pending');
  t.match(containerState({ ...fresh, status: failing.status }), { state: { waiting: { reason: 'ErrImagePull' } } });

  const delayed = planUntilSettled(planner({ stage: 's', startupDelayMs: 500 }), fresh, ctx(0, { creatingSince: undefined }));
  t.match(delayed, { status: { phase: 'Pending' }, requeueAfterMs: 500 }, 'with a delay: ContainerCreating first, as before');
  t.same(planUntilSettled(planPod, fresh, ctx(0, { startupDelayMs: 0, creatingSince: undefined })).status?.phase, 'Running', 'the kubelet\'s own planner alike');
});

t.test('a plan that writes Running says when a stage fails the pod: the kubelet does not wake for its own write', async (t) => {
  const planner = (b: Parameters<typeof planStagedPod>[2]) => (p: Pod, c: PodRuntimeContext) => planStagedPod(p, c, b);
  const fresh = { ...pod('Never'), status: {} };
  const failing = { stage: 's', startupDelayMs: 0, failure: { afterMs: 2000, exitCode: 1 } };
  const started = planUntilSettled(planner(failing), fresh, ctx(0, { creatingSince: undefined }));
  t.match(started, { status: { phase: 'Running' }, requeueAfterMs: 2000 }, 'started without delay: due when it fails');

  // (A whole second: startedAt has second precision, and the failure counts from it.)
  const delayed = { ...failing, startupDelayMs: 1000 };
  const creating = planUntilSettled(planner(delayed), fresh, ctx(0, { creatingSince: undefined }));
  t.match(creating, { status: { phase: 'Pending' }, requeueAfterMs: 1000 });
  const running = planUntilSettled(planner(delayed), { ...fresh, status: creating.status }, ctx(1000, { creatingSince: T0 }));
  t.match(running, { status: { phase: 'Running' }, requeueAfterMs: 2000 }, 'started after its delay: due when it fails');
  t.match(planUntilSettled(planner(delayed), { ...fresh, status: running.status }, ctx(3000)), { status: { phase: 'Failed' } }, 'and then it fails');
  t.equal(planUntilSettled(planPod, fresh, ctx(0, { startupDelayMs: 0, creatingSince: undefined })).requeueAfterMs, undefined, 'a pod that just runs is due for nothing');
});

t.test('a start-up delay keeps the pod ContainerCreating that long', async (t) => {
  const b = { stage: 's', startupDelayMs: 3000 };
  const created = planStagedPod(pod(), ctx(0), b);
  t.equal(created.requeueAfterMs, 3000);
  const p = { ...pod(), status: created.status };
  t.match(planStagedPod(p, ctx(2000), b), { status: undefined, requeueAfterMs: 1000 });
  t.equal(planStagedPod(p, ctx(3000), b).status?.phase, 'Running');
});

t.test('a readiness delay: Running but not Ready until it is over', async (t) => {
  const b = { stage: 's', readinessDelayMs: 5000 };
  const { pod: p } = run(pod(), b, 600);
  t.equal(p.status?.phase, 'Running');
  t.equal(containerState(p).ready, false);
  t.match(p.status?.conditions?.find((c) => c.type === 'Ready'), { status: 'False', reason: 'ContainersNotReady' });
  const later = run(p, b, 6000, 600).pod;
  t.equal(containerState(later).ready, true);
  t.match(later.status?.conditions?.find((c) => c.type === 'Ready'), { status: 'True' });
});

t.test('containers that exit: restartPolicy Never fails the pod', async (t) => {
  const { pod: p } = run(pod('Never'), { stage: 's', failure: { afterMs: 1000, exitCode: 3 } }, 5000);
  t.equal(p.status?.phase, 'Failed');
  t.match(containerState(p), { ready: false, state: { terminated: { exitCode: 3, reason: 'Error' } }, restartCount: 0 });
});

t.test('containers that exit: restartPolicy Always loops with back-off 10 s, 20 s, …', async (t) => {
  t.same([1, 2, 3, 6, 9].map(crashBackOffMs), [10_000, 20_000, 40_000, 300_000, 300_000]);
  const b = { stage: 's', failure: { afterMs: 1000, exitCode: 1 } };
  let { pod: p, events } = run(pod(), b, 2000);
  t.match(containerState(p), { restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } });
  t.equal(p.status?.phase, 'Running', 'a crash-looping pod stays Running');
  t.ok(events.includes('BackOff'));
  ({ pod: p } = run(p, b, 11_500, 2000));
  t.match(containerState(p), { restartCount: 1, state: { running: {} } }, 'restarted after 10 s');
  ({ pod: p } = run(p, b, 40_000, 11_500));
  t.match(containerState(p), { restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff', message: /^back-off 40s restarting failed container=c pod=web_default\(uid-1\)$/ } } }, 'the restarts count up, the back-off doubles');
});

t.test('image pulls that fail: ErrImagePull, then ImagePullBackOff until the next attempt', async (t) => {
  t.same(pullAttempts(0, 25_000), { latest: 10_000, next: 30_000, index: 1 });
  const b = { stage: 's', imagePullFails: true };
  let { pod: p, events } = run(pod(), b, 600);
  t.match(containerState(p), { ready: false, state: { waiting: { reason: 'ErrImagePull', message: /not found/ } } });
  t.equal(p.status?.phase, 'Pending');
  t.same(events.filter((e) => e !== 'Scheduled'), ['Pulling', 'Failed', 'Failed']);
  ({ pod: p, events } = run(p, b, 2000, 600));
  t.match(containerState(p), { state: { waiting: { reason: 'ImagePullBackOff' } } });
  t.ok(events.includes('BackOff'));
});

t.test('termination: containers that ignore SIGTERM keep the pod until its grace period ends', async (t) => {
  t.same(behaviorFor('slow-stop', { termination: { ignoreSigterm: true } }, 'uid-1', 500), { stage: 'slow-stop', stopDelayMs: Infinity });
  t.same(behaviorFor('slow-stop', { termination: { exitDelayMs: 5000 } }, 'uid-1', 500), { stage: 'slow-stop', stopDelayMs: 5000 });
  // Deleted at T0 with a 30 s grace period: deletionTimestamp is T0 + 30 s.
  const running = run(pod(), undefined, 1000).pod;
  const deleted: Pod = { ...running, metadata: { ...running.metadata, deletionTimestamp: new Date(T0 + 30_000).toISOString(), deletionGracePeriodSeconds: 30 } };
  t.match(planStagedPod(deleted, ctx(1000), undefined), { delete: true }, 'without a stage the container exits 1 s after SIGTERM');
  const ignoring = { stage: 's', stopDelayMs: Infinity };
  t.match(planStagedPod(deleted, ctx(1000), ignoring), { delete: undefined, requeueAfterMs: 29_000 }, 'ignoring SIGTERM: still there after 1 s, wakes at the deadline');
  t.match(planStagedPod(deleted, ctx(29_999), ignoring), { delete: undefined, requeueAfterMs: 1 });
  t.match(planStagedPod(deleted, ctx(30_000), ignoring), { delete: true }, 'killed when the grace period ends');
  const slow = { stage: 's', stopDelayMs: 5000 };
  t.match(planStagedPod(deleted, ctx(4000), slow), { delete: undefined, requeueAfterMs: 1000 });
  t.match(planStagedPod(deleted, ctx(5000), slow), { delete: true }, 'a slow exit ends the pod when the container exits');
  const short: Pod = { ...deleted, metadata: { ...deleted.metadata, deletionTimestamp: new Date(T0 + 2000).toISOString(), deletionGracePeriodSeconds: 2 } };
  t.match(planStagedPod(short, ctx(2000), slow), { delete: true }, 'the grace period caps a slow exit');
});
