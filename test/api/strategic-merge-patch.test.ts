import t from 'tap';
import { fieldSchema, patchSchemaFor, type ListPatchSchema, type PatchSchema } from '../../api/patch-metadata.js';
import { strategicMergePatch, strategicMergeWithSchema } from '../../api/strategic-merge-patch.js';
import { deepFreeze, type KubeObject } from '../../store/object.js';
import { StatusError } from '../../store/status-error.js';

type Doc = Record<string, unknown>;
type Asserts = Pick<typeof t, 'same' | 'equal'>;

interface Case {
  name: string;
  original: Doc;
  patch: Doc;
  want: Doc;
}

// upstream's MergeItem test type (patch_test.go), as a PatchSchema
const mergeItemFields: Record<string, PatchSchema> = {};
const mergeItem: PatchSchema = { type: 'object', fields: mergeItemFields };
const mergingListOf = (strategy: ListPatchSchema['strategy'] = 'merge'): ListPatchSchema => ({ type: 'list', strategy, mergeKey: 'name', items: mergeItem });
Object.assign(mergeItemFields, {
  mergingList: mergingListOf(),
  nonMergingList: { type: 'list', items: mergeItem },
  mergingIntList: { type: 'list', strategy: 'merge' },
  nonMergingIntList: { type: 'list' },
  mergeItemPtr: mergingListOf(),
  simpleMap: { type: 'object' },
  replacingItem: { type: 'object', strategy: 'replace' },
  retainKeysMap: {
    type: 'object',
    strategy: 'retainKeys',
    fields: {
      simpleMap: { type: 'object' },
      mergingIntList: { type: 'list', strategy: 'merge' },
      mergingList: mergingListOf(),
      nonMergingList: { type: 'list', items: mergeItem },
    },
  },
  retainKeysMergingList: mergingListOf('merge,retainKeys'),
} satisfies Record<string, PatchSchema>);

const n = (name: number | string, rest: Doc = {}): Doc => ({ name, ...rest });
const order = (...names: Array<number | string>): Doc[] => names.map((name) => ({ name }));

function isDirectiveKey(key: string): boolean {
  return key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder') || key.startsWith('$deleteFromPrimitiveList');
}

function directivesIn(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => directivesIn(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [...(isDirectiveKey(key) ? [`${path}.${key}`] : []), ...directivesIn(item, `${path}.${key}`)]);
}

// Runs each case on deep-frozen inputs and checks the exact result, that the inputs are
// untouched and that no directive survives.
function runCases(t: Asserts, cases: Case[], apply: (original: Doc, patch: Doc) => Doc): void {
  for (const c of cases) {
    const before = JSON.stringify([c.original, c.patch]);
    const original = deepFreeze(structuredClone(c.original));
    const patch = deepFreeze(structuredClone(c.patch));
    const got = apply(original, patch);
    t.same(got, c.want, c.name);
    t.equal(JSON.stringify([original, patch]), before, `${c.name}: inputs untouched`);
    t.same(directivesIn(got), [], `${c.name}: no directive left`);
  }
}

function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError && err.code === 400 && err.reason === 'BadRequest') return err.message;
    throw err;
  }
  return '<no error>';
}

const withMergeItem = (original: Doc, patch: Doc): Doc => strategicMergeWithSchema(mergeItem, original, patch);

t.test('maps merge recursively, null deletes a key and $patch replaces or empties a map, as upstream', async (t) => {
  runCases(t, [
    { name: 'nil original', original: {}, patch: { name: 1, value: 1 }, want: { name: 1, value: 1 } },
    { name: 'nil patch', original: { name: 1 }, patch: {}, want: { name: 1 } },
    { name: 'add field to map', original: { name: 1, other: 'a' }, patch: { value: 1 }, want: { name: 1, value: 1, other: 'a' } },
    { name: 'add field and delete field from map', original: { name: 1, other: 'a' }, patch: { name: null, value: 1 }, want: { value: 1, other: 'a' } },
    {
      name: 'delete field from nested map',
      original: { simpleMap: { key1: 1, key2: 1, other: 'a' } },
      patch: { simpleMap: { key2: null } },
      want: { simpleMap: { key1: 1, other: 'a' } },
    },
    { name: 'delete all fields from map', original: { name: 1, value: 1, other: 'a' }, patch: { name: null, value: null }, want: { other: 'a' } },
    {
      name: 'defined null values overwrite current fields',
      original: { name: 'a', other: 'a' },
      patch: { name: 1, value: 1, other: null },
      want: { name: 1, value: 1 },
    },
    { name: 'a null for a missing key is dropped', original: { name: 2 }, patch: { name: 1, value: 1, other: null }, want: { name: 1, value: 1 } },
    {
      name: 'delete map from nested map leaves it empty',
      original: { simpleMap: { key1: 1, key2: 1 } },
      patch: { simpleMap: { $patch: 'delete' } },
      want: { simpleMap: {} },
    },
    { name: 'delete all keys from map', original: { name: 1, value: 1 }, patch: { $patch: 'replace' }, want: {} },
    { name: 'add key and delete all keys from map', original: { name: 1, value: 1 }, patch: { other: 'a', $patch: 'replace' }, want: { other: 'a' } },
    {
      name: 'a field with the replace strategy is replaced whole',
      original: { name: 'my-object', replacingItem: { Some: 'Generic', Yaml: 'Inside', The: 'RawExtension', Field: 'Period' } },
      patch: { replacingItem: { Newly: 'Modified', Yaml: 'Inside', The: 'RawExtension' } },
      want: { name: 'my-object', replacingItem: { Newly: 'Modified', Yaml: 'Inside', The: 'RawExtension' } },
    },
    {
      name: 'a value of another type replaces the list',
      original: { mergingList: [n(1), n(1)] },
      patch: { mergingList: {} },
      want: { mergingList: {} },
    },
    {
      name: 'a new map carrying $patch is dropped, not added',
      original: { name: 1 },
      patch: { simpleMap: { $patch: 'replace', key1: 'a' } },
      want: { name: 1 },
    },
    {
      name: 'nulls and directives inside a new value are discarded',
      original: { name: 1 },
      patch: { mergingList: [n(1, { value: null }), { $patch: 'delete', name: 2 }], retainKeysMap: { $retainKeys: ['name'], name: 'x', value: null } },
      want: { name: 1, mergingList: [n(1)], retainKeysMap: { name: 'x' } },
    },
  ], withMergeItem);
});

t.test('lists without a merge strategy are replaced whole', async (t) => {
  runCases(t, [
    { name: 'replace list of scalars', original: { nonMergingIntList: [1, 4] }, patch: { nonMergingIntList: [2, 3] }, want: { nonMergingIntList: [2, 3] } },
    {
      name: 'replace non merging list nested in merging list',
      original: { mergingList: [n(1, { other: 'a', nonMergingList: [n(1), n(2, { value: 2 })] }), n(2, { other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 2), mergingList: [n(1, { nonMergingList: [n(1, { value: 1 })] })] },
      want: { mergingList: [n(1, { other: 'a', nonMergingList: [n(1, { value: 1 })] }), n(2, { other: 'b' })] },
    },
    {
      name: '$deleteFromPrimitiveList deletes from a list without merge strategy',
      original: { nonMergingIntList: [1, 2, 3] },
      patch: { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
      want: { nonMergingIntList: [1, 3] },
    },
    { name: 'an empty list replaces an atomic list', original: { nonMergingList: [n(1)] }, patch: { nonMergingList: [] }, want: { nonMergingList: [] } },
  ], withMergeItem);
});

t.test('lists with the merge strategy merge elements by their merge key', async (t) => {
  runCases(t, [
    {
      name: 'merge lists of maps',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(4, 1, 2, 3), mergingList: [n(4, { value: 4 }), n(3, { value: 3 })] },
      want: { mergingList: [n(4, { value: 4 }), n(1, { other: 'a' }), n(2, { value: 2, other: 'b' }), n(3, { value: 3 })] },
    },
    {
      name: 'merge lists of maps with conflict',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 3, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 2, 3), mergingList: [n(2, { value: 2 }), n(3, { value: 3 })] },
      want: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' }), n(3, { value: 3 })] },
    },
    {
      name: 'add field to map in merging list',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 2), mergingList: [n(1, { value: 1 })] },
      want: { mergingList: [n(1, { value: 1, other: 'a' }), n(2, { value: 2, other: 'b' })] },
    },
    {
      name: 'add field to map in merging list with conflict',
      original: { mergingList: [n(1, { other: 'a' }), n(3, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 2), mergingList: [n(1, { value: 1 }), n(2, { value: 2 })] },
      want: { mergingList: [n(1, { value: 1, other: 'a' }), n(2, { value: 2 }), n(3, { value: 2, other: 'b' })] },
    },
    {
      name: 'replace map field value in merging list',
      original: { mergingList: [n(1, { value: 1, other: 'a' }), n(2, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 2), mergingList: [n(1, { value: 'a' })] },
      want: { mergingList: [n(1, { value: 'a', other: 'a' }), n(2, { value: 2, other: 'b' })] },
    },
    {
      name: 'delete field from map in merging list',
      original: { mergingList: [n(1, { value: 1, other: 'a' }), n(2, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 2), mergingList: [n(1, { value: null })] },
      want: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' })] },
    },
    {
      name: 'delete map from merging list',
      original: { mergingList: [n(1), n(2, { other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(2), mergingList: [{ name: 1, $patch: 'delete' }] },
      want: { mergingList: [n(2, { other: 'b' })] },
    },
    {
      name: 'delete missing map from merging list with conflict',
      original: { mergingList: [n(3, { other: 'a' })] },
      patch: { '$setElementOrder/mergingList': order(2), mergingList: [n(2), { name: 1, $patch: 'delete' }] },
      want: { mergingList: [n(2), n(3, { other: 'a' })] },
    },
    {
      name: 'add map and delete map from merging list',
      original: { mergingList: [n(1), n(2, { other: 'b' }), n(4, { other: 'c' })] },
      patch: { '$setElementOrder/mergingList': order(2, 3), mergingList: [n(3), { name: 1, $patch: 'delete' }] },
      want: { mergingList: [n(2, { other: 'b' }), n(4, { other: 'c' }), n(3)] },
    },
    {
      name: 'add map and delete map from merging list with conflict',
      original: { mergingList: [n(1, { other: 'a' }), n(4, { other: 'c' })] },
      patch: { '$setElementOrder/mergingList': order(2, 3), mergingList: [n(2), n(3), { name: 1, $patch: 'delete' }] },
      want: { mergingList: [n(4, { other: 'c' }), n(2), n(3)] },
    },
    {
      name: 'delete all duplicate entries in a merging list',
      original: { mergingList: [n(1), n(1), n(2, { value: 'a' }), n(3), n(3)] },
      patch: { mergingList: [{ name: 1, $patch: 'delete' }, { name: 3, $patch: 'delete' }] },
      want: { mergingList: [n(2, { value: 'a' })] },
    },
    {
      name: 'delete all items from merging list with a $patch replace element',
      original: { mergingList: [n(1), n(2)] },
      patch: { mergingList: [{ $patch: 'replace' }] },
      want: { mergingList: [] },
    },
    {
      name: 'a $patch replace element keeps only the other elements',
      original: { mergingList: [n(1, { value: 1 }), n(2)] },
      patch: { mergingList: [n(3, { value: 3 }), { $patch: 'replace' }, n(1)] },
      want: { mergingList: [n(3, { value: 3 }), n(1)] },
    },
    { name: 'merge empty merging lists', original: { mergingList: [] }, patch: { mergingList: [] }, want: { mergingList: [] } },
    { name: 'an empty list leaves a merging list alone', original: { mergingList: [n(1)] }, patch: { mergingList: [] }, want: { mergingList: [n(1)] } },
    {
      name: 'preserve the order from the patch in a merging list',
      original: { mergingList: [n(1), n(2, { value: 'b' }), n(3)] },
      patch: { mergingList: [n(3, { value: 'c' }), n(1, { value: 'a' }), n(2, { other: 'x' })] },
      want: { mergingList: [n(3, { value: 'c' }), n(1, { value: 'a' }), n(2, { value: 'b', other: 'x' })] },
    },
    {
      name: 'preserve the order from the patch in a merging list 2',
      original: { mergingList: [n(1), n(2, { value: 'b' }), n(3)] },
      patch: { mergingList: [n(3, { value: 'c' }), n(1, { value: 'a' })] },
      want: { mergingList: [n(2, { value: 'b' }), n(3, { value: 'c' }), n(1, { value: 'a' })] },
    },
    {
      name: 'without $setElementOrder a new element goes before the live ones',
      original: { mergingList: [n(1), n(2)] },
      patch: { mergingList: [n(3)] },
      want: { mergingList: [n(3), n(1), n(2)] },
    },
    {
      name: 'add field to map in merging list nested in merging list',
      original: { mergingList: [n(1, { other: 'a', mergingList: [n(1), n(2, { value: 2 })] }), n(2, { other: 'b' })] },
      patch: {
        '$setElementOrder/mergingList': order(1, 2),
        mergingList: [{ '$setElementOrder/mergingList': order(1, 2), name: 1, mergingList: [n(1, { value: 1 })] }],
      },
      want: { mergingList: [n(1, { other: 'a', mergingList: [n(1, { value: 1 }), n(2, { value: 2 })] }), n(2, { other: 'b' })] },
    },
    {
      name: 'add field to map in merging list nested in merging list with deletion conflict',
      original: { mergingList: [n(1, { other: 'a', mergingList: [n(2, { value: 2, other: 'd' })] }), n(2, { other: 'b' })] },
      patch: {
        '$setElementOrder/mergingList': order(1, 2),
        mergingList: [{ '$setElementOrder/mergingList': order(2, 1), name: 1, mergingList: [n(1, { value: 1 })] }],
      },
      want: { mergingList: [n(1, { other: 'a', mergingList: [n(2, { value: 2, other: 'd' }), n(1, { value: 1 })] }), n(2, { other: 'b' })] },
    },
    {
      name: 'add map to merging list by pointer',
      original: { mergeItemPtr: [n(1, { other: 'a' }), n(3)] },
      patch: { '$setElementOrder/mergeItemPtr': order(1, 2), mergeItemPtr: [n(2)] },
      want: { mergeItemPtr: [n(1, { other: 'a' }), n(2), n(3)] },
    },
    {
      name: 'delete and reorder in one list, reorder in another',
      original: { mergingList: [n('a', { value: 'a' }), n('b', { value: 'b' })], mergeItemPtr: [n('c', { value: 'c' }), n('d', { value: 'd' })] },
      patch: {
        '$setElementOrder/mergingList': order('b'),
        '$setElementOrder/mergeItemPtr': order('d', 'c'),
        mergingList: [{ $patch: 'delete', name: 'a' }],
      },
      want: { mergingList: [n('b', { value: 'b' })], mergeItemPtr: [n('d', { value: 'd' }), n('c', { value: 'c' })] },
    },
  ], withMergeItem);
});

t.test('merged lists of primitives are set unions, and $deleteFromPrimitiveList deletes from them', async (t) => {
  runCases(t, [
    { name: 'unique scalars when merging lists', original: { mergingIntList: [1, 2] }, patch: { mergingIntList: [2, 3] }, want: { mergingIntList: [1, 2, 3] } },
    { name: 'preserve the order from the patch in a merging int list', original: { mergingIntList: [1, 2, 3] }, patch: { mergingIntList: [3, 1, 2] }, want: { mergingIntList: [3, 1, 2] } },
    { name: 'preserve the order from the patch in a merging int list 2', original: { mergingIntList: [1, 2, 3] }, patch: { mergingIntList: [3, 1] }, want: { mergingIntList: [2, 3, 1] } },
    {
      name: 'merge lists of scalars',
      original: { mergingIntList: [1, 2, 4] },
      patch: { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3] },
      want: { mergingIntList: [1, 2, 3, 4] },
    },
    {
      name: 'delete items in lists of scalars',
      original: { mergingIntList: [1, 2, 3, 4] },
      patch: { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: [1, 2, 4] },
    },
    {
      name: 'delete all duplicate items in lists of scalars',
      original: { mergingIntList: [1, 2, 3, 3, 4] },
      patch: { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: [1, 2, 4] },
    },
    {
      name: 'add an item in a list of primitives and preserve order',
      original: { mergingIntList: [1, 4, 2] },
      patch: { '$setElementOrder/mergingIntList': [3, 1, 2], mergingIntList: [3] },
      want: { mergingIntList: [3, 1, 4, 2] },
    },
    {
      name: '$deleteFromPrimitiveList of a nonexistent item does not add it',
      original: { mergingIntList: [1, 2] },
      patch: { '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: [1, 2] },
    },
    {
      name: '$deleteFromPrimitiveList on a null list leaves it',
      original: { mergingIntList: null },
      patch: { '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: null },
    },
    {
      name: '$deleteFromPrimitiveList on a missing list does not add the list',
      original: { foo: ['bar'] },
      patch: { '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { foo: ['bar'] },
    },
  ], withMergeItem);
});

t.test('$setElementOrder orders merged lists of maps and of primitives, server-only items kept in place', async (t) => {
  const live = [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' }), n(3, { value: 3 })];
  runCases(t, [
    {
      name: 'add an item in a list and preserve order',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(3, 1, 2), mergingList: [n(3, { value: 3 })] },
      want: { mergingList: [n(3, { value: 3 }), n(1, { other: 'a' }), n(2, { value: 2, other: 'b' })] },
    },
    {
      name: 'add multiple items in a list and preserve order',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2, other: 'b' })] },
      patch: { '$setElementOrder/mergingList': order(1, 4, 2, 3), mergingList: [n(4, { value: 4 }), n(3, { value: 3 })] },
      want: { mergingList: [n(1, { other: 'a' }), n(4, { value: 4 }), n(2, { value: 2, other: 'b' }), n(3, { value: 3 })] },
    },
    {
      name: 'delete an item in a list and preserve order',
      original: { mergingList: live },
      patch: { '$setElementOrder/mergingList': order(2, 1), mergingList: [{ name: 3, $patch: 'delete' }] },
      want: { mergingList: [n(2, { value: 2, other: 'b' }), n(1, { other: 'a' })] },
    },
    {
      name: 'change an item in a list and preserve order',
      original: { mergingList: live },
      patch: { '$setElementOrder/mergingList': order(2, 3, 1), mergingList: [n(3, { value: 'x' })] },
      want: { mergingList: [n(2, { value: 2, other: 'b' }), n(3, { value: 'x' }), n(1, { other: 'a' })] },
    },
    {
      name: 'add and delete an item in a list and preserve order',
      original: { mergingList: live },
      patch: { '$setElementOrder/mergingList': order(4, 2, 1), mergingList: [n(4, { value: 4 }), { name: 3, $patch: 'delete' }] },
      want: { mergingList: [n(4, { value: 4 }), n(2, { value: 2, other: 'b' }), n(1, { other: 'a' })] },
    },
    {
      name: 'set elements order in a list with server-only items',
      original: { mergingList: [n(1, { other: 'a' }), n(3, { value: 3 }), n(4, { value: 4 }), n(2, { value: 2 }), n(9)] },
      patch: { '$setElementOrder/mergingList': order(4, 2, 3, 1) },
      want: { mergingList: [n(4, { value: 4 }), n(2, { value: 2 }), n(3, { value: 3 }), n(1, { other: 'a' }), n(9)] },
    },
    {
      name: 'set elements order in a list with server-only items 2',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2 }), n(9), n(3, { value: 3 }), n(4, { value: 4 })] },
      patch: { '$setElementOrder/mergingList': order(2, 1, 4, 3) },
      want: { mergingList: [n(2, { value: 2 }), n(1, { other: 'a' }), n(9), n(4, { value: 4 }), n(3, { value: 3 })] },
    },
    {
      name: 'set elements order in a list with server-only items 3',
      original: { mergingList: [n(1, { other: 'a' }), n(2, { value: 2 }), n(7), n(9), n(8), n(3, { value: 3 }), n(4, { value: 4 })] },
      patch: { '$setElementOrder/mergingList': order(2, 1, 4, 3) },
      want: { mergingList: [n(2, { value: 2 }), n(1, { other: 'a' }), n(7), n(9), n(8), n(4, { value: 4 }), n(3, { value: 3 })] },
    },
    {
      name: 'set elements order in a int list with server-only items 2',
      original: { mergingIntList: [1, 2, 9, 3, 4] },
      patch: { '$setElementOrder/mergingIntList': [2, 1, 4, 3] },
      want: { mergingIntList: [2, 1, 9, 4, 3] },
    },
    {
      name: 'delete an item in a int list and preserve order',
      original: { mergingIntList: [1, 2, 3] },
      patch: { '$setElementOrder/mergingIntList': [2, 1], '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: [2, 1] },
    },
    {
      name: 'add and delete an item in a int list and preserve order',
      original: { mergingIntList: [1, 2, 3] },
      patch: { '$setElementOrder/mergingIntList': [4, 2, 1], mergingIntList: [4], '$deleteFromPrimitiveList/mergingIntList': [3] },
      want: { mergingIntList: [4, 2, 1] },
    },
    {
      name: 'behavior of set element order for a merging list with duplicate',
      original: { mergingList: [n(1), n(2, { value: 'dup1' }), n(3), n(2, { value: 'dup2' }), n(4)] },
      patch: { '$setElementOrder/mergingList': order(2, 1, 4, 3, 2) },
      want: { mergingList: [n(2, { value: 'dup1' }), n(2, { value: 'dup2' }), n(1), n(4), n(3)] },
    },
    {
      name: 'behavior of set element order for a merging int list with duplicate',
      original: { mergingIntList: [1, 2, 3, 2, 4] },
      patch: { '$setElementOrder/mergingIntList': [2, 1, 4, 3, 2] },
      want: { mergingIntList: [2, 2, 1, 4, 3] },
    },
    {
      name: '$setElementOrder contains an item that is not present in the list to be merged',
      original: { mergingList: [n(1), n(3)] },
      patch: { '$setElementOrder/mergingList': order(3, 2, 1), mergingList: [n(3, { value: 3 }), n(1, { value: 1 })] },
      want: { mergingList: [n(3, { value: 3 }), n(1, { value: 1 })] },
    },
    {
      name: '$setElementOrder contains an item that is not present in the int list to be merged',
      original: { mergingIntList: [1, 3] },
      patch: { '$setElementOrder/mergingIntList': [3, 2, 1] },
      want: { mergingIntList: [3, 1] },
    },
    {
      name: '$setElementOrder for a list the live object lacks adds the patch list in order',
      original: {},
      patch: { '$setElementOrder/mergingList': order(2, 1), mergingList: [n(2), n(1), { name: 3, $patch: 'delete' }] },
      want: { mergingList: [n(2), n(1)] },
    },
  ], withMergeItem);
});

t.test('$retainKeys clears the keys it does not list, in maps and in merged list elements', async (t) => {
  runCases(t, [
    {
      name: 'retainKeys map should clear defaulted field',
      original: { retainKeysMap: { value: 'foo' } },
      patch: { retainKeysMap: { $retainKeys: ['other'], other: 'bar' } },
      want: { retainKeysMap: { other: 'bar' } },
    },
    {
      name: 'retainKeys map should clear defaulted field with conflict (discriminated union)',
      original: { retainKeysMap: { name: 'type1', value: 'foo' } },
      patch: { retainKeysMap: { $retainKeys: ['name', 'other'], name: 'type2', other: 'bar' } },
      want: { retainKeysMap: { name: 'type2', other: 'bar' } },
    },
    {
      name: 'retainKeys map adds a field and clear a field',
      original: { retainKeysMap: { name: 'foo', other: 'a' } },
      patch: { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'bar' } },
      want: { retainKeysMap: { name: 'foo', value: 'bar' } },
    },
    {
      name: 'retainKeys map deletes a field and clears a field',
      original: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
      patch: { retainKeysMap: { $retainKeys: ['name'], value: null } },
      want: { retainKeysMap: { name: 'foo' } },
    },
    {
      name: 'retainKeys map clears a field',
      original: { retainKeysMap: { name: 'foo', value: 'bar', other: 'a' } },
      patch: { retainKeysMap: { $retainKeys: ['name', 'value'] } },
      want: { retainKeysMap: { name: 'foo', value: 'bar' } },
    },
    {
      name: 'retainKeys map merge an empty map',
      original: { retainKeysMap: { name: 'foo', value: 'a' } },
      patch: { retainKeysMap: {} },
      want: { retainKeysMap: { name: 'foo', value: 'a' } },
    },
    {
      name: 'retainKeys map adds an item in nested merging int list',
      original: { retainKeysMap: { name: 'foo', mergingIntList: [1, 2, 3] } },
      patch: { retainKeysMap: { '$setElementOrder/mergingIntList': [1, 2, 4], $retainKeys: ['mergingIntList', 'name'], mergingIntList: [4] } },
      want: { retainKeysMap: { name: 'foo', mergingIntList: [1, 2, 4, 3] } },
    },
    {
      name: 'retainKeys map adds an item and deletes an item in nested merging int list',
      original: { retainKeysMap: { name: 'foo', mergingIntList: [1, 2, 3, 4] } },
      patch: {
        retainKeysMap: {
          $retainKeys: ['mergingIntList', 'name'],
          mergingIntList: [5],
          '$deleteFromPrimitiveList/mergingIntList': [2],
          '$setElementOrder/mergingIntList': [1, 3, 5],
        },
      },
      want: { retainKeysMap: { name: 'foo', mergingIntList: [1, 3, 5, 4] } },
    },
    {
      name: 'retainKeys map deletes an item in nested merging list',
      original: { retainKeysMap: { name: 'foo', mergingList: [n('a'), n('b'), n('x')] } },
      patch: {
        retainKeysMap: { $retainKeys: ['mergingList', 'name'], '$setElementOrder/mergingList': order('a'), mergingList: [{ name: 'b', $patch: 'delete' }] },
      },
      want: { retainKeysMap: { name: 'foo', mergingList: [n('a'), n('x')] } },
    },
    {
      name: 'retainKeys list of maps clears a field',
      original: { retainKeysMergingList: [n('bar'), n('foo', { value: 'a', other: 'x' })] },
      patch: {
        '$setElementOrder/retainKeysMergingList': order('bar', 'foo'),
        retainKeysMergingList: [{ $retainKeys: ['name', 'value'], name: 'foo' }],
      },
      want: { retainKeysMergingList: [n('bar'), n('foo', { value: 'a' })] },
    },
    {
      name: 'retainKeys list of maps changes a field and clear a field',
      original: { retainKeysMergingList: [n('bar'), n('foo', { value: 'old', other: 'x' })] },
      patch: {
        '$setElementOrder/retainKeysMergingList': order('bar', 'foo'),
        retainKeysMergingList: [{ $retainKeys: ['name', 'value'], name: 'foo', value: 'new' }],
      },
      want: { retainKeysMergingList: [n('bar'), n('foo', { value: 'new' })] },
    },
  ], withMergeItem);
});

t.test('malformed patches are rejected with upstream messages as 400 BadRequest', async (t) => {
  const cases: Array<[name: string, original: Doc, patch: Doc, message: string]> = [
    ['missing merge key', { mergingList: [n(1, { value: 'a' })] }, { mergingList: [{ value: 'b' }] }, 'map: map[value:b] does not contain declared merge key: name'],
    [
      'a $patch delete element without the merge key',
      { mergingList: [n(1)] },
      { mergingList: [{ $patch: 'delete', value: 'a' }] },
      'map: map[$patch:delete value:a] does not contain declared merge key: name',
    ],
    ['an unknown $patch on a map', { simpleMap: { a: '1' } }, { simpleMap: { $patch: 'foo', key: 'x' } }, 'unknown patch type: foo in map: map[$patch:foo key:x]'],
    ['an unknown $patch on the whole object', { name: 1 }, { $patch: 'foo' }, 'unknown patch type: foo in map: map[$patch:foo]'],
    ['a non-string $patch', { simpleMap: {} }, { simpleMap: { $patch: 1 } }, 'unknown patch type: %!s(int64=1) in map: map[$patch:1]'],
    ['an unknown $patch in a list element', { mergingList: [n(1)] }, { mergingList: [{ name: 1, $patch: 'foo' }] }, 'unknown patch type: foo in map: map[$patch:foo name:1]'],
    ['$patch merge in a list element', { mergingList: [n(1)] }, { mergingList: [{ name: 1, $patch: 'merge' }] }, 'merging lists cannot yet be specified in the patch'],
    [
      'a patch list out of $setElementOrder order',
      { mergingList: [n(1), n(3), n(2)] },
      { '$setElementOrder/mergingList': order(1, 2, 3), mergingList: [n(3, { value: 3 }), n(1, { value: 1 })] },
      "the order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]",
    ],
    [
      'a primitive patch list out of $setElementOrder order',
      { mergingIntList: [1, 3, 2] },
      { '$setElementOrder/mergingIntList': [1, 2, 3], mergingIntList: [3, 1] },
      "the order in patch list:\n[3 1]\n doesn't match $setElementOrder list:\n[1 2 3]",
    ],
    ['a $setElementOrder that is not a list', { mergingList: [n(1)] }, { '$setElementOrder/mergingList': 'x' }, 'expected a []interface {}, but received a string'],
    ['a $setElementOrder key without a field', { mergingList: [n(1)] }, { $setElementOrder: [n(1)] }, 'invalid patch format of setElementOrder list'],
    ['a $deleteFromPrimitiveList key without a field', { mergingIntList: [1] }, { $deleteFromPrimitiveListmergingIntList: [1] }, 'invalid patch format of primitive list'],
    ['a $retainKeys that is not a list', { retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: 'name' } }, 'invalid patch format of retainKeys'],
    ['a patch key missing from $retainKeys', { retainKeysMap: { name: 'a' } }, { retainKeysMap: { $retainKeys: ['name'], value: 'x' } }, 'invalid patch format of retainKeys'],
    ['a list of lists', { mergingIntList: [] }, { mergingIntList: [[1]] }, 'lists of lists are not supported'],
    ['mixed element types', { mergingIntList: [1] }, { mergingIntList: ['a'] }, 'list element types are not identical: [[1] [a]]'],
  ];
  for (const [name, original, patch, message] of cases) t.equal(errorMessage(() => withMergeItem(original, patch)), message, name);
});

// ---------------------------------------------------------------------------------------------
// The in-scope kinds, with the bodies kubectl sends

const meta = (name: string, extra: Doc = {}): KubeObject['metadata'] => ({ name, namespace: 'default', uid: `uid-${name}`, ...extra });

const daemonSet = (template: Doc, extra: Doc = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: meta('agent', { labels: { app: 'agent', extra: 'x' }, annotations: { note: 'n' } }),
  spec: { selector: { matchLabels: { app: 'agent' } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } }, ...extra },
});

const agentTemplate = {
  metadata: { labels: { app: 'agent' } },
  spec: {
    containers: [
      { name: 'agent', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'A', value: 'a' }, { name: 'B', value: 'b' }] },
      { name: 'sidecar', image: 'busybox' },
    ],
    tolerations: [{ operator: 'Exists' }],
  },
};

const node = (spec: Doc): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'uid-node-1' }, spec, status: { phase: 'Running' } });

const withKind = (group: string, kind: string) => (original: Doc, patch: Doc): Doc => strategicMergePatch(group, kind, original as KubeObject, patch);

t.test('kubectl apply three-way patches apply with $setElementOrder and $patch delete', async (t) => {
  const lastApplied = '{"apiVersion":"apps/v1","kind":"DaemonSet"}\n';
  runCases(t, [
    {
      name: 'the section 2.8 body: env and a container deleted, command replaced, tolerations cleared, a label removed',
      original: daemonSet(agentTemplate),
      patch: {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied }, labels: { extra: null } },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'agent' }],
              containers: [
                { '$setElementOrder/env': [{ name: 'B' }], command: ['sleep', '3601'], env: [{ $patch: 'delete', name: 'A' }], name: 'agent' },
                { $patch: 'delete', name: 'sidecar' },
              ],
              tolerations: null,
            },
          },
        },
      },
      want: {
        ...daemonSet({
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'busybox', command: ['sleep', '3601'], env: [{ name: 'B', value: 'b' }] }] },
        }),
        metadata: meta('agent', { labels: { app: 'agent' }, annotations: { note: 'n', 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }),
      },
    },
    {
      name: 'a container added by apply lands where $setElementOrder puts it',
      original: daemonSet(agentTemplate),
      patch: {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'agent' }, { name: 'logger' }, { name: 'sidecar' }],
              containers: [{ name: 'logger', image: 'fluent', ports: [{ containerPort: 24224 }] }],
            },
          },
        },
      },
      want: daemonSet({
        ...agentTemplate,
        spec: {
          ...agentTemplate.spec,
          containers: [agentTemplate.spec.containers[0], { name: 'logger', image: 'fluent', ports: [{ containerPort: 24224 }] }, agentTemplate.spec.containers[1]],
        },
      }),
    },
    {
      name: 'container ports merge by containerPort and volume mounts by mountPath',
      original: daemonSet({
        spec: { containers: [{ name: 'agent', ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ mountPath: '/data', name: 'data' }] }] },
      }),
      patch: {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'agent',
                  '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
                  ports: [{ containerPort: 443, name: 'https' }],
                  volumeMounts: [{ mountPath: '/data', readOnly: true }],
                },
              ],
            },
          },
        },
      },
      want: daemonSet({
        spec: {
          containers: [
            {
              name: 'agent',
              ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443, name: 'https' }],
              volumeMounts: [{ mountPath: '/data', name: 'data', readOnly: true }],
            },
          ],
        },
      }),
    },
    {
      name: 'a volume switched to another source clears the old one with $retainKeys',
      original: daemonSet({ spec: { containers: [], volumes: [{ name: 'data', emptyDir: {} }, { name: 'conf', configMap: { name: 'c' } }] } }),
      patch: {
        spec: {
          template: {
            spec: {
              '$setElementOrder/volumes': [{ name: 'data' }, { name: 'conf' }],
              volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/var/data' }, name: 'data', emptyDir: null }],
            },
          },
        },
      },
      want: daemonSet({ spec: { containers: [], volumes: [{ name: 'data', hostPath: { path: '/var/data' } }, { name: 'conf', configMap: { name: 'c' } }] } }),
    },
    {
      name: 'selector matchExpressions are atomic',
      original: daemonSet(agentTemplate, {
        selector: { matchLabels: { app: 'agent' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }, { key: 'tier', operator: 'Exists' }] },
      }),
      patch: { spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['b'] }] } } },
      want: daemonSet(agentTemplate, {
        selector: { matchLabels: { app: 'agent' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['b'] }] },
      }),
    },
  ], withKind('apps', 'DaemonSet'));
});

t.test('kubectl rollout undo replaces the template and rollout restart adds an annotation', async (t) => {
  const revisionTemplate = {
    metadata: { creationTimestamp: null, labels: { app: 'agent' } },
    spec: { containers: [{ name: 'agent', image: 'busybox:1.35', resources: {} }], restartPolicy: 'Always' },
  };
  const restarted = {
    metadata: { labels: { app: 'agent', version: 'v2' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-28T04:43:55Z' } },
    spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }, { name: 'sidecar', image: 'envoy' }], restartPolicy: 'Always', tolerations: [{ operator: 'Exists' }] },
  };
  runCases(t, [
    {
      name: 'undo: {"$patch":"replace"} swaps the whole template for the revision',
      original: daemonSet(restarted),
      patch: { spec: { template: { $patch: 'replace', ...revisionTemplate } } },
      // creationTimestamp: null is dropped, as decoding into the Go type drops it
      want: daemonSet({ metadata: { labels: { app: 'agent' } }, spec: revisionTemplate.spec }),
    },
    {
      name: 'undo onto a spec without a template drops the replaced map, as upstream',
      original: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('agent'), spec: { minReadySeconds: 1 } },
      patch: { spec: { template: { $patch: 'replace', ...revisionTemplate } } },
      want: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('agent'), spec: { minReadySeconds: 1 } },
    },
    {
      name: 'restart: the restartedAt annotation is added to the template',
      original: daemonSet(agentTemplate),
      patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-28T04:43:55Z' } } } } },
      want: daemonSet({
        ...agentTemplate,
        metadata: { labels: { app: 'agent' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-28T04:43:55Z' } },
      }),
    },
    {
      name: 'restart again: the annotation value is replaced, other annotations stay',
      original: daemonSet({ ...restarted, metadata: { ...restarted.metadata, annotations: { ...restarted.metadata.annotations, keep: 'me' } } }),
      patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-29T00:00:00Z' } } } } },
      want: daemonSet({ ...restarted, metadata: { ...restarted.metadata, annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-29T00:00:00Z', keep: 'me' } } }),
    },
  ], withKind('apps', 'DaemonSet'));
});

t.test('kubectl cordon, uncordon and taint patch nodes, taints being replaced whole', async (t) => {
  const a = { effect: 'NoSchedule', key: 'a', value: '1' };
  const b = { effect: 'NoExecute', key: 'b', value: '2' };
  runCases(t, [
    { name: 'cordon sets unschedulable', original: node({ podCIDR: '10.0.0.0/24' }), patch: { spec: { unschedulable: true } }, want: node({ podCIDR: '10.0.0.0/24', unschedulable: true }) },
    { name: 'uncordon removes unschedulable', original: node({ unschedulable: true }), patch: { spec: { unschedulable: null } }, want: node({}) },
    { name: 'taint adds by sending the full list', original: node({ taints: [a] }), patch: { spec: { taints: [b, a] } }, want: node({ taints: [b, a] }) },
    { name: 'removing one taint of two keeps only the list sent', original: node({ taints: [b, a] }), patch: { spec: { taints: [b] } }, want: node({ taints: [b] }) },
    { name: 'removing the last taint sends null', original: node({ taints: [a] }), patch: { spec: { taints: null } }, want: node({}) },
    {
      name: 'podCIDRs merge as a set',
      original: node({ podCIDRs: ['10.0.0.0/24'] }),
      patch: { spec: { podCIDRs: ['fd00::/64'] } },
      want: node({ podCIDRs: ['fd00::/64', '10.0.0.0/24'] }),
    },
  ], withKind('', 'Node'));
});

t.test('metadata merges labels, finalizers as a set and ownerReferences by uid', async (t) => {
  const ns = (metadata: Doc): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo', ...metadata }, spec: { finalizers: ['kubernetes'] } });
  const owner = (uid: string, name: string): Doc => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid, controller: true });
  runCases(t, [
    { name: 'labels merge and null removes one', original: ns({ labels: { a: '1', b: '2' } }), patch: { metadata: { labels: { b: null, c: '3' } } }, want: ns({ labels: { a: '1', c: '3' } }) },
    { name: 'finalizers are a set union', original: ns({ finalizers: ['x'] }), patch: { metadata: { finalizers: ['y', 'x'] } }, want: ns({ finalizers: ['y', 'x'] }) },
    {
      name: 'finalizers delete through $deleteFromPrimitiveList',
      original: ns({ finalizers: ['x', 'y', 'z'] }),
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['y'] } },
      want: ns({ finalizers: ['x', 'z'] }),
    },
    {
      name: 'ownerReferences merge by uid',
      original: ns({ ownerReferences: [owner('u1', 'a')] }),
      patch: { metadata: { ownerReferences: [{ uid: 'u1', blockOwnerDeletion: true }, owner('u2', 'b')] } },
      want: ns({ ownerReferences: [{ ...owner('u1', 'a'), blockOwnerDeletion: true }, owner('u2', 'b')] }),
    },
    { name: 'namespace spec.finalizers are atomic', original: ns({}), patch: { spec: { finalizers: [] } }, want: { ...ns({}), spec: { finalizers: [] } } },
  ], withKind('', 'Namespace'));
});

t.test('status lists merge by their keys while container statuses are atomic', async (t) => {
  const pod = (status: Doc): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta('web-1'), spec: { containers: [{ name: 'web' }] }, status });
  const cond = (type: string, status: string): Doc => ({ type, status, lastTransitionTime: '2026-01-01T00:00:00Z' });
  runCases(t, [
    {
      name: 'pod conditions merge by type in $setElementOrder order',
      original: pod({ conditions: [cond('PodScheduled', 'True'), cond('Ready', 'False')], containerStatuses: [{ name: 'web', ready: false, restartCount: 0 }] }),
      patch: {
        status: {
          '$setElementOrder/conditions': [{ type: 'PodScheduled' }, { type: 'Initialized' }, { type: 'Ready' }],
          conditions: [cond('Initialized', 'True'), { type: 'Ready', status: 'True' }],
          containerStatuses: [{ name: 'web', ready: true }],
          podIPs: [{ ip: '10.0.0.5' }],
        },
      },
      want: pod({
        conditions: [cond('PodScheduled', 'True'), cond('Initialized', 'True'), cond('Ready', 'True')],
        containerStatuses: [{ name: 'web', ready: true }],
        podIPs: [{ ip: '10.0.0.5' }],
      }),
    },
  ], withKind('', 'Pod'));
  runCases(t, [
    {
      name: 'node addresses merge by type and images are atomic',
      original: { ...node({}), status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'node-1' }], images: [{ names: ['a'] }, { names: ['b'] }] } },
      patch: { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], images: [{ names: ['c'] }] } },
      want: { ...node({}), status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'node-1' }], images: [{ names: ['c'] }] } },
    },
  ], withKind('', 'Node'));
});

t.test('paths without metadata merge as plain maps and replace lists', async (t) => {
  runCases(t, [
    {
      name: 'an unknown field of a known kind',
      original: daemonSet(agentTemplate, { future: { a: 1, list: [1, 2] } }),
      patch: { spec: { future: { b: 2, list: [3] } } },
      want: daemonSet(agentTemplate, { future: { a: 1, b: 2, list: [3] } }),
    },
  ], withKind('apps', 'DaemonSet'));
  runCases(t, [
    {
      name: 'a ControllerRevision data blob',
      original: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('agent-1'), data: { spec: { template: { a: 1 } } }, revision: 1 },
      patch: { data: { spec: { other: 1 } }, revision: 2 },
      want: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('agent-1'), data: { spec: { template: { a: 1 }, other: 1 } }, revision: 2 },
    },
  ], withKind('apps', 'ControllerRevision'));
});

t.test('the patch metadata holds the upstream strategies of the served kinds', async (t) => {
  const at = (group: string, kind: string, path: string): PatchSchema | undefined =>
    path.split('.').reduce<PatchSchema | undefined>((schema, key) => {
      if (key === '[]') return schema?.type === 'list' ? schema.items : undefined;
      return fieldSchema(schema, key);
    }, patchSchemaFor(group, kind));
  type Want = [type: PatchSchema['type'], strategy?: string, mergeKey?: string] | undefined;
  const cases: Array<[group: string, kind: string, path: string, want: Want]> = [
    ['', 'Pod', 'metadata.finalizers', ['list', 'merge']],
    ['', 'Pod', 'spec.volumes', ['list', 'merge,retainKeys', 'name']],
    ['', 'Pod', 'spec.containers', ['list', 'merge', 'name']],
    ['', 'Pod', 'spec.initContainers.[].env', ['list', 'merge', 'name']],
    ['', 'Pod', 'spec.ephemeralContainers.[].volumeMounts', ['list', 'merge', 'mountPath']],
    ['', 'Pod', 'spec.containers.[].ports', ['list', 'merge', 'containerPort']],
    ['', 'Pod', 'spec.containers.[].volumeDevices', ['list', 'merge', 'devicePath']],
    ['', 'Pod', 'spec.containers.[].resizePolicy', ['list']],
    ['', 'Pod', 'spec.containers.[].command', ['list']],
    ['', 'Pod', 'spec.imagePullSecrets', ['list', 'merge', 'name']],
    ['', 'Pod', 'spec.topologySpreadConstraints', ['list', 'merge', 'topologyKey']],
    ['', 'Pod', 'spec.resourceClaims', ['list', 'merge,retainKeys', 'name']],
    ['', 'Pod', 'spec.hostAliases', ['list', 'merge', 'ip']],
    ['', 'Pod', 'spec.tolerations', ['list']],
    ['', 'Pod', 'status.conditions', ['list', 'merge', 'type']],
    ['', 'Pod', 'status.podIPs', ['list', 'merge', 'ip']],
    ['', 'Pod', 'status.containerStatuses', ['list']],
    ['', 'Node', 'spec.taints', ['list']],
    ['', 'Node', 'spec.podCIDRs', ['list', 'merge']],
    ['', 'Node', 'status.addresses', ['list', 'merge', 'type']],
    ['', 'Node', 'status.images', ['list']],
    ['apps', 'DaemonSet', 'spec.template.spec.schedulingGates', ['list', 'merge', 'name']],
    ['apps', 'DaemonSet', 'spec.selector.matchExpressions', ['list']],
    ['apps', 'DaemonSet', 'spec.updateStrategy', ['object']],
    ['apps', 'DaemonSet', 'status.conditions', ['list', 'merge', 'type']],
    ['apps', 'DaemonSet', 'metadata.ownerReferences', ['list', 'merge', 'uid']],
    ['apps', 'ControllerRevision', 'data', ['object']],
    ['', 'Namespace', 'status.conditions', ['list', 'merge', 'type']],
    ['', 'Namespace', 'spec.finalizers', ['list']],
    ['apps', 'Deployment', 'spec', undefined],
  ];
  for (const [group, kind, path, want] of cases) {
    const got = at(group, kind, path);
    const described: Want = got && [got.type, got.strategy, got.type === 'list' ? got.mergeKey : undefined];
    t.same(described?.filter((part) => part !== undefined), want, `${group}/${kind} ${path}`);
  }
});
