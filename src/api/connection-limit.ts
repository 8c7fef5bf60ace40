/**
 * A cap on the HTTP API's open connections that idle and slow clients cannot use to lock others out.
 *
 * Node's own `server.maxConnections` refuses whatever comes after the cap, so a thousand clients that
 * open a connection and send nothing (or half a request) keep everyone else out until their
 * timeouts end. Here a connection beyond the cap first takes the place of the oldest connection that
 * does not hold a request being served: one that is idle (keep-alive, or not a byte sent yet) or
 * still sending its request (headers or body). Only when every open connection holds a request the
 * API is working on is the new one refused: answered 503 UNAVAILABLE with `Retry-After`, in the one
 * error shape, and closed, before any of its bytes are parsed, so a refused request never runs.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { writeRawError } from './client-errors.js';
import { errorReply } from './errors.js';

/** How long a refused connection may keep sending its request (discarded) before it is cut, in ms. */
const REFUSED_LINGER_MS = 1_000;

/** Counts of connections the cap acted on, since the server started. */
export interface ConnectionLimitStats {
  /** Connections open now. */
  open: number;
  /** Idle or slow connections closed to make room for a new one. */
  evicted: number;
  /** New connections answered 503 because every open one held a request being served. */
  refused: number;
}

/**
 * Caps `server` at `maxConnections` open connections, as described above. Call once, before the
 * server listens; the HTTP server's own connection handling is kept and runs for every admitted
 * connection.
 * @returns a function that reads the counts.
 */
export function limitConnections(server: Server, maxConnections: number, onShed?: (what: 'evicted' | 'refused', stats: ConnectionLimitStats) => void): () => ConnectionLimitStats {
  /** Open connections, oldest first, each with the requests it has had parsed and not yet answered. */
  const open = new Map<Socket, Set<IncomingMessage>>();
  const stats = { evicted: 0, refused: 0 };
  const read = (): ConnectionLimitStats => ({ open: open.size, ...stats });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const inFlight = open.get(req.socket);
    if (!inFlight) return;
    inFlight.add(req);
    res.once('close', () => inFlight.delete(req));
  });

  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (open.size >= maxConnections && !evictOne()) {
      stats.refused++;
      refuse(socket);
      onShed?.('refused', read());
      return;
    }
    open.set(socket, new Set());
    socket.once('close', () => open.delete(socket));
    for (const listener of httpListeners) listener.call(server, socket);
  });

  /** Closes the oldest connection that holds no request being served; false when there is none. */
  function evictOne(): boolean {
    for (const [socket, inFlight] of open) {
      // `complete`: the whole request has arrived, so the API is working on it (or answering it).
      if ([...inFlight].some((req) => req.complete)) continue;
      open.delete(socket);
      socket.destroy();
      stats.evicted++;
      onShed?.('evicted', read());
      return true;
    }
    return false;
  }

  return read;
}

/** Answers 503 on a connection the HTTP parser never sees, and closes it once the client is done sending. */
function refuse(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  const { status, body } = errorReply('UNAVAILABLE', 'The API has too many open connections; try again.');
  writeRawError(socket, status, body);
  // Reading on (and discarding) lets the answer reach the client instead of a reset for unread bytes.
  socket.resume();
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}
