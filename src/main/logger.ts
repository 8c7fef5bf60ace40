/**
 * The process logger (pino, JSON lines). Secrets are redacted by path; request bodies are never logged.
 * Lines written while an activity runs carry its run's `requestId`, `workflowId` and `tenantId`
 * (src/observability/log-context.ts).
 */
import { pino, type Logger } from 'pino';
import { currentLogContext } from '../observability/log-context.js';

export type { Logger };

/** Creates the logger for one process; `name` says which (api, worker, start, embedded-db). */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    mixin: currentLogContext,
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', '*.apiKey', '*.password', '*.databaseUrl'], censor: '[redacted]' },
  });
}
