import t from 'tap';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../../store/object.js';
import { daemonSetTable, formatLabels, formatLabelSelector } from '../../../api/printers/daemonset.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

function daemonSet(input: { spec?: unknown; status?: unknown } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', creationTimestamp: ago(2) },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }] } },
    },
    ...input,
  };
}

t.test('daemonset columns are upstream names, types and priorities', async (t) => {
  t.same(
    daemonSetTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Desired', 'integer', '', 0],
      ['Current', 'integer', '', 0],
      ['Ready', 'integer', '', 0],
      ['Up-to-date', 'integer', '', 0],
      ['Available', 'integer', '', 0],
      ['Node Selector', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['Containers', 'string', '', 1],
      ['Images', 'string', '', 1],
      ['Selector', 'string', '', 1],
    ],
  );
});

t.test('a daemonset row matches the wire contract example', async (t) => {
  const obj = daemonSet({
    status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberMisscheduled: 0 },
  });
  const cells = daemonSetTable.cells(obj, now);
  t.same(cells, ['agent', 2, 2, 2, 2, 2, '<none>', '2s', 'agent', 'busybox:1.36', 'app=agent']);
  t.equal(cells.length, daemonSetTable.columns.length);
});

t.test('daemonset counts come from status in column order and default to 0', async (t) => {
  const cases: Array<[string, unknown, number[]]> = [
    ['no status', undefined, [0, 0, 0, 0, 0]],
    ['empty status', {}, [0, 0, 0, 0, 0]],
    [
      'distinct counts',
      { desiredNumberScheduled: 5, currentNumberScheduled: 4, numberReady: 3, updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 4 },
      [5, 4, 3, 2, 1],
    ],
  ];
  for (const [name, status, want] of cases) {
    t.same(daemonSetTable.cells(daemonSet(status === undefined ? {} : { status }), now).slice(1, 6), want, name);
  }
});

t.test('daemonset containers and images are comma-joined in order', async (t) => {
  const cases: Array<[string, unknown, [string, string]]> = [
    ['one container', [{ name: 'agent', image: 'busybox:1.36' }], ['agent', 'busybox:1.36']],
    [
      'three containers',
      [
        { name: 'agent', image: 'busybox:1.36' },
        { name: 'exporter', image: 'prom/node-exporter:v1.8.0' },
        { name: 'shipper', image: 'fluent/fluent-bit:3.0' },
      ],
      ['agent,exporter,shipper', 'busybox:1.36,prom/node-exporter:v1.8.0,fluent/fluent-bit:3.0'],
    ],
    ['no containers', [], ['', '']],
  ];
  for (const [name, containers, want] of cases) {
    const obj = daemonSet({ spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { containers } } } });
    t.same(daemonSetTable.cells(obj, now).slice(8, 10), want, name);
  }
  const noTemplate = daemonSetTable.cells(daemonSet({ spec: {} }), now);
  t.same(noTemplate.slice(6), ['<none>', '2s', '', '', '<none>'], 'no template and no selector');
});

t.test('the daemonset Node Selector prints sorted k=v pairs or <none>', async (t) => {
  const cases: Array<[string, Record<string, string> | undefined, string]> = [
    ['unset', undefined, '<none>'],
    ['empty', {}, '<none>'],
    ['one pair', { 'kubernetes.io/os': 'linux' }, 'kubernetes.io/os=linux'],
    ['pairs sorted by key', { zone: 'b', 'kubernetes.io/os': 'linux', disktype: 'ssd' }, 'disktype=ssd,kubernetes.io/os=linux,zone=b'],
    ['an empty value', { gpu: '' }, 'gpu='],
  ];
  for (const [name, nodeSelector, want] of cases) {
    t.equal(formatLabels(nodeSelector), want, `formatLabels: ${name}`);
    const obj = daemonSet({ spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector, containers: [] } } } });
    t.equal(daemonSetTable.cells(obj, now)[6], want, `cell: ${name}`);
  }
});

t.test('the daemonset Selector uses the label selector string form', async (t) => {
  const cases: Array<[string, LabelSelector | undefined | null, string]> = [
    ['missing', undefined, '<none>'],
    ['null', null, '<none>'],
    ['empty', {}, '<none>'],
    ['empty lists', { matchLabels: {}, matchExpressions: [] }, '<none>'],
    ['one match label', { matchLabels: { app: 'agent' } }, 'app=agent'],
    ['match labels sorted by key', { matchLabels: { tier: 'node', app: 'agent', 'app.kubernetes.io/name': 'agent' } }, 'app=agent,app.kubernetes.io/name=agent,tier=node'],
    ['In with one value', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, 'env in (prod)'],
    ['In with values sorted', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev', 'qa'] }] }, 'env in (dev,prod,qa)'],
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['test', 'dev'] }] }, 'env notin (dev,test)'],
    ['Exists', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, 'gpu'],
    ['Exists with an empty values list', { matchExpressions: [{ key: 'gpu', operator: 'Exists', values: [] }] }, 'gpu'],
    ['DoesNotExist', { matchExpressions: [{ key: 'spot', operator: 'DoesNotExist' }] }, '!spot'],
    [
      'labels and expressions sorted together by key, not by text',
      {
        matchLabels: { tier: 'node', app: 'agent' },
        matchExpressions: [
          { key: 'zone', operator: 'NotIn', values: ['c'] },
          { key: 'env', operator: 'In', values: ['prod'] },
          { key: 'beta', operator: 'DoesNotExist' },
        ],
      },
      'app=agent,!beta,env in (prod),tier=node,zone notin (c)',
    ],
    [
      'a match label before an expression on the same key',
      { matchLabels: { app: 'agent' }, matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      'app=agent,app',
    ],
    [
      'expressions on the same key keep their order',
      {
        matchExpressions: [
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'env', operator: 'Exists' },
        ],
      },
      'env notin (dev),env',
    ],
    ['an unknown operator', { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] }, '<error>'],
    ['In without values', { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }, '<error>'],
    ['NotIn without values', { matchExpressions: [{ key: 'env', operator: 'NotIn' }] }, '<error>'],
    ['Exists with values', { matchExpressions: [{ key: 'gpu', operator: 'Exists', values: ['x'] }] }, '<error>'],
    ['DoesNotExist with values', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist', values: ['x'] }] }, '<error>'],
    ['an invalid label key', { matchLabels: { 'bad key': 'x' } }, '<error>'],
    ['an invalid label value', { matchLabels: { app: 'not valid!' } }, '<error>'],
    ['an invalid expression key', { matchExpressions: [{ key: 'a/b/c', operator: 'Exists' }] }, '<error>'],
    ['an invalid expression value', { matchExpressions: [{ key: 'env', operator: 'In', values: ['-dash'] }] }, '<error>'],
    ['an invalid key prefix', { matchLabels: { 'Example.com/app': 'x' } }, '<error>'],
    ['an empty label value is valid', { matchLabels: { app: '' } }, 'app='],
    ['a prefixed key', { matchLabels: { 'example.com/app': 'x' } }, 'example.com/app=x'],
  ];
  for (const [name, selector, want] of cases) {
    t.equal(formatLabelSelector(selector), want, `formatLabelSelector: ${name}`);
    const obj = daemonSet({ spec: { selector: selector ?? undefined, template: { spec: { containers: [] } } } });
    t.equal(daemonSetTable.cells(obj, now)[10], want, `cell: ${name}`);
  }
});

t.test('the daemonset age renders <unknown> without a creation timestamp', async (t) => {
  const obj = daemonSet();
  delete obj.metadata.creationTimestamp;
  t.equal(daemonSetTable.cells(obj, now)[7], '<unknown>');
});
