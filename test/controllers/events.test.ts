import t from 'tap';
import { pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { EventRecorder, EventSink, eventSinkOf } from '../../controllers/events.js';
import { testServer } from '../helpers/server.js';

const EVENTS = { group: '', resource: 'events' };

t.test('events are named <object>.<UnixNano hex> as client-go names them, unique within one instant, and repeats bump the count', async (t) => {
  const { app } = await testServer(t);
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const recorder = new EventRecorder(app.registry, clock, { component: 'kubelet', host: 'node-1' });
  const pod = await app.registry.create(pods, 'default', { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  await recorder.record(pod, 'Normal', 'Pulled', 'first');
  await recorder.record(pod, 'Normal', 'Created', 'second'); // same instant: the clock did not move
  await recorder.record(pod, 'Normal', 'Pulled', 'first'); // a repeat of the first
  const events = app.registry.store.list(EVENTS, 'default').filter((e) => (e.involvedObject as { name?: string }).name === 'web');
  t.equal(events.length, 2);
  const nanos = BigInt(Date.parse('2026-01-01T00:00:00Z')) * 1_000_000n;
  for (const e of events) t.match(e.metadata.name, /^web\.[0-9a-f]{16}$/);
  const suffixes = events.map((e) => BigInt(`0x${e.metadata.name!.slice('web.'.length)}`)).sort();
  t.ok(suffixes[0]! >= nanos && suffixes[1]! > suffixes[0]!, 'at or after the clock, strictly increasing');
  t.equal(events.find((e) => e.reason === 'Pulled')?.count, 2);
  t.equal(events.find((e) => e.reason === 'Created')?.count, 1);
});

t.test("client-go's EventCorrelator: similar events are combined after nine, and a source sends 25 events about one object, then one every 5 minutes", async (t) => {
  const { app } = await testServer(t);
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const recorder = new EventRecorder(app.registry, clock, { component: 'daemonset-controller' });
  const pod = await app.registry.create(pods, 'default', { metadata: { name: 'owner' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const about = () => app.registry.store.list(EVENTS, 'default').filter((e) => (e.involvedObject as { name?: string }).name === 'owner');
  // Concurrently, as the DaemonSet controller records a batch of creates.
  await Promise.all(Array.from({ length: 30 }, (_, i) => recorder.record(pod, 'Normal', 'SuccessfulCreate', `Created pod: p-${i}`)));
  let events = about();
  t.equal(events.length, 10, 'nine events of their own and one combined event');
  const separate = events.filter((e) => !(e.message as string).startsWith('('));
  t.same(separate.map((e) => e.message).sort(), Array.from({ length: 9 }, (_, i) => `Created pod: p-${i}`).sort());
  const combined = events.find((e) => (e.message as string).startsWith('(combined from similar events): '))!;
  t.ok(combined, 'the tenth and later are combined');
  t.equal(combined.count, 16, 'the spam filter let 25 through: 9 alone, 16 combined; the last 5 were dropped');
  t.equal(combined.message, '(combined from similar events): Created pod: p-24');
  t.equal(combined.reportingComponent, '', 'a combined event names no reporting controller, as upstream');
  t.match(combined.source, { component: 'daemonset-controller' });

  await recorder.record(pod, 'Normal', 'SuccessfulCreate', 'Created pod: dropped');
  t.equal(about().find((e) => e.metadata.name === combined.metadata.name)!.count, 16, 'no token left: dropped');
  clock.advance(300_000);
  await recorder.record(pod, 'Normal', 'SuccessfulCreate', 'Created pod: after-5m');
  events = about();
  const later = events.find((e) => e.metadata.name === combined.metadata.name)!;
  t.equal(later.count, 17, 'one token every 5 minutes');
  t.equal(later.message, '(combined from similar events): Created pod: after-5m');

  // Another source, or another object, has its own bucket.
  const other = new EventRecorder(app.registry, clock, { component: 'daemonset-pacing' });
  await other.record(pod, 'Normal', 'CreateBatch', 'batch 1');
  t.ok(about().some((e) => e.reason === 'CreateBatch'), 'another source about the same object is not limited by the first');
});

t.test('a recorder without correlation (the events.k8s.io API, as the scheduler uses) writes every event', async (t) => {
  const { app } = await testServer(t);
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const recorder = new EventRecorder(app.registry, clock, { component: 'default-scheduler', correlate: false });
  const pod = await app.registry.create(pods, 'default', { metadata: { name: 'many' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  for (let i = 0; i < 30; i++) await recorder.record(pod, 'Warning', 'FailedScheduling', `attempt ${i}`);
  const events = app.registry.store.list(EVENTS, 'default').filter((e) => (e.involvedObject as { name?: string }).name === 'many');
  t.equal(events.length, 30);
});

t.test('recording does not wait for the write: the store\'s one sink writes 32 at a time, first come first written', async (t) => {
  const sink = new EventSink();
  t.ok(sink.idle);
  const started: number[] = [];
  const release: Array<() => void> = [];
  const done = Array.from({ length: 40 }, (_, i) =>
    sink.submit(() => {
      started.push(i);
      return new Promise<void>((resolve) => release.push(resolve));
    }),
  );
  t.same(started, Array.from({ length: 32 }, (_, i) => i), '32 in flight, in order');
  t.notOk(sink.idle);
  release.shift()!();
  await done[0];
  t.equal(started.length, 33, 'one done: the next one starts');
  while (release.length) {
    release.shift()!();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(done);
  t.same(started, Array.from({ length: 40 }, (_, i) => i));
  t.ok(sink.idle, 'idle once all are written');

  const { app } = await testServer(t);
  const recorder = new EventRecorder(app.registry, new FakeClock('2026-01-01T00:00:00Z'), { component: 'kubelet', host: 'node-1' });
  t.equal(eventSinkOf(app.registry), eventSinkOf(app.registry), 'one sink per store');
  const pod = await app.registry.create(pods, 'default', { metadata: { name: 'quick' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const written = recorder.record(pod, 'Normal', 'Pulled', 'at once');
  const about = () => app.registry.store.list(EVENTS, 'default').filter((e) => (e.involvedObject as { name?: string }).name === 'quick');
  t.equal(about().length, 0, 'record() returned before the write');
  await written;
  t.equal(about().length, 1, 'and its promise settles once written');
  t.ok(eventSinkOf(app.registry).idle, 'the sink is idle again');
  const elsewhere = await recorder.record({ ...pod, metadata: { ...pod.metadata, namespace: 'no-such-namespace' } }, 'Normal', 'Pulled', 'dropped');
  t.equal(elsewhere, undefined, 'an event the API refuses is dropped without an error');
});
