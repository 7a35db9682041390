import t from 'tap';
import { VirtualClock, isVirtualClock } from '../../controllers/virtual-clock.js';
import { FakeClock } from '../../controllers/clock.js';

t.test('time stands still until advanced; timers fire in order, each instant settling before the next', async (t) => {
  const clock = new VirtualClock('2026-01-01T00:00:00Z');
  const seen: string[] = [];
  let busy = 0;
  clock.addIdleProbe(() => busy === 0);
  // A "controller" that works asynchronously after each timer and reschedules itself every 10 s.
  const renew = () => {
    busy++;
    setTimeout(() => {
      seen.push(`renew@${clock.now().toISOString().slice(17, 19)}`);
      busy--;
      clock.schedule(10_000, renew);
    }, 5);
  };
  clock.schedule(10_000, renew);
  clock.schedule(25_000, () => seen.push(`check@${clock.now().toISOString().slice(17, 19)}`));
  await new Promise((r) => setTimeout(r, 20));
  t.equal(clock.now().toISOString(), '2026-01-01T00:00:00.000Z', 'nothing moves on its own');
  await clock.advance(40_000);
  t.same(seen, ['renew@10', 'renew@20', 'check@25', 'renew@30', 'renew@40'], 'each instant finished its async work before the next');
  t.equal(clock.now().toISOString(), '2026-01-01T00:00:40.000Z');
  t.equal(clock.pending, 1, 'the next renewal waits at 50 s');
});

t.test('advanceTo never goes back; a cancelled timer never fires', async (t) => {
  const clock = new VirtualClock('2026-01-01T00:00:10Z');
  let fired = false;
  const cancel = clock.schedule(1000, () => (fired = true));
  cancel();
  await clock.advanceTo(new Date('2026-01-01T00:00:05Z'));
  t.equal(clock.now().toISOString(), '2026-01-01T00:00:10.000Z');
  await clock.advance(5000);
  t.notOk(fired);
});

t.test('isVirtualClock tells it apart from the others', async (t) => {
  t.ok(isVirtualClock(new VirtualClock()));
  t.notOk(isVirtualClock(new FakeClock()));
});
