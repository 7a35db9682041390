import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { FieldSet, pathToString, type ManagedFieldsEntry } from '../../api/managed-fields.js';
import { LAST_APPLIED_ANNOTATION, applyConfiguration, conflictError, printManager } from '../../api/server-side-apply.js';
import { daemonSets } from '../../api/resources.js';
import { deepFreeze, type KubeObject } from '../../store/object.js';
import { StatusError } from '../../store/status-error.js';
import { testServer } from '../helpers/server.js';

const NOW = new Date('2024-05-01T10:00:00Z');
const DS_PATH = '/apis/apps/v1/namespaces/default/daemonsets';
const KUBECTL_UA = 'kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0';

interface Manifest {
  image?: string;
  labels?: Record<string, string>;
  name?: string;
  env?: Array<{ name: string; value: string }>;
}

function manifest({ image = 'monitoring-agent', labels, name = 'monitoring-daemon', env }: Manifest = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    spec: {
      selector: { matchLabels: { app: 'monitoring-agent' } },
      template: {
        metadata: { labels: { app: 'monitoring-agent' } },
        spec: { containers: [{ name: 'monitoring-agent', image, ...(env ? { env } : {}) }] },
      },
    },
  };
}

/** The Status a function throws, or undefined. */
function statusOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err.status;
    throw err;
  }
  return undefined;
}

const fieldsOf = (obj: KubeObject, manager: string, operation = 'Apply'): string[] => {
  const entry = (obj.metadata.managedFields ?? []).find((e) => e.manager === manager && e.operation === operation);
  return entry ? FieldSet.fromFieldsV1(entry.fieldsV1).paths().map(pathToString) : [];
};
const managers = (obj: KubeObject) => (obj.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`);
const IMAGE = '.spec.template.spec.containers[name="monitoring-agent"].image';

// ---------------------------------------------------------------------------------------------
// applyConfiguration, without a server.

t.test('an apply that creates owns exactly the applied fields, as a real cluster shows', async (t) => {
  const obj = applyConfiguration(daemonSets, undefined, manifest(), { manager: 'kubectl', force: false, now: NOW });
  t.same(obj.metadata.managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:spec': {
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"monitoring-agent"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
  t.same({ ...obj, metadata: { ...obj.metadata, managedFields: undefined } }, { ...manifest(), metadata: { ...(manifest().metadata as object), managedFields: undefined } }, 'the object is the configuration');
});

t.test('applying to an untracked object first gives its fields to before-first-apply', async (t) => {
  const live = deepFreeze({ ...manifest({ labels: { team: 'a' } }), metadata: { name: 'monitoring-daemon', namespace: 'default', uid: 'u', resourceVersion: '3', labels: { team: 'a' } } } as KubeObject);
  const obj = applyConfiguration(daemonSets, live, manifest({ image: 'agent:2' }), { manager: 'ci', force: true, now: NOW });
  t.same(managers(obj), ['ci/Apply', 'before-first-apply/Update']);
  t.ok(fieldsOf(obj, 'ci').includes(IMAGE), 'the applier owns what it applied');
  t.notOk(fieldsOf(obj, 'before-first-apply', 'Update').includes(IMAGE), 'the forced image left before-first-apply');
  t.ok(fieldsOf(obj, 'before-first-apply', 'Update').includes('.metadata.labels.team'), 'fields nobody applies stay with before-first-apply');
  t.match(statusOf(() => applyConfiguration(daemonSets, live, manifest({ image: 'agent:2' }), { manager: 'ci', force: false, now: NOW })), { code: 409, message: `Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: ${IMAGE}` }, 'without force the changed image conflicts');
});

t.test('conflict errors read as upstream: one conflict inline, several grouped by manager', async (t) => {
  const kubectl = '{"manager":"kubectl","operation":"Apply"}';
  const create = '{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1"}';
  const status = '{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","subresource":"status"}';
  t.equal(printManager(kubectl), '"kubectl"');
  t.equal(printManager(create), '"kubectl-create" using apps/v1');
  t.equal(printManager(status), '"kube-controller-manager" with subresource "status" using apps/v1');
  const image = [{ field: 'spec' }, { field: 'template' }, { field: 'spec' }, { field: 'containers' }, { key: [['name', 'agent']] as const }, { field: 'image' }] as const;
  const one = conflictError([{ manager: create, path: image }]);
  t.same(one.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.template.spec.containers[name="agent"].image',
    reason: 'Conflict',
    details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-create" using apps/v1', field: '.spec.template.spec.containers[name="agent"].image' }] },
    code: 409,
  });
  const many = conflictError([
    { manager: kubectl, path: [{ field: 'spec' }, { field: 'minReadySeconds' }] },
    { manager: create, path: image },
    { manager: kubectl, path: [{ field: 'spec' }, { field: 'revisionHistoryLimit' }] },
  ]);
  t.equal(
    many.message,
    'Apply failed with 3 conflicts: conflicts with "kubectl":\n- .spec.minReadySeconds\n- .spec.revisionHistoryLimit\nconflicts with "kubectl-create" using apps/v1:\n- .spec.template.spec.containers[name="agent"].image',
  );
  t.equal(many.status.details?.causes?.length, 3);
});

t.test('configurations the field manager refuses get upstream messages, as 400s rather than upstream 500s', async (t) => {
  const apply = (config: unknown) => () => applyConfiguration(daemonSets, undefined, config, { manager: 'm', force: false, now: NOW });
  t.match(statusOf(apply({ ...manifest(), apiVersion: 'apps/v1beta2' })), { code: 400, message: 'invalid object type: apps/v1beta2, Kind=DaemonSet' });
  t.match(statusOf(apply({ ...manifest(), apiVersion: undefined, kind: undefined })), { code: 400, message: 'invalid object type: /, Kind=' });
  t.match(statusOf(apply(null)), { code: 400, message: 'invalid object type: /, Kind=' });
  t.match(statusOf(apply({ ...manifest(), metadata: { name: 'x', managedFields: [] } })), { code: 400, message: 'metadata.managedFields must be nil' });
  const unkeyed = manifest();
  (unkeyed.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [{ image: 'x' }];
  t.match(statusOf(apply(unkeyed)), {
    code: 400,
    reason: 'BadRequest',
    message: 'failed to create typed patch object (default/monitoring-daemon; apps/v1, Kind=DaemonSet): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  });
});

// ---------------------------------------------------------------------------------------------
// The route: PATCH application/apply-patch+yaml and managedFields on every write.

async function apply(app: FastifyInstance, body: unknown, query: Record<string, string> = { fieldManager: 'kubectl' }, name = 'monitoring-daemon') {
  const search = new URLSearchParams(query).toString();
  return app.inject({
    method: 'PATCH',
    url: `${DS_PATH}/${name}${search ? `?${search}` : ''}`,
    headers: { 'content-type': 'application/apply-patch+yaml', 'user-agent': KUBECTL_UA },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function get(app: FastifyInstance, name = 'monitoring-daemon'): Promise<KubeObject> {
  return (await app.inject({ url: `${DS_PATH}/${name}` })).json();
}

t.test('an apply creates a missing object (201) and answers 200 once it exists', async (t) => {
  const { app } = await testServer(t);
  const created = await apply(app, manifest());
  t.equal(created.statusCode, 201);
  const body = created.json();
  t.equal(body.metadata.uid !== undefined && body.metadata.generation, 1);
  t.same(managers(body), ['kubectl/Apply']);
  t.equal(body.spec.updateStrategy.type, 'RollingUpdate', 'the kind\'s defaults apply');
  const again = await apply(app, manifest({ image: 'monitoring-agent:2' }));
  t.equal(again.statusCode, 200);
  t.equal(again.json().spec.template.spec.containers[0].image, 'monitoring-agent:2');
  t.equal(again.json().metadata.generation, 2);
});

t.test('a second identical apply changes nothing: same resourceVersion, same managedFields', async (t) => {
  let clock = new Date('2024-05-01T10:00:00Z');
  const { app } = await testServer(t, { now: () => clock });
  const first = (await apply(app, manifest())).json();
  clock = new Date('2024-05-01T12:00:00Z');
  const second = await apply(app, manifest());
  t.equal(second.statusCode, 200);
  t.equal(second.json().metadata.resourceVersion, first.metadata.resourceVersion);
  t.same(second.json().metadata.managedFields, first.metadata.managedFields, 'the entry keeps its time');
  const touched = (await apply(app, manifest({ image: 'x:1' }))).json();
  t.not(touched.metadata.resourceVersion, first.metadata.resourceVersion);
  t.equal(touched.metadata.managedFields[0].time, '2024-05-01T12:00:00Z', 'a real change moves the time');
});

t.test('apply needs a fieldManager, and force belongs to apply alone (422 PatchOptions)', async (t) => {
  const { app } = await testServer(t);
  const missing = await apply(app, manifest(), {});
  t.equal(missing.statusCode, 422);
  t.same(missing.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    reason: 'Invalid',
    details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] },
    code: 422,
  });
  await apply(app, manifest());
  const forced = await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon?force=false`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{}' });
  t.equal(forced.statusCode, 422);
  t.equal(forced.json().message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
});

t.test('apply bodies may be YAML; names must match the URL', async (t) => {
  const { app } = await testServer(t);
  const yaml = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: monitoring-daemon\nspec:\n  selector:\n    matchLabels: {app: monitoring-agent}\n  template:\n    metadata:\n      labels: {app: monitoring-agent}\n    spec:\n      containers:\n      - name: monitoring-agent\n        image: monitoring-agent\n';
  const created = await apply(app, yaml);
  t.equal(created.statusCode, 201);
  t.equal(created.json().metadata.namespace, 'default');
  const wrong = await apply(app, manifest({ name: 'other' }));
  t.equal(wrong.statusCode, 400);
  t.equal(wrong.json().message, 'the name of the object (other) does not match the name on the URL (monitoring-daemon)');
  const nameless = await apply(app, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {} }, undefined, 'nosuch');
  t.equal(nameless.json().message, 'the name of the object (nosuch based on URL) was undeterminable: name must be provided');
  const badYaml = await apply(app, 'a: [', undefined, 'nosuch');
  t.equal(badYaml.statusCode, 400);
  t.match(badYaml.json().message, /^error decoding YAML: /);
  const wrongKind = await apply(app, { ...manifest(), kind: 'Pod' });
  t.equal(wrongKind.json().message, 'invalid object type: apps/v1, Kind=Pod');
});

t.test('an apply with dryRun=All creates and changes nothing', async (t) => {
  const { app } = await testServer(t);
  const dry = await apply(app, manifest(), { fieldManager: 'kubectl', dryRun: 'All' });
  t.equal(dry.statusCode, 201);
  t.same(managers(dry.json()), ['kubectl/Apply']);
  t.equal((await app.inject({ url: `${DS_PATH}/monitoring-daemon` })).statusCode, 404);
  const real = (await apply(app, manifest())).json();
  const dryChange = await apply(app, manifest({ image: 'x:2' }), { fieldManager: 'kubectl', dryRun: 'All' });
  t.equal(dryChange.json().spec.template.spec.containers[0].image, 'x:2');
  t.equal((await get(app)).metadata.resourceVersion, real.metadata.resourceVersion);
});

t.test('a conflicting apply answers 409 naming manager and field; force=true takes the field', async (t) => {
  const { app } = await testServer(t);
  await apply(app, manifest());
  const conflict = await apply(app, manifest({ image: 'monitoring-agent:9' }), { fieldManager: 'other' });
  t.equal(conflict.statusCode, 409);
  t.same(conflict.json(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Apply failed with 1 conflict: conflict with "kubectl": ${IMAGE}`,
    reason: 'Conflict',
    details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: IMAGE }] },
    code: 409,
  });
  const same = await apply(app, manifest(), { fieldManager: 'other' });
  t.equal(same.statusCode, 200, 'applying the same values co-owns them without conflict');
  t.ok(fieldsOf(same.json(), 'other').includes(IMAGE) && fieldsOf(same.json(), 'kubectl').includes(IMAGE), 'both own the image');
  const forced = await apply(app, manifest({ image: 'monitoring-agent:9' }), { fieldManager: 'other', force: 'true' });
  t.equal(forced.statusCode, 200);
  const obj = forced.json();
  t.equal(obj.spec.template.spec.containers[0].image, 'monitoring-agent:9');
  t.ok(fieldsOf(obj, 'other').includes(IMAGE));
  t.notOk(fieldsOf(obj, 'kubectl').includes(IMAGE), 'kubectl lost the image');
  const back = await apply(app, manifest());
  t.equal(back.statusCode, 409, 'now kubectl conflicts with other');
  t.equal(back.json().details.causes[0].message, 'conflict with "other"');
});

t.test('fields a manager stops applying are removed unless another manager owns them', async (t) => {
  const { app } = await testServer(t);
  await apply(app, manifest({ labels: { a: '1', b: '2' }, env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }));
  await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon`, headers: { 'content-type': 'application/merge-patch+json', 'user-agent': 'kubectl/v1.33.1' }, query: { fieldManager: 'kubectl-label' }, payload: JSON.stringify({ metadata: { labels: { b: '3', c: '4' } } }) });
  const after = (await apply(app, manifest({ labels: {}, env: [{ name: 'Y', value: '2' }] }))).json();
  t.same(after.metadata.labels, { b: '3', c: '4' }, 'a (applied, dropped) is gone; b (taken by kubectl-label) and c stay');
  t.same(after.spec.template.spec.containers[0].env, [{ name: 'Y', value: '2' }], 'the env item kubectl no longer applies is removed by key');
  t.same(fieldsOf(after, 'kubectl-label', 'Update'), ['.metadata.labels.b', '.metadata.labels.c']);
  const none = (await apply(app, manifest())).json();
  t.equal(none.spec.template.spec.containers[0].env, undefined, 'the whole list goes when nothing of it is applied');
  t.same(none.metadata.labels, { b: '3', c: '4' });
});

t.test('creates, updates and patches record Update entries for the fieldManager, else the User-Agent', async (t) => {
  let clock = new Date('2024-05-01T10:00:00Z');
  const { app } = await testServer(t, { now: () => clock });
  const created = await app.inject({ method: 'POST', url: `${DS_PATH}?fieldManager=kubectl-create`, headers: { 'content-type': 'application/json' }, payload: manifest() });
  t.equal(created.statusCode, 201);
  t.same(managers(created.json()), ['kubectl-create/Update']);
  t.equal(created.json().metadata.managedFields[0].time, '2024-05-01T10:00:00Z');
  clock = new Date('2024-05-01T11:00:00Z');
  const patched = await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon`, headers: { 'content-type': 'application/strategic-merge-patch+json', 'user-agent': 'kubectl.1.27/v1.27.16 (linux/amd64)' }, payload: JSON.stringify({ spec: { minReadySeconds: 5 } }) });
  t.same(managers(patched.json()), ['kubectl-create/Update', 'kubectl.1.27/Update'], 'no fieldManager: the User-Agent prefix');
  t.same(fieldsOf(patched.json(), 'kubectl.1.27', 'Update'), ['.spec.minReadySeconds']);
  const current = patched.json();
  const put = await app.inject({ method: 'PUT', url: `${DS_PATH}/monitoring-daemon?fieldManager=kubectl-replace`, headers: { 'content-type': 'application/json' }, payload: { ...current, metadata: { ...current.metadata, managedFields: undefined, labels: { x: 'y' } } } });
  t.equal(put.statusCode, 200);
  t.same(managers(put.json()), ['kubectl-create/Update', 'kubectl-replace/Update', 'kubectl.1.27/Update'], 'a PUT without managedFields keeps the live ones (same second: by name)');
  t.same(fieldsOf(put.json(), 'kubectl-replace', 'Update'), ['.metadata.labels', '.metadata.labels.x']);
  const noop = await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon?fieldManager=late`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{}' });
  t.equal(noop.json().metadata.resourceVersion, put.json().metadata.resourceVersion, 'a patch that changes nothing records nothing');
  const ns = await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: { 'content-type': 'application/json', 'user-agent': KUBECTL_UA }, payload: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } });
  t.same(ns.json().metadata.managedFields.map((e: ManagedFieldsEntry) => [e.manager, e.fieldsV1]), [['kubectl', { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } } }]], 'as kubectl create namespace shows upstream');
});

t.test('status writes are recorded in their own entry with subresource status', async (t) => {
  const { app } = await testServer(t);
  await app.inject({ method: 'POST', url: `${DS_PATH}?fieldManager=kubectl-create`, headers: { 'content-type': 'application/json' }, payload: manifest() });
  const res = await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon/status?fieldManager=tester`, headers: { 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ status: { conditions: [{ type: 'Custom', status: 'True' }] } }) });
  t.equal(res.statusCode, 200);
  const entry = res.json().metadata.managedFields.find((e: ManagedFieldsEntry) => e.manager === 'tester');
  t.match(entry, { operation: 'Update', apiVersion: 'apps/v1', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Custom"}': { '.': {}, 'f:status': {}, 'f:type': {} } } } } });
});

t.test('a client may rewrite managedFields; an empty list resets them', async (t) => {
  const { app } = await testServer(t);
  await apply(app, manifest());
  const reset = await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon?fieldManager=tester`, headers: { 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ metadata: { managedFields: [] } }) });
  t.equal(reset.statusCode, 200);
  t.equal(reset.json().metadata.managedFields, undefined);
  const untracked = await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon?fieldManager=tester`, headers: { 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ spec: { minReadySeconds: 3 } }) });
  t.equal(untracked.json().metadata.managedFields, undefined, 'an untracked object stays untracked on updates');
  const applied = (await apply(app, manifest({ image: 'agent:2' }), { fieldManager: 'kubectl', force: 'true' })).json();
  t.same(managers(applied), ['kubectl/Apply', 'before-first-apply/Update'], 'the next apply attributes the rest to before-first-apply');
  t.ok(fieldsOf(applied, 'before-first-apply', 'Update').includes('.spec.minReadySeconds'));
});

t.test('kubectl apply --server-side over client-side apply: allowed conflicts, annotation, migration patch, prune', async (t) => {
  const { app } = await testServer(t);
  // 1. kubectl apply (client-side) creates with the last-applied annotation.
  const csaManifest = manifest({ labels: { extra: 'yes' } });
  const annotation = `${JSON.stringify(csaManifest)}\n`;
  const csa = await app.inject({
    method: 'POST',
    url: `${DS_PATH}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
    headers: { 'content-type': 'application/json', 'user-agent': KUBECTL_UA },
    payload: { ...csaManifest, metadata: { ...(csaManifest.metadata as object), annotations: { [LAST_APPLIED_ANNOTATION]: annotation } } },
  });
  t.equal(csa.statusCode, 201);
  t.same(managers(csa.json()), ['kubectl-client-side-apply/Update']);

  // 2. kubectl apply --server-side with a new image and without the label: the conflict with the
  //    client-side manager is allowed because the live image still matches last-applied.
  const ssaManifest = manifest({ image: 'monitoring-agent:2' });
  const first = await apply(app, ssaManifest, { fieldManager: 'kubectl', fieldValidation: 'Strict', force: 'false' });
  t.equal(first.statusCode, 200);
  let obj: KubeObject = first.json();
  t.equal((obj.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image, 'monitoring-agent:2');
  t.equal(obj.metadata.annotations![LAST_APPLIED_ANNOTATION], `${JSON.stringify({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'monitoring-daemon', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'monitoring-agent' } }, template: { metadata: { labels: { app: 'monitoring-agent' } }, spec: { containers: [{ image: 'monitoring-agent:2', name: 'monitoring-agent' }] } } } })}\n`, 'the annotation now holds the server-side configuration, keys sorted');
  t.same(obj.metadata.labels, { extra: 'yes' }, 'the label still belongs to the client-side manager');

  // 3. kubectl-last-applied takes the annotation (kubectl's saveLastApplyAnnotationIfNecessary).
  const lastApplied = await apply(app, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'monitoring-daemon', namespace: 'default', annotations: { [LAST_APPLIED_ANNOTATION]: obj.metadata.annotations![LAST_APPLIED_ANNOTATION] } } }, { fieldManager: 'kubectl-last-applied' });
  t.equal(lastApplied.statusCode, 200);
  obj = lastApplied.json();
  t.same(fieldsOf(obj, 'kubectl-last-applied'), [`.metadata.annotations.${LAST_APPLIED_ANNOTATION}`]);

  // 4. The migration: csaupgrade's JSON patch, guarded by a resourceVersion test.
  const entries = structuredClone(obj.metadata.managedFields!) as ManagedFieldsEntry[];
  const ssa = entries.find((e) => e.manager === 'kubectl' && e.operation === 'Apply')!;
  const csaEntry = entries.find((e) => e.manager === 'kubectl-client-side-apply')!;
  ssa.fieldsV1 = FieldSet.fromFieldsV1(ssa.fieldsV1).union(FieldSet.fromFieldsV1(csaEntry.fieldsV1)).toFieldsV1();
  const upgraded = entries.filter((e) => e !== csaEntry);
  const jsonPatch = (rv: string) =>
    app.inject({
      method: 'PATCH',
      url: `${DS_PATH}/monitoring-daemon?fieldManager=kubectl`,
      headers: { 'content-type': 'application/json-patch+json', 'user-agent': KUBECTL_UA },
      payload: JSON.stringify([
        { op: 'replace', path: '/metadata/managedFields', value: upgraded },
        { op: 'test', path: '/metadata/resourceVersion', value: rv },
      ]),
    });
  t.equal((await jsonPatch('1')).statusCode, 422, 'a stale resourceVersion fails the test op');
  const migrated = await jsonPatch(obj.metadata.resourceVersion!);
  t.equal(migrated.statusCode, 200);
  t.same(managers(migrated.json()), managers({ metadata: { managedFields: upgraded } } as KubeObject), 'the written managedFields are kept as written');

  // 5. Re-applying prunes what client-side apply had applied and the manifest no longer has.
  const final = await apply(app, ssaManifest, { fieldManager: 'kubectl', force: 'false' });
  t.equal(final.statusCode, 200);
  t.equal(final.json().metadata.labels, undefined, 'the dropped label is gone');
  t.notOk(managers(final.json()).some((m) => m.startsWith('kubectl-client-side-apply')));
});

t.test('a kubectl apply conflicting with more than last-applied values still conflicts', async (t) => {
  const { app } = await testServer(t);
  const csaManifest = manifest();
  await app.inject({
    method: 'POST',
    url: `${DS_PATH}?fieldManager=kubectl-client-side-apply`,
    headers: { 'content-type': 'application/json' },
    payload: { ...csaManifest, metadata: { ...(csaManifest.metadata as object), annotations: { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(csaManifest)}\n` } } },
  });
  await app.inject({ method: 'PATCH', url: `${DS_PATH}/monitoring-daemon?fieldManager=kubectl-edit`, headers: { 'content-type': 'application/strategic-merge-patch+json' }, payload: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'monitoring-agent', image: 'edited:1' }] } } } }) });
  const res = await apply(app, manifest({ image: 'monitoring-agent:2' }));
  t.equal(res.statusCode, 409);
  t.equal(res.json().message, `Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: ${IMAGE}`);
  const other = await apply(app, manifest({ image: 'monitoring-agent:2' }), { fieldManager: 'ci' });
  t.equal(other.statusCode, 409, 'only kubectl\'s default manager upgrades client-side apply');
});

t.test('container ports are keyed by containerPort and protocol, TCP when unset, so re-applies stay no-ops', async (t) => {
  const { app } = await testServer(t);
  const withPorts = manifest();
  (withPorts.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]!.ports = [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }];
  const first = (await apply(app, withPorts)).json();
  t.same(first.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }], 'the default protocol is filled in');
  t.ok(fieldsOf(first, 'kubectl').includes('.spec.template.spec.containers[name="monitoring-agent"].ports[containerPort=8080,protocol="TCP"].containerPort'));
  const again = (await apply(app, withPorts)).json();
  t.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
});
