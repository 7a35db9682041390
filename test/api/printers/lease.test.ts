import t from 'tap';
import type { KubeObject } from '../../../store/object.js';
import { leaseTable } from '../../../api/printers/lease.js';

const now = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

function lease(spec: unknown): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: ago(7 * 3600 + 59 * 60) },
    ...(spec === undefined ? {} : { spec }),
  };
}

t.test('lease columns are Name, Holder and Age', async (t) => {
  t.same(
    leaseTable.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Holder', 'string', '', 0],
      ['Age', 'string', '', 0],
    ],
  );
});

t.test('lease rows print the holder identity, empty when unheld', async (t) => {
  const cases: Array<[string, KubeObject, unknown[]]> = [
    ['held', lease({ holderIdentity: 'node-1', leaseDurationSeconds: 40 }), ['node-1', 'node-1', '7h59m']],
    ['no holder', lease({ leaseDurationSeconds: 40 }), ['node-1', '', '7h59m']],
    ['no spec', lease(undefined), ['node-1', '', '7h59m']],
  ];
  for (const [name, obj, want] of cases) {
    const cells = leaseTable.cells(obj, now);
    t.same(cells, want, name);
    t.equal(cells.length, leaseTable.columns.length, `${name}: one cell per column`);
  }
});
