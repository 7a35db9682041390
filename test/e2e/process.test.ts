// The real process: start-up output, health, persistence across restarts, clean shutdown.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { SERVER_ENTRY, startServer } from '../helpers/cluster.js';

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await request(url);
  return { status: res.statusCode, body: await res.body.json() };
}

t.test('the process prints its URL and how to point kubectl at it, and answers health checks', async (t) => {
  const server = await startServer(t);
  t.match(server.output(), /kubemock listening on http:\/\/127\.0\.0\.1:\d+\n/);
  t.match(server.output(), /export KUBECONFIG=.*kubeconfig; kubectl get nodes/);
  const kubeconfig = await readFile(server.kubeconfig, 'utf8');
  t.match(kubeconfig, `server: ${server.url}`);
  for (const p of ['/livez', '/readyz', '/healthz']) {
    const res = await request(`${server.url}${p}`);
    t.equal(await res.body.text(), 'ok', p);
  }
});

t.test('what loads on first use works in the started process: docs page, YAML, patches, protobuf, metrics', async (t) => {
  // The process runs the bundle from its code cache (server/launcher.ts), where these load late.
  const server = await startServer(t);
  const docs = await request(`${server.url}/docs/`);
  t.equal(docs.statusCode, 200, 'the docs page');
  t.match(await docs.body.text(), /swagger/i);
  const css = await request(`${server.url}/docs/static/swagger-ui.css`);
  t.equal(css.statusCode, 200, "swagger-ui's own static files");
  await css.body.dump();
  const yaml = await request(`${server.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-yaml\n' });
  t.equal(yaml.statusCode, 201, 'a YAML body');
  await yaml.body.dump();
  const patch = await request(`${server.url}/api/v1/namespaces/from-yaml`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { patched: 'yes' } } }) });
  t.equal(((await patch.body.json()) as { metadata: { labels: Record<string, string> } }).metadata.labels.patched, 'yes', 'a merge patch');
  // kubectl 1.32+ writes protobuf: the body of its `kubectl create namespace`.
  const proto = await request(`${server.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: await readFile(new URL('../fixtures/protobuf/create-namespace.pb', import.meta.url)) });
  t.equal(proto.statusCode, 201, 'a protobuf body');
  await proto.body.dump();
  const metrics = await request(`${server.url}/metrics`);
  t.match(await metrics.body.text(), /^apiserver_request_total\{verb="POST",.*resource="namespaces",.*code="201"\} 2$/m, 'metrics count the creates');
});

t.test('objects come back after a restart with the same uid, resourceVersion and timestamps, and the counter continues', async (t) => {
  const first = await startServer(t, { nodes: 2 });
  const create = await request(`${first.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'keep' } }) });
  t.equal(create.statusCode, 201);
  const created = (await create.body.json()) as { metadata: Record<string, string> };
  t.equal(await first.stop('SIGTERM'), 0, 'SIGTERM exits 0');
  const second = await startServer(t, { dir: first.dir, nodes: 5 });
  const again = await getJson(`${second.url}/api/v1/namespaces/keep`);
  t.same(again.body.metadata, created.metadata);
  const nodes = await getJson(`${second.url}/api/v1/nodes`);
  t.equal(nodes.body.items.length, 2, '--nodes seeds only a fresh data file');
  const next = await request(`${second.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'later' } }) });
  const later = (await next.body.json()) as { metadata: { resourceVersion: string } };
  t.ok(Number(later.metadata.resourceVersion) > Number(created.metadata.resourceVersion), 'resourceVersions keep growing');
});

t.test('SIGINT ends open watches and exits 0', async (t) => {
  const server = await startServer(t);
  const watch = await request(`${server.url}/api/v1/namespaces?watch=true`);
  let ended = false;
  watch.body.on('end', () => (ended = true)).on('error', () => (ended = true)).resume();
  t.equal(await server.stop('SIGINT'), 0);
  await new Promise((r) => setTimeout(r, 100));
  t.ok(ended, 'the watch stream ended');
});

t.test('a corrupt data file stops the process with a clear message instead of an empty cluster', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-corrupt-'));
  const data = path.join(dir, 'data.json');
  await writeFile(data, '{ not json');
  const child = spawn(process.execPath, [SERVER_ENTRY, '--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 1);
  t.match(stderr, /not valid JSON.*refusing to start/);
});

t.test('--help prints the flags and exits 0', async (t) => {
  const child = spawn(process.execPath, [SERVER_ENTRY, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  t.equal(await new Promise((resolve) => child.on('exit', resolve)), 0);
  t.match(stdout, /--write-kubeconfig/);
});
