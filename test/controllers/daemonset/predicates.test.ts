import t from 'tap';
import type { NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { addAutomaticTolerations, nodeSelectorTermMatches, nodeShouldRunDaemonPod, toleratesTaint } from '../../../controllers/daemonset/predicates.js';
import { makeDaemonSet, makeNode } from './fixtures.js';

const withAffinity = (terms: NodeSelectorTerm[], extra: Partial<PodSpec> = {}) =>
  makeDaemonSet({ podSpec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } }, ...extra } });
const expr = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => ({ key, operator, ...(values ? { values } : {}) });

t.test('D1: a DaemonSet without constraints runs on every node', async (t) => {
  t.same(nodeShouldRunDaemonPod(makeNode('n1'), makeDaemonSet()), { shouldRun: true, shouldContinueRunning: true, reasons: [] });
});

t.test('D1: a template nodeName admits only that node', async (t) => {
  const ds = makeDaemonSet({ podSpec: { nodeName: 'n2' } });
  t.same(nodeShouldRunDaemonPod(makeNode('n1'), ds), { shouldRun: false, shouldContinueRunning: false, reasons: [{ kind: 'nodeName', nodeName: 'n2' }] });
  t.equal(nodeShouldRunDaemonPod(makeNode('n2'), ds).shouldRun, true);
});

t.test('D1: every nodeSelector entry must equal a node label', async (t) => {
  const ds = makeDaemonSet({ podSpec: { nodeSelector: { disk: 'ssd', zone: 'a' } } });
  t.equal(nodeShouldRunDaemonPod(makeNode('n', { labels: { disk: 'ssd', zone: 'a', other: 'x' } }), ds).shouldRun, true);
  t.same(nodeShouldRunDaemonPod(makeNode('n', { labels: { disk: 'ssd', zone: 'b' } }), ds), { shouldRun: false, shouldContinueRunning: false, reasons: [{ kind: 'nodeSelector', key: 'zone' }] });
  t.same(nodeShouldRunDaemonPod(makeNode('n'), ds).reasons, [{ kind: 'nodeSelector', key: 'disk' }, { kind: 'nodeSelector', key: 'zone' }]);
});

t.test('D1: required node affinity operators match as upstream labels.Requirement does', async (t) => {
  const cases: Array<[string, NodeSelectorRequirement, Record<string, string>, boolean]> = [
    ['In with a listed value', expr('zone', 'In', ['a', 'b']), { zone: 'b' }, true],
    ['In with an unlisted value', expr('zone', 'In', ['a']), { zone: 'c' }, false],
    ['In without the label', expr('zone', 'In', ['a']), {}, false],
    ['NotIn without the label', expr('zone', 'NotIn', ['a']), {}, true],
    ['NotIn with an unlisted value', expr('zone', 'NotIn', ['a']), { zone: 'b' }, true],
    ['NotIn with a listed value', expr('zone', 'NotIn', ['a']), { zone: 'a' }, false],
    ['Exists with the label', expr('gpu', 'Exists'), { gpu: '' }, true],
    ['Exists without the label', expr('gpu', 'Exists'), {}, false],
    ['DoesNotExist without the label', expr('gpu', 'DoesNotExist'), {}, true],
    ['DoesNotExist with the label', expr('gpu', 'DoesNotExist'), { gpu: 'x' }, false],
    ['Gt with a greater integer', expr('cores', 'Gt', ['4']), { cores: '8' }, true],
    ['Gt with an equal integer', expr('cores', 'Gt', ['4']), { cores: '4' }, false],
    ['Gt with a non-integer label', expr('cores', 'Gt', ['4']), { cores: 'many' }, false],
    ['Gt without the label', expr('cores', 'Gt', ['4']), {}, false],
    ['Gt compares as integers, not strings', expr('cores', 'Gt', ['9']), { cores: '10' }, true],
    ['Lt with a smaller integer', expr('cores', 'Lt', ['4']), { cores: '-2' }, true],
    ['Lt with a greater integer', expr('cores', 'Lt', ['4']), { cores: '5' }, false],
    ['Gt with two values is invalid and matches nothing', expr('cores', 'Gt', ['1', '2']), { cores: '8' }, false],
    ['Gt with a non-integer value is invalid', expr('cores', 'Gt', ['x']), { cores: '8' }, false],
    ['In without values is invalid', expr('zone', 'In', []), { zone: 'a' }, false],
    ['Exists with values is invalid', expr('zone', 'Exists', ['a']), { zone: 'a' }, false],
    ['an unknown operator is invalid', expr('zone', 'Equals', ['a']), { zone: 'a' }, false],
    ['an invalid label key is invalid', expr('bad key', 'Exists'), { 'bad key': 'a' }, false],
  ];
  for (const [name, requirement, labels, want] of cases) {
    const ds = withAffinity([{ matchExpressions: [requirement] }]);
    const verdict = nodeShouldRunDaemonPod(makeNode('n1', { labels }), ds);
    t.equal(verdict.shouldRun, want, name);
    if (!want) t.same(verdict.reasons, [{ kind: 'affinity' }], `${name}: reason`);
  }
});

t.test('D1: matchFields supports metadata.name with In and NotIn only', async (t) => {
  const node = makeNode('n1');
  const cases: Array<[string, NodeSelectorRequirement, boolean]> = [
    ['In naming the node', expr('metadata.name', 'In', ['n1']), true],
    ['In naming another node', expr('metadata.name', 'In', ['n2']), false],
    ['NotIn naming another node', expr('metadata.name', 'NotIn', ['n2']), true],
    ['NotIn naming the node', expr('metadata.name', 'NotIn', ['n1']), false],
    ['In with two names is invalid', expr('metadata.name', 'In', ['n1', 'n2']), false],
    ['Exists is not a field operator', expr('metadata.name', 'Exists'), false],
    ['another field key is not supported', expr('spec.unschedulable', 'In', ['false']), false],
  ];
  for (const [name, requirement, want] of cases) t.equal(nodeSelectorTermMatches({ matchFields: [requirement] }, node), want, name);
});

t.test('D1: terms are ORed, requirements within a term ANDed, and an empty term matches nothing', async (t) => {
  const node = makeNode('n1', { labels: { zone: 'a', disk: 'hdd' } });
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([{ matchExpressions: [expr('zone', 'In', ['b'])] }, { matchExpressions: [expr('zone', 'In', ['a'])] }])).shouldRun, true, 'second term matches');
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([{ matchExpressions: [expr('zone', 'In', ['a']), expr('disk', 'In', ['ssd'])] }])).shouldRun, false, 'AND within a term');
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([{ matchExpressions: [expr('zone', 'In', ['a'])], matchFields: [expr('metadata.name', 'In', ['n1'])] }])).shouldRun, true, 'labels and fields');
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([{ matchExpressions: [expr('zone', 'In', ['a'])], matchFields: [expr('metadata.name', 'In', ['n2'])] }])).shouldRun, false);
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([{}])).shouldRun, false, 'empty term');
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([])).shouldRun, false, 'no terms');
  t.equal(nodeShouldRunDaemonPod(node, withAffinity([{ matchExpressions: [expr('zone', 'Gt', ['x'])] }, { matchExpressions: [expr('zone', 'In', ['a'])] }])).shouldRun, true, 'an invalid term is skipped, the others still count');
});

t.test('D1: preferred node affinity is ignored', async (t) => {
  const ds = makeDaemonSet({
    podSpec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [expr('zone', 'In', ['z'])] } }] } } },
  });
  t.equal(nodeShouldRunDaemonPod(makeNode('n1'), ds).shouldRun, true);
});

t.test('D1: untolerated NoSchedule and NoExecute taints block, PreferNoSchedule does not', async (t) => {
  const ds = makeDaemonSet();
  const taint = (effect: string): Taint => ({ key: 'dedicated', value: 'db', effect });
  t.equal(nodeShouldRunDaemonPod(makeNode('n', { taints: [taint('PreferNoSchedule')] }), ds).shouldRun, true);
  t.same(nodeShouldRunDaemonPod(makeNode('n', { taints: [taint('NoSchedule')] }), ds), { shouldRun: false, shouldContinueRunning: true, reasons: [{ kind: 'taint', taint: taint('NoSchedule') }] });
  t.same(nodeShouldRunDaemonPod(makeNode('n', { taints: [taint('NoExecute')] }), ds), { shouldRun: false, shouldContinueRunning: false, reasons: [{ kind: 'taint', taint: taint('NoExecute') }] });
  const tolerant = makeDaemonSet({ podSpec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db' }] } });
  t.equal(nodeShouldRunDaemonPod(makeNode('n', { taints: [taint('NoExecute')] }), tolerant).shouldRun, true, 'a toleration of every effect');
});

t.test('D2: shouldContinueRunning fails with selector or affinity, and with taints only for NoExecute', async (t) => {
  const ds = makeDaemonSet({ podSpec: { nodeSelector: { role: 'edge' } } });
  t.same(nodeShouldRunDaemonPod(makeNode('n'), ds).shouldContinueRunning, false, 'selector no longer matches');
  const edge = makeNode('n', { labels: { role: 'edge' }, taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoExecute' }] });
  const verdict = nodeShouldRunDaemonPod(edge, ds);
  t.same(verdict, { shouldRun: false, shouldContinueRunning: false, reasons: [{ kind: 'taint', taint: { key: 'a', effect: 'NoSchedule' } }, { kind: 'taint', taint: { key: 'b', effect: 'NoExecute' } }] });
});

t.test('D3: a toleration tolerates a taint by effect, key, operator and value', async (t) => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  const cases: Array<[string, Toleration, boolean]> = [
    ['Equal with the same key and value', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    ['an empty operator means Equal', { key: 'k', value: 'v' }, true],
    ['Equal with another value', { key: 'k', operator: 'Equal', value: 'w' }, false],
    ['Exists with the same key', { key: 'k', operator: 'Exists' }, true],
    ['Exists with another key', { key: 'x', operator: 'Exists' }, false],
    ['Exists with an empty key tolerates everything', { operator: 'Exists' }, true],
    ['an empty effect matches every effect', { key: 'k', operator: 'Exists', effect: '' }, true],
    ['another effect', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    ['an unknown operator tolerates nothing', { key: 'k', operator: 'Gt', value: 'v' }, false],
  ];
  for (const [name, toleration, want] of cases) t.equal(toleratesTaint(toleration, taint), want, name);
  t.equal(toleratesTaint({ key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }), true, 'empty value equals absent value');
});

t.test('D4: every daemon pod gets the automatic node.kubernetes.io tolerations after the user ones', async (t) => {
  const user: Toleration = { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' };
  t.same(addAutomaticTolerations([user]), [
    user,
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ]);
});

t.test('D4: hostNetwork pods also tolerate network-unavailable', async (t) => {
  t.same(addAutomaticTolerations(undefined, true).at(-1), { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  t.equal(addAutomaticTolerations(undefined, false).length, 6);
});

t.test('D4: a user toleration equal to an automatic one is replaced in place, not duplicated', async (t) => {
  const mine: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
  const input = [mine];
  const out = addAutomaticTolerations(input);
  t.equal(out.length, 6);
  t.same(out[0], { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' });
  t.same(input, [mine], 'input untouched');
});

t.test('D5: a cordoned node still runs daemon pods', async (t) => {
  const cordoned = makeNode('n', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] });
  t.equal(nodeShouldRunDaemonPod(cordoned, makeDaemonSet()).shouldRun, true);
});

t.test('D6: readiness is no predicate; only the not-ready NoSchedule taint keeps new pods off', async (t) => {
  const ds = makeDaemonSet();
  t.equal(nodeShouldRunDaemonPod(makeNode('n', { ready: false }), ds).shouldRun, true, 'NotReady without taints');
  const tainted = makeNode('n', { ready: false, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
  t.same(nodeShouldRunDaemonPod(tainted, ds), { shouldRun: false, shouldContinueRunning: true, reasons: [{ kind: 'taint', taint: { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' } }] });
  const evicting = makeNode('n', { ready: false, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
  t.equal(nodeShouldRunDaemonPod(evicting, ds).shouldRun, true, 'the NoExecute variants are tolerated');
});
