/**
 * Operable in production, as an operator sees it: `npm start` with traces going to an OTLP receiver
 * (in this process, OTLP/HTTP JSON), real runs through the API, then what Prometheus would scrape
 * from the API's `/metrics` and the worker's, what the trace backend received, and the JSON logs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startService, type RunningService } from '../helpers/service.js';
import { ApiClient } from '../helpers/api-client.js';
import { delta, sample, scrape, type Samples } from '../helpers/prometheus-text.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

const INVOICE = (invoiceId: string, format: string, extra: Record<string, unknown> = {}) => ({
  report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: invoiceId }], format, language: 'en', timezone: 'Europe/London', ...extra,
});

describe('operations: metrics, traces and logs of real runs', { timeout: 900_000 }, () => {
  let service: RunningService;
  let api: ApiClient;
  let otlp: OtlpReceiver;
  let webhook: Server;
  let webhookUrl: string;
  const ids: { pdf?: string; html?: string; failed?: string } = {};
  const sizes: Record<string, number> = {};
  let apiBefore: Samples, apiAfter: Samples, workerBefore: Samples, workerAfter: Samples;

  before(async () => {
    otlp = await startOtlpReceiver();
    webhook = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('ok')));
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
    service = await startService({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // Invoice 536367 has 12 lines: its PDF fails REPORT_TOO_LARGE, a run that ends FAILED.
        REPORTFLOW_PDF_MAX_ROWS: '10',
        REPORTFLOW_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
    });
    api = new ApiClient(service.apiUrl, service.apiKey);

    apiBefore = await scrape(`${service.apiUrl}/metrics`);
    workerBefore = await scrape(service.workerMetricsUrl);
    const run = async (body: Record<string, unknown>) => {
      const created = await api.post('/v1/report-generate-requests', body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(created.body.id);
      const { final } = await api.waitForRun(id);
      const report = final.report as { size_bytes?: number } | undefined;
      if (report?.size_bytes) sizes[id] = report.size_bytes;
      return { id, final };
    };
    const pdf = await run(INVOICE('536365', 'PDF', { notify: { webhook_url: webhookUrl } }));
    assert.equal(pdf.final.status, 'SUCCEEDED', JSON.stringify(pdf.final));
    const html = await run(INVOICE('536365', 'HTML'));
    assert.equal(html.final.status, 'SUCCEEDED', JSON.stringify(html.final));
    const failed = await run(INVOICE('536367', 'PDF'));
    assert.equal(failed.final.status, 'FAILED', JSON.stringify(failed.final));
    assert.equal((failed.final.error as { code: string }).code, 'REPORT_TOO_LARGE');
    Object.assign(ids, { pdf: pdf.id, html: html.id, failed: failed.id });

    // The webhook's delivery may end after the run; wait (bounded) until it has been counted.
    const delivered = sample('reportflow_webhook_deliveries_total', { status: 'delivered', error_code: 'none' });
    const deadline = Date.now() + 60_000;
    do {
      workerAfter = await scrape(service.workerMetricsUrl);
      if (delta(workerBefore, workerAfter, delivered) >= 1) break;
      await new Promise((r) => setTimeout(r, 250));
    } while (Date.now() < deadline);
    apiAfter = await scrape(`${service.apiUrl}/metrics`);
  });

  after(async () => {
    const code = await service?.stop();
    await otlp?.close();
    webhook?.close();
    assert.equal(code, 0, 'one SIGINT stops everything cleanly with exit code 0');
  });

  test('the worker counts the runs by report code, outcome and error code', () => {
    const d = (name: string, labels: Record<string, string>) => delta(workerBefore, workerAfter, sample(name, labels));
    assert.equal(d('reportflow_runs_started_total', { report_code: 'INVOICE' }), 3);
    assert.equal(d('reportflow_runs_finished_total', { report_code: 'INVOICE', status: 'succeeded', error_code: 'none' }), 2);
    assert.equal(d('reportflow_runs_finished_total', { report_code: 'INVOICE', status: 'failed', error_code: 'REPORT_TOO_LARGE' }), 1);
    // Invoice 536365 has 7 lines; each file's size is the one its run reports.
    assert.equal(d('reportflow_report_rows_total', { report_code: 'INVOICE', format: 'PDF' }), 7);
    assert.equal(d('reportflow_report_rows_total', { report_code: 'INVOICE', format: 'HTML' }), 7);
    assert.equal(d('reportflow_report_bytes_total', { report_code: 'INVOICE', format: 'PDF' }), sizes[ids.pdf!]);
    assert.equal(d('reportflow_report_bytes_total', { report_code: 'INVOICE', format: 'HTML' }), sizes[ids.html!]);
    assert.equal(d('reportflow_stage_duration_seconds_count', { stage: 'renderReport', format: 'PDF', outcome: 'ok' }), 1);
    assert.equal(d('reportflow_stage_duration_seconds_count', { stage: 'renderReport', format: 'PDF', outcome: 'error' }), 1, 'REPORT_TOO_LARGE fails its render once, for good');
    assert.equal(d('reportflow_stage_duration_seconds_count', { stage: 'queryData', format: 'HTML', outcome: 'ok' }), 1);
    assert.equal(d('reportflow_exports_total', { destination: 'local', outcome: 'ok' }), 2);
    assert.equal(d('reportflow_webhook_attempts_total', { outcome: 'delivered' }), 1);
    assert.equal(d('reportflow_webhook_deliveries_total', { status: 'delivered', error_code: 'none' }), 1);
    assert.equal(workerAfter.get('reportflow_chromium_pages_in_use'), 0, 'no render holds a page once the runs are done');
    assert.equal(workerAfter.get('reportflow_render_queue_depth'), 0);
    assert.equal(workerAfter.get(sample('reportflow_chromium_restarts_total', { reason: 'crashed' })), 0);
  });

  test('the worker endpoint carries the Temporal SDK\'s own worker metrics', () => {
    const names = [...workerAfter.keys()];
    for (const prefix of ['temporal_activity_schedule_to_start_latency_seconds_bucket', 'temporal_workflow_task_schedule_to_start_latency_seconds_bucket', 'temporal_sticky_cache_size', 'temporal_long_request_latency_seconds_bucket']) {
      assert.ok(names.some((n) => n.startsWith(prefix)), `${prefix} is scraped; Temporal names seen: ${names.filter((n) => n.startsWith('temporal_')).map((n) => n.split('{')[0]).filter((n, i, a) => a.indexOf(n) === i).join(', ')}`);
    }
    const started = names.filter((n) => n.startsWith('temporal_activity_execution_latency_seconds_count'));
    assert.ok(started.length > 0, 'activity executions are counted');
  });

  test('the API counts requests by route pattern and status, never by URL', () => {
    const route = '/v1/report-generate-requests';
    assert.equal(delta(apiBefore, apiAfter, sample('reportflow_http_requests_total', { method: 'POST', route, status_code: '201' })), 3);
    assert.equal(delta(apiBefore, apiAfter, sample('reportflow_http_request_duration_seconds_count', { method: 'POST', route })), 3);
    assert.ok(delta(apiBefore, apiAfter, sample('reportflow_http_requests_total', { method: 'GET', route: `${route}/:id`, status_code: '200' })) >= 3, 'each run was polled');
    for (const samples of [apiAfter, workerAfter]) {
      for (const key of samples.keys()) {
        for (const id of Object.values(ids)) assert.ok(!key.includes(id!), `no label carries a request id: ${key}`);
        assert.ok(!key.includes('tenant'), `no label carries a tenant: ${key}`);
      }
    }
  });

  test('one trace runs from the API request through the workflow and the render activity down to Chromium and the database', async () => {
    let chain: ReceivedSpan[];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const render = otlp.spans.find((s) => s.name === 'chromium.render' && otlp.spans.some((p) => p.traceId === s.traceId && p.service === 'reportflow-api'));
      chain = render ? ancestry(otlp.spans, render) : [];
      if (chain.at(-1)?.service === 'reportflow-api' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const names = chain.map((s) => `${s.service}: ${s.name}`);
    assert.equal(chain.at(-1)?.service, 'reportflow-api', `the render span's ancestry reaches the API: ${names.join(' ← ')}`);
    assert.match(chain.at(-1)!.name, /POST|report-generate-requests/, names.join(' ← '));
    // An invoice is an inline run: its stages are spans inside the one local activity `startAndProduce`.
    for (const expected of ['chromium.render', 'renderReport', 'RunActivity:startAndProduce', 'RunWorkflow:generateReport', 'StartWorkflow:generateReport']) {
      assert.ok(chain.some((s) => s.name === expected), `${expected} in ${names.join(' ← ')}`);
    }
    const traceId = chain[0]!.traceId;
    assert.ok(otlp.spans.some((s) => s.traceId === traceId && s.name === 'db.stream' && String(s.attributes['db.query.text']).includes('SELECT')), 'the query stage\'s database query is in the same trace');
    assert.ok(otlp.spans.some((s) => s.traceId === traceId && s.name === 'export LOCAL'), 'the export call is in the same trace');
    // The PDF run had a webhook: its one local activity (startAndProduce, which also records the run's end
    // and makes the webhook's first attempt, taken) and the POST join the trace. Their spans may go out in a later export batch than the
    // metric the setup waited for: wait (bounded) until the POST's trace holds the API request and that activity.
    const deliveryTrace = () => {
      const post = otlp.spans.find((s) => String(s.attributes['url.full'] ?? '').endsWith('/hook'));
      return post ? otlp.spans.filter((s) => s.traceId === post.traceId) : [];
    };
    let pdfTrace = deliveryTrace();
    for (const until = Date.now() + 30_000; Date.now() < until; pdfTrace = deliveryTrace()) {
      if (pdfTrace.some((s) => s.service === 'reportflow-api') && pdfTrace.some((s) => s.name === 'RunActivity:startAndProduce') && pdfTrace.some((s) => String(s.attributes['url.full'] ?? '').endsWith('/hook'))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const spanNames = (spans: ReceivedSpan[]) => spans.map((s) => s.name).join(', ');
    assert.ok(pdfTrace.some((s) => s.service === 'reportflow-api' && /POST/.test(s.name)), `the webhook delivery belongs to the API request's trace: ${spanNames(pdfTrace)}`);
    assert.ok(pdfTrace.some((s) => s.name === 'RunActivity:startAndProduce'), spanNames(pdfTrace));
    assert.ok(pdfTrace.some((s) => String(s.attributes['url.full'] ?? '').endsWith('/hook')), `the webhook POST is a span: ${spanNames(pdfTrace)}`);
  });

  test('every worker log line of a run carries its request id, workflow id and tenant', () => {
    const lines = service.output.map((l) => /^\[(worker|api)\] (\{.*\})$/.exec(l)).filter((m) => m !== null).map((m) => ({ ...(JSON.parse(m[2]!) as Record<string, unknown>), from: m[1] }) as Record<string, unknown>);
    const rendered = lines.filter((l) => l.from === 'worker' && l.msg === 'report rendered');
    assert.ok(rendered.length >= 2, `render log lines: ${rendered.length}`);
    for (const line of rendered) {
      assert.ok(typeof line.requestId === 'string' && Object.values(ids).includes(line.requestId), JSON.stringify(line));
      assert.equal(line.workflowId, line.requestId, 'a report run\'s workflow id is its request id');
      assert.equal(line.tenantId, 'default');
    }
    const completed = lines.filter((l) => l.from === 'api' && l.msg === 'request completed' && l.requestId === ids.failed);
    assert.ok(completed.length >= 2, 'the create and the polls of a run are logged with its request id');
    assert.ok(completed.every((l) => l.tenantId === 'default'));
    assert.ok(!service.output.some((l) => l.includes(service.apiKey)), 'the API key never reaches the log');
  });
});

/** `span` and its parents, nearest first, as far as the receiver has them. */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain = [span];
  for (let s: ReceivedSpan | undefined = span; s?.parentSpanId; ) {
    s = spans.find((p) => p.spanId === s!.parentSpanId && p.traceId === span.traceId);
    if (s) chain.push(s);
  }
  return chain;
}
