import t from 'tap';
import { pods } from '../../api/resources.js';
import { testServer } from '../helpers/server.js';

const POD = { group: '', resource: 'pods' };

t.test('pods/binding sets spec.nodeName and PodScheduled=True in one write, once', async (t) => {
  const { app } = await testServer(t);
  await app.registry.create(pods, 'default', { metadata: { name: 'web' }, spec: { schedulerName: 'elsewhere', containers: [{ name: 'c', image: 'nginx' }] } });
  const before = app.registry.store.get(POD, 'default', 'web')!;
  const body = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-2' } };
  const bound = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods/web/binding', payload: body });
  t.equal(bound.statusCode, 201);
  t.match(bound.json(), { kind: 'Status', status: 'Success' });
  const after = app.registry.store.get(POD, 'default', 'web')!;
  t.equal(Number(after.metadata.resourceVersion), Number(before.metadata.resourceVersion) + 1, 'one write');
  t.equal((after.spec as { nodeName?: string }).nodeName, 'node-2');
  const conditions = (after.status as { conditions?: Array<Record<string, unknown>> }).conditions ?? [];
  t.match(conditions.find((c) => c.type === 'PodScheduled'), { status: 'True', lastProbeTime: null, lastTransitionTime: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ });

  const again = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods/web/binding', payload: { ...body, target: { ...body.target, name: 'node-1' } } });
  t.equal(again.statusCode, 409);
  t.match(again.json(), { kind: 'Status', reason: 'Conflict', message: /already assigned to node "node-2"/ });
  t.equal(app.registry.store.get(POD, 'default', 'web')!.metadata.resourceVersion, after.metadata.resourceVersion, 'nothing written');
});
