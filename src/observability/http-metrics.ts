/**
 * The API's Prometheus metrics: requests by route pattern (never the raw URL, whose ids would make
 * a series per request), method and status, their durations, and the process's own figures; served
 * without authentication at `GET /metrics` (like `/healthz`; bind the API to a private interface or
 * filter `/metrics` at the proxy where that matters). The active trace span is named after the route.
 */
import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Upper bounds of the request-duration buckets, in seconds. */
const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of requests no route matched (404s, scanners). */
const UNMATCHED = 'unmatched';

/** A registry with the process's default metrics, for `observeHttp`. */
export function createApiRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Counts every answer of `app` into `registry` and serves the registry at `GET /metrics`. Call on the
 * root instance before routes are registered.
 */
export function observeHttp(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({ name: 'reportflow_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status code.', labelNames: ['method', 'route', 'status_code'], registers: [registry] });
  const seconds = new Histogram({ name: 'reportflow_http_request_duration_seconds', help: 'Time to answer an HTTP request, by method and route pattern.', labelNames: ['method', 'route'], buckets: HTTP_BUCKETS_SECONDS, registers: [registry] });

  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    if (!route) return;
    const span = trace.getActiveSpan();
    if (span) span.updateName(`${req.method} ${route}`).setAttribute('http.route', route);
  });
  app.addHook('onResponse', async (req, reply) => {
    const method = METHODS.has(req.method) ? req.method : 'OTHER';
    const route = req.routeOptions.url ?? UNMATCHED;
    requests.inc({ method, route, status_code: String(reply.statusCode) });
    seconds.observe({ method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
