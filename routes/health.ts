// /livez, /readyz and /healthz as kube-apiserver answers them, with ?verbose and per-check paths.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface HealthOptions {
  /** Named checks; each returns undefined when healthy, else the reason. */
  checks: Record<string, () => string | undefined>;
}

export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  for (const endpoint of ['livez', 'readyz', 'healthz']) {
    const answer = (only: string | undefined) => async (request: FastifyRequest<{ Querystring: Record<string, string> }>, reply: FastifyReply) => {
      const names = only ? [only] : Object.keys(options.checks);
      if (only && !options.checks[only]) {
        return reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n');
      }
      const results = names.map((name) => ({ name, failure: options.checks[name]!() }));
      const failed = results.filter((r) => r.failure !== undefined);
      const verbose = request.query.verbose !== undefined;
      reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache, private');
      if (failed.length) {
        const lines = results.map((r) => (r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
        return reply.code(500).send(`${lines.join('\n')}\n${endpoint} check failed\n`);
      }
      if (!verbose) return reply.send('ok');
      return reply.send(`${results.map((r) => `[+]${r.name} ok`).join('\n')}\n${endpoint} check passed\n`);
    };
    app.get(`/${endpoint}`, answer(undefined));
    app.get<{ Params: { check: string } }>(`/${endpoint}/:check`, (request, reply) => answer(request.params.check)(request as never, reply));
  }
}
