import t from 'tap';
import { DaemonSetPacer, TokenBucket, pacingOf, slowStartBatches } from '../../../controllers/daemonset/pacing.js';
import type { PodCreation } from '../../../controllers/daemonset/planner.js';

const wanted = (n: number, from = 0): PodCreation[] => Array.from({ length: n }, (_, i) => ({ node: `node-${from + i}`, pod: {} }));

t.test('slow start: 1, 2, 4, … with the last batch cut to what remains', async (t) => {
  t.same(slowStartBatches(0), []);
  t.same(slowStartBatches(1), [1]);
  t.same(slowStartBatches(10), [1, 2, 4, 3]);
  t.same(slowStartBatches(250), [1, 2, 4, 8, 16, 32, 64, 123]);
  t.same(slowStartBatches(50), [1, 2, 4, 8, 16, 19]);
});

t.test('pacing comes from the annotation, else the cluster default', async (t) => {
  t.same(pacingOf({}), { mode: 'instant' });
  t.same(pacingOf({}, 'realistic'), { mode: 'realistic' });
  t.same(pacingOf({ metadata: { annotations: { 'kubemock.dev/daemonset-pacing': 'fixed', 'kubemock.dev/daemonset-pacing-qps': '4' } } }), { mode: 'fixed', qps: 4 });
  t.same(pacingOf({ metadata: { annotations: { 'kubemock.dev/daemonset-pacing': 'fixed' } } }), { mode: 'fixed', qps: 10 });
  t.same(pacingOf({ metadata: { annotations: { 'kubemock.dev/daemonset-pacing': 'warp' } } }, 'realistic'), { mode: 'realistic' }, 'an unknown mode falls back');
});

t.test('the token bucket: burst at once, then qps a second', async (t) => {
  const b = new TokenBucket(20, 30, 0);
  t.equal(b.available(0), 30);
  b.take(30, 0);
  t.equal(b.available(0), 0);
  t.equal(b.waitMs(0), 50);
  t.equal(b.available(1000), 20);
  t.equal(b.available(10_000), 30, 'never more than burst');
});

t.test('instant: every create now, in slow-start chunks', async (t) => {
  const step = new DaemonSetPacer().step('ns/ds', { mode: 'instant' }, wanted(10), 0, 0);
  t.same(step.chunks.map((c) => c.creates.length), [1, 2, 4, 3]);
  t.equal(step.requeueAfterMs, undefined);
});

t.test('realistic: 250 a sync in upstream batches, 20 QPS after a burst of 30, a new sync once its creates are observed', async (t) => {
  const pacer = new DaemonSetPacer();
  let remaining = wanted(300);
  let now = 0;
  let rv = 0;
  const batches: string[] = [];
  const createdAt: number[] = [];
  for (let i = 0; i < 2000 && remaining.length; i++) {
    const step = pacer.step('ns/ds', { mode: 'realistic' }, remaining, now, rv);
    for (const chunk of step.chunks) {
      const done = new Set(chunk.creates.map((c) => c.node));
      remaining = remaining.filter((c) => !done.has(c.node));
      for (const _ of chunk.creates) createdAt.push(now);
      rv += chunk.creates.length;
      pacer.created('ns/ds', rv);
      if (chunk.completes) batches.push(`${chunk.completes.sync}:${chunk.completes.size}`);
    }
    now += step.requeueAfterMs ?? 0;
  }
  t.same(batches, ['1:1', '1:2', '1:4', '1:8', '1:16', '1:32', '1:64', '1:123', '2:1', '2:2', '2:4', '2:8', '2:16', '2:19']);
  t.equal(createdAt.length, 300);
  t.equal(createdAt.filter((ms) => ms === 0).length, 30, 'the burst goes out at once');
  t.equal(createdAt.filter((ms) => ms < 1000).length, 49, 'then 20 a second');
  const last = createdAt[createdAt.length - 1]!;
  t.ok(last >= 13_400 && last <= 13_600, `300 creates take (300 - 30) / 20 = 13.5 s: ${last} ms`);
});

t.test('realistic: a sync waits for the controller to observe its creates', async (t) => {
  const pacer = new DaemonSetPacer();
  const first = pacer.step('ns/ds', { mode: 'realistic' }, wanted(1), 0, 0);
  t.equal(first.chunks[0]!.creates.length, 1);
  pacer.created('ns/ds', 7);
  t.same(pacer.step('ns/ds', { mode: 'realistic' }, wanted(1, 1), 100, 6), { chunks: [], requeueAfterMs: 10 }, 'not yet observed');
  t.equal(pacer.step('ns/ds', { mode: 'realistic' }, wanted(1, 1), 100, 7).chunks[0]!.creates.length, 1);
});

t.test('fixed: one create at a time at the DaemonSet\'s rate', async (t) => {
  const pacer = new DaemonSetPacer();
  const step = pacer.step('ns/ds', { mode: 'fixed', qps: 4 }, wanted(10), 0, 0);
  t.same(step.chunks.map((c) => c.creates.length), [1]);
  t.equal(step.requeueAfterMs, 250);
  t.same(pacer.step('ns/ds', { mode: 'fixed', qps: 4 }, wanted(9, 1), 250, 1).chunks.map((c) => c.creates.length), [1]);
});

t.test('a failed create gives up the rest of the sync; nodes no longer wanted are skipped', async (t) => {
  const pacer = new DaemonSetPacer();
  pacer.step('ns/ds', { mode: 'realistic' }, wanted(5), 0, 0);
  pacer.abort('ns/ds');
  const next = pacer.step('ns/ds', { mode: 'realistic' }, wanted(2, 3), 0, 0);
  t.same(next.chunks.map((c) => c.creates.map((x) => x.node)), [['node-3'], ['node-4']], 'a fresh sync, from batch 1');
  const slow = new DaemonSetPacer({ qps: 1, burst: 1 });
  t.same(slow.step('ns/ds', { mode: 'realistic' }, wanted(3), 0, 0).chunks.map((c) => c.creates.map((x) => x.node)), [['node-0']]);
  const later = slow.step('ns/ds', { mode: 'realistic' }, [wanted(3)[2]!], 1000, 1);
  t.same(later.chunks.map((c) => c.creates.map((x) => x.node)), [['node-2']], 'node-1 no longer needs a pod: skipped, costing no token');
});
