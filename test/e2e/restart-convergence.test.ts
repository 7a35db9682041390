// End-to-end: a 50-node cluster is SIGKILLed while the DaemonSet controller fans out its pods,
// restarted on the same data directory, and must converge to exactly one Running pod per node:
// no duplicates (ever, not only at the end), one ControllerRevision, and a status of 50 desired,
// 50 ready. Checked with real kubectl 1.27 and 1.33 at several kill points.
import t, { type Test } from 'tap';
import path from 'node:path';
import { ROOT, kubectl, kubectlBinary, startServer, until, type KubectlVersion, type RunResult, type ServerProcess } from '../helpers/cluster.js';
import { parseTable, show } from '../helpers/kubectl-e2e.js';

const VERSIONS: readonly KubectlVersion[] = ['1.27', '1.33'];
const NODE_COUNT = 50;
const NODES = Array.from({ length: NODE_COUNT }, (_, i) => `node-${i + 1}`).sort();
const FIXTURE = path.join(ROOT, 'test/fixtures/monitoring-daemon.yaml');
const DS = 'monitoring-daemon';
const SELECTOR = 'app=monitoring-agent';
const WAIT_MS = 120_000;
const waitUntil = <T>(what: string, check: () => Promise<{ ok: boolean; seen: T }>) => until(what, check, { timeoutMs: WAIT_MS, intervalMs: 500 });

type Kubectl = (args: string[], options?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: {
    nodeName?: string;
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Array<{ matchFields?: Array<{ values?: string[] }> }> } } };
  };
  status?: { phase?: string };
}

/** The node a daemon pod is bound to, or aimed at through its matchFields affinity before binding. */
function targetNode(pod: PodJson): string | undefined {
  return pod.spec.nodeName ?? pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
}

async function listPods(server: ServerProcess): Promise<PodJson[]> {
  const res = await fetch(`${server.url}/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(SELECTOR)}`);
  return ((await res.json()) as { items: PodJson[] }).items;
}

/**
 * Watches the restarted cluster over HTTP while it converges and remembers every moment a node had
 * more than one live (non-terminating) daemon pod.
 */
function duplicateMonitor(server: ServerProcess): { stop(): Promise<string[]> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const perNode = new Map<string, string[]>();
        for (const pod of await listPods(server)) {
          if (pod.metadata.deletionTimestamp) continue;
          const node = targetNode(pod) ?? '<none>';
          perNode.set(node, [...(perNode.get(node) ?? []), pod.metadata.name]);
        }
        for (const [node, names] of perNode) if (names.length > 1) seen.push(`${node}: ${names.join(', ')}`);
      } catch {
        // the server is going away at the end of the test
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen;
    },
  };
}

interface KillPoint {
  /** The test's name: a sentence. */
  name: string;
  /** SIGKILL once this many daemon pods are visible through the API. */
  podsVisible: number;
  /** Whether the kill must land before the fan-out finished. */
  midFanOut: boolean;
}

const KILL_POINTS: readonly KillPoint[] = [
  { name: 'a SIGKILL right after the first daemon pods are created', podsVisible: 1, midFanOut: true },
  { name: 'a SIGKILL half-way through the fan-out', podsVisible: 25, midFanOut: true },
  { name: 'a SIGKILL after every pod was created but before they all run', podsVisible: NODE_COUNT, midFanOut: false },
];

async function killAndRestart(t: Test, binary: string, point: KillPoint): Promise<void> {
  // Creates paced as kube-controller-manager paces them (20 QPS after a burst of 30): the fan-out
  // of 50 pods then lasts about a second, so a kill at 25 pods lands in the middle of it.
  const first = await startServer(t, { nodes: NODE_COUNT, args: ['--daemonset-pacing', 'realistic'] });
  const k1: Kubectl = (args, options = {}) => kubectl(binary, first, args, { timeoutMs: 90_000, ...options });
  const created = await k1(['create', '-f', FIXTURE]);
  t.equal(created.code, 0, 'kubectl create -f monitoring-daemon.yaml', { result: show(created) });
  t.equal(created.stdout, `daemonset.apps/${DS} created\n`);

  let visible = 0;
  let running = 0;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const pods = await listPods(first);
    visible = pods.length;
    running = pods.filter((p) => p.status?.phase === 'Running').length;
    if (visible >= point.podsVisible) break;
    if (Date.now() > deadline) throw new Error(`only ${visible} pods after ${WAIT_MS / 1000} s:\n${first.output()}`);
  }
  const exit = await first.stop('SIGKILL');
  t.equal(exit, null, 'the first process died of SIGKILL');
  t.comment(`killed with ${visible} of ${NODE_COUNT} daemon pods visible (${running} Running)`);
  if (point.midFanOut) t.ok(visible < NODE_COUNT, `the kill landed in the middle of the fan-out (${visible} pods)`);
  else t.ok(running < NODE_COUNT, `the kill landed before every pod ran (${running} Running)`);

  const second = await startServer(t, { nodes: NODE_COUNT, dir: first.dir });
  const monitor = duplicateMonitor(second);
  const k: Kubectl = (args, options = {}) => kubectl(binary, second, args, { timeoutMs: 90_000, ...options });
  try {
    const row = await waitUntil(`kubectl get ds ${DS} shows ${NODE_COUNT} everywhere`, async () => {
      const r = await k(['get', 'ds', DS]);
      const found = r.code === 0 ? parseTable(r.stdout).rows[0] : undefined;
      const counts = found ? ['DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE'].map((c) => found[c]).join(' ') : '';
      return { ok: counts === Array(5).fill(NODE_COUNT).join(' '), seen: found ?? show(r) };
    });
    t.match(row, { NAME: DS, DESIRED: '50', CURRENT: '50', READY: '50', 'UP-TO-DATE': '50', AVAILABLE: '50' });

    const rows = await waitUntil('50 Running pods, none terminating', async () => {
      const r = await k(['get', 'pods', '-o', 'wide', '-l', SELECTOR]);
      if (r.code !== 0) throw new Error(`kubectl get pods failed:\n${show(r)}`);
      const table = r.stdout.trim() ? parseTable(r.stdout).rows : [];
      return { ok: table.length === NODE_COUNT && table.every((p) => p.STATUS === 'Running' && p.READY === '1/1'), seen: table };
    });
    t.equal(rows.length, NODE_COUNT, 'kubectl get pods -o wide lists 50 daemon pods');
    t.same(rows.map((r) => r.NODE).sort(), NODES, 'exactly one pod on every node');
    t.equal(new Set(rows.map((r) => r.NAME)).size, NODE_COUNT, 'pod names are unique');

    const status = await k(['get', 'ds', DS, '-o', 'jsonpath={.status.desiredNumberScheduled} {.status.currentNumberScheduled} {.status.numberReady} {.status.numberMisscheduled} {.status.observedGeneration}']);
    t.equal(status.stdout, '50 50 50 0 1', 'desiredNumberScheduled == currentNumberScheduled == numberReady == 50, nothing misscheduled, generation 1 observed');
    const describe = await k(['describe', 'ds', DS]);
    t.match(describe.stdout, /^Pods Status:\s+50 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    t.match(describe.stdout, /^Number of Nodes Misscheduled: 0$/m);

    const revisions = await k(['get', 'controllerrevisions', '-o', 'name']);
    t.equal(revisions.stdout.trim().split('\n').length, 1, `one ControllerRevision, not one per process:\n${revisions.stdout}`);
    const history = await k(['rollout', 'history', `ds/${DS}`]);
    t.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n/);

    // Settled means settled: nothing is created or deleted afterwards.
    const uids = (await k(['get', 'pods', '-l', SELECTOR, '-o', 'jsonpath={.items[*].metadata.uid}'])).stdout.split(' ').sort();
    await new Promise((r) => setTimeout(r, 2000));
    const later = (await k(['get', 'pods', '-l', SELECTOR, '-o', 'jsonpath={.items[*].metadata.uid}'])).stdout.split(' ').sort();
    t.same(later, uids, 'the same 50 pods two seconds later');
  } finally {
    const duplicates = await monitor.stop();
    t.same(duplicates, [], 'no node ever had two live daemon pods while the cluster converged');
  }
}

for (const point of KILL_POINTS) {
  t.test(`the DaemonSet converges to exactly one pod per node on 50 nodes after ${point.name} and a restart`, async (t) => {
    t.jobs = VERSIONS.length;
    await Promise.all(
      VERSIONS.map((version) => {
        const binary = kubectlBinary(version);
        if (!binary) return t.test(`kubectl ${version}`, { skip: `kubectl.${version} is not installed beside kubectl on PATH` }, async () => {});
        return t.test(`kubectl ${version}`, (tt) => killAndRestart(tt, binary, point));
      }),
    );
  });
}
