/**
 * Page cursors of the listings: an opaque base64url string wrapping the `(created_at, id)` of the last
 * item of a page. Listings are ordered by that pair (requests and reports descending, subscriptions
 * ascending), so the next page is everything strictly past it, stable under inserts of newer items.
 */
import { ReportError } from '../domain/errors.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** The position a cursor points after. `createdAt`: ISO-8601 instant. */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

/** Encodes a position as an opaque cursor. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`.
 * @throws ReportError('REQUEST_INVALID') naming the field `cursor` when it is not one.
 */
export function decodeCursor(cursor: string): CursorPosition {
  const bad = () => new ReportError('REQUEST_INVALID', 'The cursor is not valid; use next_cursor from the previous page.', [
    { field: 'cursor', code: 'REQUEST_INVALID', message: 'Not a cursor issued by this API.' },
  ]);
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [createdAt, id] = parsed as unknown[];
  // Exactly what encodeCursor writes: a UTC instant as toISOString() gives it, and an id of the
  // characters request ids use. Anything else would reach PostgreSQL as a value it may reject.
  if (typeof createdAt !== 'string' || typeof id !== 'string' || !ISO_INSTANT.test(createdAt) || Number.isNaN(Date.parse(createdAt)) || !ID.test(id)) throw bad();
  return { createdAt, id };
}
