// Table printing for core/v1 Namespace (upstream printNamespace).
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { TablePrinter } from '../types.js';
import { ageCell, ageColumn, asKind, column, nameColumn } from './columns.js';

/** Namespace table: Name, Status (the phase), Age. */
export const namespaceTable: TablePrinter = {
  columns: [nameColumn, column('Status', 'string', 'Lifecycle phase of the namespace.'), ageColumn],
  cells(obj, now) {
    const ns = asKind<Namespace>(obj);
    return [obj.metadata.name ?? '', ns.status?.phase ?? '', ageCell(obj, now)];
  },
};
