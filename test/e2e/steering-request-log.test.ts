// End-to-end, "request log": a small controller (plain HTTP with its own User-Agent) makes a few
// calls; `kubectl get recordedrequests` filtered by field and label selectors shows exactly those
// calls with verb, resource, object, code and latency, `kubectl get recordedrequests -w` shows a
// later call as it completes, and nothing of the log lands in the data file.
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { background, parseTable } from '../helpers/kubectl-e2e.js';
import { steeringCluster, steeringKubectl } from '../helpers/steering.js';

const kubectlFound = steeringKubectl();
const UA = 'pod-janitor/0.1 (test)';

t.test('the request log shows what a client called, filtered by selectors, and is never persisted', { skip: 'skip' in kubectlFound ? kubectlFound.skip : false }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubemock-request-log-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = path.join(dir, 'data.json');
  const { cluster, ok } = await steeringCluster(t, (kubectlFound as { binary: string }).binary, { nodes: 1, data });

  // The "controller": list, create, get, a 404 and a watch that ends after a second.
  const call = (p: string, init: RequestInit = {}) => fetch(`${cluster.url}${p}`, { ...init, headers: { 'user-agent': UA, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  t.equal((await call('/api/v1/namespaces/default/pods?labelSelector=app%3Djanitor')).status, 200);
  t.equal((await call('/api/v1/namespaces/default/pods', { method: 'POST', body: JSON.stringify({ metadata: { name: 'janitor', labels: { app: 'janitor' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }) })).status, 201);
  t.equal((await call('/api/v1/namespaces/default/pods/janitor')).status, 200);
  t.equal((await call('/api/v1/namespaces/default/pods/nope')).status, 404);
  await (await call('/api/v1/nodes?watch=true&timeoutSeconds=1')).text();
  await ok(['get', 'pods']); // kubectl's own calls are logged too, under its own client name

  const table = parseTable(await ok(['get', 'recordedrequests', '--field-selector', 'client=pod-janitor']));
  t.same(table.headers, ['NAME', 'VERB', 'RESOURCE', 'NAMESPACE', 'OBJECT', 'CODE', 'LATENCY', 'CLIENT', 'AGE']);
  t.same(table.rows.map((r) => [r.VERB, r.RESOURCE, r.NAMESPACE, r.OBJECT, r.CODE, r.CLIENT]), [
    ['list', 'pods', 'default', '', '200', 'pod-janitor'],
    ['create', 'pods', 'default', '', '201', 'pod-janitor'],
    ['get', 'pods', 'default', 'janitor', '200', 'pod-janitor'],
    ['get', 'pods', 'default', 'nope', '404', 'pod-janitor'],
    ['watch', 'nodes', '', '', '200', 'pod-janitor'],
  ], 'exactly the controller\'s calls, in order');
  t.ok(table.rows.every((r) => /^\d+(\.\d+)?ms$/.test(r.LATENCY!)), 'each with its latency');

  const creates = parseTable(await ok(['get', 'rreq', '-l', 'kubemock.dev/verb=create,kubemock.dev/client=pod-janitor']));
  t.equal(creates.rows.length, 1, 'label selectors filter too');
  const failed = JSON.parse(await ok(['get', 'rreq', '--field-selector', 'client=pod-janitor,responseStatus.code=404', '-o', 'json'])) as { items: Array<Record<string, unknown>> };
  t.match(failed.items, [{ kind: 'RecordedRequest', stage: 'ResponseComplete', verb: 'get', requestURI: '/api/v1/namespaces/default/pods/nope', userAgent: UA, objectRef: { resource: 'pods', namespace: 'default', name: 'nope', apiGroup: '', apiVersion: 'v1' }, responseStatus: { code: 404 } }]);
  const byKubectl = parseTable(await ok(['get', 'rreq', '--field-selector', 'objectRef.resource=pods,verb=list']));
  t.ok(byKubectl.rows.some((r) => r.CLIENT.startsWith('kubectl')), 'kubectl get pods is there too');
  t.notOk(parseTable(await ok(['get', 'rreq'])).rows.some((r) => r.RESOURCE.startsWith('recordedrequests')), 'reading the log is not logged');

  const one = await ok(['get', 'rreq', failed.items[0]!.metadata ? (failed.items[0]!.metadata as { name: string }).name : '', '-o', 'jsonpath={.verb} {.responseStatus.code}']);
  t.equal(one, 'get 404', 'one request by name');
  // A watch started now shows the controller's earlier calls, then one made after it started.
  const watch = background(t, (kubectlFound as { binary: string }).binary, { kubeconfig: cluster.kubeconfig.path, dir }, ['get', 'recordedrequests', '--field-selector', 'client=pod-janitor', '-w']);
  await watch.waitFor((out) => /watch\s+nodes/.test(out));
  t.notMatch(watch.stdout(), /later/, 'the later call is not there yet');
  t.equal((await call('/api/v1/namespaces/default/pods/later')).status, 404);
  const watched = await watch.waitFor((out) => /get\s+pods\s+default\s+later\s+404\s/.test(out));
  t.match(watched, /get\s+pods\s+default\s+later\s+404\s+\S+ms\s+pod-janitor/, 'the later call streams in with its code');
  await watch.kill();

  const refused = await ok(['delete', 'rreq', '--all']).catch((e: Error) => e.message);
  t.match(refused, /the server does not allow this method on the requested resource/, 'the log is read-only');

  await cluster.close();
  const saved = await readFile(data, 'utf8').catch(() => '');
  const journal = await readFile(`${data}.journal`, 'utf8').catch(() => '');
  t.notMatch(saved + journal, /RecordedRequest|requestURI|recordedrequests/, 'nothing of the log is in the data file');
  t.match(saved + journal, /janitor/, 'while the pod the controller created is');
});
