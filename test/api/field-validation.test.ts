import t, { type Test } from 'tap';
import {
  fieldValidationDirective,
  goMapString,
  kindShape,
  patchDocumentProblems,
  pruneUnknownFields,
  scanJson,
  unknownFieldPaths,
  validateObjectBody,
  validateApplyPatch,
  validatePatchedObject,
  warningHeader,
  warningTexts,
  yamlDuplicateKeys,
} from '../../api/field-validation.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../api/patch.js';
import { controllerRevisions, daemonSets, pods } from '../../api/resources.js';
import type { KubeObject } from '../../store/object.js';
import { StatusError } from '../../store/status-error.js';

// The body of upstream's field validation integration test, as a DaemonSet.
const INVALID_JSON = `{
  "apiVersion": "apps/v1",
  "kind": "DaemonSet",
  "metadata": {
    "name": "dupename",
    "name": "agent",
    "labels": {"app": "nginx"},
    "unknownMeta": "metaVal"
  },
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "minReadySeconds": 1,
    "minReadySeconds": 2,
    "selector": {"matchLabels": {"app": "nginx"}},
    "template": {
      "metadata": {"labels": {"app": "nginx"}},
      "spec": {
        "containers": [{
          "name": "nginx",
          "image": "nginx:latest",
          "unknownNested": "val1",
          "imagePullPolicy": "Always",
          "imagePullPolicy": "Never"
        }]
      }
    }
  }
}`;

const INVALID_YAML = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: dupename
  name: agent
  unknownMeta: metaVal
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  minReadySeconds: 1
  minReadySeconds: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never
`;

const STRICT_CREATE =
  'duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", duplicate field "spec.minReadySeconds", unknown field "spec.template.spec.containers[0].unknownNested", duplicate field "spec.template.spec.containers[0].imagePullPolicy"';

function validDaemonSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'u1', resourceVersion: '5' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest', imagePullPolicy: 'Always' }] } },
    },
  };
}

async function rejects(t: Test, fn: () => unknown, code: number, message: string | RegExp): Promise<StatusError | undefined> {
  try {
    fn();
  } catch (err) {
    t.type(err, StatusError);
    const status = (err as StatusError).status;
    t.equal(status.code, code);
    if (typeof message === 'string') t.equal(status.message, message);
    else t.match(status.message, message);
    return err as StatusError;
  }
  t.fail('nothing was thrown');
  return undefined;
}

t.test('the directive defaults to Warn and accepts only Ignore, Warn and Strict', async (t) => {
  t.equal(fieldValidationDirective(undefined, 'CreateOptions'), 'Warn');
  t.equal(fieldValidationDirective('', 'PatchOptions'), 'Warn');
  t.equal(fieldValidationDirective('Strict', 'CreateOptions'), 'Strict');
  t.equal(fieldValidationDirective('Ignore', 'UpdateOptions'), 'Ignore');
  const err = await rejects(t, () => fieldValidationDirective('strict', 'CreateOptions'), 422, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
  t.match(err?.status.details, { group: 'meta.k8s.io', kind: 'CreateOptions', causes: [{ reason: 'FieldValueNotSupported', field: 'fieldValidation' }] });
});

t.test('a raw JSON body is scanned in document order for unknown fields and duplicates of known ones', async (t) => {
  t.equal(scanJson(INVALID_JSON, kindShape(daemonSets)).join(', '), STRICT_CREATE);
});

t.test('duplicate map keys are reported with their path and unknown fields only once', async (t) => {
  const text = '{"metadata":{"labels":{"a":"1","a":"2"},"annotations":{"x.io/y":"1","x.io/y":"2"}},"bogus":1,"bogus":2,"spec":{"containers":[{"name":"a"},{"name":"b","nope":{"deep":1}}]}}';
  t.same(scanJson(text, kindShape(pods)), [
    'duplicate field "metadata.labels.a"',
    'duplicate field "metadata.annotations.x.io/y"',
    'unknown field "bogus"',
    'unknown field "spec.containers[1].nope"',
  ]);
});

t.test('escaped keys are decoded and case matters', async (t) => {
  t.same(scanJson('{"spec":{"\\u0073elector":{},"Selector":{}}}', kindShape(daemonSets)), ['unknown field "spec.Selector"']);
});

t.test('raw extensions, managed fields and quantities are opaque', async (t) => {
  const revision = '{"data":{"spec":{"anything":1,"anything":2}},"revision":1,"metadata":{"managedFields":[{"manager":"m","fieldsV1":{"f:spec":{},"f:spec":{}}}]}}';
  t.same(scanJson(revision, kindShape(controllerRevisions)), []);
  const pod = '{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"1","cpu":"2"}}}]}}';
  t.same(scanJson(pod, kindShape(pods)), ['duplicate field "spec.containers[0].resources.limits.cpu"'], 'a map of quantities still has keys');
});

t.test('unknown fields of a decoded value are found in sorted order and pruned in place', async (t) => {
  const obj = JSON.parse(INVALID_JSON) as Record<string, unknown>;
  t.same(unknownFieldPaths(obj, kindShape(daemonSets)), ['metadata.unknownMeta', 'spec.template.spec.containers[0].unknownNested', 'spec.unknown1', 'spec.unknownDupe']);
  const removed = pruneUnknownFields(obj, kindShape(daemonSets), { keep: new Set(['spec.unknown1']) });
  t.same(removed, ['metadata.unknownMeta', 'spec.template.spec.containers[0].unknownNested', 'spec.unknownDupe']);
  t.match(obj, { spec: { unknown1: 'val1', minReadySeconds: 2 } }, 'kept paths stay, the last duplicate wins');
  t.notOk('unknownMeta' in (obj.metadata as object));
});

t.test('YAML duplicate keys are reported with their line, as go-yaml does', async (t) => {
  t.same(yamlDuplicateKeys(INVALID_YAML), [
    'line 5: key "name" already set in map',
    'line 12: key "unknownDupe" already set in map',
    'line 14: key "minReadySeconds" already set in map',
    'line 28: key "imagePullPolicy" already set in map',
  ]);
});

t.test('Strict rejects a create body with upstream\'s 400 message', async (t) => {
  const body = JSON.parse(INVALID_JSON) as unknown;
  await rejects(t, () => validateObjectBody(daemonSets, body, INVALID_JSON, 'json', 'Strict'), 400, `DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: ${STRICT_CREATE}`);
});

t.test('Strict rejects a YAML body with the YAML errors first, then the unknown fields', async (t) => {
  const { parse } = await import('yaml');
  const body = parse(INVALID_YAML, { uniqueKeys: false }) as unknown;
  await rejects(
    t,
    () => validateObjectBody(daemonSets, body, INVALID_YAML, 'yaml', 'Strict'),
    400,
    'DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 12: key "unknownDupe" already set in map\n  line 14: key "minReadySeconds" already set in map\n  line 28: key "imagePullPolicy" already set in map, unknown field "metadata.unknownMeta", unknown field "spec.template.spec.containers[0].unknownNested", unknown field "spec.unknown1", unknown field "spec.unknownDupe"',
  );
  const warned = validateObjectBody(daemonSets, parse(INVALID_YAML, { uniqueKeys: false }), INVALID_YAML, 'yaml', 'Warn');
  t.same(warned.warnings.slice(0, 2), ['line 5: key "name" already set in map', 'line 12: key "unknownDupe" already set in map'], 'a YAML error warns line by line');
});

t.test('Warn answers one warning per problem and drops the unknown fields; Ignore only drops them', async (t) => {
  const warned = JSON.parse(INVALID_JSON) as Record<string, Record<string, unknown>>;
  const result = validateObjectBody(daemonSets, warned, INVALID_JSON, 'json', 'Warn');
  t.same(result.warnings, STRICT_CREATE.split(', '));
  t.notOk('unknown1' in warned.spec!);
  const ignored = JSON.parse(INVALID_JSON) as Record<string, Record<string, unknown>>;
  t.same(validateObjectBody(daemonSets, ignored, INVALID_JSON, 'json', 'Ignore').warnings, []);
  t.notOk('unknown1' in ignored.spec!);
  t.same(ignored, warned);
});

t.test('fields the stored object already has are neither reported nor removed on update', async (t) => {
  const text = '{"spec":{"futureField":1,"bogus":2}}';
  const body = JSON.parse(text) as Record<string, Record<string, unknown>>;
  const result = validateObjectBody(daemonSets, body, text, 'json', 'Warn', new Set(['spec.futureField']));
  t.same(result.warnings, ['unknown field "spec.bogus"']);
  t.same(body.spec, { futureField: 1 });
});

const MERGE_PATCH = `{
  "spec": {
    "unknown1": "val1",
    "unknownDupe": "valDupe",
    "unknownDupe": "valDupe2",
    "minReadySeconds": 1,
    "minReadySeconds": 2,
    "template": {"spec": {"containers": [{
      "name": "nginx",
      "image": "nginx:latest",
      "unknownNested": "val1",
      "imagePullPolicy": "Always",
      "imagePullPolicy": "Never"
    }]}}
  }
}`;
const STRICT_PATCH =
  'duplicate field "spec.unknownDupe", duplicate field "spec.minReadySeconds", duplicate field "spec.template.spec.containers[0].imagePullPolicy", unknown field "spec.template.spec.containers[0].unknownNested", unknown field "spec.unknown1", unknown field "spec.unknownDupe"';

t.test('a merge patch reports its duplicates, then the unknown fields of the patched object, and Strict is 422', async (t) => {
  const current = validDaemonSet();
  const patch = JSON.parse(MERGE_PATCH) as unknown;
  const problems = patchDocumentProblems(MERGE_PATCH, 'merge-patch', 'Strict');
  const patched = applyMergePatch(current, patch);
  const err = await rejects(t, () => validatePatchedObject(daemonSets, patched, current, 'merge-patch', patch, problems, 'Strict'), 422, /^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",\\"kind\\":\\"DaemonSet\\",/);
  t.match(err?.status.message, new RegExp(`: strict decoding error: ${STRICT_PATCH.replace(/[[\]().]/g, '\\$&')}$`));
  t.match(err?.status.details, { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] });
  const warned = applyMergePatch(current, patch);
  t.same(validatePatchedObject(daemonSets, warned, current, 'merge-patch', patch, patchDocumentProblems(MERGE_PATCH, 'merge-patch', 'Warn'), 'Warn').warnings, STRICT_PATCH.split(', '));
  t.notOk('unknown1' in (warned.spec as object), 'the unknown fields are dropped');
});

t.test('a strategic merge patch shows the patch as Go prints a map in its 422', async (t) => {
  const current = validDaemonSet();
  const text = '{"spec":{"bogus":1,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"name":"nginx","extra":true}]}}}}';
  const patch = JSON.parse(text) as unknown;
  const patched = applyStrategicMergePatch(daemonSets, current, patch);
  await rejects(
    t,
    () => validatePatchedObject(daemonSets, patched, current, 'strategic-merge-patch', patch, patchDocumentProblems(text, 'strategic-merge-patch', 'Strict'), 'Strict'),
    422,
    ' "" is invalid: patch: Invalid value: "map[spec:map[bogus:1 template:map[spec:map[$setElementOrder/containers:[map[name:nginx]] containers:[map[extra:true name:nginx]]]]]]": strict decoding error: unknown field "spec.template.spec.containers[0].extra", unknown field "spec.bogus"',
  );
  t.equal(goMapString({ a: null, b: [1, 'x'], c: { d: false } }), 'map[a:<nil> b:[1 x] c:map[d:false]]');
});

t.test('a json patch reports unknown and duplicate keys of its operations', async (t) => {
  const text = `[
    {"op": "add", "path": "/spec/unknown1", "value": "val1", "foo": "bar"},
    {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
    {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe"},
    {"op": "add", "path": "/spec/unknownDupe", "value": "valDupe2"},
    {"op": "add", "path": "/spec/template/spec/containers/0/unknownNested", "value": "val1"}
  ]`;
  const current = validDaemonSet();
  const patch = JSON.parse(text) as unknown;
  const problems = patchDocumentProblems(text, 'json-patch', 'Warn');
  const patched = applyJsonPatch(current, patch);
  t.same(validatePatchedObject(daemonSets, patched, current, 'json-patch', patch, problems, 'Warn').warnings, [
    'json patch unknown field "[0].foo"',
    'json patch duplicate field "[1].path"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknown3"',
    'unknown field "spec.unknownDupe"',
  ]);
});

t.test('a patched object keeps unknown fields the stored object already had, silently', async (t) => {
  const current = { ...validDaemonSet(), status: { futureCounter: 3 } } as KubeObject;
  const patch = { metadata: { labels: { a: 'b' } } };
  const patched = applyMergePatch(current, patch);
  t.same(validatePatchedObject(daemonSets, patched, current, 'merge-patch', patch, [], 'Strict').warnings, []);
  t.same(patched.status, { futureCounter: 3 });
});

t.test('Ignore skips the checks of a patch entirely', async (t) => {
  t.same(patchDocumentProblems(MERGE_PATCH, 'merge-patch', 'Ignore'), []);
  const current = validDaemonSet();
  const patch = JSON.parse(MERGE_PATCH) as unknown;
  const patched = applyMergePatch(current, patch);
  t.same(validatePatchedObject(daemonSets, patched, current, 'merge-patch', patch, [], 'Ignore').warnings, []);
  t.notOk('unknown1' in (patched.spec as object));
});

t.test('warning headers quote their text as upstream does', async (t) => {
  t.equal(warningHeader('unknown field "spec.bogus"'), '299 - "unknown field \\"spec.bogus\\""');
  t.equal(warningHeader('a\\b'), '299 - "a\\\\b"');
  t.same(warningTexts(['yaml: unmarshal errors:\n  line 2: key "a" already set in map', 'unknown field "x"', 'unknown field "x"']), ['line 2: key "a" already set in map', 'unknown field "x"']);
});

t.test('a server-side apply body is checked for duplicate keys only, reported by line', async (t) => {
  const body = '{\n  "apiVersion": "apps/v1",\n  "kind": "DaemonSet",\n  "metadata": {"name": "agent"},\n  "spec": {\n    "minReadySeconds": 1,\n    "minReadySeconds": 2,\n    "bogus": true\n  }\n}';
  await rejects(t, () => validateApplyPatch(body, 'Strict'), 400, 'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "minReadySeconds" already set in map');
  t.same(validateApplyPatch(body, 'Warn').warnings, ['line 7: key "minReadySeconds" already set in map']);
  t.same(validateApplyPatch(body, 'Ignore').warnings, []);
  t.same(validateApplyPatch('{"spec":{"bogus":true}}', 'Strict').warnings, [], 'unknown fields are the apply\'s business');
});
