/**
 * The HTTP server's bounds (src/config/settings.ts, README "Configuration"): how long a client may
 * take to send its headers and its whole request (then 408 REQUEST_TIMEOUT in the one error shape,
 * by `clientErrorHandler`, and the connection is closed), how long and for how many requests a
 * keep-alive connection is kept, and how many connections are open at most (`limitConnections`).
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Server, ServerOptions } from 'node:http';
import { SETTINGS, type Config } from '../config/settings.js';
import { limitConnections, type ConnectionLimitStats } from './connection-limit.js';

/** The settings this file applies. */
export type HttpLimits = Pick<Config, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs' | 'httpMaxRequestsPerConnection' | 'httpMaxConnections'>;

/**
 * How often Node looks for requests past their headers or request timeout, in ms. Node's default
 * (30 s) would let a timed-out client hold its connection up to 30 s longer; a pass over the open
 * connections costs microseconds.
 */
const TIMEOUT_CHECK_EVERY_MS = 1_000;

/** How often the connection cap logs what it did while it acts, in ms. */
const SHED_LOG_EVERY_MS = 10_000;

/** `given` with each missing bound at its default. */
export function httpLimitsOf(given: Partial<HttpLimits>): HttpLimits {
  return {
    httpHeadersTimeoutMs: given.httpHeadersTimeoutMs ?? SETTINGS.httpHeadersTimeoutMs.default,
    httpRequestTimeoutMs: given.httpRequestTimeoutMs ?? SETTINGS.httpRequestTimeoutMs.default,
    httpKeepAliveTimeoutMs: given.httpKeepAliveTimeoutMs ?? SETTINGS.httpKeepAliveTimeoutMs.default,
    httpMaxRequestsPerConnection: given.httpMaxRequestsPerConnection ?? SETTINGS.httpMaxRequestsPerConnection.default,
    httpMaxConnections: given.httpMaxConnections ?? SETTINGS.httpMaxConnections.default,
  };
}

/** fastify's server options for `limits` (timeouts and keep-alive; the connection cap is `applyConnectionLimit`). */
export function fastifyHttpOptions(limits: HttpLimits): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout' | 'maxRequestsPerSocket'> & { http: ServerOptions } {
  return {
    requestTimeout: limits.httpRequestTimeoutMs,
    keepAliveTimeout: limits.httpKeepAliveTimeoutMs,
    maxRequestsPerSocket: limits.httpMaxRequestsPerConnection,
    http: {
      headersTimeout: limits.httpHeadersTimeoutMs,
      requestTimeout: limits.httpRequestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_EVERY_MS,
    },
  };
}

/**
 * Caps `server`'s open connections at `limits.httpMaxConnections` (see src/api/connection-limit.ts),
 * logging a warning with the counts at most every 10 s while connections are evicted or refused.
 */
export function applyConnectionLimit(server: Server, limits: HttpLimits, log: Pick<FastifyBaseLogger, 'warn'>): () => ConnectionLimitStats {
  let lastLogAt = 0;
  return limitConnections(server, limits.httpMaxConnections, (what, stats) => {
    const now = Date.now();
    if (now - lastLogAt < SHED_LOG_EVERY_MS) return;
    lastLogAt = now;
    log.warn({ ...stats, maxConnections: limits.httpMaxConnections, last: what }, 'HTTP connection limit reached: idle or slow connections closed, or new ones refused with 503');
  });
}
