import t from 'tap';
import { CoreV1Api } from '@kubernetes/client-node';
import { request } from 'undici';
import { startCluster } from '../index.js';

t.test('ten clusters start in parallel in one process and share no state', async (t) => {
  const clusters = await Promise.all(Array.from({ length: 10 }, (_, i) => startCluster({ nodes: i + 1 })));
  t.teardown(() => Promise.all(clusters.map((c) => c.close())));
  t.equal(new Set(clusters.map((c) => c.url)).size, 10, 'each has its own port');
  await Promise.all(
    clusters.map(async (c, i) => {
      const core = c.kubeConfig.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: `only-in-${i}` } } });
      const nodes = await core.listNode();
      t.equal(nodes.items.length, i + 1, `cluster ${i} has its own nodes`);
    }),
  );
  for (const [i, c] of clusters.entries()) {
    const names = (await c.kubeConfig.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata!.name);
    t.same(names.filter((n) => n!.startsWith('only-in-')), [`only-in-${i}`], `cluster ${i} sees only its own namespace`);
  }
});

t.test('the kubeconfig text and file point at the cluster, and close() frees the port', async (t) => {
  const cluster = await startCluster({ nodes: 1 });
  t.match(cluster.kubeconfig.text, `server: ${cluster.url}`);
  const res = await request(`${cluster.url}/readyz`);
  t.equal(await res.body.text(), 'ok');
  await cluster.close();
  await t.rejects(request(`${cluster.url}/readyz`), 'nothing listens after close');
  await cluster.close();
});
