import t from 'tap';
import { testServer } from '../helpers/server.js';

const DS_URL = '/apis/apps/v1/namespaces/default/daemonsets';

/** A valid DaemonSet body as text, with extra JSON members spliced into spec and the container. */
function daemonSet(name: string, specExtra = '', containerExtra = ''): string {
  return `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"${name}"},"spec":{${specExtra}"selector":{"matchLabels":{"app":"${name}"}},"template":{"metadata":{"labels":{"app":"${name}"}},"spec":{"containers":[{"name":"agent","image":"busybox",${containerExtra}"imagePullPolicy":"Always"}]}}}}`;
}

const json = { 'content-type': 'application/json', accept: 'application/json' };

function warnings(res: { headers: Record<string, unknown> }): string[] {
  const h = res.headers.warning;
  return h === undefined ? [] : Array.isArray(h) ? h.map(String) : [String(h)];
}

t.test('create with fieldValidation=Strict rejects unknown and duplicate fields with upstream\'s 400', async (t) => {
  const { app } = await testServer(t);
  const body = daemonSet('strict', '"bogus":1,"other":{"x":1},"minReadySeconds":1,"minReadySeconds":2,', '"extra":true,');
  const res = await app.inject({ method: 'POST', url: `${DS_URL}?fieldManager=kubectl-create&fieldValidation=Strict`, headers: json, payload: body });
  t.equal(res.statusCode, 400);
  t.same(res.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.bogus", unknown field "spec.other", duplicate field "spec.minReadySeconds", unknown field "spec.template.spec.containers[0].extra"',
    reason: 'BadRequest',
    code: 400,
  });
  t.equal((await app.inject({ url: `${DS_URL}/strict` })).statusCode, 404, 'nothing was created');
});

t.test('create with fieldValidation=Warn answers one Warning header per problem and stores no unknown field', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'POST', url: `${DS_URL}?fieldValidation=Warn`, headers: json, payload: daemonSet('warned', '"bogus":1,', '"extra":true,') });
  t.equal(res.statusCode, 201);
  t.same(warnings(res), ['299 - "unknown field \\"spec.bogus\\""', '299 - "unknown field \\"spec.template.spec.containers[0].extra\\""']);
  const created = res.json();
  t.notOk('bogus' in created.spec);
  t.notOk('extra' in created.spec.template.spec.containers[0]);
  const stored = (await app.inject({ url: `${DS_URL}/warned` })).json();
  t.notOk('bogus' in stored.spec, 'the store never sees the unknown field');
});

t.test('create without fieldValidation warns, as upstream\'s default is Warn', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'POST', url: DS_URL, headers: json, payload: daemonSet('plain', '"bogus":1,') });
  t.equal(res.statusCode, 201);
  t.same(warnings(res), ['299 - "unknown field \\"spec.bogus\\""']);
});

t.test('create with fieldValidation=Ignore drops unknown fields silently', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'POST', url: `${DS_URL}?fieldValidation=Ignore`, headers: json, payload: daemonSet('ignored', '"bogus":1,') });
  t.equal(res.statusCode, 201);
  t.same(warnings(res), []);
  t.notOk('bogus' in res.json().spec);
});

t.test('a clean body gets no warning under any directive', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'POST', url: `${DS_URL}?fieldValidation=Strict`, headers: json, payload: daemonSet('clean') });
  t.equal(res.statusCode, 201);
  t.same(warnings(res), []);
});

t.test('an unsupported fieldValidation value is 422 from the options\' validation', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'POST', url: `${DS_URL}?fieldValidation=strict`, headers: json, payload: daemonSet('x') });
  t.equal(res.statusCode, 422);
  t.equal(res.json().message, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
  const patch = await app.inject({ method: 'PATCH', url: '/api/v1/nodes/node-1?fieldValidation=Loud', headers: { 'content-type': 'application/merge-patch+json' }, payload: '{}' });
  t.match(patch.json().message, /^PatchOptions\.meta\.k8s\.io "" is invalid: fieldValidation: Unsupported value: "Loud"/);
});

t.test('a YAML body reports duplicate keys by line, then unknown fields', async (t) => {
  const { app } = await testServer(t);
  const yaml = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: yaml-ns\n  name: yaml-ns\n  bogus: 1\n';
  const res = await app.inject({ method: 'POST', url: '/api/v1/namespaces?fieldValidation=Strict', headers: { 'content-type': 'application/yaml' }, payload: yaml });
  t.equal(res.statusCode, 400);
  t.equal(res.json().message, 'Namespace in version "v1" cannot be handled as a Namespace: strict decoding error: yaml: unmarshal errors:\n  line 5: key "name" already set in map, unknown field "metadata.bogus"');
  const warned = await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: { 'content-type': 'application/yaml' }, payload: yaml });
  t.equal(warned.statusCode, 201);
  t.same(warnings(warned), ['299 - "line 5: key \\"name\\" already set in map"', '299 - "unknown field \\"metadata.bogus\\""']);
});

t.test('update (PUT) validates the body the same way', async (t) => {
  const { app } = await testServer(t);
  const created = (await app.inject({ method: 'POST', url: DS_URL, headers: json, payload: daemonSet('put') })).json();
  const body = daemonSet('put', '"bogus":1,').replace('"metadata":{"name":"put"}', `"metadata":{"name":"put","resourceVersion":"${created.metadata.resourceVersion}"}`);
  const strict = await app.inject({ method: 'PUT', url: `${DS_URL}/put?fieldValidation=Strict`, headers: json, payload: body });
  t.equal(strict.statusCode, 400);
  t.equal(strict.json().message, 'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.bogus"');
  const warned = await app.inject({ method: 'PUT', url: `${DS_URL}/put?fieldValidation=Warn`, headers: json, payload: body });
  t.equal(warned.statusCode, 200);
  t.same(warnings(warned), ['299 - "unknown field \\"spec.bogus\\""']);
  const bad = await app.inject({ method: 'PUT', url: `${DS_URL}/put?fieldValidation=Bad`, headers: json, payload: body });
  t.match(bad.json().message, /^UpdateOptions\.meta\.k8s\.io "" is invalid/);
});

t.test('a merge patch with fieldValidation=Strict is 422 and changes nothing', async (t) => {
  const { app } = await testServer(t);
  await app.inject({ method: 'POST', url: DS_URL, headers: json, payload: daemonSet('merge') });
  const res = await app.inject({
    method: 'PATCH',
    url: `${DS_URL}/merge?fieldValidation=Strict`,
    headers: { 'content-type': 'application/merge-patch+json' },
    payload: '{"spec":{"minReadySeconds":1,"minReadySeconds":2,"bogus":true}}',
  });
  t.equal(res.statusCode, 422);
  const status = res.json();
  t.equal(status.reason, 'Invalid');
  t.match(status.message, /^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",/);
  t.match(status.message, /": strict decoding error: duplicate field "spec\.minReadySeconds", unknown field "spec\.bogus"$/);
  t.match(status.details, { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] });
  t.notOk((await app.inject({ url: `${DS_URL}/merge` })).json().spec.minReadySeconds, 'unchanged');
});

t.test('a strategic merge patch warns by default and applies without the unknown fields', async (t) => {
  const { app } = await testServer(t);
  await app.inject({ method: 'POST', url: DS_URL, headers: json, payload: daemonSet('smp') });
  const res = await app.inject({
    method: 'PATCH',
    url: `${DS_URL}/smp`,
    headers: { 'content-type': 'application/strategic-merge-patch+json' },
    payload: '{"spec":{"minReadySeconds":5,"template":{"spec":{"containers":[{"name":"agent","bogus":1}]}}}}',
  });
  t.equal(res.statusCode, 200);
  t.same(warnings(res), ['299 - "unknown field \\"spec.template.spec.containers[0].bogus\\""']);
  t.equal(res.json().spec.minReadySeconds, 5);
  t.notOk('bogus' in res.json().spec.template.spec.containers[0]);
});

t.test('a json patch reports unknown keys of its operations', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({
    method: 'PATCH',
    url: '/api/v1/nodes/node-1?fieldValidation=Strict',
    headers: { 'content-type': 'application/json-patch+json' },
    payload: '[{"op":"add","path":"/metadata/labels/x","value":"y","comment":"hi"}]',
  });
  t.equal(res.statusCode, 422);
  t.match(res.json().message, /strict decoding error: json patch unknown field "\[0\]\.comment"$/);
});

t.test('taints sent by kubectl taint (Strict) pass', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({
    method: 'PATCH',
    url: '/api/v1/nodes/node-1?fieldManager=kubectl-taint&fieldValidation=Strict',
    headers: { 'content-type': 'application/strategic-merge-patch+json' },
    payload: '{"spec":{"taints":[{"effect":"NoSchedule","key":"a","value":"1"}]}}',
  });
  t.equal(res.statusCode, 200);
  t.same(warnings(res), []);
});

t.test('warnings are sent even when the request then fails validation', async (t) => {
  const { app } = await testServer(t);
  const body = daemonSet('Invalid_Name', '"bogus":1,');
  const res = await app.inject({ method: 'POST', url: `${DS_URL}?fieldValidation=Warn`, headers: json, payload: body });
  t.equal(res.statusCode, 422);
  t.same(warnings(res), ['299 - "unknown field \\"spec.bogus\\""']);
});

t.test('the status subresource checks against the kind\'s schema', async (t) => {
  const { app } = await testServer(t);
  await app.inject({ method: 'POST', url: DS_URL, headers: json, payload: daemonSet('status') });
  const res = await app.inject({
    method: 'PATCH',
    url: `${DS_URL}/status/status?fieldValidation=Warn`,
    headers: { 'content-type': 'application/merge-patch+json' },
    payload: '{"status":{"numberReady":0,"numberBogus":1}}',
  });
  t.equal(res.statusCode, 200);
  t.same(warnings(res), ['299 - "unknown field \\"status.numberBogus\\""']);
});

t.test('a server-side apply with a duplicate key is rejected under Strict before anything is applied', async (t) => {
  const { app } = await testServer(t);
  const body = daemonSet('ssa', '"minReadySeconds":1,"minReadySeconds":2,');
  const headers = { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' };
  const strict = await app.inject({ method: 'PATCH', url: `${DS_URL}/ssa?fieldManager=kubectl&fieldValidation=Strict&force=false`, headers, payload: body });
  t.equal(strict.statusCode, 400);
  t.equal(strict.json().message, 'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 1: key "minReadySeconds" already set in map');
  t.equal((await app.inject({ url: `${DS_URL}/ssa` })).statusCode, 404, 'nothing was applied');
});

t.test(
  'a server-side apply with a duplicate key under Warn is applied with a warning',
  async (t) => {
    const { app } = await testServer(t);
    const body = daemonSet('ssa', '"minReadySeconds":1,"minReadySeconds":2,');
    const headers = { 'content-type': 'application/apply-patch+yaml', accept: 'application/json' };
    const warned = await app.inject({ method: 'PATCH', url: `${DS_URL}/ssa?fieldManager=kubectl&fieldValidation=Warn&force=false`, headers, payload: body });
    t.equal(warned.statusCode, 201);
    t.same(warnings(warned), ['299 - "line 1: key \\"minReadySeconds\\" already set in map"']);
    t.equal(warned.json().spec?.minReadySeconds, 2, 'the last duplicate wins');
  },
);
