import t from 'tap';
import { testServer } from '../helpers/server.js';

const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

t.test('/api and /apis answer the legacy documents to a plain JSON Accept', async (t) => {
  const { app } = await testServer(t);
  const api = await app.inject({ url: '/api', headers: { accept: 'application/json, */*' } });
  t.equal(api.statusCode, 200);
  t.match(api.json(), { kind: 'APIVersions', versions: ['v1'] });
  const apis = (await app.inject({ url: '/apis' })).json();
  t.equal(apis.kind, 'APIGroupList');
  t.same(apis.groups.map((g: { name: string }) => g.name), ['coordination.k8s.io', 'apps', 'kubemock.dev']);
  t.same(apis.groups[1].preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
});

t.test('aggregated discovery answers the first version the client lists, named in Content-Type', async (t) => {
  const { app } = await testServer(t);
  const v2 = await app.inject({ url: '/apis', headers: { accept: `${V2},${V2BETA1},application/json` } });
  t.equal(v2.headers['content-type'], V2);
  t.equal(v2.json().apiVersion, 'apidiscovery.k8s.io/v2');
  const beta = await app.inject({ url: '/api', headers: { accept: `${V2BETA1},application/json` } });
  t.equal(beta.headers['content-type'], V2BETA1, 'kubectl 1.27-1.29 ask only for v2beta1 and must get it');
  const core = beta.json();
  t.equal(core.items[0].metadata.name, '');
  const pods = core.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'pods');
  t.match(pods, { scope: 'Namespaced', singularResource: 'pod', shortNames: ['po'], categories: ['all'], responseKind: { group: '', version: 'v1', kind: 'Pod' } });
  t.match(pods.subresources.find((s: { subresource: string }) => s.subresource === 'eviction'), { responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] });
});

t.test('the per-version resource lists carry short names, verbs, categories and subresources', async (t) => {
  const { app } = await testServer(t);
  const core = (await app.inject({ url: '/api/v1' })).json();
  t.equal(core.groupVersion, 'v1');
  const byName = new Map(core.resources.map((r: { name: string }) => [r.name, r]));
  t.match(byName.get('namespaces'), { namespaced: false, kind: 'Namespace', shortNames: ['ns'] });
  t.match(byName.get('nodes'), { namespaced: false, shortNames: ['no'] });
  t.match(byName.get('events'), { namespaced: true, shortNames: ['ev'] });
  t.match(byName.get('pods/eviction'), { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  t.match(byName.get('pods/status'), { kind: 'Pod', verbs: ['get', 'patch', 'update'] });
  const apps = (await app.inject({ url: '/apis/apps/v1' })).json();
  t.match(apps.resources.find((r: { name: string }) => r.name === 'daemonsets'), {
    singularName: 'daemonset',
    shortNames: ['ds'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  });
  t.match((await app.inject({ url: '/apis/apps' })).json(), { kind: 'APIGroup', name: 'apps' });
  t.equal((await app.inject({ url: '/apis/batch/v1' })).statusCode, 404, 'no empty group versions are served');
});

t.test('/version reports a server version with the fields kubectl prints', async (t) => {
  const { app } = await testServer(t);
  t.match((await app.inject({ url: '/version?timeout=32s' })).json(), { major: '1', minor: /^\d+$/, gitVersion: /^v1\./, platform: 'linux/amd64' });
});

t.test('health endpoints answer ok, and list their checks when verbose', async (t) => {
  const { app } = await testServer(t);
  for (const path of ['/livez', '/readyz', '/healthz']) {
    const res = await app.inject({ url: path });
    t.equal(res.statusCode, 200);
    t.equal(res.body, 'ok');
  }
  const verbose = await app.inject({ url: '/readyz?verbose' });
  t.match(verbose.body, /\[\+\]ping ok\n[\s\S]*readyz check passed\n$/);
  t.equal((await app.inject({ url: '/livez/ping' })).body, 'ok');
  t.equal((await app.inject({ url: '/livez/nosuch' })).statusCode, 404);
});

t.test('OpenAPI v3 lists hashed per-group-version documents with PATCH operations kubectl checks', async (t) => {
  const { app } = await testServer(t);
  const root = (await app.inject({ url: '/openapi/v3' })).json();
  const appsUrl: string = root.paths['apis/apps/v1'].serverRelativeURL;
  t.match(appsUrl, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  const res = await app.inject({ url: appsUrl });
  t.equal(res.headers['cache-control'], 'public, immutable');
  const doc = res.json();
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}'].patch;
  t.same(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'DaemonSet' });
  t.ok(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
  t.ok(root.paths['api/v1'], 'the core group has a document too');
});

t.test('OpenAPI v2 answers an empty protobuf document with the dotted media type', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ url: '/openapi/v2', headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  t.equal(res.rawPayload.length, 0);
});
