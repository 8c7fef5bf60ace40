/**
 * The HTTP starter API: fastify with one error shape, authentication (API key or JWT), a declared
 * permission and a rate limit on every /v1 route, and one plugin per route group. Listening is left
 * to the caller (src/main/api.ts); tests use `inject()`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { secureRoutes } from './auth.js';
import type { ApiDeps } from './deps.js';
import { clientErrorHandler } from './client-errors.js';
import { errorHeaders, errorReply, replyForError } from './errors.js';
import { applyConnectionLimit, fastifyHttpOptions, httpLimitsOf } from './http-limits.js';
import { answerUnknownMethods } from './method-not-allowed.js';
import { MAX_ID_LENGTH } from '../requests/request-id.js';
import { rejectUnstorableText } from './storable-text.js';
import { healthRoutes } from './health.js';
import { OPENAPI_OPTIONS, openApiRoutes } from './openapi.js';
import { validatorCompiler } from './validation.js';
import { observeHttp } from '../observability/http-metrics.js';
import { logRequestIds } from '../observability/http-log-context.js';
import { reportBulkRoutes } from './bulk-requests/routes.js';
import { reportConfigurationRoutes } from './configurations/routes.js';
import { templateRoutes } from './templates/routes.js';
import { reportDefinitionRoutes } from './definitions/routes.js';
import { reportRequestRoutes } from './report-requests/routes.js';
import { reportRoutes } from './reports/routes.js';
import { reportSubscriptionRoutes } from './subscriptions/routes.js';

export type { ApiDeps } from './deps.js';

/**
 * Builds the API (not listening). Close it with `app.close()`. The HTTP bounds (timeouts, keep-alive,
 * the connection cap) come from `deps.config`, each at its default when not given.
 */
export function buildApiServer(deps: ApiDeps): FastifyInstance {
  const limits = httpLimitsOf(deps.config);
  const app = fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the plain default.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.maxBodyBytes,
    ...fastifyHttpOptions(limits),
    routerOptions: { maxParamLength: MAX_ID_LENGTH },
    // Requests that arrive while the API shuts down are answered below, in the one error shape.
    return503OnClosing: false,
    // Requests the HTTP parser refuses (never routed) get the one error shape as well.
    clientErrorHandler,
    // Errors fastify raises before routing (e.g. a malformed URL) get the one shape too.
    frameworkErrors: (err, req, reply) => {
      const { status, body } = replyForError(err, req.log);
      void (reply as FastifyReply).code(status).headers(errorHeaders(status)).send(body);
    },
  });
  applyConnectionLimit(app.server, limits, deps.logger);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_req, reply) => {
    if (!closing) return;
    const { status, body } = errorReply('UNAVAILABLE', 'The API is shutting down; try again.');
    return reply.code(status).headers({ ...errorHeaders(status), connection: 'close' }).send(body);
  });
  answerUnknownMethods(app);
  // Bodies are JSON only; fastify's built-in text/plain parser would let strings reach the schema.
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', rejectUnstorableText);
  app.setValidatorCompiler(validatorCompiler);
  // The OpenAPI document is generated from the same route schemas that validate requests.
  void app.register(swagger, OPENAPI_OPTIONS);
  void app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = replyForError(err, req.log);
    return reply.code(status).headers(errorHeaders(status)).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorReply('NOT_FOUND', `No route ${req.method} ${(req.url.split('?')[0] ?? '').slice(0, 200)}.`);
    return reply.code(status).send(body);
  });

  app.decorateRequest('tenantId', '');
  // Operations: a span per request, request metrics and `GET /metrics`, run ids in request logs.
  if (deps.tracingPlugin) void app.register(deps.tracingPlugin);
  if (deps.metricsRegistry) observeHttp(app, deps.metricsRegistry);
  logRequestIds(app);
  void app.register(healthRoutes(deps));
  void app.register(openApiRoutes());
  void app.register(async (v1) => {
    await secureRoutes(v1, { apiKeys: deps.apiKeys, jwt: deps.jwt, rateLimitPerMinute: deps.config.rateLimitPerMinute });
    await v1.register(reportRequestRoutes(deps));
    await v1.register(reportRoutes(deps));
    await v1.register(reportDefinitionRoutes(deps));
    if (deps.subscriptions) await v1.register(reportSubscriptionRoutes({ ...deps, subscriptions: deps.subscriptions }));
    if (deps.configurations) await v1.register(reportConfigurationRoutes({ ...deps, configurations: deps.configurations }));
    if (deps.bulk) await v1.register(reportBulkRoutes({ ...deps, bulk: deps.bulk }));
    if (deps.templates) await v1.register(templateRoutes({ ...deps, templates: deps.templates }));
  }, { prefix: '/v1' });
  return app;
}
