import t from 'tap';
import { RequestLog } from '../../routes/request-log.js';
import type { KubeObject } from '../../store/object.js';
import { testServer } from '../helpers/server.js';
import { openWatch as openEvents } from '../helpers/watch.js';

t.test('the log keeps the last N requests, named in order, and fills code and latency at the end', async (t) => {
  const log = new RequestLog(3, () => new Date('2026-01-01T00:00:00Z'));
  const seqs = [1, 2, 3, 4, 5].map((i) => log.begin({ method: 'GET', requestURI: `/api/v1/nodes/n${i}`, userAgent: 'kubectl.1.33/v1.33.0 (linux/amd64)', sourceIP: '127.0.0.1' }));
  t.same(log.list().map((o) => o.metadata.name), ['000000000003', '000000000004', '000000000005']);
  t.equal(log.get('000000000001'), undefined, 'older ones are gone');
  t.match(log.get('000000000004'), { stage: 'RequestReceived', metadata: { labels: { 'kubemock.dev/verb': 'get', 'kubemock.dev/client': 'kubectl.1.33' } } });
  log.complete(seqs[3]!, 200);
  t.match(log.get('000000000004'), { stage: 'ResponseComplete', latencyMs: Number, requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z' });
  t.ok(Object.isFrozen(log.get('000000000004')), 'objects leaving the log are frozen');
  t.equal(log.get('nope'), undefined);
});

t.test('entries keep their text exactly while the ring wraps and grows, long and non-ASCII text included', async (t) => {
  const log = new RequestLog(50, () => new Date('2026-01-01T00:00:00Z'));
  const uriOf = (i: number) => `/api/v1/namespaces/ns-${i}/pods?labelSelector=${'x'.repeat((i * 37) % 400)}`;
  const agentOf = (i: number) => (i % 7 === 0 ? `clïent-ü/${i} ✓🚀` : `probe/${i}`);
  // Past three times what the ring first holds, with every 50th entry's URI too long to keep inline.
  for (let i = 1; i <= 1000; i++) {
    const requestURI = i % 50 === 0 ? `/api/v1/nodes/${'n'.repeat(5000)}-${i}` : uriOf(i);
    log.complete(log.begin({ method: i % 3 ? 'GET' : 'POST', requestURI, userAgent: agentOf(i), sourceIP: `127.0.0.${i % 250}` }), 200);
  }
  const items = log.list() as unknown as Array<{ metadata: { name: string }; requestURI: string; userAgent: string; sourceIPs: string[]; verb: string }>;
  t.equal(items.length, 50);
  t.same(items.map((o) => Number(o.metadata.name)), Array.from({ length: 50 }, (_, k) => 951 + k));
  const wrong = items.filter((o) => {
    const i = Number(o.metadata.name);
    const uri = i % 50 === 0 ? `/api/v1/nodes/${'n'.repeat(5000)}-${i}` : uriOf(i);
    return o.requestURI !== uri || o.userAgent !== agentOf(i) || o.sourceIPs[0] !== `127.0.0.${i % 250}` || o.verb !== (i % 3 ? 'get' : 'post');
  });
  t.same(wrong.map((o) => o.metadata.name), [], 'every entry reads back as it was recorded');
  const replayed: string[] = [];
  log.subscribe(log.resourceVersion() - 150, (type, o) => void replayed.push(`${type} ${(o as unknown as { requestURI: string }).requestURI.length}`)).stop();
  t.equal(replayed.length, 100, 'a resume replays the entries that fell out and came in, text intact');
  t.ok(replayed.includes('DELETED 5018'), 'a long URI that fell out of the log is still kept for a resume');
});

t.test('text of every size reads back exactly, whatever the capacity, when the ring wraps and grows at once', async (t) => {
  // A fixed pseudo-random sequence of sizes, up to the longest text kept in the ring.
  let state = 12345;
  const next = (n: number) => ((state = (state * 1103515245 + 12345) % 2147483648) % n);
  for (const capacity of [1, 2, 3, 7, 50]) {
    const log = new RequestLog(capacity, () => new Date('2026-01-01T00:00:00Z'));
    const recorded = new Map<number, string>();
    const wrong: number[] = [];
    for (let i = 0; i < 600; i++) {
      const requestURI = `/api/v1/nodes/${String(i).padStart(4, '0')}${'u'.repeat(next(1300))}`;
      const seq = log.begin({ method: 'GET', requestURI, userAgent: `probe/${i}`, sourceIP: '127.0.0.1' });
      recorded.set(seq, requestURI);
      for (const o of log.list() as unknown as Array<{ metadata: { name: string }; requestURI: string; userAgent: string }>) {
        const s = Number(o.metadata.name);
        if (o.requestURI !== recorded.get(s) || o.userAgent !== `probe/${s - 1}`) wrong.push(s);
      }
    }
    t.same([...new Set(wrong)], [], `capacity ${capacity}: no entry read back otherwise than recorded`);
  }
});

t.test('an entry in flight is RequestReceived, a long-running one ResponseStarted once its headers are out; completing twice or after it left the ring does nothing', async (t) => {
  const log = new RequestLog(2, () => new Date('2026-01-01T00:00:00Z'));
  const stream = { headersSent: false, statusCode: 200 } as unknown as import('node:http').ServerResponse;
  const at = (name: string) => ({ method: 'GET', requestURI: `/api/v1/nodes/${name}`, userAgent: 'probe/1', sourceIP: '127.0.0.1' });
  const plain = log.begin(at('plain'));
  const watch = log.begin({ ...at('watched'), requestURI: '/api/v1/nodes?watch=true', stream });
  const stage = (seq: number) => (log.get(String(seq).padStart(12, '0')) as unknown as { stage: string; responseStatus?: { code: number } });
  t.match(stage(plain), { stage: 'RequestReceived', responseStatus: undefined });
  t.match(stage(watch), { stage: 'RequestReceived' });
  (stream as unknown as { headersSent: boolean }).headersSent = true;
  t.match(stage(watch), { stage: 'ResponseStarted', responseStatus: { code: 200 } });
  log.complete(watch, 200);
  const rv = log.resourceVersion();
  log.complete(watch, 500);
  t.equal(log.resourceVersion(), rv, 'a second completion changes nothing');
  t.match(stage(watch), { stage: 'ResponseComplete', responseStatus: { code: 200 } });
  for (const name of ['c', 'd', 'e']) log.begin(at(name));
  log.complete(plain, 200);
  t.equal(log.resourceVersion(), rv + 6, 'nor does completing an entry gone from the ring (three added, three fell out)');
  t.equal(log.get(String(plain).padStart(12, '0')), undefined);
});

t.test('over HTTP: list with selectors and pages, get by name, 404 for an unknown one, writes refused', async (t) => {
  const { app } = await testServer(t);
  for (const name of ['node-1', 'node-2', 'node-3', 'nope']) await app.inject({ url: `/api/v1/nodes/${name}`, headers: { 'user-agent': 'probe/1' } });
  await app.inject({ method: 'HEAD', url: '/api/v1/nodes/node-1', headers: { 'user-agent': 'head/1' } });
  t.match((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests?fieldSelector=client%3Dhead' })).json().items, [{ verb: 'get', objectRef: { name: 'node-1' } }], 'a HEAD is a get, as upstream names it');
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

t.test('a subscription replays what changed after a resourceVersion, then reports ADDED, MODIFIED and DELETED as they happen', async (t) => {
  const log = new RequestLog(2, () => new Date('2026-01-01T00:00:00Z'));
  const at = (name: string) => ({ method: 'GET', requestURI: `/api/v1/nodes/${name}`, userAgent: 'probe/1', sourceIP: '127.0.0.1' });
  const a = log.begin(at('a'));
  log.begin(at('b'));
  const rv = log.resourceVersion();
  t.equal(rv, 2);
  log.complete(a, 200);
  const seen: Array<[string, string, string, string]> = [];
  const listener = (type: string, o: KubeObject) => void seen.push([type, (o as unknown as { requestURI: string }).requestURI.slice(14), String((o as unknown as { stage: string }).stage), o.metadata.resourceVersion!]);
  const sub = log.subscribe(rv, listener);
  t.same(seen, [['MODIFIED', 'a', 'ResponseComplete', '3']], 'what changed since, as it stands now');
  seen.length = 0;
  log.begin(at('c'));
  t.same(seen, [['DELETED', 'a', 'ResponseComplete', '4'], ['ADDED', 'c', 'RequestReceived', '5']], 'the oldest falls out as the newest comes in');
  t.same(log.list().map((o) => o.metadata.resourceVersion), ['2', '5'], 'lists carry the same resourceVersions');
  sub.stop();
  log.begin(at('d'));
  t.equal(seen.length, 2, 'nothing after stop');
  const replay: typeof seen = [];
  log.subscribe(rv, (type, o) => void replay.push([type, (o as unknown as { requestURI: string }).requestURI.slice(14), '', o.metadata.resourceVersion!])).stop();
  t.same(replay.map((e) => [e[0], e[1], e[3]]), [['DELETED', 'a', '4'], ['ADDED', 'c', '5'], ['DELETED', 'b', '6'], ['ADDED', 'd', '7']], 'a later resume sees the deletions too');
  for (const n of ['e', 'f']) log.begin(at(n));
  t.throws(() => log.subscribe(rv, () => {}), { message: /^too old resource version/ }, 'what fell out too long ago is 410 Gone');
  t.doesNotThrow(() => log.subscribe(log.resourceVersion() - 2, () => {}).stop(), 'a recent one resumes');
});

interface RecordedEvent {
  type: string;
  object: { metadata: { name: string; resourceVersion: string }; stage: string; verb: string; userAgent: string; objectRef?: { resource: string; name?: string }; responseStatus?: { code: number } };
}

/** A watch of RecordedRequest events. */
const openWatch = (url: string) => openEvents<RecordedEvent>(url);

t.test('a watch from a list resourceVersion streams each later request, through the selectors, and never its own', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  await app.inject({ url: '/api/v1/nodes/node-1', headers: { 'user-agent': 'probe/1' } });
  const base = `${url}/apis/kubemock.dev/v1alpha1/recordedrequests`;
  const list = (await app.inject({ url: '/apis/kubemock.dev/v1alpha1/recordedrequests' })).json();
  t.ok(list.items.every((i: RecordedEvent['object']) => Number(i.metadata.resourceVersion) <= Number(list.metadata.resourceVersion)), 'the list resourceVersion is the log\'s');
  const all = await openWatch(`${base}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
  const probe = await openWatch(`${base}?watch=true&resourceVersion=${list.metadata.resourceVersion}&fieldSelector=client%3Dprobe`);
  const failed = await openWatch(`${base}?watch=true&labelSelector=kubemock.dev%2Fcode%3D404`);
  t.teardown(() => [all, probe, failed].forEach((w) => w.close()));
  t.equal(probe.res.statusCode, 200);
  await app.inject({ url: '/api/v1/nodes/node-2', headers: { 'user-agent': 'probe/1' } });
  await app.inject({ url: '/api/v1/namespaces', headers: { 'user-agent': 'other/1' } });
  await app.inject({ url: '/api/v1/nodes/nope', headers: { 'user-agent': 'probe/1' } });

  const events = await probe.read(4);
  t.same(events.map((e) => [e.type, e.object.stage, e.object.verb, e.object.objectRef?.resource, e.object.objectRef?.name, e.object.responseStatus?.code]), [
    ['ADDED', 'RequestReceived', 'get', 'nodes', 'node-2', undefined],
    ['MODIFIED', 'ResponseComplete', 'get', 'nodes', 'node-2', 200],
    ['ADDED', 'RequestReceived', 'get', 'nodes', 'nope', undefined],
    ['MODIFIED', 'ResponseComplete', 'get', 'nodes', 'nope', 404],
  ], 'only the probe\'s requests, each as it arrives and as it completes');
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  t.ok(rvs.every((rv, i) => rv > Number(list.metadata.resourceVersion) && (i === 0 || rv > rvs[i - 1]!)), 'resourceVersions rise past the list\'s');
  t.same((await failed.read(1)).map((e) => [e.type, e.object.objectRef?.name, e.object.responseStatus?.code]), [['ADDED', 'nope', 404]], 'an entry that comes to match a selector is ADDED');
  const everything = await all.read(6);
  t.equal(everything.length, 6);
  t.same([...new Set(everything.map((e) => e.object.userAgent))], ['probe/1', 'other/1'], 'every client\'s requests, and none for the log itself');
  t.notOk(all.events.some((e) => e.object.objectRef?.resource === 'recordedrequests'), 'watching the log is not logged');
  t.equal((await app.inject({ url: `/apis/kubemock.dev/v1alpha1/recordedrequests?watch=true&resourceVersion=abc` })).statusCode, 422, 'a resourceVersion that does not parse is refused before the stream');
  const nodes = await openEvents<{ type: string }>(`${url}/api/v1/nodes?watch=true`);
  t.teardown(() => nodes.close());
  const started = await all.read(7);
  t.match(started[6], { type: 'ADDED', object: { verb: 'watch', stage: 'RequestReceived' } }, 'a watch comes in');
  const listed = (await app.inject({ url: `/apis/kubemock.dev/v1alpha1/recordedrequests?fieldSelector=verb%3Dwatch` })).json();
  t.match(listed.items.at(-1), { stage: 'ResponseStarted', responseStatus: { code: 200 }, objectRef: { resource: 'nodes' } }, 'and is ResponseStarted while it streams');
});
