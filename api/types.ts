// The shape of the resource table and of per-kind strategies (kube-apiserver's generic registry
// contract). A new kind is one ResourceDefinition: the generic handler and registry do the rest.
import type { KubeObject } from '../store/object.js';
import type { FieldError } from './field-errors.js';

/** A column definition of a meta.k8s.io/v1 Table. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type TableCell = string | number | boolean | null;

/** What a strategy is told about the request that reaches it. */
export interface StrategyContext {
  /** The time of the request (injected clock). */
  now: Date;
}

/** Per-kind behaviour, with kube-apiserver's hook names. Hooks mutate only their first argument. */
export interface Strategy {
  /** Fills defaults (upstream's SetDefaults_*); applied on create and update, before validation. */
  applyDefaults?(obj: KubeObject): void;
  /** Clears status, sets generation = 1 and the like; mutates obj. */
  prepareForCreate?(obj: KubeObject, ctx: StrategyContext): void;
  /** Keeps old status, bumps generation only on spec change; mutates obj (old is frozen). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Returns field errors of a new object; never mutates. */
  validate?(obj: KubeObject): FieldError[];
  /** Returns field errors of an update; never mutates. */
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Status subresource: keeps everything but status from old; mutates obj. */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  /** Returns field errors of a status update; never mutates. */
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** Seconds of graceful deletion for this object (upstream CheckGracefulDelete); 0 deletes at once. */
  checkGracefulDelete?(obj: KubeObject, requestedSeconds: number | undefined): number;
  /** Marks an object whose deletion is pending (a namespace's phase Terminating); mutates obj. */
  prepareForDelete?(obj: KubeObject, ctx: StrategyContext): void;
  /**
   * True while a deleted object must stay although it has no metadata.finalizers (a namespace
   * until its spec.finalizers are empty). Absent means false.
   */
  deletionBlocked?(obj: KubeObject): boolean;
}

/** Update rules of a subresource that owns part of an object (pods/binding, namespaces/finalize). */
export interface SubresourceStrategy {
  /** Keeps everything the subresource does not own from old; mutates obj. */
  prepareForUpdate(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
}

/** How a kind prints as a Table: upstream's columns, and one row of cells per object. */
export interface TablePrinter {
  columns: readonly TableColumn[];
  /** One cell per column (wide cells included), computed at `now`. */
  cells(obj: KubeObject, now: Date): TableCell[];
  /** Optional row conditions (pods in a terminal phase carry `Completed`). */
  conditions?(obj: KubeObject): Array<{ type: string; status: string; reason?: string; message?: string }> | undefined;
}

/** Field selector support: the fields a kind accepts, each mapped to the string it compares. */
export type FieldSelectorFields = Readonly<Record<string, (obj: KubeObject) => string>>;

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** A subresource served under `/{resource}/{name}/{subresource}`. */
export interface SubresourceDefinition {
  name: string;
  /** The kind of the request/response body, when it is not the parent's kind. */
  group?: string;
  version?: string;
  kind: string;
  verbs: readonly string[];
}

/** One row of the resource table. */
export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  verbs: readonly Verb[];
  subresources: readonly SubresourceDefinition[];
  strategy: Strategy;
  /** Strategies of subresources other than status, by subresource name. */
  subresourceStrategies?: Readonly<Record<string, SubresourceStrategy>>;
  table: TablePrinter;
  /** Fields beyond metadata.name and metadata.namespace that field selectors accept. */
  fieldSelectors: FieldSelectorFields;
  /** DELETE answers with the deleted object instead of a Success Status (upstream's ReturnDeletedObject). */
  returnDeletedObject?: boolean;
}

export function apiVersionOf(def: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
