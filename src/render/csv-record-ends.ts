/**
 * PostgreSQL's COPY CSV ends records with LF; reportflow's CSV, as RFC 4180 asks, with CRLF. This
 * rewrites the record ends of a CSV byte stream, leaving line breaks inside quoted fields as they are
 * (COPY quotes every field that holds a CR, LF, comma or quote, and doubles quotes inside, so a quote
 * byte always toggles between inside and outside a quoted field). UTF-8 needs no decoding: neither byte
 * occurs inside a multi-byte character.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Rewrites one chunk after another; `records` counts the record ends seen so far. */
export interface RecordEnds {
  /** `chunk` with each record-ending LF made CRLF (a quoted field may span chunks). */
  convert(chunk: Buffer): Buffer;
  /** Record ends converted so far (the rows of a CSV without header). */
  readonly records: number;
  /** True when the bytes so far end inside a quoted field (a truncated stream). */
  readonly insideQuotes: boolean;
}

/** A fresh converter for one stream. */
export function crlfRecordEnds(): RecordEnds {
  let inside = false;
  let records = 0;
  return {
    convert(chunk) {
      const ends: number[] = [];
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === QUOTE) inside = !inside;
        else if (b === LF && !inside) ends.push(i);
      }
      records += ends.length;
      if (ends.length === 0) return chunk;
      const out = Buffer.allocUnsafe(chunk.length + ends.length);
      let from = 0;
      let at = 0;
      for (const end of ends) {
        at += chunk.copy(out, at, from, end);
        out[at++] = CR;
        out[at++] = LF;
        from = end + 1;
      }
      chunk.copy(out, at, from);
      return out;
    },
    get records() {
      return records;
    },
    get insideQuotes() {
      return inside;
    },
  };
}
