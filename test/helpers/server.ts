// Builds an in-process server for route tests and closes it when the test ends.
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../../server/app.js';

/** A server on the in-memory store; `listen: true` also binds 127.0.0.1 on a free port. */
export async function testServer(t: Test, options: Partial<ServerOptions> & { listen?: boolean } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildServer({ data: 'memory', nodes: 3, ...options });
  t.teardown(() => app.close());
  let url = '';
  if (options.listen) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  } else {
    await app.ready();
  }
  return { app, url };
}
