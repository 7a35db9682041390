import t from 'tap';
import { testServer } from '../helpers/server.js';
import { openWatch as openEvents } from '../helpers/watch.js';
import { pods, namespaces } from '../../api/resources.js';

interface WatchEvent {
  type: string;
  object: { kind?: string; metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; rows?: Array<{ cells: unknown[] }>; columnDefinitions?: unknown; code?: number; reason?: string };
}

/** A watch of the events this file reads. */
const openWatch = (url: string, headers: Record<string, string> = {}) => openEvents<WatchEvent>(url, headers);

function pod(name: string, labels: Record<string, string> = {}) {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

t.test('a watch from a list resourceVersion delivers ADDED, MODIFIED and DELETED in order', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  const list = (await app.inject({ url: '/api/v1/namespaces/default/pods' })).json();
  const w = await openWatch(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
  t.teardown(w.close);
  t.equal(w.res.statusCode, 200);
  t.match(w.res.headers['content-type'], /^application\/json/);
  await app.registry.create(pods, 'default', pod('a'));
  await app.registry.patch(pods, 'default', 'a', (p) => ({ ...p, metadata: { ...p.metadata, labels: { x: '1' } } }));
  await app.registry.delete(pods, 'default', 'a');
  const events = await w.read(3);
  t.same(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a']);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  t.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, 'resourceVersions increase');
});

t.test('a watch without a resourceVersion starts with ADDED for every existing object', async (t) => {
  const { url } = await testServer(t, { listen: true });
  const w = await openWatch(`${url}/api/v1/namespaces?watch=1`);
  t.teardown(w.close);
  const events = await w.read(4);
  t.same(events.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED']);
  t.same(events.map((e) => e.object.metadata.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
});

t.test('label selector transitions turn into ADDED and DELETED for the watcher', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  await app.registry.create(pods, 'default', pod('p', { app: 'x' }));
  const rv = app.registry.store.resourceVersion;
  const w = await openWatch(`${url}/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dy&resourceVersion=${rv}`);
  t.teardown(w.close);
  const relabel = (value: string) => app.registry.patch(pods, 'default', 'p', (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: value } } }));
  await relabel('y');
  await relabel('z');
  t.same((await w.read(2)).map((e) => e.type), ['ADDED', 'DELETED']);
});

t.test('a Table watch sends one-row Tables with column definitions on the first event only', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  const rv = app.registry.store.resourceVersion;
  const w = await openWatch(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  t.teardown(w.close);
  await app.registry.create(pods, 'default', pod('a'));
  await app.registry.create(pods, 'default', pod('b'));
  const [first, second] = await w.read(2);
  t.equal(first!.object.kind, 'Table');
  t.equal(first!.object.rows!.length, 1);
  t.equal(first!.object.rows![0]!.cells[0], 'a');
  t.ok(Array.isArray(first!.object.columnDefinitions));
  t.equal(second!.object.columnDefinitions, null);
});

t.test('sendInitialEvents ends the initial state with an initial-events-end bookmark', async (t) => {
  const { url } = await testServer(t, { listen: true });
  const w = await openWatch(`${url}/api/v1/nodes?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
  t.teardown(w.close);
  const events = await w.read(4);
  t.same(events.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
  t.same(events[3]!.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  t.equal(events[3]!.object.kind, 'Node');
});

t.test('a watch from a resourceVersion older than the event log gets an ERROR 410 event and ends', async (t) => {
  const { app, url } = await testServer(t, { listen: true, eventLogCapacity: 2 });
  for (const name of ['a', 'b', 'c', 'd']) await app.registry.create(pods, 'default', pod(name));
  const w = await openWatch(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=1`);
  const [event] = await w.read(1);
  t.equal(event!.type, 'ERROR');
  t.match(event!.object, { kind: 'Status', code: 410, reason: 'Expired' });
  await w.read(2, 2000);
  t.ok(w.isEnded(), 'the stream ends after the error');
});

t.test('timeoutSeconds ends the stream', async (t) => {
  const { url } = await testServer(t, { listen: true });
  const w = await openWatch(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=0&timeoutSeconds=1`);
  await w.read(1, 3000);
  t.ok(w.isEnded());
});

t.test('closing the server ends open watches instead of hanging', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  const w = await openWatch(`${url}/api/v1/namespaces?watch=true`);
  await w.read(4);
  await app.registry.create(namespaces, undefined, { metadata: { name: 'x' } });
  await w.read(5);
  await app.close();
  await w.read(6, 2000);
  t.ok(w.isEnded());
});
