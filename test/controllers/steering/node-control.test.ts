import t from 'tap';
import type { Node } from 'kubernetes-types/core/v1.js';
import { planNodeControlStatus, taintText } from '../../../controllers/steering/node-control.js';
import type { KubeObject } from '../../../store/object.js';

const control: KubeObject = { apiVersion: 'kubemock.dev/v1alpha1', kind: 'NodeControl', metadata: { name: 'node-1', generation: 3 }, spec: { kubelet: 'Stopped' } };

t.test('the status mirrors the node: Ready condition and taints', async (t) => {
  const node: Node = {
    metadata: { name: 'node-1' },
    spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
  };
  t.same(planNodeControlStatus(control, node), { observedGeneration: 3, nodeReady: 'Unknown', taints: ['node.kubernetes.io/unreachable:NoExecute', 'dedicated=gpu:NoSchedule'] });
});

t.test('a missing node leaves nodeReady empty', async (t) => {
  t.same(planNodeControlStatus(control, undefined), { observedGeneration: 3, nodeReady: '', taints: [] });
});

t.test('taints print as key=value:Effect', async (t) => {
  t.equal(taintText({ key: 'a', effect: 'NoSchedule' }), 'a:NoSchedule');
  t.equal(taintText({ key: 'a', value: 'b', effect: 'NoExecute' }), 'a=b:NoExecute');
});
