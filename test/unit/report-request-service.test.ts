/**
 * The report-request service without HTTP, over the in-memory record store and fake run gateway: a
 * request is checked before anything is stored or started, an Idempotency-Key replays the original
 * (its body compared in canonical form) and refuses another body, and cancel and redelivery refuse
 * what cannot be done. The routes over it are tested in api-records.test.ts and api-create-request.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { ReportError } from '../../src/domain/errors.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import { AddressAllowList } from '../../src/notifiers/address-guard.js';
import { ReportRequestService } from '../../src/requests/report-request-service.js';
import { FakeDatabase, FakeRuns, fixtureCatalog } from '../helpers/api-fixture.js';
import { MemoryRecordStore } from '../helpers/memory-record-store.js';

const { catalog, dir } = fixtureCatalog();
after(() => rmSync(dir, { recursive: true, force: true }));

function setUp() {
  const records = new MemoryRecordStore();
  const runs = new FakeRuns();
  let n = 0;
  const service = new ReportRequestService({
    records, runs, catalog, db: new FakeDatabase(), webhookAllow: new AddressAllowList([]), config: { idempotencyTtlHours: 24 },
    newId: () => `req-${++n}`,
    now: () => new Date('2026-03-01T10:00:00Z'),
  });
  return { records, runs, service };
}

function invoice(service: ReportRequestService, invoiceId = '536365'): ReportRequest {
  return { ...service.newIds('acme'), reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: invoiceId }], format: 'PDF', language: 'en', timezone: 'UTC', exportLocation: { variant: 'LOCAL' } };
}

function refusedWith(code: string) {
  return (err: unknown) => err instanceof ReportError && err.code === code;
}

void test('create records the request as a MANUAL run, starts it, and get reads it back', async () => {
  const { records, runs, service } = setUp();
  const { state, replayed } = await service.create({ request: invoice(service) });
  assert.equal(replayed, false);
  assert.equal(state.request.id, 'req-1');
  assert.equal(state.status, 'PENDING');
  assert.equal(state.request.runType, 'MANUAL');
  assert.equal((await records.getRequest('acme', 'req-1'))?.request.runType, 'MANUAL');
  assert.deepEqual([...runs.runs.keys()], ['req-1']);
  runs.set('req-1', { status: 'RUNNING', stage: 'RENDER' });
  const live = await service.get('acme', 'req-1');
  assert.deepEqual([live.status, live.stage], ['RUNNING', 'RENDER']);
  await assert.rejects(service.get('globex', 'req-1'), refusedWith('NOT_FOUND'));
});

void test('a request failing its definition\'s data check is refused before anything is stored or started', async () => {
  const { records, runs, service } = setUp();
  await assert.rejects(service.create({ request: invoice(service, '999999') }), refusedWith('INVOICE_NOT_FOUND'));
  assert.equal(records.requests.size, 0);
  assert.equal(runs.runs.size, 0);
});

void test('the same Idempotency-Key with the same body (keys in another order) replays the original: one record, one run', async () => {
  const { records, runs, service } = setUp();
  const first = await service.create({ request: invoice(service), idempotency: { key: 'order-1', body: { report_code: 'INVOICE', format: 'PDF' } } });
  const again = await service.create({ request: invoice(service), idempotency: { key: 'order-1', body: { format: 'PDF', report_code: 'INVOICE' } } });
  assert.equal(again.replayed, true);
  assert.equal(again.state.request.id, first.state.request.id);
  assert.equal(records.requests.size, 1);
  assert.equal(runs.runs.size, 1);
});

void test('the same Idempotency-Key with another body is IDEMPOTENCY_KEY_REUSED naming the original request', async () => {
  const { records, runs, service } = setUp();
  await service.create({ request: invoice(service), idempotency: { key: 'order-1', body: { report_code: 'INVOICE', format: 'PDF' } } });
  await assert.rejects(service.create({ request: invoice(service), idempotency: { key: 'order-1', body: { report_code: 'INVOICE', format: 'CSV' } } }), (err: unknown) => {
    assert.ok(err instanceof ReportError);
    assert.equal(err.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.match(err.errors[0]!.message, /req-1/);
    return true;
  });
  assert.equal(records.requests.size, 1);
  assert.equal(runs.runs.size, 1);
});

void test('cancel of a finished run is RUN_FINISHED, and redelivery of a request without a webhook is WEBHOOK_NOT_REDELIVERABLE', async () => {
  const { runs, service } = setUp();
  const { state } = await service.create({ request: invoice(service) });
  await assert.rejects(service.redeliverWebhook('acme', state.request.id), refusedWith('WEBHOOK_NOT_REDELIVERABLE'));
  runs.set(state.request.id, { status: 'SUCCEEDED', stage: 'EXPORT' });
  await assert.rejects(service.cancel('acme', state.request.id), refusedWith('RUN_FINISHED'));
  assert.deepEqual(runs.cancelled, []);
});
