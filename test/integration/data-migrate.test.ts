/**
 * migrate() against a real PostgreSQL and against the embedded PGlite server: the shipped datasets
 * load completely and exactly, a second run changes nothing, a failing migration leaves nothing
 * behind, and concurrent migrators apply each migration once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';
import { migrate } from '../../src/data/migrate.js';
import type { Migration } from '../../src/data/migrations/index.js';
import type { Row } from '../../src/data/database.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { startEmbeddedDbProcess } from '../helpers/embedded-db.js';
import { startTestPostgres } from '../helpers/postgres.js';

const DATA_DIR = path.resolve(import.meta.dirname, '../../data');
const ALL_MIGRATIONS = ['0001-retail-schema', '0002-retail-seed', '0003-chinook', '0004-reportflow-schema', '0005-subscriptions', '0006-report-records', '0007-subscription-ledger', '0008-request-execution', '0009-webhook-deliveries', '0010-report-configurations', '0011-subscription-configurations', '0012-templates'];
/** The migrations that create schemas (not datasets), applied even with seeding off. */
const SCHEMA_MIGRATIONS = ALL_MIGRATIONS.filter((id) => !['0002-retail-seed', '0003-chinook'].includes(id));

interface Server {
  url: string;
  stop(): Promise<void>;
}

const engines: { name: string; start: () => Promise<Server> }[] = [
  { name: 'PostgreSQL', start: startTestPostgres },
  // As `npm start` runs it: src/main/embedded-db.ts in its own process.
  { name: 'the embedded PGlite server', start: () => startEmbeddedDbProcess() },
];

async function appliedMigrations(db: PgDatabase): Promise<{ id: string; applied_at: Date }[]> {
  return db.query('SELECT id, applied_at FROM reportflow.schema_migrations ORDER BY id');
}

for (const engine of engines) {
  describe(`migrate() with seeding on ${engine.name}`, () => {
    let server: Server | undefined;
    let db: PgDatabase;

    before(async () => {
      server = await engine.start();
      db = new PgDatabase({ url: server.url });
    });
    after(async () => {
      await db?.close();
      await server?.stop();
    });

    test('applies every migration and loads both datasets, logging progress', async (t) => {
      const logs: string[] = [];
      const started = Date.now();
      await migrate(db, { dataDir: DATA_DIR, seed: true, log: (msg) => logs.push(msg) });
      t.diagnostic(`first migrate() with seed on ${engine.name}: ${Date.now() - started} ms`);
      for (const line of logs.filter((l) => /applied in|rows loaded/.test(l))) t.diagnostic(line);
      assert.deepEqual((await appliedMigrations(db)).map((m) => m.id), ALL_MIGRATIONS);
      assert.ok(logs.some((l) => /retail\.invoice_line: 100,000 of 541,909 rows/.test(l)), 'progress is logged while loading');
      const [schema] = await db.query("SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'reportflow'");
      assert.equal(schema?.n, 1);
    });

    test('retail.invoice_line holds every CSV row with the source totals', async () => {
      const [totals] = await db.query(`
        SELECT count(*)::int AS rows,
               sum(quantity * unit_price)::text AS net_revenue,
               count(DISTINCT invoice_no)::int AS invoices,
               count(*) FILTER (WHERE customer_id IS NULL)::int AS no_customer,
               count(*) FILTER (WHERE description IS NULL)::int AS no_description,
               min(line_no) AS first_line, max(line_no) AS last_line
        FROM retail.invoice_line`);
      assert.deepEqual(totals, {
        rows: 541_909, net_revenue: '9747747.934', invoices: 25_900, no_customer: 135_080, no_description: 1_454, first_line: 1, last_line: 541_909,
      });
    });

    test('invoice 536365 has its 7 lines at 08:26 UTC on 2010-12-01 (UK winter time is GMT)', async () => {
      const [invoice] = await db.query<{ lines: number; first: Date }>(
        'SELECT count(*)::int AS lines, min(invoice_date) AS first FROM retail.invoice_line WHERE invoice_no = $1', ['536365']);
      assert.equal(invoice?.lines, 7);
      assert.equal(invoice?.first.toISOString(), '2010-12-01T08:26:00.000Z');
    });

    test('a July 2011 invoice is stored an hour earlier in UTC than its UK wall-clock time (BST)', async () => {
      const [line] = await db.query<{ utc: Date; london: string }>(
        `SELECT invoice_date AS utc, to_char(invoice_date AT TIME ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI:SS') AS london
         FROM retail.invoice_line WHERE invoice_no = $1 ORDER BY line_no LIMIT 1`, ['558638']);
      assert.equal(line?.london, '2011-07-01 08:16:00');
      assert.equal(line?.utc.toISOString(), '2011-07-01T07:16:00.000Z');
    });

    test('text and prices keep the source exactly: quoted commas and quotes, £, 3-decimal prices', async () => {
      const rows = await db.query<{ invoice_no: string; description: string; unit_price: string }>(
        `SELECT invoice_no, description, unit_price FROM retail.invoice_line
         WHERE (invoice_no, stock_code) IN (('536381', '82567'), ('536540', '85071C'), ('550193', 'PADS')) ORDER BY invoice_no`);
      assert.deepEqual(rows, [
        { invoice_no: '536381', description: 'AIRLINE LOUNGE,METAL SIGN', unit_price: '2.1' },
        { invoice_no: '536540', description: 'CHARLIE+LOLA"EXTREMELY BUSY" SIGN', unit_price: '2.55' },
        { invoice_no: '550193', description: 'PADS TO MATCH ALL CUSHIONS', unit_price: '0.001' },
      ]);
      const [pound] = await db.query("SELECT count(*)::int AS n FROM retail.invoice_line WHERE description LIKE 'Dotcomgiftshop Gift Voucher £%'");
      assert.equal(pound?.n, 32);
    });

    test('chinook holds 412 invoices totalling 2328.60, with non-ASCII names intact', async () => {
      const [invoices] = await db.query('SELECT count(*)::int AS n, sum(total)::text AS total FROM chinook.invoice');
      assert.deepEqual(invoices, { n: 412, total: '2328.60' });
      const [counts] = await db.query(`SELECT
        (SELECT count(*) FROM chinook.album)::int AS album, (SELECT count(*) FROM chinook.artist)::int AS artist,
        (SELECT count(*) FROM chinook.customer)::int AS customer, (SELECT count(*) FROM chinook.employee)::int AS employee,
        (SELECT count(*) FROM chinook.genre)::int AS genre, (SELECT count(*) FROM chinook.invoice_line)::int AS invoice_line,
        (SELECT count(*) FROM chinook.media_type)::int AS media_type, (SELECT count(*) FROM chinook.playlist)::int AS playlist,
        (SELECT count(*) FROM chinook.playlist_track)::int AS playlist_track, (SELECT count(*) FROM chinook.track)::int AS track`);
      assert.deepEqual(counts, {
        album: 347, artist: 275, customer: 59, employee: 8, genre: 25, invoice_line: 2_240, media_type: 5, playlist: 18, playlist_track: 8_715, track: 3_503,
      });
      const [luis] = await db.query("SELECT first_name || ' ' || last_name AS name, city FROM chinook.customer WHERE customer_id = 1");
      assert.deepEqual(luis, { name: 'Luís Gonçalves', city: 'São José dos Campos' });
      const [searchPath] = await db.query<{ search_path: string }>('SHOW search_path');
      assert.doesNotMatch(searchPath?.search_path ?? '', /chinook/, 'the Chinook load does not leave its search_path behind');
    });

    test('the whole table streams through a cursor in batches of 5,000 rows', async (t) => {
      const started = Date.now();
      let rows = 0;
      let lastLine = 0;
      for await (const batch of db.stream('SELECT * FROM retail.invoice_line WHERE invoice_date >= $1 ORDER BY line_no', [new Date('2010-01-01T00:00:00Z')], 5_000)) {
        assert.ok(batch.length <= 5_000);
        assert.equal(batch[0]?.line_no, lastLine + 1);
        lastLine = batch[batch.length - 1]!.line_no as number;
        rows += batch.length;
      }
      t.diagnostic(`streamed ${rows} rows from ${engine.name} in ${Date.now() - started} ms`);
      assert.equal(rows, 541_909);
    });

    test('both stream modes read the same rows in the same order, with exact numerics and instants', async () => {
      const read = async (streamMode: 'transaction' | 'held') => {
        // One stream connection, so that the pg_cursors read below runs in the session of the stream
        // before it on PostgreSQL too (on PGlite every connection shares one session).
        const reader = new PgDatabase({ url: server!.url, streamMode, maxStreams: 1 });
        const rows: string[] = [];
        try {
          for await (const batch of reader.stream('SELECT line_no, unit_price, invoice_date FROM retail.invoice_line WHERE invoice_date < $1 ORDER BY invoice_date, line_no', [new Date('2011-01-01T00:00:00Z')], 5_000)) {
            assert.ok(batch.length <= 5_000);
            for (const row of batch) rows.push(`${row.line_no as number} ${row.unit_price as string} ${(row.invoice_date as Date).toISOString()}`);
          }
          // A reader that stops early leaves no cursor behind. (The marker is split in the second query
          // so that its own cursor, listed too, does not match.)
          for await (const _ of reader.stream('SELECT line_no AS stopped_early FROM retail.invoice_line', [], 10)) break;
          const left: Row[] = [];
          for await (const batch of reader.stream(`SELECT statement FROM pg_cursors WHERE statement LIKE '%stopped' || '_early%'`, [], 10)) left.push(...batch);
          assert.deepEqual(left, []);
        } finally {
          await reader.close();
        }
        return rows;
      };
      const inTransaction = await read('transaction');
      assert.equal(inTransaction.length, 42_481);
      assert.deepEqual(await read('held'), inTransaction);
    });

    test('a second run applies nothing and changes no data', async () => {
      const before = await appliedMigrations(db);
      const logs: string[] = [];
      const started = Date.now();
      await migrate(db, { dataDir: DATA_DIR, seed: true, log: (msg) => logs.push(msg) });
      assert.ok(Date.now() - started < 5_000, 'an up-to-date database is checked quickly');
      assert.deepEqual(await appliedMigrations(db), before);
      assert.deepEqual(logs, ['database schema is up to date']);
      const [counts] = await db.query('SELECT (SELECT count(*) FROM retail.invoice_line)::int AS retail, (SELECT count(*) FROM chinook.invoice)::int AS chinook');
      assert.deepEqual(counts, { retail: 541_909, chinook: 412 });
    });

    test('a migration that fails half-way leaves no trace and is retried by the next run', async () => {
      let fail = true;
      const halfWay: Migration = {
        id: '9001-test-half-way',
        async up(tx) {
          await tx.query('CREATE SCHEMA test_half_way');
          await tx.query('CREATE TABLE test_half_way.t AS SELECT generate_series(1, 1000) AS n');
          if (fail) throw new Error('simulated failure after 1000 rows');
        },
      };
      await assert.rejects(migrate(db, { dataDir: DATA_DIR, seed: true }, [halfWay]), /simulated failure/);
      const [left] = await db.query("SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'test_half_way'");
      assert.equal(left?.n, 0);
      assert.ok(!(await appliedMigrations(db)).some((m) => m.id === halfWay.id));
      fail = false;
      await migrate(db, { dataDir: DATA_DIR, seed: true }, [halfWay]);
      const [rows] = await db.query('SELECT count(*)::int AS n FROM test_half_way.t');
      assert.equal(rows?.n, 1000);
    });

    test('two migrators started together apply each migration once', async () => {
      const slow: Migration = {
        id: '9002-test-concurrent',
        async up(tx) {
          await tx.query('CREATE SCHEMA test_concurrent');
          await tx.query('SELECT pg_sleep(0.3)');
        },
      };
      const other = new PgDatabase({ url: server!.url });
      const logs: string[] = [];
      try {
        await Promise.all([
          migrate(db, { dataDir: DATA_DIR, seed: false, log: (m) => logs.push(`a: ${m}`) }, [slow]),
          migrate(other, { dataDir: DATA_DIR, seed: false, log: (m) => logs.push(`b: ${m}`) }, [slow]),
        ]);
      } finally {
        await other.close();
      }
      assert.equal(logs.filter((l) => l.includes('9002-test-concurrent: applied')).length, 1, logs.join('\n'));
      assert.equal((await appliedMigrations(db)).filter((m) => m.id === slow.id).length, 1);
    });
  });
}

/** A copy of the data directory whose Online Retail CSV has only the first `rows` data rows. */
async function truncatedDataDir(rows: number): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reportflow-data-'));
  await mkdir(path.join(dir, 'online-retail'));
  await mkdir(path.join(dir, 'chinook'));
  await copyFile(path.join(DATA_DIR, 'chinook', 'Chinook_PostgreSql.sql'), path.join(dir, 'chinook', 'Chinook_PostgreSql.sql'));
  const lines = createInterface({ input: createReadStream(path.join(DATA_DIR, 'online-retail', 'online_retail.csv.gz')).pipe(createGunzip()) });
  const head: string[] = [];
  for await (const line of lines) {
    head.push(line);
    if (head.length > rows) break;
  }
  lines.close();
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(path.join(dir, 'online-retail', 'online_retail.csv.gz')));
  gzip.end(head.join('\n') + '\n');
  await done;
  return dir;
}

describe('migrate() whatever the search_path', () => {
  test('a role named reportflow (search_path "$user", public) still finds the ledger: a second run applies nothing', async () => {
    const server = await startTestPostgres();
    // `options` sets the session's search_path as "$user" does for a role named reportflow.
    const url = new URL(server.url);
    url.searchParams.set('options', '-c search_path=reportflow,public');
    const db = new PgDatabase({ url: url.toString() });
    try {
      await migrate(db, { dataDir: path.resolve('data'), seed: false });
      const first = await appliedMigrations(db);
      const lines: string[] = [];
      await migrate(db, { dataDir: path.resolve('data'), seed: false, log: (m) => lines.push(m) });
      assert.deepEqual(await appliedMigrations(db), first);
      assert.ok(!lines.some((l) => l.includes(': applying')), lines.join('\n'));
    } finally {
      await db.close();
      await server.stop();
    }
  });
});

describe('migrate() on a fresh PostgreSQL database', () => {
  let server: Server | undefined;
  let url: string;
  let db: PgDatabase;
  let dataDir: string | undefined;
  let freshName: string | undefined;

  before(async () => {
    server = await startTestPostgres();
    // A second database on the same server, so this file's seeded one is left alone.
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    // Unique, and dropped afterwards: a shared TEST_DATABASE_URL server outlives this run.
    freshName = `fresh_check_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${freshName}`);
    await admin.end();
    const u = new URL(server.url);
    u.pathname = `/${freshName}`;
    url = u.toString();
    db = new PgDatabase({ url });
    dataDir = await truncatedDataDir(1_000);
  });
  after(async () => {
    await db?.close();
    if (server && freshName) {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${freshName} WITH (FORCE)`);
      await admin.end();
    }
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('without seeding, the schemas are created and the dataset loads stay pending', async () => {
    const logs: string[] = [];
    await migrate(db, { dataDir: DATA_DIR, seed: false, log: (m) => logs.push(m) });
    assert.deepEqual((await appliedMigrations(db)).map((m) => m.id), SCHEMA_MIGRATIONS);
    assert.ok(logs.includes('migration 0002-retail-seed: skipped (seeding is off)'));
    const [rows] = await db.query('SELECT count(*)::int AS n FROM retail.invoice_line');
    assert.equal(rows?.n, 0);
  });

  test('a dataset that does not match its expected totals is rolled back whole', async () => {
    await assert.rejects(
      migrate(db, { dataDir: dataDir!, seed: true }),
      /retail\.invoice_line check failed: 1000 rows .* expected 541909 rows/,
    );
    const [rows] = await db.query('SELECT count(*)::int AS n FROM retail.invoice_line');
    assert.equal(rows?.n, 0, 'no half-loaded table');
    assert.deepEqual((await appliedMigrations(db)).map((m) => m.id), SCHEMA_MIGRATIONS);
    const [chinook] = await db.query("SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'chinook'");
    assert.equal(chinook?.n, 0, 'later migrations are not attempted after a failure');
  });

  test('a missing data directory is reported by path', async () => {
    await assert.rejects(migrate(db, { dataDir: '/nonexistent/data', seed: true }), /Online Retail dataset not found at \/nonexistent\/data\/online-retail\/online_retail\.csv\.gz/);
  });
});
