import t from 'tap';
import { clockStrategy } from '../../../api/kinds/clock.js';
import { planClockStatus } from '../../../controllers/steering/clock.js';
import type { KubeObject } from '../../../store/object.js';

const clock = (spec: Record<string, unknown>, name = 'cluster'): KubeObject => ({ apiVersion: 'kubemock.dev/v1alpha1', kind: 'Clock', metadata: { name, generation: 1 }, spec });
const now = new Date('2026-01-01T00:00:00.500Z');

t.test('advanceSeconds becomes spec.time past the later of spec.time and now, and is not stored', async (t) => {
  const created = clock({ advanceSeconds: 40 });
  clockStrategy.prepareForCreate!(created, { now });
  t.same(created.spec, { time: '2026-01-01T00:00:40.500Z' });
  const again = clock({ advanceSeconds: 40, time: '2026-01-01T00:00:40.500Z' });
  clockStrategy.prepareForUpdate!(again, created, { now });
  t.same(again.spec, { time: '2026-01-01T00:01:20.500Z' }, 'the same patch twice advances twice');
  t.equal(again.metadata.generation, 2);
  const whole = clock({ advanceSeconds: 1 });
  clockStrategy.prepareForCreate!(whole, { now: new Date('2026-01-01T00:00:00Z') });
  t.same(whole.spec, { time: '2026-01-01T00:00:01Z' });
});

t.test('validation: a singleton named cluster, a positive integer advance, a timestamp', async (t) => {
  const errors = (obj: KubeObject) => clockStrategy.validate!(obj).map((e) => `${e.field}: ${e.message}`);
  t.same(errors(clock({}, 'other')), ['metadata.name: Invalid value: "other": the clock is a singleton: must be "cluster"']);
  const bad = clock({ advanceSeconds: -1 });
  clockStrategy.prepareForCreate!(bad, { now });
  t.same(errors(bad), ['spec.advanceSeconds: Invalid value: -1: must be greater than or equal to 1'], 'an invalid advance is left for validation');
  t.same(errors(clock({ time: 'tomorrow' })), ['spec.time: Invalid value: "tomorrow": must be an RFC 3339 timestamp']);
});

t.test('status: virtual clocks report time and Settled once the target is reached; real ones refuse targets', async (t) => {
  t.match(planClockStatus(clock({ time: '2026-01-01T00:01:00Z' }), 'Virtual', now), { mode: 'Virtual', time: '2026-01-01T00:00:00.500Z', conditions: [{ type: 'Settled', status: 'False', reason: 'Advancing', observedGeneration: 1 }] });
  t.match(planClockStatus(clock({ time: '2026-01-01T00:00:00Z' }), 'Virtual', now), { conditions: [{ status: 'True', reason: 'TargetReached' }] });
  t.match(planClockStatus(clock({}), 'Real', now), { mode: 'Real', conditions: [{ status: 'True', reason: 'RealClock' }] });
  t.match(planClockStatus(clock({ time: '2026-01-01T00:01:00Z' }), 'Real', now), { conditions: [{ status: 'False', reason: 'RealClock', message: /--clock virtual/ }] });
  t.equal(planClockStatus(clock({}), 'Real', now).time, undefined);
});
