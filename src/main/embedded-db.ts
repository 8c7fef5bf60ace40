/**
 * Process entry point of the embedded database (`node --import tsx src/main/embedded-db.ts`), started
 * by `npm start` when `DATABASE_URL` is unset: PGlite on `<var>/pgdata`, served on
 * 127.0.0.1:`REPORTFLOW_EMBEDDED_DB_PORT`. Prints `embedded-db ready <url>` on stdout once it accepts
 * connections; on SIGINT or SIGTERM (or when the `npm start` that started it dies) it disconnects
 * clients, closes PGlite (so the data directory can be reopened) and exits 0. Exits 1 when it cannot start (e.g. the port is taken).
 */
import path from 'node:path';
import { loadConfig } from '../config/settings.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../data/embedded-server.js';
import { createLogger } from './logger.js';
import { exitWhenParentDies } from './parent-watch.js';

const config = loadConfig();
const log = createLogger('embedded-db', config.logLevel);
const dataDir = path.join(config.varDir, 'pgdata');

let db: EmbeddedDatabase | undefined;
let stopping = false;

async function stopAndExit(running: EmbeddedDatabase): Promise<void> {
  try {
    await running.stop();
    log.info('embedded database stopped');
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'embedded database did not stop cleanly');
    process.exit(1);
  }
}

function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'stopping the embedded database');
  // Still starting: exiting now could leave a half-initialised data directory; the start below stops it.
  if (db) void stopAndExit(db);
}

// Registered before the (slow, first-time ~5 s) start so a stop request during it is not lost.
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
exitWhenParentDies();

try {
  const started = Date.now();
  db = await startEmbeddedDatabase({ dataDir, port: config.embeddedDbPort, maxConnections: 32 });
  if (stopping) await stopAndExit(db);
  log.info({ dataDir, port: db.port, startMs: Date.now() - started }, 'embedded database listening');
  process.stdout.write(`embedded-db ready ${db.url}\n`);
} catch (err) {
  const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
  log.error(
    { err, dataDir, port: config.embeddedDbPort },
    inUse ? `port ${config.embeddedDbPort} is in use: stop what uses it or set REPORTFLOW_EMBEDDED_DB_PORT` : 'embedded database failed to start',
  );
  process.exit(1);
}
