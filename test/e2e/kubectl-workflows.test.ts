// End-to-end: the everyday kubectl workflows beyond get/create, for every kubectl 1.27 … 1.33:
// client-side apply (twice: unchanged), set image, set env, rollout restart, taint, edit with an
// EDITOR script, logs, drain, and the seed's tip (a Deployment manifest turned into a DaemonSet).
// Each version works in its own namespace; versions run one after another on one server.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { ROOT, eventually, startServer } from '../helpers/cluster.js';
import { forEachVersion, show, type Kubectl } from '../helpers/kubectl-e2e.js';

const server = await startServer(t, { nodes: 2 });
const SEED = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');

async function podsRunning(k: Kubectl, ns: string, selector: string, count: number): Promise<boolean> {
  const r = await k(['get', 'pods', '-n', ns, '-l', selector, '-o', 'jsonpath={range .items[*]}{.status.phase}{" "}{end}']);
  const phases = r.stdout.trim().split(' ').filter(Boolean);
  return phases.length === count && phases.every((p) => p === 'Running');
}

t.test('client-side apply creates, a second identical apply is unchanged, and edits apply as a three-way merge', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `wf-${id}`;
    t.equal((await k(['create', 'namespace', ns])).code, 0);
    const first = await k(['apply', '-f', SEED, '-n', ns]);
    t.equal(first.stdout, 'daemonset.apps/monitoring-daemon created\n', show(first));
    const again = await k(['apply', '-f', SEED, '-n', ns]);
    t.equal(again.stdout, 'daemonset.apps/monitoring-daemon unchanged\n', show(again));
    const manifest = parse(await readFile(SEED, 'utf8'));
    manifest.metadata.labels = { team: 'infra' };
    manifest.spec.template.spec.containers[0].env = [{ name: 'MODE', value: 'fast' }];
    const edited = await k(['apply', '-f', '-', '-n', ns], { input: stringify(manifest) });
    t.equal(edited.stdout, 'daemonset.apps/monitoring-daemon configured\n', show(edited));
    const got = await k(['get', 'ds', 'monitoring-daemon', '-n', ns, '-o', 'jsonpath={.metadata.labels.team} {.spec.template.spec.containers[0].env[0].value} {.metadata.generation}']);
    t.equal(got.stdout, 'infra fast 2', show(got));
    delete manifest.metadata.labels;
    const removed = await k(['apply', '-f', '-', '-n', ns], { input: stringify(manifest) });
    t.equal(removed.code, 0, show(removed));
    const labels = await k(['get', 'ds', 'monitoring-daemon', '-n', ns, '-o', 'jsonpath={.metadata.labels}']);
    t.equal(labels.stdout, '', 'a label dropped from the manifest is removed');
  }),
);

t.test('set image, set env and rollout restart change the template and bump the generation', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `wf-${id}`;
    const gen = async () => Number((await k(['get', 'ds', 'monitoring-daemon', '-n', ns, '-o', 'jsonpath={.metadata.generation}'])).stdout);
    const before = await gen();
    const image = await k(['set', 'image', 'ds/monitoring-daemon', 'monitoring-agent=monitoring-agent:v2', '-n', ns]);
    t.equal(image.stdout, 'daemonset.apps/monitoring-daemon image updated\n', show(image));
    const env = await k(['set', 'env', 'ds/monitoring-daemon', 'LEVEL=debug', '-n', ns]);
    t.equal(env.stdout, 'daemonset.apps/monitoring-daemon env updated\n', show(env));
    const restart = await k(['rollout', 'restart', 'ds/monitoring-daemon', '-n', ns]);
    t.equal(restart.stdout, 'daemonset.apps/monitoring-daemon restarted\n', show(restart));
    t.equal(await gen(), before + 3);
    const tpl = await k(['get', 'ds', 'monitoring-daemon', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[?(@.name=="LEVEL")].value} {.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}']);
    t.match(tpl.stdout, /^monitoring-agent:v2 debug \d{4}-\d\d-\d\dT/, show(tpl));
    const status = await k(['rollout', 'status', 'ds/monitoring-daemon', '-n', ns, '--timeout=90s'], { timeoutMs: 100_000 });
    t.match(status.stdout, 'daemon set "monitoring-daemon" successfully rolled out', show(status));
  }),
);

t.test('kubectl edit with an EDITOR script changes the object', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `wf-${id}`;
    const editor = path.join(server.dir, `editor-${id}.sh`);
    // The editor inserts minReadySeconds under spec; kubectl sends the difference as a patch.
    await writeFile(editor, `#!/bin/sh\nsed -i 's/^spec:$/spec:\\n  minReadySeconds: 7/' "$1"\n`);
    await chmod(editor, 0o755);
    const r = await k(['edit', 'ds/monitoring-daemon', '-n', ns], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    t.equal(r.stdout, 'daemonset.apps/monitoring-daemon edited\n', show(r));
    const got = await k(['get', 'ds', 'monitoring-daemon', '-n', ns, '-o', 'jsonpath={.spec.minReadySeconds}']);
    t.equal(got.stdout, '7');
  }),
);

t.test('kubectl logs prints synthetic container lines, with --tail and --timestamps, for a pod and for the DaemonSet', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `wf-${id}`;
    await eventually(() => podsRunning(k, ns, 'app=monitoring-agent', 2), { timeoutMs: 60_000, intervalMs: 500 });
    const name = (await k(['get', 'pods', '-n', ns, '-l', 'app=monitoring-agent', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    const logs = await k(['logs', name, '-n', ns]);
    t.equal(logs.code, 0, show(logs));
    t.match(logs.stdout, new RegExp(`^kubemock: container monitoring-agent of pod ${ns}/${name} is running \\(line 1\\)\\n`));
    const tail = await k(['logs', name, '-n', ns, '--tail=1', '--timestamps']);
    t.match(tail.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z kubemock: container monitoring-agent .*\n$/, show(tail));
    t.equal(tail.stdout.split('\n').length, 2, 'one line');
    const byDs = await k(['logs', 'ds/monitoring-daemon', '-n', ns]);
    t.equal(byDs.code, 0, show(byDs));
    t.match(byDs.stdout, 'kubemock: container monitoring-agent');
    const previous = await k(['logs', name, '-n', ns, '--previous']);
    t.equal(previous.code, 1);
    t.match(previous.stderr, `previous terminated container "monitoring-agent" in pod "${name}" not found`);
  }),
);

t.test('kubectl taint adds and removes taints as a whole list', (t) =>
  forEachVersion(t, server, async (t, { k }) => {
    const add = await k(['taint', 'nodes', 'node-1', 'e2e=yes:PreferNoSchedule']);
    t.equal(add.stdout, 'node/node-1 tainted\n', show(add));
    const second = await k(['taint', 'nodes', 'node-1', 'other=1:PreferNoSchedule']);
    t.equal(second.code, 0, show(second));
    const remove = await k(['taint', 'nodes', 'node-1', 'e2e-']);
    t.equal(remove.stdout, 'node/node-1 untainted\n', show(remove));
    const left = await k(['get', 'node', 'node-1', '-o', 'jsonpath={.spec.taints[*].key}']);
    t.equal(left.stdout, 'other', 'the removed taint is gone, the other stays');
    t.equal((await k(['taint', 'nodes', 'node-1', 'other-'])).code, 0);
    t.equal((await k(['get', 'node', 'node-1', '-o', 'jsonpath={.spec.taints}'])).stdout, '');
  }),
);

t.test('kubectl drain evicts the plain pods of a node and leaves the daemon pods', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `wf-${id}`;
    const run = await k(['run', `drainme-${id}`, '--image=nginx', '--restart=Never', '-n', ns, '--overrides={"apiVersion":"v1","spec":{"nodeName":"node-2"}}']);
    t.equal(run.code, 0, show(run));
    await eventually(async () => (await k(['get', 'pod', `drainme-${id}`, '-n', ns, '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', { timeoutMs: 30_000, intervalMs: 300 });
    const drain = await k(['drain', 'node-2', '--ignore-daemonsets', '--force', '--timeout=60s'], { timeoutMs: 90_000 });
    t.equal(drain.code, 0, show(drain));
    t.match(drain.stdout + drain.stderr, `evicting pod ${ns}/drainme-${id}`);
    t.match(drain.stdout, `pod/drainme-${id} evicted`);
    t.match(drain.stdout, 'node/node-2 drained');
    t.equal((await k(['get', 'pod', `drainme-${id}`, '-n', ns])).code, 1, 'the plain pod is gone');
    const daemon = await k(['get', 'pods', '-n', ns, '-l', 'app=monitoring-agent', '--field-selector=spec.nodeName=node-2', '-o', 'name']);
    t.match(daemon.stdout, /^pod\/monitoring-daemon-/, 'the daemon pod stays');
    t.equal((await k(['uncordon', 'node-2'])).code, 0);
  }),
);

t.test('the seed tip: create deployment --dry-run=client -o yaml, with kind changed to DaemonSet, creates a DaemonSet', (t) =>
  forEachVersion(t, server, async (t, { id, k }) => {
    const ns = `wf-${id}`;
    const dry = await k(['create', 'deployment', 'tip', '--image=busybox', '--dry-run=client', '-o', 'yaml', '-n', ns]);
    t.equal(dry.code, 0, show(dry));
    const manifest = parse(dry.stdout);
    t.equal(manifest.kind, 'Deployment');
    manifest.kind = 'DaemonSet';
    delete manifest.spec.replicas;
    delete manifest.spec.strategy;
    delete manifest.status;
    const created = await k(['create', '-f', '-', '-n', ns], { input: stringify(manifest) });
    t.equal(created.stdout, 'daemonset.apps/tip created\n', show(created));
    await eventually(async () => (await k(['get', 'ds', 'tip', '-n', ns, '-o', 'jsonpath={.status.numberReady}'])).stdout === '2', { timeoutMs: 60_000, intervalMs: 500 });
    t.equal((await k(['delete', 'ds', 'tip', '-n', ns])).code, 0);
  }),
);

t.test('describe node shows the node lease and the pods on it', (t) =>
  forEachVersion(t, server, async (t, { k }) => {
    const r = await k(['describe', 'node', 'node-1']);
    t.equal(r.code, 0, show(r));
    t.match(r.stdout, /Lease:\s+HolderIdentity:\s+node-1/);
    t.match(r.stdout, /Non-terminated Pods:\s+\(\d+ in total\)/);
    t.notMatch(r.stdout, 'Failed to get lease');
  }),
);
