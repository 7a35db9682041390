import t from 'tap';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import {
  buildRevision,
  canonicalJSON,
  computeHash,
  fnv32a,
  goPodTemplate,
  goQuote,
  planHistory,
  planHistoryCleanup,
  revisionData,
  revisionDataBytes,
  revisionMatches,
  safeEncodeString,
} from '../../../controllers/daemonset/revisions.js';
import { hashOf, makeDaemonSet, nodes, Sim } from './fixtures.js';

const GO_BYTES_OF_DEFAULT_TEMPLATE =
  '{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"agent"}},"spec":{"containers":[{"image":"agent:1","imagePullPolicy":"IfNotPresent","name":"agent","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}';

t.test('G9: revision data is the byte-exact Go encoding of the defaulted template', async (t) => {
  t.equal(revisionDataBytes(makeDaemonSet()), GO_BYTES_OF_DEFAULT_TEMPLATE);
});

t.test('G9: the data object serialises to the canonical bytes with plain JSON.stringify too', async (t) => {
  // The API server stores data as an object; keys inserted in Go order survive JSON.stringify.
  t.equal(JSON.stringify(revisionData(makeDaemonSet())), GO_BYTES_OF_DEFAULT_TEMPLATE);
});

t.test('G9: Go zero values appear where Go has no omitempty', async (t) => {
  const bare = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ name: 'http' }], env: [{ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] }] } };
  t.equal(
    canonicalJSON(goPodTemplate(bare)),
    '{"metadata":{"creationTimestamp":null,"labels":{"app":"a"}},"spec":{"containers":[{"env":[{"name":"X","valueFrom":{"resourceFieldRef":{"divisor":"0","resource":"limits.cpu"}}}],"image":"i","name":"c","ports":[{"containerPort":0,"name":"http"}],"resources":{}}]}}',
  );
  t.equal(canonicalJSON(goPodTemplate({})), '{"metadata":{"creationTimestamp":null},"spec":{"containers":null}}', 'an empty template');
});

t.test('G9: omitempty fields that are empty are dropped, pointers keep their zero values', async (t) => {
  const template = {
    metadata: { labels: {}, annotations: { a: 'b' } },
    spec: {
      hostNetwork: false,
      automountServiceAccountToken: false,
      tolerations: [],
      nodeSelector: {},
      nodeName: '',
      containers: [{ name: 'c', image: 'i', stdin: false, volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: false }], securityContext: { privileged: false, runAsUser: 0 } }],
    },
  };
  t.equal(
    canonicalJSON(goPodTemplate(template)),
    '{"metadata":{"annotations":{"a":"b"},"creationTimestamp":null},"spec":{"automountServiceAccountToken":false,"containers":[{"image":"i","name":"c","resources":{},"securityContext":{"privileged":false,"runAsUser":0},"volumeMounts":[{"mountPath":"/v","name":"v"}]}]}}',
  );
});

t.test('G9: fields this encoder does not know are kept, sorted, never dropped', async (t) => {
  const template = { metadata: {}, spec: { containers: [{ name: 'c', zeta: { b: 1, a: [{ y: 1, x: 2 }] } }], futureField: 'x' } };
  t.equal(canonicalJSON(goPodTemplate(template)), '{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"c","resources":{},"zeta":{"a":[{"x":2,"y":1}],"b":1}}],"futureField":"x"}}');
});

t.test('G9: strings are escaped as Go escapes them (<, >, & and line separators)', async (t) => {
  t.equal(goQuote('<a & b>'), '"\\u003ca \\u0026 b\\u003e"');
  t.equal(goQuote('line\u2028para\u2029'), '"line\\u2028para\\u2029"');
  t.equal(goQuote('tab\there\nnul\u0000 "q" \\'), '"tab\\there\\nnul\\u0000 \\"q\\" \\\\"');
  t.equal(goQuote('é ü 日本 🙂'), '"é ü 日本 🙂"', 'non-ASCII stays literal');
  t.equal(canonicalJSON({ b: 1, a: { d: true, c: null }, $patch: 'replace' }), '{"$patch":"replace","a":{"c":null,"d":true},"b":1}', 'keys sorted at every level');
});

t.test('G9: keys sort by code point as Go sorts map keys', async (t) => {
  t.equal(canonicalJSON({ 'b': 1, 'B': 2, '\uff5e': 3, '😀': 4, 'a/b': 5, a: 6 }), '{"B":2,"a":6,"a/b":5,"b":1,"～":3,"😀":4}');
});

t.test('G2: the template hash is FNV-32a rendered with the safe alphabet', async (t) => {
  t.equal(fnv32a(new Uint8Array()), 0x811c9dc5);
  t.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
  t.equal(safeEncodeString('0123456789'), '456789bcdf');
  const hash = computeHash(makeDaemonSet().spec!.template);
  t.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  t.equal(computeHash(makeDaemonSet().spec!.template), hash, 'stable');
  t.not(computeHash(makeDaemonSet({ image: 'agent:2' }).spec!.template), hash, 'template sensitive');
});

t.test('G2: collisionCount changes the hash, and 0 differs from absent', async (t) => {
  const template = makeDaemonSet().spec!.template;
  const none = computeHash(template);
  t.not(computeHash(template, 0), none);
  t.not(computeHash(template, 1), computeHash(template, 0));
});

t.test('G2: key order and labels insertion order do not change the hash', async (t) => {
  const a = computeHash({ metadata: { labels: { x: '1', y: '2' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  const b = computeHash({ spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { labels: { y: '2', x: '1' } } });
  t.equal(a, b);
});

t.test('G1: a revision carries the template labels plus hash, the DS annotations, the controller reference and data', async (t) => {
  const ds = makeDaemonSet({ annotations: { 'kubernetes.io/change-cause': 'initial' } });
  const hash = hashOf(ds);
  const rev = buildRevision(ds, hash, 1);
  t.same(rev.metadata, {
    name: `agent-${hash}`,
    namespace: 'default',
    labels: { app: 'agent', 'controller-revision-hash': hash },
    annotations: { 'deprecated.daemonset.template.generation': '1', 'kubernetes.io/change-cause': 'initial' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid-1', controller: true, blockOwnerDeletion: true }],
  });
  t.equal(rev.revision, 1);
  t.equal(canonicalJSON(rev.data), revisionDataBytes(ds));
  t.ok(revisionMatches(ds, rev));
  t.notOk(revisionMatches(makeDaemonSet({ image: 'agent:2' }), rev));
});

t.test('G4: create, update, undo leaves revisions 2 and 3 and the pods back on the first hash', async (t) => {
  const sim = new Sim(makeDaemonSet(), nodes('n1', 'n2'));
  sim.rollOut();
  const first = sim.revisions[0]!;
  const h1 = hashOf(sim.ds);
  t.same(sim.revisionNumbers(), [1]);

  sim.setImage('agent:2');
  sim.rollOut();
  const h2 = hashOf(sim.ds);
  t.same(sim.revisionNumbers(), [1, 2]);
  t.same(sim.liveByNode(), { n1: [h2], n2: [h2] });

  // kubectl rollout undo: the second-highest revision's data is sent as the patch; $patch replaces the template.
  const { $patch, ...template } = (first.data as { spec: { template: Record<string, unknown> } }).spec.template;
  t.equal($patch, 'replace');
  sim.setTemplate((ds) => {
    ds.spec = { ...ds.spec!, template: template as never };
  });
  const undo = sim.sync();
  t.notOk(undo.revisions.create, 'no new revision');
  t.same(undo.revisions.renumber, { name: first.metadata!.name, revision: 3 });
  t.equal(undo.hash, h1);
  sim.rollOut();
  t.same(sim.revisionNumbers(), [2, 3]);
  t.same(sim.revisions.find((r) => r.revision === 3)!.metadata!.name, first.metadata!.name, 'same name and hash');
  t.same(sim.liveByNode(), { n1: [h1], n2: [h1] });
  t.equal(revisionDataBytes(sim.ds), canonicalJSON(first.data), 'kubectl would now report "skipped rollback"');
});

t.test('G3: a template change creates revision max+1 and new pods carry its hash', async (t) => {
  const sim = new Sim(makeDaemonSet(), nodes('n1'));
  sim.rollOut();
  sim.setImage('agent:2');
  const p = sim.sync();
  t.equal(p.revisions.create?.revision, 2);
  t.equal(p.hash, hashOf(sim.ds));
  t.equal(p.revisions.create?.metadata?.name, `agent-${hashOf(sim.ds)}`);
  sim.rollOut();
  t.same(sim.liveByNode(), { n1: [hashOf(sim.ds)] });
});

t.test('G6: with revisionHistoryLimit 1, four templates leave revisions 3 and 4', async (t) => {
  const sim = new Sim(makeDaemonSet({ revisionHistoryLimit: 1 }), nodes('n1', 'n2'));
  sim.rollOut();
  for (const image of ['agent:2', 'agent:3', 'agent:4']) {
    sim.setImage(image);
    sim.rollOut();
  }
  t.same(sim.revisionNumbers(), [3, 4]);
});

t.test('G6: cleanup deletes the lowest revisions first and skips those live pods still use', async (t) => {
  const ds = makeDaemonSet();
  const rev = (n: number, hash: string): ControllerRevision => ({ ...buildRevision(ds, hash, n), metadata: { name: `agent-${hash}`, labels: { 'controller-revision-hash': hash } } });
  const old = [rev(4, 'd'), rev(1, 'a'), rev(3, 'c'), rev(2, 'b')];
  t.same(planHistoryCleanup(old, 2, new Set()), ['agent-a', 'agent-b']);
  t.same(planHistoryCleanup(old, 2, new Set(['a'])), ['agent-b', 'agent-c']);
  t.same(planHistoryCleanup(old, 0, new Set(['a', 'b', 'c', 'd'])), []);
  t.same(planHistoryCleanup(old, 10, new Set()), []);
});

t.test('G4: duplicates of the current template keep the highest, relabel pods and delete the rest', async (t) => {
  const ds = makeDaemonSet();
  const a = { ...buildRevision(ds, 'aaa', 2) };
  const b = { ...buildRevision(ds, 'bbb', 5) };
  const other = buildRevision(makeDaemonSet({ image: 'old' }), 'ooo', 4);
  const result = planHistory(ds, [a, b, other], [a, b, other], [
    { metadata: { name: 'p1', labels: { 'controller-revision-hash': 'aaa' } } },
    { metadata: { name: 'p2', labels: { 'controller-revision-hash': 'bbb' } } },
  ]);
  t.notOk('collision' in result);
  if ('collision' in result) return;
  t.equal(result.hash, 'bbb');
  t.same(result.duplicates, ['agent-aaa']);
  t.same(result.relabelPods, ['p1']);
  t.notOk(result.renumber, 'revision 5 is already above the others');
  t.same(result.old.map((r) => r.revision), [4]);
});

t.test('G4: a revision without the hash label gets its name as the label', async (t) => {
  const ds = makeDaemonSet();
  const unlabeled = { ...buildRevision(ds, 'x', 1), metadata: { ...buildRevision(ds, 'x', 1).metadata, labels: { app: 'agent' } } };
  const result = planHistory(ds, [unlabeled], [unlabeled], []);
  if ('collision' in result) return t.fail('no collision expected');
  t.same(result.addHashLabel, ['agent-x']);
  t.equal(result.hash, 'agent-x');
});

t.test('F9: a revision name taken by different data is a hash collision', async (t) => {
  const ds = makeDaemonSet();
  const squatter = { ...buildRevision(makeDaemonSet({ image: 'other' }), hashOf(ds), 1) };
  t.same(planHistory(ds, [], [squatter], []), { collision: true, name: `agent-${hashOf(ds)}` });
  const same = buildRevision(ds, hashOf(ds), 7);
  const reuse = planHistory(ds, [], [same], []);
  if ('collision' in reuse) return t.fail('an identical revision is reused');
  t.notOk(reuse.create);
  t.equal(reuse.current, same);
});
