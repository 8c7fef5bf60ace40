/**
 * Page cursors of the listings: an opaque base64url string wrapping the `(created_at, id)` of the last
 * item of a page. Listings are ordered by that pair descending, so the next page is everything
 * strictly below it, stable under inserts of newer items.
 */
import { ReportError } from '../domain/errors.js';

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
  if (typeof createdAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(createdAt)) || id.length === 0 || id.length > 200) throw bad();
  return { createdAt, id };
}
