// End-to-end, "DaemonSet pacing": on a virtual clock, a realistic-paced DaemonSet over 300 nodes
// creates its pods as kube-controller-manager would — two syncs (250, then 50) in upstream's
// slow-start batches (1, 2, 4, …, 123 and 1, 2, 4, 8, 16, 19), at 20 creates a second after a
// burst of 30 — while instant and fixed-rate DaemonSets keep their own pace. Real kubectl 1.33.
import t from 'tap';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { steeringCluster, steeringKubectl, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();

const ds = (name: string, annotations: Record<string, string>, nodeSelector?: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });

/** Pod creation times relative to the first, in ms, sorted. */
async function creationOffsets(ok: (args: string[]) => Promise<string>, app: string): Promise<number[]> {
  const out = await ok(['get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={range .items[*]}{.metadata.creationTimestamp}{"\\n"}{end}']);
  const times = out.trim().split('\n').filter(Boolean).map((s) => Date.parse(s)).sort((a, b) => a - b);
  return times.map((x) => x - times[0]!);
}

t.test('realistic pacing over 300 nodes: upstream batch sizes, 250 a sync, 20 creates a second', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { ok } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 300, clock: 'virtual' });
  const advance = async (seconds: number) => {
    await ok(['patch', 'clock', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { advanceSeconds: seconds } })]);
    await ok(['wait', 'clock/cluster', '--for=condition=Settled', '--timeout=300s']);
  };
  await until('the clock', async () => (await ok(['get', 'clocks', '-o', 'name'])).includes('cluster'), 60_000);
  await ok(['create', '-f', '-'], { input: ds('paced', { 'kubemock.dev/daemonset-pacing': 'realistic' }) });

  // No time has passed: only the client's burst of 30 creates went out.
  const atOnce = await until('the burst', async () => {
    const n = (await ok(['get', 'pods', '-l', 'app=paced', '-o', 'name'])).trim().split('\n').filter(Boolean).length;
    return n === 30 ? n : undefined;
  });
  t.equal(atOnce, 30, 'the burst of 30 goes out at once; the rest waits for the rate limiter');

  await advance(20);
  const row = parseTable(await ok(['get', 'ds', 'paced'])).rows[0]!;
  t.match(row, { DESIRED: '300', CURRENT: '300' }, 'all 300 created within 20 s');
  const events = await ok(['get', 'events', '--field-selector', 'reason=CreateBatch,involvedObject.name=paced', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
  const batches = events
    .trim()
    .split('\n')
    .map((m) => /^Sync (\d+), slow-start batch (\d+): (\d+) pods$/.exec(m)!)
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  t.same(batches.filter((b) => b[0] === 1).map((b) => b[2]), [1, 2, 4, 8, 16, 32, 64, 123], 'sync 1: 250 creates in upstream slow-start batches');
  t.same(batches.filter((b) => b[0] === 2).map((b) => b[2]), [1, 2, 4, 8, 16, 19], 'sync 2: the remaining 50');
  const offsets = await creationOffsets(ok, 'paced');
  t.equal(offsets.length, 300);
  t.equal(offsets.filter((ms) => ms < 1000).length, 49, '30 at once, then 20 a second');
  const last = offsets[offsets.length - 1]!;
  t.ok(last >= 13_000 && last <= 14_000, `the last create ${last} ms after the first: (300 - 30) / 20 = 13.5 s`);
});

t.test('fixed and instant pacing', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { ok } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 10, clock: 'virtual' });
  const advance = async (seconds: number) => {
    await ok(['patch', 'clock', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { advanceSeconds: seconds } })]);
    await ok(['wait', 'clock/cluster', '--for=condition=Settled', '--timeout=120s']);
  };
  await until('the clock', async () => (await ok(['get', 'clocks', '-o', 'name'])).includes('cluster'));
  await ok(['create', '-f', '-'], { input: ds('steady', { 'kubemock.dev/daemonset-pacing': 'fixed', 'kubemock.dev/daemonset-pacing-qps': '2' }) });
  await ok(['create', '-f', '-'], { input: ds('eager', {}) });
  await until('eager complete', async () => parseTable(await ok(['get', 'ds', 'eager'])).rows[0]?.CURRENT === '10');
  t.pass('instant (the default): all 10 pods with no time passing');
  t.equal((await ok(['get', 'pods', '-l', 'app=steady', '-o', 'name'])).trim().split('\n').filter(Boolean).length, 1, 'fixed: one pod so far');
  await advance(5);
  const offsets = await creationOffsets(ok, 'steady');
  t.equal(offsets.length, 10);
  t.same(offsets, [0, 0, 1000, 1000, 2000, 2000, 3000, 3000, 4000, 4000], 'two a second (creationTimestamps have whole seconds)');
});
