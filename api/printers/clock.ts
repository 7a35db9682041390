// Table printing for kubemock.dev/v1alpha1 Clock.
import type { TablePrinter } from '../types.js';
import { clockSpecOf, type ClockStatus } from '../kinds/clock.js';
import { statusOf } from '../kinds/steering-common.js';
import { ageCell, ageColumn, column, nameColumn } from './columns.js';

/** Clock table: Name, Mode, Time (the cluster's now), Target (spec.time), Settled, Age. */
export const clockTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Mode', 'string', 'Virtual (time moves when advanced) or Real.'),
    column('Time', 'string', 'The cluster\'s current time.'),
    column('Target', 'string', 'The time spec asks for.'),
    column('Settled', 'string', 'Whether the clock reached its target and the cluster caught up.'),
    ageColumn,
  ],
  cells(obj, now) {
    const status = statusOf(obj) as ClockStatus;
    const settled = status.conditions?.find((c) => c.type === 'Settled');
    const current = settled && settled.observedGeneration !== undefined && settled.observedGeneration < (obj.metadata.generation ?? 1) ? 'False' : (settled?.status ?? 'Unknown');
    return [obj.metadata.name ?? '', status.mode ?? '<unknown>', status.mode === 'Virtual' ? now.toISOString().replace(/\.\d{3}Z$/, 'Z') : (status.time ?? '<unknown>'), clockSpecOf(obj).time ?? '<none>', current, ageCell(obj, now)];
  },
};
