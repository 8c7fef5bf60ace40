/**
 * Which holdable cursors (`DECLARE … CURSOR WITH HOLD`) each connection of the embedded PGlite server
 * has open, read from its protocol messages, so that the server can close them when the connection
 * goes away. On PostgreSQL a held cursor ends with its backend session; on PGlite every connection
 * shares one session, so a client that dies mid-stream would otherwise leave its cursor, and the whole
 * materialised result behind it, open until the server stops.
 *
 * Only statements sent as a simple Query or an extended-protocol Parse are seen, which is how
 * node-postgres (and psql) send them, one statement per message; a cursor declared inside a function
 * or closed by a statement after others in one simple Query is not tracked.
 */

/** What one frontend message does to held cursors. */
export type CursorEffect = { declares: string } | { closes: string } | { closesAll: true } | undefined;

const QUERY = 0x51; // 'Q': Int32 length, query text (C string)
const PARSE = 0x50; // 'P': Int32 length, statement name (C string), query text (C string), …

const IDENTIFIER = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
/** `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR WITH HOLD FOR …` (PostgreSQL 17 syntax). */
const DECLARE_HELD = new RegExp(String.raw`^\s*DECLARE\s+${IDENTIFIER}\s+(?:(?:BINARY|ASENSITIVE|INSENSITIVE|NO|SCROLL)\s+)*CURSOR\s+WITH\s+HOLD\s+FOR\b`, 'i');
const CLOSE = new RegExp(String.raw`^\s*CLOSE\s+${IDENTIFIER}\s*;?\s*$`, 'i');
const decoder = new TextDecoder();

/**
 * The held-cursor effect of one frontend message (the bytes of a whole message, type byte first):
 * a `DECLARE … WITH HOLD`, a `CLOSE name`, a `CLOSE ALL`, or `undefined` for anything else. Names
 * are returned as the server stores them: unquoted ones folded to lower case, quoted ones as written.
 */
export function cursorEffect(message: Uint8Array): CursorEffect {
  const type = message[0];
  if (type !== QUERY && type !== PARSE) return undefined;
  let start = 5;
  if (type === PARSE) {
    const nameEnd = message.indexOf(0, start);
    if (nameEnd < 0) return undefined;
    start = nameEnd + 1;
  }
  // Cheap test before decoding: the statement must begin (after blanks) with D or C.
  let first = start;
  while (first < message.length && (message[first] === 0x20 || message[first] === 0x0a || message[first] === 0x09 || message[first] === 0x0d)) first++;
  const letter = (message[first] ?? 0) | 0x20;
  if (letter !== 0x64 && letter !== 0x63) return undefined;
  const end = message.indexOf(0, start);
  const sql = decoder.decode(message.subarray(start, end < 0 ? message.length : end));
  const declared = DECLARE_HELD.exec(sql);
  if (declared) return { declares: storedName(declared[1]!) };
  const closed = CLOSE.exec(sql);
  if (!closed) return undefined;
  return closed[1]!.toUpperCase() === 'ALL' ? { closesAll: true } : { closes: storedName(closed[1]!) };
}

/** `name` as PostgreSQL stores it: a quoted identifier unquoted, an unquoted one in lower case. */
function storedName(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
}

/** `name` quoted for SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The held cursors each connection (by pglite-socket handler id) has declared and not closed. */
export class HeldCursors {
  private readonly byConnection = new Map<number, Set<string>>();

  /**
   * Records what `message`, sent by connection `handlerId`, does to held cursors. A declared name is
   * noted when the statement arrives (a Parse comes before its Execute), so a DECLARE that then fails
   * leaves a name whose CLOSE later fails harmlessly.
   */
  note(handlerId: number, message: Uint8Array): void {
    const effect = cursorEffect(message);
    if (!effect) return;
    if ('declares' in effect) {
      // A name another connection holds makes this DECLARE fail: it must not make that cursor this one's.
      if ([...this.byConnection.values()].some((names) => names.has(effect.declares))) return;
      const names = this.byConnection.get(handlerId) ?? new Set<string>();
      names.add(effect.declares);
      this.byConnection.set(handlerId, names);
    } else if ('closes' in effect) {
      // Cursor names are per session, i.e. shared by every connection here: whoever closes it, it is gone.
      for (const names of this.byConnection.values()) names.delete(effect.closes);
    } else {
      this.byConnection.clear();
    }
  }

  /** Forgets and returns the cursors connection `handlerId` left open. */
  takeLeftBy(handlerId: number): string[] {
    const names = [...(this.byConnection.get(handlerId) ?? [])];
    this.byConnection.delete(handlerId);
    return names;
  }
}
