/**
 * The HTTP starter API: fastify with one error shape, API-key auth on every /v1 route, and one
 * plugin per route group. Listening is left to the caller (src/main/api.ts); tests use `inject()`.
 */
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { authenticate } from './auth.js';
import type { ApiDeps } from './deps.js';
import { errorReply, replyForError } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { reportDefinitionRoutes } from './routes/report-definitions.js';
import { reportRequestRoutes } from './routes/report-requests.js';
import { reportRoutes } from './routes/reports.js';
import { reportSubscriptionRoutes } from './routes/report-subscriptions.js';

export type { ApiDeps } from './deps.js';

/** Builds the API (not listening). Close it with `app.close()`. */
export function buildApiServer(deps: ApiDeps): FastifyInstance {
  const app = fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the plain default.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.maxBodyBytes,
    // Unknown fields must be refused (fastify's default drops them) and types must not be coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: true, allowUnionTypes: true } },
    return503OnClosing: true,
    // Errors fastify raises before routing (e.g. a malformed URL) get the one shape too.
    frameworkErrors: (err, req, reply) => {
      const { status, body } = replyForError(err, req.log);
      void (reply as FastifyReply).code(status).send(body);
    },
  });
  // Bodies are JSON only; fastify's built-in text/plain parser would let strings reach the schema.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = replyForError(err, req.log);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorReply('NOT_FOUND', `No route ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}.`);
    return reply.code(status).send(body);
  });

  app.decorateRequest('tenantId', '');
  void app.register(healthRoutes(deps));
  void app.register(async (v1) => {
    v1.addHook('onRequest', authenticate(deps.apiKeys));
    await v1.register(reportRequestRoutes(deps));
    await v1.register(reportRoutes(deps));
    await v1.register(reportDefinitionRoutes(deps));
    if (deps.subscriptions) await v1.register(reportSubscriptionRoutes({ ...deps, subscriptions: deps.subscriptions }));
  }, { prefix: '/v1' });
  return app;
}
