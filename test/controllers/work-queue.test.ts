import t from 'tap';
import { FakeClock } from '../../controllers/clock.js';
import { WorkQueue } from '../../controllers/work-queue.js';

function countingQueue(): { queue: WorkQueue; adds: () => number; clock: FakeClock } {
  let adds = 0;
  const clock = new FakeClock();
  return { queue: new WorkQueue({ clock, onAdd: () => adds++ }), adds: () => adds, clock };
}

t.test('a key added again before it is processed collapses and counts as one add', async (t) => {
  const { queue, adds } = countingQueue();
  queue.add('a');
  queue.add('a');
  queue.add('b');
  t.equal(queue.length, 2);
  t.equal(adds(), 2);
});

t.test('a key re-added while in flight counts once more and is handed out again after done', async (t) => {
  const { queue, adds } = countingQueue();
  queue.add('a');
  t.equal(await queue.get(), 'a');
  queue.add('a');
  queue.add('a');
  t.equal(queue.length, 0, 'not handed out while in flight');
  queue.done('a');
  t.equal(queue.length, 1);
  t.equal(await queue.get(), 'a');
  queue.done('a');
  t.equal(adds(), 2, 'the first add and the one while in flight; the collapsed one and done do not count');
});

t.test('a rate-limited retry counts as an add when its back-off ends', async (t) => {
  const { queue, adds, clock } = countingQueue();
  queue.add('a');
  await queue.get();
  queue.addRateLimited('a');
  queue.done('a');
  t.equal(adds(), 1);
  clock.advance(5);
  t.equal(adds(), 2);
  t.equal(await queue.get(), 'a');
});

t.test('after shut down, a key re-added while in flight is dropped when done', async (t) => {
  const { queue } = countingQueue();
  queue.add('a');
  await queue.get();
  queue.add('a');
  queue.shutDown();
  queue.done('a');
  t.equal(await queue.get(), undefined);
});
