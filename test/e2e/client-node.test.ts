// End-to-end: the official JavaScript client (@kubernetes/client-node 1.x) against one real
// server process: typed CoreV1Api/AppsV1Api calls, KubernetesObjectApi, every patch content type,
// server-side apply, Watch, and an informer that has to re-list after a 410 Gone watch expiry.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ListWatch,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
  type V1DaemonSet,
  type V1Pod,
} from '@kubernetes/client-node';
import { ROOT, eventually, startServer, type ServerProcess } from '../helpers/cluster.js';

const server = await startServer(t, { nodes: 3 });
const NS = 'client-node';
const DS_NAME = 'monitoring-daemon';

function clientsFor(s: ServerProcess) {
  const kc = new KubeConfig();
  kc.loadFromFile(s.kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), objects: KubernetesObjectApi.makeApiClient(kc) };
}
const { kc, core, apps, objects } = clientsFor(server);

async function seedDaemonSet(): Promise<V1DaemonSet> {
  return parseYaml(await readFile(path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml'), 'utf8')) as V1DaemonSet;
}

function pod(name: string, labels: Record<string, string> = {}): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

/** The HTTP status of a failed client call (ApiException.code), or a thrown error. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return (err as ApiException<unknown>).code;
    throw err;
  }
  return 200;
}

function errorBody(err: unknown): unknown {
  if (!(err instanceof ApiException)) return err;
  const body = (err as ApiException<unknown>).body;
  try {
    return typeof body === 'string' ? JSON.parse(body) : body;
  } catch {
    return body;
  }
}

/** Collects watch events; waitFor() resolves (bounded) once a predicate over them holds. */
class EventLog<T = { type: string; object: KubernetesObject }> {
  readonly items: T[] = [];
  private waiters: Array<() => void> = [];
  push(item: T): void {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  }
  async waitFor(predicate: (items: T[]) => boolean, timeoutMs = 10_000, what = 'events'): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.items)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; saw ${JSON.stringify(this.items, null, 1).slice(0, 4000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.items;
  }
}

t.test('lists namespaces, nodes and pods through CoreV1Api', async (t) => {
  const namespaces = await core.listNamespace();
  t.equal(namespaces.kind, 'NamespaceList');
  t.equal(namespaces.apiVersion, 'v1');
  t.match(namespaces.metadata?.resourceVersion, /^\d+$/);
  const names = namespaces.items.map((n) => n.metadata?.name);
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) t.ok(names.includes(name), `namespace ${name} is listed`);
  t.ok(namespaces.items.every((n) => n.status?.phase === 'Active'), 'every namespace is Active');
  t.ok(namespaces.items[0]!.metadata?.creationTimestamp instanceof Date, 'creationTimestamp deserialises to a Date');

  const nodes = await core.listNode();
  t.equal(nodes.kind, 'NodeList');
  t.equal(nodes.items.length, 3);
  for (const node of nodes.items) {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    t.equal(ready?.status, 'True', `node ${node.metadata?.name} is Ready`);
    t.ok(node.status?.nodeInfo?.kubeletVersion, 'node reports a kubelet version');
  }

  const pods = await core.listPodForAllNamespaces();
  t.equal(pods.kind, 'PodList');
  t.ok(Array.isArray(pods.items));
  const limited = await core.listNode({ limit: 2 });
  t.equal(limited.items.length, 2, 'limit is honoured');
  t.ok(limited.metadata?._continue, 'a continue token comes back');
  const rest = await core.listNode({ limit: 2, _continue: limited.metadata!._continue! });
  t.equal(rest.items.length, 1, 'the continue token pages on');
});

t.test('creates a namespace, a pod and the seed DaemonSet and reads them back', async (t) => {
  const ns = await core.createNamespace({ body: { metadata: { name: NS, labels: { suite: 'client-node' } } } });
  t.equal(ns.metadata?.name, NS);
  t.ok(ns.metadata?.uid, 'the namespace has a uid');
  t.equal(ns.status?.phase, 'Active');
  t.same(ns.spec?.finalizers, ['kubernetes']);

  const created = await core.createNamespacedPod({ namespace: NS, body: pod('web', { app: 'web' }) });
  t.equal(created.metadata?.namespace, NS);
  t.match(created.metadata?.resourceVersion, /^\d+$/);
  t.equal(created.spec?.containers[0]?.imagePullPolicy, 'Always', 'defaults are applied (":latest" image pulls Always)');
  t.equal(created.spec?.restartPolicy, 'Always');
  t.equal(created.status?.phase, 'Pending');

  const ds = await apps.createNamespacedDaemonSet({ namespace: NS, body: await seedDaemonSet() });
  t.equal(ds.kind, 'DaemonSet');
  t.equal(ds.apiVersion, 'apps/v1');
  t.equal(ds.metadata?.generation, 1);
  t.equal(ds.spec?.updateStrategy?.type, 'RollingUpdate', 'updateStrategy is defaulted');
  t.equal(ds.spec?.revisionHistoryLimit, 10);

  const readNs = await core.readNamespace({ name: NS });
  t.same(readNs.metadata?.labels, { suite: 'client-node', 'kubernetes.io/metadata.name': NS });
  const readPod = await core.readNamespacedPod({ name: 'web', namespace: NS });
  t.equal(readPod.metadata?.uid, created.metadata?.uid);
  const readDs = await apps.readNamespacedDaemonSet({ name: DS_NAME, namespace: NS });
  t.equal(readDs.metadata?.uid, ds.metadata?.uid);
  t.same(readDs.spec?.selector.matchLabels, { app: 'monitoring-agent' });

  // The same objects through the discovery-driven generic client.
  const generic = await objects.read<V1DaemonSet>({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: DS_NAME, namespace: NS } });
  t.equal(generic.metadata?.uid, ds.metadata?.uid);
  const list = await objects.list<V1Pod>('v1', 'Pod', NS, undefined, undefined, undefined, undefined, 'app=web');
  t.same(list.items.map((p) => p.metadata?.name), ['web'], 'KubernetesObjectApi.list with a label selector');

  const missing = await statusOf(core.readNamespacedPod({ name: 'nope', namespace: NS }));
  t.equal(missing, 404, 'a missing pod is 404');
  const duplicate = await statusOf(core.createNamespacedPod({ namespace: NS, body: pod('web') }));
  t.equal(duplicate, 409, 'creating an existing pod is 409');
});

t.test('JSON-patches the DaemonSet labels (the default patch content type)', async (t) => {
  const before = await apps.readNamespacedDaemonSet({ name: DS_NAME, namespace: NS });
  const patched = await apps.patchNamespacedDaemonSet({
    name: DS_NAME,
    namespace: NS,
    body: [
      { op: 'test', path: '/metadata/resourceVersion', value: before.metadata!.resourceVersion },
      { op: 'add', path: '/metadata/labels', value: { tier: 'monitoring' } },
      { op: 'add', path: '/metadata/labels/team', value: 'sre' },
    ],
  });
  t.same(patched.metadata?.labels, { tier: 'monitoring', team: 'sre' });
  t.equal(patched.metadata?.generation, before.metadata?.generation, 'a metadata-only change keeps the generation');
  t.not(patched.metadata?.resourceVersion, before.metadata?.resourceVersion);

  const failed = await apps
    .patchNamespacedDaemonSet({ name: DS_NAME, namespace: NS, body: [{ op: 'test', path: '/metadata/labels/tier', value: 'web' }] })
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  t.equal((failed as ApiException<unknown>).code, 422, 'a failed test op is 422');
  t.match(errorBody(failed), { kind: 'Status', status: 'Failure', code: 422 });
});

t.test('strategic-merge-patches the DaemonSet template annotations and containers', async (t) => {
  const before = await apps.readNamespacedDaemonSet({ name: DS_NAME, namespace: NS });
  const patched = await apps.patchNamespacedDaemonSet(
    {
      name: DS_NAME,
      namespace: NS,
      body: {
        metadata: { labels: { team: null, stage: 'canary' } },
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } },
            spec: { containers: [{ name: 'sidecar', image: 'sidecar:1' }] },
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.same(patched.metadata?.labels, { tier: 'monitoring', stage: 'canary' }, 'null deletes a label, others merge');
  t.same(patched.spec?.template.metadata?.annotations, { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' });
  t.same(
    patched.spec?.template.spec?.containers.map((c) => [c.name, c.image]),
    [
      ['sidecar', 'sidecar:1'],
      ['monitoring-agent', 'monitoring-agent'],
    ],
    'containers merge by name (the patch entry first, as upstream orders them)',
  );
  t.equal(patched.metadata?.generation, (before.metadata?.generation ?? 0) + 1, 'a template change bumps the generation');
  t.equal(patched.metadata?.annotations?.['deprecated.daemonset.template.generation'], String(Number(before.metadata?.annotations?.['deprecated.daemonset.template.generation']) + 1));

  // The directive $patch: delete removes the sidecar again. (KubernetesObjectApi.patch, strategic
  // by default, cannot send it: it serialises the body as a typed V1DaemonSet and drops `$patch`.)
  const removed = await apps.patchNamespacedDaemonSet(
    { name: DS_NAME, namespace: NS, body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.same(removed.spec?.template.spec?.containers.map((c) => c.name), ['monitoring-agent'], '$patch: delete removes the entry by its merge key');

  // KubernetesObjectApi.patch defaults to a strategic merge patch.
  const viaGeneric = await objects.patch<V1DaemonSet>({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: DS_NAME, namespace: NS, annotations: { 'patched-by': 'KubernetesObjectApi' } },
  });
  t.equal(viaGeneric.metadata?.annotations?.['patched-by'], 'KubernetesObjectApi');
  t.equal(viaGeneric.spec?.template.spec?.containers.length, 1, 'the typed body without spec leaves the spec alone');

  // A merge patch replaces lists wholesale.
  const merged = await apps.patchNamespacedDaemonSet(
    { name: DS_NAME, namespace: NS, body: { spec: { template: { metadata: { annotations: { note: 'merge' } } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.same(merged.spec?.template.metadata?.annotations, { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z', note: 'merge' });
});

t.test('server-side applies the DaemonSet with a field manager and force', async (t) => {
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: DS_NAME, namespace: NS, labels: { tier: 'monitoring', applied: 'yes' } },
    spec: {
      selector: { matchLabels: { app: 'monitoring-agent' } },
      template: {
        metadata: { labels: { app: 'monitoring-agent' }, annotations: { 'applied-by': 'client-node' } },
        spec: { containers: [{ name: 'monitoring-agent', image: 'monitoring-agent:2' }] },
      },
    },
  };
  let applied: V1DaemonSet;
  try {
    applied = await objects.patch<V1DaemonSet>(manifest as V1DaemonSet, undefined, undefined, 'client-node-e2e', true, PatchStrategy.ServerSideApply);
  } catch (err) {
    // Fails (never skips) while kubemock lacks server-side apply, with the server's answer.
    t.fail(`server-side apply (PATCH with Content-Type ${PatchStrategy.ServerSideApply}, fieldManager, force) failed: ${JSON.stringify(errorBody(err))}`);
    return;
  }
  t.equal(applied.metadata?.labels?.applied, 'yes');
  t.equal(applied.spec?.template.spec?.containers[0]?.image, 'monitoring-agent:2');
  t.equal(applied.spec?.template.metadata?.annotations?.['applied-by'], 'client-node');
  const managers = (applied.metadata?.managedFields ?? []).map((m) => [m.manager, m.operation]);
  t.ok(
    managers.some(([manager, operation]) => manager === 'client-node-e2e' && operation === 'Apply'),
    `managedFields name the applier: ${JSON.stringify(managers)}`,
  );

  // Apply creates what does not exist yet.
  const fresh = await objects.patch<V1Pod>({ ...pod('applied-pod', { via: 'apply' }), metadata: { name: 'applied-pod', namespace: NS, labels: { via: 'apply' } } }, undefined, undefined, 'client-node-e2e', true, PatchStrategy.ServerSideApply);
  t.equal(fresh.metadata?.labels?.via, 'apply');
  t.ok(fresh.metadata?.uid, 'apply created the pod');
  await core.deleteNamespacedPod({ name: 'applied-pod', namespace: NS, gracePeriodSeconds: 0 });

  // Without fieldManager an apply patch is rejected, as upstream.
  const noManager = await statusOf(objects.patch(manifest, undefined, undefined, undefined, undefined, PatchStrategy.ServerSideApply));
  t.equal(noManager, 422, 'apply without a fieldManager is 422');
});

t.test('a Watch sees ADDED, MODIFIED and DELETED for a pod', async (t) => {
  const list = await core.listNamespacedPod({ namespace: NS });
  const events = new EventLog();
  let doneWith: unknown = 'not done';
  const controller = await new Watch(kc).watch(
    `/api/v1/namespaces/${NS}/pods`,
    { resourceVersion: list.metadata!.resourceVersion, labelSelector: 'app=watched' },
    (type, object: KubernetesObject) => events.push({ type, object }),
    (err) => (doneWith = err),
  );
  t.teardown(() => controller.abort());

  await core.createNamespacedPod({ namespace: NS, body: pod('watched', { app: 'watched' }) });
  await core.patchNamespacedPod(
    { name: 'watched', namespace: NS, body: { metadata: { annotations: { step: 'two' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedPod({ name: 'watched', namespace: NS, gracePeriodSeconds: 0 });
  const seen = await events.waitFor((e) => e.some((x) => x.type === 'DELETED'), 10_000, 'ADDED, MODIFIED, DELETED');
  // The scheduler and the kubelet modify the pod too (binding, status), so MODIFIED may repeat.
  const types = seen.map((e) => e.type);
  t.ok(seen.every((e) => e.object.metadata?.name === 'watched'), 'only the selected pod is seen');
  t.equal(types[0], 'ADDED', `the first event is ADDED (${types.join(', ')})`);
  t.equal(types.at(-1), 'DELETED', 'the last event is DELETED');
  t.ok(types.slice(1, -1).length >= 1 && types.slice(1, -1).every((type) => type === 'MODIFIED'), 'MODIFIED in between');
  t.ok(seen.some((e) => e.type === 'MODIFIED' && e.object.metadata?.annotations?.step === 'two'), 'a MODIFIED event carries the patched annotation');
  const rvs = seen.map((e) => Number(e.object.metadata?.resourceVersion));
  t.ok(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!), `resourceVersions increase: ${rvs.join(' < ')}`);
  t.equal(doneWith, 'not done', 'the watch is still open');
});

t.test('deleting the pod, the DaemonSet and the namespace makes them gone', async (t) => {
  const deletedPod = await core.deleteNamespacedPod({ name: 'web', namespace: NS, gracePeriodSeconds: 0 });
  t.equal(deletedPod.kind, 'Pod', 'a pod delete answers with the pod, as upstream (ReturnDeletedObject)');
  t.equal(deletedPod.metadata?.name, 'web');
  t.equal(await statusOf(core.readNamespacedPod({ name: 'web', namespace: NS })), 404, 'the pod is gone');

  const deletedDs = await apps.deleteNamespacedDaemonSet({ name: DS_NAME, namespace: NS });
  t.match(deletedDs, { kind: 'Status', status: 'Success' }, 'a DaemonSet delete answers with a Status');
  t.equal(await statusOf(apps.readNamespacedDaemonSet({ name: DS_NAME, namespace: NS })), 404, 'the DaemonSet is gone');

  // Typed as V1Status in the client; the body is the namespace, now Terminating.
  const deletedNs = (await core.deleteNamespace({ name: NS })) as unknown as { kind?: string; status?: { phase?: string } };
  t.equal(deletedNs.kind, 'Namespace', 'a namespace delete answers with the namespace');
  t.equal(deletedNs.status?.phase, 'Terminating');
  await eventually(async () => (await statusOf(core.readNamespace({ name: NS }))) === 404, { timeoutMs: 20_000, intervalMs: 200 });
  t.pass('the namespace is gone');
  const left = await core.listNamespace();
  t.notOk(left.items.some((n) => n.metadata?.name === NS));
});

t.test('an informer sees adds, updates and deletes across a 410 Gone watch expiry and converges after re-listing', async (t) => {
  // A watch cache of 30 events, and watches the server ends after 1–2 s (kube-apiserver's
  // --min-request-timeout): the informer re-watches often, and after 40 unrelated writes its
  // resourceVersion has left the cache, so the re-watch gets an ERROR event with a 410 Status.
  // (The cache is large enough for what the scheduler and kubelet write meanwhile.)
  const s = await startServer(t, { nodes: 1, args: ['--watch-cache-size', '30', '--min-request-timeout', '1'] });
  const { kc: ikc, core: icore } = clientsFor(s);
  const ns = 'informer';
  await icore.createNamespace({ body: { metadata: { name: ns } } });
  for (const name of ['a', 'b', 'c']) await icore.createNamespacedPod({ namespace: ns, body: pod(name, { gen: '1' }) });
  /** Unrelated writes (namespace label changes) that push older resourceVersions out of the watch cache. */
  const churn = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await icore.patchNamespace({ name: ns, body: { metadata: { labels: { churn: `${Date.now()}-${i}` } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    }
  };

  let listCalls = 0;
  const informer = makeInformer<V1Pod>(ikc, `/api/v1/namespaces/${ns}/pods`, async () => {
    listCalls++;
    return icore.listNamespacedPod({ namespace: ns });
  });
  const listWatch = informer as unknown as ListWatch<V1Pod>;
  type Seen = { verb: string; name: string; gen: string | undefined; phase: number };
  let phase = 0;
  const seen = new EventLog<Seen>();
  const record = (verb: string) => (obj: V1Pod) => seen.push({ verb, name: obj.metadata!.name!, gen: obj.metadata?.labels?.gen, phase });
  informer.on('add', record('add'));
  informer.on('update', record('update'));
  informer.on('delete', record('delete'));
  const errors: unknown[] = [];
  informer.on('error', (err) => errors.push(err));
  /** The resourceVersion the informer holds at each (re)connect: '' means it will re-list first. */
  const connects: string[] = [];
  informer.on('connect', () => connects.push(listWatch.latestResourceVersion()));
  await informer.start();
  t.teardown(() => informer.stop());
  const has = (verb: string, name: string, inPhase: number) => (items: Seen[]) => items.some((e) => e.verb === verb && e.name === name && e.phase === inPhase);

  await seen.waitFor((e) => ['a', 'b', 'c'].every((n) => has('add', n, 0)(e)), 10_000, 'the initial adds');
  t.equal(listCalls, 1, 'one initial list');

  // Phase 1, live on the first watch: add d, update a, delete b.
  phase = 1;
  await icore.createNamespacedPod({ namespace: ns, body: pod('d', { gen: '1' }) });
  await icore.patchNamespacedPod({ name: 'a', namespace: ns, body: { metadata: { labels: { gen: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await icore.deleteNamespacedPod({ name: 'b', namespace: ns, gracePeriodSeconds: 0 });
  await seen.waitFor((e) => has('add', 'd', 1)(e) && has('update', 'a', 1)(e) && has('delete', 'b', 1)(e), 10_000, 'phase 1 add/update/delete');
  t.ok(seen.items.some((e) => e.verb === 'update' && e.name === 'a' && e.gen === '2'), 'the update carries the new label');

  // The server ends the watch within 2 s; with nothing else written, the informer re-watches from
  // its resourceVersion without listing.
  await eventually(() => connects.length >= 2, { timeoutMs: 5_000, intervalMs: 50 });
  t.not(connects[1], '', `the plain reconnect resumes from resourceVersion ${connects[1]}`);
  t.equal(listCalls, 1, 'and does not re-list');

  // Expire the informer's resourceVersion: after 40 unrelated writes its re-watch gets the 410.
  const staleRV = listWatch.latestResourceVersion();
  const connectsBefore = connects.length;
  await churn(40);
  await eventually(() => listCalls >= 2, { timeoutMs: 15_000, intervalMs: 100 });
  t.pass(`the informer re-listed after its watch expired (resourceVersions at each connect: ${JSON.stringify(connects)})`);
  t.ok(connects.slice(connectsBefore).includes(''), 'the reconnect began with an empty resourceVersion: the 410 ERROR event reset it');

  // The wire format of that expiry: a watch from the stale resourceVersion is one ERROR event, then the end.
  const stale = new EventLog<{ type: string; object: { kind?: string; code?: number; reason?: string; status?: string } }>();
  let staleDone: unknown = 'open';
  const staleWatch = await new Watch(ikc).watch(`/api/v1/namespaces/${ns}/pods`, { resourceVersion: staleRV }, (type, object) => stale.push({ type, object }), (err) => (staleDone = err));
  t.teardown(() => staleWatch.abort());
  await stale.waitFor((e) => e.length >= 1, 5_000, 'the ERROR event');
  t.match(stale.items, [{ type: 'ERROR', object: { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' } }]);
  await eventually(() => staleDone !== 'open', { timeoutMs: 5_000 });
  t.equal(staleDone, null, 'the server ends the stream after the ERROR event');

  // Phase 2, live on the watch after the re-list: add e, update c, delete d.
  phase = 2;
  await icore.createNamespacedPod({ namespace: ns, body: pod('e', { gen: '1' }) });
  await icore.patchNamespacedPod({ name: 'c', namespace: ns, body: { metadata: { labels: { gen: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await icore.deleteNamespacedPod({ name: 'd', namespace: ns, gracePeriodSeconds: 0 });
  await seen.waitFor((e) => has('add', 'e', 2)(e) && has('update', 'c', 2)(e) && has('delete', 'd', 2)(e), 10_000, 'phase 2 add/update/delete');

  // Phase 3, while the informer is stopped: the changes are only visible to the re-list that the
  // 410 forces when it starts again from its stale resourceVersion.
  await informer.stop();
  const listsBefore = listCalls;
  phase = 3;
  await icore.createNamespacedPod({ namespace: ns, body: pod('f', { gen: '1' }) });
  await icore.patchNamespacedPod({ name: 'e', namespace: ns, body: { metadata: { labels: { gen: '3' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await icore.deleteNamespacedPod({ name: 'a', namespace: ns, gracePeriodSeconds: 0 });
  await churn(40);
  await informer.start();
  await seen.waitFor((e) => has('add', 'f', 3)(e) && has('update', 'e', 3)(e) && has('delete', 'a', 3)(e), 15_000, 'phase 3 changes found by the re-list');
  t.ok(listCalls > listsBefore, 'the restarted informer re-listed');

  const cached = informer.list(ns).map((p) => [p.metadata!.name!, p.metadata!.labels!.gen]).sort();
  const actual = (await icore.listNamespacedPod({ namespace: ns })).items.map((p) => [p.metadata!.name!, p.metadata!.labels!.gen]).sort();
  t.same(actual, [
    ['c', '2'],
    ['e', '3'],
    ['f', '1'],
  ]);
  t.same(cached, actual, 'the informer cache equals the server state');
  t.comment(`error handler saw: ${errors.map((e) => (e as Error)?.name ?? String(e)).join(', ') || 'nothing'}`);
  t.same(
    errors.filter((e) => (e as Error)?.name !== 'AbortError'),
    [],
    'no errors reached the error handler (a 410 is handled by re-listing; stop() aborts with AbortError)',
  );
});
