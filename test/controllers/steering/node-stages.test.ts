import t from 'tap';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import { nodeBehaviorFor, planStagedNodeStatus } from '../../../controllers/steering/node-stages.js';
import { planNodeStatus } from '../../../controllers/kubelet.js';
import { NETWORK_NOT_READY_MESSAGE, STARTING_MESSAGE } from '../../../api/kinds/nodestage.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const node = (uid = 'uid-1'): Node => ({ metadata: { name: 'node-1', uid, creationTimestamp: '2026-01-01T00:00:00Z' }, spec: {}, status: {} });
const ready = (n: Node): NodeCondition | undefined => n.status?.conditions?.find((c) => c.type === 'Ready');
/** Applies a plan's status to the node, as the kubelet's write would. */
const apply = (n: Node, plan: ReturnType<typeof planNodeStatus>): Node => (plan.status ? { ...n, status: plan.status } : n);

t.test('without a stage the kubelet reports the node as before', async (t) => {
  t.same(planStagedNodeStatus(node(), at(0), 40_000, undefined), planNodeStatus(node(), at(0), 40_000));
  t.same(nodeBehaviorFor('none', {}, node()), { stage: 'none' });
});

t.test('a start-up delay: Ready=False (KubeletNotReady) until creation + delay, then Ready', async (t) => {
  const b = nodeBehaviorFor('late', { startup: { delayMs: 30_000 } }, node());
  t.equal(b.readyAt, T0 + 30_000);
  const first = planStagedNodeStatus(node(), at(0), 40_000, b);
  t.match(ready(apply(node(), first)), { status: 'False', reason: 'KubeletNotReady', message: STARTING_MESSAGE });
  t.equal(first.requeueAfterMs, 30_000, 'wakes when the start-up is over, before the 40 s heartbeat');
  t.same(first.events.map((e) => e.reason), ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeNotReady']);
  const starting = apply(node(), first);
  t.match(planStagedNodeStatus(starting, at(29_000), 40_000, b), { status: undefined, requeueAfterMs: 1000 }, 'nothing to write yet');
  const done = planStagedNodeStatus(starting, at(30_000), 40_000, b);
  t.match(ready(apply(starting, done)), { status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:30Z' });
  t.same(done.events.map((e) => e.reason), ['NodeReady']);
  t.equal(done.requeueAfterMs, 40_000);
});

t.test('start-up jitter is fixed per (stage, node) and within the bound', async (t) => {
  const spec = { startup: { delayMs: 1000, jitterMs: 500 } };
  const times = Array.from({ length: 200 }, (_, i) => nodeBehaviorFor('late', spec, node(`uid-${i}`)).readyAt! - T0);
  t.ok(times.every((ms) => ms >= 1000 && ms < 1500));
  t.ok(new Set(times).size > 50, 'nodes differ');
  t.equal(nodeBehaviorFor('late', spec, node('uid-7')).readyAt, nodeBehaviorFor('late', spec, node('uid-7')).readyAt);
});

t.test('a not-ready fraction: picked nodes report Ready=False with the reason and message, the rest are Ready', async (t) => {
  const picked = Array.from({ length: 1000 }, (_, i) => nodeBehaviorFor('flaky', { notReady: { fraction: 0.3 } }, node(`uid-${i}`)).notReady).filter(Boolean).length;
  t.ok(picked > 250 && picked < 350, `about 30% picked: ${picked}`);
  const b = nodeBehaviorFor('broken', { notReady: {} }, node());
  t.same(b.notReady, { reason: 'KubeletNotReady', message: NETWORK_NOT_READY_MESSAGE });
  const plan = planStagedNodeStatus(node(), at(0), 40_000, b);
  t.match(ready(apply(node(), plan)), { status: 'False', reason: 'KubeletNotReady', message: NETWORK_NOT_READY_MESSAGE });
  const custom = nodeBehaviorFor('pleg', { notReady: { reason: 'PLEGUnhealthy', message: 'PLEG is not healthy' }, startup: { delayMs: 5000 } }, node());
  const wasReady = apply(node(), planNodeStatus(node(), at(0), 40_000));
  const broken = planStagedNodeStatus(wasReady, at(60_000), 40_000, custom);
  t.match(ready(apply(wasReady, broken)), { status: 'False', reason: 'PLEGUnhealthy', message: 'PLEG is not healthy', lastTransitionTime: '2026-01-01T00:01:00Z' }, 'a Ready node turns NotReady');
  t.same(broken.events.map((e) => e.reason), ['NodeNotReady']);
  t.same(planStagedNodeStatus(wasReady, at(60_000), 40_000, undefined).events, [], 'without the stage it stays Ready');
});

t.test('a heartbeat interval replaces the 40 s node status report', async (t) => {
  const b = nodeBehaviorFor('chatty', { heartbeat: { intervalMs: 10_000 } }, node());
  const n = apply(node(), planStagedNodeStatus(node(), at(0), 40_000, b));
  t.match(planStagedNodeStatus(n, at(5000), 40_000, b), { status: undefined, requeueAfterMs: 5000 });
  const beat = planStagedNodeStatus(n, at(10_000), 40_000, b);
  t.equal(ready(apply(n, beat))?.lastHeartbeatTime, '2026-01-01T00:00:10Z');
  t.equal(beat.requeueAfterMs, 10_000);
  t.match(planStagedNodeStatus(n, at(10_000), 40_000, undefined), { status: undefined, requeueAfterMs: 30_000 }, 'the default waits 40 s');
});
