import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { READ_ONLY_GROUP, TokenFileError, bearerToken, parseTokenFile, readTokenFile, type StaticToken } from '../../server/auth.js';
import { requestInfo } from '../../server/request-info.js';
import { testServer } from '../helpers/server.js';

const TOKENS: StaticToken[] = [
  { token: 'admin-token', user: 'admin', uid: '1', groups: ['system:masters'] },
  { token: 'viewer-token', user: 'viewer', uid: '2', groups: [READ_ONLY_GROUP, 'dev'] },
];
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

t.test('a token file parses as kube-apiserver reads it: quoted group lists, CRLF, blank lines', async (t) => {
  const text = 'admin-token,admin,1,"system:masters,ops"\r\n\r\nviewer-token,viewer,2,"kubemock:read-only"\nplain,plain-user,3\n"quoted ""odd"" token",odd,4,\n';
  const { tokens, warnings } = parseTokenFile(text);
  t.same(tokens, [
    { token: 'admin-token', user: 'admin', uid: '1', groups: ['system:masters', 'ops'] },
    { token: 'viewer-token', user: 'viewer', uid: '2', groups: ['kubemock:read-only'] },
    { token: 'plain', user: 'plain-user', uid: '3', groups: [] },
    { token: 'quoted "odd" token', user: 'odd', uid: '4', groups: [''] },
  ]);
  t.same(warnings, []);
});

t.test('a token file with too few columns or a stray quote is refused with upstream-worded errors', async (t) => {
  t.throws(() => parseTokenFile('tok,user\n', 'tokens.csv'), new TokenFileError("token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 2"));
  t.throws(() => parseTokenFile('to"k,user,1\n'), { message: /bare " in non-quoted-field/ });
  t.throws(() => parseTokenFile('"tok"x,user,1\n'), { message: /extraneous or missing " in quoted-field/ });
  t.throws(() => parseTokenFile('"tok,user,1\n'), { message: /extraneous or missing " in quoted-field/ });
});

t.test('an empty token is skipped and a repeated token keeps the later line, each with a warning', async (t) => {
  const { tokens, warnings } = parseTokenFile(',nobody,0\na,first,1\na,second,2\n', 'f');
  t.same(tokens, [{ token: 'a', user: 'second', uid: '2', groups: [] }]);
  t.same(warnings, ["empty token has been found in token file 'f', record number '1'", "duplicate token has been found in token file 'f', record number '3'"]);
});

t.test('reading a token file that is missing or holds no token fails with a TokenFileError', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-auth-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.rejects(readTokenFile(path.join(dir, 'missing.csv')), TokenFileError);
  await writeFile(path.join(dir, 'empty.csv'), '\n');
  await t.rejects(readTokenFile(path.join(dir, 'empty.csv')), { message: /holds no token/ });
  await writeFile(path.join(dir, 'ok.csv'), 'tok,user,1\n');
  t.same((await readTokenFile(path.join(dir, 'ok.csv'))).tokens, [{ token: 'tok', user: 'user', uid: '1', groups: [] }]);
});

t.test('the bearer token is read as upstream reads the Authorization header', async (t) => {
  t.equal(bearerToken('Bearer abc'), 'abc');
  t.equal(bearerToken('  bearer   abc  '), 'abc', 'scheme in any case, extra spaces');
  t.equal(bearerToken('Basic abc'), undefined);
  t.equal(bearerToken('Bearer'), undefined);
  t.equal(bearerToken(undefined), undefined);
});

t.test('a request without a token, or with an unknown one, answers 401 with the upstream Status', async (t) => {
  const { app } = await testServer(t, { tokens: TOKENS });
  for (const headers of [{}, bearer('wrong'), { authorization: 'Basic YWRtaW46YWRtaW4=' }, { authorization: 'Bearer ' }]) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/nodes', headers });
    t.equal(res.statusCode, 401, JSON.stringify(headers));
    t.equal(res.headers['content-type'], 'application/json');
    t.same(res.json(), UNAUTHORIZED);
  }
  for (const url of ['/api', '/apis', '/openapi/v2', '/metrics', '/readyz/etcd', '/api/v1/namespaces/default/pods/nope']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 401, `${url} needs a token`);
  }
});

t.test('requests refused by authentication or authorization are in the request log and the metrics, as upstream audits them', async (t) => {
  const { app } = await testServer(t, { tokens: TOKENS });
  await app.inject({ method: 'GET', url: '/api/v1/nodes', headers: { 'user-agent': 'intruder/1' } });
  await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: { ...bearer('viewer-token'), 'user-agent': 'viewer/1', 'content-type': 'application/json' }, payload: { metadata: { name: 'no' } } });
  const logged = await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests', headers: bearer('admin-token') });
  t.match(logged.json().items.filter((i: { userAgent: string }) => i.userAgent !== ''), [
    { verb: 'list', requestURI: '/api/v1/nodes', userAgent: 'intruder/1', responseStatus: { code: 401 } },
    { verb: 'create', requestURI: '/api/v1/namespaces', userAgent: 'viewer/1', responseStatus: { code: 403 } },
  ]);
  const metrics = (await app.inject({ url: '/metrics', headers: bearer('admin-token') })).body;
  t.match(metrics, /apiserver_request_total\{[^}]*verb="LIST"[^}]*resource="nodes"[^}]*code="401"\} 1/);
  t.match(metrics, /apiserver_request_total\{[^}]*verb="POST"[^}]*resource="namespaces"[^}]*code="403"\} 1/);
});

t.test('health and version paths stay open without a token, as upstream public-info-viewer allows', async (t) => {
  const { app } = await testServer(t, { tokens: TOKENS });
  for (const url of ['/livez', '/readyz', '/healthz', '/readyz?verbose', '/version', '/version/']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, url);
  }
});

t.test('a valid token reads and writes', async (t) => {
  const { app } = await testServer(t, { tokens: TOKENS });
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/nodes', headers: bearer('admin-token') })).statusCode, 200);
  const created = await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: { ...bearer('admin-token'), 'content-type': 'application/json' }, payload: { metadata: { name: 'made-by-admin' } } });
  t.equal(created.statusCode, 201);
});

t.test('the read-only group may get, list and watch', async (t) => {
  const { app } = await testServer(t, { tokens: TOKENS });
  for (const url of ['/api/v1/nodes', '/api/v1/nodes/node-1', '/api/v1/namespaces/default/pods', '/apis/apps/v1/daemonsets', '/api', '/openapi/v2', '/metrics']) {
    t.equal((await app.inject({ method: 'GET', url, headers: bearer('viewer-token') })).statusCode, 200, url);
  }
});

t.test('a write by the read-only group answers 403 Forbidden worded as upstream RBAC denials', async (t) => {
  const { app } = await testServer(t, { tokens: TOKENS });
  const cases = [
    { method: 'POST', url: '/api/v1/namespaces', message: 'namespaces is forbidden: User "viewer" cannot create resource "namespaces" in API group "" at the cluster scope', details: { kind: 'namespaces' } },
    { method: 'DELETE', url: '/api/v1/namespaces/default/pods/web', message: 'pods "web" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "default"', details: { name: 'web', kind: 'pods' } },
    { method: 'PATCH', url: '/apis/apps/v1/namespaces/team/daemonsets/agent', message: 'daemonsets.apps "agent" is forbidden: User "viewer" cannot patch resource "daemonsets" in API group "apps" in the namespace "team"', details: { name: 'agent', group: 'apps', kind: 'daemonsets' } },
    { method: 'PUT', url: '/api/v1/nodes/node-1/status', message: 'nodes "node-1" is forbidden: User "viewer" cannot update resource "nodes/status" in API group "" at the cluster scope', details: { name: 'node-1', kind: 'nodes' } },
    { method: 'DELETE', url: '/api/v1/namespaces/default/pods', message: 'pods is forbidden: User "viewer" cannot deletecollection resource "pods" in API group "" in the namespace "default"', details: { kind: 'pods' } },
    { method: 'DELETE', url: '/api/v1/namespaces/team', message: 'namespaces "team" is forbidden: User "viewer" cannot delete resource "namespaces" in API group "" in the namespace "team"', details: { name: 'team', kind: 'namespaces' } },
    { method: 'POST', url: '/api/v1/namespaces/default/pods/web/eviction', message: 'pods "web" is forbidden: User "viewer" cannot create resource "pods/eviction" in API group "" in the namespace "default"', details: { name: 'web', kind: 'pods' } },
    { method: 'POST', url: '/logs/hello', message: 'forbidden: User "viewer" cannot post path "/logs/hello"', details: {} },
  ];
  for (const c of cases) {
    const res = await app.inject({ method: c.method as 'POST', url: c.url, headers: { ...bearer('viewer-token'), 'content-type': 'application/json' }, payload: '{}' });
    t.equal(res.statusCode, 403, `${c.method} ${c.url}`);
    t.same(res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: c.message, reason: 'Forbidden', details: c.details, code: 403 }, `${c.method} ${c.url}`);
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/namespaces/team' , headers: bearer('admin-token') })).statusCode, 404, 'nothing was written');
});

t.test('without tokens the server asks for no authentication', async (t) => {
  const { app } = await testServer(t);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/nodes' })).statusCode, 200);
});

t.test('request info reads verbs, scopes and names from the path as upstream RequestInfoFactory', async (t) => {
  const cases: Array<[string, string, Partial<ReturnType<typeof requestInfo>>]> = [
    ['GET', '/api/v1/nodes', { isResourceRequest: true, verb: 'list', resource: 'nodes', name: '', namespace: '' }],
    ['GET', '/api/v1/nodes?watch=1', { verb: 'watch' }],
    ['GET', '/api/v1/nodes?watch=false', { verb: 'list' }],
    ['GET', '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb', { verb: 'list', name: 'web', namespace: 'default' }],
    ['GET', '/api/v1/namespaces/default/pods/web/log', { verb: 'get', resource: 'pods', name: 'web', subresource: 'log' }],
    ['GET', '/api/v1/namespaces/kube-system', { verb: 'get', resource: 'namespaces', name: 'kube-system', namespace: 'kube-system' }],
    ['PUT', '/api/v1/namespaces/gone/finalize', { verb: 'update', resource: 'namespaces', name: 'gone', subresource: 'finalize' }],
    ['DELETE', '/apis/apps/v1/namespaces/a/daemonsets', { verb: 'deletecollection', apiGroup: 'apps', apiVersion: 'v1', resource: 'daemonsets' }],
    ['GET', '/apis/apps/v1', { isResourceRequest: false, verb: 'get' }],
    ['GET', '/healthz', { isResourceRequest: false }],
  ];
  for (const [method, url, expected] of cases) {
    const [path, query = ''] = url.split('?');
    t.match(requestInfo(method, url, Object.fromEntries(new URLSearchParams(query))), expected, `${method} ${path}?${query}`);
  }
});
