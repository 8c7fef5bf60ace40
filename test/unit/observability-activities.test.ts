/**
 * What an activity attempt tells the operators (activities/observe.ts, activity-metrics.ts): its log
 * lines carry the run's ids, its stage is timed, its own counters move once, and labels stay within
 * the catalog's report codes and reportflow's error codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { pino } from 'pino';
import { observed } from '../../activities/observe.js';
import { deliveryObserver, emailObserver, runStateObserver, webhookObserver } from '../../activities/activity-metrics.js';
import { notifyActivity } from '../../activities/notify.js';
import { recordDeliveryActivity } from '../../activities/record-delivery.js';
import { currentLogContext } from '../../src/observability/log-context.js';
import { WorkerMetrics } from '../../src/observability/worker-metrics.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import { MemoryRecordStore } from '../helpers/memory-record-store.js';
import { parseSamples, sample } from '../helpers/prometheus-text.js';

const request: ReportRequest = {
  id: 'req-1', tenantId: 'acme', reportCode: 'INVOICE', parameterValues: [], format: 'PDF', language: 'en', timezone: 'UTC', requestedAt: '2026-01-01T00:00:00Z',
};

async function samples(metrics: WorkerMetrics) {
  return parseSamples(await metrics.registry.metrics());
}

test('log lines written during an activity carry its request id, workflow id and tenant', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
  const log = pino({ mixin: currentLogContext }, sink);
  const activity = observed({}, async function renderReport(_input: { request: ReportRequest }) {
    log.info({ rows: 3 }, 'report rendered');
    await new Promise((r) => setTimeout(r, 1));
    log.info('after a timer');
  });
  await new MockActivityEnvironment({ workflowExecution: { workflowId: 'req-1', runId: 'run-1' } }).run(activity, { request });
  log.info('outside any run');
  assert.equal(lines.length, 3);
  for (const line of lines.slice(0, 2)) assert.deepEqual([line.requestId, line.workflowId, line.tenantId], ['req-1', 'req-1', 'acme']);
  assert.equal(lines[0]!.rows, 3);
  assert.equal(lines[2]!.requestId, undefined, 'the context ends with the activity');
});

test('each attempt is timed by activity, format and outcome; a cancel is told from a fault', async () => {
  const metrics = new WorkerMetrics(['INVOICE']);
  const env = new MockActivityEnvironment({ activityType: 'renderReport' });
  const ok = observed({ metrics }, async (_v: { request: ReportRequest }) => 'done');
  const fails = observed({ metrics }, async (_v: { request: ReportRequest }) => { throw new Error('browser crashed'); });
  const cancelled = observed({ metrics }, async (_v: { request: ReportRequest }) => { throw new CancelledFailure('cancelled'); });
  await env.run(ok, { request });
  await assert.rejects(env.run(fails, { request }), /browser crashed/);
  await assert.rejects(env.run(cancelled, { request }), CancelledFailure);
  const s = await samples(metrics);
  for (const outcome of ['ok', 'error', 'cancelled']) {
    assert.equal(s.get(sample('reportflow_stage_duration_seconds_count', { stage: 'renderReport', format: 'PDF', outcome })), 1, outcome);
  }
});

test('a run starts once and ends once, also when a failed notification records its success again', async () => {
  const metrics = new WorkerMetrics(['INVOICE']);
  const record = observed({ metrics }, async (_r: ReportRequest, _u: Parameters<typeof runStateObserver>[1][1]) => undefined, runStateObserver);
  const notifyError = { code: 'WEBHOOK_UNDELIVERED', message: 'x', errors: [] };
  await record(request, { status: 'RUNNING', stage: 'VALIDATE' });
  await record(request, { status: 'RUNNING', stage: 'RENDER' });
  await record(request, { status: 'SUCCEEDED', stage: 'EXPORT' });
  await record(request, { status: 'SUCCEEDED', stage: 'NOTIFY', notifyError });
  await record({ ...request, reportCode: 'NOT_IN_CATALOG' }, { status: 'FAILED', stage: 'QUERY_DATA', error: { code: 'SOMETHING_ELSE', message: 'x', errors: [] } });
  const s = await samples(metrics);
  assert.equal(s.get(sample('reportflow_runs_started_total', { report_code: 'INVOICE' })), 1);
  assert.equal(s.get(sample('reportflow_runs_finished_total', { report_code: 'INVOICE', status: 'succeeded', error_code: 'none' })), 1);
  assert.equal(s.get(sample('reportflow_runs_finished_total', { report_code: 'other', status: 'failed', error_code: 'INTERNAL' })), 1, 'labels stay within the catalog and the error codes');
});

test('an email refused for good counts as rejected, a transient fault as failed', async () => {
  const metrics = new WorkerMetrics([]);
  const input = { request, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: '2026-01-01T00:00:00Z', recipient: 'a@example.com' } as const;
  const refused = observed({ metrics }, async (_i: typeof input) => { throw ApplicationFailure.create({ type: 'EMAIL_REJECTED', nonRetryable: true }); }, emailObserver);
  const down = observed({ metrics }, async (_i: typeof input) => { throw new Error('ECONNREFUSED'); }, emailObserver);
  await assert.rejects(refused(input));
  await assert.rejects(down(input));
  const s = await samples(metrics);
  assert.equal(s.get(sample('reportflow_emails_total', { outcome: 'rejected' })), 1);
  assert.equal(s.get(sample('reportflow_emails_total', { outcome: 'failed' })), 1);
});

test('the Chromium pool\'s gauges are read when scraped, and a crash is not also counted as a recycle', async () => {
  const metrics = new WorkerMetrics([]);
  let stats = { activePages: 0, waiting: 0 };
  metrics.observeBrowser({ stats: () => stats });
  stats = { activePages: 4, waiting: 2 };
  metrics.browserEvent({ type: 'retired', pid: 10 });
  metrics.browserEvent({ type: 'disconnected', pid: 11 });
  metrics.browserEvent({ type: 'retired', pid: 11 });
  const s = await samples(metrics);
  assert.equal(s.get('reportflow_chromium_pages_in_use'), 4);
  assert.equal(s.get('reportflow_render_queue_depth'), 2);
  assert.equal(s.get(sample('reportflow_chromium_restarts_total', { reason: 'recycled' })), 1);
  assert.equal(s.get(sample('reportflow_chromium_restarts_total', { reason: 'crashed' })), 1);
});

test('a delivered webhook attempt that stored its delivery ends it (counted once, recorded); one whose write failed leaves that to its workflow', async () => {
  const metrics = new WorkerMetrics(['INVOICE']);
  const records = new MemoryRecordStore();
  const logger = pino({ level: 'silent' });
  const config = { publicUrl: 'https://reports.example.test', apiHost: '127.0.0.1', apiPort: 8080, notifyUrlTtlSeconds: 3600 };
  const notifier = { send: async () => ({ httpStatus: 204 }) };
  const deps = { notifier, config, records, logger } as unknown as Parameters<typeof notifyActivity>[0];
  const notify = observed({ metrics }, notifyActivity(deps), webhookObserver);
  const record = observed({ metrics }, recordDeliveryActivity({ records }), deliveryObserver);
  const withHook = { ...request, notify: { webhookUrl: 'https://hooks.example.test/x' } };
  const input = (id: string) => ({ request: withHook, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: '2026-01-01T00:00:00Z', delivery: { id, redelivery: false, linkSignedAt: '2026-01-01T00:00:00Z', retryInMs: 5000 } }) as const;
  const env = new MockActivityEnvironment({ attempt: 1 });

  await records.createRequest(withHook);
  const stored = await env.run(notify, input('d-stored'));
  assert.deepEqual(stored, { httpStatus: 204, recorded: true });
  const [delivery] = (await records.getRequest('acme', 'req-1'))?.webhookDeliveries ?? [];
  assert.deepEqual([delivery?.id, delivery?.status, delivery?.attempts, delivery?.lastHttpStatus], ['d-stored', 'DELIVERED', 1, 204]);

  // The records refuse the attempt's write: the answer says nothing was stored, and the workflow's own write ends it.
  const write = records.recordWebhookDelivery.bind(records);
  records.recordWebhookDelivery = async () => { throw new Error('connection terminated unexpectedly'); };
  const unstored = await env.run(notify, input('d-unstored'));
  assert.deepEqual(unstored, { httpStatus: 204 });
  records.recordWebhookDelivery = write;
  assert.deepEqual((await records.getRequest('acme', 'req-1'))?.webhookDeliveries?.map((d) => d.id), ['d-stored']);
  await record({ deliveryId: 'd-unstored', tenantId: 'acme', requestId: 'req-1', event: { type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: '2026-01-01T00:00:00Z' }, redelivery: false, status: 'DELIVERED', deliveredAt: '2026-01-01T00:00:01Z' });

  const s = await samples(metrics);
  assert.equal(s.get(sample('reportflow_webhook_attempts_total', { outcome: 'delivered' })), 2);
  assert.equal(s.get(sample('reportflow_webhook_deliveries_total', { status: 'delivered', error_code: 'none' })), 2, 'each delivery ended once');
});
