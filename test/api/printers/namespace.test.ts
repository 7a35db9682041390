import t from 'tap';
import type { KubeObject } from '../../../store/object.js';
import { namespaceTable } from '../../../api/printers/namespace.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

// A null creationTimestamp leaves the field out.
function namespace(status: unknown, creationTimestamp: string | null = ago(45)): KubeObject {
  const metadata = creationTimestamp === null ? { name: 'team-a' } : { name: 'team-a', creationTimestamp };
  return { apiVersion: 'v1', kind: 'Namespace', metadata, ...(status === undefined ? {} : { status }) };
}

t.test('namespace columns are Name, Status and Age', async (t) => {
  t.same(
    namespaceTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Status', 'string', '', 0],
      ['Age', 'string', '', 0],
    ],
  );
});

t.test('namespace rows print the phase and age', async (t) => {
  const cases: Array<[string, KubeObject, unknown[]]> = [
    ['active', namespace({ phase: 'Active' }), ['team-a', 'Active', '45s']],
    ['terminating', namespace({ phase: 'Terminating' }, ago(2 * 3600 + 5 * 60)), ['team-a', 'Terminating', '125m']],
    ['no status yet', namespace(undefined), ['team-a', '', '45s']],
    ['status without phase', namespace({}), ['team-a', '', '45s']],
    ['no creation timestamp', namespace({ phase: 'Active' }, null), ['team-a', 'Active', '<unknown>']],
  ];
  for (const [name, obj, want] of cases) {
    const cells = namespaceTable.cells(obj, now);
    t.same(cells, want, name);
    t.equal(cells.length, namespaceTable.columns.length, `${name}: one cell per column`);
  }
});
