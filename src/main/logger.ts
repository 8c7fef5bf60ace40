/**
 * The process logger (pino, JSON lines). Secrets are redacted by path; request bodies are never logged.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the logger for one process; `name` says which (api, worker, start, embedded-db). */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', '*.apiKey', '*.password', '*.databaseUrl'], censor: '[redacted]' },
  });
}
