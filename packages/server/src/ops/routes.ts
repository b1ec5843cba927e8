/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import client from 'prom-client';

export async function opsRoutes(app: FastifyInstance) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'yilian_' });
  const requests = new client.Histogram({
    name: 'yilian_http_request_duration_seconds', help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    requests.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`SELECT 1`.execute(app.db);
      return { status: 'ready', database: app.dbHandle.kind };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: app.dbHandle.kind });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
