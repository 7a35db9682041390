// End-to-end, "virtual clock": with startCluster({ clock: 'virtual' }) time stands still until
// `kubectl patch clock cluster` advances it; then a DaemonSet's 30 s minReadySeconds and a node's
// 40 s grace period pass at once (real seconds), AGE columns and timestamps follow the clock.
import t from 'tap';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { kubectl, startServer } from '../helpers/cluster.js';
import { steeringCluster, steeringKubectl, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();

const DS = `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: slow-ready
spec:
  minReadySeconds: 30
  selector:
    matchLabels: { app: slow-ready }
  template:
    metadata:
      labels: { app: slow-ready }
    spec:
      containers: [{ name: c, image: busybox }]
`;

t.test('a virtual clock: time stands still until advanced, then grace periods pass at once', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { ok, k } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 3, clock: 'virtual' });
  const advance = async (seconds: number): Promise<number> => {
    const started = Date.now();
    await ok(['patch', 'clock', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { advanceSeconds: seconds } })]);
    await ok(['wait', 'clock/cluster', '--for=condition=Settled', '--timeout=60s']);
    return Date.now() - started;
  };
  const dsRow = async () => parseTable(await ok(['get', 'ds', 'slow-ready'])).rows[0]!;

  const clock = await until('the clock object', async () => {
    const r = await k(['get', 'clock', 'cluster']);
    return r.code === 0 ? parseTable(r.stdout).rows[0] : undefined;
  });
  t.match(clock, { NAME: 'cluster', MODE: 'Virtual', TARGET: '<none>', SETTLED: 'True' });
  const start = clock.TIME!;

  await ok(['create', '-f', '-'], { input: DS });
  await until('three pods created', async () => (await ok(['get', 'pods', '-o', 'name'])).trim().split('\n').length === 3);
  await new Promise((r) => setTimeout(r, 1500));
  t.match(await dsRow(), { DESIRED: '3', READY: '0', AGE: '0s' }, 'no time passed: pods are still being created, the DaemonSet is 0s old');

  await advance(1);
  await until('pods ready', async () => (await dsRow()).READY === '3');
  t.match(await dsRow(), { READY: '3', AVAILABLE: '0', AGE: '1s' }, 'ready but not yet available: minReadySeconds is 30');
  await new Promise((r) => setTimeout(r, 2000));
  t.match(await dsRow(), { AVAILABLE: '0', AGE: '1s' }, 'two real seconds later nothing moved');

  const took = await advance(30);
  t.ok(took < 20_000, `30 s of minReadySeconds took ${took} ms of real time`);
  t.match(await dsRow(), { AVAILABLE: '3', AGE: '31s' }, 'available right after the advance');
  const now = parseTable(await ok(['get', 'clock', 'cluster'])).rows[0]!;
  t.equal(Date.parse(now.TIME!) - Date.parse(start), 31_000, 'the clock moved exactly 31 s');

  // A node's 40 s grace period, passed in one patch.
  await ok(['create', '-f', '-'], { input: 'apiVersion: kubemock.dev/v1alpha1\nkind: NodeControl\nmetadata:\n  name: node-3\nspec:\n  kubelet: Stopped\n' });
  t.equal(parseTable(await ok(['get', 'nodes'])).rows.find((r) => r.NAME === 'node-3')?.STATUS, 'Ready', 'still Ready: no time passed');
  await advance(40);
  t.equal(parseTable(await ok(['get', 'nodes'])).rows.find((r) => r.NAME === 'node-3')?.STATUS, 'NotReady', 'NotReady right after advancing past the grace period');
  const heartbeat = await ok(['get', 'node', 'node-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}']);
  t.ok(Date.parse(heartbeat) >= Date.parse(start) + 40_000, `running kubelets kept posting their 40 s heartbeats on virtual time (${heartbeat})`);
  const lease = await ok(['get', 'lease', '-n', 'kube-node-lease', 'node-1', '-o', 'jsonpath={.spec.renewTime}']);
  t.ok(Date.parse(lease) >= Date.parse(start) + 61_000, `and renewed their leases every 10 s (${lease})`);

  // Validation of the singleton.
  const other = await k(['create', '-f', '-'], { input: 'apiVersion: kubemock.dev/v1alpha1\nkind: Clock\nmetadata:\n  name: other\n' });
  t.match(other.stderr, /metadata.name: Invalid value: "other": the clock is a singleton: must be "cluster"/);
  const backwards = await k(['patch', 'clock', 'cluster', '--type=merge', '-p', '{"spec":{"advanceSeconds":-5}}']);
  t.match(backwards.stderr, /spec.advanceSeconds: Invalid value: -5: must be greater than or equal to 1/);
});

t.test('the server process: --clock virtual and --request-log-size', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const server = await startServer(t, { nodes: 1, args: ['--clock', 'virtual', '--request-log-size', '5'] });
  const k = (args: string[]) => kubectl((kubectlFound as { binary: string }).binary, server, args, { timeoutMs: 60_000 });
  const clock = await until('the clock', async () => {
    const r = await k(['get', 'clock', 'cluster']);
    return r.code === 0 ? parseTable(r.stdout).rows[0] : undefined;
  });
  t.match(clock, { MODE: 'Virtual', SETTLED: 'True' });
  const before = Date.parse(clock.TIME!);
  const patched = await k(['patch', 'clock', 'cluster', '--type=merge', '-p', '{"spec":{"advanceSeconds":3600}}']);
  t.equal(patched.code, 0, patched.stderr);
  t.equal((await k(['wait', 'clock/cluster', '--for=condition=Settled', '--timeout=120s'])).code, 0);
  const after = parseTable((await k(['get', 'clock', 'cluster'])).stdout).rows[0]!;
  t.equal(Date.parse(after.TIME!) - before, 3_600_000, 'an hour passed');
  t.equal(parseTable((await k(['get', 'nodes'])).stdout).rows[0]?.AGE, '60m', 'and the node is an hour old');
  const logged = parseTable((await k(['get', 'recordedrequests'])).stdout).rows;
  t.equal(logged.length, 5, 'the request log keeps --request-log-size requests');
});
