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
    // Every write freezes a whole object: arrays by index, objects by own key, without a key list.
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    } else {
      for (const key in value) if (Object.hasOwn(value, key)) deepFreeze((value as Record<string, unknown>)[key]);
    }
  }
  return value;
}

/** A mutable deep copy of a (possibly frozen) JSON value. */
export function clone<T>(value: T): T {
  return copyJson(value) as T;
}

// A plain recursive copy: several times faster than structuredClone on Kubernetes objects, and
// every write copies one. Anything but plain objects and arrays goes to structuredClone.
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const copied = copyJson((value as Record<string, unknown>)[key]);
    // A "__proto__" key (JSON.parse makes it an own property) must stay a property, not become the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copied, enumerable: true, writable: true, configurable: true });
    else out[key] = copied;
  }
  return out;
}

/**
 * A copy of a stored (frozen) object to change by replacing parts, not editing them: the object,
 * its metadata, spec and status are the copy's own (shallow) copies; everything deeper is still
 * the stored object's, frozen and shared until replaced. A write that replaces a few fields (a
 * status, a label) then copies, freezes, compares and checks only what it replaced.
 */
export function writableCopy(obj: KubeObject): KubeObject {
  const copy: KubeObject = { ...obj, metadata: { ...obj.metadata } };
  if (isPlainObject(obj.spec)) copy.spec = { ...obj.spec };
  if (isPlainObject(obj.status)) copy.status = { ...obj.status };
  return copy;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Whether a and b, plain JSON values, serialise to the same text: jsonEqual, and their keys in the same order.
 * A quarter of the cost of comparing the two texts, and nothing to collect afterwards.
 */
export function sameJsonText(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonText(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  const bk = Object.keys(bo);
  // Keys whose value is undefined are not in the text.
  for (let i = 0, j = 0; ; i++, j++) {
    while (i < ak.length && ao[ak[i]!] === undefined) i++;
    while (j < bk.length && bo[bk[j]!] === undefined) j++;
    if (i === ak.length || j === bk.length) return i === ak.length && j === bk.length;
    if (ak[i] !== bk[j] || !sameJsonText(ao[ak[i]!], bo[bk[j]!])) return false;
  }
}

/** JSON equality for JSON-shaped values, key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  // Every update compares whole objects: no key lists, no closures.
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ao) {
    if (!Object.hasOwn(ao, k) || ao[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (Object.hasOwn(bo, k) && bo[k] !== undefined) defined--;
  return defined === 0;
}
