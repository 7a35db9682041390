import t from 'tap';
import { RequestLog } from '../../routes/request-log.js';
import { testServer } from '../helpers/server.js';

t.test('the log keeps the last N requests, named in order, and fills code and latency at the end', async (t) => {
  const log = new RequestLog(3, () => new Date('2026-01-01T00:00:00Z'));
  const finishers = [1, 2, 3, 4, 5].map((i) => log.begin({ verb: 'get', requestURI: `/api/v1/nodes/n${i}`, userAgent: 'kubectl.1.33/v1.33.0 (linux/amd64)', sourceIP: '127.0.0.1' }));
  t.same(log.list().map((o) => o.metadata.name), ['000000000003', '000000000004', '000000000005']);
  t.equal(log.get('000000000001'), undefined, 'older ones are gone');
  t.match(log.get('000000000004'), { stage: 'RequestReceived', metadata: { labels: { 'kubemock.dev/verb': 'get', 'kubemock.dev/client': 'kubectl.1.33' } } });
  finishers[3]!();
  t.match(log.get('000000000004'), { stage: 'ResponseComplete', latencyMs: Number, requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z' });
  t.ok(Object.isFrozen(log.get('000000000004')), 'objects leaving the log are frozen');
  t.equal(log.get('nope'), undefined);
});

t.test('over HTTP: list with selectors and pages, get by name, 404 for an unknown one, writes refused', async (t) => {
  const { app } = await testServer(t);
  for (const name of ['node-1', 'node-2', 'node-3', 'nope']) await app.inject({ url: `/api/v1/nodes/${name}`, headers: { 'user-agent': 'probe/1' } });
  const list = (q: string) => app.inject({ url: `/apis/kubemock.dev/v1alpha1/recordedrequests?${q}` }).then((r) => r.json());
  const mine = await list('fieldSelector=client%3Dprobe');
  t.same(mine.items.map((i: { objectRef: { name: string }; responseStatus: { code: number } }) => [i.objectRef.name, i.responseStatus.code]), [['node-1', 200], ['node-2', 200], ['node-3', 200], ['nope', 404]]);
  t.equal((await list('labelSelector=kubemock.dev%2Fcode%3D404')).items.length, 1);
  const page = await list('fieldSelector=client%3Dprobe&limit=3');
  t.equal(page.items.length, 3);
  t.equal(page.metadata.remainingItemCount, 1);
  const next = await list(`fieldSelector=client%3Dprobe&limit=3&continue=${encodeURIComponent(page.metadata.continue)}`);
  t.same(next.items.map((i: { objectRef: { name: string } }) => i.objectRef.name), ['nope']);
  t.equal((await app.inject({ url: `/apis/kubemock.dev/v1alpha1/recordedrequests/${mine.items[0].metadata.name}` })).json().objectRef.name, 'node-1');
  t.equal((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests/000000999999' })).statusCode, 404);
  t.equal((await app.inject({ method: 'DELETE', url: `/apis/kubemock.dev/v1alpha1/recordedrequests/${mine.items[0].metadata.name}` })).statusCode, 405);
  t.equal((await app.inject({ method: 'POST', url: '/apis/kubemock.dev/v1alpha1/recordedrequests', payload: {} })).statusCode, 405);
  t.equal((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests?fieldSelector=bogus%3D1' })).statusCode, 400, 'unknown fields are refused');
  const table = await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests?fieldSelector=client%3Dprobe', headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  t.match(table.json().rows[3].cells.slice(1, 8), ['get', 'nodes', '', 'nope', '404', /ms$/, 'probe']);
});

t.test('a size of 0 turns the log off', async (t) => {
  const { app } = await testServer(t, { requestLogSize: 0 });
  await app.inject({ url: '/api/v1/nodes' });
  t.same((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests' })).json().items, []);
});
