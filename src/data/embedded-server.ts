/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly, in this process) on a data
 * directory, served over the PostgreSQL wire protocol by `PGLiteSocketServer`, so the rest of
 * reportflow connects to it with node-postgres exactly as it would to a real PostgreSQL.
 *
 * Limits worth knowing (pglite-socket 0.2): one backend serves every connection. Messages from
 * different connections are queued and run one at a time; each connection keeps the backend for a
 * whole query (Parse … Sync) and, while it is inside an explicit transaction (BEGIN … COMMIT), until
 * the transaction ends, while the other connections' messages wait (src/data/pglite-socket-queue.ts
 * fixes the library, which kept only transactions together). Query
 * cancellation is ignored. All connections share one session, so session state (`SET`, advisory
 * locks, prepared statement names, cursor names) is shared too: use `SET LOCAL`, transaction-scoped
 * locks and unique cursor names. Holdable cursors a connection leaves open are closed when it goes
 * away, as its own session's would be on PostgreSQL; `PgDatabase.stream` reads through such cursors
 * here so that no connection keeps the session for a whole read.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockDataDir } from './data-dir-lock.js';
import { keepQueriesTogether } from './pglite-socket-queue.js';

/** Options of {@link startEmbeddedDatabase}. */
export interface EmbeddedDatabaseOptions {
  /** Directory of the PGlite cluster; created (and initialised, ~5 s) when missing, reused otherwise. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free port (read it back from `url`/`port`). */
  port: number;
  /** Client connections served at once; further ones are refused. @default 32 */
  maxConnections?: number;
}

/** A running embedded database. */
export interface EmbeddedDatabase {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (no password: PGlite does not check one). */
  url: string;
  /** The TCP port it listens on. */
  port: number;
  /** Disconnects every client, stops listening and closes PGlite so the data directory can be reopened. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Opens (or creates) the PGlite cluster in `dataDir` and serves it on 127.0.0.1:`port`. Holds the
 * lock file `<dataDir>.lock` while running.
 * @throws Error when another running process holds the data directory, when PGlite cannot open it,
 *   or when the port is taken (`code` `EADDRINUSE`); what was opened is closed before the error propagates.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  await mkdir(options.dataDir, { recursive: true });
  const lock = await lockDataDir(options.dataDir);
  let db: PGlite;
  let server: PGLiteSocketServer;
  try {
    db = await PGlite.create({ dataDir: options.dataDir });
    server = new PGLiteSocketServer({ db, host: HOST, port: options.port, maxConnections: options.maxConnections ?? 32 });
    keepQueriesTogether(server, db);
    try {
      await server.start();
    } catch (err) {
      await db.close();
      throw err;
    }
  } catch (err) {
    await lock.release();
    throw err;
  }
  const port = Number(server.getServerConn().split(':').pop());
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${HOST}:${port}/postgres`,
    port,
    stop() {
      stopping ??= (async () => {
        try {
          await server.stop();
        } finally {
          try {
            await db.close();
          } finally {
            await lock.release();
          }
        }
      })();
      return stopping;
    },
  };
}
