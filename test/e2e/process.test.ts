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
