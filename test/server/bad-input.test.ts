import t from 'tap';
import type { Test } from 'tap';
import { buildServer } from '../../server/app.js';

// Hundreds of malformed or invalid requests through the HTTP layer. Every answer must be a 4xx
// JSON Status with upstream's code, reason and (where kubectl shows it) message, and no rejected
// request may change the stored state.

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Reasons kube-apiserver uses for client errors. */
type Reason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Gone'
  | 'Expired'
  | 'Forbidden';

const CODE_OF: Record<Reason, number> = {
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
};

interface Case {
  /** What the request gets wrong, as a sentence fragment. */
  name: string;
  method: Method;
  url: string;
  /** A value sent as JSON. */
  json?: unknown;
  /** Bytes sent as they are. */
  raw?: string | Buffer;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  accept?: string;
  reason: Reason;
  /** Exact message, or a pattern it must match; anything non-empty when absent. */
  message?: string | RegExp;
}

const app = await buildServer({ data: 'memory', nodes: 3 });
t.teardown(() => app.close());

let sent = 0;

async function expectRejected(t: Test, c: Case): Promise<void> {
  const headers: Record<string, string> = {};
  let payload: string | Buffer | undefined;
  if (c.json !== undefined) payload = JSON.stringify(c.json);
  else if (c.raw !== undefined) payload = c.raw;
  if (payload !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  else if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  if (c.accept !== undefined) headers.accept = c.accept;
  const res = await app.inject({ method: c.method, url: c.url, headers, ...(payload !== undefined ? { payload } : {}) });
  sent++;
  const code = CODE_OF[c.reason];
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    // compared below: a non-JSON body has no kind
  }
  t.strictSame(
    {
      httpCode: res.statusCode,
      contentType: res.headers['content-type'],
      kind: body.kind,
      apiVersion: body.apiVersion,
      status: body.status,
      code: body.code,
      reason: body.reason,
    },
    { httpCode: code, contentType: 'application/json', kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: c.reason },
    `${c.name} (${c.method} ${c.url.length > 120 ? `${c.url.slice(0, 120)}...` : c.url}) is ${code} ${c.reason}`,
  );
  const message = typeof body.message === 'string' ? body.message : '';
  if (typeof c.message === 'string') t.equal(message, c.message, `${c.name}: message`);
  else t.match(message, c.message ?? /\S/, `${c.name}: message`);
}

async function run(t: Test, cases: readonly Case[]): Promise<void> {
  for (const c of cases) await expectRejected(t, c);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `The <Kind> "name" is invalid: <field>: ...` as NewInvalid renders it, first error on `field`. */
function invalidOn(qualifiedKind: string, name: string, field: string, detail = ''): RegExp {
  return new RegExp(`^${esc(qualifiedKind)} "${esc(name)}" is invalid: \\[?${esc(field)}: ${esc(detail)}`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: written before the snapshot, so they are part of the state that must not change.
// ---------------------------------------------------------------------------------------------

const DS_URL = '/apis/apps/v1/namespaces/default/daemonsets';
const AGENT = `${DS_URL}/agent`;
const POD_URL = '/api/v1/namespaces/default/pods';
const WEB = `${POD_URL}/web-1`;

function daemonSet(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }] } },
      ...spec,
    },
  };
}

/** A DaemonSet whose pod template spec is replaced by `podSpec`. */
function daemonSetWithPod(name: string, podSpec: Record<string, unknown>): Record<string, unknown> {
  return daemonSet(name, { template: { metadata: { labels: { app: name } }, spec: podSpec } });
}

function pod(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], ...spec } };
}

async function create(url: string, body: unknown): Promise<Record<string, any>> {
  const res = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (res.statusCode !== 201) throw new Error(`fixture ${url}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as Record<string, any>;
}

const agent = await create(DS_URL, daemonSet('agent'));
await create(POD_URL, pod('web-1'));
await create('/apis/coordination.k8s.io/v1/namespaces/default/leases', { metadata: { name: 'holder' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } });
await create('/api/v1/namespaces', { metadata: { name: 'doomed' } });
// Without the namespace controller the namespace stays Terminating (spec.finalizers: kubernetes).
const doomed = await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/doomed' });
if (doomed.statusCode !== 200) throw new Error(`fixture: deleting namespace doomed: ${doomed.statusCode} ${doomed.body}`);

const snapshot = (): string => JSON.stringify(app.registry.store.snapshot());
const before = snapshot();

// ---------------------------------------------------------------------------------------------
// The kinds served, with a valid body of each.
// ---------------------------------------------------------------------------------------------

interface Kind {
  plural: string;
  kind: string;
  /** Kind as NewInvalid prints it: `DaemonSet.apps`. */
  qualifiedKind: string;
  /** Resource as NotFound prints it: `daemonsets.apps`. */
  resource: string;
  collection: string;
  apiVersion: string;
  /** How names are checked: DNS label, DNS subdomain, or (core/v1 events) only as a path segment. */
  nameRule: 'label' | 'subdomain' | 'path';
  /** An existing object of this kind. */
  existing: string;
  /** A body that would be created in `namespace` (default: default). */
  valid(name: string, namespace?: string): Record<string, unknown>;
}

const KINDS: Kind[] = [
  {
    plural: 'namespaces',
    kind: 'Namespace',
    qualifiedKind: 'Namespace',
    resource: 'namespaces',
    collection: '/api/v1/namespaces',
    apiVersion: 'v1',
    nameRule: 'label',
    existing: 'default',
    valid: (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  },
  {
    plural: 'nodes',
    kind: 'Node',
    qualifiedKind: 'Node',
    resource: 'nodes',
    collection: '/api/v1/nodes',
    apiVersion: 'v1',
    nameRule: 'subdomain',
    existing: 'node-1',
    valid: (name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }),
  },
  {
    plural: 'pods',
    kind: 'Pod',
    qualifiedKind: 'Pod',
    resource: 'pods',
    collection: POD_URL,
    apiVersion: 'v1',
    nameRule: 'subdomain',
    existing: 'web-1',
    valid: (name) => pod(name),
  },
  {
    plural: 'events',
    kind: 'Event',
    qualifiedKind: 'Event',
    resource: 'events',
    collection: '/api/v1/namespaces/default/events',
    apiVersion: 'v1',
    nameRule: 'path',
    existing: 'nosuch-event',
    valid: (name, namespace = 'default') => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace },
      reason: 'Tested',
      message: 'a test event',
      type: 'Normal',
      source: { component: 'bad-input-test' },
    }),
  },
  {
    plural: 'leases',
    kind: 'Lease',
    qualifiedKind: 'Lease.coordination.k8s.io',
    resource: 'leases.coordination.k8s.io',
    collection: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
    apiVersion: 'coordination.k8s.io/v1',
    nameRule: 'subdomain',
    existing: 'holder',
    valid: (name) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }),
  },
  {
    plural: 'daemonsets',
    kind: 'DaemonSet',
    qualifiedKind: 'DaemonSet.apps',
    resource: 'daemonsets.apps',
    collection: DS_URL,
    apiVersion: 'apps/v1',
    nameRule: 'subdomain',
    existing: 'agent',
    valid: (name) => daemonSet(name),
  },
  {
    plural: 'controllerrevisions',
    kind: 'ControllerRevision',
    qualifiedKind: 'ControllerRevision.apps',
    resource: 'controllerrevisions.apps',
    collection: '/apis/apps/v1/namespaces/default/controllerrevisions',
    apiVersion: 'apps/v1',
    nameRule: 'subdomain',
    existing: 'nosuch-revision',
    valid: (name) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name }, data: { spec: {} }, revision: 1 }),
  },
];

const NAMESPACED = KINDS.filter((k) => k.collection.includes('/namespaces/default/'));

function withMeta(body: Record<string, unknown>, meta: Record<string, unknown>): Record<string, unknown> {
  return { ...body, metadata: { ...(body.metadata as Record<string, unknown>), ...meta } };
}

// ---------------------------------------------------------------------------------------------
// Bodies that do not decode
// ---------------------------------------------------------------------------------------------

t.test('bodies that are not JSON objects are rejected with 400 before anything is stored', async (t) => {
  const syntax: Array<[string, string | Buffer]> = [
    ['truncated JSON', '{"metadata":{"name":"x"}'],
    ['a body cut after a key', '{"metadata":'],
    ['a lone brace', '{'],
    ['trailing garbage after the object', '{"metadata":{"name":"x"}} trailing'],
    ['single-quoted JSON', "{'metadata': {'name': 'x'}}"],
    ['a trailing comma', '{"metadata":{"name":"x",}}'],
    ['invalid UTF-8 outside any string', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
  ];
  const shapes: Array<[string, string]> = [
    ['an array as the object', '[]'],
    ['an array of objects as the object', '[{"metadata":{"name":"x"}}]'],
    ['a string as the object', '"Namespace"'],
    ['a number as the object', '42'],
    ['a boolean as the object', 'true'],
  ];
  const cases: Case[] = [];
  for (const k of KINDS) {
    const unrecognized = new RegExp(`^the object provided is unrecognized \\(must be of type ${k.kind}\\): `);
    for (const [what, raw] of syntax) cases.push({ name: `${k.plural}: ${what}`, method: 'POST', url: k.collection, raw, reason: 'BadRequest', message: unrecognized });
    for (const [what, raw] of shapes) cases.push({ name: `${k.plural}: ${what}`, method: 'POST', url: k.collection, raw, reason: 'BadRequest', message: unrecognized });
    cases.push({ name: `${k.plural}: an empty body`, method: 'POST', url: k.collection, raw: '', contentType: 'application/json', reason: 'BadRequest' });
  }
  await run(t, cases);
});

t.test('a JSON null decodes to an empty object, which fails validation', async (t) => {
  await run(
    t,
    KINDS.map((k) => ({
      name: `${k.plural}: null`,
      method: 'POST',
      url: k.collection,
      raw: 'null',
      reason: 'Invalid',
      message: invalidOn(k.qualifiedKind, '', 'metadata.name', 'Required value: name or generateName is required'),
    })),
  );
});

t.test('metadata of the wrong JSON type is a decoding error naming the Go field', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    const prefix = `${k.kind} in version "v1" cannot be handled as a ${k.kind}: `;
    const base = k.valid('typed');
    const meta: Array<[string, unknown, string]> = [
      ['metadata as a string', 'x', `json: cannot unmarshal string into Go struct field ${k.kind}.metadata of type v1.ObjectMeta`],
      ['metadata as an array', [], `json: cannot unmarshal array into Go struct field ${k.kind}.metadata of type v1.ObjectMeta`],
      ['metadata as a number', 7, `json: cannot unmarshal number into Go struct field ${k.kind}.metadata of type v1.ObjectMeta`],
      ['metadata as a boolean', true, `json: cannot unmarshal bool into Go struct field ${k.kind}.metadata of type v1.ObjectMeta`],
    ];
    for (const [what, metadata, detail] of meta) cases.push({ name: `${k.plural}: ${what}`, method: 'POST', url: k.collection, json: { ...base, metadata }, reason: 'BadRequest', message: prefix + detail });
    const fields: Array<[string, Record<string, unknown>, string]> = [
      ['a numeric name', { name: 5 }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string'],
      ['labels as an array', { labels: ['a'] }, 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string'],
      ['a numeric label value', { labels: { a: 1 } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
      ['annotations as a string', { annotations: 'x' }, 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.annotations of type map[string]string'],
      ['finalizers as a string', { finalizers: 'x' }, 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string'],
      ['ownerReferences as an object', { ownerReferences: {} }, 'json: cannot unmarshal object into Go struct field ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference'],
      ['a string generation', { generation: 'x' }, 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.generation of type int64'],
    ];
    for (const [what, meta2, detail] of fields) cases.push({ name: `${k.plural}: ${what}`, method: 'POST', url: k.collection, json: withMeta(base, meta2), reason: 'BadRequest', message: prefix + detail });
    cases.push({ name: `${k.plural}: an unparsable creationTimestamp`, method: 'POST', url: k.collection, json: withMeta(base, { creationTimestamp: 'yesterday' }), reason: 'BadRequest', message: new RegExp(`^${esc(prefix)}parsing time "yesterday"`) });
  }
  await run(t, cases);
});

t.test('YAML bodies that are malformed or not a mapping are rejected with 400', async (t) => {
  const yaml: Array<[string, string]> = [
    ['an unclosed flow sequence', 'metadata: [\n'],
    ['a tab used for indentation', 'metadata:\n\tname: x\n'],
    ['an unclosed quote', 'metadata:\n  name: "x\n'],
    ['a sequence as the document', '- a\n- b\n'],
    ['a scalar as the document', 'just a string\n'],
    ['metadata as a scalar', 'apiVersion: v1\nkind: Namespace\nmetadata: x\n'],
  ];
  const cases: Case[] = [];
  for (const k of [KINDS[0]!, KINDS[2]!, KINDS[5]!]) {
    for (const [what, raw] of yaml) cases.push({ name: `${k.plural}: YAML with ${what}`, method: 'POST', url: k.collection, raw, contentType: 'application/yaml', reason: 'BadRequest' });
  }
  await run(t, cases);
});

t.test('protobuf bodies that are garbage are rejected with 400', async (t) => {
  const garbage: Array<[string, Buffer]> = [
    ['no magic prefix', Buffer.from('{"metadata":{"name":"x"}}')],
    ['the magic prefix alone', Buffer.from('k8s\0', 'latin1')],
    ['a truncated envelope', Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x7f, 0x0a])])],
    ['random bytes after the magic', Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x13])])],
  ];
  const cases: Case[] = [];
  for (const k of [KINDS[0]!, KINDS[2]!, KINDS[5]!]) {
    for (const [what, raw] of garbage) cases.push({ name: `${k.plural}: protobuf with ${what}`, method: 'POST', url: k.collection, raw, contentType: 'application/vnd.kubernetes.protobuf', reason: 'BadRequest' });
  }
  await run(t, cases);
});

t.test('a kind or apiVersion in the body that is not the endpoint is rejected with 400', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    const other = k.kind === 'Pod' ? 'Namespace' : 'Pod';
    cases.push(
      { name: `${k.plural}: kind ${other}`, method: 'POST', url: k.collection, json: { ...k.valid('x'), kind: other }, reason: 'BadRequest', message: new RegExp(`^${other} in version "v1" cannot be handled as a ${k.kind}: `) },
      { name: `${k.plural}: an unknown kind`, method: 'POST', url: k.collection, json: { ...k.valid('x'), kind: 'Bogus' }, reason: 'BadRequest', message: new RegExp(`^Bogus in version "v1" cannot be handled as a ${k.kind}: no kind "Bogus" is registered`) },
      { name: `${k.plural}: a numeric kind`, method: 'POST', url: k.collection, json: { ...k.valid('x'), kind: 5 }, reason: 'BadRequest' },
      { name: `${k.plural}: apiVersion v2`, method: 'POST', url: k.collection, json: { ...k.valid('x'), apiVersion: 'v2' }, reason: 'BadRequest' },
      { name: `${k.plural}: an apiVersion of another group`, method: 'POST', url: k.collection, json: { ...k.valid('x'), apiVersion: k.apiVersion === 'v1' ? 'apps/v1' : 'v1' }, reason: 'BadRequest' },
      { name: `${k.plural}: a numeric apiVersion`, method: 'POST', url: k.collection, json: { ...k.valid('x'), apiVersion: 1 }, reason: 'BadRequest' },
    );
  }
  cases.push({
    name: 'daemonsets: a registered but unserved version',
    method: 'POST',
    url: DS_URL,
    json: { ...daemonSet('x'), apiVersion: 'apps/v1beta2' },
    reason: 'BadRequest',
    message: 'the API version in the data (apps/v1beta2) does not match the expected API version (apps/v1)',
  });
  await run(t, cases);
});

// ---------------------------------------------------------------------------------------------
// Object metadata
// ---------------------------------------------------------------------------------------------

t.test('invalid names are 422 Invalid on metadata.name', async (t) => {
  const invalidNames = {
    subdomain: ['Upper', 'under_score', '-leading-dash', 'trailing-dash-', '..', 'a..b', 'slash/name', 'white space', 'émoji', 'x'.repeat(254)],
    label: ['Upper', 'dot.ted', '-leading-dash', 'trailing-dash-', 'under_score', '..', 'x'.repeat(64)],
    // core/v1 events only get the generic path-segment check: "Upper" is a fine event name.
    path: ['..', '.', 'slash/name', 'per%cent'],
  };
  const cases: Case[] = [];
  for (const k of KINDS) {
    for (const name of invalidNames[k.nameRule]) {
      cases.push({
        name: `${k.plural}: name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}...(${name.length})` : name)}`,
        method: 'POST',
        url: k.collection,
        json: k.valid(name),
        reason: 'Invalid',
        message: invalidOn(k.qualifiedKind, name, 'metadata.name', `Invalid value: "${name}": `),
      });
    }
    cases.push({ name: `${k.plural}: an empty name`, method: 'POST', url: k.collection, json: k.valid(''), reason: 'Invalid', message: invalidOn(k.qualifiedKind, '', 'metadata.name', 'Required value: name or generateName is required') });
    cases.push({ name: `${k.plural}: no metadata at all`, method: 'POST', url: k.collection, json: { ...k.valid('x'), metadata: undefined }, reason: 'Invalid', message: invalidOn(k.qualifiedKind, '', 'metadata.name', 'Required value: name or generateName is required') });
  }
  cases.push({
    name: 'pods: a 254-character name has upstream\'s exact message',
    method: 'POST',
    url: POD_URL,
    json: pod('p'.repeat(254)),
    reason: 'Invalid',
    message: `Pod "${'p'.repeat(254)}" is invalid: metadata.name: Invalid value: "${'p'.repeat(254)}": must be no more than 253 characters`,
  });
  cases.push(
    { name: 'events: a name of ".."', method: 'POST', url: KINDS[3]!.collection, json: KINDS[3]!.valid('..'), reason: 'Invalid', message: 'Event ".." is invalid: metadata.name: Invalid value: "..": may not be \'..\'' },
    { name: 'events: a name with a slash', method: 'POST', url: KINDS[3]!.collection, json: KINDS[3]!.valid('a/b'), reason: 'Invalid', message: 'Event "a/b" is invalid: metadata.name: Invalid value: "a/b": may not contain \'/\'' },
  );
  cases.push({
    name: 'namespaces: an uppercase name has upstream\'s exact message',
    method: 'POST',
    url: '/api/v1/namespaces',
    json: { metadata: { name: 'Upper' } },
    reason: 'Invalid',
    message:
      'Namespace "Upper" is invalid: metadata.name: Invalid value: "Upper": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
  });
  await run(t, cases);
});

t.test('invalid generateName prefixes are 422 Invalid on metadata.generateName', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    for (const prefix of k.nameRule === 'path' ? ['a/b-', 'pct%-'] : ['Upper-', 'under_score-', '-', '.dot-', 'x'.repeat(300)]) {
      const body = k.valid('');
      cases.push({
        name: `${k.plural}: generateName ${JSON.stringify(prefix.length > 20 ? `${prefix.slice(0, 8)}...(${prefix.length})` : prefix)}`,
        method: 'POST',
        url: k.collection,
        json: { ...body, metadata: { generateName: prefix } },
        reason: 'Invalid',
        message: new RegExp(`^${esc(k.qualifiedKind)} "[^"]*" is invalid: \\[?metadata\\.generateName: Invalid value: "${esc(prefix)}": `),
      });
    }
  }
  await run(t, cases);
});

t.test('a namespace in the body that differs from the URL is 400', async (t) => {
  const cases: Case[] = [];
  for (const k of NAMESPACED) {
    cases.push({
      name: `${k.plural}: body namespace kube-system, URL default`,
      method: 'POST',
      url: k.collection,
      json: withMeta(k.valid('elsewhere'), { namespace: 'kube-system' }),
      reason: 'BadRequest',
      message: 'the namespace of the provided object does not match the namespace sent on the request',
    });
  }
  await run(t, cases);
});

t.test('creating in a namespace that does not exist is 404 for the namespace', async (t) => {
  await run(
    t,
    NAMESPACED.map((k) => ({
      name: `${k.plural}: namespace nosuch`,
      method: 'POST',
      url: k.collection.replace('/namespaces/default/', '/namespaces/nosuch/'),
      json: k.valid('orphan', 'nosuch'),
      reason: 'NotFound',
      message: 'namespaces "nosuch" not found',
    })),
  );
});

t.test('creating in a terminating namespace is 403 Forbidden', async (t) => {
  await run(
    t,
    NAMESPACED.map((k) => ({
      name: `${k.plural}: namespace doomed is terminating`,
      method: 'POST',
      url: k.collection.replace('/namespaces/default/', '/namespaces/doomed/'),
      json: k.valid('late', 'doomed'),
      reason: 'Forbidden',
      message: `${k.resource} "late" is forbidden: unable to create new content in namespace doomed because it is being terminated`,
    })),
  );
});

t.test('creating an object that exists is 409 AlreadyExists', async (t) => {
  const existing = KINDS.filter((k) => !k.existing.startsWith('nosuch'));
  const cases: Case[] = existing.map((k) => ({
    name: `${k.plural}: ${k.existing} exists`,
    method: 'POST',
    url: k.collection,
    json: k.valid(k.existing),
    reason: 'AlreadyExists',
    message: `${k.resource} "${k.existing}" already exists`,
  }));
  cases.push(
    ...['kube-system', 'kube-public', 'kube-node-lease'].map((name): Case => ({ name: `namespaces: ${name} exists`, method: 'POST', url: '/api/v1/namespaces', json: { metadata: { name } }, reason: 'AlreadyExists', message: `namespaces "${name}" already exists` })),
    { name: 'nodes: node-2 exists', method: 'POST', url: '/api/v1/nodes', json: { metadata: { name: 'node-2' } }, reason: 'AlreadyExists', message: 'nodes "node-2" already exists' },
    { name: 'daemonsets: agent exists, dry run', method: 'POST', url: `${DS_URL}?dryRun=All`, json: daemonSet('agent'), reason: 'AlreadyExists', message: 'daemonsets.apps "agent" already exists' },
  );
  await run(t, cases);
});

t.test('invalid label and annotation keys and values are 422 Invalid', async (t) => {
  const badLabelKeys = ['bad key', '-leading', 'a/b/c', 'Example.com/x', `${'k'.repeat(64)}`, '', 'prefix/', `${'p'.repeat(254)}/x`];
  const badLabelValues = ['bad value', '-leading', 'v'.repeat(64), 'a/b'];
  const badAnnotationKeys = ['bad key', '-leading', 'a/b/c', ''];
  const cases: Case[] = [];
  for (const k of KINDS) {
    for (const key of badLabelKeys) {
      cases.push({ name: `${k.plural}: label key ${JSON.stringify(key.slice(0, 20))}`, method: 'POST', url: k.collection, json: withMeta(k.valid('labelled'), { labels: { [key]: 'v' } }), reason: 'Invalid', message: invalidOn(k.qualifiedKind, 'labelled', 'metadata.labels', `Invalid value: "${key}": `) });
    }
    for (const value of badLabelValues) {
      cases.push({ name: `${k.plural}: label value ${JSON.stringify(value.slice(0, 20))}`, method: 'POST', url: k.collection, json: withMeta(k.valid('labelled'), { labels: { app: value } }), reason: 'Invalid', message: invalidOn(k.qualifiedKind, 'labelled', 'metadata.labels', `Invalid value: "${value}": `) });
    }
    for (const key of badAnnotationKeys) {
      cases.push({ name: `${k.plural}: annotation key ${JSON.stringify(key)}`, method: 'POST', url: k.collection, json: withMeta(k.valid('annotated'), { annotations: { [key]: 'v' } }), reason: 'Invalid', message: invalidOn(k.qualifiedKind, 'annotated', 'metadata.annotations', `Invalid value: "${key}": `) });
    }
    cases.push({
      name: `${k.plural}: annotations over 256 KiB in total`,
      method: 'POST',
      url: k.collection,
      json: withMeta(k.valid('annotated'), { annotations: { a: 'x'.repeat(200 * 1024), b: 'y'.repeat(100 * 1024) } }),
      reason: 'Invalid',
      message: `${k.qualifiedKind} "annotated" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes`,
    });
  }
  cases.push({
    name: 'pods: a label key with an invalid name part has upstream\'s exact message',
    method: 'POST',
    url: POD_URL,
    json: withMeta(pod('labelled'), { labels: { 'bad key': 'v' } }),
    reason: 'Invalid',
    message:
      'Pod "labelled" is invalid: metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')',
  });
  await run(t, cases);
});

// ---------------------------------------------------------------------------------------------
// List options
// ---------------------------------------------------------------------------------------------

t.test('malformed label selectors are 400 BadRequest on every kind', async (t) => {
  const selectors: Array<[string, RegExp | string]> = [
    ['a in (', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a notin b', "unable to parse requirement: found 'b' expected: '('"],
    ['=b', "found '=', expected: !, identifier, or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=b', "found '!=', expected: !, identifier, or 'end of string'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['-bad=b', /^unable to parse requirement: <nil>: Invalid value: "-bad": name part must consist of /],
    ['a/b/c=d', /^unable to parse requirement: <nil>: Invalid value: "a\/b\/c": /],
    [`a=${'v'.repeat(64)}`, new RegExp(`^unable to parse requirement: values\\[0\\]\\[a\\]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 (characters|bytes)$`)],
    ['a>b', /^unable to parse requirement: .*for 'Gt', 'Lt' operators, the value must be an integer/],
    ['a!b', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
  ];
  const cases: Case[] = [];
  for (const k of KINDS) {
    for (const [selector, message] of selectors) {
      cases.push({ name: `${k.plural}: labelSelector ${JSON.stringify(selector.slice(0, 20))}`, method: 'GET', url: `${k.collection}?labelSelector=${encodeURIComponent(selector)}`, reason: 'BadRequest', message });
    }
  }
  await run(t, cases);
});

t.test('field selectors on unsupported fields or in malformed forms are 400 BadRequest', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    const unsupported = ['x', 'metadata.uid', 'spec.bogus', 'metadata.labels'];
    for (const field of unsupported) {
      cases.push({ name: `${k.plural}: fieldSelector ${field}=y`, method: 'GET', url: `${k.collection}?fieldSelector=${encodeURIComponent(`${field}=y`)}`, reason: 'BadRequest', message: `field label not supported: ${field}` });
    }
    for (const selector of ['metadata.name', 'metadata.name in (a)', 'metadata.name<a']) {
      cases.push({
        name: `${k.plural}: fieldSelector ${JSON.stringify(selector)}`,
        method: 'GET',
        url: `${k.collection}?fieldSelector=${encodeURIComponent(selector)}`,
        reason: 'BadRequest',
        message: `invalid selector: '${selector}'; can't understand '${selector}'`,
      });
    }
  }
  cases.push(
    { name: 'namespaces: a pod field', method: 'GET', url: '/api/v1/namespaces?fieldSelector=spec.nodeName%3Dnode-1', reason: 'BadRequest', message: 'field label not supported: spec.nodeName' },
    { name: 'pods: the second term unsupported', method: 'GET', url: `${POD_URL}?fieldSelector=${encodeURIComponent('spec.nodeName=node-1,spec.bogus=1')}`, reason: 'BadRequest', message: 'field label not supported: spec.bogus' },
    { name: 'pods: an empty field name', method: 'GET', url: `${POD_URL}?fieldSelector=${encodeURIComponent('=b')}`, reason: 'BadRequest', message: 'field label not supported: ' },
    { name: 'daemonsets: a malformed selector on delete of the collection', method: 'DELETE', url: `${DS_URL}?fieldSelector=bogus%3D1`, reason: 'BadRequest', message: 'field label not supported: bogus' },
    { name: 'pods: a malformed label selector on delete of the collection', method: 'DELETE', url: `${POD_URL}?labelSelector=${encodeURIComponent('a in (')}`, reason: 'BadRequest' },
  );
  await run(t, cases);
});

t.test('bad limit, continue, resourceVersion and resourceVersionMatch values are rejected', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    cases.push(
      { name: `${k.plural}: limit=abc`, method: 'GET', url: `${k.collection}?limit=abc`, reason: 'BadRequest', message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
      { name: `${k.plural}: limit=1.5`, method: 'GET', url: `${k.collection}?limit=1.5`, reason: 'BadRequest', message: 'strconv.ParseInt: parsing "1.5": invalid syntax' },
      { name: `${k.plural}: a garbage continue token`, method: 'GET', url: `${k.collection}?limit=1&continue=garbage`, reason: 'BadRequest', message: /^invalid continue token: continue key is not valid/ },
      { name: `${k.plural}: a base64 continue token that is not JSON`, method: 'GET', url: `${k.collection}?limit=1&continue=${Buffer.from('not json').toString('base64url')}`, reason: 'BadRequest', message: /^invalid continue token: continue key is not valid/ },
      { name: `${k.plural}: resourceVersion=abc`, method: 'GET', url: `${k.collection}?resourceVersion=abc&limit=500`, reason: 'BadRequest', message: 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax' },
      { name: `${k.plural}: resourceVersion=-1`, method: 'GET', url: `${k.collection}?resourceVersion=-1&limit=500`, reason: 'BadRequest', message: /^invalid resource version: / },
      {
        name: `${k.plural}: resourceVersionMatch=bogus`,
        method: 'GET',
        url: `${k.collection}?resourceVersion=1&resourceVersionMatch=bogus`,
        reason: 'Invalid',
        message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "bogus": supported values: "Exact", "NotOlderThan", ""',
      },
      {
        name: `${k.plural}: resourceVersionMatch without resourceVersion`,
        method: 'GET',
        url: `${k.collection}?resourceVersionMatch=NotOlderThan`,
        reason: 'Invalid',
        message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      },
      {
        name: `${k.plural}: resourceVersionMatch=Exact with resourceVersion 0`,
        method: 'GET',
        url: `${k.collection}?resourceVersion=0&resourceVersionMatch=Exact`,
        reason: 'Invalid',
        message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      },
      { name: `${k.plural}: sendInitialEvents on a list`, method: 'GET', url: `${k.collection}?sendInitialEvents=true`, reason: 'Invalid', message: 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list' },
      { name: `${k.plural}: timeoutSeconds=abc`, method: 'GET', url: `${k.collection}?timeoutSeconds=abc`, reason: 'BadRequest', message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
    );
  }
  await run(t, cases);
});

t.test('watch options that are invalid are rejected before any stream starts', async (t) => {
  // timeoutSeconds=1 keeps the test from hanging should a stream start anyway.
  const cases: Case[] = [];
  for (const k of [KINDS[0]!, KINDS[2]!, KINDS[5]!]) {
    cases.push(
      {
        name: `${k.plural}: watch with resourceVersionMatch but no sendInitialEvents`,
        method: 'GET',
        url: `${k.collection}?watch=true&timeoutSeconds=1&resourceVersionMatch=NotOlderThan`,
        reason: 'Invalid',
        message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      },
      {
        name: `${k.plural}: watch with sendInitialEvents but no resourceVersionMatch`,
        method: 'GET',
        url: `${k.collection}?watch=true&timeoutSeconds=1&sendInitialEvents=true&allowWatchBookmarks=true`,
        reason: 'Invalid',
        message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      },
      {
        name: `${k.plural}: watch with resourceVersionMatch=Exact`,
        method: 'GET',
        url: `${k.collection}?watch=true&timeoutSeconds=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=Exact`,
        reason: 'Invalid',
        message: /^ListOptions\.meta\.k8s\.io "" is invalid: \[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"\]$/,
      },
      { name: `${k.plural}: watch with a malformed label selector`, method: 'GET', url: `${k.collection}?watch=true&timeoutSeconds=1&labelSelector=${encodeURIComponent('a in (')}`, reason: 'BadRequest' },
      { name: `${k.plural}: watch with an unsupported field`, method: 'GET', url: `${k.collection}?watch=true&timeoutSeconds=1&fieldSelector=bogus%3D1`, reason: 'BadRequest', message: 'field label not supported: bogus' },
      { name: `${k.plural}: watch with resourceVersion=abc`, method: 'GET', url: `${k.collection}?watch=true&timeoutSeconds=1&resourceVersion=abc`, reason: 'Invalid', message: /resourceVersion: Invalid value: "abc": strconv\.ParseUint: parsing "abc": invalid syntax/ },
      { name: `${k.plural}: watch with Accept text/html`, method: 'GET', url: `${k.collection}?watch=true&timeoutSeconds=1`, accept: 'text/html', reason: 'NotAcceptable' },
    );
  }
  await run(t, cases);
});

t.test('Table options that are invalid are 400 BadRequest', async (t) => {
  const table = 'application/json;as=Table;v=v1;g=meta.k8s.io';
  await run(
    t,
    [KINDS[0]!, KINDS[2]!, KINDS[5]!].map((k) => ({
      name: `${k.plural}: includeObject=Bogus`,
      method: 'GET',
      url: `${k.collection}?includeObject=Bogus`,
      accept: table,
      reason: 'BadRequest',
      message: 'Unable to convert to Table as requested: includeObject: Invalid value: "Bogus": must be \'Metadata\', \'Object\', \'None\', or empty',
    })),
  );
});

// ---------------------------------------------------------------------------------------------
// Paths, methods and media types
// ---------------------------------------------------------------------------------------------

t.test('unknown paths, resources and subresources are 404 without falling through to the parent', async (t) => {
  const paths = [
    '/foo',
    '/api/v2/pods',
    '/api/v1/nosuch',
    '/api/v1/namespaces/default/nosuch',
    '/api/v1/namespaces/default/nodes',
    '/api/v1/namespaces/default/namespaces',
    '/api/v1/pods/web-1',
    '/apis/apps/v2/daemonsets',
    '/apis/nosuch.example.com/v1/things',
    '/apis/apps/v1/namespaces/default/deployments',
    '/apis/apps/v1/namespaces/default/daemonsets/agent/scale',
    '/apis/apps/v1/namespaces/default/daemonsets/agent/bogus',
    '/apis/apps/v1/namespaces/default/daemonsets/agent/status/extra',
    '/api/v1/namespaces/default/pods/web-1/nosuch',
    '/api/v1/namespaces/default/pods/web-1/log/extra',
    '/api/v1/nodes/node-1/scale',
    '/api/v1/nodes/node-1/status/extra',
    '/apis/coordination.k8s.io/v1/namespaces/default/leases/holder/status',
    '/apis/apps/v1/namespaces/default/controllerrevisions/x/status',
  ];
  const cases: Case[] = [];
  for (const path of paths) {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const body = method === 'PUT' ? { json: daemonSet('agent') } : method === 'PATCH' ? { raw: '{}', contentType: 'application/merge-patch+json' } : {};
      cases.push({ name: `${method} of an unknown path`, method, url: path, ...body, reason: 'NotFound', message: 'the server could not find the requested resource' });
    }
  }
  await run(t, cases);
});

t.test('missing objects are 404 NotFound naming the resource', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    const item = `${k.collection}/nosuch`;
    cases.push(
      { name: `${k.plural}: GET of a missing object`, method: 'GET', url: item, reason: 'NotFound', message: `${k.resource} "nosuch" not found` },
      { name: `${k.plural}: DELETE of a missing object`, method: 'DELETE', url: item, reason: 'NotFound', message: `${k.resource} "nosuch" not found` },
      { name: `${k.plural}: PATCH of a missing object`, method: 'PATCH', url: item, raw: '{"metadata":{"labels":{"a":"b"}}}', contentType: 'application/merge-patch+json', reason: 'NotFound', message: `${k.resource} "nosuch" not found` },
      { name: `${k.plural}: PUT of a missing object`, method: 'PUT', url: item, json: k.valid('nosuch'), reason: 'NotFound', message: `${k.resource} "nosuch" not found` },
    );
  }
  cases.push(
    { name: 'pods: status of a missing pod', method: 'GET', url: `${POD_URL}/nosuch/status`, reason: 'NotFound', message: 'pods "nosuch" not found' },
    { name: 'pods: log of a missing pod', method: 'GET', url: `${POD_URL}/nosuch/log`, reason: 'NotFound', message: 'pods "nosuch" not found' },
    { name: 'pods: an existing pod name in another namespace', method: 'GET', url: '/api/v1/namespaces/kube-system/pods/web-1', reason: 'NotFound', message: 'pods "web-1" not found' },
    { name: 'pods: a pod in a missing namespace', method: 'GET', url: '/api/v1/namespaces/nosuch/pods/web-1', reason: 'NotFound', message: 'pods "web-1" not found' },
    { name: 'pods: a 2000-character name in the URL', method: 'GET', url: `${POD_URL}/${'n'.repeat(2000)}`, reason: 'NotFound', message: `pods "${'n'.repeat(2000)}" not found` },
    { name: 'daemonsets: DELETE of a 2000-character name', method: 'DELETE', url: `${DS_URL}/${'n'.repeat(2000)}`, reason: 'NotFound', message: `daemonsets.apps "${'n'.repeat(2000)}" not found` },
  );
  await run(t, cases);
});

t.test('methods a path does not serve are 405 MethodNotAllowed', async (t) => {
  const cases: Case[] = [];
  for (const k of KINDS) {
    cases.push(
      { name: `${k.plural}: PUT on the collection`, method: 'PUT', url: k.collection, json: k.valid('x'), reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource' },
      { name: `${k.plural}: PATCH on the collection`, method: 'PATCH', url: k.collection, raw: '{}', contentType: 'application/merge-patch+json', reason: 'MethodNotAllowed' },
      { name: `${k.plural}: POST on an item`, method: 'POST', url: `${k.collection}/${k.existing}`, json: k.valid(k.existing), reason: 'MethodNotAllowed' },
    );
  }
  for (const k of NAMESPACED) {
    const all = k.collection.replace('/namespaces/default', '');
    cases.push(
      { name: `${k.plural}: POST to the all-namespaces path`, method: 'POST', url: all, json: withMeta(k.valid('anywhere'), { namespace: 'default' }), reason: 'MethodNotAllowed' },
      { name: `${k.plural}: DELETE of the all-namespaces path`, method: 'DELETE', url: all, reason: 'MethodNotAllowed' },
    );
  }
  cases.push(
    { name: 'namespaces: DELETE of the collection', method: 'DELETE', url: '/api/v1/namespaces', reason: 'MethodNotAllowed' },
    { name: 'nodes: POST on the status subresource', method: 'POST', url: '/api/v1/nodes/node-1/status', json: { metadata: { name: 'node-1' } }, reason: 'MethodNotAllowed' },
    { name: 'daemonsets: DELETE of the status subresource', method: 'DELETE', url: `${AGENT}/status`, reason: 'MethodNotAllowed' },
    { name: 'pods: GET of the binding subresource', method: 'GET', url: `${WEB}/binding`, reason: 'MethodNotAllowed' },
    { name: 'pods: GET of the eviction subresource', method: 'GET', url: `${WEB}/eviction`, reason: 'MethodNotAllowed' },
    { name: 'core discovery: POST', method: 'POST', url: '/api/v1', json: {}, reason: 'MethodNotAllowed' },
  );
  await run(t, cases);
});

t.test('bodies in media types the server does not read are 415 UnsupportedMediaType', async (t) => {
  const types = ['text/plain', 'application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'application/octet-stream'];
  const cases: Case[] = [];
  for (const type of types) {
    cases.push(
      {
        name: `POST of a namespace as ${type}`,
        method: 'POST',
        url: '/api/v1/namespaces',
        json: { metadata: { name: 'typed' } },
        contentType: type,
        reason: 'UnsupportedMediaType',
        message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      },
      { name: `POST of a DaemonSet as ${type}`, method: 'POST', url: DS_URL, json: daemonSet('typed'), contentType: type, reason: 'UnsupportedMediaType' },
      { name: `PUT of a DaemonSet as ${type}`, method: 'PUT', url: AGENT, json: agent, contentType: type, reason: 'UnsupportedMediaType' },
    );
  }
  for (const type of ['application/xml', 'text/plain', 'application/json', 'application/yaml', 'application/octet-stream']) {
    for (const url of [AGENT, WEB, '/api/v1/namespaces/default', `${AGENT}/status`]) {
      cases.push({ name: `PATCH as ${type}`, method: 'PATCH', url, raw: '{"metadata":{"labels":{"a":"b"}}}', contentType: type, reason: 'UnsupportedMediaType', message: '415: Unsupported Media Type' });
    }
  }
  cases.push({ name: 'DELETE with DeleteOptions as text/plain', method: 'DELETE', url: AGENT, raw: '{"kind":"DeleteOptions"}', contentType: 'text/plain', reason: 'UnsupportedMediaType' });
  await run(t, cases);
});

t.test('an Accept header that allows nothing the server produces is 406 before anything is written', async (t) => {
  const accepts = ['text/html', 'application/vnd.kubernetes.protobuf', 'application/xml', 'image/png', 'application/json;as=Table;v=v1;g=bogus.k8s.io', 'application/json;as=Bogus;v=v1;g=meta.k8s.io'];
  const cases: Case[] = [];
  for (const accept of accepts) {
    cases.push(
      { name: `list with Accept ${accept}`, method: 'GET', url: POD_URL, accept, reason: 'NotAcceptable' },
      { name: `get with Accept ${accept}`, method: 'GET', url: AGENT, accept, reason: 'NotAcceptable' },
      { name: `create with Accept ${accept}`, method: 'POST', url: '/api/v1/namespaces', json: { metadata: { name: `accept-${cases.length}` } }, accept, reason: 'NotAcceptable' },
      { name: `update with Accept ${accept}`, method: 'PUT', url: AGENT, json: withMeta(agent, { labels: { changed: 'yes' } }), accept, reason: 'NotAcceptable' },
      { name: `patch with Accept ${accept}`, method: 'PATCH', url: AGENT, raw: '{"metadata":{"labels":{"changed":"yes"}}}', contentType: 'application/merge-patch+json', accept, reason: 'NotAcceptable' },
      { name: `delete with Accept ${accept}`, method: 'DELETE', url: WEB, accept, reason: 'NotAcceptable' },
    );
  }
  await run(t, cases);
});

t.test('bodies over 3 MiB are 413 RequestEntityTooLarge', async (t) => {
  const huge = (body: Record<string, unknown>): Record<string, unknown> => withMeta(body, { annotations: { big: 'x'.repeat(3 * 1024 * 1024 + 1024) } });
  const message = 'Request entity too large: limit is 3145728';
  await run(t, [
    { name: 'POST of a namespace', method: 'POST', url: '/api/v1/namespaces', json: huge({ metadata: { name: 'huge' } }), reason: 'RequestEntityTooLarge', message },
    { name: 'POST of a pod', method: 'POST', url: POD_URL, json: huge(pod('huge')), reason: 'RequestEntityTooLarge', message },
    { name: 'POST of a DaemonSet as YAML', method: 'POST', url: DS_URL, raw: `metadata:\n  name: huge\n  annotations:\n    big: ${'x'.repeat(3 * 1024 * 1024 + 1024)}\n`, contentType: 'application/yaml', reason: 'RequestEntityTooLarge', message },
    { name: 'PUT of a DaemonSet', method: 'PUT', url: AGENT, json: huge(agent), reason: 'RequestEntityTooLarge', message },
    { name: 'merge PATCH of a DaemonSet', method: 'PATCH', url: AGENT, json: huge({ metadata: {} }), contentType: 'application/merge-patch+json', reason: 'RequestEntityTooLarge', message },
    { name: 'strategic PATCH of a pod', method: 'PATCH', url: WEB, json: huge({ metadata: {} }), contentType: 'application/strategic-merge-patch+json', reason: 'RequestEntityTooLarge', message },
    { name: 'DELETE with a huge DeleteOptions', method: 'DELETE', url: WEB, json: { kind: 'DeleteOptions', apiVersion: 'v1', padding: 'x'.repeat(3 * 1024 * 1024 + 1024) }, reason: 'RequestEntityTooLarge', message },
    { name: 'POST of a garbage body of 4 MiB', method: 'POST', url: POD_URL, raw: Buffer.alloc(4 * 1024 * 1024, 0x7b), reason: 'RequestEntityTooLarge', message },
  ]);
});

t.test('a malformed percent-encoding in the path is 400', async (t) => {
  await run(t, [
    { name: 'GET of a pod named %ZZ', method: 'GET', url: '/api/v1/namespaces/default/pods/%ZZ', reason: 'BadRequest' },
    { name: 'DELETE of a DaemonSet named %E0%A4%A', method: 'DELETE', url: `${DS_URL}/%E0%A4%A`, reason: 'BadRequest' },
  ]);
});

// ---------------------------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------------------------

t.test('updates with a stale resourceVersion, or a name or namespace unlike the URL, are rejected', async (t) => {
  const stale = 'Operation cannot be fulfilled on daemonsets.apps "agent": the object has been modified; please apply your changes to the latest version and try again';
  const rv = agent.metadata.resourceVersion as string;
  const olderRV = String(Number(rv) - 1);
  await run(t, [
    { name: 'PUT with a stale resourceVersion', method: 'PUT', url: AGENT, json: withMeta(agent, { resourceVersion: olderRV }), reason: 'Conflict', message: stale },
    { name: 'PUT with resourceVersion 1', method: 'PUT', url: AGENT, json: withMeta(agent, { resourceVersion: '1' }), reason: 'Conflict', message: stale },
    { name: 'PUT of status with a stale resourceVersion', method: 'PUT', url: `${AGENT}/status`, json: withMeta(agent, { resourceVersion: olderRV }), reason: 'Conflict', message: stale },
    { name: 'merge PATCH with a stale resourceVersion', method: 'PATCH', url: AGENT, raw: `{"metadata":{"resourceVersion":"${olderRV}","labels":{"a":"b"}}}`, contentType: 'application/merge-patch+json', reason: 'Conflict', message: stale },
    { name: 'strategic PATCH with a stale resourceVersion', method: 'PATCH', url: AGENT, raw: `{"metadata":{"resourceVersion":"${olderRV}"}}`, contentType: 'application/strategic-merge-patch+json', reason: 'Conflict', message: stale },
    { name: 'PUT of a pod with a stale resourceVersion', method: 'PUT', url: WEB, json: withMeta(pod('web-1'), { resourceVersion: '2' }), reason: 'Conflict', message: /^Operation cannot be fulfilled on pods "web-1": the object has been modified/ },
    { name: 'PUT with another name', method: 'PUT', url: AGENT, json: withMeta(agent, { name: 'other' }), reason: 'BadRequest', message: 'the name of the object (other) does not match the name on the URL (agent)' },
    { name: 'PUT without a name', method: 'PUT', url: AGENT, json: { ...agent, metadata: { labels: { a: 'b' } } }, reason: 'BadRequest', message: 'the name of the object () does not match the name on the URL (agent)' },
    { name: 'PUT of an empty object', method: 'PUT', url: AGENT, json: {}, reason: 'BadRequest', message: 'the name of the object () does not match the name on the URL (agent)' },
    { name: 'PUT of null', method: 'PUT', url: AGENT, raw: 'null', reason: 'BadRequest', message: 'the name of the object () does not match the name on the URL (agent)' },
    { name: 'PUT with another namespace', method: 'PUT', url: AGENT, json: withMeta(agent, { namespace: 'kube-system' }), reason: 'BadRequest', message: 'the namespace of the object (kube-system) does not match the namespace on the URL (default)' },
    { name: 'PUT of a namespace with another name', method: 'PUT', url: '/api/v1/namespaces/default', json: { metadata: { name: 'other' } }, reason: 'BadRequest', message: 'the name of the object (other) does not match the name on the URL (default)' },
    { name: 'PUT of a node with another name', method: 'PUT', url: '/api/v1/nodes/node-1', json: { metadata: { name: 'node-2' } }, reason: 'BadRequest', message: 'the name of the object (node-2) does not match the name on the URL (node-1)' },
    { name: 'PUT of a pod with another name', method: 'PUT', url: WEB, json: pod('web-2'), reason: 'BadRequest', message: 'the name of the object (web-2) does not match the name on the URL (web-1)' },
    { name: 'PUT of a DaemonSet with malformed JSON', method: 'PUT', url: AGENT, raw: '{"metadata":', reason: 'BadRequest' },
    { name: 'PUT of a DaemonSet with kind Pod', method: 'PUT', url: AGENT, json: { ...agent, kind: 'Pod', apiVersion: 'v1' }, reason: 'BadRequest' },
    { name: 'PUT of a DaemonSet with labels as an array', method: 'PUT', url: AGENT, json: withMeta(agent, { labels: ['a'] }), reason: 'BadRequest', message: 'DaemonSet in version "v1" cannot be handled as a DaemonSet: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string' },
  ]);
});

t.test('updates that fail validation are 422 Invalid', async (t) => {
  const invalidDS = (field: string, detail = ''): RegExp => invalidOn('DaemonSet.apps', 'agent', field, detail);
  const merge = (patch: unknown, url = AGENT): Case => ({ name: '', method: 'PATCH', url, raw: JSON.stringify(patch), contentType: 'application/merge-patch+json', reason: 'Invalid' });
  await run(t, [
    {
      name: 'PUT changing the DaemonSet selector',
      method: 'PUT',
      url: AGENT,
      json: { ...agent, spec: { ...agent.spec, selector: { matchLabels: { app: 'agent', tier: 'x' } }, template: { ...agent.spec.template, metadata: { labels: { app: 'agent', tier: 'x' } } } } },
      reason: 'Invalid',
      message: /^DaemonSet\.apps "agent" is invalid: spec\.selector: Invalid value: .*: field is immutable$/,
    },
    { ...merge({ spec: { selector: { matchLabels: { app: 'agent', tier: 'x' } }, template: { metadata: { labels: { tier: 'x' } } } } }), name: 'merge PATCH changing the DaemonSet selector', message: /^DaemonSet\.apps "agent" is invalid: spec\.selector: Invalid value: .*: field is immutable$/ },
    { ...merge({ spec: { template: { spec: { restartPolicy: 'Never' } } } }), name: 'merge PATCH to restartPolicy Never', message: invalidDS('spec.template.spec.restartPolicy', 'Unsupported value: "Never": supported values: "Always"') },
    { ...merge({ spec: { updateStrategy: { type: 'Bogus' } } }), name: 'merge PATCH to an unknown update strategy', message: invalidDS('spec.updateStrategy', 'Unsupported value: ') },
    { ...merge({ spec: { minReadySeconds: -1 } }), name: 'merge PATCH to negative minReadySeconds', message: invalidDS('spec.minReadySeconds', 'Invalid value: -1: must be greater than or equal to 0') },
    { ...merge({ metadata: { labels: { 'bad key': 'x' } } }), name: 'merge PATCH adding an invalid label', message: invalidDS('metadata.labels', 'Invalid value: "bad key": ') },
    { ...merge({ metadata: { annotations: { '-bad': 'x' } } }), name: 'merge PATCH adding an invalid annotation', message: invalidDS('metadata.annotations', 'Invalid value: "-bad": ') },
    { ...merge({ metadata: { labels: { app: 'bad value' } } }, WEB), name: 'merge PATCH adding an invalid label value to a pod', message: invalidOn('Pod', 'web-1', 'metadata.labels', 'Invalid value: "bad value": ') },
    { ...merge({ spec: { containers: [{ name: 'web', image: '' }] } }, WEB), name: 'merge PATCH clearing a pod image', message: /^Pod "web-1" is invalid: / },
    { ...merge({ spec: { taints: [{ key: 'k', effect: 'Bogus' }] } }, '/api/v1/nodes/node-1'), name: 'merge PATCH adding a bad node taint', message: invalidOn('Node', 'node-1', 'metadata.taints[0].effect', 'Unsupported value: "Bogus": ') },
    { ...merge({ spec: { leaseDurationSeconds: -5 } }, '/apis/coordination.k8s.io/v1/namespaces/default/leases/holder'), name: 'merge PATCH to a negative lease duration', message: invalidOn('Lease.coordination.k8s.io', 'holder', 'spec.leaseDurationSeconds', 'Invalid value: -5: must be greater than 0') },
    { ...merge({ spec: { finalizers: ['Bad Finalizer'] } }, '/api/v1/namespaces/default'), name: 'merge PATCH adding an invalid metadata finalizer to a namespace', raw: '{"metadata":{"finalizers":["bad finalizer"]}}', message: /^Namespace "default" is invalid: metadata\.finalizers/ },
  ]);
});

t.test('status updates with negative DaemonSet counters are 422 Invalid', async (t) => {
  const counters = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount'];
  const cases: Case[] = [];
  for (const counter of counters) {
    const message = `DaemonSet.apps "agent" is invalid: status.${counter}: Invalid value: -1: must be greater than or equal to 0`;
    cases.push(
      { name: `PUT of status with ${counter} -1`, method: 'PUT', url: `${AGENT}/status`, json: { ...agent, status: { ...agent.status, [counter]: -1 } }, reason: 'Invalid', message },
      { name: `merge PATCH of status with ${counter} -1`, method: 'PATCH', url: `${AGENT}/status`, raw: JSON.stringify({ status: { [counter]: -1 } }), contentType: 'application/merge-patch+json', reason: 'Invalid', message },
    );
  }
  await run(t, cases);
});

// ---------------------------------------------------------------------------------------------
// Patches
// ---------------------------------------------------------------------------------------------

t.test('JSON patches that are malformed are 400, and ones that do not apply are 422', async (t) => {
  const json = (name: string, raw: string, reason: Reason, message?: string | RegExp): Case => ({ name, method: 'PATCH', url: AGENT, raw, contentType: 'application/json-patch+json', reason, ...(message !== undefined ? { message } : {}) });
  const notApplied = 'the server rejected our request due to an error in our request';
  await run(t, [
    json('a JSON patch that is an object', '{"op":"add","path":"/metadata/labels/a","value":"b"}', 'BadRequest'),
    json('a JSON patch that is a string', '"add"', 'BadRequest'),
    json('a JSON patch of numbers', '[1,2]', 'BadRequest'),
    json('a truncated JSON patch', '[{"op":"add",', 'BadRequest'),
    json('an unknown op', '[{"op":"bogus","path":"/metadata/labels"}]', 'Invalid', notApplied),
    json('an op without an op', '[{"path":"/metadata/labels","value":{}}]', 'Invalid', notApplied),
    json('a path without a leading slash', '[{"op":"add","path":"metadata/labels/a","value":"b"}]', 'Invalid', notApplied),
    json('replace at a missing path', '[{"op":"replace","path":"/spec/nope/deeper","value":1}]', 'Invalid', notApplied),
    json('remove of a missing key', '[{"op":"remove","path":"/metadata/labels/nope"}]', 'Invalid', notApplied),
    json('add past the end of a list', '[{"op":"add","path":"/spec/template/spec/containers/5","value":{"name":"x","image":"y"}}]', 'Invalid', notApplied),
    json('move from a missing path', '[{"op":"move","from":"/nope","path":"/metadata/labels/a"}]', 'Invalid', notApplied),
    json('copy from a missing path', '[{"op":"copy","from":"/nope","path":"/metadata/labels/a"}]', 'Invalid', notApplied),
    json('a failing test', '[{"op":"test","path":"/metadata/name","value":"zzz"}]', 'Invalid', notApplied),
    json('a failing test before a valid op', '[{"op":"test","path":"/spec/minReadySeconds","value":99},{"op":"add","path":"/metadata/labels/a","value":"b"}]', 'Invalid', notApplied),
    json('replacing metadata.name', '[{"op":"replace","path":"/metadata/name","value":"other"}]', 'BadRequest', 'the name of the object (other) does not match the name on the URL (agent)'),
    json('removing metadata.name', '[{"op":"remove","path":"/metadata/name"}]', 'BadRequest', 'the name of the object () does not match the name on the URL (agent)'),
    json('replacing metadata.namespace', '[{"op":"replace","path":"/metadata/namespace","value":"kube-system"}]', 'BadRequest', 'the namespace of the object (kube-system) does not match the namespace on the URL (default)'),
    json('emptying the containers', '[{"op":"replace","path":"/spec/template/spec/containers","value":[]}]', 'Invalid', /^DaemonSet\.apps "agent" is invalid: /),
    json('labels added as an array', '[{"op":"add","path":"/metadata/labels","value":["a"]}]', 'Invalid', /^ "" is invalid: patch: Invalid value: .*: json: cannot unmarshal array into Go struct field ObjectMeta\.metadata\.labels of type map\[string\]string$/),
    json('minReadySeconds added as a string', '[{"op":"add","path":"/spec/minReadySeconds","value":"5"}]', 'Invalid', /^ "" is invalid: patch: Invalid value: .*: json: cannot unmarshal string into Go struct field DaemonSetSpec\.spec\.minReadySeconds of type int32$/),
  ]);
});

t.test('merge patches that are not objects, or that change the name, are rejected', async (t) => {
  const merge = (name: string, raw: string, reason: Reason, message?: string | RegExp, url = AGENT): Case => ({ name, method: 'PATCH', url, raw, contentType: 'application/merge-patch+json', reason, ...(message !== undefined ? { message } : {}) });
  await run(t, [
    merge('a merge patch that is a string', '"x"', 'BadRequest', 'Invalid JSON Patch'),
    merge('a merge patch that is a number', '42', 'BadRequest', 'Invalid JSON Patch'),
    merge('a merge patch that is null', 'null', 'BadRequest', 'Invalid JSON Patch'),
    merge('a truncated merge patch', '{"metadata":', 'BadRequest', 'Invalid JSON Patch'),
    merge('a merge patch that is an array', '[{"metadata":{}}]', 'Invalid', /^ "" is invalid: patch: Invalid value: /),
    merge('a merge patch renaming the object', '{"metadata":{"name":"other"}}', 'BadRequest', 'the name of the object (other) does not match the name on the URL (agent)'),
    merge('a merge patch deleting metadata', '{"metadata":null}', 'BadRequest', 'the name of the object () does not match the name on the URL (agent)'),
    merge('a merge patch moving the object to another namespace', '{"metadata":{"namespace":"kube-system"}}', 'BadRequest', 'the namespace of the object (kube-system) does not match the namespace on the URL (default)'),
    merge('a merge patch renaming a namespace', '{"metadata":{"name":"other"}}', 'BadRequest', 'the name of the object (other) does not match the name on the URL (default)', '/api/v1/namespaces/default'),
    merge('a merge patch renaming a node', '{"metadata":{"name":"other"}}', 'BadRequest', 'the name of the object (other) does not match the name on the URL (node-1)', '/api/v1/nodes/node-1'),
    merge('a merge patch making labels an array', '{"metadata":{"labels":["a"]}}', 'Invalid', /^ "" is invalid: patch: Invalid value: /),
    merge('a merge patch making containers a string', '{"spec":{"template":{"spec":{"containers":"x"}}}}', 'Invalid'),
    merge('a merge patch making a pod spec a number', '{"spec":5}', 'Invalid', undefined, WEB),
  ]);
});

t.test('strategic merge patches that are malformed or carry bad directives are rejected with 4xx', async (t) => {
  const smp = (name: string, raw: string, reason: Reason, message?: string | RegExp, url = AGENT): Case => ({ name, method: 'PATCH', url, raw, contentType: 'application/strategic-merge-patch+json', reason, ...(message !== undefined ? { message } : {}) });
  await run(t, [
    smp('a strategic patch that is an array', '[{"metadata":{}}]', 'BadRequest'),
    smp('a strategic patch that is a string', '"x"', 'BadRequest'),
    smp('a strategic patch that is a number', '42', 'BadRequest'),
    smp('a truncated strategic patch', '{"spec":', 'BadRequest'),
    smp('an unknown $patch directive on a map', '{"spec":{"$patch":"bogus"}}', 'BadRequest'),
    smp('an unknown $patch directive in a keyed list', '{"spec":{"template":{"spec":{"containers":[{"name":"agent","$patch":"bogus"}]}}}}', 'BadRequest'),
    smp('a $patch directive that is not a string', '{"spec":{"$patch":5}}', 'BadRequest'),
    smp('$setElementOrder that is not a list', '{"spec":{"template":{"spec":{"$setElementOrder/containers":"x"}}}}', 'BadRequest'),
    smp('$retainKeys that is not a list', '{"spec":{"$retainKeys":"x"}}', 'BadRequest', 'invalid patch format of retainKeys'),
    smp('$retainKeys that leaves out a patched key', '{"spec":{"$retainKeys":["selector"],"minReadySeconds":5}}', 'BadRequest', 'invalid patch format of retainKeys'),
    smp('a strategic patch deleting the whole object', '{"$patch":"delete"}', 'BadRequest', 'the name of the object () does not match the name on the URL (agent)'),
    smp('a strategic patch renaming the object', '{"metadata":{"name":"other"}}', 'BadRequest', 'the name of the object (other) does not match the name on the URL (agent)'),
    smp('a strategic patch renaming a pod', '{"metadata":{"name":"other"}}', 'BadRequest', 'the name of the object (other) does not match the name on the URL (web-1)', WEB),
    smp('a strategic patch to restartPolicy Never', '{"spec":{"template":{"spec":{"restartPolicy":"Never"}}}}', 'Invalid', invalidOn('DaemonSet.apps', 'agent', 'spec.template.spec.restartPolicy', 'Unsupported value: "Never"')),
    smp('a strategic patch removing the only container', '{"spec":{"template":{"spec":{"containers":[{"name":"agent","$patch":"delete"}]}}}}', 'Invalid', /^DaemonSet\.apps "agent" is invalid: \[?spec\.template\.spec\.containers: Required value/),
    smp('a strategic patch adding a container to a pod', '{"spec":{"containers":[{"name":"extra","image":"busybox"}]}}', 'Invalid', 'Pod "web-1" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers', WEB),
    smp('a strategic patch making minReadySeconds a string', '{"spec":{"minReadySeconds":"5"}}', 'Invalid', /^ "" is invalid: patch: Invalid value: /),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Validation of DaemonSets and pods on create
// ---------------------------------------------------------------------------------------------

t.test('DaemonSets that fail validation are 422 Invalid naming the field', async (t) => {
  const ds = (name: string, spec: Record<string, unknown>, field: string, detail = ''): Case => ({ name, method: 'POST', url: DS_URL, json: daemonSet('bad', spec), reason: 'Invalid', message: invalidOn('DaemonSet.apps', 'bad', field, detail) });
  const ru = (rollingUpdate: Record<string, unknown>) => ({ updateStrategy: { type: 'RollingUpdate', rollingUpdate } });
  const dsPod = (name: string, podSpec: Record<string, unknown>, field: string, detail = ''): Case => ({ name, method: 'POST', url: DS_URL, json: daemonSetWithPod('bad', podSpec), reason: 'Invalid', message: invalidOn('DaemonSet.apps', 'bad', field, detail) });
  await run(t, [
    ds('no selector', { selector: undefined }, 'spec.template.metadata.labels', 'Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`'),
    ds('an empty selector', { selector: {} }, 'spec.selector', 'Invalid value: '),
    ds('a selector that does not match the template', { selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels', 'Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`'),
    ds('a selector expression with a bad operator', { selector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] } }, 'spec.selector.matchExpressions[0].operator', 'Invalid value: "Bogus": not a valid selector operator'),
    ds('a selector In without values', { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }, 'spec.selector.matchExpressions[0].values', 'Required value: must be specified when `operator` is \'In\' or \'NotIn\''),
    ds('a selector with an invalid key', { selector: { matchLabels: { 'bad key': 'x' } } }, 'spec.selector.matchLabels', 'Invalid value: "bad key": '),
    dsPod('restartPolicy Never', { restartPolicy: 'Never', containers: [{ name: 'agent', image: 'busybox' }] }, 'spec.template.spec.restartPolicy', 'Unsupported value: "Never": supported values: "Always"'),
    dsPod('restartPolicy OnFailure', { restartPolicy: 'OnFailure', containers: [{ name: 'agent', image: 'busybox' }] }, 'spec.template.spec.restartPolicy', 'Unsupported value: "OnFailure": supported values: "Always"'),
    dsPod('no containers', { containers: [] }, 'spec.template.spec.containers', 'Required value'),
    dsPod('a container without an image', { containers: [{ name: 'agent' }] }, 'spec.template.spec.containers[0].image', 'Required value'),
    dsPod('a container without a name', { containers: [{ image: 'busybox' }] }, 'spec.template.spec.containers[0].name', 'Required value'),
    dsPod('activeDeadlineSeconds set', { activeDeadlineSeconds: 10, containers: [{ name: 'agent', image: 'busybox' }] }, 'spec.template.spec.activeDeadlineSeconds'),
    ds('rolling update with both zero', ru({ maxUnavailable: 0, maxSurge: 0 }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'Required value: cannot be 0 when maxSurge is 0'),
    ds('rolling update with both zero percent', ru({ maxUnavailable: '0%', maxSurge: '0%' }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'Required value: cannot be 0 when maxSurge is 0'),
    ds('rolling update with both non-zero', ru({ maxUnavailable: 1, maxSurge: 1 }), 'spec.updateStrategy.rollingUpdate.maxSurge', 'Invalid value: 1: may not be set when maxUnavailable is non-zero'),
    ds('rolling update with both non-zero percents', ru({ maxUnavailable: '10%', maxSurge: '10%' }), 'spec.updateStrategy.rollingUpdate.maxSurge', 'Invalid value: '),
    ds('a negative maxUnavailable', ru({ maxUnavailable: -1 }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'Invalid value: -1: must be greater than or equal to 0'),
    ds('a negative maxSurge', ru({ maxUnavailable: 0, maxSurge: -1 }), 'spec.updateStrategy.rollingUpdate.maxSurge', 'Invalid value: -1: must be greater than or equal to 0'),
    ds('maxUnavailable over 100%', ru({ maxUnavailable: '101%' }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'Invalid value: '),
    ds('maxSurge over 100%', ru({ maxUnavailable: 0, maxSurge: '150%' }), 'spec.updateStrategy.rollingUpdate.maxSurge', 'Invalid value: '),
    ds('maxUnavailable that is not a percentage', ru({ maxUnavailable: 'lots' }), 'spec.updateStrategy.rollingUpdate.maxUnavailable', 'Invalid value: '),
    ds('an unknown update strategy type', { updateStrategy: { type: 'Bogus' } }, 'spec.updateStrategy', 'Unsupported value: '),
    ds('a negative revisionHistoryLimit', { revisionHistoryLimit: -1 }, 'spec.revisionHistoryLimit', 'Invalid value: -1: must be greater than or equal to 0'),
    ds('a negative minReadySeconds', { minReadySeconds: -1 }, 'spec.minReadySeconds', 'Invalid value: -1: must be greater than or equal to 0'),
    { name: 'a DaemonSet with no spec at all', method: 'POST', url: DS_URL, json: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'bad' } }, reason: 'Invalid', message: /^DaemonSet\.apps "bad" is invalid: \[/ },
    { name: 'a DaemonSet with a dry run', method: 'POST', url: `${DS_URL}?dryRun=All`, json: daemonSet('bad', { minReadySeconds: -1 }), reason: 'Invalid', message: invalidOn('DaemonSet.apps', 'bad', 'spec.minReadySeconds') },
  ]);
});

t.test('pods that fail validation are 422 Invalid naming the field', async (t) => {
  const p = (name: string, spec: Record<string, unknown>, field: string, detail = ''): Case => ({ name, method: 'POST', url: POD_URL, json: pod('bad', spec), reason: 'Invalid', message: invalidOn('Pod', 'bad', field, detail) });
  const c = (extra: Record<string, unknown>) => ({ containers: [{ name: 'web', image: 'nginx', ...extra }] });
  await run(t, [
    p('no containers', { containers: [] }, 'spec.containers', 'Required value'),
    p('duplicate container names', { containers: [{ name: 'web', image: 'nginx' }, { name: 'web', image: 'nginx' }] }, 'spec.containers[1].name', 'Duplicate value: "web"'),
    p('an invalid container name', { containers: [{ name: 'Web_1', image: 'nginx' }] }, 'spec.containers[0].name', 'Invalid value: "Web_1": '),
    p('a container without an image', { containers: [{ name: 'web' }] }, 'spec.containers[0].image', 'Required value'),
    p('port 0', c({ ports: [{ containerPort: 0 }] }), 'spec.containers[0].ports[0].containerPort', 'Required value'),
    p('port 70000', c({ ports: [{ containerPort: 70000 }] }), 'spec.containers[0].ports[0].containerPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive'),
    p('a negative port', c({ ports: [{ containerPort: -1 }] }), 'spec.containers[0].ports[0].containerPort', 'Invalid value: -1: must be between 1 and 65535, inclusive'),
    p('a host port out of range', c({ ports: [{ containerPort: 80, hostPort: 70000 }] }), 'spec.containers[0].ports[0].hostPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive'),
    p('an unknown port protocol', c({ ports: [{ containerPort: 80, protocol: 'ICMP' }] }), 'spec.containers[0].ports[0].protocol', 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'),
    p('an invalid port name', c({ ports: [{ containerPort: 80, name: 'Way_Too_Long_Port_Name' }] }), 'spec.containers[0].ports[0].name', 'Invalid value: "Way_Too_Long_Port_Name": '),
    p('restartPolicy Sometimes', { restartPolicy: 'Sometimes' }, 'spec.restartPolicy', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'),
    p('dnsPolicy Bogus', { dnsPolicy: 'Bogus' }, 'spec.dnsPolicy', 'Unsupported value: "Bogus": '),
    p('a toleration with a bad operator', { tolerations: [{ key: 'k', operator: 'Maybe', value: 'v' }] }, 'spec.tolerations[0].operator', 'Unsupported value: "Maybe": supported values: "Equal", "Exists"'),
    p('an Exists toleration with a value', { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }, 'spec.tolerations[0].operator', 'Invalid value: '),
    p('a toleration with a bad effect', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }] }, 'spec.tolerations[0].effect', 'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'),
    p('a zero activeDeadlineSeconds', { activeDeadlineSeconds: 0 }, 'spec.activeDeadlineSeconds', 'Invalid value: 0: must be between 1 and 2147483647, inclusive'),
    p('an invalid nodeSelector label value', { nodeSelector: { disk: 'bad value' } }, 'spec.nodeSelector', 'Invalid value: "bad value": '),
    p('requests above limits', c({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }), 'spec.containers[0].resources.requests', 'Invalid value: "2": must be less than or equal to cpu limit of 1'),
    p('a negative memory request', c({ resources: { requests: { memory: '-1Gi' } } }), 'spec.containers[0].resources.requests[memory]', 'Invalid value: "-1Gi": must be greater than or equal to 0'),
    p('an unknown resource name', c({ resources: { limits: { 'bogus name': '1' } } }), 'spec.containers[0].resources.limits[bogus name]', 'Invalid value: "bogus name": '),
    p('a volume mount without a volume', c({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), 'spec.containers[0].volumeMounts[0].name', 'Not found: "data"'),
    p('duplicate volumes', { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }, 'spec.volumes[1].name', 'Duplicate value: "v"'),
    p('an env var with an invalid name', c({ env: [{ name: '', value: 'x' }] }), 'spec.containers[0].env[0].name', 'Required value'),
    p('an imagePullPolicy Bogus', c({ imagePullPolicy: 'Sometimes' }), 'spec.containers[0].imagePullPolicy', 'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'),
    p('a nodeName that is not a DNS subdomain', { nodeName: 'Bad_Node' }, 'spec.nodeName', 'Invalid value: "Bad_Node": '),
    { name: 'a pod with no spec', method: 'POST', url: POD_URL, json: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' } }, reason: 'Invalid', message: /^Pod "bad" is invalid: \[?spec\.containers: Required value/ },
  ]);
});

t.test('resource quantities that do not parse are a decoding error, 400 BadRequest', async (t) => {
  const quantityRegexp = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const cases: Case[] = [];
  for (const value of ['abc', '1.2.3', '5 Gi', '1Gb', '', '1.5.']) {
    cases.push(
      { name: `pods: limits.cpu ${JSON.stringify(value)}`, method: 'POST', url: POD_URL, json: pod('bad', { containers: [{ name: 'web', image: 'nginx', resources: { limits: { cpu: value } } }] }), reason: 'BadRequest', message: `Pod in version "v1" cannot be handled as a Pod: ${quantityRegexp}` },
      { name: `daemonsets: requests.memory ${JSON.stringify(value)}`, method: 'POST', url: DS_URL, json: daemonSetWithPod('bad', { containers: [{ name: 'agent', image: 'busybox', resources: { requests: { memory: value } } }] }), reason: 'BadRequest', message: `DaemonSet in version "v1" cannot be handled as a DaemonSet: ${quantityRegexp}` },
    );
  }
  await run(t, cases);
});

// ---------------------------------------------------------------------------------------------
// Request options
// ---------------------------------------------------------------------------------------------

t.test('DeleteOptions that are invalid are rejected and nothing is deleted', async (t) => {
  const policyMessage = 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Bogus": supported values: "Foreground", "Background", "Orphan", "nil"';
  const uid = agent.metadata.uid as string;
  await run(t, [
    { name: 'propagationPolicy=Bogus in the query', method: 'DELETE', url: `${AGENT}?propagationPolicy=Bogus`, reason: 'Invalid', message: policyMessage },
    { name: 'propagationPolicy Bogus in the body', method: 'DELETE', url: AGENT, json: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Bogus' }, reason: 'Invalid', message: policyMessage },
    { name: 'propagationPolicy lower-case', method: 'DELETE', url: `${WEB}?propagationPolicy=background`, reason: 'Invalid', message: /^DeleteOptions\.meta\.k8s\.io "" is invalid: propagationPolicy: Unsupported value: "background"/ },
    { name: 'propagationPolicy=Bogus on a collection', method: 'DELETE', url: `${DS_URL}?propagationPolicy=Bogus`, reason: 'Invalid', message: policyMessage },
    {
      name: 'orphanDependents together with propagationPolicy',
      method: 'DELETE',
      url: `${AGENT}?orphanDependents=true&propagationPolicy=Foreground`,
      reason: 'Invalid',
      message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Foreground": orphanDependents and deletionPropagation cannot be both set',
    },
    { name: 'gracePeriodSeconds=abc in the query', method: 'DELETE', url: `${WEB}?gracePeriodSeconds=abc`, reason: 'BadRequest', message: 'strconv.ParseInt: parsing "abc": invalid syntax' },
    { name: 'gracePeriodSeconds as a string in the body', method: 'DELETE', url: WEB, json: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 'abc' }, reason: 'BadRequest' },
    { name: 'gracePeriodSeconds as a fraction in the body', method: 'DELETE', url: WEB, json: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 1.5 }, reason: 'BadRequest' },
    { name: 'preconditions as a string', method: 'DELETE', url: WEB, json: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: 'x' }, reason: 'BadRequest' },
    { name: 'DeleteOptions that are malformed JSON', method: 'DELETE', url: AGENT, raw: '{"kind":', reason: 'BadRequest' },
    { name: 'DeleteOptions that are an array', method: 'DELETE', url: AGENT, raw: '[]', reason: 'BadRequest' },
    { name: 'a body of another kind', method: 'DELETE', url: AGENT, json: { kind: 'Pod', apiVersion: 'v1' }, reason: 'BadRequest' },
    {
      name: 'a uid precondition that does not match',
      method: 'DELETE',
      url: AGENT,
      json: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } },
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on daemonsets.apps "agent": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`,
    },
    {
      name: 'a resourceVersion precondition that does not match',
      method: 'DELETE',
      url: AGENT,
      json: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } },
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on daemonsets.apps "agent": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${agent.metadata.resourceVersion as string}`,
    },
    { name: 'a uid precondition on a pod', method: 'DELETE', url: WEB, json: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'x' } }, reason: 'Conflict', message: /^Operation cannot be fulfilled on pods "web-1": Precondition failed: UID in precondition: x, / },
    { name: 'a uid precondition on a namespace', method: 'DELETE', url: '/api/v1/namespaces/default', json: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'x' } }, reason: 'Conflict', message: /^Operation cannot be fulfilled on namespaces "default": Precondition failed/ },
    { name: 'dryRun=Bogus', method: 'DELETE', url: `${AGENT}?dryRun=Bogus`, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"' },
    { name: 'dryRun Bogus in the body', method: 'DELETE', url: AGENT, json: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['Bogus'] }, reason: 'Invalid', message: 'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"' },
  ]);
});

t.test('dryRun, fieldManager, fieldValidation and force values that are invalid are 422 Invalid', async (t) => {
  const longManager = 'm'.repeat(129);
  const cases: Case[] = [];
  const writes: Array<{ verb: string; options: string; method: Method; url: string; json?: unknown; raw?: string; contentType?: string }> = [
    { verb: 'create', options: 'CreateOptions', method: 'POST', url: DS_URL, json: daemonSet('opts') },
    { verb: 'create of a namespace', options: 'CreateOptions', method: 'POST', url: '/api/v1/namespaces', json: { metadata: { name: 'opts' } } },
    { verb: 'update', options: 'UpdateOptions', method: 'PUT', url: AGENT, json: withMeta(agent, { labels: { changed: 'yes' } }) },
    { verb: 'status update', options: 'UpdateOptions', method: 'PUT', url: `${AGENT}/status`, json: agent },
    { verb: 'merge patch', options: 'PatchOptions', method: 'PATCH', url: AGENT, raw: '{"metadata":{"labels":{"changed":"yes"}}}', contentType: 'application/merge-patch+json' },
    { verb: 'strategic patch', options: 'PatchOptions', method: 'PATCH', url: WEB, raw: '{"metadata":{"labels":{"changed":"yes"}}}', contentType: 'application/strategic-merge-patch+json' },
    { verb: 'JSON patch', options: 'PatchOptions', method: 'PATCH', url: '/api/v1/nodes/node-1', raw: '[{"op":"add","path":"/metadata/labels/changed","value":"yes"}]', contentType: 'application/json-patch+json' },
  ];
  for (const w of writes) {
    const body = { ...(w.json !== undefined ? { json: w.json } : {}), ...(w.raw !== undefined ? { raw: w.raw } : {}), ...(w.contentType ? { contentType: w.contentType } : {}) };
    const prefix = `${w.options}.meta.k8s.io "" is invalid: `;
    cases.push(
      { name: `${w.verb} with dryRun=Bogus`, method: w.method, url: `${w.url}?dryRun=Bogus`, ...body, reason: 'Invalid', message: `${prefix}dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"` },
      { name: `${w.verb} with dryRun=All&dryRun=Bogus`, method: w.method, url: `${w.url}?dryRun=All&dryRun=Bogus`, ...body, reason: 'Invalid', message: `${prefix}dryRun: Unsupported value: []string{"All", "Bogus"}: supported values: "All"` },
      { name: `${w.verb} with dryRun=true`, method: w.method, url: `${w.url}?dryRun=true`, ...body, reason: 'Invalid', message: `${prefix}dryRun: Unsupported value: []string{"true"}: supported values: "All"` },
      { name: `${w.verb} with a 129-byte fieldManager`, method: w.method, url: `${w.url}?fieldManager=${longManager}`, ...body, reason: 'Invalid', message: `${prefix}fieldManager: Too long: may not be more than 128 bytes` },
      { name: `${w.verb} with a fieldManager holding a control character`, method: w.method, url: `${w.url}?fieldManager=a%07b`, ...body, reason: 'Invalid', message: `${prefix}fieldManager: Invalid value: "a\\ab": invalid character U+0007 (at position 1)` },
      { name: `${w.verb} with fieldValidation=Bogus`, method: w.method, url: `${w.url}?fieldValidation=Bogus`, ...body, reason: 'Invalid', message: `${prefix}fieldValidation: Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"` },
    );
    if (w.options === 'PatchOptions') {
      cases.push({ name: `${w.verb} with force=true`, method: w.method, url: `${w.url}?force=true`, ...body, reason: 'Invalid', message: `${prefix}force: Forbidden: may not be specified for non-apply patch` });
    }
  }
  // Options are checked before the body is decoded.
  cases.push({ name: 'create with dryRun=Bogus and a malformed body', method: 'POST', url: `${DS_URL}?dryRun=Bogus`, raw: '{"metadata":', reason: 'Invalid', message: 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Bogus"}: supported values: "All"' });
  await run(t, cases);
});

// ---------------------------------------------------------------------------------------------
// Nothing changed
// ---------------------------------------------------------------------------------------------

t.test('no rejected request changed the stored state, and enough were sent', async (t) => {
  t.equal(snapshot(), before, 'the store snapshot (every object of every kind, and the resourceVersion) is unchanged');
  t.ok(sent >= 300, `${sent} malformed or invalid requests were sent`);
  t.comment(`${sent} malformed or invalid requests sent`);
});
