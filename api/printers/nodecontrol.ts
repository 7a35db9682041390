// Table printing for kubemock.dev/v1alpha1 NodeControl.
import type { TablePrinter } from '../types.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';
import { specOf, statusOf } from '../kinds/steering-common.js';

/** NodeControl table: Name, Kubelet (asked for), Node-Ready (observed), Taints (the node's), Age. */
export const nodeControlTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Kubelet', 'string', 'Whether the node\'s simulated kubelet runs (Running) or is stopped (Stopped).'),
    column('Node-Ready', 'string', 'Status of the node\'s Ready condition: True, False or Unknown.'),
    column('Taints', 'string', 'The node\'s taints as key:Effect.'),
    ageColumn,
  ],
  cells(obj, now) {
    const status = statusOf(obj);
    const taints = Array.isArray(status.taints) ? (status.taints as unknown[]).map(String) : [];
    return [
      obj.metadata.name ?? '',
      String(specOf(obj).kubelet ?? 'Running'),
      typeof status.nodeReady === 'string' && status.nodeReady ? status.nodeReady : '<unknown>',
      taints.length ? taints.join(',') : '<none>',
      ageCell(obj, now),
    ];
  },
};
