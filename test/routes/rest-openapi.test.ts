import t from 'tap';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { RESOURCES } from '../../api/resources.js';
import { buildRestOpenApi } from '../../routes/rest-openapi.js';
import { testServer } from '../helpers/server.js';

t.test('the committed openapi.yaml is what the resource table generates (run npm run openapi)', async (t) => {
  const committed = parse(await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
  t.same(committed, buildRestOpenApi(RESOURCES));
});

t.test('every path in openapi.yaml is served by the server, with every documented method', async (t) => {
  const { app } = await testServer(t);
  const doc = parse(await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  let checked = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    const url = path.replace('{namespace}', 'default').replace('{name}', 'node-1');
    for (const method of ['get', 'put', 'patch', 'post', 'delete']) {
      if (!ops[method]) continue;
      const res = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: { 'content-type': 'application/json' }, payload: method === 'get' || method === 'delete' ? undefined : '{}' });
      // A documented route may refuse this request (bad body, missing object) but must exist:
      // the generic "could not find the requested resource" 404 and 405 mean it does not.
      const body = String(res.headers['content-type'] ?? '').includes('json') ? res.json() : {};
      t.not(res.statusCode === 404 && body.message === 'the server could not find the requested resource', true, `${method.toUpperCase()} ${path} is routed`);
      t.not(res.statusCode, 405, `${method.toUpperCase()} ${path} allows the method`);
      checked++;
      if (method === 'delete' && path.endsWith('/{name}')) break;
    }
  }
  t.ok(checked > 60, `checked ${checked} operations`);
});

t.test('the docs page and the document are served', async (t) => {
  const { app } = await testServer(t);
  const page = await app.inject({ url: '/docs/' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  const json = await app.inject({ url: '/docs/json' });
  t.equal(json.json().info.title, 'kubemock');
});
