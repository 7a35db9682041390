import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { namespaces, pods } from '../../api/resources.js';
import type { KubeObject } from '../../store/object.js';
import { testServer } from '../helpers/server.js';

interface PodList {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

function pod(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

async function page(app: FastifyInstance, path: string, query: Record<string, string>): Promise<{ status: number; body: PodList & { reason?: string; code?: number } }> {
  const res = await app.inject({ url: path, query });
  return { status: res.statusCode, body: res.json() };
}

const name = (i: number) => `p-${String(i).padStart(4, '0')}`;

t.test('LIST with limit pages through a snapshot while writes go on: no duplicates, no gaps, created ones absent, deleted and changed ones as they were', async (t) => {
  const { app } = await testServer(t);
  for (let i = 0; i < 600; i += 2) await app.registry.create(pods, 'default', pod(name(i), { v: '0' }));
  const snapshot = new Map((await page(app, '/api/v1/namespaces/default/pods', {})).body.items.map((p) => [p.metadata.name!, p]));
  t.equal(snapshot.size, 300);

  const first = await page(app, '/api/v1/namespaces/default/pods', { limit: '37' });
  const rv = first.body.metadata.resourceVersion;
  t.equal(first.body.metadata.remainingItemCount, 300 - 37);
  const seen: KubeObject[] = [...first.body.items];
  let token = first.body.metadata.continue;
  let step = 0;
  while (token) {
    // Between pages: new pods on both sides of the cursor, deletions and updates of listed and unlisted pods.
    step++;
    await app.registry.create(pods, 'default', pod(name(step * 14 + 1)));
    await app.registry.create(pods, 'default', pod(`${name(step * 31)}-late`));
    const victim = name(((step * 53) % 300) * 2);
    if (app.registry.store.get({ group: '', resource: 'pods' }, 'default', victim)) await app.registry.delete(pods, 'default', victim);
    const changed = name(((step * 17) % 300) * 2);
    if (app.registry.store.get({ group: '', resource: 'pods' }, 'default', changed)) {
      await app.registry.patch(pods, 'default', changed, (p) => ({ ...p, metadata: { ...p.metadata, labels: { v: String(step) } } }));
    }
    const next = await page(app, '/api/v1/namespaces/default/pods', { limit: '37', continue: token });
    t.equal(next.status, 200);
    t.equal(next.body.metadata.resourceVersion, rv, 'every page carries the first page\'s resourceVersion');
    seen.push(...next.body.items);
    token = next.body.metadata.continue;
    if (token) t.equal(next.body.metadata.remainingItemCount, 300 - seen.length);
  }
  t.ok(step > 5, `${step} continue pages`);
  const names = seen.map((p) => p.metadata.name!);
  t.equal(new Set(names).size, names.length, 'no object twice');
  t.same([...names].sort(), [...snapshot.keys()].sort(), 'exactly the objects of the snapshot, none created later, none deleted since missing');
  t.same(names, [...names].sort(), 'in key order');
  for (const p of seen) t.same(p, snapshot.get(p.metadata.name!), `${p.metadata.name} as it was at resourceVersion ${rv}`);
});

t.test('paging with a selector and across namespaces stays consistent', async (t) => {
  const { app } = await testServer(t);
  for (const ns of ['a', 'b']) await app.registry.create(namespaces, undefined, { metadata: { name: ns } });
  for (let i = 0; i < 120; i++) await app.registry.create(pods, i % 2 ? 'a' : 'b', pod(name(i), { even: String(i % 4 === 0) }));
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await page(app, '/api/v1/pods', { limit: '9', labelSelector: 'even=true', ...(token ? { continue: token } : {}) });
    t.equal(res.status, 200);
    t.equal(res.body.metadata.remainingItemCount, undefined, 'no remainingItemCount with a selector');
    seen.push(...res.body.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    token = res.body.metadata.continue;
    // Writes between pages that would match the selector must not show up.
    await app.registry.create(pods, 'a', pod(`${name(pages)}-new`, { even: 'true' }));
    pages++;
  } while (token);
  t.equal(seen.length, 30);
  t.equal(new Set(seen).size, 30);
  t.ok(seen.every((k) => !k.endsWith('-new')));
});

t.test('remainingItemCount is what the snapshot holds after the page, in the namespace listed or across all, whatever is written between pages', async (t) => {
  const { app } = await testServer(t);
  // `default0/` sorts right after every `default/` key, `a/` before them: neither may be counted in default.
  for (const ns of ['a', 'default0']) await app.registry.create(namespaces, undefined, { metadata: { name: ns } });
  for (const ns of ['a', 'default', 'default0']) for (let i = 0; i < 40; i += 2) await app.registry.create(pods, ns, pod(name(i)));
  for (const [path, namespace, tag] of [['/api/v1/namespaces/default/pods', 'default', 'n'], ['/api/v1/pods', undefined, 'c']] as const) {
    const first = await page(app, path, { limit: '7' });
    // The objects of the snapshot, as `<namespace>/<name>`, in the order pages list them.
    const snapshot = first.body.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const all = (await page(app, path, {})).body.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    t.equal(first.body.metadata.remainingItemCount, all.length - 7, `${path}: the first page`);
    let token = first.body.metadata.continue;
    let step = 0;
    while (token) {
      step++;
      // Creates before and after the cursor, in and out of the namespace; a delete; a pod deleted and created again; one created and deleted.
      for (const ns of ['a', 'default', 'default0']) await app.registry.create(pods, ns, pod(`${name(step * 6 + 1)}-${tag}`));
      const victim = all[(step * 7) % all.length]!.split('/');
      if (app.registry.store.get({ group: '', resource: 'pods' }, victim[0], victim[1]!)) await app.registry.delete(pods, victim[0], victim[1]!);
      const again = all[(step * 11) % all.length]!.split('/');
      if (app.registry.store.get({ group: '', resource: 'pods' }, again[0], again[1]!)) {
        await app.registry.delete(pods, again[0], again[1]!);
        await app.registry.create(pods, again[0], pod(again[1]!));
      }
      await app.registry.create(pods, namespace ?? 'a', pod(`${name(step)}-brief-${tag}`));
      await app.registry.delete(pods, namespace ?? 'a', `${name(step)}-brief-${tag}`);
      const next = await page(app, path, { limit: '7', continue: token });
      t.equal(next.status, 200);
      snapshot.push(...next.body.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      token = next.body.metadata.continue;
      if (token) t.equal(next.body.metadata.remainingItemCount, all.length - snapshot.length, `${path}: after page ${step + 1}`);
      else t.equal(next.body.metadata.remainingItemCount, undefined, `${path}: none on the last page`);
    }
    t.same(snapshot, all, `${path}: the pages hold the snapshot, in order`);
  }
});

t.test('a continue token older than the watch log answers 410 Expired', async (t) => {
  const { app } = await testServer(t, { eventLogCapacity: 10 });
  for (let i = 0; i < 20; i++) await app.registry.create(pods, 'default', pod(name(i)));
  const first = await page(app, '/api/v1/namespaces/default/pods', { limit: '5' });
  for (let i = 20; i < 40; i++) await app.registry.create(pods, 'default', pod(name(i)));
  const next = await page(app, '/api/v1/namespaces/default/pods', { limit: '5', continue: first.body.metadata.continue! });
  t.equal(next.status, 410);
  t.match(next.body, { kind: 'Status', reason: 'Expired', code: 410, message: /continue parameter is too old/ });
});
