/**
 * Cancelling over the HTTP API while Chromium is printing: POST /v1/report-generate-requests/{id}/cancel
 * on a real stack (Temporal dev server, the real worker activities, real Chromium, real PostgreSQL
 * for the records). The run ends CANCELLED, Chromium's page is closed (its slot is free again),
 * nothing is exported, and no report record exists.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { realStack } from '../helpers/real-stack.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const SHARED = path.resolve(import.meta.dirname, '../../templates/_shared');
const temporal = useTemporalTestServer();
let pgServer: TestPostgres;
let db: PgDatabase;
let root: string;

/**
 * A catalog with one report that keeps Chromium busy for many seconds: 20,000 generated rows of
 * ~400 characters each (no dataset needed), printed as a PDF of thousands of pages.
 */
async function slowCatalogDir(dir: string): Promise<string> {
  await cp(SHARED, path.join(dir, '_shared'), { recursive: true });
  await mkdir(path.join(dir, 'SLOW_LINES'), { recursive: true });
  await writeFile(path.join(dir, 'SLOW_LINES', 'report.json'), JSON.stringify({
    code: 'SLOW_LINES',
    title: { en: 'Slow lines', no: 'Trege linjer' },
    description: 'Twenty thousand generated lines, for cancellation tests.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    query: 'query.sql',
    columns: [{ name: 'n', type: 'integer' }, { name: 'label', type: 'string' }],
    formats: { PDF: { template: 'lines.hbs' } },
  }));
  await writeFile(path.join(dir, 'SLOW_LINES', 'query.sql'), "SELECT g AS n, 'line ' || g || ' ' || repeat(md5(g::text) || ' ', 12) AS label FROM generate_series(1, 20000) AS g ORDER BY g");
  await writeFile(path.join(dir, 'SLOW_LINES', 'lines.hbs'), '<!DOCTYPE html><html><body><table>{{#each rows}}<tr><td>{{n}}</td><td>{{label}}</td></tr>{{/each}}</table></body></html>');
  return dir;
}

before(async () => {
  pgServer = await startTestPostgres();
  db = new PgDatabase({ url: pgServer.url, applicationName: 'api-cancel-render' });
  await migrate(db, { dataDir: '', seed: false });
  root = await mkdtemp(path.join(tmpdir(), 'reportflow-cancel-'));
});
after(async () => {
  await db?.close();
  await pgServer?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

void test('cancel during the PDF render: CANCELLED, the Chromium page closed, nothing exported or recorded as a report', { timeout: 180_000 }, async () => {
  const templatesDir = await slowCatalogDir(path.join(root, 'templates'));
  const stack = await realStack({ temporal, db, root, templatesDir });
  const { call, records, config } = stack;
  const pool = stack.rendering.browserPool;
  await stack.run(async () => {
    const created = await call('POST', '/v1/report-generate-requests', { report_code: 'SLOW_LINES', format: 'PDF' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);

    // Wait until Chromium holds a page for this render (the stage alone starts before the browser does).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { body } = await call('GET', `/v1/report-generate-requests/${id}`);
      if (body.stage === 'RENDER' && pool.stats().activePages === 1) break;
      assert.notEqual(body.status, 'SUCCEEDED', 'the render finished before it could be cancelled');
      assert.ok(Date.now() < deadline, `never saw the render hold a page: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const cancelledAt = Date.now();
    const cancel = await call('POST', `/v1/report-generate-requests/${id}/cancel`);
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));

    let final: Record<string, unknown> = {};
    while (Date.now() - cancelledAt < 30_000) {
      final = (await call('GET', `/v1/report-generate-requests/${id}`)).body;
      if (final.status === 'CANCELLED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stopMs = Date.now() - cancelledAt;
    assert.equal(final.status, 'CANCELLED', JSON.stringify(final));
    // Heartbeats go at least every second (MAX_HEARTBEAT_THROTTLE), so the render hears of the cancel quickly.
    assert.ok(stopMs < 10_000, `the cancel took ${stopMs} ms to stop the render`);
    assert.equal(final.stage, 'RENDER');
    assert.equal((final.error as { code: string }).code, 'RUN_CANCELLED');
    assert.equal(final.report, undefined);

    // The page slot is released only once Chromium has closed the page.
    for (let i = 0; pool.stats().activePages !== 0; i++) {
      assert.ok(i < 50, 'the Chromium page was not closed');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await readdir(config.reportsDir).catch(() => []), [], 'nothing exported');
    const history = await temporal.env.client.workflow.getHandle(id).fetchHistory();
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    assert.ok(scheduled.includes('renderReport') && !scheduled.includes('exportReport'), scheduled.join(', '));

    // The system of record agrees, and the API says what is left to do.
    assert.equal((await records.getRequest('acme', id))?.status, 'CANCELLED');
    assert.equal(await records.getReport('acme', id), undefined);
    assert.equal((await call('GET', `/v1/reports/${id}`)).status, 404);
    assert.equal((await call('GET', `/v1/reports/${id}/download`)).body.error.code, 'RUN_CANCELLED');
    const again = await call('POST', `/v1/report-generate-requests/${id}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'RUN_FINISHED');
    console.log(`cancel → CANCELLED seen after ${stopMs} ms`);
  });
});
