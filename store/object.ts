// The loosely typed object every layer passes around: any Kubernetes kind, keyed by its metadata.
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** kubernetes-types marks every field readonly; objects being built or defaulted need them writable. */
export type DeepWritable<T> = T extends (infer E)[]
  ? DeepWritable<E>[]
  : T extends readonly (infer E)[]
    ? DeepWritable<E>[]
    : T extends object
      ? { -readonly [K in keyof T]: DeepWritable<T[K]> }
      : T;

export type ObjectMetaData = DeepWritable<ObjectMeta>;

/** A Kubernetes object as stored and served. Kind-specific code narrows it with kubernetes-types. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaData;
  [field: string]: unknown;
}

/** Deep-freezes an object tree in place and returns it; stored objects are immutable. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value as object)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** A mutable deep copy of a (possibly frozen) JSON value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON equality for JSON-shaped values, key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}
