/**
 * Loads the shipped Online Retail CSV (541,909 rows) into `retail.invoice_line`, 5,000 rows per
 * statement, and refuses to commit unless the row count and net revenue match the dataset's.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ONLINE_RETAIL } from '../datasets.js';
import { readOnlineRetailBatches } from '../online-retail-csv.js';
import type { Migration } from './migration.js';

/** Rows per INSERT: big enough to amortise round trips, small enough for a few MB of parameters. */
const BATCH_ROWS = 5_000;
const LOG_EVERY_ROWS = 100_000;

// One statement per batch: each column travels as one array parameter and unnest() zips them back into rows.
const INSERT_BATCH = `
  INSERT INTO retail.invoice_line
    (line_no, invoice_no, stock_code, description, quantity, invoice_date, unit_price, customer_id, country)
  SELECT line_no, invoice_no, stock_code, description, quantity, local_time AT TIME ZONE $10::text, unit_price, customer_id, country
  FROM unnest($1::integer[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::timestamp[], $7::numeric[], $8::integer[], $9::text[])
    AS src(line_no, invoice_no, stock_code, description, quantity, local_time, unit_price, customer_id, country)`;

// The table's non-unique indexes (as 0001 and any later migration defined them), as DROP and CREATE statements.
const SECONDARY_INDEXES = `
  SELECT format('DROP INDEX %I.%I', n.nspname, i.relname) AS drop_sql, pg_get_indexdef(i.oid) AS create_sql
  FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = i.relnamespace
  WHERE x.indrelid = 'retail.invoice_line'::regclass AND NOT x.indisunique
  ORDER BY i.relname`;

export const migration: Migration = {
  id: '0002-retail-seed',
  seed: true,
  async up(db, ctx) {
    const file = path.join(ctx.dataDir, ONLINE_RETAIL.file);
    await access(file).catch((err: unknown) => {
      throw new Error(`Online Retail dataset not found at ${file}: the data directory must be the project's data/ folder`, { cause: err });
    });
    const started = Date.now();
    // Bulk-load idiom: filling the table without its secondary indexes and building them once at the
    // end is about a quarter faster than maintaining them row by row (measured). Same transaction, so atomic.
    const indexes = await db.query<{ drop_sql: string; create_sql: string }>(SECONDARY_INDEXES);
    for (const index of indexes) await db.query(index.drop_sql);
    let loaded = 0;
    let nextLog = LOG_EVERY_ROWS;
    const batches = readOnlineRetailBatches(file, BATCH_ROWS);
    try {
      let pending = batches.next();
      for (let r = await pending; !r.done; r = await pending) {
        // Parse the next batch while the server inserts this one (the handler only marks a failure as
        // seen; the loop's await still throws it).
        pending = batches.next();
        pending.catch(() => undefined);
        const b = r.value;
        await db.query(INSERT_BATCH, [b.lineNo, b.invoiceNo, b.stockCode, b.description, b.quantity, b.invoiceDate, b.unitPrice, b.customerId, b.country, ONLINE_RETAIL.timeZone]);
        loaded += b.lineNo.length;
        if (loaded >= nextLog) {
          ctx.log(`retail.invoice_line: ${loaded.toLocaleString('en')} of ${ONLINE_RETAIL.rows.toLocaleString('en')} rows (${Date.now() - started} ms)`);
          nextLog += LOG_EVERY_ROWS;
        }
      }
    } finally {
      await batches.return(undefined);
    }
    for (const index of indexes) await db.query(index.create_sql);
    const [check] = await db.query<{ rows: number; revenue: string }>(
      'SELECT count(*)::integer AS rows, sum(quantity * unit_price)::text AS revenue FROM retail.invoice_line',
    );
    if (check?.rows !== ONLINE_RETAIL.rows || check.revenue !== ONLINE_RETAIL.netRevenueGbp) {
      throw new Error(
        `retail.invoice_line check failed: ${check?.rows} rows and net revenue ${check?.revenue}, ` +
          `expected ${ONLINE_RETAIL.rows} rows and ${ONLINE_RETAIL.netRevenueGbp} (is ${file} the shipped file?)`,
      );
    }
    // Fresh planner statistics, so the first reports do not plan against an "empty" table.
    await db.query('ANALYZE retail.invoice_line');
    ctx.log(`retail.invoice_line: ${loaded.toLocaleString('en')} rows loaded and checked in ${Date.now() - started} ms`);
  },
};
