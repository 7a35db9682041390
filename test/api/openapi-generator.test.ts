import t from 'tap';
import { readFile } from 'node:fs/promises';
import * as clientNode from '@kubernetes/client-node';
import { generateSchemas, renderSchemas, OUTPUT, INT_OR_STRING, type Schema } from '../../scripts/generate-openapi-schemas.js';
import { COMPONENT_SCHEMAS, componentSchemas, kindSchemaName, reachableSchemaNames, schemaRefName } from '../../api/openapi-schemas.js';
import { RESOURCES, daemonSets, pods } from '../../api/resources.js';

const generated = generateSchemas();
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const props = (name: string): Record<string, Schema> => generated[name]!.properties as Record<string, Schema>;

t.test('regenerating the schemas gives the committed file byte for byte', async (t) => {
  const committed = await readFile(OUTPUT, 'utf8');
  t.equal(renderSchemas(generated), committed, 'run `npm run generate:openapi` and commit api/generated/openapi-schemas.json');
  t.equal(renderSchemas(generateSchemas()), committed, 'two runs agree');
});

t.test('every served kind, its list and its subresource bodies have a schema carrying their group-version-kind', async (t) => {
  for (const def of RESOURCES) {
    for (const kind of [def.kind, def.listKind]) {
      const schema = generated[kindSchemaName(def.group, def.version, kind)];
      t.ok(schema, `${def.group}/${def.version} ${kind}`);
      t.same(schema?.['x-kubernetes-group-version-kind'], [{ group: def.group, kind, version: def.version }]);
    }
  }
  t.same(generated['io.k8s.api.policy.v1.Eviction']?.['x-kubernetes-group-version-kind'], [{ group: 'policy', kind: 'Eviction', version: 'v1' }]);
  t.same(generated['io.k8s.api.core.v1.Binding']?.['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Binding', version: 'v1' }]);
  t.same(generated[`${META}.Status`]?.['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Status', version: 'v1' }]);
  t.same(
    (generated[`${META}.DeleteOptions`]?.['x-kubernetes-group-version-kind'] as Array<{ group: string }>).map((g) => g.group),
    ['', 'apps', 'coordination.k8s.io'],
  );
});

t.test('only what the served kinds reach is generated, and every $ref resolves', async (t) => {
  const names = Object.keys(generated);
  t.same(names, [...names].sort(), 'components are sorted');
  t.notOk(generated['io.k8s.api.apps.v1.Deployment'], 'no Deployment');
  t.notOk(generated['io.k8s.api.core.v1.Service'], 'no Service');
  const roots = names.filter((n) => generated[n]!['x-kubernetes-group-version-kind'] || n.endsWith('.Patch'));
  t.same(reachableSchemaNames(roots, generated), names, 'nothing unreachable, nothing dangling');
});

t.test('descriptions and required fields come from the kubernetes-types declarations', async (t) => {
  t.equal(generated['io.k8s.api.apps.v1.DaemonSet']!.description, 'DaemonSet represents the configuration of a daemon set.');
  t.match(props('io.k8s.api.apps.v1.DaemonSetSpec').template!.description, /^An object that describes the pod that will be created/);
  t.same(generated['io.k8s.api.apps.v1.DaemonSetSpec']!.required, ['selector', 'template']);
  t.same(generated['io.k8s.api.core.v1.Container']!.required, ['name']);
  t.match(props(`${META}.ObjectMeta`).generateName!.description, /\n\nApplied only if Name is not specified/, 'paragraphs survive');
});

t.test('references to other components use allOf when they carry a description, as upstream v3 does', async (t) => {
  t.same(props('io.k8s.api.apps.v1.DaemonSet').metadata, {
    allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }],
    description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  });
  t.same(props('io.k8s.api.core.v1.PodSpec').containers!.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
  t.same(props('io.k8s.api.core.v1.ResourceRequirements').limits!.additionalProperties, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
});

t.test('IntOrString, Quantity, Time and the integer widths are typed as upstream', async (t) => {
  t.same(props('io.k8s.api.apps.v1.RollingUpdateDaemonSet').maxUnavailable!.allOf, [{ $ref: `#/components/schemas/${INT_OR_STRING}` }]);
  t.match(generated[INT_OR_STRING], { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
  t.same(generated['io.k8s.apimachinery.pkg.api.resource.Quantity']!.oneOf, [{ type: 'string' }, { type: 'number' }]);
  t.match(generated[`${META}.Time`], { type: 'string', format: 'date-time' });
  t.match(generated[`${META}.MicroTime`], { type: 'string', format: 'date-time' });
  t.same(props(`${META}.ObjectMeta`).generation, { description: props(`${META}.ObjectMeta`).generation!.description, type: 'integer', format: 'int64' });
  t.match(props('io.k8s.api.apps.v1.DaemonSetStatus').numberReady, { type: 'integer', format: 'int32' });
  t.match(props('io.k8s.api.core.v1.PodSecurityContext').supplementalGroups, { type: 'array', items: { type: 'integer', format: 'int64' } });
  t.match(props('io.k8s.api.core.v1.ContainerPort').containerPort, { type: 'integer', format: 'int32' });
});

t.test('every integer width agrees with the models of @kubernetes/client-node', async (t) => {
  const models = clientNode as unknown as Record<string, { attributeTypeMap?: Array<{ baseName: string; format: string }> } | undefined>;
  let compared = 0;
  for (const [name, schema] of Object.entries(generated)) {
    const short = name.split('.').pop()!;
    const model = models[`V1${short}`] ?? models[`CoreV1${short}`];
    if (!model?.attributeTypeMap) continue;
    for (const [field, prop] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      const leaf = prop.type === 'array' ? (prop.items as Schema) : prop;
      if (leaf.type !== 'integer' && leaf.type !== 'number') continue;
      const attr = model.attributeTypeMap.find((a) => a.baseName === field);
      if (!attr) continue;
      t.equal(leaf.format, attr.format, `${short}.${field}`);
      compared++;
    }
  }
  t.ok(compared > 50, `compared ${compared} numeric fields`);
});

t.test('patch strategies and merge keys are the ones api/patch-metadata.ts applies', async (t) => {
  t.match(props('io.k8s.api.core.v1.PodSpec').containers, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' });
  t.match(props('io.k8s.api.core.v1.PodSpec').volumes, { 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' });
  t.match(props('io.k8s.api.core.v1.Container').volumeMounts, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'mountPath' });
  t.match(props('io.k8s.api.core.v1.EphemeralContainer').env, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' });
  t.match(props(`${META}.ObjectMeta`).ownerReferences, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'uid' });
  t.same(props(`${META}.ObjectMeta`).finalizers!['x-kubernetes-patch-strategy'], 'merge');
  t.notOk(props(`${META}.ObjectMeta`).finalizers!['x-kubernetes-patch-merge-key'], 'a primitive set has no merge key');
  t.notOk(props('io.k8s.api.core.v1.NodeSpec').taints!['x-kubernetes-patch-strategy'], 'taints are atomic');
  t.notOk(props('io.k8s.api.core.v1.PodSpec').tolerations!['x-kubernetes-patch-strategy'], 'tolerations are atomic');
  t.match(props('io.k8s.api.apps.v1.DaemonSetStatus').conditions, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type' });
});

t.test('list types, map types and enums appear where upstream has them', async (t) => {
  t.match(props('io.k8s.api.core.v1.Container').ports, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] });
  t.match(props('io.k8s.api.core.v1.PodSpec').topologySpreadConstraints, { 'x-kubernetes-list-map-keys': ['topologyKey', 'whenUnsatisfiable'] });
  t.equal(props('io.k8s.api.core.v1.PodSpec').nodeSelector!['x-kubernetes-map-type'], 'atomic');
  t.equal(generated[`${META}.LabelSelector`]!['x-kubernetes-map-type'], 'atomic');
  t.equal(generated[`${META}.OwnerReference`]!['x-kubernetes-map-type'], 'atomic');
  t.same(props('io.k8s.api.apps.v1.DaemonSetUpdateStrategy').type!.enum, ['OnDelete', 'RollingUpdate']);
  t.same(props('io.k8s.api.core.v1.PodSpec').restartPolicy!.enum, ['Always', 'Never', 'OnFailure']);
});

t.test('each group version document carries exactly the schemas its kinds reach', async (t) => {
  const apps = componentSchemas(RESOURCES.filter((d) => d.group === 'apps'));
  t.ok(apps[schemaRefName(daemonSets)], 'DaemonSet');
  t.ok(apps['io.k8s.api.core.v1.PodSpec'], 'the pod template');
  t.ok(apps[`${META}.Status`] && apps[`${META}.DeleteOptions`] && apps[`${META}.WatchEvent`], 'meta kinds');
  t.notOk(apps['io.k8s.api.core.v1.Node'], 'no core kinds beyond what DaemonSet references');
  const core = componentSchemas(RESOURCES.filter((d) => d.group === ''));
  t.ok(core[schemaRefName(pods)] && core['io.k8s.api.policy.v1.Eviction'] && core['io.k8s.api.core.v1.Binding']);
  t.notOk(core['io.k8s.api.apps.v1.DaemonSet']);
  t.same(Object.fromEntries(Object.keys(generated).map((n) => [n, COMPONENT_SCHEMAS[n]])), generated, 'the server reads the committed schemas');
});
