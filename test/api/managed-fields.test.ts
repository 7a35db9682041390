import t, { type Test } from 'tap';
import {
  ConflictsError,
  FieldSet,
  SCALAR,
  Updater,
  capUpdateManagers,
  cloneManaged,
  compareValuesTyped,
  decodeManagedFields,
  emptyManaged,
  encodeManagedFields,
  keepManagedFieldsTimestamps,
  keyElement,
  managerIdentifier,
  parsePathElement,
  pathToString,
  prefixFromUserAgent,
  recordManagedFields,
  serializePathElement,
  ssaSchemaFor,
  toFieldSet,
  type FieldPath,
  type Managed,
  type PathElement,
  type SchemaNode,
  comparePathElements,
} from '../../api/managed-fields.js';
import { daemonSets, pods } from '../../api/resources.js';
import { deepFreeze, type KubeObject } from '../../store/object.js';

const f = (field: string): PathElement => ({ field });
const k = (entries: Record<string, string | number>): PathElement => keyElement(Object.entries(entries));
const v = (value: string | number | boolean): PathElement => ({ value });
const i = (index: number): PathElement => ({ index });
const P = (...pes: PathElement[]): FieldPath => pes;

/** The path strings of a set, in upstream's iteration order. */
const paths = (s: FieldSet) => s.paths().map(pathToString);

t.test('path elements serialize to the fieldsV1 keys upstream writes, and parse back', async (t) => {
  const cases: Array<[PathElement, string]> = [
    [f('image'), 'f:image'],
    [f('kubectl.kubernetes.io/last-applied-configuration'), 'f:kubectl.kubernetes.io/last-applied-configuration'],
    [k({ name: 'agent' }), 'k:{"name":"agent"}'],
    [k({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}'],
    [v('kubernetes'), 'v:"kubernetes"'],
    [v(3), 'v:3'],
    [v(true), 'v:true'],
    [i(2), 'i:2'],
    [k({ name: '<&>' }), 'k:{"name":"\\u003c\\u0026\\u003e"}'],
  ];
  for (const [pe, text] of cases) {
    t.equal(serializePathElement(pe), text, text);
    t.same(parsePathElement(text), pe, `parses ${text}`);
  }
  t.same(parsePathElement('k:{ "protocol": "TCP", "containerPort": 80 }'), k({ containerPort: 80, protocol: 'TCP' }), 'key fields are sorted by name whatever the input order');
  t.throws(() => parsePathElement('f'), /2 characters/);
  t.throws(() => parsePathElement('fx'), /missing colon/);
  t.throws(() => parsePathElement('k:[1]'), /JSON object/);
});

t.test('path elements order fields before keys before values before indexes', async (t) => {
  const sorted = [i(0), v('b'), k({ name: 'b' }), f('b'), v(1), k({ name: 'a' }), f('a'), i(-1)].sort(comparePathElements);
  t.same(sorted.map(serializePathElement), ['f:a', 'f:b', 'k:{"name":"a"}', 'k:{"name":"b"}', 'v:1', 'v:"b"', 'i:-1', 'i:0'], 'numbers sort before strings, as value.Compare');
});

t.test('path strings name keyed items and set members as upstream conflict messages do', async (t) => {
  t.equal(pathToString(P(f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'agent' }), f('image'))), '.spec.template.spec.containers[name="agent"].image');
  t.equal(pathToString(P(f('spec'), f('ports'), k({ containerPort: 80, protocol: 'TCP' }))), '.spec.ports[containerPort=80,protocol="TCP"]');
  t.equal(pathToString(P(f('metadata'), f('finalizers'), v('x'))), '.metadata.finalizers[="x"]');
  t.equal(pathToString(P(f('list'), i(3))), '.list[3]');
});

t.test('fieldsV1 marks members that have children with ".", in upstream order', async (t) => {
  const set = FieldSet.of(
    P(f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'agent' })),
    P(f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'agent' }), f('name')),
    P(f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'agent' }), f('image')),
    P(f('spec'), f('selector')),
    P(f('metadata'), f('labels')),
    P(f('metadata'), f('labels'), f('app')),
  );
  const fields = set.toFieldsV1();
  t.same(fields, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:selector': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"agent"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
    },
  });
  t.equal(
    JSON.stringify(fields),
    '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"agent\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
    'keys come out sorted with "." first, byte for byte',
  );
  t.ok(FieldSet.fromFieldsV1(fields).equals(set), 'decoding gives the same set back');
});

t.test('fieldsV1 decoding drops unknown key kinds and refuses malformed keys', async (t) => {
  const set = FieldSet.fromFieldsV1({ 'f:a': {}, 'x:future': { 'f:b': {} }, 'f:c': { '.': {}, 'v:"x"': {}, 'i:1': {} } });
  t.same(paths(set), ['.a', '.c', '.c[="x"]', '.c[1]']);
  t.throws(() => FieldSet.fromFieldsV1({ 'k:{': {} }), /parsing key as path element/);
  t.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }), /must be a JSON object/);
  t.ok(FieldSet.fromFieldsV1({}).empty(), 'an empty object is the empty set');
});

t.test('set union, intersection and difference follow fieldpath.Set', async (t) => {
  const a = FieldSet.of(P(f('a')), P(f('b'), f('c')), P(f('d'), f('e')), P(f('d')));
  const b = FieldSet.of(P(f('b'), f('c')), P(f('d')), P(f('x')));
  t.same(paths(a.union(b)), ['.a', '.d', '.x', '.b.c', '.d.e']);
  t.same(paths(a.intersection(b)), ['.d', '.b.c']);
  t.same(paths(a.difference(b)), ['.a', '.d.e'], 'a parent minus its child keeps the child: difference is per member');
  t.same(paths(a.recursiveDifference(b)), ['.a'], 'a recursive difference also drops what lies under removed members');
  t.same(paths(FieldSet.of(P(f('b'), f('c'))).difference(FieldSet.of(P(f('b'))))), ['.b.c'], 'child minus parent stays');
  t.ok(a.has(P(f('d'), f('e'))));
  t.notOk(a.has(P(f('b'))), 'a parent is not a member unless inserted');
  t.equal(a.size(), 4);
  t.ok(a.union(b).equals(b.union(a)));
  t.ok(new FieldSet().empty());
  t.notOk(a.empty());
});

const dsSchema = ssaSchemaFor('apps', 'DaemonSet');

t.test('ToFieldSet lists leaves, map keys and list items, but not the structs that hold them', async (t) => {
  const set = toFieldSet(dsSchema, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', labels: { app: 'agent' } },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          containers: [{ name: 'agent', image: 'agent:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }], resources: { limits: { cpu: '1' } } }],
          tolerations: [{ operator: 'Exists' }],
          nodeSelector: { role: 'x' },
          securityContext: {},
        },
      },
    },
  });
  t.same(paths(set), [
    '.apiVersion',
    '.kind',
    '.metadata.name',
    '.metadata.labels.app',
    '.spec.selector',
    '.spec.template.metadata.labels.app',
    '.spec.template.spec.nodeSelector',
    '.spec.template.spec.tolerations',
    '.spec.template.spec.containers[name="agent"]',
    '.spec.template.spec.containers[name="agent"].image',
    '.spec.template.spec.containers[name="agent"].name',
    '.spec.template.spec.containers[name="agent"].env[name="A"]',
    '.spec.template.spec.containers[name="agent"].env[name="A"].name',
    '.spec.template.spec.containers[name="agent"].env[name="A"].value',
    '.spec.template.spec.containers[name="agent"].ports[containerPort=80,protocol="TCP"]',
    '.spec.template.spec.containers[name="agent"].ports[containerPort=80,protocol="TCP"].containerPort',
    '.spec.template.spec.containers[name="agent"].resources.limits.cpu',
  ], 'selector is an atomic struct, nodeSelector an atomic map, tolerations an atomic list; ports are keyed by containerPort and protocol (default TCP); an empty struct owns nothing');
});

t.test('ToFieldSet refuses, when strict, items without keys and duplicate keys', async (t) => {
  const containers = (list: unknown[]) => ({ spec: { template: { spec: { containers: list } } } });
  t.throws(() => toFieldSet(dsSchema, containers([{ image: 'x' }]), { strict: true }), {
    message: '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  });
  t.throws(() => toFieldSet(dsSchema, containers([{ name: 'a' }, { name: 'a' }]), { strict: true }), {
    message: '.spec.template.spec.containers: duplicate entries for key [name="a"]',
  });
  t.throws(() => toFieldSet(dsSchema, { spec: { template: { spec: { containers: { name: 'a' } } } } }, { strict: true }), /expected list/);
  t.doesNotThrow(() => toFieldSet(dsSchema, containers([{ name: 'a' }, { name: 'a' }])), 'live objects are read leniently');
});

t.test('named fields become members for pruning, map keys do not', async (t) => {
  const set = FieldSet.of(P(f('spec'), f('template'), f('metadata'), f('labels'), f('app')), P(f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'a' }), f('securityContext'), f('runAsUser')));
  t.same(paths(set.ensureNamedFieldsAreMembers(dsSchema)), [
    '.spec',
    '.spec.template',
    '.spec.template.metadata',
    '.spec.template.spec',
    '.spec.template.metadata.labels',
    '.spec.template.metadata.labels.app',
    '.spec.template.spec.containers',
    '.spec.template.spec.containers[name="a"].securityContext',
    '.spec.template.spec.containers[name="a"].securityContext.runAsUser',
  ]);
});

t.test('Compare adds a container as a whole only when it was absent, and reports leaves', async (t) => {
  const schema: SchemaNode = { type: 'map', fields: { labels: { type: 'map', values: SCALAR }, spec: { type: 'map' } } };
  const c = compareValuesTyped(schema, { spec: { a: 1, b: 2 } }, { labels: { x: 'y' }, spec: { a: 2, c: {} } });
  t.same(paths(c.added), ['.labels', '.labels.x', '.spec.c']);
  t.same(paths(c.modified), ['.spec.a']);
  t.same(paths(c.removed), ['.spec.b']);
  const nulls = compareValuesTyped(schema, { labels: null }, { labels: { x: 'y' } });
  t.same(paths(nulls.added), ['.labels.x'], 'a null map is present: only its new keys are added');
});

// ---------------------------------------------------------------------------------------------
// structured-merge-diff's merge tests (merge/*_test.go), run on Updater.

type Op =
  | { apply: string; object: Record<string, unknown>; force?: boolean; conflicts?: Array<[string, string]> }
  | { update: string; object: Record<string, unknown> };

interface MergeCase {
  name: string;
  schema: SchemaNode;
  ops: Op[];
  object: Record<string, unknown>;
  managed: Record<string, string[]>;
}

function runOps(t: Test, schema: SchemaNode, ops: Op[]): { live: unknown; managed: Managed } {
  const updater = new Updater(schema, 'v1');
  let live: unknown;
  let managed = emptyManaged();
  for (const op of ops) {
    if ('update' in op) {
      updater.update(live, op.object, managed, op.update);
      live = op.object;
      continue;
    }
    const working = cloneManaged(managed);
    try {
      live = updater.apply(live, op.object, working, op.apply, op.force ?? false).object;
      managed = working;
      if (op.conflicts) t.fail(`expected conflicts ${JSON.stringify(op.conflicts)}`);
    } catch (err) {
      if (!(err instanceof ConflictsError) || !op.conflicts) throw err;
      t.same(
        err.conflicts.map((c) => [c.manager, pathToString(c.path)]),
        op.conflicts,
        `conflicts of ${op.apply}`,
      );
    }
  }
  return { live: live ?? {}, managed };
}

function managedPaths(managed: Managed): Record<string, string[]> {
  return Object.fromEntries([...managed.fields].map(([m, vs]) => [m, paths(vs.set)]));
}

const leafFields: SchemaNode = { type: 'map', fields: { numeric: SCALAR, string: SCALAR, bool: SCALAR } };
const setFields: SchemaNode = { type: 'map', fields: { list: { type: 'list', relationship: 'set', items: SCALAR } } };
const keyedFields: SchemaNode = {
  type: 'map',
  fields: { list: { type: 'list', relationship: 'map', keys: ['name'], items: { type: 'map', fields: { name: SCALAR, value: SCALAR, nested: { type: 'map', fields: { x: SCALAR, y: SCALAR } } } } } },
};
const atomicFields: SchemaNode = { type: 'map', fields: { list: { type: 'list', relationship: 'atomic', items: SCALAR }, struct: { type: 'map', atomic: true } } };

const mergeCases: MergeCase[] = [
  {
    name: 'leaf: applying twice makes the manager own the second configuration',
    schema: leafFields,
    ops: [
      { apply: 'default', object: { numeric: 1, string: 'string' } },
      { apply: 'default', object: { numeric: 2, string: 'string', bool: false } },
    ],
    object: { numeric: 2, string: 'string', bool: false },
    managed: { default: ['.bool', '.numeric', '.string'] },
  },
  {
    name: 'leaf: an updater owns what it adds and the applier keeps the rest without conflict',
    schema: leafFields,
    ops: [
      { apply: 'default', object: { numeric: 1, string: 'string' } },
      { update: 'controller', object: { numeric: 1, string: 'string', bool: true } },
      { apply: 'default', object: { numeric: 2, string: 'string' } },
    ],
    object: { numeric: 2, string: 'string', bool: true },
    managed: { default: ['.numeric', '.string'], controller: ['.bool'] },
  },
  {
    name: 'leaf: changing a field an updater changed conflicts, and force takes it',
    schema: leafFields,
    ops: [
      { apply: 'default', object: { numeric: 1, string: 'string' } },
      { update: 'controller', object: { numeric: 1, string: 'controller string', bool: true } },
      { apply: 'default', object: { numeric: 2, string: 'user string' }, conflicts: [['controller', '.string']] },
      { apply: 'default', object: { numeric: 2, string: 'user string' }, force: true },
    ],
    object: { numeric: 2, string: 'user string', bool: true },
    managed: { default: ['.numeric', '.string'], controller: ['.bool'] },
  },
  {
    name: 'leaf: fields the applier stops applying are removed',
    schema: leafFields,
    ops: [
      { apply: 'default', object: { numeric: 1, string: 'string', bool: false } },
      { apply: 'default', object: { string: 'new string' } },
    ],
    object: { string: 'new string' },
    managed: { default: ['.string'] },
  },
  {
    name: 'leaf: a field an updater changed stays when the applier stops applying it',
    schema: leafFields,
    ops: [
      { apply: 'default', object: { numeric: 2 } },
      { update: 'controller', object: { numeric: 1 } },
      { apply: 'default', object: {} },
    ],
    object: { numeric: 1 },
    managed: { controller: ['.numeric'] },
  },
  {
    name: 'leaf: an update of every applied field leaves the applier with nothing',
    schema: leafFields,
    ops: [
      { apply: 'default', object: { string: 'string' } },
      { update: 'controller', object: { string: 'new string' } },
    ],
    object: { string: 'new string' },
    managed: { controller: ['.string'] },
  },
  {
    name: 'leaf: two appliers of the same value co-own it, and it stays while one applies it',
    schema: leafFields,
    ops: [
      { apply: 'a', object: { string: 'same', numeric: 1 } },
      { apply: 'b', object: { string: 'same' } },
      { apply: 'a', object: { numeric: 1 } },
    ],
    object: { string: 'same', numeric: 1 },
    managed: { a: ['.numeric'], b: ['.string'] },
  },
  {
    name: 'set: applying more members adds them',
    schema: setFields,
    ops: [
      { apply: 'default', object: { list: ['a', 'c'] } },
      { apply: 'default', object: { list: ['a', 'b', 'c', 'd'] } },
    ],
    object: { list: ['a', 'b', 'c', 'd'] },
    managed: { default: ['.list[="a"]', '.list[="b"]', '.list[="c"]', '.list[="d"]'] },
  },
  {
    name: 'set: an applier and an updater own disjoint members',
    schema: setFields,
    ops: [
      { apply: 'default', object: { list: ['a', 'c'] } },
      { update: 'controller', object: { list: ['a', 'b', 'c', 'd'] } },
      { apply: 'default', object: { list: ['a', 'aprime', 'c', 'cprime'] } },
    ],
    object: { list: ['a', 'b', 'aprime', 'c', 'd', 'cprime'] },
    managed: { default: ['.list[="a"]', '.list[="aprime"]', '.list[="c"]', '.list[="cprime"]'], controller: ['.list[="b"]', '.list[="d"]'] },
  },
  {
    name: 'set: members the applier stops applying are removed',
    schema: setFields,
    ops: [
      { apply: 'default', object: { list: ['a', 'b', 'c', 'd'] } },
      { apply: 'default', object: { list: ['a', 'c'] } },
    ],
    object: { list: ['a', 'c'] },
    managed: { default: ['.list[="a"]', '.list[="c"]'] },
  },
  {
    name: 'set: a reordered configuration reorders the list',
    schema: setFields,
    ops: [
      { apply: 'default', object: { list: ['a', 'b', 'c', 'd'] } },
      { apply: 'default', object: { list: ['a', 'd', 'c', 'b'] } },
    ],
    object: { list: ['a', 'd', 'c', 'b'] },
    managed: { default: ['.list[="a"]', '.list[="b"]', '.list[="c"]', '.list[="d"]'] },
  },
  {
    name: 'keyed list: appliers own their items by key and an item field by path',
    schema: keyedFields,
    ops: [
      { apply: 'a', object: { list: [{ name: 'x', value: '1' }] } },
      { apply: 'b', object: { list: [{ name: 'y', value: '2' }] } },
    ],
    object: { list: [{ name: 'x', value: '1' }, { name: 'y', value: '2' }] },
    managed: { a: ['.list[name="x"]', '.list[name="x"].name', '.list[name="x"].value'], b: ['.list[name="y"]', '.list[name="y"].name', '.list[name="y"].value'] },
  },
  {
    name: 'keyed list: changing another applier item field conflicts; force takes the field, not the item',
    schema: keyedFields,
    ops: [
      { apply: 'a', object: { list: [{ name: 'x', value: '1' }] } },
      { apply: 'b', object: { list: [{ name: 'x', value: '2' }] }, conflicts: [['a', '.list[name="x"].value']] },
      { apply: 'b', object: { list: [{ name: 'x', value: '2' }] }, force: true },
    ],
    object: { list: [{ name: 'x', value: '2' }] },
    managed: { a: ['.list[name="x"]', '.list[name="x"].name'], b: ['.list[name="x"]', '.list[name="x"].name', '.list[name="x"].value'] },
  },
  {
    name: 'keyed list: an item the applier stops applying is removed, one co-owned stays',
    schema: keyedFields,
    ops: [
      { apply: 'a', object: { list: [{ name: 'x' }, { name: 'y' }, { name: 'z', nested: { x: 1 } }] } },
      { apply: 'b', object: { list: [{ name: 'y' }] } },
      { apply: 'a', object: { list: [{ name: 'z' }] } },
    ],
    object: { list: [{ name: 'y' }, { name: 'z' }] },
    managed: { a: ['.list[name="z"]', '.list[name="z"].name'], b: ['.list[name="y"]', '.list[name="y"].name'] },
  },
  {
    name: 'keyed list: a struct the applier stops applying goes as a whole',
    schema: keyedFields,
    ops: [
      { apply: 'a', object: { list: [{ name: 'z', nested: { x: 1, y: 2 } }] } },
      { apply: 'a', object: { list: [{ name: 'z', nested: { x: 1 } }] } },
      { apply: 'a', object: { list: [{ name: 'z' }] } },
    ],
    object: { list: [{ name: 'z' }] },
    managed: { a: ['.list[name="z"]', '.list[name="z"].name'] },
  },
  {
    name: 'atomic: lists and atomic structs are replaced and owned whole',
    schema: atomicFields,
    ops: [
      { apply: 'a', object: { list: ['1', '2'], struct: { p: 1, q: 2 } } },
      { update: 'controller', object: { list: ['1', '2', '3'], struct: { p: 1, q: 2 } } },
      { apply: 'a', object: { list: ['9'] }, conflicts: [['controller', '.list']] },
      { apply: 'a', object: { list: ['9'], struct: { p: 3 } }, force: true },
    ],
    object: { list: ['9'], struct: { p: 3 } },
    managed: { a: ['.list', '.struct'] },
  },
];

for (const c of mergeCases) {
  t.test(c.name, async (t) => {
    const { live, managed } = runOps(t, c.schema, c.ops);
    t.same(live ?? {}, c.object);
    t.same(managedPaths(managed), c.managed);
  });
}

// ---------------------------------------------------------------------------------------------
// managedFields entries and the apiserver's bookkeeping.

t.test('manager identifiers are the entry without fields and time; appliers have no apiVersion', async (t) => {
  t.equal(managerIdentifier({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1' }), '{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1"}');
  t.equal(managerIdentifier({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }), '{"manager":"kubectl","operation":"Apply"}');
  t.equal(managerIdentifier({ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', subresource: 'status' }), '{"manager":"kubelet","operation":"Update","apiVersion":"v1","subresource":"status"}');
});

t.test('managedFields decode and encode back, sorted by operation, time and manager', async (t) => {
  const entries = [
    { manager: 'zeta', operation: 'Update', apiVersion: 'v1', time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } } },
    { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '2024-01-02T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:phase': {} } }, subresource: 'status' },
    { manager: 'alpha', operation: 'Update', apiVersion: 'v1', time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:x': {} } } },
    { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:y': {} } } },
  ];
  const encoded = encodeManagedFields(decodeManagedFields(entries))!;
  t.same(encoded.map((e) => e.manager), ['kubectl', 'alpha', 'zeta', 'kubelet'], 'Apply before Update, then oldest first, then by name');
  t.same(encoded[3], entries[1], 'every field survives, subresource included');
  t.same(Object.keys(encoded[3]!), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'], 'keys in the Go struct order');
  t.equal(encodeManagedFields(emptyManaged()), undefined, 'nothing encodes as no managedFields');
});

t.test('managedFields decoding refuses what upstream refuses', async (t) => {
  const base = { manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} };
  t.throws(() => decodeManagedFields([{ ...base, operation: 'Patch' }]), /operation must be `Apply` or `Update`/);
  t.throws(() => decodeManagedFields([{ ...base, apiVersion: '' }]), /apiVersion must not be empty/);
  t.throws(() => decodeManagedFields([{ ...base, fieldsType: undefined }]), /missing fieldsType in managed fields entry 0/);
  t.throws(() => decodeManagedFields([{ ...base, fieldsType: 'FieldsV2' }]), /invalid fieldsType "FieldsV2"/);
  t.equal(decodeManagedFields(undefined).fields.size, 0);
});

t.test('more than ten Update managers: the oldest merge into an ancient-changes entry', async (t) => {
  const managed = emptyManaged();
  for (let n = 0; n < 12; n++) {
    const id = managerIdentifier({ manager: `m${String(n).padStart(2, '0')}`, operation: 'Update', apiVersion: 'v1' });
    managed.fields.set(id, { set: FieldSet.of(P(f(`f${n}`))), apiVersion: 'v1', applied: false });
    managed.times.set(id, `2024-01-01T00:00:${String(n).padStart(2, '0')}Z`);
  }
  capUpdateManagers(managed, 10);
  const ancient = managerIdentifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: 'v1' });
  t.equal(managed.fields.size, 10);
  t.same(paths(managed.fields.get(ancient)!.set), ['.f0', '.f1', '.f2']);
  t.equal(managed.times.get(ancient), '2024-01-01T00:00:02Z', 'the bucket takes the time of the newest entry merged into it');
});

t.test('the default manager is the User-Agent up to its first slash', async (t) => {
  t.equal(prefixFromUserAgent('kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0'), 'kubectl');
  t.equal(prefixFromUserAgent('kubectl.1.27/v1.27.16 (linux/amd64)'), 'kubectl.1.27');
  t.equal(prefixFromUserAgent(undefined), '');
  t.equal(prefixFromUserAgent('a\u0000b\tc/x'), 'abc', 'non-printable characters are dropped');
  t.equal(prefixFromUserAgent('x'.repeat(200)).length, 128);
});

// ---------------------------------------------------------------------------------------------
// recordManagedFields: the registry's hook for create, update and patch.

const NOW = new Date('2024-05-01T10:00:00Z');
const LATER = new Date('2024-05-01T11:00:00Z');

function daemonSet(image = 'agent:1'): KubeObject {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }] } } },
  };
  daemonSets.strategy.applyDefaults!(ds);
  return ds;
}

function stored(obj: KubeObject, rv = '5'): KubeObject {
  return deepFreeze({ ...obj, metadata: { ...obj.metadata, uid: 'u1', resourceVersion: rv, creationTimestamp: '2024-05-01T09:00:00Z', generation: 1 }, status: { numberReady: 0 } });
}

t.test('a create records an Update entry with the defaulted fields, "." on maps and items it added', async (t) => {
  const ds = daemonSet();
  recordManagedFields(daemonSets, undefined, ds, { manager: 'kubectl-create', now: NOW });
  t.same(ds.metadata.managedFields, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:spec': {
          'f:revisionHistoryLimit': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"agent"}': {
                  '.': {},
                  'f:image': {},
                  'f:imagePullPolicy': {},
                  'f:name': {},
                  'f:resources': {},
                  'f:terminationMessagePath': {},
                  'f:terminationMessagePolicy': {},
                },
              },
              'f:dnsPolicy': {},
              'f:restartPolicy': {},
              'f:schedulerName': {},
              'f:securityContext': {},
              'f:terminationGracePeriodSeconds': {},
            },
          },
          'f:updateStrategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
        },
      },
    },
  ], 'what a real cluster shows for kubectl create of this DaemonSet');
});

t.test('an update takes the fields it changes from their owner and merges into its own entry', async (t) => {
  const created = daemonSet();
  recordManagedFields(daemonSets, undefined, created, { manager: 'kubectl-create', now: NOW });
  const live = stored(created);
  const next = daemonSet('agent:2');
  next.metadata = { ...live.metadata, managedFields: structuredClone(live.metadata.managedFields) } as KubeObject['metadata'];
  recordManagedFields(daemonSets, live, next, { manager: 'kubectl-edit', now: LATER });
  const entries = next.metadata.managedFields!;
  t.same(entries.map((e) => [e.manager, e.time]), [
    ['kubectl-create', '2024-05-01T10:00:00Z'],
    ['kubectl-edit', '2024-05-01T11:00:00Z'],
  ]);
  const create = FieldSet.fromFieldsV1(entries[0]!.fieldsV1);
  const image = P(f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'agent' }), f('image'));
  t.notOk(create.has(image), 'the creator lost the image');
  t.same(paths(FieldSet.fromFieldsV1(entries[1]!.fieldsV1)), [pathToString(image)]);
  const again = structuredClone(next);
  (again.spec as { minReadySeconds?: number }).minReadySeconds = 5;
  recordManagedFields(daemonSets, deepFreeze(structuredClone(next)), again, { manager: 'kubectl-edit', now: LATER });
  t.same(paths(FieldSet.fromFieldsV1(again.metadata.managedFields![1]!.fieldsV1)), ['.spec.minReadySeconds', pathToString(image)], 'the same manager and operation share one entry');
});

t.test('a write that changes nothing leaves managedFields and their times alone', async (t) => {
  const created = daemonSet();
  recordManagedFields(daemonSets, undefined, created, { manager: 'kubectl-create', now: NOW });
  const live = stored(created);
  const next = structuredClone(live) as KubeObject;
  recordManagedFields(daemonSets, live, next, { manager: 'someone', now: LATER });
  t.same(next.metadata.managedFields, live.metadata.managedFields);
});

t.test('client-written managedFields replace the tracked ones; an empty list resets them', async (t) => {
  const created = daemonSet();
  recordManagedFields(daemonSets, undefined, created, { manager: 'kubectl-create', now: NOW });
  const live = stored(created);
  const written = { ...structuredClone(live), metadata: { ...structuredClone(live.metadata), managedFields: [{ manager: 'mine', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:selector': {} } } }] } } as KubeObject;
  recordManagedFields(daemonSets, live, written, { manager: 'kubectl-patch', now: LATER });
  t.same(written.metadata.managedFields, [{ manager: 'mine', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:selector': {} } } }]);

  const reset = { ...structuredClone(live), metadata: { ...structuredClone(live.metadata), managedFields: [] } } as KubeObject;
  recordManagedFields(daemonSets, live, reset, { manager: 'kubectl-patch', now: LATER });
  t.equal(reset.metadata.managedFields, undefined, '[] clears them');
  const resetOne = { ...structuredClone(live), metadata: { ...structuredClone(live.metadata), managedFields: [{}] } } as KubeObject;
  recordManagedFields(daemonSets, live, resetOne, { manager: 'kubectl-patch', now: LATER });
  t.equal(resetOne.metadata.managedFields, undefined, '[{}] clears them too');

  const invalid = { ...structuredClone(live), metadata: { ...structuredClone(live.metadata), managedFields: [{ manager: 'x', operation: 'Bogus' }] } } as KubeObject;
  recordManagedFields(daemonSets, live, invalid, { manager: 'kubectl-patch', now: LATER });
  t.same(invalid.metadata.managedFields, live.metadata.managedFields, 'undecodable ones fall back to the live entries');

  const untracked = stored(daemonSet());
  const changed = daemonSet('agent:3');
  changed.metadata = structuredClone(untracked.metadata);
  recordManagedFields(daemonSets, untracked, changed, { manager: 'kubectl-patch', now: LATER });
  t.equal(changed.metadata.managedFields, undefined, 'an object without managedFields stays untracked until applied');
});

t.test('status writes are tracked in their own entry with subresource status', async (t) => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  recordManagedFields(pods, undefined, pod, { manager: 'kubectl-create', now: NOW });
  const live = deepFreeze({ ...pod, metadata: { ...pod.metadata, uid: 'u', resourceVersion: '1' }, status: { phase: 'Pending' } });
  const next = structuredClone(live) as KubeObject;
  next.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  (next.spec as { nodeName?: string }).nodeName = 'ignored-by-status-writes';
  recordManagedFields(pods, live, next, { manager: 'kubelet', subresource: 'status', now: LATER });
  const status = next.metadata.managedFields!.find((e) => e.manager === 'kubelet')!;
  t.match(status, { operation: 'Update', apiVersion: 'v1', subresource: 'status', time: '2024-05-01T11:00:00Z' });
  t.same(status.fieldsV1, { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {} } }, 'spec is not the status writer\'s');

  const main = structuredClone(live) as KubeObject;
  main.status = { phase: 'Failed' };
  recordManagedFields(pods, live, main, { manager: 'someone', now: LATER });
  t.same(main.metadata.managedFields, live.metadata.managedFields, 'a main-resource write never owns status');
});

t.test('a write that only moves managedFields times keeps the live times', async (t) => {
  const entry = { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } };
  const live: KubeObject = deepFreeze({ apiVersion: 'v1', kind: 'X', metadata: { name: 'a', managedFields: [entry] }, data: 1 });
  const next = structuredClone(live) as KubeObject;
  next.metadata.managedFields![0]!.time = '2025-01-01T00:00:00Z';
  keepManagedFieldsTimestamps(live, next);
  t.equal(next.metadata.managedFields![0]!.time, '2024-01-01T00:00:00Z');
  const changed = structuredClone(live) as KubeObject;
  changed.metadata.managedFields![0]!.time = '2025-01-01T00:00:00Z';
  changed.data = 2;
  keepManagedFieldsTimestamps(live, changed);
  t.equal(changed.metadata.managedFields![0]!.time, '2025-01-01T00:00:00Z', 'a real change keeps the new time');
});

t.test('the served kinds use the list types of api/patch-metadata.ts', async (t) => {
  const podSchema = ssaSchemaFor('', 'Pod');
  const at = (schema: SchemaNode, ...names: string[]): SchemaNode => {
    let node = schema;
    for (const name of names) {
      if (node.type === 'list') node = node.items;
      if (node.type !== 'map' || !node.fields?.[name]) throw new Error(`no ${name}`);
      node = node.fields[name]!;
    }
    return node;
  };
  t.match(at(podSchema, 'spec', 'containers'), { type: 'list', relationship: 'map', keys: ['name'] });
  t.match(at(podSchema, 'spec', 'containers', 'volumeMounts'), { type: 'list', relationship: 'map', keys: ['mountPath'] });
  t.match(at(podSchema, 'spec', 'tolerations'), { type: 'list', relationship: 'atomic' });
  t.match(at(podSchema, 'metadata', 'finalizers'), { type: 'list', relationship: 'set' });
  t.match(at(podSchema, 'metadata', 'ownerReferences'), { type: 'list', relationship: 'map', keys: ['uid'] });
  t.match(at(podSchema, 'status', 'conditions'), { type: 'list', relationship: 'map', keys: ['type'] });
  t.match(at(ssaSchemaFor('', 'Node'), 'spec', 'podCIDRs'), { type: 'list', relationship: 'set' });
  t.match(at(ssaSchemaFor('', 'Namespace'), 'spec', 'finalizers'), { type: 'list', relationship: 'atomic' });
  t.match(at(podSchema, 'spec', 'containers', 'ports'), { keys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } });
});
