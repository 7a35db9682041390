// GET /metrics: the server's Prometheus metrics in the text exposition format.
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../server/metrics.js';

export async function metricsRoutes(app: FastifyInstance, options: { metrics: ServerMetrics }): Promise<void> {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, text } = await options.metrics.exposition();
    return reply.type(contentType).send(text);
  });
}
