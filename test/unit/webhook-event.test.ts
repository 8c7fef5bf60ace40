/**
 * The webhook body built by the notify activity: stable event id, download link under the public URL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webhookEvent, type NotifyInput } from '../../activities/notify.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import type { ExportedReport } from '../../src/domain/artifacts.js';
import type { ReportRequest } from '../../src/domain/report-request.js';

const request: ReportRequest = {
  id: 'r 1',
  tenantId: 'acme',
  reportCode: 'INVOICE',
  parameterValues: [{ name: 'invoice_id', value: '536365' }],
  format: 'PDF',
  language: 'en',
  timezone: 'Europe/London',
  requestedAt: '2024-03-01T09:00:00.000Z',
};
const report: ExportedReport = {
  uri: 'file:///var/reports/acme/INVOICE/r1/INVOICE_536365_r1.pdf',
  fileName: 'INVOICE_536365_r1.pdf',
  contentType: 'application/pdf',
  sizeBytes: 52133,
  sha256: 'ab'.repeat(32),
  rows: 5,
  pages: 1,
  destination: 'LOCAL',
  exportedAt: '2024-03-01T09:00:04.000Z',
};
const config = { publicUrl: undefined, apiHost: '127.0.0.1', apiPort: 8080, notifyUrlTtlSeconds: 86400 };

void test('report.succeeded carries the report and a download URL, id = <request id>:<type>', () => {
  const input: NotifyInput = { request, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: '2024-03-01T09:00:05.000Z', report };
  assert.deepEqual(webhookEvent(input, { ...config, publicUrl: 'https://reports.example.com/base/' }), {
    event_id: 'r 1:report.succeeded',
    type: 'report.succeeded',
    occurred_at: '2024-03-01T09:00:05.000Z',
    request_id: 'r 1',
    tenant_id: 'acme',
    report_code: 'INVOICE',
    status: 'SUCCEEDED',
    report: {
      file_name: 'INVOICE_536365_r1.pdf',
      content_type: 'application/pdf',
      size_bytes: 52133,
      sha256: 'ab'.repeat(32),
      rows: 5,
      pages: 1,
      download_url: 'https://reports.example.com/base/v1/reports/r%201/download',
    },
  });
});

void test('without REPORTFLOW_PUBLIC_URL the link uses the API host and port', () => {
  const event = webhookEvent({ request, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: 'x', report }, config);
  assert.equal(event.report?.download_url, 'http://127.0.0.1:8080/v1/reports/r%201/download');
});

void test('report.failed carries the code and safe message, no report', () => {
  const event = webhookEvent(
    { request, type: 'report.failed', status: 'FAILED', occurredAt: 'x', error: { code: 'INVOICE_NOT_FOUND', message: 'Invoice 1 does not exist.', errors: [] } },
    config,
  );
  assert.equal(event.event_id, 'r 1:report.failed');
  assert.deepEqual(event.error, { code: 'INVOICE_NOT_FOUND', message: 'Invoice 1 does not exist.' });
  assert.equal('report' in event, false);
});

void test('with a signer, download_url is a signed link valid for notifyUrlTtlSeconds from occurred_at, the same on every retry', () => {
  const signer = new UrlSigner('webhook-test-signing-key-123456');
  const input: NotifyInput = { request, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: '2024-03-01T09:00:05.000Z', report };
  const first = webhookEvent(input, { ...config, publicUrl: 'https://reports.example.com' }, signer);
  const again = webhookEvent(input, { ...config, publicUrl: 'https://reports.example.com' }, signer);
  assert.deepEqual(first, again);
  const url = new URL(first.report!.download_url);
  assert.equal(url.pathname, '/v1/reports/r%201/file');
  assert.equal(url.searchParams.get('expires'), String(Date.parse('2024-03-02T09:00:05.000Z') / 1000));
  const file = { tenantId: 'acme', reportId: 'r 1', sha256: report.sha256 };
  assert.equal(signer.verify(file, url.searchParams.get('expires')!, url.searchParams.get('signature')!, Date.parse('2024-03-02T09:00:04.000Z')), undefined);
  assert.equal(signer.verify(file, url.searchParams.get('expires')!, url.searchParams.get('signature')!, Date.parse('2024-03-02T09:00:05.000Z')), 'EXPIRED');
});
