/**
 * Loads the shipped Chinook PostgreSQL script into schema `chinook` (tables, rows, indexes, foreign keys).
 * The upstream script creates its own database and connects to it with psql's `\c`; those lines are
 * dropped so it runs inside this migration's transaction on any PostgreSQL or PGlite database.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CHINOOK } from '../datasets.js';
import type { Migration } from './migration.js';

/** `DROP DATABASE …;`, `CREATE DATABASE …;` and psql meta-commands (`\c chinook;`), as statements, not inside comments. */
const DATABASE_LEVEL_LINE = /^((DROP|CREATE) DATABASE\b.*;|\\.*)\s*$/;

/** The script without its database-level lines. @throws Error when none were found (not the expected script). */
export function chinookScriptForSchema(script: string): string {
  const lines = script.split('\n');
  const kept = lines.filter((line) => !DATABASE_LEVEL_LINE.test(line));
  if (lines.length - kept.length !== 3) throw new Error(`Chinook script: expected 3 database-level lines (DROP/CREATE DATABASE, \\c), found ${lines.length - kept.length}`);
  return kept.join('\n');
}

export const migration: Migration = {
  id: '0003-chinook',
  seed: true,
  async up(db, ctx) {
    const file = path.join(ctx.dataDir, CHINOOK.file);
    const script = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new Error(`Chinook dataset not found at ${file}: the data directory must be the project's data/ folder`, { cause: err });
    });
    const started = Date.now();
    await db.query('CREATE SCHEMA chinook');
    // SET LOCAL ends with the transaction: other statements on this connection keep their search_path
    // (on the embedded server all connections share one session, so a plain SET would leak to them).
    await db.query('SET LOCAL search_path TO chinook');
    // The script is trusted, shipped data; it runs as one multi-statement simple query.
    await db.query(chinookScriptForSchema(script));
    // Back to the default so later statements of the transaction resolve names as usual.
    await db.query('SET LOCAL search_path TO DEFAULT');
    const [check] = await db.query<{ invoices: number; total: string }>('SELECT count(*)::integer AS invoices, sum(total)::text AS total FROM chinook.invoice');
    if (check?.invoices !== CHINOOK.invoices || check.total !== CHINOOK.invoiceTotal) {
      throw new Error(`chinook.invoice check failed: ${check?.invoices} invoices totalling ${check?.total}, expected ${CHINOOK.invoices} totalling ${CHINOOK.invoiceTotal}`);
    }
    ctx.log(`chinook: 11 tables loaded and checked in ${Date.now() - started} ms`);
  },
};
