// The benchmarks do not run in CI at their sizes; a tiny run of the ones that take size flags keeps
// them working (npm test builds dist/ first). Figures are not judged here: bench/ prints ratios.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bench = (name: string) => path.join(root, 'dist', 'bench', `${name}.js`);
const built = existsSync(bench('fanout'));

function run(name: string, args: string[], nodeArgs: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, bench(name), ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${name}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

t.test('bench:fanout at 20 nodes: the first in the process, warm-ups, then the median of two runs with the default and a 0 ms start-up', { skip: built ? false : 'dist/ is not built (npm test builds it)' }, async (t) => {
  const out = await run('fanout', ['--nodes', '20', '--startup-delay-ms', '0', '--warm-up', '2', '--runs', '2']);
  const runs = [...out.matchAll(/DaemonSet created -> 20 pods Running\+Ready, status 20\/20: ([\d.]+) ms/g)];
  t.equal(runs.length, 3, 'the first fan-out and the two medians are reported', { out });
  t.equal([...out.matchAll(/warm-up fan-out \d of 2, 20 nodes: [\d.]+ ms, process CPU [\d.]+ ms \(the server thread's [\d.]+ ms\)/g)].length, 2, 'two warm-ups');
  t.equal([...out.matchAll(/, the median of 2 runs: \d+, \d+ ms/g)].length, 2, 'each measured figure is the median of two runs');
  t.match(out, /fan-out, 20 nodes \(durable store, all controllers\), the first DaemonSet in this process/);
  t.match(out, /all 20 pods seen created at [\d.]+ ms, bound at [\d.]+ ms, Running\+Ready at [\d.]+ ms/);
  t.match(out, /its thread's CPU time: [\d.]+ ms; the whole process's \(client and V8's compiler and GC threads too\): [\d.]+ ms/);
  t.equal([...out.matchAll(/the same seen by a watch inside the server process \(no client thread to fall behind\): [\d.]+ ms/g)].length, 3, 'every fan-out is also timed inside the server');
  const steps = [...out.matchAll(/the last pod created at ([\d.]+) ms, bound at ([\d.]+) ms, ContainerCreating at ([\d.]+) ms, Running\+Ready at ([\d.]+) ms; status 20\/20 at ([\d.]+) ms/g)];
  t.equal(steps.length, 3, 'every fan-out shows when each step was last taken inside the server');
  for (const step of steps) {
    const at = step.slice(1).map(Number);
    t.same([...at].sort((a, b) => a - b), at, `created <= bound <= ContainerCreating <= Ready <= status: ${step[0]}`);
  }
  t.match(out, /ratio fan-out \/ direct creates: +[\d.]+/);
});

t.test('bench:schedule at 20 nodes: pods through the scheduler beside the same pods with spec.nodeName set', { skip: built ? false : 'dist/ is not built (npm test builds it)' }, async (t) => {
  const out = await run('schedule', ['--nodes', '20', '--pods', '40']);
  t.match(out, /schedule, 20 nodes \(durable store, all controllers\), 40 pods created 16 at a time/);
  t.match(out, /through the scheduler: +every pod bound at [\d.]+ ms, Running\+Ready at [\d.]+ ms/);
  t.match(out, /with spec\.nodeName set: every pod Running\+Ready at [\d.]+ ms/);
  t.match(out, /ratio scheduled \/ pinned \(Running\+Ready\): [\d.]+/);
});

t.test('bench:writes and bench:watch at a small size', { skip: built ? false : 'dist/ is not built (npm test builds it)' }, async (t) => {
  const writes = await run('writes', ['--stored', '200', '--creates', '300']);
  t.match(writes, /durable \(lowdb \+ O_DSYNC journal\): +\d+ creates\/s/);
  t.match(writes, /durable inside the server \(parsed to answered\): p50 [\d.]+ ms, p99 [\d.]+ ms/);
  t.match(writes, /memory {2}inside the server \(parsed to answered\): p50 [\d.]+ ms, p99 [\d.]+ ms/);
  t.match(writes, /ratio durable \/ memory throughput: +[\d.]+/);
  t.match(writes, /offered \d+ creates\/s \(half the durable throughput\)/);
  t.match(writes, /durable: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms, [1-9]\d* connections opened; {2}memory: p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms, [1-9]\d* connections opened/);
  t.match(writes, /the disk alone, \d+ O_DSYNC appends of 4 KiB one at a time: p50 [\d.]+ ms, p99 [\d.]+ ms/);
  const watch = await run('watch', ['--watchers', '5', '--updates', '100']);
  t.match(watch, /every watcher saw every update exactly once, in order/);
});

t.test('bench:memory at a small size', { skip: built ? false : 'dist/ is not built (npm test builds it)' }, async (t) => {
  const out = await run('memory', ['--nodes', '20', '--pods', '400'], ['--expose-gc']);
  t.match(out, /settled, controllers running: +RSS [\d.]+ MiB/);
  t.match(out, /duplicates 0, missing 0, created after the first page but listed 0: consistent/);
});
