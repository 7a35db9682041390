import t from 'tap';
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { register as globalRegistry } from 'prom-client';
import { request } from 'undici';
import { testServer } from '../helpers/server.js';
import { controllersPlugin } from '../../controllers/manager.js';
import { namespaces } from '../../api/resources.js';
import type { Reconciler } from '../../controllers/runtime.js';

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * Scrapes /metrics and parses it with a Prometheus text-format parser: the whole exposition must
 * parse as typed families. The parser folds the series of a labelled histogram into one, so
 * histograms are read a second time with their TYPE lines removed, which leaves `_bucket`, `_sum`
 * and `_count` as untyped families of their own.
 */
async function scrape(app: FastifyInstance, headers: Record<string, string> = {}): Promise<Map<string, Sample[]>> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  const typed = parsePrometheusTextFormat(res.body);
  const families = new Map<string, Sample[]>();
  for (const family of typed) {
    if (family.type === 'COUNTER' || family.type === 'GAUGE') {
      families.set(family.name, family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })));
    }
  }
  const untyped = parsePrometheusTextFormat(res.body.replace(/^# TYPE \S+ histogram$/gm, ''));
  for (const family of untyped) {
    // Each histogram series comes out as its own run of _bucket, _sum and _count lines: gather the runs.
    if (/_(bucket|sum|count)$/.test(family.name)) families.set(family.name, [...(families.get(family.name) ?? []), ...family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }))]);
  }
  return families;
}

/** The samples of a family whose labels include `match`, as `label=value,...` keys sorted, with their values. */
function pick(families: Map<string, Sample[]>, name: string, match: Record<string, string> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of families.get(name) ?? []) {
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) {
      out[Object.entries(s.labels).filter(([k]) => !(k in match)).map(([k, v]) => `${k}=${v}`).join(',')] = s.value;
    }
  }
  return out;
}

const json = { 'content-type': 'application/json' };

t.test('resource requests are counted by upstream verb, group, version, resource, scope and code', async (t) => {
  const { app } = await testServer(t, { nodes: 2 });
  for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods' });
  await app.inject({ method: 'GET', url: '/api/v1/pods' });
  await app.inject({ method: 'GET', url: '/api/v1/nodes/node-1' });
  await app.inject({ method: 'GET', url: '/api/v1/nodes/missing' });
  await app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb' });
  await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: json, payload: { metadata: { name: 'a' } } });
  await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: json, payload: { metadata: { name: 'a' } } });
  await app.inject({ method: 'POST', url: '/api/v1/namespaces?dryRun=All', headers: json, payload: { metadata: { name: 'b' } } });
  await app.inject({ method: 'PATCH', url: '/api/v1/namespaces/a', headers: { 'content-type': 'application/merge-patch+json' }, payload: { metadata: { labels: { x: 'y' } } } });
  const apply = await app.inject({ method: 'PATCH', url: '/apis/apps/v1/namespaces/a/daemonsets/agent?fieldManager=test', headers: { 'content-type': 'application/apply-patch+yaml' }, payload: 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n' });
  await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/default/pods' });
  await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/a' });
  // Not resource requests, or no served resource: not in apiserver_request_total, as upstream.
  await app.inject({ method: 'GET', url: '/api' });
  await app.inject({ method: 'GET', url: '/readyz' });
  await app.inject({ method: 'GET', url: '/api/v1/made-up-things' });
  await app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods/web/made-up' });

  const families = await scrape(app);
  const series = (labels: Record<string, string | number>) =>
    Object.entries({ dry_run: '', group: '', version: 'v1', subresource: '', component: 'apiserver', ...labels })
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  const expected = {
    [series({ verb: 'LIST', resource: 'pods', scope: 'namespace', code: 200 })]: 3,
    [series({ verb: 'LIST', resource: 'pods', scope: 'cluster', code: 200 })]: 1,
    [series({ verb: 'GET', resource: 'pods', scope: 'resource', code: 200 })]: 1, // a list pinned to one name, as upstream scopes it
    [series({ verb: 'GET', resource: 'nodes', scope: 'resource', code: 200 })]: 1,
    [series({ verb: 'GET', resource: 'nodes', scope: 'resource', code: 404 })]: 1,
    [series({ verb: 'POST', resource: 'namespaces', scope: 'resource', code: 201 })]: 1,
    [series({ verb: 'POST', resource: 'namespaces', scope: 'resource', code: 409 })]: 1,
    [series({ verb: 'POST', resource: 'namespaces', scope: 'resource', code: 201, dry_run: 'All' })]: 1,
    [series({ verb: 'PATCH', resource: 'namespaces', scope: 'resource', code: 200 })]: 1,
    [series({ verb: 'APPLY', group: 'apps', resource: 'daemonsets', scope: 'resource', code: apply.statusCode })]: 1,
    [series({ verb: 'DELETE', resource: 'pods', scope: 'namespace', code: 200 })]: 1,
    [series({ verb: 'DELETE', resource: 'namespaces', scope: 'resource', code: 200 })]: 1,
  };
  const counted = Object.fromEntries(Object.entries(pick(families, 'apiserver_request_total')).map(([k, v]) => [k.split(',').sort().join(','), v]));
  t.same(counted, expected, 'every resource request counted once, with the exact labels');

  const durations = pick(families, 'apiserver_request_duration_seconds_count', { verb: 'LIST', resource: 'pods', scope: 'namespace' });
  t.same(Object.values(durations), [3], 'the duration histogram saw the same three LISTs');
  const buckets = pick(families, 'apiserver_request_duration_seconds_bucket', { verb: 'LIST', resource: 'pods', scope: 'namespace' });
  t.equal(Object.keys(buckets).length, 24, "upstream's 23 buckets and +Inf");
  t.equal(Object.entries(buckets).find(([k]) => k.includes('le=+Inf'))?.[1], 3);
});

t.test('/metrics answers in the Prometheus text format and holds no process metrics by default', async (t) => {
  const { app } = await testServer(t);
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.notMatch(res.body, /^process_cpu/m);
  const withProcess = await testServer(t, { processMetrics: true });
  t.match((await withProcess.app.inject({ method: 'GET', url: '/metrics' })).body, /^process_cpu_user_seconds_total/m);
});

t.test('a watch counts as a long-running request while open and as one WATCH when it ends', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  const watch = await request(`${url}/api/v1/namespaces/default/pods?watch=true`);
  watch.body.resume();
  const labels = { verb: 'WATCH', resource: 'pods', scope: 'namespace' };
  const running = async () => Object.values(pick(await scrape(app), 'apiserver_longrunning_requests', labels));
  t.same(await running(), [1], 'one watch open');
  t.same(Object.values(pick(await scrape(app), 'apiserver_request_total', labels)), [], 'not yet counted');
  watch.body.destroy();
  const deadline = Date.now() + 5000;
  while ((await running())[0] !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.same(await running(), [0], 'no watch open after the client went away');
  t.same(pick(await scrape(app), 'apiserver_request_total', labels), { 'dry_run=,group=,version=v1,subresource=,component=apiserver,code=200': 1 });
});

t.test('apiserver_storage_objects counts the stored objects of every resource', async (t) => {
  const { app } = await testServer(t, { nodes: 4 });
  for (const name of ['p1', 'p2']) {
    await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', headers: json, payload: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
  }
  const stored = pick(await scrape(app), 'apiserver_storage_objects');
  const namespaceCount = (JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/namespaces' })).body) as { items: unknown[] }).items.length;
  t.equal(stored['resource=nodes'], 4);
  t.equal(stored['resource=pods'], 2);
  t.equal(stored['resource=namespaces'], namespaceCount);
  t.equal(stored['resource=daemonsets.apps'], 0, 'group resources are named resource.group');
});

t.test('controller work queues report adds, retries, depth and reconcile durations by name', async (t) => {
  const reconciled: string[] = [];
  let failedOnce = false;
  const probe = (): Reconciler => ({
    name: 'probe',
    watches: [{ def: namespaces, keys: (obj) => [obj.metadata.name!] }],
    initialKeys: () => [],
    reconcile: async (key) => {
      reconciled.push(key);
      if (key === 'flaky' && !failedOnce) {
        failedOnce = true;
        throw new Error('first try fails');
      }
    },
  });
  const { app } = await testServer(t, { plugins: [controllersPlugin({ controllers: [probe] })] });
  for (const name of ['steady', 'flaky']) await app.inject({ method: 'POST', url: '/api/v1/namespaces', headers: json, payload: { metadata: { name } } });
  const deadline = Date.now() + 5000;
  while (reconciled.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  t.same(reconciled.sort(), ['flaky', 'flaky', 'steady']);
  const families = await scrape(app);
  t.same(pick(families, 'workqueue_adds_total', { name: 'probe' }), { '': 3 }, 'two events and one retry');
  t.same(pick(families, 'workqueue_retries_total', { name: 'probe' }), { '': 1 });
  t.same(pick(families, 'workqueue_depth', { name: 'probe' }), { '': 0 });
  t.same(pick(families, 'workqueue_work_duration_seconds_count', { name: 'probe' }), { '': 3 });
});

t.test('every server keeps its own registry and leaves prom-client global registry empty', async (t) => {
  const a = await testServer(t);
  const b = await testServer(t);
  await a.app.inject({ method: 'GET', url: '/api/v1/nodes' });
  t.equal(Object.keys(pick(await scrape(a.app), 'apiserver_request_total', { resource: 'nodes' })).length, 1);
  t.same(pick(await scrape(b.app), 'apiserver_request_total', { resource: 'nodes' }), {}, 'b saw none of a’s traffic');
  t.equal((await globalRegistry.getMetricsAsJSON()).length, 0);
});

t.test('with tokens, /metrics needs one like any other path', async (t) => {
  const { app } = await testServer(t, { tokens: [{ token: 'scrape', user: 'prometheus', uid: '9', groups: ['kubemock:read-only'] }] });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  t.ok((await scrape(app, { authorization: 'Bearer scrape' })).has('apiserver_request_total'));
});
