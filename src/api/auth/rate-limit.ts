/**
 * Rate limit per caller with `@fastify/rate-limit`: at most `perMinute` requests in a fixed
 * one-minute window per principal (`request.principal.id`: one bucket per API key or per JWT
 * subject), or per client IP on public routes. Over the limit → 429 `RATE_LIMITED` in the one
 * error shape, with `Retry-After` in seconds. Counters live in process memory, so each API
 * instance counts on its own.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ReportError } from '../../domain/errors.js';

/**
 * Registers the limiter on `app`; it applies to the routes registered on `app` afterwards and
 * runs after the instance's `onRequest` hooks (so after authentication).
 * @param perMinute requests per minute per caller; `0` or `undefined`: no limit.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number | undefined): Promise<void> {
  if (!perMinute) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    hook: 'onRequest',
    keyGenerator: (req) => req.principal?.id ?? `ip:${rateLimit.normalizeIP(req.ip)}`,
    errorResponseBuilder: (_req, ctx) =>
      new ReportError('RATE_LIMITED', `Too many requests: at most ${ctx.max} a minute per API key or token; retry in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s.`),
  });
}
