import t from 'tap';
import { nodeControlStrategy } from '../../../api/kinds/nodecontrol.js';
import { nodeControlTable } from '../../../api/printers/nodecontrol.js';
import type { KubeObject } from '../../../store/object.js';
import { testServer } from '../../helpers/server.js';

const control = (spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'kubemock.dev/v1alpha1', kind: 'NodeControl', metadata: { name: 'node-1' }, spec });
const now = { now: new Date('2026-01-01T00:00:00Z') };

t.test('spec.kubelet defaults to Running and accepts only Running or Stopped', async (t) => {
  const obj = control();
  nodeControlStrategy.applyDefaults!(obj);
  t.same(obj.spec, { kubelet: 'Running' });
  t.same(nodeControlStrategy.validate!(control({ kubelet: 'Stopped' })), []);
  t.same(nodeControlStrategy.validate!(control({ kubelet: 'Paused' })), [
    { type: 'FieldValueNotSupported', field: 'spec.kubelet', message: 'Unsupported value: "Paused": supported values: "Running", "Stopped"' },
  ]);
});

t.test('create clears status and sets generation 1; a spec change bumps it, a status write keeps spec', async (t) => {
  const obj = { ...control({ kubelet: 'Stopped' }), status: { nodeReady: 'True' } };
  nodeControlStrategy.prepareForCreate!(obj, now);
  t.equal(obj.status, undefined);
  t.equal(obj.metadata.generation, 1);
  const old: KubeObject = { ...obj, status: { nodeReady: 'Unknown' } };
  const same: KubeObject = { ...control({ kubelet: 'Stopped' }), metadata: { name: 'node-1', generation: 1 } };
  nodeControlStrategy.prepareForUpdate!(same, old, now);
  t.equal(same.metadata.generation, 1, 'unchanged spec keeps the generation');
  t.same(same.status, { nodeReady: 'Unknown' }, 'status is kept');
  const changed: KubeObject = { ...control({ kubelet: 'Running' }), metadata: { name: 'node-1', generation: 1 } };
  nodeControlStrategy.prepareForUpdate!(changed, old, now);
  t.equal(changed.metadata.generation, 2);
  const statusWrite: KubeObject = { ...control({ kubelet: 'Running' }), status: { nodeReady: 'True' } };
  nodeControlStrategy.prepareForStatusUpdate!(statusWrite, old, now);
  t.same(statusWrite.spec, { kubelet: 'Stopped' });
});

t.test('the table prints kubelet, node readiness and taints', async (t) => {
  const obj = { ...control({ kubelet: 'Stopped' }), status: { nodeReady: 'Unknown', taints: ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'] } };
  obj.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  t.same(nodeControlTable.cells(obj, new Date('2026-01-01T00:01:00Z')), ['node-1', 'Stopped', 'Unknown', 'node.kubernetes.io/unreachable:NoSchedule,node.kubernetes.io/unreachable:NoExecute', '60s']);
  t.same(nodeControlTable.cells(control(), new Date('2026-01-01T00:01:00Z')).slice(1, 4), ['Running', '<unknown>', '<none>']);
});

t.test('over HTTP: an unsupported kubelet state is 422 Invalid naming the field', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'POST', url: '/apis/kubemock.dev/v1alpha1/nodecontrols', payload: { apiVersion: 'kubemock.dev/v1alpha1', kind: 'NodeControl', metadata: { name: 'node-1' }, spec: { kubelet: 'Paused' } } });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { kind: 'Status', reason: 'Invalid', message: /NodeControl.kubemock.dev "node-1" is invalid: spec.kubelet: Unsupported value: "Paused"/, details: { causes: [{ field: 'spec.kubelet', reason: 'FieldValueNotSupported' }] } });
  const wrongType = await app.inject({ method: 'POST', url: '/apis/kubemock.dev/v1alpha1/nodecontrols', payload: { apiVersion: 'kubemock.dev/v1alpha1', kind: 'NodeControl', metadata: { name: 'node-1' }, spec: { kubelet: 5 } } });
  t.equal(wrongType.statusCode, 400, 'a value of the wrong JSON type does not decode');
  const ok = await app.inject({ method: 'POST', url: '/apis/kubemock.dev/v1alpha1/nodecontrols', payload: { apiVersion: 'kubemock.dev/v1alpha1', kind: 'NodeControl', metadata: { name: 'node-1' } } });
  t.equal(ok.statusCode, 201);
  t.match(ok.json(), { spec: { kubelet: 'Running' }, metadata: { generation: 1 } });
  const discovery = await app.inject({ url: '/apis/kubemock.dev/v1alpha1' });
  t.match(discovery.json().resources, [{ name: 'nodecontrols', kind: 'NodeControl', namespaced: false, shortNames: ['nctl'] }, { name: 'nodecontrols/status' }]);
  const openapi = await app.inject({ url: '/openapi/v3/apis/kubemock.dev/v1alpha1' });
  t.equal(openapi.statusCode, 200);
  t.ok(openapi.json().components.schemas['dev.kubemock.v1alpha1.NodeControl'], 'the OpenAPI document carries the schema');
});
