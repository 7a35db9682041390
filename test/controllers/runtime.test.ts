// The controller runner's pacing: a key whose reconcile holds the event loop waits ten times that
// long before it runs again while the loop is busy, runs again at once when the loop is idle, and
// a cheap key is never held back.
import t, { type Test } from 'tap';
import { ControllerRunner, type Reconciler } from '../../controllers/runtime.js';
import { realClock } from '../../controllers/clock.js';
import { testServer } from '../helpers/server.js';

/** Holds the event loop for ms (a reconcile's planning). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Keeps the event loop busy (other controllers and requests) until stopped: 1 ms of work per turn. */
function busyLoop(): { stop(): void } {
  let running = true;
  const turn = () => {
    if (!running) return;
    spin(1);
    setImmediate(turn);
  };
  setImmediate(turn);
  return { stop: () => (running = false) };
}

/**
 * A runner over one key whose reconcile holds the loop for `holdMs` and asks to run again each
 * time (as a DaemonSet's own pods' events re-queue it); `starts` are the reconciles' start times.
 */
async function runner(t: Test, holdMs: number): Promise<{ starts: number[]; stop: () => Promise<void> }> {
  const { app } = await testServer(t, { nodes: 0 });
  const starts: number[] = [];
  let run: ControllerRunner | undefined = undefined;
  const reconciler: Reconciler = {
    name: 'test',
    watches: [],
    initialKeys: () => ['k'],
    async reconcile(key) {
      starts.push(performance.now());
      spin(holdMs);
      run!.queue.add(key);
    },
  };
  run = new ControllerRunner(reconciler, { registry: app.registry, clock: realClock });
  run.start();
  const stop = () => run.stop();
  t.teardown(stop);
  return { starts, stop };
}

const gaps = (starts: number[]) => starts.slice(1).map((s, i) => s - starts[i]!);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The start times of the key's reconciles over ms, each holding the loop holdMs, on a busy or an idle loop. */
async function startsOver(t: Test, holdMs: number, ms: number, loop: 'busy' | 'idle'): Promise<number[]> {
  const busy = loop === 'busy' ? busyLoop() : undefined;
  const { starts, stop } = await runner(t, holdMs);
  await wait(ms);
  await stop();
  busy?.stop();
  return starts;
}

t.test('while the event loop is busy, a key that held it for 5 ms waits about 50 ms before it runs again', async (t) => {
  const starts = await startsOver(t, 5, 400, 'busy');
  t.ok(starts.length >= 3, `ran ${starts.length} times`);
  // Unpaced it would run back to back, every 5 to 7 ms; at most a tenth of the loop leaves 50 ms between starts.
  t.ok(starts.length <= 10, `ran ${starts.length} times in 400 ms`);
  t.ok(Math.min(...gaps(starts)) >= 45, `gaps between runs: ${gaps(starts).map((g) => g.toFixed(0)).join(', ')} ms`);
});

t.test('on an idle event loop a paced key runs again within a few milliseconds', async (t) => {
  const starts = await startsOver(t, 5, 300, 'idle');
  t.ok(starts.length >= 8, `ran ${starts.length} times in 300 ms`);
  // The pause would be 50 ms; it ends at its first look at an idle loop (every 2 ms).
  const sorted = gaps(starts).sort((a, b) => a - b);
  t.ok(sorted[Math.floor(sorted.length / 2)]! < 25, `median gap ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms`);
});

t.test('a reconcile that holds the loop under a millisecond is not paced, even on a busy loop', async (t) => {
  const starts = await startsOver(t, 0.2, 200, 'busy');
  // Each run waits only for its turn behind the busy loop's 1 ms turns.
  t.ok(starts.length >= 40, `ran ${starts.length} times in 200 ms`);
});

t.test('stop() ends a pause at once', async (t) => {
  const busy = busyLoop();
  const { starts, stop } = await runner(t, 60);
  while (starts.length < 2) await wait(5);
  // The second run held the loop 60 ms: the third waits up to 600 ms while the loop is busy.
  await wait(20);
  const before = performance.now();
  await stop();
  const took = performance.now() - before;
  busy.stop();
  t.ok(took < 200, `stop took ${took.toFixed(0)} ms`);
  t.equal(starts.length, 2, 'the paced run did not happen');
});
