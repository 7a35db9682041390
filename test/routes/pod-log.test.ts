import t from 'tap';
import { request } from 'undici';
import { pods } from '../../api/resources.js';
import { testServer } from '../helpers/server.js';

/** A pod whose container has been running for 60 s (13 synthetic lines, one per 5 s). */
async function runningPod(app: Awaited<ReturnType<typeof testServer>>['app'], name: string, extraStatus: Record<string, unknown> = {}) {
  await app.registry.create(pods, 'default', { metadata: { name }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] } });
  const startedAt = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await app.registry.patch(pods, 'default', name, (p) => ({ ...p, status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt } }, ...extraStatus }] } }), { subresource: 'status' });
}

t.test('pods/log answers text lines, honouring tailLines, timestamps, sinceSeconds and limitBytes', async (t) => {
  const { app } = await testServer(t);
  await runningPod(app, 'web');
  const all = await app.inject({ url: '/api/v1/namespaces/default/pods/web/log?container=c' });
  t.equal(all.statusCode, 200);
  t.match(all.headers['content-type'], /^text\/plain/);
  const lines = all.body.trimEnd().split('\n');
  t.ok(lines.length >= 12 && lines.length <= 14, `about one line per 5 s (${lines.length})`);
  t.equal(lines[0], 'kubemock: container c of pod default/web is running (line 1)');
  const tail = await app.inject({ url: '/api/v1/namespaces/default/pods/web/log?container=c&tailLines=2&timestamps=true' });
  const tailLines = tail.body.trimEnd().split('\n');
  t.equal(tailLines.length, 2);
  t.match(tailLines[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z kubemock: container c/);
  const since = await app.inject({ url: '/api/v1/namespaces/default/pods/web/log?sinceSeconds=12' });
  t.ok(since.body.trimEnd().split('\n').length <= 3, 'only the last 12 s');
  const limited = await app.inject({ url: '/api/v1/namespaces/default/pods/web/log?limitBytes=10' });
  t.equal(limited.body, 'kubemock: ');
});

t.test('pods/log refuses unknown containers, missing previous containers and containers not started', async (t) => {
  const { app } = await testServer(t);
  await runningPod(app, 'web');
  const unknown = await app.inject({ url: '/api/v1/namespaces/default/pods/web/log?container=nosuch' });
  t.equal(unknown.statusCode, 400);
  t.equal(unknown.json().message, 'container nosuch is not valid for pod web');
  const previous = await app.inject({ url: '/api/v1/namespaces/default/pods/web/log?previous=true' });
  t.equal(previous.json().message, 'previous terminated container "c" in pod "web" not found');
  await app.registry.create(pods, 'default', { metadata: { name: 'pending' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const waiting = await app.inject({ url: '/api/v1/namespaces/default/pods/pending/log' });
  t.equal(waiting.statusCode, 400);
  t.equal(waiting.json().message, 'container "c" in pod "pending" is waiting to start: ContainerCreating');
});

t.test('pods/log with previous=true prints the last terminated container', async (t) => {
  const { app } = await testServer(t);
  const startedAt = new Date(Date.now() - 30_000).toISOString();
  const finishedAt = new Date(Date.now() - 20_000).toISOString();
  await runningPod(app, 'crashy', { restartCount: 1, lastState: { terminated: { exitCode: 1, startedAt, finishedAt } } });
  const res = await app.inject({ url: '/api/v1/namespaces/default/pods/crashy/log?previous=true' });
  t.equal(res.statusCode, 200);
  t.equal(res.body.trimEnd().split('\n').length, 3, '10 s of life: lines at 0, 5 and 10 s');
});

t.test('pods/log with follow=true keeps streaming until the pod is deleted', async (t) => {
  const { app, url } = await testServer(t, { listen: true });
  await runningPod(app, 'web');
  const res = await request(`${url}/api/v1/namespaces/default/pods/web/log?follow=true&tailLines=1`);
  t.equal(res.statusCode, 200);
  let text = '';
  let ended = false;
  res.body.setEncoding('utf8');
  res.body.on('data', (d: string) => (text += d));
  const done = new Promise<void>((resolve) => res.body.on('end', () => ((ended = true), resolve())));
  await new Promise((r) => setTimeout(r, 300));
  t.match(text, /^kubemock: container c of pod default\/web is running \(line \d+\)\n$/, 'the tail line arrives at once');
  t.notOk(ended, 'the stream stays open');
  await app.registry.delete(pods, 'default', 'web', { gracePeriodSeconds: 0 });
  await Promise.race([done, new Promise((r) => setTimeout(r, 7000))]);
  t.ok(ended, 'the stream ends once the pod is gone');
});
