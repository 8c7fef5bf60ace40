/**
 * Runs a report query's COPY (src/data/copy-csv.ts) on one node-postgres connection: learns the
 * parameters' types and the output columns' types from the server, refuses what the staged path must
 * convert, and streams PostgreSQL's CSV bytes to the caller. One transaction (as the cursor reads'), so the
 * settings it makes end with it.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import { copyCsvStatement, copyRefusal, parameterSettings, settingParameters, type CsvCopyShape } from './copy-csv.js';
import type { BoundQuery } from './sql-binding.js';
import { asSubquery } from './sql-subquery.js';

/** What a copy came to: `consume`'s value, or why the query was not copied (nothing was read then). */
export type CsvCopyOutcome<T> = { copied: true; value: T } | { copied: false; reason: string };

/** SQLSTATE classes of a query the server could not take as rewritten: syntax (42) and data (22) errors. */
const REFUSED_SQL = /^(42|22)/;

/**
 * @param consume reads the CSV (no header, LF record ends, as PostgreSQL writes it); the transaction
 *   commits after it returns.
 * @returns `{copied: false, reason}` when the query cannot be copied as `shape` (its SQL does not
 *   prepare, a column's type differs, the rewritten query is refused): the connection is then still usable.
 * @throws the server's or `consume`'s error once the COPY has started; the connection's state is then
 *   unknown and the caller must discard it.
 */
export async function copyCsvOn<T>(client: pg.PoolClient, query: BoundQuery, shape: CsvCopyShape, consume: (csv: Readable) => Promise<T>): Promise<CsvCopyOutcome<T>> {
  await client.query('BEGIN');
  const refuse = async (reason: string): Promise<CsvCopyOutcome<T>> => {
    await client.query('ROLLBACK');
    return { copied: false, reason };
  };
  let text: string;
  try {
    // The types PostgreSQL infers for $1..$n, the same as when the query runs with bound values.
    const prepared = (await client.query(
      `PREPARE reportflow_copy AS ${query.text};\nSELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'reportflow_copy';\nDEALLOCATE reportflow_copy`,
    )) as unknown as pg.QueryResult[];
    const types = (prepared[1]?.rows[0] as { types?: string[] } | undefined)?.types ?? [];
    text = settingParameters(query.text, types, query.values);
    const settingValues = parameterSettings(query.values);
    const sets = settingValues.map((setting, i) => `set_config('${setting.name}', $${i + 1}, true)`).join(', ');
    const [settings] = (await client.query(`SELECT ${sets}, current_setting('DateStyle') AS date_style`, settingValues.map((setting) => setting.value))).rows as { date_style: string }[];
    // Timestamps are printed as ISO text for the worker to read (node-postgres needs ISO output too).
    if (!settings?.date_style.startsWith('ISO')) return await refuse(`DateStyle is ${settings?.date_style}, not ISO`);
    // The output columns' types, and a check that the rewritten query is taken.
    const described = await client.query(`SELECT * FROM ${asSubquery(text, 'q')} LIMIT 0`);
    const refusal = copyRefusal(shape, described.fields);
    if (refusal) return await refuse(refusal);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && REFUSED_SQL.test(code)) return await refuse(`the server refused the query for COPY: ${(err as Error).message}`);
    throw err;
  }
  const csv = client.query(copyTo(copyCsvStatement(text, shape)));
  // pg-copy-streams emits the connection's error on the stream even after the consumer has stopped
  // listening (a cancel destroys the socket after the pipeline ended): unheard, it would end the
  // process. The consumer still gets it while it reads.
  csv.on('error', () => undefined);
  const value = await consume(csv);
  await client.query('COMMIT');
  return { copied: true, value };
}
