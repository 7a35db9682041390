// Field ownership: the field sets of sigs.k8s.io/structured-merge-diff (fieldpath, typed) and the
// managedFields bookkeeping that kube-apiserver's field manager does for every write
// (k8s.io/apimachinery/pkg/util/managedfields/internal). Server-side apply builds on this module
// (api/server-side-apply.ts); the registry calls recordManagedFields and keepManagedFieldsTimestamps.
import { clone, isPlainObject, jsonEqual, type KubeObject } from '../store/object.js';
import { formatTimestamp } from '../store/store.js';
import { mergesElements, patchSchemaFor, type PatchSchema } from './patch-metadata.js';
import { apiVersionOf, type ResourceDefinition } from './types.js';

/** A JSON value as structured-merge-diff sees it. */
export type FieldValue = null | boolean | number | string | FieldValue[] | { [key: string]: FieldValue };

/** One step of a field path: a field name, a keyed list item, a set member or a list index. */
export type PathElement =
  | { readonly field: string }
  | { readonly key: ReadonlyArray<readonly [string, FieldValue]> }
  | { readonly value: FieldValue }
  | { readonly index: number };

export type FieldPath = readonly PathElement[];

// ---------------------------------------------------------------------------------------------
// Values: upstream's total order (value.Compare) and Go's JSON encoding of them.

function valueRank(v: FieldValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null && typeof v === 'object') return 4;
  return 5;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** value.Compare: numbers, strings, booleans, lists, maps, null; each ordered within its kind. */
export function compareValues(a: FieldValue, b: FieldValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bb = b as FieldValue[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = compareValues(a[i]!, bb[i]!);
      if (c !== 0) return c;
    }
    return a.length - bb.length < 0 ? -1 : a.length === bb.length ? 0 : 1;
  }
  if (a !== null && typeof a === 'object') {
    const bo = b as Record<string, FieldValue>;
    const ak = Object.keys(a).sort();
    const bk = Object.keys(bo).sort();
    for (let i = 0; i < Math.min(ak.length, bk.length); i++) {
      const c = compareStrings(ak[i]!, bk[i]!) || compareValues(a[ak[i]!]!, bo[bk[i]!]!);
      if (c !== 0) return c;
    }
    return ak.length < bk.length ? -1 : ak.length === bk.length ? 0 : 1;
  }
  return 0;
}

/** JSON as Go's encoding/json writes it: HTML-safe strings, object keys sorted. */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${goJson(k)}:${goJson(obj[k])}`).join(',')}}`;
}

/** value.ToString, used in path strings: strings quoted, others as Go prints them. */
function valueToString(v: FieldValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(', ')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${k}=${valueToString(v[k]!)}`)
    .join(', ')}}`;
}

// ---------------------------------------------------------------------------------------------
// Path elements: order, string form and the fieldsV1 key encoding (f:, k:, v:, i:).

function peRank(pe: PathElement): number {
  return 'field' in pe ? 0 : 'key' in pe ? 1 : 'value' in pe ? 2 : 3;
}

/** PathElement.Compare: fields, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ra = peRank(a);
  const rb = peRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if ('field' in a) return compareStrings(a.field, (b as { field: string }).field);
  if ('key' in a) {
    const bk = (b as { key: ReadonlyArray<readonly [string, FieldValue]> }).key;
    for (let i = 0; ; i++) {
      if (i >= a.key.length && i >= bk.length) return 0;
      if (i >= a.key.length) return -1;
      if (i >= bk.length) return 1;
      const c = compareStrings(a.key[i]![0], bk[i]![0]) || compareValues(a.key[i]![1], bk[i]![1]);
      if (c !== 0) return c;
    }
  }
  if ('value' in a) return compareValues(a.value, (b as { value: FieldValue }).value);
  const bi = (b as { index: number }).index;
  return a.index < bi ? -1 : a.index > bi ? 1 : 0;
}

/** The fieldsV1 key of a path element: `f:name`, `k:{"name":"c"}`, `v:"x"` or `i:0`. */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) return fieldKey(pe.field);
  if ('key' in pe) return `k:{${pe.key.map(([name, v]) => `${goJson(name)}:${goJson(v)}`).join(',')}}`;
  if ('value' in pe) return `v:${goJson(pe.value)}`;
  return `i:${pe.index}`;
}

class UnknownPathElement extends Error {}

/** Parses a fieldsV1 key; throws on malformed keys, UnknownPathElement on unknown prefixes. */
export function parsePathElement(text: string): PathElement {
  if (text.length < 2) throw new Error(`key must be 2 characters long: ${text}`);
  if (text[1] !== ':') throw new Error(`missing colon: ${text}`);
  const body = text.slice(2);
  switch (text[0]) {
    case 'f':
      return { field: body };
    case 'v':
      return { value: JSON.parse(body) as FieldValue };
    case 'k': {
      const parsed = JSON.parse(body) as unknown;
      if (!isPlainObject(parsed)) throw new Error(`key must be a JSON object: ${text}`);
      return keyElement(Object.entries(parsed) as Array<[string, FieldValue]>);
    }
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new Error(`invalid index: ${text}`);
      return { index: Number(body) };
    }
    default:
      throw new UnknownPathElement(text);
  }
}

/** A keyed-item path element, its fields sorted by name as upstream's FieldList. */
export function keyElement(entries: ReadonlyArray<readonly [string, FieldValue]>): PathElement {
  return { key: [...entries].sort((a, b) => compareStrings(a[0], b[0])) };
}

/** Path.String: `.spec.containers[name="c"].image`, `[="x"]` for set members, `[0]` for indexes. */
export function pathToString(path: FieldPath): string {
  return path
    .map((pe) => {
      if ('field' in pe) return `.${pe.field}`;
      if ('key' in pe) return `[${pe.key.map(([k, v]) => `${k}=${valueToString(v)}`).join(',')}]`;
      if ('value' in pe) return `[=${valueToString(pe.value)}]`;
      return `[${pe.index}]`;
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Field sets (fieldpath.Set): members at each level plus child sets, kept keyed by their fieldsV1
// key so equal elements meet; order is applied when serializing or iterating.

interface ChildNode {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** A path as a walk builds it: the last element, its fieldsV1 key (serialized once), and the rest. */
export interface PathLink {
  readonly parent: PathLink | undefined;
  readonly pe: PathElement;
  readonly key: string;
  /** The node of this path in the set last inserted below it (siblings share their parent's). */
  inSet?: FieldSet;
  node?: FieldSet;
}

/** The link of a struct field below parent. */
function fieldLink(parent: PathLink | undefined, field: string): PathLink {
  return { parent, pe: { field }, key: fieldKey(field) };
}

/**
 * `f:<field>`, the same string each time for a name: every write emits these as fieldsV1
 * property names, and a string seen before is already internalized (cheap to add as a key).
 */
function fieldKey(field: string): string {
  let key = FIELD_KEYS.get(field);
  if (key === undefined) {
    // Label and annotation names are as many as clients make: the memo is bounded.
    if (FIELD_KEYS.size >= 8192) FIELD_KEYS.clear();
    FIELD_KEYS.set(field, (key = `f:${field}`));
  }
  return key;
}

const FIELD_KEYS = new Map<string, string>();

/** A set of field paths. Sets are built with insert and then treated as values: operations return new sets that may share parts. */
export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, ChildNode>();

  /** A set of the given paths (parents are not members unless listed). */
  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path; the empty path (the whole object) is never tracked. */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]!);
    const last = path[path.length - 1]!;
    node.members.set(serializePathElement(last), last);
  }

  private descend(pe: PathElement): FieldSet {
    return this.descendKey(serializePathElement(pe), pe);
  }

  private descendKey(key: string, pe: PathElement): FieldSet {
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = { pe, set: new FieldSet() }));
    return child.set;
  }

  /** insert for a walked path: its elements' keys are serialized once, where the walk made them. */
  insertLink(link: PathLink | undefined): void {
    if (link === undefined) return;
    this.nodeAt(link.parent).members.set(link.key, link.pe);
  }

  private nodeAt(link: PathLink | undefined): FieldSet {
    if (link === undefined) return this;
    if (link.inSet !== this) {
      link.node = this.nodeAt(link.parent).descendKey(link.key, link.pe);
      link.inSet = this;
    }
    return link.node!;
  }

  /** No members and no children at all (a cheaper, stricter test than empty()). */
  private bare(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(serializePathElement(path[i]!))?.set;
    return node !== undefined && node.members.has(serializePathElement(path[path.length - 1]!));
  }

  /** Whether pe is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe));
  }

  /** The subset under pe, without the prefix (empty when there is none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? new FieldSet();
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.empty()) return false;
    return true;
  }

  /** The number of members at every level. */
  size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.set.size();
    return n;
  }

  union(other: FieldSet): FieldSet {
    // Sets are values once built: a union with nothing can be the set itself.
    if (other.bare()) return this;
    if (this.bare()) return other;
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of other.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      out.children.set(k, { pe: c.pe, set: o ? c.set.union(o.set) : c.set });
    }
    for (const [k, c] of other.children) if (!this.children.has(k)) out.children.set(k, c);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const res = c.set.intersection(o.set);
      if (!res.empty()) out.children.set(k, { pe: c.pe, set: res });
    }
    return out;
  }

  /** Members of this not in other; a parent minus a child keeps the parent, a child minus a parent stays. */
  difference(other: FieldSet): FieldSet {
    if (other.bare()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) {
        out.children.set(k, c);
        continue;
      }
      const diff = c.set.difference(o.set);
      if (!diff.empty()) out.children.set(k, { pe: c.pe, set: diff });
    }
    return out;
  }

  /** Like difference, but a member of other also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.bare()) return this;
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      if (!o) {
        out.children.set(k, c);
        continue;
      }
      const diff = c.set.recursiveDifference(o.set);
      if (!diff.empty()) out.children.set(k, { pe: c.pe, set: diff });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.members.size !== other.members.size || this.children.size !== other.children.size) return false;
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o || !c.set.equals(o.set)) return false;
    }
    return true;
  }

  private sortedMembers(): PathElement[] {
    return [...this.members.values()].sort(comparePathElements);
  }

  private sortedChildren(): ChildNode[] {
    return [...this.children.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
  }

  /** Calls fn for every member path, members of a level before its children (upstream's order). */
  iterate(fn: (path: FieldPath) => void, prefix: FieldPath = []): void {
    for (const pe of this.sortedMembers()) fn([...prefix, pe]);
    for (const c of this.sortedChildren()) c.set.iterate(fn, [...prefix, c.pe]);
  }

  /** Every member path, in iteration order. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    this.iterate((p) => out.push(p));
    return out;
  }

  /** The path strings of every member, one per line, as fieldpath.Set.String. */
  toString(): string {
    return this.paths().map(pathToString).join('\n');
  }

  /** The fieldsV1 form: nested `f:`/`k:`/`v:`/`i:` keys in upstream's order, `.` marking a member that has children. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && (this.members.size > 0 || this.children.size > 0)) out['.'] = {};
    const keys = [...this.members.keys()];
    for (const k of this.children.keys()) if (!this.members.has(k)) keys.push(k);
    // Field names order as their `f:` keys do; other elements need PathElement.Compare.
    if (keys.every((k) => k.startsWith('f:'))) keys.sort();
    else {
      const peOf = (k: string): PathElement => this.members.get(k) ?? this.children.get(k)!.pe;
      keys.sort((a, b) => comparePathElements(peOf(a), peOf(b)));
    }
    for (const k of keys) {
      const child = this.children.get(k);
      out[k] = child ? child.set.emit(this.members.has(k)) : {};
    }
    return out;
  }

  /** Reads fieldsV1; unknown key kinds are dropped as upstream does; malformed keys throw. */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (fields === undefined || fields === null) return new FieldSet();
    if (!isPlainObject(fields)) throw new Error('fieldsV1 must be a JSON object');
    return FieldSet.read(fields).set ?? new FieldSet();
  }

  private static read(obj: Record<string, unknown>): { set?: FieldSet; member: boolean } {
    let set: FieldSet | undefined;
    let member = false;
    for (const [key, value] of Object.entries(obj)) {
      if (key === '.') {
        member = true;
        continue;
      }
      let pe: PathElement;
      try {
        pe = parsePathElement(key);
      } catch (err) {
        if (err instanceof UnknownPathElement) continue;
        throw new Error(`parsing key as path element: ${(err as Error).message}`);
      }
      if (!isPlainObject(value)) throw new Error(`the value of ${JSON.stringify(key)} must be a JSON object`);
      const child = FieldSet.read(value);
      set ??= new FieldSet();
      if (child.member) set.members.set(serializePathElement(pe), pe);
      if (child.set) {
        const k = serializePathElement(pe);
        set.children.set(k, { pe, set: child.set });
      }
    }
    if (!set) member = true;
    return { set, member };
  }

  /** Adds, at every level, the named (struct) fields that only have children (EnsureNamedFieldsAreMembers). */
  ensureNamedFieldsAreMembers(schema: SchemaNode): FieldSet {
    const out = new FieldSet();
    const node = schemaWithoutValue(schema);
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      let childSchema: SchemaNode = OPEN;
      if ('field' in c.pe && node.type === 'map') {
        const f = fieldOf(node, c.pe.field);
        if (f.named) out.members.set(k, c.pe);
        childSchema = f.node;
      } else if ('key' in c.pe && node.type === 'list') childSchema = node.items;
      out.children.set(k, { pe: c.pe, set: c.set.ensureNamedFieldsAreMembers(childSchema) });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas: what structured-merge-diff reads from OpenAPI (x-kubernetes-list-type, -list-map-keys,
// -map-type, structType). Objects are structs (every key a named field) unless marked as maps;
// lists are atomic unless associative.

export type SchemaNode =
  | { readonly type: 'scalar' }
  /** Deduced from the value: objects are structs of open fields, lists are atomic. */
  | { readonly type: 'open' }
  | {
      readonly type: 'map';
      /** Named (struct) fields. */
      readonly fields?: Readonly<Record<string, SchemaNode>>;
      /** The type of keys that are not named fields; absent means open named fields (a struct). */
      readonly values?: SchemaNode;
      readonly atomic?: boolean;
    }
  | {
      readonly type: 'list';
      readonly relationship: 'atomic' | 'set' | 'map';
      readonly keys?: readonly string[];
      readonly keyDefaults?: Readonly<Record<string, FieldValue>>;
      readonly items: SchemaNode;
    };

type MapNode = Extract<SchemaNode, { type: 'map' }>;
type ListNode = Extract<SchemaNode, { type: 'list' }>;

export const SCALAR: SchemaNode = { type: 'scalar' };
export const OPEN: SchemaNode = { type: 'open' };
const OPEN_STRUCT: MapNode = { type: 'map' };
const OPEN_LIST: ListNode = { type: 'list', relationship: 'atomic', items: OPEN };

/** The concrete node for a value (open nodes deduce from it). */
function resolve(node: SchemaNode, value: unknown): SchemaNode {
  if (node.type !== 'open') return node;
  if (Array.isArray(value)) return OPEN_LIST;
  if (isPlainObject(value)) return OPEN_STRUCT;
  return SCALAR;
}

function schemaWithoutValue(node: SchemaNode): SchemaNode {
  return node.type === 'open' ? OPEN_STRUCT : node;
}

/** The type of a map key and whether it is a named field. */
function fieldOf(node: MapNode, key: string): { node: SchemaNode; named: boolean } {
  if (node.fields && Object.hasOwn(node.fields, key)) return { node: node.fields[key]!, named: true };
  if (node.values) return { node: node.values, named: false };
  return { node: OPEN, named: true };
}

/** fieldOf(node, key).node, without making the pair. */
function fieldNode(node: MapNode, key: string): SchemaNode {
  if (node.fields && Object.hasOwn(node.fields, key)) return node.fields[key]!;
  return node.values ?? OPEN;
}

/** Whether a value fits a node's shape (null fits every container). */
function shapeFits(node: SchemaNode, value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (node.type === 'map') return isPlainObject(value);
  if (node.type === 'list') return Array.isArray(value);
  return true;
}

/** A schema error at a path, as upstream's ValidationError prints it. */
export class SchemaError extends Error {
  constructor(readonly errors: Array<{ path: string; message: string }>) {
    super(errors.length === 1 ? SchemaError.line(errors[0]!) : ['errors:', ...errors.map((e) => `  ${SchemaError.line(e)}`)].join('\n'));
    this.name = 'SchemaError';
  }

  private static line(e: { path: string; message: string }): string {
    return e.path ? `${e.path}: ${e.message}` : e.message;
  }
}

/** listItemToPathElement: the key of an associative list item, the value of a set member, else the index. */
function itemElement(list: ListNode, index: number, item: unknown): PathElement {
  if (list.relationship === 'map' && list.keys?.length) {
    if (item === null) throw new Error('associative list with keys may not have a null element');
    if (!isPlainObject(item)) throw new Error('associative list with keys may not have non-map elements');
    const entries: Array<[string, FieldValue]> = [];
    for (const name of list.keys) {
      if (Object.hasOwn(item, name)) entries.push([name, item[name] as FieldValue]);
      else if (list.keyDefaults && Object.hasOwn(list.keyDefaults, name)) entries.push([name, list.keyDefaults[name]!]);
      else throw new Error(`associative list with keys has an element that omits key field ${JSON.stringify(name)} (and doesn't have default value)`);
    }
    return keyElement(entries);
  }
  if (list.relationship === 'set' || list.relationship === 'map') {
    if (isPlainObject(item)) throw new Error("associative list without keys has an element that's a map type");
    if (Array.isArray(item)) throw new Error('not supported: associative list with lists as elements');
    if (item === null) throw new Error("associative list without keys has an element that's an explicit null");
    return { value: item as FieldValue };
  }
  return { index };
}

/** Indexes the items of an associative list by path element; the first of duplicates wins. */
function indexItems(
  list: ListNode,
  items: unknown[] | null | undefined,
  path: FieldPath,
  errors: SchemaErrors | undefined,
  strict: boolean,
): { order: PathElement[]; keys: string[]; byKey: Map<string, unknown> } {
  const order: PathElement[] = [];
  const keys: string[] = [];
  const byKey = new Map<string, unknown>();
  if (!items) return { order, keys, byKey };
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let pe: PathElement;
    try {
      pe = itemElement(list, i, item);
    } catch (err) {
      errors?.add(path, `element ${i}: ${(err as Error).message}`);
      continue;
    }
    const k = serializePathElement(pe);
    if (byKey.has(k)) {
      if (strict) errors?.add(path, `duplicate entries for key ${pathToString([pe])}`);
      continue;
    }
    byKey.set(k, item);
    order.push(pe);
    keys.push(k);
  }
  return { order, keys, byKey };
}

class SchemaErrors {
  readonly list: Array<{ path: string; message: string }> = [];
  add(path: FieldPath, message: string): void {
    this.list.push({ path: pathToString(path), message });
  }
  throwIfAny(): void {
    if (this.list.length) throw new SchemaError(this.list);
  }
}

// ---------------------------------------------------------------------------------------------
// Typed operations: ToFieldSet, Compare, Merge, RemoveItems (structured-merge-diff's typed package).

/**
 * The set of every leaf field and list item a value mentions (TypedValue.ToFieldSet). Struct
 * fields that hold maps are not members themselves; map keys and list items are. With strict,
 * values that do not fit the schema, items without keys and duplicate keys throw SchemaError.
 */
export function toFieldSet(schema: SchemaNode, value: unknown, options: { strict?: boolean } = {}): FieldSet {
  const set = new FieldSet();
  const errors = new SchemaErrors();
  const walk = (node: SchemaNode, v: unknown, path: FieldPath): void => {
    const t = resolve(node, v);
    if (!shapeFits(t, v)) {
      if (options.strict) errors.add(path, `expected ${t.type}, got ${goJson(v)}`);
      set.insert(path);
      return;
    }
    if (t.type === 'scalar' || t.type === 'open') {
      set.insert(path);
      return;
    }
    if (t.type === 'list') {
      if (t.relationship === 'atomic') {
        set.insert(path);
        return;
      }
      if (!Array.isArray(v)) return;
      const { order, byKey } = indexItems(t, v, path, errors, options.strict ?? false);
      if (!options.strict || order.length === v.length) {
        for (const pe of order) {
          const child = [...path, pe];
          walk(t.items, byKey.get(serializePathElement(pe)), child);
          set.insert(child);
        }
      }
      return;
    }
    if (t.atomic) {
      set.insert(path);
      return;
    }
    if (!isPlainObject(v)) return;
    for (const [key, val] of Object.entries(v)) {
      if (val === undefined) continue;
      const f = fieldOf(t, key);
      const child = [...path, { field: key }];
      walk(f.node, val, child);
      if (!f.named) set.insert(child);
    }
  };
  walk(schema, value, []);
  if (options.strict) errors.throwIfAny();
  return set;
}

/** What changed between two values (typed.Comparison). */
export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** TypedValue.Compare: leaves added, removed or modified; containers added or removed as a whole. */
export function compareValuesTyped(schema: SchemaNode, lhs: unknown, rhs: unknown): Comparison {
  const c: Comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  // Every write runs this over its whole object: paths are links whose keys are serialized once,
  // and nothing is allocated for a subtree that has no differences to record.
  const leaf = (l: unknown, r: unknown, link: PathLink | undefined): void => {
    if (l === undefined) c.added.insertLink(link);
    else if (r === undefined) c.removed.insertLink(link);
    else if (l !== r && !jsonEqual(l, r)) c.modified.insertLink(link);
  };
  const walk = (node: SchemaNode, l: unknown, r: unknown, link: PathLink | undefined): void => {
    const t = resolve(node, r !== undefined && r !== null ? r : l);
    if (t.type === 'scalar' || t.type === 'open' || !shapeFits(t, l) || !shapeFits(t, r)) return leaf(l, r, link);
    if (t.type === 'list') {
      const ll = Array.isArray(l) ? l : null;
      const rl = Array.isArray(r) ? r : null;
      if (t.relationship === 'atomic' || ((ll?.length ?? 0) === 0 && (rl?.length ?? 0) === 0)) return leaf(l, r, link);
      const li = indexItems(t, ll, NO_PATH, undefined, false);
      const ri = indexItems(t, rl, NO_PATH, undefined, false);
      for (let i = 0; i < ri.order.length; i++) {
        const k = ri.keys[i]!;
        walk(t.items, li.byKey.get(k), ri.byKey.get(k), { parent: link, pe: ri.order[i]!, key: k });
      }
      for (let i = 0; i < li.order.length; i++) {
        const k = li.keys[i]!;
        if (!ri.byKey.has(k)) walk(t.items, li.byKey.get(k), undefined, { parent: link, pe: li.order[i]!, key: k });
      }
    } else {
      const lm = isPlainObject(l) ? l : null;
      const rm = isPlainObject(r) ? r : null;
      if (t.atomic || (isEmptyMap(lm) && isEmptyMap(rm))) return leaf(l, r, link);
      // Keys of l, then those only r has (the order of a Set of both).
      if (lm) {
        for (const key of Object.keys(lm)) {
          const lv = lm[key];
          const rv = rm?.[key];
          if (lv === undefined && rv === undefined) continue;
          walk(fieldNode(t, key), lv, rv, fieldLink(link, key));
        }
      }
      if (rm) {
        for (const key of Object.keys(rm)) {
          if (lm && Object.hasOwn(lm, key)) continue;
          const lv = lm?.[key];
          const rv = rm[key];
          if (lv === undefined && rv === undefined) continue;
          walk(fieldNode(t, key), lv, rv, fieldLink(link, key));
        }
      }
    }
    if (l === undefined) c.added.insertLink(link);
    else if (r === undefined) c.removed.insertLink(link);
  };
  walk(schema, lhs, rhs, undefined);
  return c;
}

const NO_PATH: FieldPath = [];

function isEmptyMap(m: Record<string, unknown> | null): boolean {
  if (!m) return true;
  for (const key in m) if (Object.hasOwn(m, key)) return false;
  return true;
}

/**
 * TypedValue.Merge with ruleKeepRHS: rhs wins at leaves and atomic nodes, maps merge key by key,
 * associative lists merge by key keeping lhs order for shared items and rhs order for the rest.
 * Throws SchemaError for rhs items without keys or with duplicate keys.
 */
export function mergeTyped(schema: SchemaNode, lhs: unknown, rhs: unknown): unknown {
  const errors = new SchemaErrors();
  const walk = (node: SchemaNode, l: unknown, r: unknown, path: FieldPath): unknown => {
    if (r === undefined) return l;
    if (l === undefined) return r;
    const t = resolve(node, r !== null ? r : l);
    if (t.type === 'scalar' || t.type === 'open' || !shapeFits(t, l) || !shapeFits(t, r)) return r;
    if (t.type === 'list') {
      const ll = Array.isArray(l) ? l : null;
      const rl = Array.isArray(r) ? r : null;
      if (t.relationship === 'atomic' || ((ll?.length ?? 0) === 0 && (rl?.length ?? 0) === 0)) return r;
      return mergeList(t, ll, rl, path, walk, errors);
    }
    const lm = isPlainObject(l) ? l : null;
    const rm = isPlainObject(r) ? r : null;
    const empty = (m: Record<string, unknown> | null) => !m || Object.keys(m).length === 0;
    if (t.atomic || (empty(lm) && empty(rm))) return r;
    const out: Record<string, unknown> = {};
    for (const [key, lv] of Object.entries(lm ?? {})) {
      const v = walk(fieldOf(t, key).node, lv, rm?.[key], [...path, { field: key }]);
      if (v !== undefined) out[key] = v;
    }
    for (const [key, rv] of Object.entries(rm ?? {})) {
      if (lm && Object.hasOwn(lm, key)) continue;
      const v = walk(fieldOf(t, key).node, undefined, rv, [...path, { field: key }]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  const result = walk(schema, lhs, rhs, []);
  errors.throwIfAny();
  return result;
}

type MergeWalk = (node: SchemaNode, l: unknown, r: unknown, path: FieldPath) => unknown;

/** mergingWalker.visitListItems: the ordering of structured-merge-diff. */
function mergeList(t: ListNode, lhs: unknown[] | null, rhs: unknown[] | null, path: FieldPath, walk: MergeWalk, errors: SchemaErrors): unknown {
  const r = indexItems(t, rhs, path, errors, true);
  const l = indexItems(t, lhs, path, undefined, false);
  const key = (pe: PathElement) => serializePathElement(pe);
  const shared = r.order.filter((pe) => l.byKey.has(key(pe)));
  let nextShared: PathElement | undefined = shared.shift();
  const out: unknown[] = [];
  const push = (pe: PathElement, lv: unknown, rv: unknown) => {
    const v = walk(t.items, lv, rv, [...path, pe]);
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < l.order.length || ri < r.order.length) {
    if (li < l.order.length && ri < r.order.length) {
      const pe = l.order[li]!;
      if (key(pe) === key(r.order[ri]!)) {
        push(pe, l.byKey.get(key(pe)), r.byKey.get(key(pe)));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (r.byKey.has(key(pe)) && nextShared !== undefined && key(nextShared) !== key(pe)) {
        li++;
        continue;
      }
    }
    if (li < l.order.length) {
      const pe = l.order[li]!;
      if (!r.byKey.has(key(pe))) {
        push(pe, l.byKey.get(key(pe)), undefined);
        li++;
        continue;
      }
    }
    if (ri < r.order.length) {
      const pe = r.order[ri]!;
      push(pe, l.byKey.get(key(pe)), r.byKey.get(key(pe)));
      ri++;
      if (nextShared !== undefined && key(nextShared) === key(pe)) nextShared = shared.shift();
    }
  }
  return out.length ? out : undefined;
}

/**
 * TypedValue.RemoveItems: drops every field and item that is a member of the set, descending
 * only where the set has children. Containers left empty become null, as upstream.
 */
export function removeItems(schema: SchemaNode, value: unknown, set: FieldSet): unknown {
  const walk = (node: SchemaNode, v: unknown, s: FieldSet): unknown => {
    const t = resolve(node, v);
    if (t.type === 'scalar' || t.type === 'open') return v;
    if (t.type === 'list') {
      if (!Array.isArray(v) || v.length === 0 || t.relationship === 'atomic') return null;
      const items: unknown[] = [];
      v.forEach((item, i) => {
        let pe: PathElement;
        try {
          pe = itemElement(t, i, item);
        } catch {
          items.push(item);
          return;
        }
        if (s.hasMember(pe)) return;
        const sub = s.withPrefix(pe);
        items.push(sub.empty() ? item : walk(t.items, item, sub));
      });
      return items.length ? items : null;
    }
    if (!isPlainObject(v) || Object.keys(v).length === 0 || t.atomic) return null;
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(v)) {
      const pe = { field: key };
      if (s.hasMember(pe)) continue;
      const sub = s.withPrefix(pe);
      out[key] = sub.empty() ? val : walk(fieldOf(t, key).node, val, sub);
    }
    return Object.keys(out).length ? out : null;
  };
  return walk(schema, value, set);
}

// ---------------------------------------------------------------------------------------------
// The schemas of the served kinds: list types from api/patch-metadata.ts (a merge list with a
// merge key is a map list keyed by it, a merged primitive list is a set, the rest atomic), plus
// what server-side apply knows beyond strategic merge patch (free-form and atomic maps, atomic
// structs, multi-key lists).

interface Overlay {
  /** map: a free-form map[string]string; atomic-map: +mapType=atomic; atomic: +structType=atomic or an atomic list. */
  readonly shape?: 'map' | 'atomic-map' | 'atomic';
  /** +listType=map with these +listMapKey (overrides the patch merge key). */
  readonly keys?: readonly string[];
  readonly keyDefaults?: Readonly<Record<string, FieldValue>>;
  readonly fields?: Readonly<Record<string, Overlay>>;
  readonly items?: Overlay;
}

const MAP: Overlay = { shape: 'map' };
const ATOMIC: Overlay = { shape: 'atomic' };

const META_OVERLAY: Overlay = { fields: { labels: MAP, annotations: MAP, ownerReferences: { items: ATOMIC } } };
const CONTAINER_OVERLAY: Overlay = {
  fields: {
    ports: { keys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } },
    env: { items: { fields: { valueFrom: { fields: { fieldRef: ATOMIC, resourceFieldRef: ATOMIC, configMapKeyRef: ATOMIC, secretKeyRef: ATOMIC } } } } },
    envFrom: { items: { fields: { configMapRef: ATOMIC, secretRef: ATOMIC } } },
    resources: { fields: { limits: MAP, requests: MAP, claims: { keys: ['name'] } } },
  },
};
const POD_SPEC_OVERLAY: Overlay = {
  fields: {
    nodeSelector: { shape: 'atomic-map' },
    overhead: MAP,
    containers: { items: CONTAINER_OVERLAY },
    initContainers: { items: CONTAINER_OVERLAY },
    ephemeralContainers: { items: CONTAINER_OVERLAY },
    imagePullSecrets: { items: ATOMIC },
    topologySpreadConstraints: { keys: ['topologyKey', 'whenUnsatisfiable'], items: { fields: { labelSelector: ATOMIC } } },
    affinity: {
      fields: {
        nodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: ATOMIC } },
      },
    },
    volumes: { items: { fields: { csi: { fields: { volumeAttributes: MAP, nodePublishSecretRef: ATOMIC } } } } },
  },
};
const OVERLAYS: ReadonlyMap<string, Overlay> = new Map<string, Overlay>([
  ['/Namespace', { fields: { metadata: META_OVERLAY } }],
  ['/Node', { fields: { metadata: META_OVERLAY, spec: { fields: { configSource: { fields: { configMap: ATOMIC } } } }, status: { fields: { capacity: MAP, allocatable: MAP } } } }],
  ['/Pod', { fields: { metadata: META_OVERLAY, spec: POD_SPEC_OVERLAY } }],
  ['/Event', { fields: { metadata: META_OVERLAY, involvedObject: ATOMIC, related: ATOMIC } }],
  ['apps/DaemonSet', { fields: { metadata: META_OVERLAY, spec: { fields: { selector: ATOMIC, template: { fields: { metadata: META_OVERLAY, spec: POD_SPEC_OVERLAY } } } } } }],
  ['apps/ControllerRevision', { fields: { metadata: META_OVERLAY, data: ATOMIC } }],
  ['coordination.k8s.io/Lease', { fields: { metadata: META_OVERLAY } }],
]);

/** Builds a schema node from a patch schema and the server-side apply overlay. */
function derive(patch: PatchSchema | undefined, overlay: Overlay | undefined): SchemaNode {
  if (overlay?.shape === 'map' || overlay?.shape === 'atomic-map') return { type: 'map', values: SCALAR, ...(overlay.shape === 'atomic-map' ? { atomic: true } : {}) };
  if (patch?.type === 'list' || overlay?.keys) {
    const list = patch?.type === 'list' ? patch : undefined;
    const items = derive(list?.items, overlay?.items);
    if (overlay?.keys) return { type: 'list', relationship: 'map', keys: overlay.keys, ...(overlay.keyDefaults ? { keyDefaults: overlay.keyDefaults } : {}), items };
    if (overlay?.shape !== 'atomic' && list && mergesElements(list.strategy)) {
      if (list.mergeKey) return { type: 'list', relationship: 'map', keys: [list.mergeKey], items };
      return { type: 'list', relationship: 'set', items: SCALAR };
    }
    return { type: 'list', relationship: 'atomic', items };
  }
  if (overlay?.shape === 'atomic') return { type: 'map', atomic: true };
  if (patch?.type !== 'object' && !overlay?.fields) return OPEN;
  const fields: Record<string, SchemaNode> = {};
  const patchFields = patch?.type === 'object' ? (patch.fields ?? {}) : {};
  for (const key of new Set([...Object.keys(patchFields), ...Object.keys(overlay?.fields ?? {})])) {
    fields[key] = derive(patchFields[key], overlay?.fields?.[key]);
  }
  return { type: 'map', fields };
}

const SCHEMA_CACHE = new Map<string, SchemaNode>();

/** The server-side apply schema of a kind (unknown kinds: every object a struct, every list atomic). */
export function ssaSchemaFor(group: string, kind: string): SchemaNode {
  const id = `${group}/${kind}`;
  let schema = SCHEMA_CACHE.get(id);
  if (!schema) SCHEMA_CACHE.set(id, (schema = derive(patchSchemaFor(group, kind), OVERLAYS.get(id))));
  return schema;
}

/**
 * What a kind's Go zero value holds when converted to unstructured: the non-pointer structs and
 * the non-omitempty fields. Compare fills these in on both sides, so that a value struct is never
 * "added" as a whole (its fields are), just as the apiserver sees typed objects.
 */
const ZERO_OBJECTS: ReadonlyMap<string, Record<string, unknown>> = new Map<string, Record<string, unknown>>([
  ['/Namespace', { metadata: {}, spec: {}, status: {} }],
  ['/Node', { metadata: {}, spec: {}, status: { daemonEndpoints: { kubeletEndpoint: {} }, nodeInfo: {} } }],
  ['/Pod', { metadata: {}, spec: { containers: null }, status: {} }],
  ['/Event', { metadata: {}, involvedObject: {}, source: {} }],
  ['apps/DaemonSet', { metadata: {}, spec: { template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, updateStrategy: {} }, status: {} }],
  ['apps/ControllerRevision', { metadata: {} }],
  ['coordination.k8s.io/Lease', { metadata: {}, spec: {} }],
]);

/** Fills the zero-value skeleton into a copy of obj (only where obj has nothing). */
function withZeroValues(zero: Record<string, unknown> | undefined, obj: unknown): unknown {
  if (!zero) return obj;
  if (obj === undefined) return zero;
  if (!isPlainObject(obj)) return obj;
  const out: Record<string, unknown> = { ...obj };
  for (const [key, z] of Object.entries(zero)) {
    if (out[key] === undefined) out[key] = z;
    else if (isPlainObject(z) && isPlainObject(out[key])) out[key] = withZeroValues(z, out[key]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Managed fields: decode, encode, and the Updater of structured-merge-diff.

/** One ownership record: the fields, the API version they were written in, and whether by Apply. */
export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** Decoded managedFields: sets and times keyed by manager identifier (BuildManagerIdentifier). */
export interface Managed {
  fields: Map<string, VersionedSet>;
  times: Map<string, string>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

export function cloneManaged(m: Managed): Managed {
  return { fields: new Map([...m.fields].map(([k, v]) => [k, { ...v }])), times: new Map(m.times) };
}

/** A metav1.ManagedFieldsEntry as it travels. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

/** BuildManagerIdentifier: the entry without fields and time (and without apiVersion for appliers), as Go JSON. */
export function managerIdentifier(entry: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const parts: string[] = [];
  if (entry.manager) parts.push(`"manager":${goJson(entry.manager)}`);
  if (entry.operation) parts.push(`"operation":${goJson(entry.operation)}`);
  if (entry.apiVersion && entry.operation !== 'Apply') parts.push(`"apiVersion":${goJson(entry.apiVersion)}`);
  if (entry.subresource) parts.push(`"subresource":${goJson(entry.subresource)}`);
  return `{${parts.join(',')}}`;
}

/** The parts of a manager identifier. */
export function parseManagerIdentifier(id: string): { manager?: string; operation?: string; apiVersion?: string; subresource?: string } {
  try {
    const parsed = JSON.parse(id) as unknown;
    if (isPlainObject(parsed)) return parsed as { manager?: string };
  } catch {
    // fall through
  }
  return { manager: id };
}

/** DecodeManagedFields: throws on entries upstream refuses (bad operation, empty apiVersion, fieldsType). */
export function decodeManagedFields(entries: unknown): Managed {
  const managed = emptyManaged();
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((raw, i) => {
    if (!isPlainObject(raw)) throw new Error(`managed fields entry ${i} must be an object`);
    const entry = raw as ManagedFieldsEntry;
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (typeof entry.apiVersion !== 'string' || entry.apiVersion.length < 1) throw new Error('apiVersion must not be empty');
    if (entry.fieldsType === undefined || entry.fieldsType === '') throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (entry.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(entry.fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier(entry);
    managed.fields.set(id, { set: FieldSet.fromFieldsV1(entry.fieldsV1), apiVersion: entry.apiVersion, applied: entry.operation === 'Apply' });
    if (typeof entry.time === 'string') managed.times.set(id, entry.time);
    else managed.times.delete(id);
  });
  return managed;
}

function timeSeconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** EncodeObjectManagedFields: entries sorted by operation, time, manager, apiVersion, subresource; undefined when empty. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.fields.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed.fields) {
    const parts = parseManagerIdentifier(id);
    const entry: ManagedFieldsEntry = {};
    if (parts.manager) entry.manager = parts.manager;
    const operation = vs.applied ? 'Apply' : (parts.operation ?? 'Update');
    entry.operation = operation;
    entry.apiVersion = vs.apiVersion;
    const time = managed.times.get(id);
    if (time !== undefined) entry.time = time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = vs.set.toFieldsV1();
    if (parts.subresource) entry.subresource = parts.subresource;
    entries.push(entry);
  }
  const cmp = (a: string | undefined, b: string | undefined) => compareStrings(a ?? '', b ?? '');
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      timeSeconds(p.time) - timeSeconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
}

/** A field owned by another manager that a write would change (merge.Conflict). */
export interface FieldConflict {
  /** The other manager's identifier. */
  manager: string;
  path: FieldPath;
}

/** merge.Conflicts: thrown by an apply without force. */
export class ConflictsError extends Error {
  constructor(readonly conflicts: FieldConflict[]) {
    super(conflicts.map((c) => `conflict with ${c.manager}: ${pathToString(c.path)}`).join('\n'));
    this.name = 'ConflictsError';
  }
}

/** The paths never tracked in managedFields (stripMetaManager). */
const STRIP_SET = FieldSet.of(
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  [{ field: 'metadata' }],
  [{ field: 'metadata' }, { field: 'name' }],
  [{ field: 'metadata' }, { field: 'namespace' }],
  [{ field: 'metadata' }, { field: 'creationTimestamp' }],
  [{ field: 'metadata' }, { field: 'selfLink' }],
  [{ field: 'metadata' }, { field: 'uid' }],
  [{ field: 'metadata' }, { field: 'clusterName' }],
  [{ field: 'metadata' }, { field: 'generation' }],
  [{ field: 'metadata' }, { field: 'managedFields' }],
  [{ field: 'metadata' }, { field: 'resourceVersion' }],
);

/**
 * structured-merge-diff's Updater for one schema and API version: the fields its writers may not
 * own (ignored, a strategy's reset fields) and the zero values of the typed objects it compares.
 * Manager sets are keyed by whatever identifiers the caller uses.
 */
export class Updater {
  constructor(
    readonly schema: SchemaNode,
    readonly apiVersion: string,
    readonly ignored: FieldSet = new FieldSet(),
    private readonly zero?: Record<string, unknown>,
  ) {}

  /** The object as the field manager compares it: without managedFields, with the kind's zero values. */
  typed(obj: unknown): unknown {
    let value = obj;
    if (isPlainObject(obj) && isPlainObject(obj.metadata) && obj.metadata.managedFields !== undefined) {
      const { managedFields: _drop, ...metadata } = obj.metadata;
      value = { ...obj, metadata };
    }
    return withZeroValues(this.zero, value);
  }

  /** live vs next, without the ignored fields. */
  compare(live: unknown, next: unknown): Comparison {
    const c = compareValuesTyped(this.schema, this.typed(live), this.typed(next));
    if (this.ignored.empty()) return c;
    return { added: c.added.recursiveDifference(this.ignored), removed: c.removed.recursiveDifference(this.ignored), modified: c.modified.recursiveDifference(this.ignored) };
  }

  /**
   * Updater.update: takes changed fields away from every other manager (conflicts unless force)
   * and removed fields from everyone. Mutates managed; returns the comparison.
   */
  reconcileOwners(live: unknown, next: unknown, managed: Managed, self: string, force: boolean): Comparison {
    const compare = this.compare(live, next);
    const changed = compare.modified.union(compare.added);
    const conflicts: FieldConflict[] = [];
    const taken = new Map<string, FieldSet>();
    for (const [id, vs] of managed.fields) {
      if (id === self) continue;
      if (vs.apiVersion !== this.apiVersion) {
        // A version this server does not serve cannot be converted: upstream drops the manager.
        managed.fields.delete(id);
        continue;
      }
      const conflict = vs.set.intersection(changed);
      if (!conflict.empty()) {
        taken.set(id, conflict);
        conflict.iterate((path) => conflicts.push({ manager: id, path }));
      }
    }
    if (!force && conflicts.length) throw new ConflictsError(conflicts);
    for (const [id, vs] of managed.fields) {
      if (id === self) {
        if (vs.set.empty()) managed.fields.delete(id);
        continue;
      }
      let set = vs.set;
      const conflict = taken.get(id);
      if (conflict) set = set.difference(conflict);
      if (!compare.removed.empty()) set = set.difference(compare.removed);
      if (set.empty()) managed.fields.delete(id);
      else managed.fields.set(id, { ...vs, set });
    }
    return compare;
  }

  /** Updater.Update: a non-apply write by `self` owns what it changed. Mutates managed. */
  update(live: unknown, next: unknown, managed: Managed, self: string): void {
    const compare = this.reconcileOwners(live, next, managed, self, true);
    const previous = managed.fields.get(self)?.set ?? new FieldSet();
    const set = previous.union(compare.modified).union(compare.added).difference(compare.removed).recursiveDifference(this.ignored);
    if (set.empty()) managed.fields.delete(self);
    else managed.fields.set(self, { set, apiVersion: this.apiVersion, applied: false });
  }

  /**
   * Updater.Apply: merges config into live, makes `self` own exactly what config sets, removes
   * what `self` applied before and no longer applies (unless someone else owns it), and takes
   * changed fields from their owners (ConflictsError unless force). Mutates managed; returns the
   * merged object and whether it differs from live. Throws SchemaError for configurations with
   * list items the schema cannot key.
   */
  apply(live: unknown, config: unknown, managed: Managed, self: string, force: boolean): { object: unknown; changed: boolean } {
    let merged = mergeTyped(this.schema, live, config);
    const last = managed.fields.get(self);
    managed.fields.set(self, { set: toFieldSet(this.schema, config).recursiveDifference(this.ignored), apiVersion: this.apiVersion, applied: true });
    merged = this.prune(merged, managed, last);
    this.reconcileOwners(live, merged, managed, self, force);
    const changed = live === undefined || !jsonEqual(live, merged);
    return { object: changed ? merged : live, changed };
  }

  /**
   * Updater.prune: removes what the manager applied last time and applies no more, unless another
   * manager owns it (addBackOwnedItems) or it was never this manager's (addBackDanglingItems).
   */
  private prune(merged: unknown, managed: Managed, last: VersionedSet | undefined): unknown {
    if (!last || last.set.empty() || last.apiVersion !== this.apiVersion) return merged;
    const en = (s: FieldSet) => s.ensureNamedFieldsAreMembers(this.schema);
    const fields = (v: unknown) => toFieldSet(this.schema, v);
    let pruned = removeItems(this.schema, merged, en(last.set));
    let owned = new FieldSet();
    for (const vs of managed.fields.values()) if (vs.apiVersion === this.apiVersion) owned = owned.union(vs.set);
    const mergedSet = en(fields(merged));
    pruned = removeItems(this.schema, merged, mergedSet.difference(en(fields(pruned)).union(en(owned))));
    return removeItems(this.schema, merged, mergedSet.difference(en(fields(pruned))).intersection(en(last.set)));
  }
}

/**
 * The field manager of one resource (or subresource): the Updater of its kind's schema, with the
 * fields its strategy resets ignored (status for the main resource, spec for the status subresource).
 */
export class FieldManager extends Updater {
  constructor(
    readonly def: ResourceDefinition,
    readonly subresource?: string,
  ) {
    const hasStatus = def.subresources.some((s) => s.name === 'status');
    let ignored = new FieldSet();
    if (subresource === undefined && hasStatus) ignored = FieldSet.of([{ field: 'status' }]);
    else if (subresource === 'status') ignored = FieldSet.of([{ field: 'spec' }]);
    super(ssaSchemaFor(def.group, def.kind), apiVersionOf(def), ignored, ZERO_OBJECTS.get(`${def.group}/${def.kind}`));
  }

  /** The field manager of def (or of its subresource), made once: it holds no state of its own. */
  static of(def: ResourceDefinition, subresource?: string): FieldManager {
    let bySubresource = FIELD_MANAGERS.get(def);
    if (!bySubresource) FIELD_MANAGERS.set(def, (bySubresource = new Map()));
    let fm = bySubresource.get(subresource);
    if (!fm) bySubresource.set(subresource, (fm = new FieldManager(def, subresource)));
    return fm;
  }

  /** The identifier of a manager for an operation on this resource (buildManagerInfo). */
  identifier(manager: string, operation: 'Apply' | 'Update'): string {
    return managerIdentifier({ manager: manager || 'unknown', operation, apiVersion: this.apiVersion, subresource: this.subresource });
  }

  /** stripMetaManager: identity and bookkeeping fields are nobody's. */
  stripMeta(managed: Managed, id: string): void {
    const vs = managed.fields.get(id);
    if (!vs) return;
    const set = vs.set.difference(STRIP_SET);
    if (set.empty()) managed.fields.delete(id);
    else managed.fields.set(id, { ...vs, set });
  }

  /**
   * The Update pipeline below skipNonApplied: managedFieldsUpdater (a "current-operation" manager
   * detects changes; only then is the entry's time set), buildManagerInfo and capManagers.
   */
  trackUpdate(live: unknown, next: unknown, managed: Managed, manager: string, now: Date): void {
    const self = 'current-operation';
    this.update(live, next, managed, self);
    this.stripMeta(managed, self);
    const vs = managed.fields.get(self);
    if (vs) {
      managed.fields.delete(self);
      const id = this.identifier(manager, 'Update');
      const previous = managed.fields.get(id);
      managed.fields.set(id, { set: previous ? vs.set.union(previous.set) : vs.set, apiVersion: vs.apiVersion, applied: false });
      managed.times.set(id, formatTimestamp(now));
    }
    capUpdateManagers(managed, MAX_UPDATE_MANAGERS);
  }
}

const FIELD_MANAGERS = new WeakMap<ResourceDefinition, Map<string | undefined, FieldManager>>();

export const MAX_UPDATE_MANAGERS = 10;

/** capManagersManager: merges the oldest Update entries into per-version "ancient-changes" buckets. */
export function capUpdateManagers(managed: Managed, max: number): void {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => timeSeconds(managed.times.get(a)) - timeSeconds(managed.times.get(b)) || compareStrings(a, b));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const vs = managed.fields.get(id)!;
    const time = managed.times.get(id);
    const bucket = managerIdentifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstByVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstByVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      managed.fields.set(bucket, managed.fields.get(first)!);
      managed.fields.delete(first);
    }
    managed.fields.set(bucket, { set: vs.set.union(managed.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied });
    managed.fields.delete(id);
    length--;
    if (time !== undefined) managed.times.set(bucket, time);
    else managed.times.delete(bucket);
  }
}

/** isResetManagedFields: `[]` or `[{}]` written by a client clears the tracking. */
function isResetManagedFields(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  return value.length === 1 && isPlainObject(value[0]) && Object.values(value[0]).every((v) => v === undefined || v === '' || v === null);
}

/** decodeLiveOrNew: a client may write managedFields; empty or undecodable ones mean "keep the live ones". */
function decodeLiveOrNew(live: KubeObject | undefined, next: KubeObject, ignoreNew: boolean): Managed {
  const fromLive = (): Managed => {
    try {
      return decodeManagedFields(live?.metadata.managedFields);
    } catch {
      return emptyManaged();
    }
  };
  if (ignoreNew) return fromLive();
  const written = next.metadata.managedFields;
  if (isResetManagedFields(written)) return emptyManaged();
  try {
    const managed = decodeManagedFields(written);
    if (managed.fields.size > 0) return managed;
  } catch {
    // fall back to the live object's
  }
  return fromLive();
}

/** Writes managed into obj.metadata.managedFields (removing the field when there is nothing). */
export function setManagedFields(obj: KubeObject, managed: Managed): void {
  const encoded = encodeManagedFields(managed);
  if (encoded) obj.metadata.managedFields = encoded as NonNullable<KubeObject['metadata']['managedFields']>;
  else delete obj.metadata.managedFields;
}

/** What the registry tells the field manager about a write. */
export interface ManagedFieldsWrite {
  /** The manager (fieldManager query or User-Agent prefix); undefined for in-process writes, which are not tracked. */
  manager?: string;
  subresource?: string;
  /** Server-side apply already recorded the managedFields of this write. */
  applied?: boolean;
  now: Date;
  /** Fills the kind's defaults into a copy before comparing, as upstream's decoder does before its field manager runs. */
  defaults?: (obj: KubeObject) => void;
}

/**
 * FieldManager.UpdateNoErrors for create, update and patch: records an `Update` entry for the
 * manager with the fields this write set or changed, takes them from their other owners, honours
 * managedFields written by the client (an empty list resets them) and leaves untracked objects
 * untracked (skipNonApplied). Sets next.metadata.managedFields; on internal errors it keeps the
 * live object's entries.
 */
export function recordManagedFields(def: ResourceDefinition, live: KubeObject | undefined, next: KubeObject, write: ManagedFieldsWrite): void {
  if (write.manager === undefined || write.applied) {
    const written = next.metadata.managedFields as unknown;
    if (!write.applied && (written === null || (Array.isArray(written) && written.length === 0))) delete next.metadata.managedFields;
    return;
  }
  const fm = FieldManager.of(def, write.subresource);
  const managed = decodeLiveOrNew(live, next, write.subresource !== undefined);
  try {
    if (managed.fields.size === 0 && live !== undefined) {
      // skipNonApplied: an existing object without managedFields stays untracked until applied.
      delete next.metadata.managedFields;
      return;
    }
    let probe: KubeObject = next;
    if (write.defaults) {
      probe = clone(next);
      write.defaults(probe);
    }
    fm.trackUpdate(live, probe, managed, write.manager, write.now);
    setManagedFields(next, managed);
  } catch {
    if (live?.metadata.managedFields !== undefined) next.metadata.managedFields = clone(live.metadata.managedFields);
    else delete next.metadata.managedFields;
  }
}

/**
 * IgnoreManagedFieldsTimestampsTransformer: when a write changes nothing but managedFields
 * times, the live times are kept, so that the write stays a no-op (no new resourceVersion).
 * Mutates next.
 */
export function keepManagedFieldsTimestamps(live: KubeObject, next: KubeObject): void {
  const before = live.metadata.managedFields;
  const after = next.metadata.managedFields;
  if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length || after.length === 0) return;
  if (after.every((e, i) => e.time === before[i]!.time)) return;
  const withoutTime = (list: readonly unknown[]) => list.map((e) => ({ ...(e as object), time: undefined }));
  if (!jsonEqual(withoutTime(before), withoutTime(after))) return;
  const { managedFields: _a, ...liveMeta } = live.metadata;
  const { managedFields: _b, ...nextMeta } = next.metadata;
  if (!jsonEqual({ ...live, metadata: liveMeta }, { ...next, metadata: nextMeta })) return;
  next.metadata.managedFields = clone(before) as typeof after;
}

/**
 * The default field manager of a request without fieldManager: the User-Agent up to the first
 * `/`, printable characters only, at most 128 bytes (upstream's prefixFromUserAgent).
 */
export function prefixFromUserAgent(userAgent: string | undefined): string {
  const head = (userAgent ?? '').split('/')[0]!;
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const size = Buffer.byteLength(ch);
    if (bytes + size > 128) break;
    out += ch;
    bytes += size;
  }
  return out;
}

/** The managers (entries) with the given operation that own path, as client-go's csaupgrade.FindFieldsOwners. */
export function findFieldsOwners(entries: unknown, operation: 'Apply' | 'Update', path: FieldPath): ManagedFieldsEntry[] {
  if (!Array.isArray(entries)) return [];
  return entries.filter((e): e is ManagedFieldsEntry => {
    if (!isPlainObject(e) || e.operation !== operation) return false;
    try {
      return FieldSet.fromFieldsV1(e.fieldsV1).has(path);
    } catch {
      return false;
    }
  });
}
