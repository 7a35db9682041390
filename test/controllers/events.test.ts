import t from 'tap';
import { pods } from '../../api/resources.js';
import { FakeClock } from '../../controllers/clock.js';
import { EventRecorder } from '../../controllers/events.js';
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
