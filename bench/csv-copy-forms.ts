/**
 * The copy alone, in three forms, on `DATABASE_URL` (a PostgreSQL holding the datasets, e.g. the bench
 * database after one `npm run bench`): the plain COPY of the INVOICE_LINES query (what the peer table
 * calls PostgreSQL's own export), the COPY with timestamps put in Europe/London in SQL (as ece2176 did),
 * and reportflow's COPY with UTC text that the worker puts in the zone (src/render/copied-csv-bytes.ts).
 * The two reportflow forms are read into a sha256 (as the report file is), the plain one only read; no
 * file is written. Three rounds in turn; prints ms and bytes per run.
 *
 *   DATABASE_URL=postgres://reportflow:reportflow@127.0.0.1:5432/bench node --import tsx bench/csv-copy-forms.ts
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createHash } from 'node:crypto';
import { copyCsvStatement, parameterSettings, settingParameters } from '../src/data/copy-csv.js';
import { copiedCsvBytes } from '../src/render/copied-csv-bytes.js';
const c = new pg.Client(process.env.DATABASE_URL); await c.connect();
const raw = `SELECT line_no, invoice_no, invoice_date, stock_code, description, quantity, unit_price, quantity * unit_price AS line_total, customer_id, country FROM retail.invoice_line WHERE invoice_date >= $1::timestamptz AND invoice_date < $2::timestamptz ORDER BY invoice_date, line_no`;
const cols = [['line_no','integer'],['invoice_no','string'],['invoice_date','timestamp'],['stock_code','string'],['description','string'],['quantity','integer'],['unit_price','decimal'],['line_total','decimal'],['customer_id','integer'],['country','string']].map(([name,type])=>({name,type})) as never;
const VALUES = ['2010-12-01T00:00:00Z', '2012-01-01T00:00:00Z'];
async function time(label: string, sql: string, consume?: (b: Buffer) => void) {
  await c.query('BEGIN');
  for (const setting of parameterSettings(VALUES)) await c.query(`SELECT set_config($1, $2, true)`, [setting.name, setting.value]);
  const t = performance.now(); let n = 0;
  for await (const chunk of c.query(copyTo(sql))) { n += chunk.length; consume?.(chunk); }
  await c.query('COMMIT');
  console.log(label, Math.round(performance.now() - t), 'ms', n);
}
const bound = settingParameters(raw, ['timestamp with time zone', 'timestamp with time zone'], VALUES);
const oldSql = `COPY (SELECT q.line_no::text, NULLIF(q.invoice_no, ''), replace(to_char((q.invoice_date AT TIME ZONE 'Europe/London'), 'YYYY-MM-DD"T"HH24:MI:SS.MS'), '.000', '') || CASE WHEN ((q.invoice_date AT TIME ZONE 'Europe/London') - (q.invoice_date AT TIME ZONE 'UTC')) < interval '0' THEN '-' || to_char(-((q.invoice_date AT TIME ZONE 'Europe/London') - (q.invoice_date AT TIME ZONE 'UTC')), 'HH24:MI') ELSE '+' || to_char(((q.invoice_date AT TIME ZONE 'Europe/London') - (q.invoice_date AT TIME ZONE 'UTC')), 'HH24:MI') END, NULLIF(q.stock_code, ''), NULLIF(q.description, ''), q.quantity::text, q.unit_price::text, q.line_total::text, q.customer_id::text, NULLIF(q.country, '') FROM (${bound}) q ORDER BY q.invoice_date, q.line_no) TO STDOUT (FORMAT csv)`;
for (let i = 0; i < 3; i++) {
  await time('plain COPY', `COPY (${bound}) TO STDOUT (FORMAT csv)`);
  { const h = createHash('sha256'); await time('old: zone in SQL + sha', oldSql, (b) => h.update(b)); }
  { const e = copiedCsvBytes(cols, 'Europe/London'); const h = createHash('sha256'); await time('new: UTC text + JS zone + sha', copyCsvStatement(bound, { columns: cols, orderBy: ['invoice_date', 'line_no'] }), (b) => h.update(e.convert(b))); }
}
await c.end();
