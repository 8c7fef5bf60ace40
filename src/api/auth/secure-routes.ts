/**
 * Puts the /v1 rules on a fastify instance: every route checked at registration, authentication
 * and permissions on every request, then the rate limit.
 */
import type { FastifyInstance } from 'fastify';
import { authenticate, type Authenticators } from './authenticate.js';
import { isPermission } from './permissions.js';
import { registerRateLimit } from './rate-limit.js';

/** What `secureRoutes` needs. */
export interface SecurityOptions extends Authenticators {
  /** Requests per minute per caller; `0` or `undefined`: no limit. */
  rateLimitPerMinute?: number;
}

/**
 * Call on the /v1 instance before its routes are registered. A route without a `permission` (and
 * not `public`) is logged at registration and answers 403 to everyone.
 * @throws Error at registration when a route declares a permission that does not exist.
 */
export async function secureRoutes(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const { permission, public: isPublic } = route.config ?? {};
    if (typeof permission === 'string' && !isPermission(permission)) {
      throw new Error(`${route.method} ${route.url}: unknown permission "${permission}"`);
    }
    if (permission === undefined && isPublic !== true) {
      app.log.error({ method: route.method, url: route.url }, 'route declares no permission: every request to it will be refused with 403');
    }
  });
  app.addHook('onRequest', authenticate(options));
  await registerRateLimit(app, options.rateLimitPerMinute);
}
