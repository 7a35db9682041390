// End-to-end: Debian's python3-kubernetes, run by Debian's own /usr/bin/python3 (not whatever
// python3 is first on PATH), against one real server process. The drivers live in
// test/fixtures/python/; each takes the kubeconfig path and prints one JSON object.
// Install the client with scripts/install-test-deps.sh.
import t from 'tap';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT, startServer } from '../helpers/cluster.js';

const PYTHON = '/usr/bin/python3';
const DRIVERS = path.join(ROOT, 'test/fixtures/python');
const SEED = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    // PYTHONPATH and friends from the caller's environment must not point Debian's python elsewhere.
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONNOUSERSITE: '1', PYTHONWARNINGS: 'ignore' };
    delete env.PYTHONPATH;
    delete env.PYTHONHOME;
    execFile(PYTHON, args, { cwd: DRIVERS, timeout: timeoutMs, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs one driver and parses its JSON; a failing driver fails the test with its stderr. */
async function driver<T>(script: string, args: string[]): Promise<T> {
  const result = await run([path.join(DRIVERS, script), ...args]);
  if (result.code !== 0) throw new Error(`${script} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`);
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`${script} printed no JSON:\n${result.stdout}\n${result.stderr}`);
  }
}

interface Sent {
  method: string;
  url: string;
  contentType: string | null;
  step?: string;
}

interface ListWatchResult {
  namespaces: { kind: string; resourceVersion: string; items: Array<{ name: string; phase: string }> };
  nodes: Array<{ name: string; ready: string; kubeletVersion: string; created: string }>;
  pods: { kind: string; items: string[] };
  paging: { items: number; continue: boolean };
  watch: { events: Array<{ type: string; name: string; resourceVersion: string; annotations: Record<string, string> | null; pythonType: string }>; seconds: number; writerErrors: string[] };
  expired: { status: number | null; reason?: string; unexpectedEvent?: string };
  sent: Sent[];
  clientVersion: string;
  python: string;
}

interface CreatePatchResult {
  namespace: { name: string; uid: string; phase: string; labels: Record<string, string>; finalizers: string[] };
  pod: { name: string; namespace: string; uid: string; phase: string; pullPolicy: string; dnsPolicy: string; readUid: string };
  daemonSet: { kind: string; apiVersion: string; uid: string; readUid: string; generation: number; selector: Record<string, string>; updateStrategy: string; listed: string[] };
  strategicMerge: { labels: Record<string, string>; templateAnnotations: Record<string, string>; containers: Array<[string, string]>; generation: number };
  jsonPatch: { labels: Record<string, string>; templateAnnotations: Record<string, string>; containers: string[]; generation: number };
  failedTest: { status: number; body?: string };
  deletedPod: { kind: string; name: string | null };
  deletedDaemonSet: { kind: string; status: string };
  afterDelete: { pod: number; daemonSet: number };
  deletedNamespace: { kind: string };
  namespaceGone: boolean;
  namespaceListed: boolean;
  sent: Sent[];
  clientVersion: string;
}

const probe = await run(['-c', 'import kubernetes, sys; print(kubernetes.__version__, sys.version.split()[0])'], 30_000);
if (probe.code !== 0) {
  // A visible SKIP in the report (never a silent pass) when the module cannot be imported.
  t.skip('python3-kubernetes is not installed: run scripts/install-test-deps.sh', () => {});
  t.comment(`${PYTHON} -c 'import kubernetes' failed: ${probe.stderr.trim().split('\n').pop() ?? ''}`);
} else {
  const [clientVersion, pythonVersion] = probe.stdout.trim().split(/\s+/);
  t.comment(`Debian python3-kubernetes ${clientVersion} on ${PYTHON} (Python ${pythonVersion})`);
  // Watch cache of 40 events: the driver's 50 namespace patches expire its first watch's resourceVersion.
  const server = await startServer(t, { nodes: 3, args: ['--watch-cache-size', '40'] });
  // Both drivers run once; each behaviour below asserts on its part of their output.
  const listWatch = driver<ListWatchResult>('list_watch.py', [server.kubeconfig, 'py-watch', '50']);
  const createPatch = listWatch.then(() => driver<CreatePatchResult>('create_patch.py', [server.kubeconfig, 'py-objects', SEED]));
  // Failures surface in the tests that read them; keep them from being unhandled meanwhile.
  listWatch.catch(() => {});
  createPatch.catch(() => {});

  t.test('the Python client loads the kubeconfig and lists namespaces, nodes and pods', async (t) => {
    const r = await listWatch;
    t.equal(r.clientVersion, clientVersion);
    t.equal(r.namespaces.kind, 'NamespaceList');
    t.match(r.namespaces.resourceVersion, /^\d+$/);
    const names = r.namespaces.items.map((n) => n.name);
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) t.ok(names.includes(name), `namespace ${name} is listed`);
    t.ok(r.namespaces.items.every((n) => n.phase === 'Active'));
    t.same(r.nodes.map((n) => n.name), ['node-1', 'node-2', 'node-3']);
    for (const node of r.nodes) {
      t.equal(node.ready, 'True', `${node.name} is Ready`);
      t.match(node.kubeletVersion, /^v1\.\d+\.\d+/);
      t.match(node.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/, 'creationTimestamp deserialises to an aware datetime');
    }
    t.equal(r.pods.kind, 'PodList');
    t.same(r.paging, { items: 1, continue: true }, 'limit=1 returns one node and a continue token');
  });

  t.test('the Python client creates a namespace, a pod and the seed DaemonSet and reads them back', async (t) => {
    const r = await createPatch;
    t.match(r.namespace, { name: 'py-objects', phase: 'Active', labels: { suite: 'python', 'kubernetes.io/metadata.name': 'py-objects' }, finalizers: ['kubernetes'] });
    t.match(r.pod, { name: 'web', namespace: 'py-objects', phase: 'Pending', pullPolicy: 'IfNotPresent', dnsPolicy: 'ClusterFirst' });
    t.equal(r.pod.readUid, r.pod.uid, 'reading the pod returns the created one');
    t.match(r.daemonSet, { kind: 'DaemonSet', apiVersion: 'apps/v1', generation: 1, selector: { app: 'monitoring-agent' }, updateStrategy: 'RollingUpdate', listed: ['monitoring-daemon'] });
    t.equal(r.daemonSet.readUid, r.daemonSet.uid);
    const posts = r.sent.filter((s) => s.method === 'POST');
    t.ok(posts.length >= 3 && posts.every((s) => s.contentType === 'application/json'), 'creates are sent as application/json');
  });

  t.test('a dict patch is sent as a strategic merge patch and merges labels, template annotations and containers', async (t) => {
    const r = await createPatch;
    const sent = r.sent.filter((s) => s.step === 'patch-dict');
    t.same(sent.map((s) => [s.method, s.contentType]), [['PATCH', 'application/strategic-merge-patch+json']], 'python3-kubernetes picks strategic merge for a dict');
    t.same(r.strategicMerge.labels, { tier: 'monitoring' });
    t.same(r.strategicMerge.templateAnnotations, { 'patched-by': 'python' });
    t.same(r.strategicMerge.containers, [
      ['sidecar', 'sidecar:1'],
      ['monitoring-agent', 'monitoring-agent'],
    ], 'containers merge by name');
    t.equal(r.strategicMerge.generation, 2, 'a template change bumps the generation');
  });

  t.test('a list patch is sent as a JSON patch and applies its operations in order', async (t) => {
    const r = await createPatch;
    const sent = r.sent.filter((s) => s.step === 'patch-list');
    t.same(sent.map((s) => [s.method, s.contentType]), [['PATCH', 'application/json-patch+json']], 'python3-kubernetes picks JSON patch for a list');
    t.same(r.jsonPatch.labels, { tier: 'observability' });
    t.same(r.jsonPatch.templateAnnotations, { 'patched-by': 'python', second: 'json-patch' });
    t.same(r.jsonPatch.containers, ['monitoring-agent'], 'remove /spec/template/spec/containers/0 dropped the sidecar');
    t.equal(r.jsonPatch.generation, 3);
    t.equal(r.failedTest.status, 422, 'a failed test op is 422');
    t.match(JSON.parse(r.failedTest.body ?? '{}'), { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
  });

  t.test('watch.Watch().stream sees ADDED, MODIFIED and DELETED and a stale resourceVersion raises 410', async (t) => {
    const r = await listWatch;
    t.same(r.watch.writerErrors, []);
    // The scheduler and the kubelet modify the pod too (binding, status), so MODIFIED may repeat.
    const events = r.watch.events;
    const types = events.map((e) => e.type);
    t.ok(events.every((e) => e.name === 'watched' && e.pythonType === 'V1Pod'), 'every event is the selected pod, deserialised to V1Pod');
    t.equal(types[0], 'ADDED', `the first event is ADDED (${types.join(', ')})`);
    t.equal(types.at(-1), 'DELETED', 'the last event is DELETED');
    t.ok(types.slice(1, -1).length >= 1 && types.slice(1, -1).every((type) => type === 'MODIFIED'), 'MODIFIED in between');
    t.ok(events.some((e) => e.type === 'MODIFIED' && e.annotations?.step === 'two'), 'a MODIFIED event carries the patched annotation');
    const rvs = events.map((e) => Number(e.resourceVersion));
    t.ok(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!), `resourceVersions increase: ${rvs.join(' < ')}`);
    t.ok(r.watch.seconds < 10, `the stream was stopped after DELETED (${r.watch.seconds} s), before timeout_seconds`);
    const watchRequest = r.sent.find((s) => s.method === 'GET' && /[?&]watch=/.test(s.url));
    t.match(watchRequest?.url, /[?&]watch=True(&|$)/, 'the client sends watch=True, which the server reads as true');
    t.match(watchRequest?.url, /[?&]timeoutSeconds=10(&|$)/);
    t.match(watchRequest?.url, /[?&]labelSelector=app%3Dwatched(&|$)/);
    t.match(r.expired, { status: 410, reason: /^Expired: too old resource version/ });
  });

  t.test('the Python client deletes the pod, the DaemonSet and the namespace and they are gone', async (t) => {
    const r = await createPatch;
    t.same(r.deletedPod, { kind: 'Pod', name: 'web' }, 'a pod delete answers with the pod');
    t.same(r.deletedDaemonSet, { kind: 'Status', status: 'Success' }, 'a DaemonSet delete answers with a Status');
    t.same(r.afterDelete, { pod: 404, daemonSet: 404 });
    const deletes = r.sent.filter((s) => s.method === 'DELETE');
    t.match(deletes[0]?.url, /\/namespaces\/py-objects\/pods\/web\?gracePeriodSeconds=0$/);
    t.equal(r.deletedNamespace.kind, 'Namespace', 'a namespace delete answers with the namespace');
    t.equal(r.namespaceGone, true, 'the namespace is gone within 20 s');
    t.equal(r.namespaceListed, false);
  });
}
