/**
 * The /v1 auth stack exactly as the API server mounts it — the one error handler, the `tenantId`
 * request decoration and `secureRoutes` — over probe routes a test registers, so auth tests do not
 * depend on what the report routes do. Log lines (JSON, level info and up) are pushed to `logs`.
 */
import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { secureRoutes, type SecurityOptions } from '../../src/api/auth.js';
import { replyForError } from '../../src/api/errors.js';

/** A ready app with `security` over the routes `probes` adds under /v1. Close it when done. */
export async function authStackApp(security: SecurityOptions, probes: (v1: FastifyInstance) => void, logs: string[] = []): Promise<FastifyInstance> {
  const app = fastify({ loggerInstance: pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }) as FastifyBaseLogger });
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = replyForError(err, req.log);
    return reply.code(status).send(body);
  });
  app.decorateRequest('tenantId', '');
  await app.register(async (v1) => {
    await secureRoutes(v1, security);
    probes(v1);
  }, { prefix: '/v1' });
  await app.ready();
  return app;
}
