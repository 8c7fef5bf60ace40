/**
 * PostgreSQL's own export of the full INVOICE_LINES data: `COPY (<the report's query, parameters
 * inlined>) TO STDOUT (FORMAT csv, HEADER)` streamed into a file with pg-copy-streams — the floor for
 * any service that reads those rows from the database and writes them as CSV.
 * The query is the one reportflow's query activity runs (the definition's SQL, bound by
 * `bindNamedParameters`, through `applyFilters`), with its bound values written in as literals,
 * since COPY takes no parameters.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { validateRequest } from '../../src/catalog/validate-request.js';
import { applyFilters } from '../../src/data/filter-sql.js';
import { bindNamedParameters, queryParameters } from '../../src/data/sql-binding.js';
import { TEMPLATES_DIR } from '../invoice-pages.js';
import { BENCH_LOCALE, FULL_CSV_PERIOD } from '../reportflow-runs.js';
import { requirePeer } from './install.js';

/** What one COPY took: ms from sending the statement to the file's last byte, rows (header excluded), bytes. */
export interface CopyFigure {
  ms: number;
  rows: number;
  sizeBytes: number;
}

/**
 * The SQL text of the full INVOICE_LINES report, its values inlined as literals.
 * @throws Error when the bound query has placeholders it cannot fill.
 */
export function fullCsvSql(client: pg.Client): string {
  const catalog = loadCatalog(TEMPLATES_DIR);
  const definition = catalog.get('INVOICE_LINES')!;
  const validated = validateRequest(catalog, {
    id: 'bench-copy', tenantId: 'default', reportCode: 'INVOICE_LINES', format: 'CSV', ...BENCH_LOCALE, requestedAt: new Date().toISOString(),
    parameterValues: Object.entries(FULL_CSV_PERIOD).map(([name, value]) => ({ name, value })),
  });
  const bound = bindNamedParameters(definition.querySql, queryParameters(validated, Object.keys(definition.parameters.properties)));
  const { text, values } = applyFilters(definition, bound, validated.filters);
  // `$n` appears in the bound text only as a placeholder: the definition's SQL has no `$` of its own.
  if (definition.querySql.includes('$')) throw new Error('INVOICE_LINES query holds a "$": inlining its parameters needs a real parser');
  return text.replace(/\$(\d+)\b/g, (_, n: string) => {
    if (Number(n) < 1 || Number(n) > values.length) throw new Error(`no value for $${n}`);
    const v = values[Number(n) - 1];
    return v === null || v === undefined ? 'NULL' : client.escapeLiteral(String(v));
  });
}

/**
 * Runs the COPY against `databaseUrl` into a temporary file (deleted afterwards).
 * @throws Error when the server refuses COPY … TO STDOUT or the connection fails.
 */
export async function copyFullCsv(databaseUrl: string): Promise<CopyFigure> {
  const { to: copyTo } = requirePeer('pg-copy-streams') as { to(sql: string): Readable & pg.Submittable };
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'reportflow-bench-copy' });
  const dir = await mkdtemp(path.join(tmpdir(), 'reportflow-bench-copy-'));
  const file = path.join(dir, 'invoice-lines.csv');
  await client.connect();
  try {
    const sql = `COPY (${fullCsvSql(client)}) TO STDOUT (FORMAT csv, HEADER)`;
    let newlines = 0;
    const countLines = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
        done(null, chunk);
      },
    });
    const t0 = performance.now();
    await pipeline(client.query(copyTo(sql)), countLines, createWriteStream(file) as Writable);
    const ms = performance.now() - t0;
    return { ms, rows: newlines - 1, sizeBytes: (await stat(file)).size };
  } finally {
    await client.end().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
