import t, { type Test } from 'tap';
import { testServer } from '../helpers/server.js';
import { RESOURCES } from '../../api/resources.js';

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}
type PathItem = Partial<Record<'get' | 'put' | 'post' | 'patch' | 'delete', Operation>> & { parameters?: Array<{ name: string }> };
interface Document {
  openapi: string;
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

async function documents(t: Test): Promise<{ app: Awaited<ReturnType<typeof testServer>>['app']; docs: Map<string, Document>; urls: Record<string, string> }> {
  const { app } = await testServer(t);
  const root = (await app.inject({ url: '/openapi/v3?timeout=32s', headers: { accept: 'application/json, */*' } })).json() as { paths: Record<string, { serverRelativeURL: string }> };
  const docs = new Map<string, Document>();
  const urls: Record<string, string> = {};
  for (const [key, { serverRelativeURL }] of Object.entries(root.paths)) {
    urls[key] = serverRelativeURL;
    docs.set(key, (await app.inject({ url: serverRelativeURL, headers: { accept: 'application/json' } })).json() as Document);
  }
  return { app, docs, urls };
}

t.test('the v3 root names one hashed document per group version', async (t) => {
  const { urls } = await documents(t);
  for (const gv of ['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1']) t.ok(urls[gv], gv);
  t.equal(new Set(Object.values(urls)).size, Object.keys(urls).length, 'each document has its own URL');
  for (const url of Object.values(urls)) t.match(url, /^\/openapi\/v3\/apis?\/[^?]+\?hash=[0-9A-F]{128}$/);
});

t.test('a hashed document is immutable; an unhashed or stale URL is not cached', async (t) => {
  const { app, urls } = await documents(t);
  const hashed = await app.inject({ url: urls['apis/apps/v1']! });
  t.equal(hashed.headers['cache-control'], 'public, immutable');
  t.ok(hashed.headers.expires);
  const stale = await app.inject({ url: '/openapi/v3/apis/apps/v1?hash=ABC' });
  t.equal(stale.statusCode, 200);
  t.equal(stale.headers['cache-control'], 'no-cache, private');
  t.equal((await app.inject({ url: '/openapi/v3/apis/nosuch/v1' })).statusCode, 404);
});

t.test('every $ref of every document resolves inside that document', async (t) => {
  const { docs } = await documents(t);
  for (const [key, doc] of docs) {
    const refs = new Set<string>();
    JSON.stringify(doc, (k, v: unknown) => {
      if (k === '$ref' && typeof v === 'string') refs.add(v);
      return v;
    });
    const missing = [...refs].filter((r) => !doc.components.schemas[r.replace('#/components/schemas/', '')]);
    t.same(missing, [], `${key}: ${refs.size} references`);
  }
});

t.test('every served kind has a schema with its group-version-kind and described fields', async (t) => {
  const { docs } = await documents(t);
  for (const def of RESOURCES) {
    const doc = docs.get(def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`)!;
    const schema = Object.values(doc.components.schemas).find((s) =>
      (s['x-kubernetes-group-version-kind'] as Array<{ group: string; kind: string; version: string }> | undefined)?.some((g) => g.group === def.group && g.kind === def.kind && g.version === def.version),
    );
    t.ok(schema, `${def.kind} has a schema`);
    t.ok(schema?.description, `${def.kind} is described`);
    t.ok((schema?.properties as Record<string, { description?: string }>).metadata?.description, `${def.kind}.metadata is described`);
  }
});

t.test('every resource has list, create, read, replace, patch and delete operations with their parameters', async (t) => {
  const { docs } = await documents(t);
  const apps = docs.get('apis/apps/v1')!;
  const collection = apps.paths['/apis/apps/v1/namespaces/{namespace}/daemonsets']!;
  t.same(collection.parameters?.map((p) => p.name), ['namespace']);
  t.match(collection.get, { operationId: 'listAppsV1NamespacedDaemonSet', 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': { group: 'apps', kind: 'DaemonSet', version: 'v1' } });
  t.same(collection.get!.parameters!.map((p) => p.name), ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch']);
  t.equal(collection.get!.responses['200']!.content!['application/json']!.schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.DaemonSetList');
  t.match(collection.post, { operationId: 'createAppsV1NamespacedDaemonSet', 'x-kubernetes-action': 'post' });
  t.same(collection.post!.parameters!.map((p) => p.name), ['dryRun', 'fieldManager', 'fieldValidation']);
  t.equal(collection.post!.requestBody!.content['application/json']!.schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.DaemonSet');
  t.match(collection.delete, { operationId: 'deleteAppsV1CollectionNamespacedDaemonSet', 'x-kubernetes-action': 'deletecollection' });
  const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}']!;
  t.same(item.parameters?.map((p) => p.name), ['name', 'namespace']);
  t.same(Object.keys(item).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
  t.equal(item.get!.operationId, 'readAppsV1NamespacedDaemonSet');
  t.equal(item.put!.operationId, 'replaceAppsV1NamespacedDaemonSet');
  t.same(item.patch!.parameters!.map((p) => p.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
  t.same(Object.keys(item.patch!.requestBody!.content), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
  t.same(item.delete!.parameters!.map((p) => p.name), ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy']);
  t.equal(item.delete!.requestBody!.content['application/json']!.schema.$ref, '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  t.equal(apps.paths['/apis/apps/v1/daemonsets']!.get!.operationId, 'listAppsV1DaemonSetForAllNamespaces');
  const core = docs.get('api/v1')!;
  t.equal(core.paths['/api/v1/nodes']!.get!.operationId, 'listCoreV1Node', 'cluster-scoped kinds have no namespace segment');
  t.notOk(core.paths['/api/v1/namespaces/{namespace}/nodes'], 'and no namespaced path');
  t.notOk(core.paths['/api/v1/namespaces']!.delete, 'no deletecollection where the verb is not served');
  t.ok(core.paths['/api/v1/']!.get, 'the discovery document');
});

t.test('subresources have their own operations and body schemas', async (t) => {
  const { docs } = await documents(t);
  const core = docs.get('api/v1')!;
  const status = core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']!;
  t.same(Object.keys(status).filter((k) => k !== 'parameters').sort(), ['get', 'patch', 'put']);
  t.equal(status.patch!.operationId, 'patchCoreV1NamespacedPodStatus');
  t.match(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction']!.post, {
    operationId: 'createCoreV1NamespacedPodEviction',
    'x-kubernetes-group-version-kind': { group: 'policy', kind: 'Eviction', version: 'v1' },
    requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/io.k8s.api.policy.v1.Eviction' } } } },
  });
  t.match(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding']!.post, { operationId: 'createCoreV1NamespacedPodBinding' });
  const log = core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log']!.get!;
  t.equal(log.operationId, 'readCoreV1NamespacedPodLog');
  t.same(log.parameters!.map((p) => p.name), ['container', 'follow', 'limitBytes', 'previous', 'sinceSeconds', 'tailLines', 'timestamps']);
  t.match(core.paths['/api/v1/namespaces/{name}/finalize']!.put, { operationId: 'replaceCoreV1NamespaceFinalize' });
  t.match(docs.get('apis/apps/v1')!.paths['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}/status']!.get, { operationId: 'readAppsV1NamespacedDaemonSetStatus' });
});

t.test('every documented path is routed by the server', async (t) => {
  const { app, docs } = await documents(t);
  let checked = 0;
  for (const doc of docs.values()) {
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!item.get || path.endsWith('/log')) continue;
      const url = path.replace('{namespace}', 'default').replace('{name}', 'node-1');
      const res = await app.inject({ url });
      t.not(res.json().message, 'the server could not find the requested resource', `GET ${path}`);
      checked++;
    }
  }
  t.ok(checked >= 20, `${checked} paths`);
});

t.test('kubectl\'s field validation check finds a PATCH with fieldValidation for every kind', async (t) => {
  const { docs } = await documents(t);
  for (const def of RESOURCES) {
    const doc = docs.get(def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`)!;
    const found = Object.values(doc.paths).some((item) => {
      const gvk = item.patch?.['x-kubernetes-group-version-kind'];
      return gvk?.group === def.group && gvk.kind === def.kind && gvk.version === def.version && item.patch!.parameters!.some((p) => p.name === 'fieldValidation' && p.in === 'query');
    });
    t.ok(found, def.kind);
  }
});

t.test('/openapi/v2 answers kubectl 1.27 and 1.28 an empty protobuf document', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ url: '/openapi/v2?timeout=32s', headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  t.equal(res.rawPayload.length, 0);
});
