import t from 'tap';
import { eventStrategy } from '../../../api/kinds/event.js';
import { validateObjectMetaCreate } from '../../../api/validation.js';
import type { FieldError } from '../../../api/field-errors.js';
import type { KubeObject } from '../../../store/object.js';

function create(obj: KubeObject): FieldError[] {
  eventStrategy.applyDefaults!(obj);
  return [...validateObjectMetaCreate(obj.metadata, { namespaced: true, strategy: eventStrategy }), ...eventStrategy.validate!(obj)];
}

function brief(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

/** An event as client-go's EventRecorder posts it. */
function recorded(namespace: string, involved: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.17c1a2b3c4d5e6f7', namespace },
    involvedObject: involved,
    reason: 'Scheduled',
    message: 'Successfully assigned default/web to node-1',
    source: { component: 'default-scheduler' },
    firstTimestamp: '2024-05-01T10:00:00Z',
    lastTimestamp: '2024-05-01T10:00:00Z',
    count: 1,
    type: 'Normal',
  };
}

t.test('recorder events are accepted and get Go\'s empty fields', async (t) => {
  const obj = recorded('default', { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u1', apiVersion: 'v1' });
  t.same(create(obj), []);
  t.equal(obj.eventTime, null);
  t.equal(obj.reportingComponent, '');
  t.equal(obj.reportingInstance, '');
  t.equal(obj.count, 1);
});

t.test('node events live in default with an empty involved namespace', async (t) => {
  t.same(create(recorded('default', { kind: 'Node', name: 'node-1', uid: 'node-1' })), []);
});

t.test('the involved object\'s namespace must match the event\'s', async (t) => {
  const cases: Array<[string, KubeObject, string[]]> = [
    ['another namespace', recorded('default', { kind: 'Pod', namespace: 'team-a', name: 'web' }), ['involvedObject.namespace: Invalid value: "team-a": does not match event.namespace']],
    ['a cluster object outside default', recorded('team-a', { kind: 'Node', name: 'node-1' }), ['involvedObject.namespace: Invalid value: "": does not match event.namespace']],
  ];
  for (const [name, obj, expected] of cases) t.same(brief(create(obj)), expected, name);
});

t.test('new-style events must name their reporter and action', async (t) => {
  const obj: KubeObject = {
    metadata: { name: 'e1', namespace: 'default' },
    eventTime: '2024-05-01T10:00:00.000000Z',
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
    reason: 'Started',
  };
  t.same(brief(create(obj)), [
    'reportingController: Required value',
    'reportingController: Invalid value: "": name part must be non-empty',
    "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    'reportingInstance: Required value',
    'action: Required value',
  ]);
});

t.test('event names only have to be path segments', async (t) => {
  t.same(create(recorded('default', { kind: 'Pod', namespace: 'default', name: 'web' })), []);
  const obj = recorded('default', { kind: 'Pod', namespace: 'default', name: 'web' });
  obj.metadata.name = 'Web.Upper';
  t.same(create(obj), []);
  obj.metadata.name = 'a/b';
  t.same(brief(create(obj)), ["metadata.name: Invalid value: \"a/b\": may not contain '/'"]);
});
