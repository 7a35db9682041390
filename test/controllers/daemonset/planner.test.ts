import t from 'tap';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { generateName } from '../../../api/registry.js';
import { deepFreeze } from '../../../store/object.js';
import { FAILED_POD_BACKOFF, type BackoffEntry } from '../../../controllers/daemonset/planner.js';
import { buildRevision, canonicalJSON, revisionDataBytes } from '../../../controllers/daemonset/revisions.js';
import { ago, createdOn, deleted, hashOf, makeDaemonSet, makeNode, makePod, nodes, NOW, plan, Sim } from './fixtures.js';

const ds0 = makeDaemonSet();
const h0 = hashOf(ds0);
/** The revision the first sync created, so later syncs plan only pods and status. */
const rev0 = buildRevision(ds0, h0, 1);
const running = (name: string, node: string, extra: Parameters<typeof makePod>[1] = {}) => makePod(name, { node, ready: true, ...extra });

// ---------------------------------------------------------------- D: which nodes

t.test('D: verdicts kept for stored (frozen) nodes and templates follow a new template and a new node', async (t) => {
  // Stored objects are frozen, and the planner keeps each node's verdict per template and node.
  const node = deepFreeze(makeNode('n1'));
  const ds = deepFreeze(makeDaemonSet());
  t.same(createdOn(plan({ ds, nodes: [node], revisions: [rev0] })), ['n1']);
  // The same nodes, a template that now selects other nodes: a verdict kept per node alone would still say yes.
  const selective = deepFreeze(makeDaemonSet({ podSpec: { nodeSelector: { role: 'edge' } } }));
  t.same(createdOn(plan({ ds: selective, nodes: [node], revisions: [buildRevision(selective, hashOf(selective), 1)] })), []);
  // The node relabelled (a new stored object) qualifies under that template.
  const relabelled = deepFreeze(makeNode('n1', { labels: { role: 'edge' } }));
  t.same(createdOn(plan({ ds: selective, nodes: [relabelled], revisions: [buildRevision(selective, hashOf(selective), 1)] })), ['n1']);
  // And the first template's verdict for the first node is still its own.
  t.same(createdOn(plan({ ds, nodes: [node], revisions: [rev0] })), ['n1']);
});

t.test('D2: a NoSchedule taint on a node running the pod keeps the pod and counts it misscheduled', async (t) => {
  const tainted = makeNode('n2', { taints: [{ key: 'maint', effect: 'NoSchedule' }] });
  const p = plan({ ds: ds0, nodes: [makeNode('n1'), tainted], pods: [running('p1', 'n1'), running('p2', 'n2')], revisions: [rev0] });
  t.same(deleted(p), []);
  t.same(createdOn(p), []);
  t.match(p.status, { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 1, numberReady: 1 });
});

t.test('D2: an untolerated NoExecute taint deletes the pod and creates none while it stays', async (t) => {
  const tainted = makeNode('n2', { taints: [{ key: 'evict', effect: 'NoExecute' }] });
  const p = plan({ ds: ds0, nodes: [makeNode('n1'), tainted], pods: [running('p1', 'n1'), running('p2', 'n2')], revisions: [rev0] });
  t.same(p.pods.delete, [{ name: 'p2', uid: 'uid-p2', node: 'n2', reason: 'misscheduled' }]);
  const after = plan({ ds: ds0, nodes: [makeNode('n1'), tainted], pods: [running('p1', 'n1')], revisions: [rev0] });
  t.same(createdOn(after), [], 'no pod while the taint stays');
  const untainted = plan({ ds: ds0, nodes: [makeNode('n1'), makeNode('n2')], pods: [running('p1', 'n1')], revisions: [rev0] });
  t.same(createdOn(untainted), ['n2'], 'removing the taint brings a pod back');
});

t.test('D2: node labels that stop matching delete the pod, matching again creates one', async (t) => {
  const ds = makeDaemonSet({ podSpec: { nodeSelector: { role: 'edge' } } });
  const rev = buildRevision(ds, hashOf(ds), 1);
  const pod = running('p1', 'n1', { owner: ds });
  t.same(deleted(plan({ ds, nodes: [makeNode('n1')], pods: [pod], revisions: [rev] })), ['p1']);
  t.same(createdOn(plan({ ds, nodes: [makeNode('n1', { labels: { role: 'edge' } })], revisions: [rev] })), ['n1']);
});

t.test('D5: a cordoned node gets a daemon pod', async (t) => {
  const cordoned = makeNode('n1', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
  t.same(createdOn(plan({ ds: ds0, nodes: [cordoned], revisions: [rev0] })), ['n1']);
});

t.test('D6: a NotReady node gets a daemon pod; with the not-ready NoSchedule taint it keeps but gets none', async (t) => {
  t.same(createdOn(plan({ ds: ds0, nodes: [makeNode('n1', { ready: false })], revisions: [rev0] })), ['n1']);
  const tainted = makeNode('n1', { ready: false, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
  t.same(createdOn(plan({ ds: ds0, nodes: [tainted], revisions: [rev0] })), []);
  t.same(deleted(plan({ ds: ds0, nodes: [tainted], pods: [running('p1', 'n1')], revisions: [rev0] })), []);
});

// ---------------------------------------------------------------- E: the pods

t.test('E1: one pod per eligible node, none on the others, nothing to do in steady state', async (t) => {
  const ds = makeDaemonSet({ podSpec: { nodeSelector: { role: 'edge' } } });
  const edge = (n: string) => makeNode(n, { labels: { role: 'edge' } });
  const first = plan({ ds, nodes: [edge('n1'), makeNode('n2'), edge('n3')] });
  t.same(createdOn(first), ['n1', 'n3']);
  const rev = first.revisions.create!;
  const steady = plan({
    ds: { ...ds, status: { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 1, updatedNumberScheduled: 2, numberAvailable: 2 } },
    nodes: [edge('n1'), makeNode('n2'), edge('n3')],
    pods: [running('a', 'n1', { owner: ds }), running('b', 'n3', { owner: ds })],
    revisions: [rev],
  });
  t.same(steady.pods, { adopt: [], release: [], relabel: [], create: [], delete: [] });
  t.equal(steady.status, undefined, 'status unchanged: no write');
  t.equal(steady.requeueAfterMs, undefined);
});

t.test('E2: pods are created with generateName "<ds>-" in the DaemonSet namespace', async (t) => {
  const p = plan({ ds: makeDaemonSet({ namespace: 'monitoring', name: 'node-exporter' }), nodes: nodes('n1') });
  t.equal(p.pods.create[0]!.pod.metadata!.generateName, 'node-exporter-');
  t.equal(p.pods.create[0]!.pod.metadata!.namespace, 'monitoring');
  t.notOk(p.pods.create[0]!.pod.metadata!.name);
  // The server appends 5 characters of the safe alphabet and cuts long prefixes to 58.
  t.match(generateName('node-exporter-'), /^node-exporter-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  t.equal(generateName(`${'x'.repeat(70)}-`).length, 63);
});

t.test('E3: pod labels are the template labels plus hash and template generation; annotations come from the template', async (t) => {
  const ds = makeDaemonSet({ generation: 4, templateGeneration: 3, templateLabels: { app: 'agent', tier: 'node' }, templateAnnotations: { 'prometheus.io/scrape': 'true' } });
  const pod = plan({ ds, nodes: nodes('n1') }).pods.create[0]!.pod;
  t.same(pod.metadata!.labels, { app: 'agent', tier: 'node', 'pod-template-generation': '3', 'controller-revision-hash': hashOf(ds) });
  t.same(pod.metadata!.annotations, { 'prometheus.io/scrape': 'true' });
  const noGeneration = plan({ ds: makeDaemonSet({ templateGeneration: null }), nodes: nodes('n1') }).pods.create[0]!.pod;
  t.notOk('pod-template-generation' in noGeneration.metadata!.labels!, 'no annotation, no label');
  t.notOk('annotations' in noGeneration.metadata!, 'no template annotations, none on the pod');
});

t.test('E4: pods carry the controller reference of their DaemonSet', async (t) => {
  const pod = plan({ ds: makeDaemonSet({ uid: 'u-42' }), nodes: nodes('n1') }).pods.create[0]!.pod;
  t.same(pod.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u-42', controller: true, blockOwnerDeletion: true }]);
});

t.test('E5: the pod gets no nodeName; its required affinity becomes the single matchFields term, preferred terms stay', async (t) => {
  const preferred = [{ weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }];
  const ds = makeDaemonSet({
    podSpec: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: preferred,
        },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
      },
    },
  });
  const before = JSON.stringify(ds);
  const pod = plan({ ds, nodes: [makeNode('n1', { labels: { 'kubernetes.io/os': 'linux' } })] }).pods.create[0]!.pod;
  t.notOk(pod.spec!.nodeName);
  t.same(pod.spec!.affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: preferred,
    },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
  });
  t.equal(JSON.stringify(ds), before, 'the DaemonSet template keeps the user terms');
  const plain = plan({ ds: ds0, nodes: nodes('n2') }).pods.create[0]!.pod;
  t.same(plain.spec!.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } });
});

t.test('E6: pod tolerations are the template ones followed by the automatic ones', async (t) => {
  const ds = makeDaemonSet({ podSpec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } });
  const pod = plan({ ds, nodes: nodes('n1') }).pods.create[0]!.pod;
  t.same(pod.spec!.tolerations!.map((x) => x.key), [
    'dedicated',
    'node.kubernetes.io/not-ready',
    'node.kubernetes.io/unreachable',
    'node.kubernetes.io/disk-pressure',
    'node.kubernetes.io/memory-pressure',
    'node.kubernetes.io/pid-pressure',
    'node.kubernetes.io/unschedulable',
  ]);
  t.same(ds.spec!.template.spec!.tolerations, [{ key: 'dedicated', operator: 'Exists' }], 'not added to the template');
});

t.test('E7: a deleted pod is replaced only once it is gone when not surging', async (t) => {
  const terminating = running('p1', 'n1', { deleting: true });
  t.same(createdOn(plan({ ds: ds0, nodes: nodes('n1'), pods: [terminating], revisions: [rev0] })), [], 'a terminating pod still blocks the node');
  t.same(deleted(plan({ ds: ds0, nodes: nodes('n1'), pods: [terminating], revisions: [rev0] })), [], 'and is not deleted again');
  t.same(createdOn(plan({ ds: ds0, nodes: nodes('n1'), pods: [], revisions: [rev0] })), ['n1'], 'gone: replaced on the same node');
  const surge = makeDaemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const surgeRev = buildRevision(surge, hashOf(surge), 1);
  t.same(createdOn(plan({ ds: surge, nodes: nodes('n1'), pods: [running('p1', 'n1', { owner: surge, deleting: true })], revisions: [surgeRev] })), ['n1'], 'with surge the replacement starts at once');
});

t.test('E8: a failed pod is deleted with a FailedDaemonPod warning and back-off, then replaced', async (t) => {
  const failed = running('p1', 'n1', { phase: 'Failed', ready: false });
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods: [failed], revisions: [rev0] });
  t.same(p.pods.delete, [{ name: 'p1', uid: 'uid-p1', node: 'n1', reason: 'failed' }]);
  t.same(p.events, [{ type: 'Warning', reason: 'FailedDaemonPod', message: 'Found failed daemon pod default/p1 on node n1, will try to kill it' }]);
  t.same(p.backoff, [['ds-uid-1/0/n1', { delayMs: FAILED_POD_BACKOFF.initialMs, lastUpdateMs: NOW.getTime() }]]);
  const deletingFailed = { ...failed, metadata: { ...failed.metadata, deletionTimestamp: ago(0) } };
  t.same(createdOn(plan({ ds: ds0, nodes: nodes('n1'), pods: [deletingFailed], revisions: [rev0] })), ['n1'], 'a failed pod being deleted no longer blocks the node');
});

t.test('E8: repeated failures on one node are deleted with exponential back-off', async (t) => {
  const failed = running('p2', 'n1', { phase: 'Failed', ready: false });
  const backoff = new Map<string, BackoffEntry>([['ds-uid-1/0/n1', { delayMs: 1000, lastUpdateMs: NOW.getTime() - 400 }]]);
  const inBackoff = plan({ ds: ds0, nodes: nodes('n1'), pods: [failed], revisions: [rev0], failedPodBackoff: backoff });
  t.same(deleted(inBackoff), [], 'still backing off');
  t.same(inBackoff.events, []);
  t.equal(inBackoff.requeueAfterMs, 600, 'looks again when the back-off ends');
  const later = plan({ ds: ds0, nodes: nodes('n1'), pods: [failed], revisions: [rev0], failedPodBackoff: backoff, now: new Date(NOW.getTime() + 600) });
  t.same(deleted(later), ['p2']);
  t.same(later.backoff, [['ds-uid-1/0/n1', { delayMs: 2000, lastUpdateMs: NOW.getTime() + 600 }]], 'delay doubled');
  const capped = plan({ ds: ds0, nodes: nodes('n1'), pods: [failed], revisions: [rev0], failedPodBackoff: new Map([['ds-uid-1/0/n1', { delayMs: FAILED_POD_BACKOFF.maxMs, lastUpdateMs: NOW.getTime() - FAILED_POD_BACKOFF.maxMs }]]) });
  t.equal(capped.backoff[0]![1].delayMs, FAILED_POD_BACKOFF.maxMs, 'capped at 15 minutes');
  const stale = plan({ ds: ds0, nodes: nodes('n1'), pods: [failed], revisions: [rev0], failedPodBackoff: new Map([['ds-uid-1/0/n1', { delayMs: 8000, lastUpdateMs: NOW.getTime() - 2 * FAILED_POD_BACKOFF.maxMs - 1 }]]) });
  t.equal(stale.backoff[0]![1].delayMs, FAILED_POD_BACKOFF.initialMs, 'an entry idle for twice the maximum starts over');
});

t.test('E8: a succeeded pod is deleted with a SucceededDaemonPod event', async (t) => {
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods: [running('p1', 'n1', { phase: 'Succeeded', ready: false })], revisions: [rev0] });
  t.same(deleted(p), ['p1']);
  t.same(p.events, [{ type: 'Normal', reason: 'SucceededDaemonPod', message: 'Found succeeded daemon pod default/p1 on node n1, will try to delete it' }]);
  t.same(p.backoff, []);
});

t.test('E9: more than one pod on a node keeps only the oldest', async (t) => {
  const pods = [running('young', 'n1', { created: 10 }), running('old', 'n1', { created: 500 }), running('middle', 'n1', { created: 100 })];
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods, revisions: [rev0] });
  t.same(p.pods.delete.map((d) => [d.name, d.reason]), [['middle', 'excess'], ['young', 'excess']]);
});

t.test('E9: scheduled pods count as older than unscheduled ones, and equal ages fall back to the name', async (t) => {
  const unscheduledOld = makePod('a-unscheduled', { target: 'n1', created: 900 });
  const scheduledYoung = running('z-scheduled', 'n1', { created: 5 });
  t.same(deleted(plan({ ds: ds0, nodes: nodes('n1'), pods: [unscheduledOld, scheduledYoung], revisions: [rev0] })), ['a-unscheduled']);
  const twins = [running('b', 'n1', { created: 60 }), running('a', 'n1', { created: 60 })];
  t.same(deleted(plan({ ds: ds0, nodes: nodes('n1'), pods: twins, revisions: [rev0] })), ['b']);
});

t.test('E10: orphans matching the selector are adopted and not duplicated', async (t) => {
  const orphan = running('orphan', 'n1', { owner: null });
  const p = plan({ ds: ds0, nodes: nodes('n1', 'n2'), pods: [orphan], revisions: [rev0] });
  t.same(p.pods.adopt, ['orphan']);
  t.same(createdOn(p), ['n2'], 'the adopted pod covers n1');
  const terminatingOrphan = running('gone', 'n1', { owner: null, deleting: true });
  t.same(plan({ ds: ds0, nodes: nodes('n1'), pods: [terminatingOrphan], revisions: [rev0] }).pods.adopt, [], 'a terminating orphan is not adopted');
  const elsewhere = { ...orphan, metadata: { ...orphan.metadata, namespace: 'other' } };
  t.same(plan({ ds: ds0, nodes: nodes('n1'), pods: [elsewhere], revisions: [rev0] }).pods.adopt, [], 'another namespace is never adopted');
});

t.test('E10: an owned pod whose labels stop matching is released and replaced', async (t) => {
  const relabelled = running('debug-me', 'n1', { labels: { app: 'debug' } });
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods: [relabelled], revisions: [rev0] });
  t.same(p.pods.release, ['debug-me']);
  t.same(deleted(p), [], 'the released pod keeps running');
  t.same(createdOn(p), ['n1']);
});

t.test('E10: pods controlled by something else are never touched', async (t) => {
  const foreign = running('rs-pod', 'n1', { owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true } });
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods: [foreign], revisions: [rev0] });
  t.same([p.pods.adopt, p.pods.release, deleted(p)], [[], [], []]);
  t.same(createdOn(p), ['n1']);
  const sibling = running('other-ds', 'n1', { owner: makeDaemonSet({ uid: 'ds-uid-2' }) });
  t.same(deleted(plan({ ds: ds0, nodes: nodes('n1'), pods: [sibling, running('mine', 'n1')], revisions: [rev0] })), [], 'a same-named DaemonSet with another uid is another controller');
});

t.test('E10: orphaned revisions matching the selector are adopted, foreign ones ignored', async (t) => {
  const orphanRev = { ...rev0, metadata: { ...rev0.metadata, ownerReferences: undefined } };
  const p = plan({ ds: ds0, nodes: nodes('n1'), revisions: [orphanRev] });
  t.same(p.revisions.adopt, [rev0.metadata!.name]);
  t.notOk(p.revisions.create, 'the adopted revision is the current one');
  const released = { ...rev0, metadata: { ...rev0.metadata, labels: { app: 'other', 'controller-revision-hash': h0 } } };
  t.same(plan({ ds: ds0, nodes: nodes('n1'), revisions: [released] }).revisions.release, [rev0.metadata!.name]);
});

t.test('E11: a DaemonSet being deleted is not acted on at all', async (t) => {
  const deleting = makeDaemonSet({ deletionTimestamp: ago(1) });
  const p = plan({ ds: deleting, nodes: nodes('n1', 'n2'), pods: [running('p1', 'n1', { labels: { app: 'moved' } }), running('o', 'n2', { owner: null })] });
  t.same(p, { revisions: { adopt: [], release: [], addHashLabel: [], delete: [] }, pods: { adopt: [], release: [], relabel: [], create: [], delete: [] }, events: [], backoff: [] });
});

t.test('E11: an empty selector is not acted on and reports SelectingAll', async (t) => {
  const p = plan({ ds: makeDaemonSet({ selector: {} }), nodes: nodes('n1'), pods: [running('p', 'n1', { owner: null })] });
  t.same(p.events, [{ type: 'Warning', reason: 'SelectingAll', message: 'This daemon set is selecting all pods. A non-empty selector is required.' }]);
  t.same([p.pods.create, p.pods.adopt, p.status], [[], [], undefined]);
});

t.test('E12: unscheduled pods aimed at a node that no longer exists are deleted; scheduled ones are left to pod GC', async (t) => {
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods: [running('p1', 'n1'), makePod('stranded', { target: 'gone' }), running('bound', 'gone2')], revisions: [rev0] });
  t.same(p.pods.delete, [{ name: 'stranded', uid: 'uid-stranded', node: 'gone', reason: 'nodeGone' }]);
});

t.test('BurstReplicas: at most 250 pods are created in one sync', async (t) => {
  const many = Array.from({ length: 300 }, (_, i) => makeNode(`n${String(i).padStart(3, '0')}`));
  t.equal(plan({ ds: ds0, nodes: many, revisions: [rev0] }).pods.create.length, 250);
  t.equal(plan({ ds: ds0, nodes: many, revisions: [rev0], burstReplicas: Infinity }).pods.create.length, 300, 'instant pacing lifts the cap');
});

// ---------------------------------------------------------------- F: status

const statusOf = (p: ReturnType<typeof plan>) => p.status as Record<string, unknown> | undefined;

t.test('F1-F7: status counts nodes, looking at the oldest pod of each node', async (t) => {
  const ds = makeDaemonSet({ generation: 2, templateGeneration: 2, minReadySeconds: 30, podSpec: { nodeSelector: { role: 'edge' } } });
  const hash = hashOf(ds);
  const edge = (n: string) => makeNode(n, { labels: { role: 'edge' } });
  const pods: Pod[] = [
    makePod('a-old', { owner: ds, node: 'n1', ready: 3600, created: 900, hash: 'stale' }), // oldest on n1: available, not updated
    makePod('a-new', { owner: ds, node: 'n1', ready: 3600, created: 10 }),
    makePod('b', { owner: ds, node: 'n2', ready: 10 }), // ready, not yet available
    makePod('c', { owner: ds, node: 'n3' }), // scheduled, not ready
    makePod('d', { owner: ds, node: 'n4', ready: true, hash: 'stale', generation: '2' }), // updated by generation
    makePod('e', { owner: ds, node: 'plain', ready: true }), // misscheduled
  ];
  const p = plan({ ds, nodes: [edge('n1'), edge('n2'), edge('n3'), edge('n4'), edge('n5'), makeNode('plain')], pods, revisions: [buildRevision(ds, hash, 1)] });
  t.same(statusOf(p), {
    currentNumberScheduled: 4, // F2: n1..n4
    numberMisscheduled: 1, // F3: plain
    desiredNumberScheduled: 5, // F1: n1..n5
    numberReady: 3, // F4: n1, n2, n4
    observedGeneration: 2,
    updatedNumberScheduled: 3, // F7: n2, n3 by hash, n4 by generation (n1's oldest is stale)
    numberAvailable: 2, // F5: n1, n4
    numberUnavailable: 3, // F6: 5 - 2
  });
});

t.test('F5: with minReadySeconds 0, ready is available', async (t) => {
  const p = plan({ ds: ds0, nodes: nodes('n1'), pods: [running('p', 'n1', { ready: 0 })], revisions: [rev0] });
  t.match(statusOf(p), { numberReady: 1, numberAvailable: 1 });
  t.notOk('numberUnavailable' in statusOf(p)!);
});

t.test('F8: observedGeneration follows the generation acted on, but not while expectations are pending', async (t) => {
  const ds = makeDaemonSet({ generation: 7, templateGeneration: 3, status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 0, observedGeneration: 6 } });
  t.equal(statusOf(plan({ ds, nodes: nodes('n1') }))!.observedGeneration, 7);
  const waiting = plan({ ds, nodes: nodes('n1'), expectationsSatisfied: false });
  t.equal(statusOf(waiting)!.observedGeneration, 6);
  t.same([waiting.pods.create, waiting.pods.delete], [[], []], 'and nothing else is done');
});

t.test('F8: a stale observedGeneration alone forces a status write', async (t) => {
  const counters = { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 };
  const ds = makeDaemonSet({ generation: 3, templateGeneration: 1, status: { ...counters, observedGeneration: 2 } });
  t.same(statusOf(plan({ ds, nodes: nodes('n1'), pods: [running('p', 'n1', { owner: ds })], revisions: [buildRevision(ds, hashOf(ds), 1)] })), { ...counters, observedGeneration: 3 });
});

t.test('F9: collisionCount stays absent until a collision, which bumps it and does nothing else', async (t) => {
  t.notOk('collisionCount' in statusOf(plan({ ds: ds0, nodes: nodes('n1') }))!);
  const squatter = buildRevision(makeDaemonSet({ image: 'someone-else' }), h0, 1);
  const p = plan({ ds: ds0, nodes: nodes('n1'), revisions: [{ ...squatter, metadata: { ...squatter.metadata, ownerReferences: [] } }] });
  t.same(statusOf(p), { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, collisionCount: 1 });
  t.same([p.pods.create, p.revisions.create], [[], undefined]);
  const bumped = makeDaemonSet({ status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, collisionCount: 1 } });
  const next = plan({ ds: bumped, nodes: nodes('n1'), revisions: [squatter] });
  t.not(next.hash, h0, 'the new count gives a new hash');
  t.equal(next.revisions.create!.metadata!.name, `agent-${next.hash}`);
  t.equal(statusOf(next)!.collisionCount, 1, 'kept once set');
});

t.test('F10: conditions written by a client are kept in the planned status', async (t) => {
  const conditions = [{ type: 'Custom', status: 'True' }];
  const ds = makeDaemonSet({ status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, conditions } });
  t.same(statusOf(plan({ ds, nodes: nodes('n1') }))!.conditions, conditions);
});

t.test('F11: the four scheduling counters are always present, the others omitted when zero', async (t) => {
  const p = plan({ ds: makeDaemonSet({ generation: 1 }), nodes: [] });
  t.same(Object.keys(statusOf(p)!), ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration']);
  const full = plan({ ds: ds0, nodes: nodes('n1', 'n2'), pods: [running('p', 'n1')], revisions: [rev0] });
  t.same(Object.keys(statusOf(full)!), ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']);
});

t.test('F12: with minReadySeconds, ready comes before available and the controller looks again when it is due', async (t) => {
  const ds = makeDaemonSet({ minReadySeconds: 30 });
  const rev = buildRevision(ds, hashOf(ds), 1);
  const pods = [makePod('a', { owner: ds, node: 'n1', ready: 10 }), makePod('b', { owner: ds, node: 'n2', ready: 25 })];
  const p = plan({ ds, nodes: nodes('n1', 'n2'), pods, revisions: [rev] });
  t.match(statusOf(p), { numberReady: 2, numberUnavailable: 2 });
  t.notOk('numberAvailable' in statusOf(p)!);
  t.equal(p.requeueAfterMs, 5001, 'b is available just after 30 s of readiness');
  const later = plan({ ds, nodes: nodes('n1', 'n2'), pods, revisions: [rev], now: new Date(NOW.getTime() + 5001) });
  t.match(statusOf(later), { numberReady: 2, numberAvailable: 1 });
  t.equal(later.requeueAfterMs, 15000, 'a is available 20 s after NOW');
});

// ---------------------------------------------------------------- G: revisions through the planner

t.test('G1: the first sync creates revision 1 named <ds>-<hash> and pods with that hash', async (t) => {
  const ds = makeDaemonSet({ annotations: { 'kubernetes.io/change-cause': 'kubectl create' } });
  const p = plan({ ds, nodes: nodes('n1') });
  const rev = p.revisions.create!;
  t.equal(rev.revision, 1);
  t.equal(rev.metadata!.name, `agent-${p.hash}`);
  t.same(rev.metadata!.annotations, { 'deprecated.daemonset.template.generation': '1', 'kubernetes.io/change-cause': 'kubectl create' });
  t.same(rev.data, JSON.parse(revisionDataBytes(ds)));
  t.equal(p.pods.create[0]!.pod.metadata!.labels!['controller-revision-hash'], p.hash);
});

t.test('G2: the hash agrees between revision name, revision label and pod label', async (t) => {
  const p = plan({ ds: ds0, nodes: nodes('n1') });
  const hash = p.revisions.create!.metadata!.labels!['controller-revision-hash'];
  t.equal(p.revisions.create!.metadata!.name, `agent-${hash}`);
  t.equal(p.pods.create[0]!.pod.metadata!.labels!['controller-revision-hash'], hash);
  t.equal(p.hash, hash);
});

t.test('G5: a rollback in the middle of a rollout leaves the pods that were never updated alone', async (t) => {
  const sim = new Sim(makeDaemonSet(), nodes('n1', 'n2', 'n3'));
  sim.rollOut();
  const v1 = sim.ds;
  const h1 = hashOf(v1);
  sim.setImage('agent:2');
  sim.sync(); // revision 2, first old pod deleted
  sim.sync(); // its replacement created
  sim.runAll();
  const mixed = sim.liveByNode();
  t.equal(Object.values(mixed).flat().filter((h) => h === h1).length, 2, 'two nodes still on the old template');
  sim.setTemplate((ds) => {
    ds.spec = { ...ds.spec!, template: v1.spec!.template };
  });
  const onH1 = sim.pods.filter((pod) => pod.metadata!.labels!['controller-revision-hash'] === h1).map((pod) => pod.metadata!.name!);
  const undo = sim.sync();
  t.equal(undo.pods.delete.length, 1, 'only the pod of the abandoned template is replaced');
  t.notOk(undo.pods.delete.some((d) => onH1.includes(d.name)), 'no pod on the restored template is restarted');
  t.equal(undo.hash, h1);
  sim.rollOut();
  t.same(sim.liveByNode(), { n1: [h1], n2: [h1], n3: [h1] });
  t.same(sim.revisionNumbers(), [2, 3]);
});

t.test('G6: history cleanup happens in the sync that creates the new revision', async (t) => {
  const ds = makeDaemonSet({ revisionHistoryLimit: 0, image: 'agent:2' });
  const old = buildRevision(makeDaemonSet({ image: 'agent:1' }), 'oldhash', 1);
  const p = plan({ ds, nodes: nodes('n1'), revisions: [old] });
  t.same(p.revisions.delete, [old.metadata!.name], 'no live pod carries it');
  const keep = plan({ ds, nodes: nodes('n1'), revisions: [old], pods: [running('p', 'n1', { owner: ds, hash: 'oldhash' })] });
  t.same(keep.revisions.delete, [], 'a live pod still carries it');
});

t.test('G7: revisions carry the selector labels and the controller reference kubectl filters on', async (t) => {
  const rev = plan({ ds: ds0, nodes: [] }).revisions.create!;
  t.match(rev.metadata!.labels, { app: 'agent' });
  t.same(rev.metadata!.ownerReferences!.filter((r) => r.controller && r.uid === 'ds-uid-1').length, 1);
});

t.test('G8: the change-cause annotation of the DaemonSet is copied onto the revision kubectl lists', async (t) => {
  const ds = makeDaemonSet({ annotations: { 'kubernetes.io/change-cause': 'kubectl set image ds/agent agent=agent:2' } });
  t.equal(plan({ ds, nodes: [] }).revisions.create!.metadata!.annotations!['kubernetes.io/change-cause'], 'kubectl set image ds/agent agent=agent:2');
});

t.test('G9: undo data is the revision data, and it matches the template it restores byte for byte', async (t) => {
  const rev = plan({ ds: ds0, nodes: [] }).revisions.create!;
  t.equal(canonicalJSON(rev.data), revisionDataBytes(ds0));
  t.equal(JSON.stringify(rev.data), revisionDataBytes(ds0), 'served as stored, the bytes are already canonical');
});

// ---------------------------------------------------------------- H: updates

const threeNodes = () => nodes('n1', 'n2', 'n3');

t.test('H1: a pod is updated when its hash or its template generation is current', async (t) => {
  const ds = makeDaemonSet({ generation: 2, templateGeneration: 2, image: 'agent:2' });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = [running('by-hash', 'n1', { owner: ds }), running('by-generation', 'n2', { owner: ds, hash: 'x', generation: '2' }), running('stale', 'n3', { owner: ds, hash: 'x', generation: '1' })];
  t.equal(statusOf(plan({ ds, nodes: threeNodes(), pods, revisions: [rev], now: NOW }))!.updatedNumberScheduled, 2);
});

t.test('H2: maxUnavailable 1 replaces nodes one at a time, waiting for the new pod to be available', async (t) => {
  const sim = new Sim(makeDaemonSet({ minReadySeconds: 10 }), threeNodes());
  sim.rollOut();
  sim.advance(60_000);
  sim.setImage('agent:2');
  const h2 = hashOf(sim.ds);
  const first = sim.sync({ graceful: true });
  t.equal(first.revisions.create?.revision, 2);
  t.same(first.pods.delete.map((d) => [d.node, d.reason]), [['n1', 'update']], 'one old available pod');
  t.same(sim.sync({ graceful: true }).pods.create, [], 'no replacement while the old pod terminates');
  sim.removeTerminating();
  t.same(createdOn(sim.sync({ graceful: true })), ['n1']);
  sim.runAll();
  const waiting = sim.sync({ graceful: true });
  t.same(deleted(waiting), [], 'the new pod is ready but not yet available');
  t.equal(waiting.requeueAfterMs, 10_001);
  sim.advance(10_001);
  t.same(sim.sync({ graceful: true }).pods.delete.map((d) => d.node), ['n2'], 'next node once available');
  for (const byNode of Object.values(sim.liveByNode())) t.ok(byNode.length <= 1, 'never two live pods on a node');
  sim.removeTerminating();
  sim.sync();
  sim.runAll();
  sim.advance(10_001);
  sim.rollOut();
  sim.advance(10_001);
  sim.rollOut();
  t.same(sim.liveByNode(), { n1: [h2], n2: [h2], n3: [h2] });
});

t.test('H2: old pods that are not available are replaced at once, beyond maxUnavailable', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2 });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = [running('a', 'n1', { owner: ds, hash: 'old', ready: false }), running('b', 'n2', { owner: ds, hash: 'old', ready: false }), running('c', 'n3', { owner: ds, hash: 'old' })];
  t.same(deleted(plan({ ds, nodes: threeNodes(), pods, revisions: [rev] })), ['a', 'b']);
});

t.test('H2: a percentage maxUnavailable is rounded up against the desired count', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '34%', maxSurge: 0 } } });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = ['n1', 'n2', 'n3'].map((n, i) => running(`p${i}`, n, { owner: ds, hash: 'old' }));
  t.equal(plan({ ds, nodes: threeNodes(), pods, revisions: [rev] }).pods.delete.length, 2, '34% of 3 is 1.02, rounded up to 2');
  const ten = { ...ds, spec: { ...ds.spec!, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } } } } as DaemonSet;
  t.equal(plan({ ds: ten, nodes: threeNodes(), pods, revisions: [rev] }).pods.delete.length, 1, '10% of 3 rounds up to 1');
});

t.test('H2: the rolling update waits while manage still has work in the same sync', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2 });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const p = plan({ ds, nodes: threeNodes(), pods: [running('a', 'n1', { owner: ds, hash: 'old' }), running('b', 'n2', { owner: ds, hash: 'old' })], revisions: [rev] });
  t.same(createdOn(p), ['n3']);
  t.same(deleted(p), [], 'old pods wait for the next sync');
});

t.test('H3: maxSurge starts a new pod next to the old one and deletes the old one once the new is available', async (t) => {
  const sim = new Sim(makeDaemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }), threeNodes());
  sim.rollOut();
  sim.setImage('agent:2');
  const h2 = hashOf(sim.ds);
  const surge = sim.sync();
  t.same(surge.pods.create.map((c) => c.node), ['n1'], 'one surge pod');
  t.same(deleted(surge), []);
  t.equal(sim.liveByNode().n1!.length, 2, 'two pods on n1');
  t.same(sim.sync().pods.create, [], 'the surge budget is used while the new pod is unavailable');
  sim.runAll();
  const swap = sim.sync();
  t.same(swap.pods.delete.map((d) => [d.node, d.reason]), [['n1', 'surge']], 'the old pod goes once the new one is available');
  t.same(sim.sync().pods.create.map((c) => c.node), ['n2'], 'then the next node surges');
  sim.rollOut();
  t.same(sim.liveByNode(), { n1: [h2], n2: [h2], n3: [h2] });
});

t.test('H3: an unavailable old pod is replaced at once without counting against maxSurge', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = [running('a', 'n1', { owner: ds, hash: 'old', ready: false }), running('b', 'n2', { owner: ds, hash: 'old', ready: false }), running('c', 'n3', { owner: ds, hash: 'old' })];
  t.same(createdOn(plan({ ds, nodes: threeNodes(), pods, revisions: [rev] })), ['n1', 'n2', 'n3']);
});

t.test('H3: a percentage maxSurge is rounded up', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '50%' } } });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = ['n1', 'n2', 'n3'].map((n, i) => running(`p${i}`, n, { owner: ds, hash: 'old' }));
  t.same(createdOn(plan({ ds, nodes: threeNodes(), pods, revisions: [rev] })), ['n1', 'n2'], '50% of 3 rounds up to 2');
});

t.test('H3: surging, an old pod that is no longer ready beside a new one is deleted', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = [running('old', 'n1', { owner: ds, hash: 'old', ready: false, created: 900 }), makePod('new', { owner: ds, node: 'n1', created: 5 })];
  t.same(plan({ ds, nodes: nodes('n1'), pods, revisions: [rev] }).pods.delete.map((d) => d.name), ['old']);
});

t.test('H4: maxUnavailable and maxSurge both 0 behave as maxUnavailable 1', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = ['n1', 'n2', 'n3'].map((n, i) => running(`p${i}`, n, { owner: ds, hash: 'old' }));
  t.same(deleted(plan({ ds, nodes: threeNodes(), pods, revisions: [rev] })), ['p0']);
});

t.test('H5: OnDelete creates the revision and observes the generation but touches no pod', async (t) => {
  const sim = new Sim(makeDaemonSet({ updateStrategy: { type: 'OnDelete' } }), threeNodes());
  sim.rollOut();
  sim.setImage('agent:2');
  const p = sim.sync();
  t.equal(p.revisions.create?.revision, 2);
  t.same([p.pods.create, p.pods.delete], [[], []]);
  t.match(p.status, { observedGeneration: 2, desiredNumberScheduled: 3 });
  t.notOk('updatedNumberScheduled' in p.status!, 'no pod is updated');
  // The user deletes one pod: it comes back with the new template.
  sim.pods = sim.pods.filter((pod) => pod.spec?.nodeName !== 'n2');
  const recreate = sim.sync();
  t.same(createdOn(recreate), ['n2']);
  t.equal(recreate.pods.create[0]!.pod.metadata!.labels!['controller-revision-hash'], hashOf(sim.ds));
  sim.runAll();
  t.equal(sim.sync().status?.updatedNumberScheduled, 1, 'only the recreated pod counts as updated');
});

t.test('H6: the status carries what kubectl rollout status reads, in order', async (t) => {
  const sim = new Sim(makeDaemonSet({ minReadySeconds: 5 }), nodes('n1', 'n2'));
  sim.rollOut();
  sim.advance(6000);
  sim.sync();
  sim.setImage('agent:2');
  t.ok((sim.ds.metadata!.generation ?? 0) > (sim.ds.status!.observedGeneration ?? 0), 'Waiting for daemon set spec update to be observed...');
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    sim.sync();
    const s = sim.ds.status!;
    const line =
      (s.updatedNumberScheduled ?? 0) < s.desiredNumberScheduled
        ? `${s.updatedNumberScheduled ?? 0} out of ${s.desiredNumberScheduled} new pods have been updated`
        : (s.numberAvailable ?? 0) < s.desiredNumberScheduled
          ? `${s.numberAvailable ?? 0} of ${s.desiredNumberScheduled} updated pods are available`
          : 'successfully rolled out';
    if (seen.at(-1) !== line) seen.push(line);
    if (line === 'successfully rolled out') break;
    sim.runAll();
    sim.advance(3000);
  }
  t.equal(sim.ds.status!.observedGeneration, 2);
  t.same(seen, ['0 out of 2 new pods have been updated', '1 out of 2 new pods have been updated', '1 of 2 updated pods are available', 'successfully rolled out']);
});

t.test('H7: minReadySeconds paces the rolling update and the available count', async (t) => {
  const ds = makeDaemonSet({ image: 'agent:2', generation: 2, templateGeneration: 2, minReadySeconds: 60 });
  const rev = buildRevision(ds, hashOf(ds), 2);
  const pods = [makePod('new', { owner: ds, node: 'n1', ready: 30 }), running('old', 'n2', { owner: ds, hash: 'old' })];
  const p = plan({ ds, nodes: nodes('n1', 'n2'), pods, revisions: [rev] });
  t.same(deleted(p), [], 'the new pod is ready for 30 s only');
  t.equal(p.requeueAfterMs, 30_001);
  t.match(statusOf(p), { numberReady: 2, numberAvailable: 1 });
  const later = plan({ ds, nodes: nodes('n1', 'n2'), pods, revisions: [rev], now: new Date(NOW.getTime() + 30_001) });
  t.same(deleted(later), ['old']);
});

// ---------------------------------------------------------------- I: deletion (DaemonSet parts)

t.test('I1: every pod and revision the controller creates carries the blocking controller reference', async (t) => {
  const p = plan({ ds: ds0, nodes: nodes('n1', 'n2') });
  const refs = [p.revisions.create!, ...p.pods.create.map((c) => c.pod)].map((o) => o.metadata!.ownerReferences);
  for (const r of refs) t.same(r, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid-1', controller: true, blockOwnerDeletion: true }]);
});

t.test('I3: during foreground deletion the controller creates nothing and writes no status', async (t) => {
  const ds = makeDaemonSet({ deletionTimestamp: ago(1) });
  const p = plan({ ds, nodes: nodes('n1', 'n2'), pods: [running('p1', 'n1')] });
  t.same([p.pods.create, p.status, p.revisions.create], [[], undefined, undefined]);
});

t.test('I4: during orphan deletion the controller neither deletes nor releases anything', async (t) => {
  const ds = makeDaemonSet({ deletionTimestamp: ago(1) });
  const p = plan({ ds, nodes: nodes('n1'), pods: [running('p1', 'n1', { labels: { app: 'x' } })], revisions: [rev0] });
  t.same([p.pods.delete, p.pods.release, p.revisions.delete, p.revisions.release], [[], [], [], []]);
});

t.test('I5: a DaemonSet re-created after an orphaning delete adopts the pods and the revision without restarts', async (t) => {
  const recreated = makeDaemonSet({ uid: 'ds-uid-new' });
  const orphanRev = { ...rev0, metadata: { ...rev0.metadata, ownerReferences: undefined } };
  const orphans = ['n1', 'n2'].map((n) => running(`old-${n}`, n, { owner: null, hash: h0 }));
  const p = plan({ ds: recreated, nodes: nodes('n1', 'n2'), pods: orphans, revisions: [orphanRev] });
  t.same(p.revisions.adopt, [rev0.metadata!.name]);
  t.same(p.pods.adopt, ['old-n1', 'old-n2']);
  t.same([p.pods.create, p.pods.delete, p.revisions.create, p.revisions.renumber], [[], [], undefined, undefined]);
  t.equal(p.hash, h0);
  t.match(statusOf(p), { desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2 });
});
