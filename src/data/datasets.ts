/**
 * The datasets shipped in `data/` (see data/README.md for sources, licenses and checksums): where
 * they live under the data directory and the figures a complete load must reproduce.
 */
import path from 'node:path';

/** UCI "Online Retail": invoice lines of a UK online retailer, 2010-12-01 to 2011-12-09 (UK wall-clock time). */
export const ONLINE_RETAIL = {
  /** Path below the data directory of the gzipped CSV (UTF-8, header row, 8 columns). */
  file: path.join('online-retail', 'online_retail.csv.gz'),
  /** The CSV header, exactly; anything else means a different file. */
  header: ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'],
  /** Data rows (lines after the header). */
  rows: 541_909,
  /** Net revenue, sum of Quantity × UnitPrice over all rows, in GBP, exact (as PostgreSQL prints the numeric). */
  netRevenueGbp: '9747747.934',
  /** Time zone of the source's wall-clock `InvoiceDate` values. */
  timeZone: 'Europe/London',
} as const;

/** Chinook 1.4.5, the music-store sample database (PostgreSQL script). */
export const CHINOOK = {
  /** Path below the data directory of the upstream PostgreSQL script. */
  file: path.join('chinook', 'Chinook_PostgreSql.sql'),
  /** Rows of `invoice` and the sum of `invoice.total` a complete load has. */
  invoices: 412,
  invoiceTotal: '2328.60',
} as const;
