/**
 * Joins the API's request logs to runs: once a request names a report request (an `:id` in its
 * route, or the `Location` of one it created) and its tenant is known, the request's logger, and so
 * its "request completed" line, carries `requestId` and `tenantId` like the worker's lines of that run.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** `/v1/report-generate-requests/<id>` → `<id>` (the id a create answered with). */
const CREATED = /\/v1\/report-generate-requests\/([^/?]+)$/;

/** Adds the hooks to `app` (the root instance, before routes are registered). */
export function logRequestIds(app: FastifyInstance): void {
  app.addHook('preHandler', async (req, reply) => bind(req, reply, idParam(req)));
  app.addHook('onSend', async (req, reply, payload) => {
    const location = reply.getHeader('location');
    const created = typeof location === 'string' ? CREATED.exec(location)?.[1] : undefined;
    bind(req, reply, created ? decodeURIComponent(created) : idParam(req));
    return payload;
  });
}

function idParam(req: FastifyRequest): string | undefined {
  const params = req.params as Record<string, unknown> | undefined;
  return typeof params?.id === 'string' ? params.id : undefined;
}

/** Replaces the request's logger by a child of its first one with the ids known now (when they changed). */
function bind(req: FastifyRequest, reply: FastifyReply, requestId: string | undefined): void {
  const state = req as FastifyRequest & { tenantId?: string; logIds?: string; baseLog?: FastifyBaseLogger };
  const tenantId = state.tenantId || undefined;
  const key = `${requestId ?? ''}|${tenantId ?? ''}`;
  if (key === '|' || state.logIds === key) return;
  state.baseLog ??= req.log;
  state.logIds = key;
  const child = state.baseLog.child({ ...(requestId ? { requestId } : {}), ...(tenantId ? { tenantId } : {}) });
  req.log = child;
  reply.log = child;
}
