/**
 * One page of a table's rows, oldest first, the way the API's ascending lists page (subscriptions,
 * report configurations): at most `limit` rows after `cursor` (a `nextCursor` of an earlier page), with
 * `total`, the count of all that match. Order and cursor use `created_at` cut to milliseconds, as the
 * cursor carries it, then `id`.
 */
import type { Queryable, Row } from '../data/database.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Page } from './records.js';

export interface CreatedAtPageQuery<T> {
  /** Schema-qualified table name, e.g. `reportflow.subscriptions` (a constant, never client input). */
  table: string;
  /** The SELECT list. */
  columns: string;
  /** The filter, with placeholders `$1..$n` bound by `params` (the cursor's come after them). */
  where: string;
  params: unknown[];
  limit: number;
  cursor?: string;
  /** A row as the caller's type; it must carry `createdAt` (ISO-8601) and `id`. */
  fromRow: (row: Row) => T;
}

/** @throws ReportError('REQUEST_INVALID') naming `cursor` when it is not one this API issued. */
export async function createdAtPage<T extends { createdAt: string; id: string }>(db: Queryable, q: CreatedAtPageQuery<T>): Promise<Page<T>> {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const n = q.params.length;
  const [counted, rows] = await Promise.all([
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${q.table} WHERE ${q.where}`, q.params),
    db.query(
      `SELECT ${q.columns} FROM ${q.table}
       WHERE ${q.where} AND ($${n + 1}::timestamptz IS NULL OR (date_trunc('milliseconds', created_at), id) > ($${n + 1}::timestamptz, $${n + 2}::text))
       ORDER BY date_trunc('milliseconds', created_at), id LIMIT $${n + 3}`,
      [...q.params, after?.createdAt ?? null, after?.id ?? null, q.limit + 1],
    ),
  ]);
  const items = rows.slice(0, q.limit).map(q.fromRow);
  const last = rows.length > q.limit ? items[q.limit - 1] : undefined;
  return { items, total: Number(counted[0]?.total ?? 0), nextCursor: last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
