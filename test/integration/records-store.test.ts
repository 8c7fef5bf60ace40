/**
 * PgRecordStore, the API's system of record, on a real PostgreSQL and on the embedded PGlite server:
 * idempotency keys under concurrency, tenant scoping, monotonic run states, report tombstones, and
 * keyset pagination with exact totals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { ReportError } from '../../src/domain/errors.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import type { RunStatus } from '../../src/domain/run-status.js';
import { PgRecordStore } from '../../src/records/pg-record-store.js';
import type { RequestRecord } from '../../src/records/records.js';
import { uuidv7 } from '../../src/requests/request-id.js';
import { startTestEmbeddedDb } from '../helpers/embedded-db.js';
import { startTestPostgres } from '../helpers/postgres.js';
import { within } from '../helpers/within.js';

const DATA_DIR = path.resolve(import.meta.dirname, '../../data');

const engines: { name: string; start: () => Promise<{ url: string; stop(): Promise<void> }> }[] = [
  { name: 'PostgreSQL', start: startTestPostgres },
  { name: 'the embedded PGlite server', start: () => startTestEmbeddedDb() },
];

function request(tenantId: string, overrides: Partial<ReportRequest> = {}): ReportRequest {
  return {
    id: uuidv7(),
    tenantId,
    reportCode: 'INVOICE',
    parameterValues: [{ name: 'invoice_id', value: '536365' }],
    format: 'PDF',
    language: 'en',
    timezone: 'Europe/London',
    requestedAt: new Date().toISOString(),
    ...overrides,
  };
}

for (const engine of engines) {
  describe(`PgRecordStore on ${engine.name}`, () => {
    let server: { url: string; stop(): Promise<void> };
    let db: PgDatabase;
    let store: PgRecordStore;

    before(async () => {
      server = await engine.start();
      db = new PgDatabase({ url: server.url, maxConnections: 8 });
      await migrate(db, { dataDir: DATA_DIR, seed: false });
      store = new PgRecordStore(db);
    });
    after(async () => {
      await db?.close();
      await server?.stop();
    });

    test('records are read and written while a report query streams and is open mid-way', async () => {
      // The report data and the records share this database, as they do in `npm start`; the worker
      // streams through a pool of its own.
      await db.query('CREATE TABLE report_rows AS SELECT n FROM generate_series(1, 100000) AS n');
      const worker = new PgDatabase({ url: server.url, maxConnections: 2 });
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const existing = request(tenant);
      await store.createRequest(existing);
      let streamed = 0;
      try {
        for await (const rows of worker.stream('SELECT n FROM report_rows ORDER BY n', [], 1000)) {
          streamed += rows.length;
          if (streamed !== 1000) continue;
          // On the embedded server the stream used to keep its one session for the whole read, so these
          // waited for its end, which never came while the stream waited for them.
          const mid = await within(10_000, 'record reads and a write mid-stream', Promise.all([
            store.getRequest(tenant, existing.id),
            store.searchRequests({ tenantId: tenant, limit: 10 }),
            store.createRequest(request(tenant)),
          ]));
          assert.equal(mid[0]?.request.id, existing.id);
          // The search runs beside the create, on another session: it may or may not see the new request.
          assert.ok(mid[1].items.some((r) => r.request.id === existing.id), 'the search mid-stream lists the stored request');
          assert.ok([1, 2].includes(mid[1].total), `total ${mid[1].total}`);
          assert.equal(mid[2].kind, 'created');
        }
      } finally {
        await worker.close();
      }
      assert.equal(streamed, 100_000);
      assert.equal((await store.searchRequests({ tenantId: tenant, limit: 10 })).total, 2);
    });

    test('20 concurrent creates with one Idempotency-Key store one request; the others replay it', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const claim = { key: 'order-4711', bodySha256: 'a'.repeat(64), ttlSeconds: 86400 };
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.createRequest(request(tenant), claim)));
      const created = outcomes.filter((o) => o.kind === 'created');
      assert.equal(created.length, 1, JSON.stringify(outcomes.map((o) => o.kind)));
      const ids = new Set(outcomes.map((o) => (o.kind === 'conflict' ? o.requestId : o.record.request.id)));
      assert.equal(ids.size, 1);
      const page = await store.searchRequests({ tenantId: tenant, limit: 100 });
      assert.equal(page.total, 1);

      const other = await store.createRequest(request(tenant), { ...claim, bodySha256: 'b'.repeat(64) });
      assert.deepEqual(other, { kind: 'conflict', requestId: [...ids][0] });
      // The same key in another tenant is another key.
      assert.equal((await store.createRequest(request(`${tenant}x`), claim)).kind, 'created');
    });

    test('an expired key is claimed afresh; a failed start frees its key', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const claim = { key: 'k1', bodySha256: 'c'.repeat(64), ttlSeconds: 0 };
      const first = await store.createRequest(request(tenant), claim);
      await new Promise((r) => setTimeout(r, 20));
      const second = await store.createRequest(request(tenant), claim);
      assert.equal(first.kind, 'created');
      assert.equal(second.kind, 'created');
      assert.notEqual(first.kind === 'created' && first.record.request.id, second.kind === 'created' && second.record.request.id);
      assert.equal(await store.purgeExpiredKeys() >= 1, true);

      const live = { key: 'k2', bodySha256: 'd'.repeat(64), ttlSeconds: 3600 };
      const failed = await store.createRequest(request(tenant), live);
      assert.equal(failed.kind, 'created');
      const failedId = failed.kind === 'created' ? failed.record.request.id : '';
      await store.recordStartFailed(tenant, failedId, { code: 'UNAVAILABLE', message: 'x', errors: [] }, 'k2');
      assert.equal((await store.getRequest(tenant, failedId))?.status, 'FAILED');
      const retried = await store.createRequest(request(tenant), live);
      assert.equal(retried.kind, 'created', 'the key is free again');
    });

    test('requests are scoped by tenant; run states never go back from a final one', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const req = request(tenant, { metadata: { order: '42' } });
      await store.createRequest(req);
      assert.equal(await store.getRequest('someone-else', req.id), undefined);
      await store.recordRunState(req, { status: 'RUNNING', stage: 'RENDER' });
      assert.equal((await store.getRequest(tenant, req.id))?.stage, 'RENDER');
      await store.recordRunState(req, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-01-01T00:00:00.000Z' });
      await store.recordRunState(req, { status: 'RUNNING', stage: 'QUERY_DATA' }); // late, out of order
      await store.recordRunState(req, { status: 'SUCCEEDED', stage: 'NOTIFY', notifyError: { code: 'WEBHOOK_REJECTED', message: '410', errors: [] }, completedAt: '2026-01-02T00:00:00.000Z' });
      const record = (await store.getRequest(tenant, req.id))!;
      assert.equal(record.status, 'SUCCEEDED');
      assert.equal(record.notifyError?.code, 'WEBHOOK_REJECTED');
      assert.equal(record.completedAt, '2026-01-01T00:00:00.000Z', 'the first completion time stays');
      assert.deepEqual(record.request.metadata, { order: '42' });
      // Another tenant cannot overwrite the record through an id clash.
      await store.recordRunState({ ...req, tenantId: 'intruder' }, { status: 'FAILED', stage: null });
      assert.equal((await store.getRequest(tenant, req.id))?.status, 'SUCCEEDED');

      // A run started by a subscription has no record yet: its first state creates one.
      const scheduled = request(tenant, { id: `sub-1:2026-01-01` });
      await store.recordRunState(scheduled, { status: 'RUNNING', stage: 'VALIDATE' });
      assert.equal((await store.getRequest(tenant, scheduled.id))?.status, 'RUNNING');
    });

    test('webhook deliveries: attempts move PENDING forward, a final state never goes back, a failed run delivery sets notify_error, lists carry them', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const req = request(tenant, { notify: { webhookUrl: 'https://hooks.example.test/r' } });
      await store.createRequest(req);
      await store.recordRunState(req, { status: 'SUCCEEDED', stage: 'NOTIFY', completedAt: '2026-03-01T10:00:00.000Z', executionId: 'exec-1' });
      const event = { type: 'report.succeeded' as const, status: 'SUCCEEDED' as const, occurredAt: '2026-03-01T10:00:00.000Z' };
      const base = { deliveryId: uuidv7(), tenantId: tenant, requestId: req.id, event, redelivery: false, executionId: 'exec-1' };
      const at = (n: number) => `2026-03-01T10:00:0${n}.000Z`;
      await store.recordWebhookDelivery({ ...base, status: 'PENDING' });
      await store.recordWebhookDelivery({ ...base, status: 'PENDING', attempt: { number: 2, at: at(5), httpStatus: 503, error: 'answered 503', nextAttemptAt: at(9) } });
      await store.recordWebhookDelivery({ ...base, status: 'PENDING', attempt: { number: 1, at: at(1), error: 'connection refused (ECONNREFUSED)', nextAttemptAt: at(5) } }); // late
      let [d] = (await store.getRequest(tenant, req.id))!.webhookDeliveries!;
      assert.deepEqual(
        [d!.status, d!.attempts, d!.lastAttemptAt, d!.lastHttpStatus, d!.lastError, d!.nextAttemptAt, d!.eventId],
        ['PENDING', 2, at(5), 503, 'answered 503', at(9), `${req.id}:report.succeeded`],
      );
      assert.equal(await store.getRequest('intruder', req.id), undefined);
      assert.equal(await store.latestWebhookEvent('intruder', req.id), undefined);
      assert.deepEqual(await store.latestWebhookEvent(tenant, req.id), event);

      const undelivered = { code: 'WEBHOOK_UNDELIVERED', message: 'gave up', errors: [] };
      await store.recordWebhookDelivery({ ...base, status: 'FAILED', error: undelivered });
      await store.recordWebhookDelivery({ ...base, status: 'PENDING', attempt: { number: 3, at: at(9), httpStatus: 503 } }); // late again
      const record = (await store.getRequest(tenant, req.id))!;
      [d] = record.webhookDeliveries!;
      assert.deepEqual([d!.status, d!.attempts, d!.lastHttpStatus, d!.nextAttemptAt, d!.error], ['FAILED', 2, 503, undefined, undelivered]);
      assert.deepEqual(record.notifyError, undelivered, 'the run\'s own delivery failing is its notify error');

      // A redelivery is a delivery of its own; DELIVERED is final for good; it leaves notify_error as it was.
      const again = { ...base, deliveryId: uuidv7(), redelivery: true, executionId: undefined };
      await store.recordWebhookDelivery({ ...again, status: 'DELIVERED', attempt: { number: 1, at: at(8), httpStatus: 200 }, deliveredAt: at(8) });
      await store.recordWebhookDelivery({ ...again, status: 'FAILED', error: undelivered });
      const listed = (await store.searchRequests({ tenantId: tenant, limit: 10 })).items[0]!;
      assert.deepEqual(listed.webhookDeliveries!.map((x) => [x.redelivery, x.status, x.deliveredAt ?? null]), [[true, 'DELIVERED', at(8)], [false, 'FAILED', null]]);
      assert.deepEqual(listed.notifyError, undelivered);
      // Another tenant cannot touch the delivery through an id clash.
      await store.recordWebhookDelivery({ ...base, tenantId: 'intruder', status: 'DELIVERED' });
      assert.equal((await store.getRequest(tenant, req.id))!.webhookDeliveries!.find((x) => x.id === base.deliveryId)!.status, 'FAILED');
    });

    test('a new request and a delivery\'s record are one statement each; a failed delivery marks only its own execution\'s request, never through a redelivery', async () => {
      // Round trips the store makes: every query and transaction through this wrapper is counted.
      const calls: string[] = [];
      const counted = new Proxy(db, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (name !== 'query' && name !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
          return (...args: unknown[]) => {
            calls.push(name === 'query' ? String(args[0]).trim().split(/\s+/).slice(0, 3).join(' ') : 'transaction');
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const countedStore = new PgRecordStore(counted);
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const req = request(tenant, { customerId: 'C-17', metadata: { po: '4711' }, notify: { webhookUrl: 'https://hooks.example.test/r' } });
      const created = await countedStore.createRequest(req);
      assert.equal(created.kind, 'created');
      assert.deepEqual(calls, ['INSERT INTO reportflow.report_requests'], 'one INSERT, no transaction, no read back');
      // The record answered is the one a read gives.
      assert.deepEqual(created.kind === 'created' && created.record, await store.getRequest(tenant, req.id));
      assert.deepEqual(created.kind === 'created' && [created.record.status, created.record.stage, created.record.request.metadata, created.record.report, created.record.webhookDeliveries], ['PENDING', null, { po: '4711' }, undefined, undefined]);

      await store.recordRunState(req, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-03-01T10:00:00.000Z', executionId: 'exec-2' });
      const event = { type: 'report.succeeded' as const, status: 'SUCCEEDED' as const, occurredAt: '2026-03-01T10:00:00.000Z' };
      const undelivered = { code: 'WEBHOOK_UNDELIVERED', message: 'gave up', errors: [] };
      const delivery = (executionId: string | undefined, redelivery: boolean) => ({ deliveryId: uuidv7(), tenantId: tenant, requestId: req.id, event, redelivery, ...(executionId ? { executionId } : {}) });
      calls.length = 0;
      // A redelivery that fails, and the run's delivery of an execution the request no longer belongs to.
      await countedStore.recordWebhookDelivery({ ...delivery(undefined, true), status: 'FAILED', error: undelivered });
      await countedStore.recordWebhookDelivery({ ...delivery('exec-1', false), status: 'FAILED', error: undelivered });
      assert.deepEqual(calls, ['WITH written AS', 'WITH written AS'], 'one statement per delivery record');
      let record = (await store.getRequest(tenant, req.id))!;
      assert.deepEqual([record.webhookDeliveries!.length, record.notifyError], [2, undefined]);
      // The current execution's own delivery failing is the request's notify error, once.
      await countedStore.recordWebhookDelivery({ ...delivery('exec-2', false), status: 'FAILED', error: undelivered });
      await countedStore.recordWebhookDelivery({ ...delivery('exec-2', false), status: 'FAILED', error: { ...undelivered, message: 'later' } });
      record = (await store.getRequest(tenant, req.id))!;
      assert.deepEqual([record.webhookDeliveries!.length, record.notifyError], [4, undelivered]);
    });

    test('a failed subscription period run again (a new execution) starts its record afresh; within one execution final stays final', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const first = request(tenant, { id: `sub-2:2026-02-01`, metadata: { try: '1' } });
      await store.recordRunState(first, { status: 'RUNNING', stage: 'VALIDATE', executionId: 'exec-1' });
      await store.recordRunState(first, { status: 'FAILED', stage: 'QUERY_DATA', error: { code: 'INVOICE_NOT_FOUND', message: 'x', errors: [] }, notifyError: { code: 'WEBHOOK_REJECTED', message: '410', errors: [] }, completedAt: '2026-02-01T06:00:01.000Z', executionId: 'exec-1' });
      await store.recordRunState(first, { status: 'RUNNING', stage: 'RENDER', executionId: 'exec-1' }); // late write of the failed execution
      assert.equal((await store.getRequest(tenant, first.id))?.status, 'FAILED');

      const again = { ...first, customerId: 'c9', metadata: { try: '2' } };
      await store.recordRunState(again, { status: 'RUNNING', stage: 'VALIDATE', executionId: 'exec-2' });
      let record = (await store.getRequest(tenant, first.id))!;
      assert.deepEqual([record.status, record.stage, record.error, record.notifyError, record.completedAt], ['RUNNING', 'VALIDATE', undefined, undefined, undefined]);
      assert.deepEqual([record.request.customerId, record.request.metadata], ['c9', { try: '2' }], 'the request as run again');
      await store.recordRunState(again, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-02-02T06:00:01.000Z', executionId: 'exec-2' });
      record = (await store.getRequest(tenant, first.id))!;
      assert.deepEqual([record.status, record.completedAt], ['SUCCEEDED', '2026-02-02T06:00:01.000Z']);
      // Only a final record is started afresh, and never by a write without an execution.
      await store.recordRunState(again, { status: 'RUNNING', stage: 'RENDER' });
      assert.equal((await store.getRequest(tenant, first.id))?.status, 'SUCCEEDED');
    });

    test('within one execution a later end replaces an earlier one (an inline run played again after Temporal refused its task), and nothing else goes back', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const req = request(tenant, { id: `bulk-1:536366` });
      await store.recordRunState(req, { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-04-01T10:00:00.000Z', executionId: 'exec-1' });
      await store.recordRunState(req, { status: 'RUNNING', stage: 'VALIDATE', executionId: 'exec-1' }); // the replayed attempt's first write
      assert.equal((await store.getRequest(tenant, req.id))?.status, 'SUCCEEDED', 'not back to running');
      await store.recordRunState(req, { status: 'CANCELLED', stage: 'VALIDATE', error: { code: 'RUN_CANCELLED', message: 'x', errors: [] }, completedAt: '2026-04-01T10:00:01.000Z', executionId: 'exec-1' });
      const record = (await store.getRequest(tenant, req.id))!;
      assert.deepEqual([record.status, record.error?.code], ['CANCELLED', 'RUN_CANCELLED'], 'the end the execution has');
      // A write without an execution (an older release) still never replaces an end.
      await store.recordRunState(req, { status: 'FAILED', stage: 'RENDER' });
      assert.equal((await store.getRequest(tenant, req.id))?.status, 'CANCELLED');
    });

    test('a report is recorded once however often the export retries; deleting leaves a tombstone', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const req = request(tenant, { customerId: 'c1' });
      await store.createRequest(req);
      const report = {
        id: req.id, requestId: req.id, tenantId: tenant, reportCode: 'INVOICE', customerId: 'c1', fileName: 'INVOICE_536365.pdf',
        contentType: 'application/pdf', sizeBytes: 1234, sha256: 'e'.repeat(64), rows: 7, pages: 1, uri: 'file:///x/INVOICE_536365.pdf', createdAt: new Date().toISOString(),
      };
      await store.upsertReport(report);
      await store.upsertReport({ ...report, sizeBytes: 1235 });
      assert.equal((await store.searchReports({ tenantId: tenant, limit: 10 })).total, 1);
      assert.equal((await store.getReport(tenant, req.id))?.sizeBytes, 1235);
      assert.equal((await store.getRequest(tenant, req.id))?.report?.fileName, 'INVOICE_536365.pdf');
      assert.equal(await store.getReport('other', req.id), undefined);
      assert.equal((await store.getReportById(req.id))?.tenantId, tenant);

      const deleted = await store.markReportDeleted(tenant, req.id);
      assert.ok(deleted?.deletedAt);
      const again = await store.markReportDeleted(tenant, req.id);
      assert.equal(again?.deletedAt, deleted.deletedAt, 'a second delete keeps the first time');
      assert.equal(await store.markReportDeleted('other', req.id), undefined);
      await store.upsertReport({ ...report, sizeBytes: 1 }); // a late retry does not revive it
      assert.equal((await store.getReport(tenant, req.id))?.sizeBytes, 1235);
      assert.equal((await store.searchReports({ tenantId: tenant, limit: 10 })).total, 0);
      assert.equal((await store.searchReports({ tenantId: tenant, limit: 10, includeDeleted: true })).total, 1);
    });

    test('run_type and report_subscription_id filter exactly; records from before they were kept count by their id', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const sub = uuidv7();
      const manual = request(tenant, { runType: 'MANUAL' });
      const scheduled = request(tenant, { id: `${sub}:2025-01-01`, runType: 'SCHEDULED', reportSubscriptionId: sub });
      const backfill = request(tenant, { id: `${sub}:2024-12-31`, runType: 'BACKFILL', reportSubscriptionId: sub });
      // As written before runs carried them: an API request and a subscription's run.
      const oldManual = request(tenant);
      const oldScheduled = request(tenant, { id: `${sub}:2024-12-30` });
      for (const r of [manual, oldManual]) await store.createRequest(r);
      for (const r of [scheduled, backfill, oldScheduled]) await store.recordRunState(r, { status: 'RUNNING', stage: 'QUERY_DATA' });
      const ids = async (q: Omit<Parameters<PgRecordStore['searchRequests']>[0], 'tenantId' | 'limit'>) =>
        (await store.searchRequests({ tenantId: tenant, limit: 100, ...q })).items.map((r) => r.request.id).sort();
      assert.deepEqual(await ids({ runTypes: ['MANUAL'] }), [manual.id, oldManual.id].sort());
      assert.deepEqual(await ids({ runTypes: ['SCHEDULED'] }), [scheduled.id, oldScheduled.id].sort());
      assert.deepEqual(await ids({ runTypes: ['BACKFILL', 'SCHEDULED'] }), [scheduled.id, backfill.id, oldScheduled.id].sort());
      assert.deepEqual(await ids({ reportSubscriptionId: sub }), [scheduled.id, backfill.id, oldScheduled.id].sort());
      assert.deepEqual(await ids({ reportSubscriptionId: sub, runTypes: ['BACKFILL'] }), [backfill.id]);
      assert.deepEqual(await ids({ reportSubscriptionId: uuidv7() }), []);
    });

    test('listings are newest first, filter exactly, page with cursors and count every match', async () => {
      const tenant = `t${randomUUID().slice(0, 8)}`;
      const statuses: RunStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
      const base = Date.parse('2026-03-01T00:00:00Z');
      const made: ReportRequest[] = [];
      for (let i = 0; i < 25; i++) {
        // Several requests share a created_at, so the id must break ties.
        const req = request(tenant, {
          reportCode: i % 2 ? 'INVOICE' : 'SALES_SUMMARY',
          customerId: `c${i % 3}`,
          requestedAt: new Date(base + Math.floor(i / 3) * 60_000).toISOString(),
          metadata: { batch: String(i % 4), team: 'finance' },
        });
        await store.createRequest(req);
        const status = statuses[i % 5]!;
        if (status !== 'PENDING') await store.recordRunState(req, { status, stage: null });
        made.push(req);
      }
      await store.createRequest(request('another-tenant'));

      const pages: RequestRecord[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.searchRequests({ tenantId: tenant, limit: 10, ...(cursor ? { cursor } : {}) });
        assert.equal(page.total, 25);
        pages.push(page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
      const seen = pages.flat().map((r) => r.request.id);
      const expected = [...made].sort((a, b) => Date.parse(b.requestedAt) - Date.parse(a.requestedAt) || (a.id < b.id ? 1 : -1)).map((r) => r.id);
      assert.deepEqual(seen, expected);

      const failed = await store.searchRequests({ tenantId: tenant, limit: 100, statuses: ['FAILED', 'CANCELLED'] });
      assert.equal(failed.total, 10);
      assert.ok(failed.items.every((r) => r.status === 'FAILED' || r.status === 'CANCELLED'));
      const byMeta = await store.searchRequests({ tenantId: tenant, limit: 100, metadata: { batch: '1', team: 'finance' } });
      assert.deepEqual(byMeta.items.map((r) => r.request.id).sort(), made.filter((_, i) => i % 4 === 1).map((r) => r.id).sort());
      const window = await store.searchRequests({ tenantId: tenant, limit: 100, createdFrom: new Date(base + 60_000).toISOString(), createdTo: new Date(base + 3 * 60_000).toISOString(), reportCodes: ['INVOICE'], customerId: 'c1' });
      const expectedWindow = made.filter((r, i) => i % 2 === 1 && r.customerId === 'c1' && Date.parse(r.requestedAt) >= base + 60_000 && Date.parse(r.requestedAt) < base + 3 * 60_000);
      assert.deepEqual(window.items.map((r) => r.request.id).sort(), expectedWindow.map((r) => r.id).sort());
      assert.equal(window.total, expectedWindow.length);

      await assert.rejects(store.searchRequests({ tenantId: tenant, limit: 10, cursor: 'bm90LWEtY3Vyc29y' }), (err: unknown) => err instanceof ReportError && err.code === 'REQUEST_INVALID');
    });
  });
}
