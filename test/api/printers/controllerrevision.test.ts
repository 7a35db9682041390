import t from 'tap';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../../store/object.js';
import { controllerRevisionTable } from '../../../api/printers/controllerrevision.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

// A null revision or controller flag leaves the field out.
function revision(ownerReferences: OwnerReference[] | undefined, rev: number | null = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'agent-6b8d9f7c4', namespace: 'default', creationTimestamp: ago(90), ownerReferences },
    data: {},
    ...(rev === null ? {} : { revision: rev }),
  };
}

const owner = (apiVersion: string, kind: string, name: string, controller: boolean | null = true): OwnerReference => ({
  apiVersion,
  kind,
  name,
  uid: '0b6c7e7e-0000-4000-8000-000000000001',
  ...(controller === null ? {} : { controller }),
});

t.test('controllerrevision columns are upstream names, types and priorities', async (t) => {
  t.same(
    controllerRevisionTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Controller', 'string', '', 0],
      ['Revision', 'string', '', 0],
      ['Age', 'string', '', 0],
    ],
  );
});

t.test('a controllerrevision row prints name, controller, integer revision and age', async (t) => {
  const cells = controllerRevisionTable.cells(revision([owner('apps/v1', 'DaemonSet', 'agent')], 3), now);
  t.same(cells, ['agent-6b8d9f7c4', 'daemonset.apps/agent', 3, '90s']);
  t.equal(cells.length, controllerRevisionTable.columns.length);
});

t.test('the Controller cell names the controlling owner as kind.group/name', async (t) => {
  const cases: Array<[string, OwnerReference[] | undefined, string]> = [
    ['a DaemonSet', [owner('apps/v1', 'DaemonSet', 'agent')], 'daemonset.apps/agent'],
    ['a StatefulSet', [owner('apps/v1', 'StatefulSet', 'db')], 'statefulset.apps/db'],
    ['a core-group owner has no group suffix', [owner('v1', 'ReplicationController', 'rc')], 'replicationcontroller/rc'],
    ['a custom group is lowercased with the kind', [owner('Example.COM/v1beta1', 'Widget', 'w')], 'widget.example.com/w'],
    ['no owners', undefined, '<none>'],
    ['an empty owner list', [], '<none>'],
    ['owners that are not controllers', [owner('apps/v1', 'DaemonSet', 'agent', false), owner('apps/v1', 'DaemonSet', 'other', null)], '<none>'],
    ['the controller among several owners', [owner('v1', 'Pod', 'p', false), owner('apps/v1', 'DaemonSet', 'agent')], 'daemonset.apps/agent'],
    ['the first of two controllers', [owner('apps/v1', 'DaemonSet', 'first'), owner('apps/v1', 'DaemonSet', 'second')], 'daemonset.apps/first'],
    ['no kind and no group prints just the name', [owner('v1', '', 'bare')], 'bare'],
    ['a group without kind', [owner('apps/v1', '', 'x')], '.apps/x'],
  ];
  for (const [name, refs, want] of cases) t.equal(controllerRevisionTable.cells(revision(refs), now)[1], want, name);
});

t.test('a missing revision prints 0', async (t) => {
  t.equal(controllerRevisionTable.cells(revision(undefined, null), now)[2], 0);
});
