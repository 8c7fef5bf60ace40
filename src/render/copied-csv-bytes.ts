/**
 * PostgreSQL's COPY CSV (src/data/copy-csv.ts) made into reportflow's CSV bytes, without parsing it into
 * rows: record ends become CRLF (COPY writes LF; RFC 4180 asks CRLF), line breaks inside quoted fields
 * stay, and timestamp fields, which COPY prints as UTC wall time (`2011-07-01 08:00:00[.ffffff]`, its
 * cheapest form), are printed in the request's zone by the same function the staged path uses
 * (src/render/zoned-timestamp.ts), so both paths give the same text.
 *
 * Why here and not in SQL: formatting in SQL (`AT TIME ZONE` + `to_char` + the offset) took the copy of
 * the 541,909-line INVOICE_LINES export from ~0.7 s to ~1.7 s on one PostgreSQL backend; here it runs in
 * the worker beside the database's work.
 *
 * COPY quotes every field holding a CR, LF, comma or quote and doubles quotes inside, so a quote byte
 * always toggles between inside and outside a quoted field. UTF-8 needs no decoding: none of the bytes
 * looked at occurs inside a multi-byte character.
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import { zonedIsoFormatter } from './zoned-timestamp.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** A value of the database's CSV the staged path would not stage either (a timestamp `infinity`, a BC date). */
export class UnprintableValueError extends TypeError {
  override readonly name = 'UnprintableValueError';
}

/** Rewrites one chunk after another. */
export interface CopiedCsvBytes {
  /** The complete records of the bytes so far, rewritten; an incomplete last record waits for the next chunk. */
  convert(chunk: Buffer): Buffer;
  /** Records completed so far (the rows of a CSV without header). */
  readonly records: number;
  /** True when the bytes so far end inside a record (a truncated stream, when no more come). */
  readonly pending: boolean;
}

/**
 * @param columns the CSV's columns in order; `timestamp` ones hold UTC wall time to print in `zone`.
 * @param zone IANA zone.
 * @throws (from `convert`) UnprintableValueError naming the column when a timestamp field is not UTC wall time
 *   (`infinity`, a BC date): the staged path refuses such values too.
 */
export function copiedCsvBytes(columns: readonly ColumnSpec[], zone: string): CopiedCsvBytes {
  const timestamp = columns.map((c) => c.type === 'timestamp');
  const lastTimestamp = timestamp.lastIndexOf(true);
  const toZoned = zonedIsoFormatter(zone);
  let carry: Buffer | undefined;
  let records = 0;
  // Rows in report order often repeat a timestamp (the lines of one invoice): the last one's text is kept.
  let lastWall = Buffer.alloc(0);
  let lastZoned = Buffer.alloc(0);
  /** The zoned text of the wall time in `data[start, end)`, a field of column `column`. */
  const zoned = (data: Buffer, start: number, end: number, column: number): Buffer => {
    if (!sameBytes(data, start, end, lastWall)) {
      lastZoned = Buffer.from(toZoned(utcWallTime(data.toString('latin1', start, end), columns[column]!.name)), 'latin1');
      lastWall = Buffer.from(data.subarray(start, end));
    }
    return lastZoned;
  };
  return {
    convert(chunk) {
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      // Written into one buffer, no slice per field: at most twice the input (a CR per record, which is
      // at least its LF; a zoned timestamp is at most 12 bytes longer than its wall time of 19 or more).
      const out = Buffer.allocUnsafe(2 * data.length + 64);
      let o = 0;
      let at = 0;
      let nextQuote = data.indexOf(QUOTE);
      for (;;) {
        const lf = data.indexOf(LF, at);
        if (lf === -1) break;
        if (nextQuote !== -1 && nextQuote < at) nextQuote = data.indexOf(QUOTE, at);
        const mark = o;
        // Bytes of the record from `from` on are still to be copied.
        let from = at;
        let end = lf;
        if (nextQuote === -1 || nextQuote > lf) {
          // No quoted field: the fields end at commas, looked at only as far as the last timestamp.
          let field = 0;
          let start = at;
          for (let i = at; field <= lastTimestamp; i++) {
            const b = data[i];
            if (b === COMMA || i === lf) {
              // Field `field` spans [start, i): a timestamp's text is replaced.
              if (timestamp[field] && i > start) {
                o += data.copy(out, o, from, start);
                o += zoned(data, start, i, field).copy(out, o);
                from = i;
              }
              if (i === lf) break;
              field++;
              start = i + 1;
            }
          }
        } else {
          // A quoted field may hold commas and line breaks: byte by byte to the record's end.
          end = -1;
          let inside = false;
          let field = 0;
          let start = at;
          for (let i = at; i < data.length; i++) {
            const b = data[i];
            if (b === QUOTE) inside = !inside;
            else if (!inside && (b === COMMA || b === LF)) {
              if (timestamp[field] && i > start) {
                o += data.copy(out, o, from, start);
                o += zoned(data, start, i, field).copy(out, o);
                from = i;
              }
              field++;
              start = i + 1;
              if (b === LF) {
                end = i;
                break;
              }
            }
          }
          if (end === -1) {
            // The record goes on in the next chunk: take back what was written of it.
            o = mark;
            break;
          }
        }
        o += data.copy(out, o, from, end);
        out[o++] = CR;
        out[o++] = LF;
        records++;
        at = end + 1;
      }
      carry = at < data.length ? data.subarray(at) : undefined;
      return out.subarray(0, o);
    },
    get records() {
      return records;
    },
    get pending() {
      return carry !== undefined;
    },
  };
}

/** Whether `data[start, end)` holds the bytes of `other`. */
function sameBytes(data: Buffer, start: number, end: number, other: Buffer): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (data[start + i] !== other[i]) return false;
  return true;
}

const WALL_TIME = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/**
 * `2011-07-01 08:00:00.123456` (PostgreSQL's ISO output of a timestamp) read as UTC → epoch ms, the
 * fraction cut to milliseconds as node-postgres reads it for the staged path.
 */
function utcWallTime(text: string, column: string): number {
  const m = WALL_TIME.exec(text);
  if (!m) throw new UnprintableValueError(`column ${column} (timestamp): cannot print ${JSON.stringify(text)}`);
  const date = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))));
  // Date.UTC reads years 0–99 as 1900–1999.
  date.setUTCFullYear(Number(m[1]));
  return date.getTime();
}
