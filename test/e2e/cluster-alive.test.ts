// End-to-end: "the cluster comes alive". The real server process with its control loops (DaemonSet
// controller, scheduler, kubelet simulator, node lifecycle, pod GC, garbage collector, namespace
// controller) driven by real kubectl 1.27 and 1.33, asserting on what kubectl prints and its exit
// codes. Every behaviour gets a fresh 3-node cluster per kubectl version, so node labels, taints and
// counts never leak from one check into another.
import t, { type Test } from 'tap';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ROOT, kubectl, kubectlBinary, startServer, until, type KubectlVersion, type RunResult, type ServerProcess } from '../helpers/cluster.js';
import { parseTable, show } from '../helpers/kubectl-e2e.js';

const VERSIONS: readonly KubectlVersion[] = ['1.27', '1.33'];
const FIXTURE = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');
const DS = 'monitoring-daemon';
const SELECTOR = 'app=monitoring-agent';
const NODES = ['node-1', 'node-2', 'node-3'];
/** Generous: two shared cores, other suites running. */

type Kubectl = (args: string[], options?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

interface Cluster {
  version: KubectlVersion;
  k: Kubectl;
  server: ServerProcess;
}

/**
 * Runs fn once per kubectl version, each against its own fresh cluster, the versions side by side
 * (separate processes, nothing shared); a missing binary is a visible skip.
 */
async function onFreshCluster(t: Test, fn: (t: Test, cluster: Cluster) => Promise<void>): Promise<void> {
  t.jobs = VERSIONS.length;
  const runs = VERSIONS.map((version) => {
    const binary = kubectlBinary(version);
    if (!binary) return t.test(`kubectl ${version}`, { skip: `kubectl.${version} is not installed beside kubectl on PATH` }, async () => {});
    return t.test(`kubectl ${version}`, async (tt) => {
      const server = await startServer(tt, { nodes: NODES.length });
      const k: Kubectl = (args, options = {}) => kubectl(binary, server, args, { timeoutMs: 90_000, ...options });
      await fn(tt, { version, k, server });
    });
  });
  await Promise.all(runs);
}

/**
 * A bounded observation window, used only where the claim is that something does NOT happen (a pod
 * is not deleted, no second scheduling attempt) and no later event could prove it.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs kubectl and fails loudly unless it exits 0. */
async function ok(k: Kubectl, args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string> {
  const r = await k(args, options);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${show(r)}`);
  return r.stdout;
}

/** `kubectl get pods -o wide` as rows (NAME READY STATUS RESTARTS AGE IP NODE …). */
async function podRows(k: Kubectl, extra: string[] = []): Promise<Record<string, string>[]> {
  const out = await ok(k, ['get', 'pods', '-o', 'wide', ...extra]);
  return out.trim() ? parseTable(out).rows : [];
}

/** DESIRED CURRENT READY UP-TO-DATE AVAILABLE of `kubectl get ds <name>`, space-separated. */
async function dsCounts(k: Kubectl, name = DS, extra: string[] = []): Promise<{ counts: string; row: Record<string, string> }> {
  const table = parseTable(await ok(k, ['get', 'ds', name, ...extra]));
  const row = table.rows[0]!;
  return { counts: ['DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE'].map((c) => row[c]).join(' '), row };
}

const isRunning = (r: Record<string, string>) => r.READY === '1/1' && r.STATUS === 'Running';
const nodesOf = (rows: Record<string, string>[]) => rows.map((r) => r.NODE).sort();

/** Waits until exactly one Running daemon pod per given node is listed, and nothing else. */
function onePodPerNode(k: Kubectl, nodes: readonly string[], extra: string[] = ['-l', SELECTOR]) {
  return until(`one Running pod on each of ${nodes.join(', ')}`, async () => {
    const rows = await podRows(k, extra);
    return { ok: rows.length === nodes.length && rows.every(isRunning) && JSON.stringify(nodesOf(rows)) === JSON.stringify([...nodes].sort()), seen: rows };
  });
}

function dsShows(k: Kubectl, counts: string, name = DS, extra: string[] = []) {
  return until(`kubectl get ds ${name} shows ${counts}`, async () => {
    const r = await dsCounts(k, name, extra);
    return { ok: r.counts === counts, seen: r.row };
  });
}

interface PodJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: Array<{ uid: string; kind: string; controller?: boolean }> };
  spec: { nodeName?: string; containers: Array<{ image: string }> };
  status: { phase?: string; containerStatuses?: Array<{ restartCount: number }> };
}

async function podsJson(k: Kubectl, extra: string[] = ['-l', SELECTOR]): Promise<PodJson[]> {
  return (JSON.parse(await ok(k, ['get', 'pods', '-o', 'json', ...extra])) as { items: PodJson[] }).items;
}

/** The REVISION column of `kubectl rollout history`. */
function historyRevisions(stdout: string): number[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^REVISION\s+CHANGE-CAUSE/.test(l));
  if (header < 0) return [];
  return lines.slice(header + 1).flatMap((l) => (/^(\d+)\s/.exec(l) ? [Number(/^(\d+)\s/.exec(l)![1])] : []));
}

/** The `Events:` rows of kubectl describe with the given reason, as their message column. */
function describedEvents(describe: string, reason: string): string[] {
  const events = describe.slice(describe.indexOf('\nEvents:'));
  const re = new RegExp(`^\\s+(?:Normal|Warning)\\s+${reason}\\s+.*$`, 'gm');
  return [...events.matchAll(re)].map((m) => m[0].trim());
}

function nodeManifest(name: string): string {
  return toYaml({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } } });
}

function daemonSetManifest(name: string, spec: Record<string, unknown> = {}): string {
  return toYaml({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }], ...spec } },
    },
  });
}

/** Creates the seed DaemonSet and waits until it runs everywhere. */
async function seed(t: Test, k: Kubectl, nodes = NODES): Promise<void> {
  const created = await k(['create', '-f', FIXTURE]);
  t.equal(created.code, 0, show(created));
  t.equal(created.stdout, `daemonset.apps/${DS} created\n`);
  await onePodPerNode(k, nodes);
  await dsShows(k, Array(5).fill(nodes.length).join(' '));
}

// ---------------------------------------------------------------------------------------------

t.test('the seed monitoring-daemon runs one Running pod on each of the three nodes and reports 3 everywhere', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    const created = await k(['create', '-f', FIXTURE]);
    t.equal(created.code, 0, show(created));
    t.equal(created.stdout, `daemonset.apps/${DS} created\n`);

    const rows = await onePodPerNode(k, NODES);
    t.same(nodesOf(rows), NODES, 'get pods -o wide: one pod per node');
    for (const r of rows) {
      t.match(r.NAME, /^monitoring-daemon-[bcdfghjklmnpqrstvwxz2456789]{5}$/, `${r.NAME}: generateName <ds>- plus 5 safe characters`);
      t.match(r, { READY: '1/1', STATUS: 'Running', RESTARTS: '0' }, `${r.NAME} is 1/1 Running`);
      t.match(r.IP, /^\d+\.\d+\.\d+\.\d+$/, `${r.NAME} has a pod IP`);
    }

    const row = await dsShows(k, '3 3 3 3 3');
    t.match(row, { NAME: DS, DESIRED: '3', CURRENT: '3', READY: '3', 'UP-TO-DATE': '3', AVAILABLE: '3', 'NODE SELECTOR': '<none>' });

    const describe = await ok(k, ['describe', 'ds', DS]);
    t.match(describe, /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m, 'describe: Pods Status');
    t.match(describe, /^Desired Number of Nodes Scheduled: 3$/m);
    t.match(describe, /^Current Number of Nodes Scheduled: 3$/m);
    t.match(describe, /^Number of Nodes Scheduled with Up-to-date Pods: 3$/m);
    t.match(describe, /^Number of Nodes Scheduled with Available Pods: 3$/m);
    t.match(describe, /^Number of Nodes Misscheduled: 0$/m);
    const creates = describedEvents(describe, 'SuccessfulCreate');
    t.equal(creates.length, 3, 'three SuccessfulCreate events', { describe });
    for (const r of rows) t.ok(creates.some((e) => /daemonset-controller\s+Created pod: /.test(e) && e.endsWith(`Created pod: ${r.NAME}`)), `SuccessfulCreate for ${r.NAME}`);
  }),
);

t.test('a node that joins gets a daemon pod and a node that is deleted loses it', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const joined = await k(['create', '-f', '-'], { input: nodeManifest('node-4') });
    t.equal(joined.code, 0, show(joined));
    t.equal(joined.stdout, 'node/node-4 created\n');
    const node = await until('node-4 Ready', async () => {
      const rows = parseTable(await ok(k, ['get', 'nodes'])).rows;
      const row = rows.find((r) => r.NAME === 'node-4');
      return { ok: row?.STATUS === 'Ready', seen: rows };
    });
    t.ok(node.find((r) => r.NAME === 'node-4'), 'the kubelet simulator keeps the new node Ready');
    const four = await onePodPerNode(k, [...NODES, 'node-4']);
    t.ok(four.some((r) => r.NODE === 'node-4' && isRunning(r)), 'a fourth pod runs on node-4');
    await dsShows(k, '4 4 4 4 4');
    t.pass('get ds shows 4 4 4 4 4');

    const onNode2 = four.find((r) => r.NODE === 'node-2')!.NAME;
    const deleted = await k(['delete', 'node', 'node-2']);
    t.equal(deleted.code, 0, show(deleted));
    t.equal(deleted.stdout, 'node "node-2" deleted\n');
    const three = await onePodPerNode(k, ['node-1', 'node-3', 'node-4']);
    t.notOk(three.some((r) => r.NAME === onNode2), `the pod of node-2 (${onNode2}) is gone`);
    await dsShows(k, '3 3 3 3 3');
    t.pass('get ds shows 3 3 3 3 3 again');
  }),
);

t.test('a nodeSelector DaemonSet runs only on labelled nodes, and kubectl label adds and removes its pods', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    const sel = ['-l', 'app=ssd-agent'];
    const created = await k(['create', '-f', '-'], { input: daemonSetManifest('ssd-agent', { nodeSelector: { disk: 'ssd' } }) });
    t.equal(created.code, 0, show(created));
    const none = await dsShows(k, '0 0 0 0 0', 'ssd-agent');
    t.equal(none['NODE SELECTOR'], 'disk=ssd');
    t.same(await podRows(k, sel), [], 'no labelled node, no pod');

    const labelled = await k(['label', 'node', 'node-1', 'disk=ssd']);
    t.equal(labelled.stdout, 'node/node-1 labeled\n', show(labelled));
    await onePodPerNode(k, ['node-1'], sel);
    await dsShows(k, '1 1 1 1 1', 'ssd-agent');

    t.equal((await k(['label', 'node', 'node-3', 'disk=ssd'])).stdout, 'node/node-3 labeled\n');
    const two = await onePodPerNode(k, ['node-1', 'node-3'], sel);
    await dsShows(k, '2 2 2 2 2', 'ssd-agent');
    const onNode3 = two.find((r) => r.NODE === 'node-3')!.NAME;

    const unlabelled = await k(['label', 'node', 'node-1', 'disk-']);
    t.equal(unlabelled.stdout, 'node/node-1 unlabeled\n', show(unlabelled));
    const one = await onePodPerNode(k, ['node-3'], sel);
    t.equal(one[0]!.NAME, onNode3, 'the pod on the still-labelled node is untouched');
    await dsShows(k, '1 1 1 1 1', 'ssd-agent');

    t.equal((await k(['label', 'node', 'node-3', 'disk=hdd', '--overwrite'])).stdout, 'node/node-3 labeled\n');
    await until('no ssd-agent pod left', async () => {
      const rows = await podRows(k, sel);
      return { ok: rows.length === 0, seen: rows };
    });
    await dsShows(k, '0 0 0 0 0', 'ssd-agent');
    t.pass('a label value that no longer matches removes the pod');
  }),
);

t.test('a NoSchedule taint keeps the running daemon pod as misscheduled, NoExecute evicts it, and removing the taint brings it back', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const before = await podRows(k, ['-l', SELECTOR]);
    const onNode2 = before.find((r) => r.NODE === 'node-2')!.NAME;

    const noSchedule = await k(['taint', 'nodes', 'node-2', 'key=v:NoSchedule']);
    t.equal(noSchedule.stdout, 'node/node-2 tainted\n', show(noSchedule));
    await dsShows(k, '2 2 2 2 2');
    await sleep(1500); // give a wrong controller time to delete the pod
    const kept = await podRows(k, ['-l', SELECTOR]);
    t.ok(kept.some((r) => r.NAME === onNode2 && r.NODE === 'node-2' && isRunning(r)), `${onNode2} keeps running on node-2:\n${JSON.stringify(kept)}`);
    t.equal(kept.length, 3);
    const describe = await ok(k, ['describe', 'ds', DS]);
    t.match(describe, /^Desired Number of Nodes Scheduled: 2$/m);
    t.match(describe, /^Number of Nodes Misscheduled: 1$/m, 'the pod on the tainted node is misscheduled');
    t.match(describe, /^Pods Status:\s+3 Running/m);

    const noExecute = await k(['taint', 'nodes', 'node-2', 'key=v:NoExecute']);
    t.equal(noExecute.stdout, 'node/node-2 tainted\n', show(noExecute));
    const evicted = await onePodPerNode(k, ['node-1', 'node-3']);
    t.notOk(evicted.some((r) => r.NAME === onNode2), `${onNode2} was evicted`);
    await dsShows(k, '2 2 2 2 2');
    t.match(await ok(k, ['describe', 'ds', DS]), /^Number of Nodes Misscheduled: 0$/m);
    const taints = await ok(k, ['get', 'node', 'node-2', '-o', 'jsonpath={.spec.taints}']);
    t.match(taints, /"effect":"NoExecute","key":"key","value":"v"/);

    const untainted = await k(['taint', 'nodes', 'node-2', 'key-']);
    t.equal(untainted.stdout, 'node/node-2 untainted\n', show(untainted));
    const back = await onePodPerNode(k, NODES);
    const replacement = back.find((r) => r.NODE === 'node-2')!;
    t.not(replacement.NAME, onNode2, `a new pod (${replacement.NAME}) runs on node-2`);
    await dsShows(k, '3 3 3 3 3');
    t.pass('get ds shows 3 3 3 3 3 again');
  }),
);

t.test('a cordoned node keeps its daemon pod, and a deleted daemon pod comes back there', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const before = await podRows(k, ['-l', SELECTOR]);
    const onNode1 = before.find((r) => r.NODE === 'node-1')!.NAME;
    const cordoned = await k(['cordon', 'node-1']);
    t.equal(cordoned.stdout, 'node/node-1 cordoned\n', show(cordoned));
    const nodes = parseTable(await ok(k, ['get', 'nodes'])).rows;
    t.equal(nodes.find((r) => r.NAME === 'node-1')?.STATUS, 'Ready,SchedulingDisabled');
    await sleep(1500);
    const after = await onePodPerNode(k, NODES);
    t.ok(after.some((r) => r.NAME === onNode1), `${onNode1} still runs on the cordoned node`);
    const { counts } = await dsCounts(k);
    t.equal(counts, '3 3 3 3 3', 'a cordoned node still counts as desired');

    // The automatic node.kubernetes.io/unschedulable toleration lets a replacement in (D5).
    const deleted = await k(['delete', 'pod', onNode1]);
    t.equal(deleted.stdout, `pod "${onNode1}" deleted\n`, show(deleted));
    const again = await onePodPerNode(k, NODES);
    const replacement = again.find((r) => r.NODE === 'node-1')!;
    t.not(replacement.NAME, onNode1, `replacement ${replacement.NAME} runs on the cordoned node-1`);
    const tolerations = await ok(k, ['get', 'pod', replacement.NAME, '-o', 'jsonpath={range .spec.tolerations[*]}{.key}:{.effect}{"\\n"}{end}']);
    t.match(tolerations, /^node\.kubernetes\.io\/unschedulable:NoSchedule$/m);
    const uncordoned = await k(['uncordon', 'node-1']);
    t.equal(uncordoned.stdout, 'node/node-1 uncordoned\n', show(uncordoned));
  }),
);

t.test('set image rolls out a new revision, undo renumbers the old one, and restart adds another', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const revs = parseTable(await ok(k, ['get', 'controllerrevisions'])).rows;
    t.equal(revs.length, 1, 'one ControllerRevision after create');
    const firstRevision = revs[0]!;
    t.match(firstRevision, { CONTROLLER: `daemonset.apps/${DS}`, REVISION: '1' });
    const originalHash = firstRevision.NAME!.slice(`${DS}-`.length);
    t.ok((await podsJson(k)).every((p) => p.metadata.labels?.['controller-revision-hash'] === originalHash), 'pods carry the revision hash');

    const set = await k(['set', 'image', `ds/${DS}`, 'monitoring-agent=monitoring-agent:v2']);
    t.equal(set.stdout, `daemonset.apps/${DS} image updated\n`, show(set));
    const status = await k(['rollout', 'status', `ds/${DS}`, '--timeout=120s'], { timeoutMs: 150_000 });
    t.equal(status.code, 0, show(status));
    t.match(status.stdout, new RegExp(`daemon set "${DS}" successfully rolled out\\n$`));
    const v2 = await podsJson(k);
    t.equal(v2.length, 3);
    t.ok(v2.every((p) => p.spec.containers[0]!.image === 'monitoring-agent:v2' && !p.metadata.deletionTimestamp), `every pod runs monitoring-agent:v2: ${JSON.stringify(v2.map((p) => p.spec.containers[0]!.image))}`);
    await dsShows(k, '3 3 3 3 3');

    const history = await ok(k, ['rollout', 'history', `ds/${DS}`]);
    t.match(history, new RegExp(`^daemonset\\.apps/${DS} \\nREVISION\\s+CHANGE-CAUSE\\n`));
    t.same(historyRevisions(history), [1, 2], `history shows revisions 1 and 2:\n${history}`);
    const rev2 = await ok(k, ['rollout', 'history', `ds/${DS}`, '--revision=2']);
    t.match(rev2, new RegExp(`^daemonset\\.apps/${DS} with revision #2\\nPod Template:\\n`));
    t.match(rev2, /^\s+Image:\s+monitoring-agent:v2$/m, `revision 2 holds the new image:\n${rev2}`);
    const rev1 = await ok(k, ['rollout', 'history', `ds/${DS}`, '--revision=1']);
    t.match(rev1, /^\s+Image:\s+monitoring-agent$/m, 'revision 1 holds the original image');
    const missing = await k(['rollout', 'history', `ds/${DS}`, '--revision=7']);
    t.equal(missing.code, 1);
    t.match(missing.stderr, /unable to find the specified revision/);

    const undo = await k(['rollout', 'undo', `ds/${DS}`]);
    t.equal(undo.stdout, `daemonset.apps/${DS} rolled back\n`, show(undo));
    const undone = await k(['rollout', 'status', `ds/${DS}`, '--timeout=120s'], { timeoutMs: 150_000 });
    t.match(undone.stdout, /successfully rolled out\n$/, show(undone));
    const back = await podsJson(k);
    t.equal(back.length, 3);
    t.ok(back.every((p) => p.spec.containers[0]!.image === 'monitoring-agent' && p.metadata.labels?.['controller-revision-hash'] === originalHash), 'pods are back on the original image and hash');
    t.same(historyRevisions(await ok(k, ['rollout', 'history', `ds/${DS}`])), [2, 3], 'history after undo: 2 and 3');
    const renumbered = parseTable(await ok(k, ['get', 'controllerrevisions'])).rows.find((r) => r.NAME === firstRevision.NAME);
    t.equal(renumbered?.REVISION, '3', 'the original revision was renumbered, not copied');

    const uids = back.map((p) => p.metadata.uid).sort();
    const skipped = await k(['rollout', 'undo', `ds/${DS}`, '--to-revision=3']);
    t.equal(skipped.code, 0, show(skipped));
    t.equal(skipped.stdout, `daemonset.apps/${DS} skipped rollback (current template already matches revision 3)\n`);
    const unknown = await k(['rollout', 'undo', `ds/${DS}`, '--to-revision=9']);
    t.equal(unknown.code, 1, show(unknown));
    t.match(unknown.stderr, /unable to find specified revision 9 in history/);
    t.same((await podsJson(k)).map((p) => p.metadata.uid).sort(), uids, 'nothing was restarted');
    t.same(historyRevisions(await ok(k, ['rollout', 'history', `ds/${DS}`])), [2, 3]);

    const restart = await k(['rollout', 'restart', `ds/${DS}`]);
    t.equal(restart.stdout, `daemonset.apps/${DS} restarted\n`, show(restart));
    const restarted = await k(['rollout', 'status', `ds/${DS}`, '--timeout=120s'], { timeoutMs: 150_000 });
    t.match(restarted.stdout, /successfully rolled out\n$/, show(restarted));
    t.same(historyRevisions(await ok(k, ['rollout', 'history', `ds/${DS}`])), [2, 3, 4], 'rollout restart made revision 4');
    t.match(await ok(k, ['rollout', 'history', `ds/${DS}`, '--revision=4']), /kubectl\.kubernetes\.io\/restartedAt[:=]/);
    const fresh = await podsJson(k);
    t.equal(fresh.length, 3);
    t.ok(fresh.every((p) => !uids.includes(p.metadata.uid)), 'every pod was replaced');
  }),
);

t.test('kubectl delete --cascade=background removes the DaemonSet at once and the garbage collector takes its pods and revisions', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const del = await k(['delete', 'ds', DS]);
    t.equal(del.code, 0, show(del));
    t.equal(del.stdout, `daemonset.apps "${DS}" deleted\n`);
    const gone = await k(['get', 'ds', DS]);
    t.equal(gone.code, 1);
    t.equal(gone.stderr, `Error from server (NotFound): daemonsets.apps "${DS}" not found\n`);
    await until('pods and controller revisions collected', async () => {
      const [pods, revisions] = await Promise.all([k(['get', 'pods', '-l', SELECTOR]), k(['get', 'controllerrevisions'])]);
      return { ok: pods.stdout === '' && revisions.stdout === '', seen: { pods: pods.stdout, revisions: revisions.stdout } };
    });
    const empty = await k(['get', 'pods']);
    t.equal(empty.stderr, 'No resources found in default namespace.\n');
  }),
);

t.test('kubectl delete --cascade=foreground returns only after the pods are gone', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const del = await k(['delete', 'ds', DS, '--cascade=foreground']);
    t.equal(del.code, 0, show(del));
    t.equal(del.stdout, `daemonset.apps "${DS}" deleted\n`);
    // No waiting here: when kubectl returns, the dependents must already be gone.
    const [ds, pods, revisions] = await Promise.all([k(['get', 'ds', DS]), podsJson(k, []), k(['get', 'controllerrevisions', '-o', 'name'])]);
    t.equal(ds.code, 1, 'the DaemonSet is gone');
    t.same(pods.map((p) => p.metadata.name), [], 'no pod is left, not even a terminating one');
    t.equal(revisions.stdout, '', 'no controller revision is left');
  }),
);

t.test('kubectl delete --cascade=orphan leaves the pods running unowned, and re-creating the DaemonSet adopts them without restarts', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    await seed(t, k);
    const before = await podsJson(k);
    const oldUid = (await ok(k, ['get', 'ds', DS, '-o', 'jsonpath={.metadata.uid}'])).trim();
    t.ok(before.every((p) => p.metadata.ownerReferences?.[0]?.uid === oldUid));

    const del = await k(['delete', 'ds', DS, '--cascade=orphan']);
    t.equal(del.code, 0, show(del));
    t.equal(del.stdout, `daemonset.apps "${DS}" deleted\n`);
    t.equal((await k(['get', 'ds', DS])).code, 1, 'the DaemonSet is gone when kubectl returns');
    await sleep(1500); // a wrong garbage collector would start deleting now
    const orphans = await podsJson(k);
    t.same(orphans.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort(), 'the same pods (uids) are still there');
    t.ok(orphans.every((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp), 'still Running, not terminating');
    t.ok(orphans.every((p) => p.metadata.ownerReferences === undefined), `no ownerReferences left: ${JSON.stringify(orphans.map((p) => p.metadata.ownerReferences))}`);
    const revisions = parseTable(await ok(k, ['get', 'controllerrevisions'])).rows;
    t.equal(revisions.length, 1, 'the ControllerRevision remains');
    t.equal(revisions[0]?.CONTROLLER, '<none>', 'and is unowned');

    const again = await k(['create', '-f', FIXTURE]);
    t.equal(again.stdout, `daemonset.apps/${DS} created\n`, show(again));
    const newUid = (await ok(k, ['get', 'ds', DS, '-o', 'jsonpath={.metadata.uid}'])).trim();
    t.not(newUid, oldUid);
    const adopted = await until('pods adopted by the new DaemonSet', async () => {
      const pods = await podsJson(k);
      return { ok: pods.length === 3 && pods.every((p) => p.metadata.ownerReferences?.some((r) => r.uid === newUid && r.controller)), seen: pods };
    });
    t.same(adopted.map((p) => p.metadata.uid).sort(), before.map((p) => p.metadata.uid).sort(), 'same pod uids: adopted, not replaced');
    t.ok(adopted.every((p) => (p.status.containerStatuses?.[0]?.restartCount ?? 0) === 0), 'no restarts');
    await dsShows(k, '3 3 3 3 3');
    const history = await ok(k, ['rollout', 'history', `ds/${DS}`]);
    t.same(historyRevisions(history), [1], `the orphaned revision was adopted:\n${history}`);
    t.equal(parseTable(await ok(k, ['get', 'controllerrevisions'])).rows[0]?.CONTROLLER, `daemonset.apps/${DS}`);
    const describe = await ok(k, ['describe', 'ds', DS]);
    t.same(describedEvents(describe, 'SuccessfulCreate'), [], 'the new DaemonSet created no pod');
  }),
);

t.test('deleting a namespace with a DaemonSet returns once everything in it is gone', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    t.equal((await k(['create', 'namespace', 'x'])).stdout, 'namespace/x created\n');
    const created = await k(['-n', 'x', 'create', '-f', FIXTURE]);
    t.equal(created.stdout, `daemonset.apps/${DS} created\n`, show(created));
    await onePodPerNode(k, NODES, ['-n', 'x', '-l', SELECTOR]);
    await dsShows(k, '3 3 3 3 3', DS, ['-n', 'x']);

    const del = await k(['delete', 'ns', 'x'], { timeoutMs: 120_000 });
    t.equal(del.code, 0, show(del));
    t.equal(del.stdout, 'namespace "x" deleted\n');
    const ns = await k(['get', 'ns', 'x']);
    t.equal(ns.code, 1, show(ns));
    t.equal(ns.stderr, 'Error from server (NotFound): namespaces "x" not found\n');
    const everything = await k(['get', 'pods,daemonsets,controllerrevisions', '-A', '-o', 'name']);
    t.equal(everything.code, 0, show(everything));
    t.equal(everything.stdout, '', 'no pod, DaemonSet or revision is left anywhere');
  }),
);

t.test('a plain pod is scheduled and runs, a pod no node fits stays Pending with FailedScheduling until a node is labelled', (t) =>
  onFreshCluster(t, async (t, { k }) => {
    const run = await k(['run', 'web', '--image=nginx', '--restart=Never']);
    t.equal(run.stdout, 'pod/web created\n', show(run));
    const [web] = await until('web Running', async () => {
      const rows = await podRows(k, ['--field-selector=metadata.name=web']);
      return { ok: rows.length === 1 && isRunning(rows[0]!), seen: rows };
    });
    t.ok(NODES.includes(web!.NODE!), `web runs on a node (${web!.NODE})`);
    const describeWeb = await ok(k, ['describe', 'pod', 'web']);
    t.match(describeWeb, new RegExp(`^Node:\\s+${web!.NODE}/`, 'm'));
    const scheduledWeb = describedEvents(describeWeb, 'Scheduled');
    t.equal(scheduledWeb.length, 1, describeWeb);
    t.match(scheduledWeb[0], new RegExp(`^Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/web to ${web!.NODE}$`));

    const picky = toYaml({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'picky' }, spec: { nodeSelector: { nosuch: 'label' }, containers: [{ name: 'c', image: 'nginx' }] } });
    t.equal((await k(['create', '-f', '-'], { input: picky })).stdout, 'pod/picky created\n');
    const expected = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    const failed = await until('FailedScheduling on picky', async () => {
      const d = await ok(k, ['describe', 'pod', 'picky']);
      return { ok: describedEvents(d, 'FailedScheduling').length > 0, seen: d };
    });
    await sleep(2500); // long enough for a second (wrong) attempt after the 1 s back-off
    const describe = await ok(k, ['describe', 'pod', 'picky']);
    const events = describedEvents(describe, 'FailedScheduling');
    t.equal(events.length, 1, 'one FailedScheduling event', { describe, first: failed });
    t.match(events[0], /^Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+/);
    t.ok(events[0]!.endsWith(expected), `the upstream FitError text:\n${events[0]}`);
    t.notMatch(events[0], /\(x\d+ over/, 'a single scheduling attempt while nothing changed');
    t.match(describe, /^Status:\s+Pending$/m);
    t.match(describe, /^Node:\s+<none>$/m);
    const [pending] = await podRows(k, ['--field-selector=metadata.name=picky']);
    t.match(pending, { READY: '0/1', STATUS: 'Pending', NODE: '<none>' });
    const conditions = await ok(k, ['get', 'pod', 'picky', '-o', 'jsonpath={range .status.conditions[*]}{.type}={.status} reason {.reason}: {.message}{"\\n"}{end}']);
    t.equal(conditions, `PodScheduled=False reason Unschedulable: ${expected}\n`);

    t.equal((await k(['label', 'node', 'node-2', 'nosuch=label'])).stdout, 'node/node-2 labeled\n');
    const [placed] = await until('picky Running on node-2', async () => {
      const rows = await podRows(k, ['--field-selector=metadata.name=picky']);
      return { ok: rows.length === 1 && isRunning(rows[0]!), seen: rows };
    });
    t.equal(placed!.NODE, 'node-2');
    t.match(describedEvents(await ok(k, ['describe', 'pod', 'picky']), 'Scheduled')[0], /Successfully assigned default\/picky to node-2$/);
    const scheduled = await ok(k, ['get', 'pod', 'picky', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].status}']);
    t.equal(scheduled, 'True');
  }),
);
