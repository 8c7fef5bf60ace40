/**
 * Report filters on real engines: a real PostgreSQL and the embedded PGlite server, each holding the
 * Online Retail sample. INVOICE_LINES runs with filters through the query-data activity (in a mock
 * activity context); its rows and SUM(quantity * unit_price) must equal a hand-written SQL over the
 * same table for every operator, in the unfiltered report's order. Dates and booleans, which the
 * shipped definitions do not filter on, run through the SQL builder and a cursor.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { queryDataActivity } from '../../activities/query-data.js';
import type { FilterDeclaration } from '../../src/catalog/report-definition.js';
import { validateRequest } from '../../src/catalog/validate-request.js';
import { validateFilters } from '../../src/catalog/validate-filters.js';
import type { Config } from '../../src/config/settings.js';
import { applyFilters } from '../../src/data/filter-sql.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { bindNamedParameters, queryParameters } from '../../src/data/sql-binding.js';
import type { StagedRows } from '../../src/domain/artifacts.js';
import type { ReportFilters, ValidatedRequest } from '../../src/domain/report-request.js';
import { sumDecimals } from '../../src/render/helpers/decimal.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { readNdjson, type StagedRow } from '../../src/staging/ndjson.js';
import { loadOnlineRetailSample } from '../fixtures/online-retail-sample.js';
import { shippedCatalog, tempDir } from '../fixtures/render-fixtures.js';
import { startTestEmbeddedDb } from '../helpers/embedded-db.js';
import { startTestPostgres } from '../helpers/postgres.js';

const EVIL = "country'; DROP TABLE x;--";

/**
 * One filter request and the WHERE clause (over retail.invoice_line, written by hand) that must give
 * the same lines. `minRows`: the case is pointless unless it keeps at least this many lines.
 */
interface Case {
  name: string;
  filters: ReportFilters;
  where: string;
  minRows: number;
}

const CASES: Case[] = [
  { name: 'string eq', filters: { country: { eq: 'France' } }, where: "country = 'France'", minRows: 20 },
  { name: 'string in', filters: { country: { in: ['France', 'EIRE', 'Atlantis'] } }, where: "country IN ('France', 'EIRE')", minRows: 21 },
  { name: 'string nin', filters: { country: { nin: ['United Kingdom', 'France'] } }, where: "country NOT IN ('United Kingdom', 'France')", minRows: 27 },
  { name: 'string gt (code-point order)', filters: { invoice_no: { gt: 'C' } }, where: "invoice_no LIKE 'C%'", minRows: 2 },
  { name: 'string gte and lt', filters: { invoice_no: { gte: 'A', lt: 'B' } }, where: "invoice_no LIKE 'A%'", minRows: 3 },
  { name: 'string lte', filters: { invoice_no: { lte: '536366' } }, where: "invoice_no IN ('536365', '536366')", minRows: 8 },
  { name: 'string between', filters: { invoice_no: { between: ['536365', '536999'] } }, where: "invoice_no ~ '^[0-9]+$' AND invoice_no::int BETWEEN 536365 AND 536999", minRows: 30 },
  { name: 'injection attempts are values that match nothing', filters: { stock_code: { in: ['85123A', EVIL, 'NULL', 'a"b\\c', '{x,y}', '$1'] } }, where: "stock_code = '85123A'", minRows: 1 },
  { name: 'injection attempt in eq', filters: { country: { eq: EVIL } }, where: 'false', minRows: 0 },
  { name: 'integer eq', filters: { quantity: { eq: 6 } }, where: 'quantity = 6', minRows: 50 },
  { name: 'integer gte and lt', filters: { quantity: { gte: 10, lt: 100 } }, where: 'quantity >= 10 AND quantity < 100', minRows: 50 },
  { name: 'integer gt', filters: { quantity: { gt: 24 } }, where: 'quantity > 24', minRows: 10 },
  { name: 'integer lte', filters: { quantity: { lte: 1 } }, where: 'quantity <= 1', minRows: 19 },
  { name: 'integer between (inclusive)', filters: { quantity: { between: [2, 6] } }, where: 'quantity >= 2 AND quantity <= 6', minRows: 80 },
  { name: 'integer in', filters: { customer_id: { in: [12744, 17850] } }, where: 'customer_id IN (12744, 17850)', minRows: 71 },
  { name: 'integer nin keeps lines without a customer', filters: { customer_id: { nin: [17850, 15311] } }, where: 'customer_id IS NULL OR customer_id NOT IN (17850, 15311)', minRows: 130 },
  { name: 'decimal eq (string)', filters: { unit_price: { eq: '2.55' } }, where: 'unit_price = 2.55', minRows: 12 },
  { name: 'decimal eq (JSON number, no float rounding)', filters: { unit_price: { eq: 0.42 } }, where: "unit_price = '0.42'::numeric", minRows: 20 },
  { name: 'decimal between', filters: { unit_price: { between: ['0.85', 2.55] } }, where: 'unit_price >= 0.85 AND unit_price <= 2.55', minRows: 60 },
  { name: 'decimal in', filters: { unit_price: { in: ['4.95', 1.25, '1.250'] } }, where: 'unit_price IN (4.95, 1.25)', minRows: 22 },
  { name: 'decimal nin', filters: { unit_price: { nin: ['0.42'] } }, where: 'unit_price <> 0.42', minRows: 190 },
  { name: 'decimal gte on a computed column', filters: { line_total: { gte: 15.3 } }, where: 'quantity * unit_price >= 15.30', minRows: 50 },
  { name: 'decimal lt on a computed column (credits)', filters: { line_total: { lt: '0' } }, where: 'quantity * unit_price < 0', minRows: 2 },
  { name: 'decimal gt and lte', filters: { line_total: { gt: '10', lte: '20.34' } }, where: 'quantity * unit_price > 10 AND quantity * unit_price <= 20.34', minRows: 20 },
  { name: 'timestamp eq (an instant, any offset)', filters: { invoice_date: { eq: '2010-12-01T09:26:00+01:00' } }, where: "invoice_date = '2010-12-01 08:26:00+00'", minRows: 7 },
  {
    name: 'timestamp between (inclusive, instants)', filters: { invoice_date: { between: ['2011-06-01T00:00:00Z', '2011-06-30T21:08:00+02:00'] } },
    where: "invoice_date >= '2011-06-01 00:00:00+00' AND invoice_date <= '2011-06-30 19:08:00+00'", minRows: 14,
  },
  { name: 'timestamp gt', filters: { invoice_date: { gt: '2011-06-30T19:08:00Z' } }, where: "invoice_date > '2011-06-30 19:08:00+00'", minRows: 20 },
  { name: 'timestamp gte and lt', filters: { invoice_date: { gte: '2011-06-30T19:08:00Z', lt: '2011-07-31T00:00:00.000001Z' } }, where: "invoice_date >= '2011-06-30 19:08:00+00' AND invoice_date < '2011-07-31 00:00:00.000001+00'", minRows: 14 },
  { name: 'timestamp lte', filters: { invoice_date: { lte: '2010-12-01T08:34:00Z' } }, where: "invoice_date <= '2010-12-01 08:34:00+00'", minRows: 7 },
  { name: 'timestamp in and nin', filters: { invoice_date: { in: ['2010-12-01T08:26:00Z', '2010-12-01T08:28:00Z'], nin: ['2010-12-01T09:28:00+01:00'] } }, where: "invoice_date = '2010-12-01 08:26:00+00'", minRows: 7 },
  {
    name: 'several fields are ANDed', filters: { country: { eq: 'United Kingdom' }, quantity: { gte: 6 }, unit_price: { lt: '3' }, stock_code: { nin: ['POST'] } },
    where: "country = 'United Kingdom' AND quantity >= 6 AND unit_price < 3 AND stock_code <> 'POST'", minRows: 30,
  },
];

/** A database engine under test. */
interface Engine {
  name: string;
  start(): Promise<{ url: string; stop(): Promise<void> }>;
}

const ENGINES: Engine[] = [
  { name: 'PostgreSQL', start: startTestPostgres },
  { name: 'PGlite (embedded server)', start: () => startTestEmbeddedDb() },
];

/** The whole sample's period, so the hand-written SQL needs no period condition. */
const WHOLE_SAMPLE = [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-09' }];

for (const engine of ENGINES) {
  describe(`filters on ${engine.name}`, () => {
    let server: { url: string; stop(): Promise<void> };
    let db: PgDatabase;
    let runs = 0;
    /** INVOICE_LINES over the whole sample with `filters`, through the query-data activity: its staged rows. */
    let report: (filters?: ReportFilters) => Promise<StagedRow[]>;

    before(async () => {
      server = await engine.start();
      db = new PgDatabase({ url: server.url });
      assert.equal(await loadOnlineRetailSample(db), 214);
      const catalog = shippedCatalog();
      const queryData = queryDataActivity({
        catalog, db, staging: new LocalStaging(tempDir('rf-filters-staging-')), config: { queryBatchRows: 37 } as Config, logger: pino({ level: 'silent' }),
      });
      report = async (filters) => {
        const validated = validateRequest(catalog, {
          id: `01JFILTERS${String(++runs).padStart(16, '0')}`, tenantId: 'default', reportCode: 'INVOICE_LINES', format: 'CSV', language: 'en',
          timezone: 'Europe/London', parameterValues: WHOLE_SAMPLE, requestedAt: '2024-05-01T10:00:00.000Z', ...(filters ? { filters } : {}),
        });
        const staged = await new MockActivityEnvironment().run<[ValidatedRequest], StagedRows, typeof queryData>(queryData, validated);
        const rows: StagedRow[] = [];
        for await (const row of readNdjson(fileURLToPath(staged.uri))) rows.push(row);
        assert.equal(staged.rows, rows.length);
        return rows;
      };
    });
    after(async () => {
      await db?.close();
      await server?.stop();
    });

    test('every operator gives the rows and total of the hand-written SQL, in the report order', async () => {
      const unfiltered = (await report()).map((r) => r.line_no as number);
      assert.equal(unfiltered.length, 214);
      for (const c of CASES) {
        const rows = await report(c.filters);
        const [expected] = await db.query<{ line_nos: number[] | null; total: string | null }>(
          `SELECT array_agg(line_no ORDER BY line_no) AS line_nos, sum(quantity * unit_price)::text AS total FROM retail.invoice_line WHERE ${c.where}`,
        );
        const got = rows.map((r) => r.line_no as number);
        assert.ok(got.length >= c.minRows, `${c.name}: ${got.length} rows, expected at least ${c.minRows}`);
        assert.deepEqual([...got].sort((a, b) => a - b), expected!.line_nos ?? [], `${c.name}: the same lines`);
        assert.equal(sumDecimals(rows.map((r) => r.line_total)), sumDecimals([expected!.total ?? '0']), `${c.name}: SUM(quantity * unit_price)`);
        const kept = new Set(got);
        assert.deepEqual(got, unfiltered.filter((n) => kept.has(n)), `${c.name}: in the unfiltered report's order`);
      }
      const [table] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM retail.invoice_line');
      assert.equal(table!.n, 214, 'the table is still there, untouched');
    });

    test('SALES_SUMMARY filters its grouped rows and keeps their order', async () => {
      const catalog = shippedCatalog();
      const def = catalog.get('SALES_SUMMARY')!;
      const run = async (filters?: ReportFilters) => {
        const validated = validateRequest(catalog, {
          id: '01JFILTERSSALES00000000000', tenantId: 'default', reportCode: 'SALES_SUMMARY', format: 'CSV', language: 'en', timezone: 'Europe/London',
          parameterValues: WHOLE_SAMPLE, requestedAt: '2024-05-01T10:00:00.000Z', ...(filters ? { filters } : {}),
        });
        const { text, values } = applyFilters(def, bindNamedParameters(def.querySql, queryParameters(validated)), validated.filters);
        return db.query<{ country: string; month: string; net_sales: string; lines: number }>(text, values);
      };
      const all = await run();
      const filtered = await run({ month: { between: ['2011-06', '2011-07'] }, net_sales: { gt: '0' }, country: { nin: ['EIRE'] } });
      const expected = all.filter((r) => r.month >= '2011-06' && r.month <= '2011-07' && Number(r.net_sales) > 0 && r.country !== 'EIRE');
      assert.ok(expected.length >= 2);
      assert.deepEqual(filtered, expected);
    });

    test('dates compare as dates and booleans as booleans', async () => {
      const def: { code: string; filters: Record<string, FilterDeclaration>; order_by: string[] } = {
        code: 'TEST_DAYS',
        filters: { day: { type: 'date' }, is_credit_note: { type: 'boolean' } },
        order_by: ['day desc', 'line_no'],
      };
      const base = {
        text: `SELECT line_no, (invoice_date AT TIME ZONE $1::text)::date AS day, invoice_no LIKE 'C%' AS is_credit_note
               FROM retail.invoice_line ORDER BY day DESC, line_no`,
        values: ['Asia/Tokyo'],
      };
      const cases: [ReportFilters, string][] = [
        [{ day: { eq: '2011-07-01' } }, "(invoice_date AT TIME ZONE 'Asia/Tokyo')::date = date '2011-07-01'"],
        [{ day: { between: ['2010-12-01', '2011-06-30'] } }, "(invoice_date AT TIME ZONE 'Asia/Tokyo')::date BETWEEN date '2010-12-01' AND date '2011-06-30'"],
        [{ day: { gt: '2011-07-01', lte: '2011-08-12' } }, "(invoice_date AT TIME ZONE 'Asia/Tokyo')::date > date '2011-07-01' AND (invoice_date AT TIME ZONE 'Asia/Tokyo')::date <= date '2011-08-12'"],
        [{ day: { gte: '2011-07-01', lt: '2011-12-31', nin: ['2011-07-01'] } }, "invoice_date >= '2011-07-02 00:00:00+09' AND invoice_date < '2011-12-31 00:00:00+09'"],
        [{ day: { in: ['2010-12-01', '2011-07-01'] } }, "(invoice_date AT TIME ZONE 'Asia/Tokyo')::date IN (date '2010-12-01', date '2011-07-01')"],
        [{ is_credit_note: { eq: true } }, "invoice_no LIKE 'C%'"],
        [{ is_credit_note: { nin: [true] } }, "invoice_no NOT LIKE 'C%'"],
        [{ is_credit_note: { in: [false] }, day: { lt: '2011-01-01' } }, "invoice_no NOT LIKE 'C%' AND invoice_date < '2011-01-01 00:00:00+09'"],
      ];
      const unfiltered = (await db.query<{ line_no: number }>(base.text, base.values)).map((r) => r.line_no);
      for (const [filters, where] of cases) {
        const q = applyFilters(def, base, validateFilters(def, filters));
        const got: number[] = [];
        for await (const batch of db.stream(q.text, q.values, 10)) got.push(...batch.map((r) => r.line_no as number));
        const expected = await db.query<{ line_no: number }>(`SELECT line_no FROM retail.invoice_line WHERE ${where} ORDER BY line_no`);
        assert.ok(got.length > 0, JSON.stringify(filters));
        assert.deepEqual([...got].sort((a, b) => a - b), expected.map((r) => r.line_no), JSON.stringify(filters));
        const kept = new Set(got);
        assert.deepEqual(got, unfiltered.filter((n) => kept.has(n)), `${JSON.stringify(filters)}: in the query's order`);
      }
    });
  });
}
