// Table printing for apps/v1 ControllerRevision (upstream printControllerRevision).
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { TablePrinter } from '../types.js';
import { ageCell, ageColumn, asKind, column, nameColumn } from './columns.js';

/** ControllerRevision table: Name, Controller (`daemonset.apps/agent`, else `<none>`), Revision, Age. */
export const controllerRevisionTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Controller', 'string', 'Object that controls this revision, as kind.group/name.'),
    // Declared as string upstream although the cell is an integer.
    column('Revision', 'string', 'Revision number of the stored state.'),
    ageColumn,
  ],
  cells(obj, now) {
    const revision = asKind<ControllerRevision>(obj);
    const owner = (obj.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
    return [obj.metadata.name ?? '', owner ? controllerName(owner) : '<none>', revision.revision ?? 0, ageCell(obj, now)];
  },
};

function controllerName(owner: OwnerReference): string {
  const kind = owner.kind ?? '';
  const group = groupOf(owner.apiVersion ?? '');
  if (!kind && !group) return owner.name;
  const groupKind = group ? `${kind}.${group}` : kind;
  return `${groupKind.toLowerCase()}/${owner.name}`;
}

// The group of an apiVersion as schema.ParseGroupVersion reads it: `v1` and `` are the core group.
function groupOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  return parts.length === 2 ? parts[0] : '';
}
