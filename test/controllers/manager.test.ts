import t from 'tap';
import { Writable } from 'node:stream';
import { testServer } from '../helpers/server.js';
import { controllersPlugin } from '../../controllers/manager.js';

/** A pino destination that keeps the parsed lines. */
function captureLogs(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

t.test('controller writes log one info line each, naming the controller and the object', async (t) => {
  const logs = captureLogs();
  const { app } = await testServer(t, { nodes: 1, logLevel: 'info', logStream: logs.stream, plugins: [controllersPlugin()] });
  const res = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', headers: { 'content-type': 'application/json' }, payload: { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
  t.equal(res.statusCode, 201);
  const deadline = Date.now() + 5000;
  while (!logs.lines.some((l) => l.msg === 'bound pod') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(logs.lines.find((l) => l.msg === 'bound pod'), { level: 30, controller: 'scheduler', namespace: 'default', name: 'web', node: 'node-1' });
  t.notOk(logs.lines.some((l) => l.level === 30 && /lease|event/.test(String(l.msg))), 'lease renewals and events stay at debug');
  t.notOk(logs.lines.some((l) => l.msg === 'request'), 'request lines are debug');
});

t.test('at debug level every request gets one line with its status', async (t) => {
  const logs = captureLogs();
  const { app } = await testServer(t, { logLevel: 'debug', logStream: logs.stream });
  await app.inject({ method: 'GET', url: '/api/v1/nodes/missing' });
  t.match(logs.lines.filter((l) => l.msg === 'request'), [{ level: 20, method: 'GET', url: '/api/v1/nodes/missing', status: 404 }]);
});
