// Server-side printing: turns objects into a meta.k8s.io Table with the kind's columns.
import type { KubeObject } from '../store/object.js';
import { badRequest } from '../store/status-error.js';
import type { ResourceDefinition } from '../api/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(value: string | undefined): IncludeObject {
  if (value === undefined || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  // optionsForTransform: ValidateTableOptions' single error, as a BadRequest.
  throw badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(value)}: must be 'Metadata', 'Object', 'None', or empty`);
}

/** metadata-only form of an object (PartialObjectMetadata). */
export function partialObjectMetadata(obj: KubeObject, version: 'v1' | 'v1beta1' = 'v1'): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export interface TableOptions {
  now: Date;
  includeObject: IncludeObject;
  version: 'v1' | 'v1beta1';
  /** Watch events after the first carry no column definitions. */
  withColumns: boolean;
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

/** Builds the Table for objects of one kind. */
export function buildTable(def: ResourceDefinition, objects: readonly KubeObject[], options: TableOptions): Record<string, unknown> {
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: def.table.cells(obj, options.now) };
    const conditions = def.table.conditions?.(obj);
    if (conditions?.length) row.conditions = conditions;
    if (options.includeObject === 'Object') row.object = obj;
    else if (options.includeObject === 'Metadata') row.object = partialObjectMetadata(obj, options.version);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.listMeta ?? {},
    columnDefinitions: options.withColumns ? def.table.columns : null,
    rows,
  };
}
