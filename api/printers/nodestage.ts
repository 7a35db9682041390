// Table printing for kubemock.dev/v1alpha1 NodeStage.
import type { TablePrinter } from '../types.js';
import { KUBELET_NOT_READY, nodeStageSpecOf } from '../kinds/nodestage.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';
import { pct, selectorCell, startupCell } from './podstage.js';

/** NodeStage table: Name, Selector, Startup, Not-Ready, Heartbeat, Age; wide: Field-Selector, Message. */
export const nodeStageTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Selector', 'string', 'The label selector of the nodes the stage applies to.'),
    column('Startup', 'string', 'How long after creation the node reports Ready (plus jitter).'),
    column('Not-Ready', 'string', 'Share of nodes that report Ready=False, and the reason.'),
    column('Heartbeat', 'string', 'How often the kubelet posts node status.'),
    ageColumn,
    column('Field-Selector', 'string', 'The node field selector, if any.', 1),
    column('Message', 'string', 'The message of the Ready=False condition.', 1),
  ],
  cells(obj, now) {
    const spec = nodeStageSpecOf(obj);
    const { startup, notReady } = spec;
    return [
      obj.metadata.name ?? '',
      selectorCell(spec.selector),
      startupCell(startup, '<none>'),
      notReady ? `${pct(notReady.fraction)} (${notReady.reason ?? KUBELET_NOT_READY})` : '<none>',
      spec.heartbeat?.intervalMs !== undefined ? `${spec.heartbeat.intervalMs}ms` : '<default>',
      ageCell(obj, now),
      spec.fieldSelector || '<none>',
      notReady ? (notReady.message ?? '<default>') : '<none>',
    ];
  },
};
