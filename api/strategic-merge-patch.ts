// Strategic merge patch (application/strategic-merge-patch+json) as kube-apiserver applies it:
// a port of apimachinery's strategicpatch.StrategicMergeMapPatch (mergeMap, mergeSlice and the
// $patch, $retainKeys, $setElementOrder and $deleteFromPrimitiveList directives), with upstream's
// error texts. Function names follow upstream's so the two can be read side by side.
import { clone, isPlainObject, type KubeObject } from '../store/object.js';
import { badRequest, type StatusError } from '../store/status-error.js';
import { fieldSchema, mergesElements, patchSchemaFor, type ListPatchSchema, type PatchSchema } from './patch-metadata.js';

type JsonMap = Record<string, unknown>;

const DIRECTIVE_MARKER = '$patch';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/** Applies a strategic merge patch to an object of group/kind and returns a new object; inputs are never mutated. Malformed patches throw 400 BadRequest with upstream's message. */
export function strategicMergePatch(group: string, kind: string, original: KubeObject, patch: Record<string, unknown>): KubeObject {
  return strategicMergeWithSchema(patchSchemaFor(group, kind), original, patch) as KubeObject;
}

/** The same merge against an explicit schema (undefined: every map merges, every list is atomic). */
export function strategicMergeWithSchema(schema: PatchSchema | undefined, original: JsonMap, patch: JsonMap): JsonMap {
  // Upstream consumes both documents in place, and its list ordering depends on that (see mergeSlice).
  return mergeMap(clone(original), clone(patch), schema);
}

// ---------------------------------------------------------------------------------------------
// mergeMap

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch);

  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const [patchKey, patchValue] of Object.entries(patch)) {
    const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
    const key = isDeleteList ? extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX) : patchKey;

    if (patchValue === null) {
      delete original[key];
      continue;
    }
    if (!Object.hasOwn(original, key) || goType(original[key]) !== goType(patchValue)) {
      if (!isDeleteList) assignFromPatch(original, key, patchValue);
      continue;
    }
    const subschema = fieldSchema(schema, key);
    if (isPlainObject(patchValue)) {
      original[key] = mergeMapHandler(original[key] as JsonMap, patchValue, subschema);
    } else if (Array.isArray(patchValue)) {
      original[key] = mergeSliceHandler(original[key] as unknown[], patchValue, asList(subschema), isDeleteList).merged;
    } else {
      original[key] = patchValue;
    }
  }
  return original;
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap): JsonMap {
  if (directive === 'replace') {
    delete patch[DIRECTIVE_MARKER];
    return withoutDirectives(patch);
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

function mergeMapHandler(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): JsonMap {
  if (schema?.type === 'object' && schema.strategy === 'replace') {
    delete patch[DIRECTIVE_MARKER];
    return withoutDirectives(patch);
  }
  return mergeMap(original, patch, schema);
}

// $retainKeys: every key of the patch must be listed; keys of the original that are not are cleared.
function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retainKeys)) throw badRequest('invalid patch format of retainKeys');

  const retained = new Set(retainKeys);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!retained.has(key)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

// $setElementOrder/<field>: merges the field's list first, then orders it. The precedence is
// $setElementOrder > order in the patch list > order in the live list.
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const setElementOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setElementOrder)) throw errBadArgType('slice', setElementOrder);

    const field = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const foundOriginal = Object.hasOwn(original, field);
    const foundPatch = Object.hasOwn(patch, field);
    const originalList = foundOriginal ? original[field] : [];
    const patchList = foundPatch ? patch[field] : [];
    if (!Array.isArray(originalList)) throw errBadArgType('slice', originalList);
    if (!Array.isArray(patchList)) throw errBadArgType('slice', patchList);

    const listSchema = lookupPatchMetadataForSlice(schema, field);
    const mergeKey = listSchema?.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList, setElementOrder, mergeKey);

    let merged: unknown[];
    let originalView = originalList;
    if (foundOriginal && !foundPatch) {
      merged = originalList;
    } else if (!foundOriginal && foundPatch) {
      merged = listWithoutDirectives(patchList);
    } else if (foundOriginal && foundPatch) {
      ({ merged, originalView } = mergeSliceHandler(originalList, patchList, listSchema, false));
    } else {
      continue;
    }

    const [patchItems, serverOnlyItems] = mergeKey
      ? partitionMapsByPresentInList(merged, setElementOrder, mergeKey)
      : partitionPrimitivesByPresentInList(merged, setElementOrder);
    const kind = sliceElementType(originalView, patchList);
    original[field] = normalizeElementOrder(patchItems, serverOnlyItems, setElementOrder, originalView, mergeKey, kind);
    delete patch[field];
  }
}

// The order of the non-deleted items of the patch list must agree with $setElementOrder.
function validatePatchWithSetOrderList(patchList: unknown[], setOrderList: unknown[], mergeKey: string): void {
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const nonDeleteList = mergeKey ? extractToDeleteItems(patchList)[0] : patchList;
  let patchIndex = 0;
  let setOrderIndex = 0;
  while (patchIndex < nonDeleteList.length && setOrderIndex < setOrderList.length) {
    const item = nonDeleteList[patchIndex];
    if (isPlainObject(item) && Object.hasOwn(item, DIRECTIVE_MARKER)) {
      patchIndex++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrderList[setOrderIndex], mergeKey)) patchIndex++;
    setOrderIndex++;
  }
  if (patchIndex < nonDeleteList.length && setOrderIndex >= setOrderList.length) {
    throw badRequest(
      `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(setOrderList)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// mergeSlice

interface SliceMerge {
  merged: unknown[];
  /** The caller's original list after the merge: Go's slice aliasing lets the merge rewrite it. */
  originalView: unknown[];
}

function mergeSliceHandler(original: unknown[], patch: unknown[], schema: ListPatchSchema | undefined, isDeleteList: boolean): SliceMerge {
  // A deletion list deletes whatever the field's strategy is.
  if (mergesElements(schema?.strategy) || isDeleteList) return mergeSlice(original, patch, schema, isDeleteList);
  return { merged: listWithoutDirectives(patch), originalView: original };
}

function mergeSlice(original: unknown[], patch: unknown[], schema: ListPatchSchema | undefined, isDeleteList: boolean): SliceMerge {
  if (original.length === 0 && patch.length === 0) return { merged: original, originalView: original };
  const kind = sliceElementType(original, patch);
  const mergeKey = schema?.mergeKey ?? '';

  if (kind !== 'map') {
    if (isDeleteList) return { merged: deleteFromSlice(original, patch), originalView: original };
    const merged = deduplicateScalars([...original, ...patch]);
    const [patchItems, serverOnlyItems] = mergeKey
      ? partitionMapsByPresentInList(merged, patch, mergeKey)
      : partitionPrimitivesByPresentInList(merged, patch);
    return { merged: normalizeElementOrder(patchItems, serverOnlyItems, patch, original, mergeKey, kind), originalView: original };
  }

  if (!mergeKey) throw badRequest(`cannot merge lists without merge key for ${schema?.items ? 'struct' : 'string'}`);

  // Upstream deletes from and appends to `original` in place. The caller still holds a slice of
  // the first original.length slots of that array and orders the result by it, so those slots
  // are tracked here: a deletion shifts later items left, an append reuses the freed tail.
  const backing = original.slice();
  let length = original.length;
  const patchWithoutSpecialElements: unknown[] = [];
  let replace = false;
  for (const item of patch) {
    const element = item as JsonMap;
    if (!Object.hasOwn(element, DIRECTIVE_MARKER)) {
      patchWithoutSpecialElements.push(element);
      continue;
    }
    const directive = element[DIRECTIVE_MARKER];
    if (directive === 'delete') {
      if (!Object.hasOwn(element, mergeKey)) throw errNoMergeKey(element, mergeKey);
      // every entry with that key goes, duplicates included
      let at: number;
      while ((at = findMapInSlice(backing, length, mergeKey, element[mergeKey])) >= 0) {
        backing.copyWithin(at, at + 1, length);
        length--;
      }
    } else if (directive === 'replace') {
      replace = true; // keep scanning so every other directive element is still validated and dropped
    } else if (directive === 'merge') {
      throw badRequest('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, element);
    }
  }

  const target = replace ? patchWithoutSpecialElements.map((item) => valueWithoutDirectives(item) ?? {}) : backing;
  const toMerge = replace ? [] : patchWithoutSpecialElements;
  let targetLength = replace ? target.length : length;
  const serverOrder = target.slice(0, targetLength);
  for (const item of toMerge) {
    const element = item as JsonMap;
    if (!Object.hasOwn(element, mergeKey)) throw errNoMergeKey(element, mergeKey);
    const at = findMapInSlice(target, targetLength, mergeKey, element[mergeKey]);
    if (at >= 0) {
      target[at] = mergeMap(target[at] as JsonMap, element, schema?.items);
    } else {
      target[targetLength++] = valueWithoutDirectives(element) ?? {};
    }
  }

  const merged = target.slice(0, targetLength);
  const [patchItems, serverOnlyItems] = partitionMapsByPresentInList(merged, toMerge, mergeKey);
  return {
    merged: normalizeElementOrder(patchItems, serverOnlyItems, toMerge, serverOrder, mergeKey, kind),
    originalView: backing.slice(0, original.length),
  };
}

function findMapInSlice(list: unknown[], length: number, key: string, value: unknown): number {
  for (let i = 0; i < length; i++) {
    const item = list[i];
    if (!isPlainObject(item)) throw badRequest(`value for key ${i} is not a map`);
    if (Object.hasOwn(item, key) && goEqual(item[key], value)) return i;
  }
  return -1;
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  return current.filter((item) => !toDelete.some((deleted) => goEqual(deleted, item)));
}

// Upstream's in-place deduplication: a duplicate is overwritten by the last element.
function deduplicateScalars(list: unknown[]): unknown[] {
  const s = list.slice();
  let last = s.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (goEqual(s[i], s[j])) {
        s[j] = s[last];
        s.length = last;
        last--;
        j--;
      }
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Ordering

function partitionPrimitivesByPresentInList(list: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of list) (partitionBy.some((by) => goEqual(by, item)) ? present : absent).push(item);
  return [present, absent];
}

function partitionMapsByPresentInList(list: unknown[], partitionBy: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of list) {
    if (!isPlainObject(item)) throw errBadArgType('map', item);
    if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    (findMapInSlice(partitionBy, partitionBy.length, mergeKey, item[mergeKey]) >= 0 ? present : absent).push(item);
  }
  return [present, absent];
}

// Sorts the patch items by patchOrder and the server-only items by serverOrder, then interleaves
// them keeping both relative orders, placing server-only items by their position in serverOrder.
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnlyItems: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: GoType,
): unknown[] {
  const patchSorted = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const serverSorted = normalizeSliceOrder(serverOnlyItems, serverOrder, mergeKey, kind);
  return mergeSortedSlice(serverSorted, patchSorted, serverOrder, mergeKey, kind);
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: GoType): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [items, toDelete] = extractToDeleteItems(toSort);
  }
  const sorted = stableSort(items, (a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    const ib = indexIn(order, b, mergeKey, kind);
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  });
  return [...sorted, ...toDelete];
}

function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: GoType): unknown[] {
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      result.push(right[j++]);
    } else if (j >= right.length) {
      result.push(left[i++]);
    } else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      result.push(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
    }
  }
  return result;
}

function indexIn(list: unknown[], value: unknown, mergeKey: string, kind: GoType): number {
  const keyOf = (item: unknown): unknown => (kind === 'map' ? (isPlainObject(item) ? item[mergeKey] : null) : item);
  const wanted = keyOf(value);
  return list.findIndex((item) => goEqual(keyOf(item), wanted));
}

// Go's sort.SliceStable is an insertion sort on small inputs; its `less` above is not a strict
// order when items are missing from `order`, so the algorithm itself is kept.
function stableSort(items: unknown[], less: (a: unknown, b: unknown) => boolean): unknown[] {
  const data = items.slice();
  for (let i = 1; i < data.length; i++) {
    for (let j = i; j > 0 && less(data[j], data[j - 1]); j--) [data[j], data[j - 1]] = [data[j - 1], data[j]];
  }
  return data;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isPlainObject(item)) throw errBadArgType('map', item);
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const nonDelete: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const item of list) {
    if (!isPlainObject(item)) throw errBadArgType('map', item);
    (item[DIRECTIVE_MARKER] === 'delete' ? toDelete : nonDelete).push(item);
  }
  return [nonDelete, toDelete];
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return goEqual(left, right);
  if (!isPlainObject(left)) throw errBadArgType('map', left);
  if (!isPlainObject(right)) throw errBadArgType('map', right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEqual(left[mergeKey], right[mergeKey]);
}

// ---------------------------------------------------------------------------------------------
// Schema lookups and directive-free copies of patch values

function asList(schema: PatchSchema | undefined): ListPatchSchema | undefined {
  return schema?.type === 'list' ? schema : undefined;
}

function lookupPatchMetadataForSlice(schema: PatchSchema | undefined, field: string): ListPatchSchema | undefined {
  const subschema = fieldSchema(schema, field);
  if (subschema === undefined || subschema.type === 'list') return subschema;
  const parentKind = schema?.type === 'object' && schema.fields && Object.hasOwn(schema.fields, field) ? 'struct' : 'map';
  throw badRequest(`expected slice or array type, but got: ${parentKind}`);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX ? 'invalid patch format of primitive list' : 'invalid patch format of setElementOrder list',
    );
  }
  return key.slice(slash + 1);
}

function isParallelListDirective(key: string): boolean {
  return key === RETAIN_KEYS_DIRECTIVE || key.startsWith(SET_ELEMENT_ORDER_PREFIX) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
}

// A value copied from the patch, as upstream's discardNullValuesFromPatch + removeDirectives leave
// it: null map values dropped, maps carrying $patch dropped (undefined). Upstream leaves the other
// directive keys for the decoder to reject or drop; they are dropped here so none is ever stored.
function valueWithoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return listWithoutDirectives(value);
  if (!isPlainObject(value)) return value;
  if (Object.hasOwn(value, DIRECTIVE_MARKER)) return undefined;
  return withoutDirectives(value);
}

function withoutDirectives(map: JsonMap): JsonMap {
  const out: JsonMap = {};
  for (const [key, value] of Object.entries(map)) {
    if (value === null || isParallelListDirective(key)) continue;
    const kept = valueWithoutDirectives(value);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function listWithoutDirectives(list: unknown[]): unknown[] {
  return list.map(valueWithoutDirectives).filter((item) => item !== undefined);
}

function assignFromPatch(original: JsonMap, key: string, patchValue: unknown): void {
  const kept = valueWithoutDirectives(patchValue);
  if (kept === undefined) delete original[key];
  else original[key] = kept;
}

// ---------------------------------------------------------------------------------------------
// Go's view of JSON values, for type checks, equality and upstream's error texts

type GoType = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil';

const GO_TYPE_NAMES: Record<GoType, string> = {
  map: 'map[string]interface {}',
  slice: '[]interface {}',
  string: 'string',
  int64: 'int64',
  float64: 'float64',
  bool: 'bool',
  nil: '%!s(<nil>)',
};

// The apiserver decodes integral JSON numbers as int64 and the rest as float64.
function goType(value: unknown): GoType {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return 'slice';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? 'int64' : 'float64';
  return 'map';
}

// Go's == on interface values holding JSON scalars; maps and slices only equal themselves.
function goEqual(a: unknown, b: unknown): boolean {
  const ta = goType(a);
  return ta === goType(b) && (ta === 'nil' || a === b);
}

/** fmt's %v (or %s) of a decoded JSON value: `map[k:v ...]` with sorted keys, `[a b]`, `<nil>`. */
function goFormat(value: unknown, verb: 'v' | 's' = 'v'): string {
  const type = goType(value);
  const scalar = (text: string): string => (verb === 'v' ? text : `%!s(${type}=${text})`);
  switch (type) {
    case 'nil':
      return verb === 'v' ? '<nil>' : '%!s(<nil>)';
    case 'string':
      return value as string;
    case 'bool':
      return scalar(String(value));
    case 'int64':
      return scalar(BigInt(value as number).toString());
    case 'float64':
      return scalar(goFloat(value as number));
    case 'slice':
      return `[${(value as unknown[]).map((item) => goFormat(item, verb)).join(' ')}]`;
    case 'map': {
      const map = value as JsonMap;
      return `map[${Object.keys(map)
        .sort()
        .map((key) => `${key}:${goFormat(map[key], verb)}`)
        .join(' ')}]`;
    }
  }
}

// %v of a float64 (%g, shortest digits): exponent form when the exponent is < -4 or >= 6.
function goFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function errNoMergeKey(map: JsonMap, mergeKey: string): StatusError {
  return badRequest(`map: ${goFormat(map)} does not contain declared merge key: ${mergeKey}`);
}

function errBadArgType(expected: GoType, actual: unknown): StatusError {
  return badRequest(`expected a ${GO_TYPE_NAMES[expected]}, but received a ${GO_TYPE_NAMES[goType(actual)]}`);
}

function errBadPatchType(directive: unknown, map: JsonMap): StatusError {
  return badRequest(`unknown patch type: ${goFormat(directive, 's')} in map: ${goFormat(map)}`);
}

function sliceElementType(...slices: unknown[][]): GoType {
  let elementType: GoType | undefined;
  for (const slice of slices) {
    for (const item of slice) {
      const type = goType(item);
      if (elementType === undefined) {
        if (type === 'slice') throw badRequest('lists of lists are not supported');
        elementType = type;
      } else if (type !== elementType) {
        throw badRequest(`list element types are not identical: ${goFormat(slices)}`);
      }
    }
  }
  if (elementType === undefined) throw badRequest('no elements in any of the given slices');
  return elementType;
}
