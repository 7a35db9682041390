// End-to-end, "node failure and recovery": a NodeControl stops node-2's kubelet; on a FakeClock the
// node goes Unknown after the 40 s grace period, gets the unreachable taints, its plain pod (with the
// default 300 s tolerations the pod strategy adds) is evicted 300 s later while the daemon pod
// stays, and starting the kubelet again heals everything. Observed with real kubectl 1.33.
import t from 'tap';
import path from 'node:path';
import { FakeClock, type KubeObject } from '../../index.js';
import { ROOT } from '../helpers/cluster.js';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { advanceUntil, steeringCluster, steeringKubectl, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();
const FIXTURE = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');
const PODS = { group: '', resource: 'pods' };
const NODES = { group: '', resource: 'nodes' };

const WEB_POD = `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeSelector:
    kubernetes.io/hostname: node-2
  containers:
    - name: web
      image: nginx
`;

t.test('a stopped kubelet: node Unknown, unreachable taints, plain pods evicted after 300 s, daemon pods stay, all heals on start', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const clock = new FakeClock(new Date());
  const { cluster, ok } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 3, clock });
  const store = cluster.app.registry.store;
  const podsOn = (node: string) => store.byIndex(PODS, 'nodeName', node);
  const running = (p: KubeObject) => (p.status as { phase?: string } | undefined)?.phase === 'Running';

  await ok(['create', '-f', FIXTURE]);
  await ok(['create', '-f', '-'], { input: WEB_POD });
  await advanceUntil(clock, 'daemon pods on 3 nodes and web on node-2 running', () => podsOn('node-2').length === 2 && podsOn('node-2').every(running) && store.list(PODS).filter(running).length === 4, { stepMs: 250 });

  const web = store.get(PODS, 'default', 'web')!;
  t.match((web.spec as { tolerations: unknown[] }).tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ], 'a plain pod gets the DefaultTolerationSeconds tolerations');
  const tolerations = await ok(['get', 'pod', 'web', '-o', 'jsonpath={.spec.tolerations[*].key}={.spec.tolerations[*].tolerationSeconds}']);
  t.match(tolerations, /node\.kubernetes\.io\/not-ready node\.kubernetes\.io\/unreachable=300 300/, 'kubectl shows them');
  const dsPod = podsOn('node-2').find((p) => p.metadata.name !== 'web')!;
  t.notMatch(JSON.stringify(dsPod.spec), /tolerationSeconds/, 'daemon pods tolerate unreachable without a deadline');

  const stop = 'apiVersion: kubemock.dev/v1alpha1\nkind: NodeControl\nmetadata:\n  name: node-2\nspec:\n  kubelet: Stopped\n';
  t.match(await ok(['create', '-f', '-'], { input: stop }), /nodecontrol\.kubemock\.dev\/node-2 created/);
  const stoppedAt = clock.now().getTime();

  await advanceUntil(clock, 'node-2 Unknown', () => {
    const ready = ((store.get(NODES, undefined, 'node-2')!.status as { conditions: Array<{ type: string; status: string }> }).conditions).find((c) => c.type === 'Ready');
    return ready?.status === 'Unknown';
  });
  const graceSeconds = (clock.now().getTime() - stoppedAt) / 1000;
  t.ok(graceSeconds > 30 && graceSeconds <= 42, `Unknown after the 40 s grace period (counted from the last renewal): ${graceSeconds} s`);
  await advanceUntil(clock, 'taints and the nodecontrol status', () => {
    const nc = store.get({ group: 'kubemock.dev', resource: 'nodecontrols' }, undefined, 'node-2');
    return (nc?.status as { taints?: string[] } | undefined)?.taints?.length === 2;
  }, { stepMs: 100 });

  const nodes = parseTable(await ok(['get', 'nodes']));
  t.equal(nodes.rows.find((r) => r.NAME === 'node-2')?.STATUS, 'NotReady', 'kubectl get nodes: node-2 NotReady');
  t.equal(nodes.rows.find((r) => r.NAME === 'node-1')?.STATUS, 'Ready', 'the other nodes stay Ready');
  const taints = await ok(['get', 'node', 'node-2', '-o', 'jsonpath={range .spec.taints[*]}{.key}:{.effect}{"\\n"}{end}']);
  t.same(taints.trim().split('\n').sort(), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  const controls = parseTable(await ok(['get', 'nodecontrols']));
  t.match(controls.rows[0], { NAME: 'node-2', KUBELET: 'Stopped', 'NODE-READY': 'Unknown', TAINTS: /unreachable:NoExecute/ }, 'kubectl get nodecontrols shows the failure');

  // A new pod is not scheduled onto the unreachable node.
  await ok(['run', 'late', '--image=nginx']);
  await advanceUntil(clock, 'late scheduled', () => (store.get(PODS, 'default', 'late')?.spec as { nodeName?: string } | undefined)?.nodeName, { stepMs: 100 });
  t.not((store.get(PODS, 'default', 'late')!.spec as { nodeName: string }).nodeName, 'node-2', 'new pods avoid the tainted node');

  // 300 s after the NoExecute taint, web is evicted; the daemon pod is not.
  const tainted = clock.now().getTime();
  await advanceUntil(clock, 'web evicted', () => store.get(PODS, 'default', 'web')?.metadata.deletionTimestamp, { stepMs: 5000, maxMs: 400_000 });
  const evictedAfter = (clock.now().getTime() - tainted) / 1000;
  t.ok(evictedAfter >= 290 && evictedAfter <= 310, `evicted after the toleration's 300 s: ${evictedAfter} s`);
  const pods = parseTable(await ok(['get', 'pods', '-o', 'wide']));
  t.equal(pods.rows.find((r) => r.NAME === 'web')?.STATUS, 'Terminating', 'web is Terminating: its kubelet is not there to finish it');
  const dsRow = pods.rows.find((r) => r.NAME === dsPod.metadata.name);
  t.match(dsRow, { NODE: 'node-2', STATUS: 'Running' }, 'the daemon pod stays on the stopped node');
  t.equal(store.get(PODS, 'default', dsPod.metadata.name!)?.metadata.deletionTimestamp, undefined);
  const events = await ok(['get', 'events', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
  t.match(events, /Marking for deletion Pod default\/web/);

  // Start the kubelet again: the node heals, the taints go, web's deletion completes.
  await ok(['patch', 'nodecontrol', 'node-2', '--type=merge', '-p', '{"spec":{"kubelet":"Running"}}']);
  await advanceUntil(clock, 'node-2 healed', () => {
    const node = store.get(NODES, undefined, 'node-2')!;
    const ready = (node.status as { conditions: Array<{ type: string; status: string }> }).conditions.find((c) => c.type === 'Ready');
    return ready?.status === 'True' && !((node.spec as { taints?: unknown[] }).taints?.length) && !store.get(PODS, 'default', 'web');
  }, { stepMs: 250 });
  const healed = parseTable(await ok(['get', 'nodes']));
  t.equal(healed.rows.find((r) => r.NAME === 'node-2')?.STATUS, 'Ready');
  await until('nodecontrol status healed', async () => /node-2\s+Running\s+True\s+<none>/.test(await ok(['get', 'nodecontrols'])));
  const after = parseTable(await ok(['get', 'pods', '-o', 'wide']));
  t.notOk(after.rows.find((r) => r.NAME === 'web'), 'web is gone');
  t.match(after.rows.find((r) => r.NAME === dsPod.metadata.name), { READY: '1/1', STATUS: 'Running' }, 'the daemon pod is ready again');
  await ok(['delete', 'nodecontrol', 'node-2']);
  t.match(await ok(['get', 'nodecontrols']).catch((e: Error) => e.message), /^$/);
});
