// Table printing for kubemock.dev/v1alpha1 DaemonSetPlacement: the counts, and why nodes are left
// out, grouped by reason (`taint dedicated=gpu:NoSchedule is not tolerated (node-3, node-4)`).
import type { TablePrinter } from '../types.js';
import { placementStatusOf } from '../kinds/daemonsetplacement.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';

const NODES_SHOWN = 3;

/** The reasons nodes get no pod, each followed by the nodes it applies to; `<none>` when every node is served. */
export function placementReasonSummary(nodes: ReturnType<typeof placementStatusOf>['nodes']): string {
  const byReason = new Map<string, string[]>();
  for (const n of nodes ?? []) {
    for (const r of n.reasons ?? []) {
      const list = byReason.get(r.message) ?? [];
      list.push(n.nodeName);
      byReason.set(r.message, list);
    }
  }
  if (byReason.size === 0) return '<none>';
  return [...byReason]
    .map(([message, names]) => `${message} (${names.slice(0, NODES_SHOWN).join(', ')}${names.length > NODES_SHOWN ? ` +${names.length - NODES_SHOWN} more` : ''})`)
    .join('; ');
}

/** DaemonSetPlacement table: Name, Eligible, Scheduled, Not-Eligible, Pending, Reasons, Age. */
export const daemonSetPlacementTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Eligible', 'integer', 'Nodes that should run a daemon pod.'),
    column('Scheduled', 'integer', 'Eligible nodes that have their daemon pod.'),
    column('Not-Eligible', 'integer', 'Nodes that get no daemon pod.'),
    column('Pending', 'integer', 'Eligible nodes still without a scheduled daemon pod.'),
    column('Reasons', 'string', 'Why nodes get no daemon pod, each with the nodes it applies to.'),
    ageColumn,
  ],
  cells(obj, now) {
    const s = placementStatusOf(obj);
    return [obj.metadata.name ?? '', s.numberEligible ?? 0, s.numberScheduled ?? 0, s.numberNotEligible ?? 0, s.numberPending ?? 0, placementReasonSummary(s.nodes), ageCell(obj, now)];
  },
};
