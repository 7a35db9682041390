import t from 'tap';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { observeRequests, type RequestObserver } from '../../server/request-observers.js';

interface Ended {
  observer: string;
  state: unknown;
  url: string;
  status: number;
  elapsedMs: number;
}

/** An observer that follows the requests whose URL `follows` accepts, with the URL as its state. */
function recorder(observer: string, ended: Ended[], follows: (url: string) => boolean): RequestObserver<string> {
  return {
    started: (request) => (follows(request.url) ? `${observer}:${request.url}` : undefined),
    ended: (state, request, response, elapsedMs) => void ended.push({ observer, state, url: request.url, status: response.statusCode, elapsedMs }),
  };
}

t.test('each observer gets back the state it started a request with, once its response closes; a request it did not follow is not ended', async (t) => {
  const ended: Ended[] = [];
  const app = Fastify();
  observeRequests(app, [recorder('all', ended, () => true), recorder('some', ended, (url) => url !== '/quiet')]);
  app.get('/ok', async () => 'fine');
  app.get('/quiet', async (_request, reply) => reply.code(204).send());
  t.teardown(() => app.close());
  await app.inject({ url: '/ok' });
  await app.inject({ url: '/quiet' });
  await app.inject({ url: '/missing' });
  t.same(ended.map(({ observer, state, url, status }) => [observer, state, url, status]), [
    ['all', 'all:/ok', '/ok', 200],
    ['some', 'some:/ok', '/ok', 200],
    ['all', 'all:/quiet', '/quiet', 204],
    ['all', 'all:/missing', '/missing', 404],
    ['some', 'some:/missing', '/missing', 404],
  ]);
  t.ok(ended.every((e) => e.elapsedMs >= 0 && e.elapsedMs < 10_000), 'the elapsed time is measured from the arrival');
});

t.test('a request whose client goes away before the answer ends too; only a followed request gets a close listener', async (t) => {
  const ended: Ended[] = [];
  const app = Fastify({ forceCloseConnections: true });
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  let answer!: () => void;
  observeRequests(app, [recorder('some', ended, (url) => url !== '/plain')]);
  app.get('/hang', (_request, reply) => {
    arrived();
    answer = () => void reply.send('late');
  });
  const listeners: Record<string, number> = {};
  for (const path of ['/plain', '/counted']) {
    app.get(path, (request, reply) => {
      listeners[request.url] = reply.raw.listenerCount('close');
      return reply.send('ok');
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  await app.inject({ url: '/plain' });
  await app.inject({ url: '/counted' });
  t.equal(listeners['/counted'], listeners['/plain']! + 1, 'one listener for a followed request, none for another');
  const { port } = app.server.address() as { port: number };
  const socket = connect(port, '127.0.0.1', () => socket.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n'));
  await arrival;
  socket.destroy();
  while (!ended.some((e) => e.url === '/hang')) await new Promise((resolve) => setTimeout(resolve, 5));
  t.match(ended.at(-1), { observer: 'some', state: 'some:/hang', url: '/hang' });
  answer();
});
