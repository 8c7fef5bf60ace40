/**
 * The body of a bulk run's completion event: `event_id` = `<bulk id>:<type>` whatever the attempt, the
 * counts, the ZIP's facts and the API links.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bulkWebhookEvent } from '../../activities/bulk-webhook-event.js';
import type { NotifyInput } from '../../activities/notify.js';

const config = { publicUrl: 'https://reports.example.com/', apiHost: '127.0.0.1', apiPort: 8080 };
const request: NotifyInput['request'] = {
  id: '0193c5e2-7a1b-7c3d-9e4f-0123456789ab', tenantId: 'acme', reportCode: 'INVOICE', parameterValues: [],
  format: 'PDF', language: 'en', timezone: 'Europe/London', requestedAt: '2024-03-01T09:00:00.000Z', notify: { webhookUrl: 'https://hooks.example.com/x' },
};

void test('bulk_request.failed carries the counts, the ZIP and the links, under <bulk id>:<type>', () => {
  const input: NotifyInput = {
    request, type: 'bulk_request.failed', status: 'FAILED', occurredAt: '2024-03-01T10:00:00.000Z',
    bulk: { total: 10, succeeded: 8, failed: 2, cancelled: 0, zip: { sizeBytes: 4096, sha256: 'cd'.repeat(32) } },
  };
  const self = `https://reports.example.com/v1/report-bulk-requests/${request.id}`;
  assert.deepEqual(bulkWebhookEvent(input, config), {
    event_id: `${request.id}:bulk_request.failed`, type: 'bulk_request.failed', occurred_at: '2024-03-01T10:00:00.000Z',
    bulk_request_id: request.id, tenant_id: 'acme', report_code: 'INVOICE', status: 'FAILED',
    total: 10, ended: 10, succeeded: 8, failed: 2, cancelled: 0,
    zip: { size_bytes: 4096, sha256: 'cd'.repeat(32) },
    links: { self, zip: `${self}/zip` },
  });
  assert.deepEqual(bulkWebhookEvent(input, config), bulkWebhookEvent(input, config), 'every attempt sends the same body');
});

void test('a cancelled bulk run without a ZIP links to itself only; a report event is refused', () => {
  const event = bulkWebhookEvent({ request, type: 'bulk_request.cancelled', status: 'CANCELLED', occurredAt: 'x', bulk: { total: 10, succeeded: 3, failed: 0, cancelled: 1 } }, { ...config, publicUrl: undefined });
  assert.deepEqual([event.ended, event.zip, event.links], [4, undefined, { self: `http://127.0.0.1:8080/v1/report-bulk-requests/${request.id}` }]);
  assert.throws(() => bulkWebhookEvent({ request, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: 'x' }, config), /not a bulk run's event/);
});
