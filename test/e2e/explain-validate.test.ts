// End-to-end: `kubectl explain` (which reads the OpenAPI v3 component schemas; 1.27 and 1.28 first
// fetch the empty protobuf /openapi/v2) and server-side field validation through `create -f` and
// `apply -f` with --validate=strict (the default), warn and false, on every kubectl 1.27 … 1.33.
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KUBECTL_VERSIONS, kubectl, kubectlBinary, startServer, type RunResult } from '../helpers/cluster.js';

const server = await startServer(t, { nodes: 1 });

/** A DaemonSet manifest that schedules nowhere, optionally with two fields no schema knows. */
function manifest(name: string, unknown: boolean): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
${unknown ? '  bogus: 1\n' : ''}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      nodeSelector:
        e2e-target: none
      containers:
      - name: agent
        image: busybox:1.36
${unknown ? '        extra: true\n' : ''}`;
}

async function file(name: string, unknown: boolean): Promise<string> {
  const where = path.join(server.dir, `${name}.yaml`);
  await writeFile(where, manifest(name, unknown));
  return where;
}

const STRICT_ERROR = (file: string) =>
  `Error from server (BadRequest): error when creating "${file}": DaemonSet in version "v1" cannot be handled as a DaemonSet: strict decoding error: unknown field "spec.bogus", unknown field "spec.template.spec.containers[0].extra"\n`;
const WARNINGS = 'Warning: unknown field "spec.bogus"\nWarning: unknown field "spec.template.spec.containers[0].extra"\n';

function minor(version: string): number {
  return Number(version.split('.')[1]);
}

for (const version of KUBECTL_VERSIONS) {
  const binary = kubectlBinary(version);
  if (!binary) {
    await t.test(`kubectl ${version}`, { skip: `kubectl.${version} is not installed beside kubectl on PATH` }, async () => {});
    continue;
  }
  const id = version.replace('.', '');
  const k = (args: string[]): Promise<RunResult> => kubectl(binary, server, args, { timeoutMs: 30_000 });

  await t.test(`kubectl ${version}`, async (t) => {
    t.test('explain daemonset.spec.updateStrategy --recursive prints the field, its description and its subfields', async (t) => {
      const res = await k(['explain', 'daemonset.spec.updateStrategy', '--recursive']);
      t.equal(res.code, 0, res.stderr);
      t.match(res.stdout, /^GROUP: {6}apps\nKIND: {7}DaemonSet\nVERSION: {4}v1\n\nFIELD: updateStrategy <DaemonSetUpdateStrategy>\n/);
      t.match(res.stdout, /DESCRIPTION:\n {4}An update strategy to replace existing DaemonSet pods with new pods\.\n {4}DaemonSetUpdateStrategy is a struct used to control the update strategy for\n {4}a DaemonSet\.\n/);
      const fields = res.stdout.slice(res.stdout.indexOf('FIELDS:'));
      const expected = ['FIELDS:', '  rollingUpdate\t<RollingUpdateDaemonSet>', '    maxSurge\t<IntOrString>', '    maxUnavailable\t<IntOrString>', '  type\t<string>'];
      if (minor(version) >= 30) expected.push('  enum: OnDelete, RollingUpdate');
      t.same(fields.trimEnd().split('\n'), expected);
    });

    t.test('explain pods.spec.containers describes the list and every container field', async (t) => {
      const res = await k(['explain', 'pods.spec.containers']);
      t.equal(res.code, 0, res.stderr);
      t.match(res.stdout, /^KIND: {7}Pod\nVERSION: {4}v1\n\nFIELD: containers <\[\]Container>\n/);
      t.match(res.stdout, /List of containers belonging to the pod\./);
      t.match(res.stdout, /A single application container that you want to run within a pod\./);
      for (const field of ['args\t<[]string>', 'env\t<[]EnvVar>', 'image\t<string>', 'name\t<string> -required-', 'ports\t<[]ContainerPort>', 'resources\t<ResourceRequirements>', 'volumeMounts\t<[]VolumeMount>']) {
        t.ok(res.stdout.includes(`\n  ${field}\n`), field);
      }
      t.match(res.stdout, /\n {2}image\t<string>\n {4}Container image name\./);
    });

    t.test('explain ds resolves the short name and lists the top-level fields', async (t) => {
      const res = await k(['explain', 'ds']);
      t.equal(res.code, 0, res.stderr);
      t.match(res.stdout, /^GROUP: {6}apps\nKIND: {7}DaemonSet\nVERSION: {4}v1\n\nDESCRIPTION:\n {4}DaemonSet represents the configuration of a daemon set\.\n/);
      const fields = [...res.stdout.matchAll(/^ {2}(\w+)\t<([^>]+)>/gm)].map((m) => `${m[1]} <${m[2]}>`);
      t.same(fields, ['apiVersion <string>', 'kind <string>', 'metadata <ObjectMeta>', 'spec <DaemonSetSpec>', 'status <DaemonSetStatus>']);
    });

    t.test('explain names a field that does not exist', async (t) => {
      const res = await k(['explain', 'ds.spec.bogus']);
      t.equal(res.code, 1);
      t.match(res.stderr, /field "bogus" does not exist/);
    });

    t.test('create -f with an unknown field fails with the strict decoding error by default and with --validate=strict', async (t) => {
      const where = await file(`strict-${id}`, true);
      for (const flags of [[], ['--validate=strict'], ['--validate=true']]) {
        const res = await k(['create', '-f', where, ...flags]);
        t.equal(res.code, 1, flags.join(' ') || 'default');
        t.equal(res.stderr, STRICT_ERROR(where));
      }
      const get = await k(['get', 'ds', `strict-${id}`]);
      t.match(get.stderr, /not found/, 'nothing was created');
    });

    t.test('create -f --validate=warn prints one warning per unknown field and creates the object without them', async (t) => {
      const where = await file(`warn-${id}`, true);
      const res = await k(['create', '-f', where, '--validate=warn']);
      t.equal(res.code, 0, res.stderr);
      t.equal(res.stderr, WARNINGS);
      t.equal(res.stdout, `daemonset.apps/warn-${id} created\n`);
      const spec = await k(['get', 'ds', `warn-${id}`, '-o', 'jsonpath={.spec.bogus}{.spec.template.spec.containers[0].extra}']);
      t.equal(spec.stdout, '', 'the unknown fields were dropped');
    });

    t.test('create -f --validate=false creates the object silently', async (t) => {
      const where = await file(`ignore-${id}`, true);
      const res = await k(['create', '-f', where, '--validate=false']);
      t.equal(res.code, 0, res.stderr);
      t.equal(res.stderr, '');
      t.equal(res.stdout, `daemonset.apps/ignore-${id} created\n`);
    });

    t.test('create -f of a clean manifest warns about nothing', async (t) => {
      const res = await k(['create', '-f', await file(`clean-${id}`, false)]);
      t.equal(res.code, 0, res.stderr);
      t.equal(res.stderr, '');
    });

    t.test('apply -f of a new object with an unknown field fails like create', async (t) => {
      const where = await file(`apply-${id}`, true);
      const res = await k(['apply', '-f', where]);
      t.equal(res.code, 1);
      t.equal(res.stderr, STRICT_ERROR(where));
    });

    t.test('apply -f --validate=warn creates with warnings, and a strict apply over it is rejected as an invalid patch', async (t) => {
      const where = await file(`apply-${id}`, true);
      const created = await k(['apply', '-f', where, '--validate=warn']);
      t.equal(created.code, 0, created.stderr);
      t.equal(created.stderr, WARNINGS);
      t.equal(created.stdout, `daemonset.apps/apply-${id} created\n`);
      const strict = await k(['apply', '-f', where]);
      t.equal(strict.code, 1);
      t.match(strict.stderr, /^The request is invalid: patch: Invalid value: "map\[/);
      t.ok(strict.stderr.endsWith('": strict decoding error: unknown field "spec.template.spec.containers[0].extra", unknown field "spec.bogus"\n'), strict.stderr);
      const warned = await k(['apply', '-f', where, '--validate=warn']);
      t.equal(warned.code, 0, warned.stderr);
      t.equal(warned.stderr, 'Warning: unknown field "spec.template.spec.containers[0].extra"\nWarning: unknown field "spec.bogus"\n');
      t.equal(warned.stdout, `daemonset.apps/apply-${id} configured\n`);
    });

    t.test('apply -f of a clean manifest over it succeeds under strict validation', async (t) => {
      const res = await k(['apply', '-f', await file(`apply-${id}`, false)]);
      t.equal(res.code, 0, res.stderr);
      t.equal(res.stderr, '');
      t.equal(res.stdout, `daemonset.apps/apply-${id} configured\n`);
    });
  });
}
