import t from 'tap';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { buildServer } from '../../../server/app.js';
import { controllersPlugin } from '../../../controllers/manager.js';
import { daemonSetController } from '../../../controllers/daemonset/controller.js';
import { controllerRevisions, daemonSets, pods } from '../../../api/resources.js';
import type { Registry } from '../../../api/registry.js';
import type { KubeObject } from '../../../store/object.js';

const SEED = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'monitoring-daemon' },
  spec: {
    selector: { matchLabels: { app: 'monitoring-agent' } },
    template: {
      metadata: { labels: { app: 'monitoring-agent' } },
      spec: { containers: [{ name: 'monitoring-agent', image: 'monitoring-agent' }] },
    },
  },
};

/** Waits, at most a few seconds, for every change of the store until check() holds. */
function until(registry: Registry, check: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const refs = [daemonSets, pods, controllerRevisions];
    const watches = refs.map((def) =>
      registry.watch(def, { resourceVersion: String(registry.store.resourceVersion) }, {
        event: () => {
          if (!check()) return;
          clearTimeout(timer);
          for (const w of watches) w.stop();
          resolve();
        },
        bookmark: () => {},
      }),
    );
    const timer = setTimeout(() => {
      for (const w of watches) w.stop();
      reject(new Error('condition not reached in time'));
    }, timeoutMs);
  });
}

t.test('creating the seed DaemonSet yields one labelled, owned, node-pinned pod per node, revision 1 and its status', async (t) => {
  const app = await buildServer({ data: 'memory', nodes: 3, plugins: [controllersPlugin({ controllers: [daemonSetController] })] });
  t.teardown(() => app.close());
  await app.ready();
  const registry = app.registry;
  const res = await app.inject({ method: 'POST', url: '/apis/apps/v1/namespaces/default/daemonsets', headers: { 'content-type': 'application/json' }, payload: SEED });
  t.equal(res.statusCode, 201);
  const created = res.json() as KubeObject;
  const uid = created.metadata.uid!;

  const dsNow = () => registry.store.get({ group: 'apps', resource: 'daemonsets' }, 'default', 'monitoring-daemon') as unknown as DaemonSet;
  await until(registry, () => {
    const s = dsNow().status;
    return s?.desiredNumberScheduled === 3 && s.currentNumberScheduled === 3 && s.observedGeneration === 1;
  });

  const podList = registry.store.list({ group: '', resource: 'pods' }, 'default') as unknown as Pod[];
  t.equal(podList.length, 3, 'exactly three pods');
  const revisions = registry.store.list({ group: 'apps', resource: 'controllerrevisions' }, 'default') as unknown as ControllerRevision[];
  t.equal(revisions.length, 1, 'one ControllerRevision');
  const rev = revisions[0]!;
  const hash = rev.metadata!.labels!['controller-revision-hash']!;
  t.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  t.equal(rev.metadata!.name, `monitoring-daemon-${hash}`);
  t.equal(rev.revision, 1);
  t.same(rev.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'monitoring-daemon', uid, controller: true, blockOwnerDeletion: true }]);

  const targets = podList.map((p) => p.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  t.same(targets, ['node-1', 'node-2', 'node-3'].map((n) => [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n] }] }]));
  for (const pod of podList) {
    t.match(pod.metadata!.name, /^monitoring-daemon-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.same(pod.metadata!.labels, { app: 'monitoring-agent', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
    t.same(pod.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'monitoring-daemon', uid, controller: true, blockOwnerDeletion: true }]);
    t.notOk(pod.spec!.nodeName, 'not bound by the controller');
    t.ok(pod.spec!.tolerations!.some((tol) => tol.key === 'node.kubernetes.io/unschedulable'));
  }

  const status = dsNow().status!;
  t.equal(status.desiredNumberScheduled, 3);
  t.equal(status.currentNumberScheduled, 3);
  t.equal(status.updatedNumberScheduled, 3);
  t.equal(status.numberReady, 0, 'no kubelet here: nothing becomes Ready');
  t.equal(status.numberUnavailable, 3);
  t.notOk('numberAvailable' in status, 'zero counters with omitempty are left out');
});
