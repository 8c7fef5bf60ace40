/**
 * CSV made by PostgreSQL's COPY (src/data/copy-csv.ts, activities/copy-report-csv.ts) on a real
 * PostgreSQL: the file must be the staged path's file byte for byte (cursor → NDJSON → csv-stringify),
 * for the shipped INVOICE_LINES report with and without filters, in zones with odd offsets, with
 * comment lines, and for a table of awkward values (quotes, commas, line breaks, empty strings, NULLs,
 * milliseconds, booleans, dates). A query whose column types need the staged path's conversions, and
 * the embedded engine, decline; a cancel stops the copy and the database stays usable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { queryDataActivity } from '../../activities/query-data.js';
import { renderActivity } from '../../activities/render.js';
import { exportActivity } from '../../activities/export.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { validateRequest } from '../../src/catalog/validate-request.js';
import type { Config } from '../../src/config/settings.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import type { ColumnSpec, ExportedReport, RenderedFile, StagedRows } from '../../src/domain/artifacts.js';
import type { ReportFilters, ValidatedRequest } from '../../src/domain/report-request.js';
import { CsvRenderer } from '../../src/render/csv-renderer.js';
import type { Renderers } from '../../src/render/renderer.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { NdjsonWriter, toStagedValue } from '../../src/staging/ndjson.js';
import { loadOnlineRetailSample } from '../fixtures/online-retail-sample.js';
import { shippedCatalog, tempDir, templatesWith } from '../fixtures/render-fixtures.js';
import { startTestEmbeddedDb } from '../helpers/embedded-db.js';
import { startTestPostgres } from '../helpers/postgres.js';

const NOW = new Date('2024-05-01T10:00:00.000Z');
const csvRenderer = new CsvRenderer({ now: () => NOW });
const silent = pino({ level: 'silent' });
const catalog = shippedCatalog();
let runs = 0;

function request(timezone: string, filters?: ReportFilters, csvCommentLines = false): ValidatedRequest {
  return validateRequest(catalog, {
    id: `01JCOPYCSV${String(++runs).padStart(16, '0')}`, tenantId: 'default', reportCode: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone,
    parameterValues: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-09' }], requestedAt: NOW.toISOString(),
    ...(filters ? { filters } : {}), ...(csvCommentLines ? { csvCommentLines: true } : {}),
  });
}

/** Query then render stage through the activities, with or without the CSV renderer at the query stage (which is what turns COPY on). */
async function produce(db: PgDatabase, validated: ValidatedRequest, copy: boolean): Promise<{ staged: StagedRows; rendered: RenderedFile; bytes: Buffer }> {
  const staging = new LocalStaging(tempDir('rf-copy-staging-'));
  const renderers = { CSV: csvRenderer } as unknown as Renderers;
  const queryData = queryDataActivity({ catalog, db, staging, config: { queryBatchRows: 50 } as Config, logger: silent, ...(copy ? { renderers } : {}) });
  const renderReport = renderActivity({ catalog, staging, renderers, logger: silent });
  const env = new MockActivityEnvironment();
  const staged: StagedRows = await env.run(queryData, validated);
  const rendered: RenderedFile = await env.run(renderReport as (v: ValidatedRequest, s: unknown) => Promise<RenderedFile>, validated, staged);
  return { staged, rendered, bytes: readFileSync(fileURLToPath(rendered.uri)) };
}

describe('CSV by COPY on PostgreSQL', () => {
  let server: { url: string; stop(): Promise<void> };
  let db: PgDatabase;

  before(async () => {
    server = await startTestPostgres();
    db = new PgDatabase({ url: server.url });
    assert.equal(await loadOnlineRetailSample(db), 214);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  const cases: { name: string; validated: () => ValidatedRequest }[] = [
    { name: 'the whole sample, Europe/London', validated: () => request('Europe/London') },
    { name: 'a half-hour zone west of UTC (America/St_Johns)', validated: () => request('America/St_Johns') },
    { name: 'a 45-minute zone east of UTC (Asia/Kathmandu), with comment lines', validated: () => request('Asia/Kathmandu', undefined, true) },
    { name: 'filters of every kind, injection attempts included', validated: () => request('UTC', { country: { nin: ['France'] }, unit_price: { between: ['0.85', 2.55] }, stock_code: { in: ['85123A', "x'; DROP TABLE retail.invoice_line;--", '$1', '22752', '71053'] } }) },
    { name: 'filters that keep nothing: the header alone', validated: () => request('UTC', { country: { eq: 'Atlantis' } }) },
  ];
  for (const c of cases) {
    test(`${c.name}: the copied file equals the staged path's`, async () => {
      const validated = c.validated();
      const copied = await produce(db, validated, true);
      const staged = await produce(db, validated, false);
      assert.equal(copied.staged.report?.format, 'CSV', 'the query stage copied the CSV');
      assert.equal(staged.staged.report, undefined, 'without the renderer the rows are staged');
      assert.equal(copied.bytes.toString('utf8'), staged.bytes.toString('utf8'));
      assert.equal(copied.rendered.sha256, staged.rendered.sha256);
      assert.equal(copied.rendered.sizeBytes, copied.bytes.length);
      assert.equal(copied.rendered.rows, staged.rendered.rows);
      assert.equal(copied.rendered.fileName, staged.rendered.fileName);
    });
  }

  test('the rows and the sum of line totals are the database\'s', async () => {
    const { bytes, rendered } = await produce(db, request('Europe/London', { country: { eq: 'United Kingdom' } }), true);
    const [expected] = await db.query<{ n: number; total: string }>(`SELECT count(*)::int AS n, sum(quantity * unit_price)::text AS total FROM retail.invoice_line WHERE country = 'United Kingdom'`);
    const lines = bytes.toString('utf8').split('\r\n').filter(Boolean);
    assert.equal(lines[0], 'line_no,invoice_no,invoice_date,stock_code,description,quantity,unit_price,line_total,customer_id,country');
    assert.equal(lines.length - 1, expected!.n);
    assert.equal(rendered.rows, expected!.n);
    assert.ok(expected!.n > 100);
    // line_total is the 8th field; the sample's descriptions hold no comma or quote before it.
    const cents = lines.slice(1).reduce((sum, line) => sum + Math.round(Number(line.split(',').at(-3)) * 100), 0);
    assert.equal(cents, Math.round(Number(expected!.total) * 100));
  });

  test('the copied report is hard-linked into the LOCAL store; a retried query stage writes a new file and the stored report keeps its bytes', async () => {
    const staging = new LocalStaging(tempDir('rf-copy-staging-'));
    const destination = new LocalDestination(tempDir('rf-copy-reports-'));
    const validated = request('Europe/London', undefined, true);
    const attempt = async (now: Date) => {
      const renderers = { CSV: new CsvRenderer({ now: () => now }) } as unknown as Renderers;
      const queryData = queryDataActivity({ catalog, db, staging, config: { queryBatchRows: 50 } as Config, logger: silent, renderers });
      const staged: StagedRows = await new MockActivityEnvironment().run(queryData, validated);
      const rendered: RenderedFile = await new MockActivityEnvironment().run(renderActivity({ catalog, staging, renderers, logger: silent }) as (v: ValidatedRequest, s: unknown) => Promise<RenderedFile>, validated, staged);
      return { staged, rendered, path: fileURLToPath(rendered.uri) };
    };
    const first = await attempt(NOW);
    assert.equal(first.rendered.sealed, true);
    const upserted: unknown[] = [];
    const exportReport = exportActivity({ staging, destination, records: { upsertReport: async (r: unknown) => void upserted.push(r) } as never });
    const exported: ExportedReport = await new MockActivityEnvironment().run(exportReport as (r: unknown, f: unknown) => Promise<ExportedReport>, validated.request, first.rendered);
    const stored = destination.pathOf(exported.uri);
    assert.equal(statSync(stored).ino, statSync(first.path).ino, 'the store holds the staged file itself, not a copy');
    const storedBytes = readFileSync(stored);
    assert.equal(createHash('sha256').update(storedBytes).digest('hex'), first.rendered.sha256);
    // A retry of the query stage (its comment line's generated_at differs) writes under the same name.
    const retry = await attempt(new Date(NOW.getTime() + 3_600_000));
    assert.equal(retry.path, first.path);
    assert.notEqual(retry.rendered.sha256, first.rendered.sha256);
    assert.notEqual(statSync(retry.path).ino, statSync(stored).ino, 'the retry wrote a new file');
    assert.ok(readFileSync(stored).equals(storedBytes), 'the stored report is untouched');
    assert.equal(upserted.length, 1);
  });

  test('a timestamp no Date holds fails the run for good as DEFINITION_ERROR, on both paths', async () => {
    const root = templatesWith({ columns: [{ name: 'n', type: 'integer' }, { name: 'at', type: 'timestamp' }] });
    writeFileSync(path.join(root, 'BAD_FILTERS', 'query.sql'), "SELECT 1 AS n, 'infinity'::timestamptz AS at ORDER BY 1");
    const badCatalog = loadCatalog(root);
    const validated = validateRequest(badCatalog, { id: '01JCOPYCSVINFINITY00000000', tenantId: 'default', reportCode: 'BAD_FILTERS', format: 'CSV', language: 'en', timezone: 'UTC', parameterValues: [], requestedAt: NOW.toISOString() });
    for (const copy of [true, false]) {
      const queryData = queryDataActivity({
        catalog: badCatalog, db, staging: new LocalStaging(tempDir('rf-copy-staging-')), config: { queryBatchRows: 50 } as Config, logger: silent,
        ...(copy ? { renderers: { CSV: csvRenderer } as unknown as Renderers } : {}),
      });
      await assert.rejects(new MockActivityEnvironment().run(queryData, validated), (err: ApplicationFailure) => {
        assert.equal(err.type, 'DEFINITION_ERROR', `${copy ? 'copied' : 'staged'}: ${err.message}`);
        assert.equal(err.nonRetryable, true);
        return true;
      });
    }
  });

  describe('awkward values', () => {
    const columns: ColumnSpec[] = [
      { name: 'id', type: 'integer' }, { name: 'label', type: 'string' }, { name: 'amount', type: 'decimal' },
      { name: 'ok', type: 'boolean' }, { name: 'day', type: 'date' }, { name: 'at', type: 'timestamp' },
    ];
    const sql = 'SELECT id, label, amount, ok, day, at FROM awkward WHERE id >= $1 ORDER BY id';

    before(async () => {
      await db.query(`CREATE TABLE awkward (id bigint, label text, amount numeric, ok boolean, day date, at timestamptz)`);
      await db.query(`INSERT INTO awkward VALUES
        (1, 'plain', 1.50, true, '2024-02-29', '2024-03-31 00:59:59.999+00'),
        (2, 'comma, inside', -0.001, false, '1999-12-31', '2024-03-31 01:00:00+00'),
        (3, 'a "quoted" word', 123456789012345678901234567890.123456789, NULL, NULL, '2011-07-01 08:00:00.5+00'),
        (4, E'line\\nbreak', 0, true, '0001-01-01', NULL),
        (5, E'carriage\\rreturn and\\r\\ncrlf', NULL, false, '2024-01-01', '1970-01-01 00:00:00+00'),
        (6, '', 7, true, '2024-01-01', '2024-06-01 12:00:00.123456+00'),
        (7, NULL, 7, true, '2024-01-01', '2024-06-01 12:00:00.001+00'),
        (8, 'ünïcödé — ✓ 東京', 1e-20, true, '2024-01-01', '2038-01-19 03:14:08+00'),
        (9, '"', 1, false, '2024-01-01', '2024-10-27 00:30:00+00'),
        (10, ' leading and trailing ', 1, false, '2024-01-01', '2024-10-27 01:30:00+00'),
        (9007199254740993, 'beyond 2^53', 1, true, '2024-01-01', '2024-01-01 00:00:00+00')`);
    });

    async function both(zone: string): Promise<{ copied: string; staged: string; rows: number }> {
      const dir = tempDir('rf-copy-awkward-');
      const validated = { request: { id: 'awkward', reportCode: 'AWKWARD', timezone: zone } } as unknown as ValidatedRequest;
      const definition = { code: 'AWKWARD' } as never;
      const base = { definition, validated, columns, signal: new AbortController().signal, onProgress: () => undefined };
      const copiedPath = path.join(dir, 'copied.csv');
      const outcome = await db.copyCsv({ text: sql, values: [0] }, { columns }, (csv) => csvRenderer.renderCopied({ ...base, outPath: copiedPath }, csv));
      assert.ok(outcome.copied, outcome.copied ? '' : outcome.reason);
      const rowsPath = path.join(dir, 'rows.ndjson');
      const writer = new NdjsonWriter(rowsPath);
      for await (const batch of db.stream(sql, [0], 3)) await writer.writeMany(batch.map((row) => Object.fromEntries(columns.map((c) => [c.name, toStagedValue(row[c.name], c)]))));
      const { rows } = await writer.close();
      const stagedPath = path.join(dir, 'staged.csv');
      await csvRenderer.render({ ...base, rowsPath, rowCount: rows, outPath: stagedPath });
      assert.equal(outcome.value.rows, rows);
      return { copied: readFileSync(copiedPath, 'utf8'), staged: readFileSync(stagedPath, 'utf8'), rows };
    }

    for (const zone of ['Europe/London', 'America/St_Johns', 'Pacific/Chatham', 'UTC']) {
      test(`in ${zone}: byte for byte the staged path's CSV`, async () => {
        const { copied, staged, rows } = await both(zone);
        assert.equal(rows, 11);
        assert.equal(copied, staged);
      });
    }

    test('a column whose type the staged path converts (float, timestamp without zone) is declined', async () => {
      const float = await db.copyCsv({ text: 'SELECT 1.5::float8 AS amount', values: [] }, { columns: [{ name: 'amount', type: 'decimal' }] }, async () => assert.fail('not copied'));
      assert.deepEqual(float, { copied: false, reason: 'column amount (decimal) has PostgreSQL type 701' });
      const local = await db.copyCsv({ text: 'SELECT now()::timestamp AS at', values: [] }, { columns: [{ name: 'at', type: 'timestamp' }] }, async () => assert.fail('not copied'));
      assert.equal(local.copied, false);
      const missing = await db.copyCsv({ text: 'SELECT 1 AS a', values: [] }, { columns: [{ name: 'b', type: 'integer' }] }, async () => assert.fail('not copied'));
      assert.deepEqual(missing, { copied: false, reason: 'the query has no column b' });
      // The connection each used is still good.
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    });

    test('a consumer that fails before reading (a write fault) fails the copy, not the process', async () => {
      const stray: unknown[] = [];
      const onStray = (err: unknown) => stray.push(err);
      process.on('uncaughtException', onStray);
      try {
        await assert.rejects(
          db.copyCsv({ text: 'SELECT g AS id FROM generate_series(1, $1::int) g', values: [1_000_000] }, { columns: [{ name: 'id', type: 'integer' }] }, async () => {
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }),
          /ENOSPC/,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        process.off('uncaughtException', onStray);
      }
      assert.deepEqual(stray, []);
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
    });

    test('a cancel stops the copy at once, the process hears no stray error, and the database stays usable', async () => {
      const stray: unknown[] = [];
      const onStray = (err: unknown) => stray.push(err);
      process.on('uncaughtException', onStray);
      const controller = new AbortController();
      let chunks = 0;
      const big = { text: 'SELECT g AS id FROM generate_series(1, $1::int) g', values: [50_000_000] };
      const started = Date.now();
      await assert.rejects(
        db.copyCsv(big, { columns: [{ name: 'id', type: 'integer' }] }, async (csv) => {
          for await (const _chunk of csv) if (++chunks === 3) controller.abort(new Error('cancelled'));
        }, controller.signal),
        { name: 'AbortError' },
      );
      assert.ok(chunks >= 3);
      assert.ok(Date.now() - started < 20_000, 'did not read the 50 million rows');
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }]);
      // The destroyed connection reports its end after the copy's consumer stopped listening.
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.off('uncaughtException', onStray);
      assert.deepEqual(stray, []);
    });
  });
});

describe('CSV by COPY on the embedded engine', () => {
  test('declines, and the query stage stages rows as before', async () => {
    const server = await startTestEmbeddedDb();
    const db = new PgDatabase({ url: server.url });
    try {
      assert.equal(await loadOnlineRetailSample(db), 214);
      const outcome = await db.copyCsv({ text: 'SELECT 1 AS a', values: [] }, { columns: [{ name: 'a', type: 'integer' }] }, async () => assert.fail('not copied'));
      assert.equal(outcome.copied, false);
      const { staged, bytes } = await produce(db, request('Europe/London'), true);
      assert.equal(staged.report, undefined);
      assert.equal(bytes.toString('utf8').split('\r\n').filter(Boolean).length, 215);
    } finally {
      await db.close();
      await server.stop();
    }
  });
});
