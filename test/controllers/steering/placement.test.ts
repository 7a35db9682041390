import t from 'tap';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { placementRewriteIntervalMs, planPlacement } from '../../../controllers/steering/placement.js';
import { placementReasonSummary } from '../../../api/printers/daemonsetplacement.js';

const node = (name: string, extra: { labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never; unschedulable?: boolean; cpu?: string } = {}): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
  spec: { ...(extra.taints ? { taints: extra.taints } : {}), ...(extra.unschedulable ? { unschedulable: true } : {}) },
  status: { allocatable: { cpu: extra.cpu ?? '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});

const ds = (spec: Record<string, unknown> = {}): DaemonSet => ({
  metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 2 },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } } },
});

const daemonPod = (name: string, nodeName: string | undefined, phase = 'Running'): Pod => ({
  metadata: { name, namespace: 'default', uid: `${name}-uid`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }] },
  spec: {
    containers: [{ name: 'c' }],
    ...(nodeName ? { nodeName } : {}),
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }] } } },
  },
  status: { phase },
});

const plan = (d: DaemonSet, nodes: Node[], pods: Pod[] = [], onNode: Pod[] = []) => planPlacement({ ds: d, nodes, daemonPods: pods, podsOnNode: (n) => onNode.filter((p) => p.spec?.nodeName === n) });

t.test('each node gets its verdict and reasons in words', async (t) => {
  const cases: Array<{ name: string; ds: DaemonSet; node: Node; eligible: boolean; reasons?: Array<{ type: string; message: string }>; keeps?: boolean; notes?: RegExp }> = [
    { name: 'a plain node', ds: ds(), node: node('node-1'), eligible: true },
    { name: 'an untolerated NoSchedule taint', ds: ds(), node: node('node-1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), eligible: false, keeps: true, reasons: [{ type: 'Taint', message: 'taint dedicated=gpu:NoSchedule is not tolerated' }] },
    { name: 'an untolerated NoExecute taint', ds: ds(), node: node('node-1', { taints: [{ key: 'maint', effect: 'NoExecute' }] }), eligible: false, reasons: [{ type: 'Taint', message: 'taint maint:NoExecute is not tolerated' }] },
    { name: 'a tolerated taint', ds: ds({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), node: node('node-1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), eligible: true },
    { name: 'the controller taints daemon pods tolerate', ds: ds(), node: node('node-1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), eligible: true },
    { name: 'a nodeSelector key', ds: ds({ nodeSelector: { disktype: 'ssd' } }), node: node('node-1'), eligible: false, reasons: [{ type: 'NodeSelector', message: 'nodeSelector disktype=ssd not matched' }] },
    {
      name: 'a required affinity term',
      ds: ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } } }),
      node: node('node-1', { labels: { zone: 'c' } }),
      eligible: false,
      reasons: [{ type: 'NodeAffinity', message: 'required node affinity not matched (term 0: zone In [a,b])' }],
    },
    { name: 'spec.nodeName', ds: ds({ nodeName: 'node-9' }), node: node('node-1'), eligible: false, reasons: [{ type: 'NodeName', message: 'spec.template.spec.nodeName is node-9' }] },
    { name: 'a cordoned node', ds: ds(), node: node('node-1', { unschedulable: true }), eligible: true, notes: /daemon pods ignore: they tolerate node.kubernetes.io\/unschedulable/ },
    { name: 'no room', ds: ds({ containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '8' } } }] }), node: node('node-1'), eligible: true, reasons: [{ type: 'Capacity', message: 'does not fit: Insufficient cpu' }] },
  ];
  for (const c of cases) {
    const line = plan(c.ds, [c.node]).nodes[0]!;
    t.equal(line.eligible, c.eligible, `${c.name}: eligible`);
    t.same(line.reasons, c.reasons, `${c.name}: reasons`);
    t.equal(line.keepsExistingPod, c.keeps, `${c.name}: keeps an existing pod`);
    if (c.notes) t.match(line.notes, [c.notes], `${c.name}: notes`);
    else t.equal(line.notes, undefined, `${c.name}: no notes`);
  }
});

t.test('counts, pods and phases; a bound pod is never a capacity problem', async (t) => {
  const nodes = [node('node-1'), node('node-2', { taints: [{ key: 'x', effect: 'NoSchedule' }] }), node('node-3')];
  const pending = daemonPod('agent-b', undefined, 'Pending');
  pending.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0]!.matchFields![0]!.values = ['node-3'];
  const pods = [daemonPod('agent-a', 'node-1'), pending];
  const status = plan(ds(), nodes, pods);
  t.match(status, { observedGeneration: 2, numberEligible: 2, numberScheduled: 1, numberNotEligible: 1, numberPending: 1 });
  t.match(status.nodes, [
    { nodeName: 'node-1', pod: 'agent-a', podPhase: 'Running' },
    { nodeName: 'node-2', eligible: false },
    { nodeName: 'node-3', pod: 'agent-b', podPhase: 'Pending' },
  ]);
  const full = plan(ds({ containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '3' } } }] }), [node('node-1')], [daemonPod('agent-a', 'node-1')], [daemonPod('agent-a', 'node-1')]);
  t.equal(full.nodes[0]!.reasons, undefined);
});

t.test('the table summary groups nodes by reason', async (t) => {
  const taint = { type: 'Taint' as const, message: 'taint a:NoSchedule is not tolerated' };
  const sel = { type: 'NodeSelector' as const, message: 'nodeSelector k=v not matched' };
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'].map((n, i) => ({ nodeName: n, eligible: false, reasons: [i < 4 ? taint : sel] }));
  t.equal(placementReasonSummary(nodes), 'taint a:NoSchedule is not tolerated (n1, n2, n3 +1 more); nodeSelector k=v not matched (n5)');
  t.equal(placementReasonSummary([{ nodeName: 'n1', eligible: true }]), '<none>');
});

t.test('rewrites of a big placement are coalesced in proportion to its nodes', async (t) => {
  t.equal(placementRewriteIntervalMs(3), 0, 'a small cluster: every change at once');
  t.equal(placementRewriteIntervalMs(50), 0);
  t.equal(placementRewriteIntervalMs(51), 1000);
  t.equal(placementRewriteIntervalMs(1000), 1000);
  t.equal(placementRewriteIntervalMs(5000), 5000);
});
