// End-to-end, "placement explained": one `kubectl get daemonsetplacements` names the taint that
// keeps a node empty, the nodeSelector key and the capacity that keep others empty; a cordoned node
// still gets its daemon pod; the DaemonSet carries a NodeNotEligible event; all of it follows the
// nodes as they change. Real kubectl 1.33 against an in-process cluster.
import t from 'tap';
import path from 'node:path';
import { ROOT } from '../helpers/cluster.js';
import { parseTable } from '../helpers/kubectl-e2e.js';
import { steeringCluster, steeringKubectl, until } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();
const FIXTURE = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');

const dsYaml = (name: string, extra: string) => `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
${extra}
`;

t.test('placement explained: taint, nodeSelector, capacity and cordon, in one kubectl get and in events', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const { ok } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 3 });
  await ok(['taint', 'node', 'node-3', 'dedicated=gpu:NoSchedule']);
  await ok(['cordon', 'node-2']);
  await ok(['label', 'node', 'node-1', 'disktype=ssd']);
  await ok(['create', '-f', FIXTURE]);
  await ok(['create', '-f', '-'], { input: dsYaml('ssd-only', '      nodeSelector: { disktype: ssd }\n      containers: [{ name: c, image: busybox }]') });
  await ok(['create', '-f', '-'], { input: dsYaml('huge', '      containers: [{ name: c, image: busybox, resources: { requests: { cpu: "500" } } }]') });

  const table = await until('three placements with the expected counts', async () => {
    const out = await ok(['get', 'daemonsetplacements']);
    const rows = out.trim() ? parseTable(out).rows : [];
    const monitoring = rows.find((r) => r.NAME === 'monitoring-daemon');
    return rows.length === 3 && monitoring?.SCHEDULED === '2' && rows.find((r) => r.NAME === 'ssd-only')?.SCHEDULED === '1' ? rows : undefined;
  });
  t.match(table.find((r) => r.NAME === 'monitoring-daemon'), {
    ELIGIBLE: '2',
    SCHEDULED: '2',
    'NOT-ELIGIBLE': '1',
    PENDING: '0',
    REASONS: 'taint dedicated=gpu:NoSchedule is not tolerated (node-3)',
  }, 'the taint that keeps node-3 empty, by name; the cordoned node-2 is served');
  t.match(table.find((r) => r.NAME === 'ssd-only'), { ELIGIBLE: '1', 'NOT-ELIGIBLE': '2', REASONS: /^nodeSelector disktype=ssd not matched \(node-2, node-3\)/ });
  t.match(table.find((r) => r.NAME === 'huge'), { ELIGIBLE: '2', SCHEDULED: '0', PENDING: '2', REASONS: /does not fit: Insufficient cpu \(node-1, node-2\)/ });

  const placement = JSON.parse(await ok(['get', 'dsp', 'monitoring-daemon', '-o', 'json'])) as { status: { nodes: Array<Record<string, unknown>> } };
  t.match(placement.status.nodes, [
    { nodeName: 'node-1', eligible: true, pod: /^monitoring-daemon-/ },
    { nodeName: 'node-2', eligible: true, pod: /^monitoring-daemon-/, notes: [/^node is cordoned \(spec.unschedulable\), which daemon pods ignore/] },
    { nodeName: 'node-3', eligible: false, keepsExistingPod: true, reasons: [{ type: 'Taint', message: 'taint dedicated=gpu:NoSchedule is not tolerated' }] },
  ], 'every node with its verdict; the cordon is a note, not a reason');

  const describe = await ok(['describe', 'daemonsetplacement', 'monitoring-daemon']);
  t.match(describe, /Node Name:\s+node-3/);
  t.match(describe, /taint dedicated=gpu:NoSchedule is not tolerated/);

  const events = await until('NodeNotEligible event', async () => {
    const out = await ok(['get', 'events', '--field-selector', 'reason=NodeNotEligible,involvedObject.name=monitoring-daemon', '-o', 'jsonpath={range .items[*]}{.type} {.message}{"\\n"}{end}']);
    return out.trim() ? out : undefined;
  });
  t.equal(events.trim(), 'Normal Node node-3 is not eligible: taint dedicated=gpu:NoSchedule is not tolerated');
  t.match(await ok(['describe', 'ds', 'monitoring-daemon']), /Normal\s+NodeNotEligible\s+.*Node node-3 is not eligible: taint dedicated=gpu:NoSchedule is not tolerated/);

  const created = await ok(['create', '-f', '-'], { input: 'apiVersion: kubemock.dev/v1alpha1\nkind: DaemonSetPlacement\nmetadata:\n  name: x\n' }).catch((e: Error) => e.message);
  t.match(created, /the server does not allow this method on the requested resource/, 'placements cannot be created');
  const refused = await ok(['delete', 'dsp', 'monitoring-daemon']).catch((e: Error) => e.message);
  t.match(refused, /the server does not allow this method on the requested resource/, 'placements are read-only');

  // Untaint node-3: it becomes eligible and gets its pod; the placement says so.
  await ok(['taint', 'node', 'node-3', 'dedicated=gpu:NoSchedule-']);
  const healed = await until('node-3 served', async () => {
    const row = parseTable(await ok(['get', 'dsp', 'monitoring-daemon'])).rows[0];
    return row?.SCHEDULED === '3' ? row : undefined;
  });
  t.match(healed, { ELIGIBLE: '3', 'NOT-ELIGIBLE': '0', REASONS: '<none>' });

  // Deleting the DaemonSet deletes its placement.
  await ok(['delete', 'ds', 'huge']);
  await until('placement of huge gone', async () => !(await ok(['get', 'dsp', '-o', 'name'])).includes('huge'));
  t.pass('the placement follows its DaemonSet');
});
