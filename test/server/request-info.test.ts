import t from 'tap';
import type { FastifyRequest } from 'fastify';
import { ParsedRequest, isLongRunning, requestInfo } from '../../server/request-info.js';
import { testServer } from '../helpers/server.js';

t.test('a request is parsed once: every hook and the handler share one request.parsed', async (t) => {
  const seen: unknown[] = [];
  const { app } = await testServer(t, {
    plugins: [
      (app) => {
        app.addHook('onRequest', async (request) => void seen.push(request.parsed));
        app.addHook('onResponse', async (request) => void seen.push(request.parsed));
      },
    ],
  });
  const res = await app.inject({ url: '/api/v1/namespaces/default/pods?watch=false&fieldSelector=metadata.name%3Dweb' });
  t.equal(res.statusCode, 200);
  t.equal(seen.length, 2);
  t.equal(seen[0], seen[1], 'the same object from the first hook to the last');
  const parsed = seen[0] as ParsedRequest;
  t.same(parsed.info, requestInfo('GET', '/api/v1/namespaces/default/pods?watch=false&fieldSelector=metadata.name%3Dweb', { watch: 'false', fieldSelector: 'metadata.name=web' }));
  t.equal(parsed.info, parsed.info, 'worked out once');
  t.match(parsed.resourcePath, { group: '', version: 'v1', namespace: 'default', def: { plural: 'pods' } });
  t.match(parsed.target, { verb: 'list', group: '', resource: 'pods', namespace: 'default', name: '' });
});

t.test('a malformed escape: no resource request, no target, and the resource path throws for the handler to refuse', async (t) => {
  const { app } = await testServer(t);
  const request = { method: 'GET', url: '/api/v1/namespaces/default/pods/%E0%A4%A', query: {} } as unknown as FastifyRequest;
  const parsed = new ParsedRequest(request, app.registry);
  t.equal(parsed.info.isResourceRequest, false);
  t.equal(parsed.target, undefined);
  t.throws(() => parsed.resourcePath, URIError);
  t.throws(() => parsed.resourcePath, URIError, 'every time');
});

t.test('discovery and non-API paths have a path but no target', async (t) => {
  const { app } = await testServer(t);
  const parse = (url: string) => new ParsedRequest({ method: 'GET', url, query: {} } as unknown as FastifyRequest, app.registry);
  t.equal(parse('/apis/apps/v1').resourcePath, 'discovery');
  t.equal(parse('/apis/apps/v1').target, undefined);
  t.equal(parse('/readyz').resourcePath, undefined);
  t.equal(parse('/readyz').info.verb, 'get');
  t.match(parse('/api/v1/nodes/node-1/status').target, { verb: 'get', resource: 'nodes', name: 'node-1', subresource: 'status' });
});

t.test('long-running requests are upstream\'s: watches and the streaming subresources, not a list with watch=false', async (t) => {
  const longRunning = (method: string, url: string, query: Record<string, string> = {}) => isLongRunning(requestInfo(method, url, query));
  t.ok(longRunning('GET', '/api/v1/pods?watch=true', { watch: 'true' }));
  t.ok(longRunning('GET', '/api/v1/namespaces/default/pods/web/log', {}));
  t.ok(longRunning('POST', '/api/v1/namespaces/default/pods/web/exec', {}));
  t.notOk(longRunning('GET', '/api/v1/pods?watch=false', { watch: 'false' }));
  t.notOk(longRunning('GET', '/api/v1/namespaces/default/pods/web', {}));
  t.notOk(longRunning('GET', '/healthz', {}));
});
