import t from 'tap';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { buildServer } from '../../../server/app.js';
import { controllersPlugin } from '../../../controllers/manager.js';
import { daemonSets, nodes } from '../../../api/resources.js';
import { buildNode } from '../../../server/bootstrap.js';
import type { KubeObject } from '../../../store/object.js';

const N = 60;
const DS = { group: 'apps', resource: 'daemonsets' };
const PODS = { group: '', resource: 'pods' };

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return check();
}

t.test(`at ${N} nodes the DaemonSet status is exact: one Running, Ready pod per eligible node, and the counts follow node changes`, async (t) => {
  const app = await buildServer({ data: 'memory', nodes: N, plugins: [controllersPlugin()] });
  t.teardown(() => app.close());
  await app.ready();
  const { registry } = app;
  await registry.create(daemonSets, 'default', {
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }], nodeSelector: { 'kubernetes.io/os': 'linux' } } },
    },
  });
  const ds = () => registry.store.get(DS, 'default', 'agent') as unknown as DaemonSet;
  const ownPods = () => registry.store.list(PODS, 'default').filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === ds().metadata!.uid)) as unknown as Pod[];
  const exact = (n: number) => {
    const s = ds().status;
    const running = ownPods().filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return (
      s?.desiredNumberScheduled === n &&
      s.currentNumberScheduled === n &&
      s.numberReady === n &&
      s.updatedNumberScheduled === n &&
      s.numberAvailable === n &&
      s.numberMisscheduled === 0 &&
      (s.numberUnavailable ?? 0) === 0 &&
      running.length === n &&
      ownPods().length === n
    );
  };
  t.ok(await until(() => exact(N), 60_000), `status ${JSON.stringify(ds().status)} with ${ownPods().length} pods`);
  const byNode = new Map<string, number>();
  for (const p of ownPods()) byNode.set(p.spec!.nodeName!, (byNode.get(p.spec!.nodeName!) ?? 0) + 1);
  t.equal(byNode.size, N, 'every node has a pod');
  t.ok([...byNode.values()].every((c) => c === 1), 'no node has two');

  // A node that no longer matches the nodeSelector loses its pod; a new node gets one.
  await registry.patch(nodes, undefined, 'node-7', (n) => ({ ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, 'kubernetes.io/os': 'windows' } } }));
  const added = buildNode(`node-${N + 1}`, N);
  const status = added.status;
  await registry.create(nodes, undefined, added);
  await registry.patch(nodes, undefined, `node-${N + 1}`, (n: KubeObject) => ({ ...n, status }), { subresource: 'status' });
  t.ok(await until(() => exact(N) && !ownPods().some((p) => p.spec?.nodeName === 'node-7') && ownPods().some((p) => p.spec?.nodeName === `node-${N + 1}`), 60_000), `after the node changes: ${JSON.stringify(ds().status)}`);
});
