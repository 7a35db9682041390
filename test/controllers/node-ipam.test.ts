import t from 'tap';
import { nodeIpamController, planNodeCidr } from '../../controllers/node-ipam.js';
import { controllersPlugin } from '../../controllers/manager.js';
import { nodes } from '../../api/resources.js';
import { testServer } from '../helpers/server.js';
import { eventually } from '../helpers/cluster.js';
import type { KubeObject } from '../../store/object.js';

const node = (name: string, cidr?: string): KubeObject => ({ metadata: { name }, spec: cidr ? { podCIDR: cidr, podCIDRs: [cidr] } : {} });

t.test('a node without a podCIDR gets the lowest /24 no other node uses', async (t) => {
  const all = [node('a', '10.64.0.0/24'), node('b', '10.64.2.0/24'), node('new')];
  t.equal(planNodeCidr(all[2]!, all), '10.64.1.0/24');
  t.equal(planNodeCidr(all[0]!, all), undefined, 'a node with a podCIDR keeps it');
});

t.test('a node created through the API is given a podCIDR', async (t) => {
  const { app } = await testServer(t, { plugins: [controllersPlugin({ controllers: [nodeIpamController] })] });
  await app.registry.create(nodes, undefined, { metadata: { name: 'joined' } });
  const cidr = await eventually(() => (app.registry.store.get({ group: '', resource: 'nodes' }, undefined, 'joined')!.spec as { podCIDR?: string }).podCIDR, { timeoutMs: 5000 });
  t.equal(cidr, '10.64.3.0/24', 'the three seeded nodes hold the first three ranges');
});
