import t from 'tap';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../store/object.js';
import { eventTable } from '../../../api/printers/event.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();
// MicroTime as the API serializes it.
const microAgo = (seconds: number): string => ago(seconds).replace(/\.(\d{3})Z$/, '.$1000Z');

type EventInput = Partial<Omit<Event, 'metadata'>>;

function event(input: EventInput): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'agent.17d2a', namespace: 'default', creationTimestamp: ago(600) },
    involvedObject: { kind: 'DaemonSet', name: 'agent', namespace: 'default', apiVersion: 'apps/v1' },
    type: 'Normal',
    reason: 'SuccessfulCreate',
    message: 'Created pod: agent-x7k2p',
    source: { component: 'daemonset-controller' },
    firstTimestamp: ago(600),
    lastTimestamp: ago(120),
    count: 3,
    ...input,
  } as KubeObject;
}

const column = (name: string) => eventTable.columns.findIndex((c) => c.name === name);
const cell = (obj: KubeObject, name: string) => eventTable.cells(obj, now)[column(name)];

t.test('event columns are upstream names, types and priorities in upstream order', async (t) => {
  t.same(
    eventTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Last Seen', 'string', '', 0],
      ['Type', 'string', '', 0],
      ['Reason', 'string', '', 0],
      ['Object', 'string', '', 0],
      ['Subobject', 'string', '', 1],
      ['Source', 'string', '', 1],
      ['Message', 'string', '', 0],
      ['First Seen', 'string', '', 1],
      ['Count', 'string', '', 1],
      ['Name', 'string', 'name', 1],
    ],
  );
});

t.test('an event prints every cell including the wide ones', async (t) => {
  const obj = event({ involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' }, source: { component: 'kubelet', host: 'node-1' } });
  const cells = eventTable.cells(obj, now);
  t.same(cells, ['2m', 'Normal', 'SuccessfulCreate', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-1', 'Created pod: agent-x7k2p', '10m', 3, 'agent.17d2a']);
  t.equal(cells.length, eventTable.columns.length);
});

t.test('event Last Seen, First Seen and Count follow the upstream fallbacks', async (t) => {
  const cases: Array<[string, EventInput, [string, string, number]]> = [
    ['both timestamps', {}, ['2m', '10m', 3]],
    ['no lastTimestamp falls back to First Seen', { lastTimestamp: undefined }, ['10m', '10m', 3]],
    ['a zero lastTimestamp falls back to First Seen', { lastTimestamp: '0001-01-01T00:00:00Z' }, ['10m', '10m', 3]],
    ['no firstTimestamp uses eventTime', { firstTimestamp: undefined, lastTimestamp: undefined, eventTime: microAgo(30) }, ['30s', '30s', 3]],
    ['a zero firstTimestamp uses eventTime', { firstTimestamp: '0001-01-01T00:00:00Z', eventTime: microAgo(30) }, ['2m', '30s', 3]],
    ['no timestamps at all', { firstTimestamp: undefined, lastTimestamp: undefined }, ['<unknown>', '<unknown>', 3]],
    ['a zero count becomes 1', { count: 0 }, ['2m', '10m', 1]],
    ['a missing count becomes 1', { count: undefined }, ['2m', '10m', 1]],
    [
      'a series overrides Last Seen and Count',
      { firstTimestamp: undefined, lastTimestamp: undefined, eventTime: microAgo(3600), count: undefined, series: { count: 17, lastObservedTime: microAgo(5) } },
      ['5s', '60m', 17],
    ],
    ['a series without count prints 0', { series: { lastObservedTime: microAgo(5) } }, ['5s', '10m', 0]],
    ['a series without lastObservedTime prints <unknown>', { series: { count: 2 } }, ['<unknown>', '10m', 2]],
    ['a future lastTimestamp is invalid', { lastTimestamp: ago(-60) }, ['<invalid>', '10m', 3]],
  ];
  for (const [name, input, want] of cases) {
    const obj = event(input);
    t.same([cell(obj, 'Last Seen'), cell(obj, 'First Seen'), cell(obj, 'Count')], want, name);
  }
});

t.test('event Object is the lowercase kind and the name', async (t) => {
  const cases: Array<[string, Event['involvedObject'], string]> = [
    ['a DaemonSet', { kind: 'DaemonSet', name: 'agent' }, 'daemonset/agent'],
    ['a Node', { kind: 'Node', name: 'node-1' }, 'node/node-1'],
    ['no name', { kind: 'Namespace' }, 'namespace'],
    ['no kind', { name: 'orphan' }, '/orphan'],
    ['nothing', {}, ''],
  ];
  for (const [name, involvedObject, want] of cases) t.equal(cell(event({ involvedObject }), 'Object'), want, name);
});

t.test('event Source falls back to the reporting controller and instance', async (t) => {
  const cases: Array<[string, EventInput, string]> = [
    ['component only', { source: { component: 'scheduler' } }, 'scheduler'],
    ['component and host', { source: { component: 'kubelet', host: 'node-1' } }, 'kubelet, node-1'],
    ['reporting fields only', { source: {}, reportingComponent: 'kubelet', reportingInstance: 'node-2' }, 'kubelet, node-2'],
    ['source wins over reporting fields', { source: { component: 'kubelet', host: 'node-1' }, reportingComponent: 'other', reportingInstance: 'node-9' }, 'kubelet, node-1'],
    ['host from the reporting instance', { source: { component: 'kubelet' }, reportingInstance: 'node-3' }, 'kubelet, node-3'],
    ['instance without component', { source: { host: 'node-1' } }, ', node-1'],
    ['no source at all', { source: undefined }, ''],
  ];
  for (const [name, input, want] of cases) t.equal(cell(event(input), 'Source'), want, name);
});

t.test('event Message is trimmed and the other cells default to empty', async (t) => {
  const obj = event({ message: '\n  Back-off restarting failed container\t \n', type: undefined, reason: undefined, involvedObject: { kind: 'Pod', name: 'p' } });
  t.equal(cell(obj, 'Message'), 'Back-off restarting failed container');
  t.equal(cell(obj, 'Type'), '');
  t.equal(cell(obj, 'Reason'), '');
  t.equal(cell(obj, 'Subobject'), '');
  t.equal(cell(event({ message: undefined }), 'Message'), '');
});
