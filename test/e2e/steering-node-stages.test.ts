// End-to-end, "node stages": the real server process with `--clock virtual` and kubectl 1.33. A
// NodeStage makes node-3's kubelet report Ready=False (KubeletNotReady, CNI not initialized):
// `kubectl get nodes` shows it NotReady, the node lifecycle controller taints it not-ready, and as
// upstream a plain DaemonSet leaves it out (the placement names the taint) while one tolerating
// everything still runs there. Another stage delays a new node's Ready by 30 s of cluster time:
// NotReady 29 s after it joined, Ready at 30 s, then the DaemonSet covers it. Deleting the first
// stage brings node-3 back; a third makes node-1 post its status every 10 s.
import t from 'tap';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { advanceClock, steeringKubectl, steeringServer, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();

const STAGES = `apiVersion: kubemock.dev/v1alpha1
kind: NodeStage
metadata: { name: broken }
spec:
  fieldSelector: metadata.name=node-3
  notReady: {}
---
apiVersion: kubemock.dev/v1alpha1
kind: NodeStage
metadata: { name: late }
spec:
  selector: { matchLabels: { pool: late } }
  startup: { delayMs: 30000 }
`;
const ds = (name: string, extra = '') => `---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
${extra}      containers: [{ name: c, image: busybox }]
`;

t.test('node stages: a node that reports NotReady, a node that becomes Ready only after its start-up delay', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { k, ok } = await steeringServer(t, (kubectlFound as { binary: string }).binary, { nodes: 3, args: ['--clock', 'virtual'] });
  await until('the clock', async () => (await k(['get', 'clock', 'cluster'])).code === 0);
  const nodeStatus = async () => Object.fromEntries(parseTable(await ok(['get', 'nodes'])).rows.map((r) => [r.NAME, r.STATUS]));
  const readyCondition = async (node: string) =>
    JSON.parse(await ok(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")]}'])) as { status: string; reason: string; message: string };
  const dsRow = async (name: string) => parseTable(await ok(['get', 'ds', name])).rows[0]!;

  const invalid = await k(['create', '-f', '-'], { input: 'apiVersion: kubemock.dev/v1alpha1\nkind: NodeStage\nmetadata: { name: bad }\nspec:\n  notReady: { fraction: 2, reason: "not ready" }\n' });
  t.match(invalid.stderr, /The NodeStage "bad" is invalid: \n\* spec.notReady.fraction: Invalid value: 2: must be less than or equal to 1\n\* spec.notReady.reason: Invalid value: "not ready"/, 'invalid stages are refused with their causes');

  t.same(await nodeStatus(), { 'node-1': 'Ready', 'node-2': 'Ready', 'node-3': 'Ready' }, 'all nodes Ready before any stage');
  await ok(['apply', '-f', '-'], { input: STAGES });
  const stages = parseTable(await ok(['get', 'nodestages', '-o', 'wide'])).rows;
  t.match(stages, [
    { NAME: 'broken', SELECTOR: '<all>', STARTUP: '<none>', 'NOT-READY': '100% (KubeletNotReady)', HEARTBEAT: '<default>', 'FIELD-SELECTOR': 'metadata.name=node-3' },
    { NAME: 'late', SELECTOR: 'pool=late', STARTUP: '30000ms', 'NOT-READY': '<none>' },
  ]);
  const explained = await ok(['explain', 'nodestage.spec.notReady']);
  t.match(explained, /GROUP:\s+kubemock.dev\s+KIND:\s+NodeStage/, 'kubectl explain reads the schema');
  t.match(explained, /fraction\s+<number>/);
  await advanceClock(ok, 1);

  t.same(await nodeStatus(), { 'node-1': 'Ready', 'node-2': 'Ready', 'node-3': 'NotReady' }, 'the selected node reports NotReady');
  t.match(await readyCondition('node-3'), { status: 'False', reason: 'KubeletNotReady', message: /^container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady/ });
  const taints = await ok(['get', 'node', 'node-3', '-o', 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}']);
  t.same(taints.trim().split(' ').sort(), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule'], 'the node lifecycle controller tainted it not-ready');
  const notReadyEvents = await ok(['get', 'events', '--field-selector', 'involvedObject.name=node-3,reason=NodeNotReady', '-o', 'name']);
  t.ok(notReadyEvents.trim().length > 0, 'a NodeNotReady event');

  await ok(['apply', '-f', '-'], { input: ds('plain') + ds('cni', '      hostNetwork: true\n      tolerations: [{ operator: Exists }]\n') });
  await until('both DaemonSets observed', async () => (await ok(['get', 'ds', '-o', 'name'])).trim().split('\n').length === 2);
  await advanceClock(ok, 1);
  t.match(await dsRow('plain'), { DESIRED: '2', CURRENT: '2', READY: '2' }, 'a plain DaemonSet leaves the NotReady node out');
  t.match(await dsRow('cni'), { DESIRED: '3', CURRENT: '3' }, 'one tolerating everything runs there too');
  const onNode3 = parseTable(await ok(['get', 'pods', '-l', 'app=cni', '--field-selector', 'spec.nodeName=node-3'])).rows;
  t.match(onNode3, [{ STATUS: 'Running' }], 'its pod on node-3 runs');
  const placement = parseTable(await ok(['get', 'dsp', 'plain'])).rows[0]!;
  t.equal(placement.REASONS, 'taint node.kubernetes.io/not-ready:NoSchedule is not tolerated (node-3)', 'the placement names the taint');

  // A node joining under the start-up stage.
  await ok(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Node\nmetadata:\n  name: node-late\n  labels: { pool: late }\n' });
  await advanceClock(ok, 1);
  t.equal((await nodeStatus())['node-late'], 'NotReady', 'a new node under the start-up delay is NotReady');
  t.match(await readyCondition('node-late'), { status: 'False', reason: 'KubeletNotReady', message: /container runtime status check may not have completed yet/ });
  await advanceClock(ok, 28);
  t.equal((await nodeStatus())['node-late'], 'NotReady', 'still NotReady 29 s after it joined');
  t.equal((await dsRow('plain')).DESIRED, '2', 'and the DaemonSet leaves it out');
  await advanceClock(ok, 1);
  t.equal((await nodeStatus())['node-late'], 'Ready', 'Ready 30 s after it joined');
  t.match(await readyCondition('node-late'), { status: 'True', reason: 'KubeletReady' });
  await advanceClock(ok, 1);
  t.match(await dsRow('plain'), { DESIRED: '3', READY: '3' }, 'the DaemonSet now covers it');

  // Without the stage node-3 is reported as before.
  await ok(['delete', 'nodestage', 'broken']);
  await advanceClock(ok, 1);
  t.equal((await nodeStatus())['node-3'], 'Ready', 'deleting the stage makes node-3 Ready again');
  await advanceClock(ok, 1);
  t.match(await dsRow('plain'), { DESIRED: '4', READY: '4' });

  // A heartbeat every 10 s instead of 40 s: node-1 posts status at each of two 10 s steps.
  await ok(['apply', '-f', '-'], { input: 'apiVersion: kubemock.dev/v1alpha1\nkind: NodeStage\nmetadata: { name: chatty }\nspec:\n  fieldSelector: metadata.name=node-1\n  heartbeat: { intervalMs: 10000 }\n' });
  const heartbeat = async () => ok(['get', 'node', 'node-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}']);
  const clockTime = async () => ok(['get', 'clock', 'cluster', '-o', 'jsonpath={.status.time}']);
  for (const step of [1, 2]) {
    await advanceClock(ok, 10);
    t.equal(Date.parse(await heartbeat()), Date.parse(await clockTime()), `step ${step}: node-1 posted its status right now`);
  }
});
