// Column-definition helpers shared by the per-kind printers.
import type { TableColumn } from '../types.js';
import type { KubeObject } from '../../store/object.js';
import { translateTimestampSince } from './duration.js';

type ColumnType = TableColumn['type'];

/** A column definition; priority 1 marks a column kubectl shows only with `-o wide`. */
export function column(name: string, type: ColumnType, description: string, priority = 0, format = ''): TableColumn {
  return { name, type, format, description, priority };
}

/** The leading Name column every upstream printer declares. */
export const nameColumn: TableColumn = column('Name', 'string', 'Name of the object, unique within its namespace.', 0, 'name');

/** The Age column: time since metadata.creationTimestamp. */
export const ageColumn: TableColumn = column('Age', 'string', 'Time elapsed since the object was created.');

/** The Age cell of any object at `now`. */
export function ageCell(obj: KubeObject, now: Date): string {
  return translateTimestampSince(obj.metadata.creationTimestamp, now);
}

/** Views a stored object as its kubernetes-types kind; fields are still read defensively. */
export function asKind<T>(obj: KubeObject): T {
  return obj as unknown as T;
}
