/**
 * `GET /healthz` (the process is up) and `GET /readyz` (Temporal, the database and the report
 * storage answer), both without authentication, for supervisors and load balancers.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { FieldError } from '../domain/run-status.js';
import type { ApiDeps } from './deps.js';
import { errorHeaders, errorReply } from './errors.js';
import { errorResponses } from './error-responses.js';

const TAGS = ['Operations'];
const HEALTH = { type: 'object', properties: { status: { type: 'string' } } } as const;
const READY = { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } } as const;

/** How long each readiness check may take, in ms. */
const CHECK_TIMEOUT_MS = 3_000;

export function healthRoutes(deps: Pick<ApiDeps, 'runs' | 'db' | 'logger' | 'destination'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { tags: TAGS, summary: 'The process is up', security: [], response: { 200: HEALTH, ...errorResponses({ authenticated: false }) } } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { tags: TAGS, summary: 'Temporal, the database and the report storage answer (else 503)', security: [], response: { 200: READY, ...errorResponses({ authenticated: false }, { 503: 'UNAVAILABLE: Temporal, the database or the report storage did not answer (each named in `errors`), or the API is at its connection limit or shutting down.' }) } } }, async (_req, reply) => {
      const checks = {
        temporal: () => deps.runs.ping(),
        database: () => deps.db.query('SELECT 1').then(() => undefined),
        storage: () => deps.destination.ping(),
      };
      const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          return undefined;
        } catch (err) {
          deps.logger.warn({ err, check: name }, 'readiness check failed');
          return { field: name, code: 'UNAVAILABLE', message: `${name} did not answer.` } satisfies FieldError;
        }
      }));
      const failed = results.filter((r): r is FieldError => r !== undefined);
      if (failed.length) {
        const { body } = errorReply('UNAVAILABLE', `Not ready: ${failed.map((f) => f.field).join(', ')} unavailable.`, failed);
        return reply.code(503).headers(errorHeaders(503)).send(body);
      }
      return { status: 'ready', checks: { temporal: 'ok', database: 'ok', storage: 'ok' } };
    });
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
