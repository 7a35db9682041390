import t from 'tap';
import { request } from 'undici';
import { FaultInjector, faultRuleMatches, faultStatus, requestTarget, type RequestTarget } from '../../routes/faults.js';
import { testServer } from '../helpers/server.js';

const target = (over: Partial<RequestTarget> = {}): RequestTarget => ({ verb: 'create', group: '', resource: 'pods', namespace: 'default', name: '', ...over });

t.test('matching: every list narrows, an empty one matches everything', async (t) => {
  const cases: Array<[Record<string, unknown>, Partial<RequestTarget>, string, boolean]> = [
    [{}, {}, '', true],
    [{ verbs: ['create'] }, {}, '', true],
    [{ verbs: ['get'] }, {}, '', false],
    [{ resources: ['pods'] }, {}, '', true],
    [{ resources: ['pods'] }, { subresource: 'status' }, '', false],
    [{ resources: ['pods/status'] }, { subresource: 'status' }, '', true],
    [{ resources: ['daemonsets.apps'] }, { group: 'apps', resource: 'daemonsets' }, '', true],
    [{ resources: ['daemonsets.extensions'] }, { group: 'apps', resource: 'daemonsets' }, '', false],
    [{ namespaces: ['kube-system'] }, {}, '', false],
    [{ names: ['web'] }, { name: 'web' }, '', true],
    [{ userAgent: '^kubectl' }, {}, 'kubectl/v1.33.0 (linux/amd64)', true],
    [{ userAgent: '^kubectl' }, {}, 'my-controller/1.0', false],
  ];
  for (const [match, over, ua, want] of cases) t.equal(faultRuleMatches({ match, action: { code: 500 } }, target(over), ua), want, `${JSON.stringify(match)} ${JSON.stringify(over)} ${ua}`);
});

t.test('requests map to verb, resource, namespace and name; other paths to nothing', async (t) => {
  const { app } = await testServer(t);
  const registry = app.registry;
  t.match(requestTarget(registry, 'GET', '/api/v1/namespaces/default/pods?watch=true'), { verb: 'watch', resource: 'pods', namespace: 'default', name: '' });
  t.match(requestTarget(registry, 'GET', '/api/v1/namespaces/default/pods'), { verb: 'list' });
  t.match(requestTarget(registry, 'PATCH', '/api/v1/namespaces/default/pods/web/status'), { verb: 'patch', name: 'web', subresource: 'status' });
  // A subresource names one object: its verbs are those of a single object, whatever the query says.
  t.match(requestTarget(registry, 'GET', '/api/v1/namespaces/default/pods/web/log?follow=true&watch=true'), { verb: 'get', name: 'web', subresource: 'log' });
  t.match(requestTarget(registry, 'HEAD', '/api/v1/namespaces/default/pods/web/status'), { verb: 'get', subresource: 'status' });
  t.match(requestTarget(registry, 'POST', '/api/v1/namespaces/default/pods/web/eviction'), { verb: 'create', subresource: 'eviction' });
  t.match(requestTarget(registry, 'PUT', '/api/v1/namespaces/default/pods/web/status'), { verb: 'update', subresource: 'status' });
  t.match(requestTarget(registry, 'DELETE', '/api/v1/namespaces/default/pods/web/status'), { verb: 'delete', subresource: 'status' });
  t.match(requestTarget(registry, 'DELETE', '/apis/apps/v1/namespaces/default/daemonsets'), { verb: 'deletecollection', group: 'apps', resource: 'daemonsets' });
  t.match(requestTarget(registry, 'GET', '/api/v1/nodes/node-1'), { verb: 'get', resource: 'nodes', namespace: '', name: 'node-1' });
  t.equal(requestTarget(registry, 'GET', '/api/v1'), undefined);
  t.equal(requestTarget(registry, 'GET', '/healthz'), undefined);
});

t.test('each code answers the Status kube-apiserver would', async (t) => {
  t.match(faultStatus({ code: 409 }, target({ name: 'web' }), 'r').status, { code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on pods "web": injected by FaultRule r', details: { name: 'web', kind: 'pods' } });
  const throttled = faultStatus({ code: 429, retryAfterSeconds: 3 }, target(), 'r');
  t.match(throttled.status, { code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
  t.same(throttled.headers, { 'retry-after': '3' });
  t.match(faultStatus({ code: 500, message: 'boom' }, target(), 'r').status, { code: 500, reason: 'InternalError', message: 'Internal error occurred: boom' });
  const unavailable = faultStatus({ code: 503, retryAfterSeconds: 2 }, target(), 'r');
  t.match(unavailable.status, { code: 503, reason: 'ServiceUnavailable', details: { retryAfterSeconds: 2 } });
  t.same(unavailable.headers, { 'retry-after': '2' });
});

const createRule = (app: Awaited<ReturnType<typeof testServer>>['app'], name: string, spec: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/apis/kubemock.dev/v1alpha1/faultrules', payload: { apiVersion: 'kubemock.dev/v1alpha1', kind: 'FaultRule', metadata: { name }, spec } });
const createPod = (app: Awaited<ReturnType<typeof testServer>>['app'], name: string) =>
  app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', payload: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });

t.test('count: the next N matches fail, then the rule is exhausted and says so in its status', async (t) => {
  const { app } = await testServer(t);
  t.equal((await createRule(app, 'twice', { match: { verbs: ['create'], resources: ['pods'] }, action: { code: 429, retryAfterSeconds: 2 }, count: 2 })).statusCode, 201);
  const first = await createPod(app, 'a');
  t.equal(first.statusCode, 429);
  t.equal(first.headers['retry-after'], '2');
  t.equal((await createPod(app, 'a')).statusCode, 429);
  t.equal((await createPod(app, 'a')).statusCode, 201);
  t.equal((await app.inject({ url: '/api/v1/namespaces/default/pods/a' })).statusCode, 200, 'other verbs are untouched');
  await new Promise((r) => setTimeout(r, 50));
  t.match((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/faultrules/twice' })).json().status, { phase: 'Exhausted', matched: 2, applied: 2, lastAppliedTime: /Z$/ });
});

t.test('fraction: a share of the matches, decided by the random source', async (t) => {
  const { app } = await testServer(t);
  await createRule(app, 'half', { match: { verbs: ['create'], resources: ['pods'] }, action: { code: 500 }, fraction: 0.5, count: 2 });
  const rolls = [0.1, 0.9, 0.3, 0.7, 0.0];
  const injector = new FaultInjector({ registry: app.registry, now: () => new Date(), random: () => rolls.shift()! });
  const applied = [0, 1, 2, 3, 4].map(() => injector.decide(target(), '')?.name ?? '-');
  t.same(applied, ['half', '-', 'half', '-', '-'], 'rolls below the fraction apply, until count is reached');
  await new Promise((r) => setTimeout(r, 50));
  t.match((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/faultrules/half' })).json().status, { matched: 3, applied: 2, phase: 'Exhausted' });
});

t.test('kubemock.dev is never faulted, and expired rules no longer apply', async (t) => {
  let now = new Date('2026-01-01T00:00:00Z');
  const { app } = await testServer(t, { now: () => now });
  await createRule(app, 'all', { action: { code: 503 }, ttlSeconds: 60 });
  t.equal((await app.inject({ url: '/api/v1/nodes' })).statusCode, 503);
  t.equal((await app.inject({ url: '/apis/kubemock.dev/v1alpha1/faultrules' })).statusCode, 200);
  t.equal((await app.inject({ url: '/api/v1/nodes' })).statusCode, 503);
  now = new Date('2026-01-01T00:01:00Z');
  t.equal((await app.inject({ url: '/api/v1/nodes' })).statusCode, 200, 'expired');
  t.equal((await app.inject({ url: '/api/v1' })).statusCode, 200, 'discovery is never faulted');
});

t.test('latency delays the matching request in real time', async (t) => {
  const { app } = await testServer(t);
  await createRule(app, 'slow', { match: { resources: ['nodes'], names: ['node-1'] }, action: { latencyMs: 300 } });
  let start = Date.now();
  t.equal((await app.inject({ url: '/api/v1/nodes/node-1' })).statusCode, 200);
  t.ok(Date.now() - start >= 290, 'slow');
  start = Date.now();
  await app.inject({ url: '/api/v1/nodes/node-2' });
  t.ok(Date.now() - start < 290, 'other names are not');
});

t.test('a dropped watch ends after the configured number of events', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  await createRule(app, 'drop', { match: { verbs: ['watch'], resources: ['nodes'] }, action: { dropWatchAfterEvents: 2 }, count: 1 });
  const res = await request(`${url}/api/v1/nodes?watch=true`, { headersTimeout: 5000, bodyTimeout: 5000 });
  t.equal(res.statusCode, 200);
  let text = '';
  try {
    for await (const chunk of res.body) text += chunk.toString();
  } catch {
    // the connection was destroyed: the point of the rule
  }
  t.equal(text.trim().split('\n').length, 2, 'two ADDED events, then the connection is gone');
  const again = await request(`${url}/api/v1/nodes?watch=true&timeoutSeconds=1`, { headersTimeout: 5000, bodyTimeout: 5000 });
  const all = await again.body.text();
  t.equal(all.trim().split('\n').length, 3, 'the rule was for one watch only');
});
