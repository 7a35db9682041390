import t from 'tap';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { request } from 'undici';
import { pods } from '../../api/resources.js';
import type { KubeObject } from '../../store/object.js';
import { testServer } from '../helpers/server.js';
import { SlowWatchError, WatchStream } from '../../server/watch-stream.js';

function pod(name: string, padding = 0): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: padding ? { padding: 'x'.repeat(padding) } : {} },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
}

/** A watch reader that keeps every event's resourceVersion and type. */
async function reader(url: string) {
  const res = await request(url);
  const events: Array<{ type: string; rv: number; code?: number; reason?: string }> = [];
  let buffered = '';
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const e = JSON.parse(buffered.slice(0, nl)) as { type: string; object: { metadata?: { resourceVersion?: string }; code?: number; reason?: string } };
      buffered = buffered.slice(nl + 1);
      events.push({ type: e.type, rv: Number(e.object.metadata?.resourceVersion ?? 0), code: e.object.code, reason: e.object.reason });
    }
  });
  res.body.on('error', () => undefined);
  return { res, events, close: () => res.body.destroy() };
}

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return predicate();
}

t.test('a watch from a resourceVersion the log no longer holds gets a 410 Gone ERROR event and ends', async (t) => {
  const { app, url } = await testServer(t, { listen: true, eventLogCapacity: 5 });
  for (let i = 0; i < 12; i++) await app.registry.create(pods, 'default', pod(`p${i}`));
  const w = await reader(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=2`);
  t.teardown(w.close);
  t.ok(await until(() => w.events.length > 0));
  t.match(w.events[0], { type: 'ERROR', code: 410, reason: 'Expired' });
  t.equal(w.events.length, 1);
});

t.test('a client that stops reading is cut off at the buffer limit; the other watchers get every event, in order', async (t) => {
  const limit = 256 * 1024;
  const { app, url } = await testServer(t, { listen: true, maxWatchBufferedBytes: limit });
  const from = app.registry.store.resourceVersion;
  const path = `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}`;
  const fast = await reader(`${url}${path}`);
  t.teardown(fast.close);
  // The slow client sends its request and never reads a byte.
  const port = Number(new URL(url).port);
  const slow = connect(port, '127.0.0.1');
  slow.on('error', () => undefined);
  t.teardown(() => slow.destroy());
  slow.pause();
  slow.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  t.ok(await until(() => app.registry.store.watcherCount() === 2), 'both watches are open');

  // Enough bytes to fill the kernel's socket buffers as well as the server's allowance.
  let written = 0;
  let cutAfter = 0;
  const maxWrites = 2000;
  while (written < maxWrites) {
    await app.registry.create(pods, 'default', pod(`big-${written}`, 8 * 1024));
    written++;
    if (!cutAfter && app.registry.store.watcherCount() < 2) cutAfter = written;
    // Keep writing a little after the cut so the fast watcher shows it is not held up.
    if (cutAfter && written >= cutAfter + 50) break;
    // Let the sockets move between writes, as a real server's writes (each awaiting its fsync) would.
    await new Promise((r) => setImmediate(r));
  }
  t.ok(cutAfter > 0, `the slow watch was closed after ${cutAfter} events of about 8 KiB`);
  t.ok(await until(() => fast.events.length === written), `the fast watcher got all ${written} events`);
  const rvs = fast.events.map((e) => e.rv);
  t.ok(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!), 'in resourceVersion order');
  t.ok(fast.events.every((e) => e.type === 'ADDED'));
  t.equal(app.registry.store.watcherCount(), 1, 'only the fast watch is still registered');
});

t.test('watchers of one resource share each event\'s serialisation, and each gets its own selector\'s view', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  const from = app.registry.store.resourceVersion;
  const all = await Promise.all(Array.from({ length: 5 }, () => reader(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}`)));
  const selected = await reader(`${url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}&labelSelector=keep%3Dyes`);
  t.teardown(() => [...all, selected].forEach((w) => w.close()));
  t.ok(await until(() => app.registry.store.watcherCount() === 6));
  await app.registry.create(pods, 'default', { ...pod('a'), metadata: { name: 'a', labels: { keep: 'yes' } } });
  await app.registry.patch(pods, 'default', 'a', (p) => ({ ...p, metadata: { ...p.metadata, labels: { keep: 'no' } } }));
  await app.registry.delete(pods, 'default', 'a');
  t.ok(await until(() => all.every((w) => w.events.length === 3) && selected.events.length === 2));
  for (const w of all) t.same(w.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  t.same(selected.events.map((e) => e.type), ['ADDED', 'DELETED'], 'leaving the selector is a DELETED for that watcher');
});

t.test('a watch cut off for reading too slowly drops its queued writes with one error, not one per write', async (t) => {
  // A plain destroy() makes Node build one error per queued write: thousands for a client far behind.
  let stream: WatchStream | undefined;
  let socket: Socket | undefined;
  const server = createServer((_req, res) => {
    stream = new WatchStream(res, 'application/json', 64 * 1024);
    socket = res.socket!;
  });
  server.on('clientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  t.teardown(() => client.destroy());
  client.pause();
  client.write('GET /watch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  t.ok(await until(() => stream !== undefined), 'the watch started');
  const line = `{"type":"MODIFIED","object":{"pad":"${'x'.repeat(100)}"}}\n`;
  let writes = 0;
  while (!stream!.isEnded && writes < 200_000) {
    stream!.writeLine(line);
    if (++writes % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  t.ok(stream!.isEnded, `cut off after ${writes} writes`);
  t.ok(await until(() => socket!.destroyed), 'the connection is dropped');
  t.type(socket!.errored, SlowWatchError, 'with the one error every queued write was failed with');
});
