// Helpers shared by the kind strategies: status-subresource bookkeeping and semantic equality.
import { clone, isPlainObject, jsonEqual, type KubeObject } from '../../store/object.js';

/** A plain-object view of an optional field, for reading loosely typed input. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

/**
 * metav1.ResetObjectMetaForStatus: a status write may not change labels, annotations, finalizers,
 * owners, generation or deletion fields; they are taken from old. Mutates obj.
 */
export function resetObjectMetaForStatus(obj: KubeObject, old: KubeObject): void {
  const meta = obj.metadata;
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    const value = old.metadata[key];
    if (value === undefined) delete meta[key];
    else (meta as Record<string, unknown>)[key] = value; // old's, frozen: shared, not copied
  }
}

/** Status subresource: every top-level field but status comes from old, and metadata per ResetObjectMetaForStatus. Mutates obj. */
export function keepAllButStatus(obj: KubeObject, old: KubeObject): void {
  for (const key of Object.keys(obj)) if (key !== 'metadata' && key !== 'status') delete obj[key];
  for (const [key, value] of Object.entries(old)) if (key !== 'metadata' && key !== 'status') obj[key] = value; // old's, frozen: shared
  resetObjectMetaForStatus(obj, old);
}

/** Main resource: a write may not set status, which keeps old's. Mutates obj. */
export function keepOldStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

// Go's decoder drops what JSON cannot tell from a zero value (omitempty), so absent, null, "",
// [] and {} all decode alike; apiequality.Semantic.DeepEqual also treats nil and empty as equal.
function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = prune(v);
    if (p === undefined || p === null || p === '') continue;
    if (Array.isArray(p) && p.length === 0) continue;
    if (isPlainObject(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out;
}

/** Semantic equality of two API values: absent, null, empty string, [] and {} fields are equal. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return jsonEqual(prune(a), prune(b));
}
