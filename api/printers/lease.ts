// Table printing for coordination.k8s.io/v1 Lease (upstream printLease).
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { TablePrinter } from '../types.js';
import { ageCell, ageColumn, asKind, column, nameColumn } from './columns.js';

/** Lease table: Name, Holder (spec.holderIdentity, empty when unset), Age. */
export const leaseTable: TablePrinter = {
  columns: [nameColumn, column('Holder', 'string', 'Identity of the current holder of the lease.'), ageColumn],
  cells(obj, now) {
    const lease = asKind<Lease>(obj);
    return [obj.metadata.name ?? '', lease.spec?.holderIdentity ?? '', ageCell(obj, now)];
  },
};
