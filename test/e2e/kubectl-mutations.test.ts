// End-to-end: kubectl commands that change state (create, label, annotate, patch, run, delete,
// wait, namespaces, cordon) for every kubectl 1.27 … 1.33 against one real server process. Each
// version works in its own namespace "mut-<id>"; versions run one after another, so they can all
// cordon (and uncordon) node-2. Two nodes keep the seed DaemonSet's pods, and the CPU, few.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { ROOT, startServer } from '../helpers/cluster.js';
import { forEachVersion, parseTable, show } from '../helpers/kubectl-e2e.js';

const server = await startServer(t, { nodes: 2 });
const SEED = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');
/** Pods that no node matches: no scheduler will ever bind them, so they stay Pending and unscheduled. */
const UNSCHEDULABLE = '--overrides={"apiVersion":"v1","spec":{"nodeSelector":{"e2e-target":"none"}}}';

t.test('kubectl create namespace creates an Active namespace with the kubernetes finalizer', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    // kubectl 1.32 and 1.33 send this body as protobuf.
    const r = await k(['create', 'namespace', `mut-${id}`]);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `namespace/mut-${id} created\n`);
    const got = await k(['get', 'namespace', `mut-${id}`, '-o', 'jsonpath={.status.phase} {.spec.finalizers} {.metadata.labels.kubernetes\\.io/metadata\\.name}']);
    t.equal(got.stdout, `Active ["kubernetes"] mut-${id}`, show(got));
    const table = await k(['get', 'ns', `mut-${id}`]);
    t.match(parseTable(table.stdout).rows, [{ NAME: `mut-${id}`, STATUS: 'Active' }], show(table));
    const again = await k(['create', 'namespace', `mut-${id}`]);
    t.equal(again.code, 1, show(again));
    t.equal(again.stderr, `Error from server (AlreadyExists): namespaces "mut-${id}" already exists\n`);
  }),
);

t.test('kubectl create -f with the seed manifest creates monitoring-daemon, and a second create fails with AlreadyExists', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `mut-${id}`;
    const r = await k(['create', '-f', SEED, '-n', ns]);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon created\n');
    const again = await k(['create', '-f', SEED, '-n', ns]);
    t.equal(again.code, 1, show(again));
    t.equal(again.stdout, '');
    t.equal(again.stderr, `Error from server (AlreadyExists): error when creating "${SEED}": daemonsets.apps "monitoring-daemon" already exists\n`);
    const json = await k(['get', 'ds', 'monitoring-daemon', '-n', ns, '-o', 'json']);
    t.equal(json.code, 0, show(json));
    t.match(JSON.parse(json.stdout), {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'monitoring-daemon', namespace: ns, generation: 1, uid: /\S/ },
      spec: {
        selector: { matchLabels: { app: 'monitoring-agent' } },
        updateStrategy: { type: 'RollingUpdate' },
        template: { metadata: { labels: { app: 'monitoring-agent' } }, spec: { containers: [{ name: 'monitoring-agent', image: 'monitoring-agent', imagePullPolicy: 'Always' }] } },
      },
    });
  }),
);

t.test('kubectl label and annotate add, overwrite and remove keys', (t) =>
  forEachVersion(t, server, async (t, { id, version, k }) => {
    const ds = ['ds', 'monitoring-daemon', '-n', `mut-${id}`];
    // kubectl 1.27's annotate prints the bare verb ("annotate", kubernetes/kubectl#1462); later versions say "annotated".
    const annotated = version === '1.27' ? 'annotate' : 'annotated';
    const labels = async () => (await k(['get', ...ds, '-o', 'jsonpath={.metadata.labels}'])).stdout;
    const annotations = async () => JSON.parse((await k(['get', ...ds, '-o', 'jsonpath={.metadata.annotations}'])).stdout || '{}') as Record<string, string>;

    let r = await k(['label', ...ds, 'tier=infra']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon labeled\n');
    t.equal(await labels(), '{"tier":"infra"}');

    r = await k(['label', ...ds, 'tier=edge']);
    t.equal(r.code, 1, show(r));
    t.equal(r.stderr, "error: 'tier' already has a value (infra), and --overwrite is false\n");
    r = await k(['label', ...ds, 'tier=edge', '--overwrite']);
    t.equal(r.code, 0, show(r));
    t.equal(await labels(), '{"tier":"edge"}');

    r = await k(['label', ...ds, 'tier-']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon unlabeled\n');
    t.equal(await labels(), '', 'no labels left: an empty map is not stored, as upstream (omitempty)');

    r = await k(['annotate', ...ds, 'note=hello world']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `daemonset.apps/monitoring-daemon ${annotated}\n`);
    t.equal((await annotations()).note, 'hello world');
    r = await k(['annotate', ...ds, 'note-']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `daemonset.apps/monitoring-daemon ${annotated}\n`);
    t.notOk('note' in (await annotations()), 'annotation removed');

    // Labels on a cluster-scoped object go through the same handler.
    r = await k(['label', 'namespace', `mut-${id}`, 'e2e=mutations']);
    t.equal(r.stdout, `namespace/mut-${id} labeled\n`, show(r));
    const nsTable = await k(['get', 'ns', '-l', 'e2e=mutations', '-o', 'name']);
    t.ok(nsTable.stdout.split('\n').includes(`namespace/mut-${id}`), show(nsTable));
  }),
);

t.test('kubectl patch --type=merge, --type=json and the default strategic patch change the DaemonSet', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ds = ['ds', 'monitoring-daemon', '-n', `mut-${id}`];
    const read = async (jsonpath: string) => (await k(['get', ...ds, '-o', `jsonpath=${jsonpath}`])).stdout;

    let r = await k(['patch', ...ds, '--type=merge', '-p', '{"spec":{"minReadySeconds":5}}']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon patched\n');
    t.equal(await read('{.spec.minReadySeconds} {.metadata.generation}'), '5 2', 'spec change bumps the generation');
    r = await k(['patch', ...ds, '--type=merge', '-p', '{"spec":{"minReadySeconds":5}}']);
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon patched (no change)\n', show(r));
    t.equal(await read('{.metadata.generation}'), '2', 'a no-op patch leaves the generation alone');

    r = await k(['patch', ...ds, '--type=json', '-p', '[{"op":"replace","path":"/spec/minReadySeconds","value":7},{"op":"add","path":"/metadata/labels","value":{"patched":"json"}}]']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon patched\n');
    t.equal(await read('{.spec.minReadySeconds} {.metadata.labels.patched} {.metadata.generation}'), '7 json 3');
    r = await k(['patch', ...ds, '--type=json', '-p', '[{"op":"remove","path":"/metadata/labels/patched"}]']);
    t.equal(r.code, 0, show(r));
    t.equal(await read('{.metadata.labels}'), '', 'the emptied labels map is dropped');

    r = await k(['patch', ...ds, '--type=json', '-p', '[{"op":"test","path":"/spec/minReadySeconds","value":1}]']);
    t.equal(r.code, 1, 'a failing json-patch test is an error');
    t.match(r.stderr, /test/, show(r));

    r = await k(['patch', ...ds, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"monitoring-agent","image":"monitoring-agent:v2"}]}}}}']);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon patched\n');
    t.equal(await read('{range .spec.template.spec.containers[*]}{.name}={.image};{end}'), 'monitoring-agent=monitoring-agent:v2;', 'strategic merge by container name keeps one container');

    r = await k(['patch', ...ds, '--type=merge', '-p', '{"spec":{"selector":null}}']);
    t.equal(r.code, 1, show(r));
    t.match(r.stderr, /^The DaemonSet "monitoring-daemon" is invalid: /, 'an invalid patch result is rejected');
  }),
);

t.test('kubectl run creates a plain pod, and get pod -o wide shows it', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `mut-${id}`;
    const r = await k(['run', 'web', '--image=nginx', '--restart=Never', '-n', ns]);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'pod/web created\n');
    const wide = await k(['get', 'pod', 'web', '-o', 'wide', '-n', ns]);
    t.equal(wide.code, 0, show(wide));
    const table = parseTable(wide.stdout);
    t.same(table.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    t.equal(table.rows.length, 1);
    const pod = table.rows[0]!;
    t.match(pod, { NAME: 'web', READY: /^[01]\/1$/, RESTARTS: '0', AGE: /^\d+s$/, 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>' });
    if (pod.NODE === '<none>') t.match(pod, { READY: '0/1', STATUS: 'Pending', IP: '<none>' }, 'an unscheduled pod is Pending without an IP');
    else t.match(pod.NODE, /^node-\d+$/, 'a scheduled pod names its node');
    const fields = await k(['get', 'pod', 'web', '-n', ns, '-o', 'jsonpath={.spec.containers[0].name} {.spec.containers[0].image} {.spec.restartPolicy} {.metadata.labels.run}']);
    t.equal(fields.stdout, 'web nginx Never web', show(fields));
  }),
);

t.test('kubectl delete pod removes an unscheduled pod at once', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `mut-${id}`;
    const run = await k(['run', 'idle', '--image=busybox', '--restart=Never', UNSCHEDULABLE, '-n', ns]);
    t.equal(run.stdout, 'pod/idle created\n', show(run));
    const started = Date.now();
    const r = await k(['delete', 'pod', 'idle', '-n', ns], { timeoutMs: 15_000 });
    const elapsed = Date.now() - started;
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'pod "idle" deleted\n');
    t.ok(elapsed < 5000, `returned in ${elapsed} ms`);
    const gone = await k(['get', 'pod', 'idle', '-n', ns]);
    t.equal(gone.code, 1);
    t.equal(gone.stderr, 'Error from server (NotFound): pods "idle" not found\n');
    const twice = await k(['delete', 'pod', 'idle', '-n', ns]);
    t.equal(twice.code, 1, show(twice));
    t.equal(twice.stderr, 'Error from server (NotFound): pods "idle" not found\n');
  }),
);

t.test('kubectl wait --for=delete returns once the object is deleted and times out while it stays', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `mut-${id}`;
    const run = await k(['run', 'doomed', '--image=busybox', '--restart=Never', UNSCHEDULABLE, '-n', ns]);
    t.equal(run.code, 0, show(run));

    const stays = await k(['wait', '--for=delete', 'pod/doomed', '--timeout=1s', '-n', ns]);
    t.equal(stays.code, 1, show(stays));
    t.match(stays.stderr, /timed out waiting for the condition on pods\/doomed/);

    const waiting = k(['wait', '--for=delete', 'pod/doomed', '--timeout=30s', '-n', ns], { timeoutMs: 40_000 });
    await sleep(1000); // let wait reach its watch
    const del = await k(['delete', 'pod', 'doomed', '--wait=false', '-n', ns]);
    t.equal(del.stdout, 'pod "doomed" deleted\n', show(del));
    const r = await waiting;
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, 'pod/doomed condition met\n');
  }),
);

t.test('kubectl delete removes one object, and delete -l removes every object with the label', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `mut-${id}`;
    for (const name of ['batch-a', 'batch-b', 'batch-c']) {
      const r = await k(['run', name, '--image=busybox', '--restart=Never', '--labels=batch=yes', UNSCHEDULABLE, '-n', ns]);
      t.equal(r.stdout, `pod/${name} created\n`, show(r));
    }
    const keep = await k(['run', 'keep', '--image=busybox', '--restart=Never', '--labels=batch=no', UNSCHEDULABLE, '-n', ns]);
    t.equal(keep.code, 0, show(keep));

    const r = await k(['delete', 'pods', '-l', 'batch=yes', '-n', ns], { timeoutMs: 30_000 });
    t.equal(r.code, 0, show(r));
    t.same(r.stdout.trim().split('\n').sort(), ['pod "batch-a" deleted', 'pod "batch-b" deleted', 'pod "batch-c" deleted']);
    const left = await k(['get', 'pods', '-n', ns, '-l', 'batch', '-o', 'name']);
    t.equal(left.stdout, 'pod/keep\n', show(left));
    const none = await k(['delete', 'pods', '-l', 'batch=yes', '-n', ns]);
    t.equal(none.code, 0, show(none));
    t.equal(none.stdout, 'No resources found\n');

    const ds = await k(['delete', 'ds', 'monitoring-daemon', '-n', ns], { timeoutMs: 30_000 });
    t.equal(ds.code, 0, show(ds));
    t.equal(ds.stdout, 'daemonset.apps "monitoring-daemon" deleted\n');
    const gone = await k(['get', 'ds', 'monitoring-daemon', '-n', ns]);
    t.equal(gone.code, 1);
    t.equal(gone.stderr, 'Error from server (NotFound): daemonsets.apps "monitoring-daemon" not found\n');
  }),
);

t.test('kubectl cordon and uncordon toggle SchedulingDisabled on a node', (t) =>
  forEachVersion(t, server, async (t, { k }) => {
    const node = 'node-2';
    const status = async () => {
      const r = await k(['get', 'node', node]);
      return parseTable(r.stdout).rows[0]?.STATUS;
    };
    let r = await k(['cordon', node]);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `node/${node} cordoned\n`);
    t.equal(await status(), 'Ready,SchedulingDisabled');
    t.equal((await k(['get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}'])).stdout, 'true');

    r = await k(['cordon', node]);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `node/${node} already cordoned\n`);

    r = await k(['uncordon', node]);
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `node/${node} uncordoned\n`);
    t.equal(await status(), 'Ready');
    t.equal((await k(['get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}'])).stdout, '', 'unschedulable removed');

    r = await k(['uncordon', node]);
    t.equal(r.stdout, `node/${node} already uncordoned\n`, show(r));
  }),
);

t.test('kubectl delete namespace waits until the namespace controller has removed it and its contents', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `mut-${id}`;
    const before = await k(['get', 'pods', '-n', ns, '-o', 'name']);
    t.ok(before.stdout.includes('pod/keep'), `the namespace still holds pods:\n${show(before)}`);
    const started = Date.now();
    const r = await k(['delete', 'namespace', ns], { timeoutMs: 30_000 });
    t.equal(r.code, 0, show(r));
    t.equal(r.stdout, `namespace "${ns}" deleted\n`);
    t.ok(Date.now() - started < 30_000, 'returned within the wait');
    const gone = await k(['get', 'namespace', ns]);
    t.equal(gone.code, 1, show(gone));
    t.equal(gone.stderr, `Error from server (NotFound): namespaces "${ns}" not found\n`);
    const pods = await k(['get', 'pods', '-n', ns]);
    t.equal(pods.stderr, `No resources found in ${ns} namespace.\n`, show(pods));
  }),
);
