/**
 * The Temporal SDK's logger (worker runtime, activity `log` calls) over our pino logger.
 */
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.js';

/**
 * A `DefaultLogger` at `logger`'s level (fatal maps to ERROR) that writes each entry through `logger`.
 * The SDK passes a failure as `meta.error`; pino serialises errors only under `err` (an Error anywhere
 * else becomes `{}`), so it is moved there: "Activity failed" lines then say what failed.
 */
export function temporalLogger(logger: Logger): DefaultLogger {
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
  const level = (logger.level.toUpperCase() === 'FATAL' ? 'ERROR' : logger.level.toUpperCase()) as LogLevel;
  return new DefaultLogger(level in levels ? level : 'INFO', (entry) => {
    const { error, ...meta } = entry.meta ?? {};
    logger[levels[entry.level]](error === undefined ? meta : { ...meta, err: error }, entry.message);
  });
}
