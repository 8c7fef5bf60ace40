/**
 * A fix for pglite-socket 0.2.17's query queue, applied to a server instance before it starts.
 *
 * PGlite has one backend session for every client connection. pglite-socket queues the clients'
 * protocol messages one by one and keeps a connection's messages together only while an explicit
 * transaction is open. An extended-protocol query (Parse, Bind, Describe, Execute, Sync) is not in a
 * transaction between its messages, so two connections' queries interleave: one's Parse replaces the
 * other's unnamed statement, giving "bind message supplies 2 parameters, but prepared statement
 * requires 13", or, when the shapes happen to fit, rows of the other query. Also, one failed message
 * leaves the queue marked busy for ever. Reported upstream as electric-sql/pglite#1046 (fix proposed
 * in PR #977, unreleased); reportflow hit it as soon as the API read records while workers wrote them.
 *
 * The fix: a connection keeps the session from its first message until the backend is idle again,
 * i.e. until after a Sync, a simple Query or a Terminate when no transaction is open. A Flush (a cursor
 * read) keeps it too. Messages of other connections wait meanwhile, in arrival order. A failed message
 * is reported to its connection and the queue goes on; a connection that goes away releases the
 * session (pglite-socket rolls back its open transaction), and the holdable cursors it left open are
 * closed (src/data/held-cursors.ts), as its own backend's would be on PostgreSQL.
 *
 * It replaces two methods of the library's internal `QueryQueueManager`; the package is pinned to the
 * exact version this was written against, and test/integration/data-embedded-server.test.ts checks
 * concurrent parameterised queries from several connections.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { HeldCursors, quoteIdentifier } from './held-cursors.js';

/** One queued protocol message, as pglite-socket 0.2.17 keeps it. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(err: unknown): void;
  onData(data: Uint8Array): void;
}

/** The parts of pglite-socket's QueryQueueManager this fix replaces or reads. */
interface QueueManager {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

/** A Sync message: type 'S', length 4. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** Frontend message types after which the backend may be idle: Sync, Query, Terminate. */
const CYCLE_END = new Set([0x53, 0x51, 0x58]);

/**
 * Makes `server`'s query queue keep each connection's protocol messages together until the backend
 * is idle again. Call before `server.start()`.
 * @throws Error when the server's queue does not have the shape of pglite-socket 0.2.17.
 */
export function keepQueriesTogether(server: PGLiteSocketServer, db: PGlite): void {
  const queue = (server as unknown as { queryQueue?: QueueManager }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== 'function' || typeof queue.clearQueueForHandler !== 'function') {
    throw new Error('pglite-socket query queue has an unexpected shape: check src/data/pglite-socket-queue.ts against the installed version');
  }
  /** The connection that holds the session, or null when the backend is idle. */
  let owner: number | null = null;
  const heldCursors = new HeldCursors();

  queue.processQueue = async function processQueue(this: QueueManager): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        const index = owner === null ? (this.queue.length ? 0 : -1) : this.queue.findIndex((m) => m.handlerId === owner);
        // The owner has not sent its next message yet: the others wait; its enqueue restarts the loop.
        if (index === -1) return;
        const item = this.queue.splice(index, 1)[0]!;
        heldCursors.note(item.handlerId, item.message);
        let sent = 0;
        try {
          await db.runExclusive(() => db.execProtocolRawStream(item.message, {
            onRawData: (data: Uint8Array) => {
              sent += data.length;
              item.onData(data);
            },
          }));
        } catch (err) {
          owner = null;
          item.reject(err);
          continue;
        }
        // A startup message has no type byte (its first byte belongs to the length): it completes a cycle too.
        const type = item.message[0]!;
        const cycleDone = type === 0 || CYCLE_END.has(type);
        owner = cycleDone && !db.isInTransaction() ? null : item.handlerId;
        this.lastHandlerId = item.handlerId;
        item.resolve(sent);
      }
    } finally {
      this.processing = false;
    }
  };

  // pglite-socket detaches a departed connection with clearQueueForHandler (drops its queued
  // messages) and then clearTransactionIfNeeded. If it held the session, end what it left open
  // before anyone else runs: a Sync closes a half-sent extended query (its implicit transaction),
  // and a ROLLBACK an explicit transaction. Only then is the session released.
  const withTransaction = queue as unknown as { clearTransactionIfNeeded(handlerId: number): Promise<void> };
  const clearTransaction = withTransaction.clearTransactionIfNeeded.bind(queue);
  withTransaction.clearTransactionIfNeeded = async (handlerId: number) => {
    if (owner === handlerId) {
      try {
        await db.runExclusive(() => db.execProtocolRawStream(SYNC, { onRawData: () => undefined }));
        if (db.isInTransaction()) await db.exec('ROLLBACK');
      } finally {
        owner = null;
      }
    }
    await clearTransaction(handlerId);
    // Queued like any connection's statements, so each runs when the session is free (outside others'
    // transactions); one the client closed already fails harmlessly, its answer unread.
    for (const name of heldCursors.takeLeftBy(handlerId)) {
      queue.queue.push({ handlerId, message: simpleQuery(`CLOSE ${quoteIdentifier(name)}`), resolve: () => undefined, reject: () => undefined, onData: () => undefined });
    }
    void queue.processQueue();
  };
}

/** A simple Query message ('Q', Int32 length, the SQL as a C string). */
function simpleQuery(sql: string): Uint8Array {
  const text = new TextEncoder().encode(sql);
  const message = new Uint8Array(1 + 4 + text.length + 1);
  message[0] = 0x51;
  new DataView(message.buffer).setInt32(1, 4 + text.length + 1);
  message.set(text, 5);
  return message;
}
