/**
 * Schema `retail`: the Online Retail invoice lines, one row per CSV row, values as in the source.
 */
import type { Migration } from './migration.js';

export const migration: Migration = {
  id: '0001-retail-schema',
  async up(db) {
    await db.query(`
      CREATE SCHEMA retail;
      CREATE TABLE retail.invoice_line (
        line_no      integer PRIMARY KEY,   -- 1-based row number in the source CSV
        invoice_no   text NOT NULL,         -- 'C' prefix = cancellation/credit note, 'A' = bad-debt adjustment
        stock_code   text NOT NULL,
        description  text,                  -- null when empty in the source
        quantity     integer NOT NULL,
        invoice_date timestamptz NOT NULL,  -- source is UK wall-clock time, loaded AT TIME ZONE 'Europe/London'
        unit_price   numeric NOT NULL,      -- GBP, exact as in the source (up to 3 decimals)
        customer_id  integer,               -- null when empty in the source
        country      text NOT NULL
      );
      CREATE INDEX invoice_line_invoice_no_idx ON retail.invoice_line (invoice_no);
      CREATE INDEX invoice_line_invoice_date_idx ON retail.invoice_line (invoice_date);
      CREATE INDEX invoice_line_customer_id_idx ON retail.invoice_line (customer_id);
      CREATE INDEX invoice_line_country_idx ON retail.invoice_line (country);
    `);
  },
};
