/**
 * The API's gateway to Temporal (`ReportRuns`) and the HTTP API on top of it, against a real
 * Temporal dev server running the real report workflow (with the workflow tests' fake activities'
 * dependencies): what GET shows in each state, tenant isolation, and Temporal being unreachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { ApiKeys } from '../../src/api/auth.js';
import { buildApiServer } from '../../src/api/server.js';
import { ReportError } from '../../src/domain/errors.js';
import { SA_CUSTOMER, SA_REPORT_CODE, SA_TENANT } from '../../src/domain/search-attributes.js';
import { ReportRuns, type RunView } from '../../src/temporal/report-runs.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import { TEST_API_CONFIG, TEST_SIGNING_KEY } from '../helpers/api-fixture.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { freePort } from '../helpers/free-port.js';
import { invoiceCatalog } from './fakes.js';
import { invoiceRequest, withHarness } from './harness.js';

const temporal = useTemporalTestServer();

/** Polls `runs.get` every 50 ms until `done(view)`, for at most 15 s. */
async function until(runs: ReportRuns, tenantId: string, id: string, done: (v: RunView) => boolean): Promise<RunView> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const view = await runs.get(tenantId, id);
    if (view && done(view)) return view;
    if (Date.now() > deadline) throw new Error(`run ${id} never matched; last ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

void test('a run started through the gateway shows each state, carries its request, and is invisible to other tenants', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const runs = new ReportRuns(temporal.env.client, { taskQueue: h.config.taskQueue });
    let openGate!: () => void;
    h.renderer.gate = new Promise((resolve) => (openGate = resolve));
    const request = invoiceRequest({ customerId: '17850' });
    await runs.start(request);

    const rendering = await until(runs, 'acme', request.id, (v) => v.stage === 'RENDER');
    assert.equal(rendering.status, 'RUNNING');
    assert.deepEqual(rendering.request, request, 'the request comes back from the memo');
    assert.equal(await runs.get('globex', request.id), undefined, "another tenant's run looks missing");

    const desc = await temporal.env.client.workflow.getHandle(request.id).describe();
    assert.equal(desc.typedSearchAttributes.get(SA_TENANT), 'acme');
    assert.equal(desc.typedSearchAttributes.get(SA_REPORT_CODE), 'INVOICE');
    assert.equal(desc.typedSearchAttributes.get(SA_CUSTOMER), '17850');
    assert.equal(await desc.staticSummary(), 'INVOICE invoice_id=536365 · CSV en Europe/London · customer 17850');
    assert.match((await desc.staticDetails()) ?? '', /\| invoice_id \| 536365 \|/);

    openGate();
    const done = await until(runs, 'acme', request.id, (v) => v.status === 'SUCCEEDED' && v.completedAt !== undefined);
    assert.equal(done.report?.fileName.startsWith('INVOICE_536365_'), true);
    assert.equal(done.report?.rows, 5);
    assert.ok(Date.parse(done.completedAt!) <= Date.now());
    assert.equal(done.error, undefined);
  });
});

void test('a run no worker has picked up yet is PENDING at once (no waiting on a query)', async () => {
  const runs = new ReportRuns(temporal.env.client, { taskQueue: `nobody-polls-${randomUUID()}` });
  const request = invoiceRequest();
  await runs.start(request);
  const t0 = Date.now();
  const view = await runs.get('acme', request.id);
  const ms = Date.now() - t0;
  assert.deepEqual({ status: view?.status, stage: view?.stage }, { status: 'PENDING', stage: null });
  assert.ok(ms < 1000, `GET of a pending run took ${ms} ms`);
  await temporal.env.client.workflow.getHandle(request.id).terminate('test done');
  // Terminated from outside: to the client that is a cancellation.
  const ended = await runs.get('acme', request.id);
  assert.equal(ended?.status, 'CANCELLED');
  assert.equal(ended?.error?.code, 'RUN_CANCELLED');
});

void test('a failed run shows the error code, message and field errors its activity raised', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const runs = new ReportRuns(temporal.env.client, { taskQueue: h.config.taskQueue });
    const request = invoiceRequest({ parameterValues: [{ name: 'invoice_id', value: '999999' }] });
    await runs.start(request);
    const failed = await until(runs, 'acme', request.id, (v) => v.status === 'FAILED' && v.completedAt !== undefined);
    assert.equal(failed.stage, 'VALIDATE');
    assert.deepEqual(failed.error, {
      code: 'INVOICE_NOT_FOUND',
      message: 'Invoice 999999 does not exist.',
      errors: [{ field: 'parameter_values.invoice_id', code: 'INVOICE_NOT_FOUND', message: 'Invoice 999999 does not exist.' }],
    });
  });
});

void test('a cancelled run shows CANCELLED with RUN_CANCELLED', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const runs = new ReportRuns(temporal.env.client, { taskQueue: h.config.taskQueue });
    h.renderer.slow = true;
    const request = invoiceRequest();
    await runs.start(request);
    await until(runs, 'acme', request.id, (v) => v.stage === 'RENDER');
    await temporal.env.client.workflow.getHandle(request.id).cancel();
    const cancelled = await until(runs, 'acme', request.id, (v) => v.status === 'CANCELLED' && v.completedAt !== undefined);
    assert.equal(cancelled.error?.code, 'RUN_CANCELLED');
    assert.equal(cancelled.stage, 'RENDER');
  });
});

void test('unknown ids are undefined; a duplicate id is refused, not attached to', async () => {
  const runs = new ReportRuns(temporal.env.client, { taskQueue: `nobody-polls-${randomUUID()}` });
  assert.equal(await runs.get('acme', `rpt-${randomUUID()}`), undefined);
  const request = invoiceRequest();
  await runs.start(request);
  await assert.rejects(runs.start(request), (err: Error) => err.name === 'WorkflowExecutionAlreadyStartedError');
  await temporal.env.client.workflow.getHandle(request.id).terminate('test done');
  await assert.rejects(runs.start(request), (err: Error) => err.name === 'WorkflowExecutionAlreadyStartedError');
  await runs.ping();
});

void test('Temporal unreachable: start, get and ping fail with UNAVAILABLE within the deadline', async () => {
  const port = await freePort();
  const connection = await Connection.lazy({ address: `127.0.0.1:${port}` });
  const runs = new ReportRuns(new Client({ connection }), { taskQueue: 'x', rpcTimeoutMs: 1500 });
  try {
    for (const call of [() => runs.start(invoiceRequest()), () => runs.get('acme', 'x'), () => runs.ping()]) {
      const t0 = Date.now();
      await assert.rejects(call(), (err: unknown) => err instanceof ReportError && err.code === 'UNAVAILABLE');
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    }
  } finally {
    await connection.close();
  }
});

void test('through the HTTP API: POST, follow with GET, download the file; another tenant gets 404', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const app = buildApiServer({
      config: { ...TEST_API_CONFIG, publicUrl: 'https://reports.example.test' },
      catalog: invoiceCatalog(),
      db: h.db,
      runs: new ReportRuns(temporal.env.client, { taskQueue: h.config.taskQueue }),
      destination: h.destination,
      records: h.records,
      signer: new UrlSigner(TEST_SIGNING_KEY),
      logger: pino({ level: 'silent' }),
      apiKeys: ApiKeys.parse('acme:key-a,globex:key-g'),
    });
    try {
      const t0 = Date.now();
      const created = await app.inject({
        method: 'POST', url: '/v1/report-generate-requests', headers: { 'x-api-key': 'key-a' },
        payload: { report_code: 'INVOICE', format: 'csv', timezone: 'Europe/London', parameter_values: [{ name: 'invoice_id', value: '536365' }] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const createMs = Date.now() - t0;
      const id = created.json().id as string;

      const seen: string[] = [];
      let body: Record<string, unknown> = {};
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const res = await app.inject({ method: 'GET', url: `/v1/report-generate-requests/${id}`, headers: { authorization: 'Bearer key-a' } });
        assert.equal(res.statusCode, 200, res.body);
        body = res.json();
        const label = `${String(body.status)}${body.stage ? ':' + String(body.stage) : ''}`;
        if (seen.at(-1) !== label) seen.push(label);
        if (body.status === 'SUCCEEDED') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const doneMs = Date.now() - t0;
      assert.equal(body.status, 'SUCCEEDED', seen.join(' → '));
      const report = body.report as { file_name: string; sha256: string; size_bytes: number; download_url: string };
      assert.equal(report.download_url, `https://reports.example.test/v1/reports/${id}/download`);

      const other = await app.inject({ method: 'GET', url: `/v1/report-generate-requests/${id}`, headers: { 'x-api-key': 'key-g' } });
      assert.equal(other.statusCode, 404);
      const otherDownload = await app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: { 'x-api-key': 'key-g' } });
      assert.equal(otherDownload.statusCode, 404);

      const file = await app.inject({ method: 'GET', url: `/v1/reports/${id}/download`, headers: { 'x-api-key': 'key-a' } });
      assert.equal(file.statusCode, 200);
      assert.equal(file.headers['content-disposition'], `attachment; filename="${report.file_name}"`);
      assert.equal(Number(file.headers['content-length']), report.size_bytes);
      assert.equal(createHash('sha256').update(file.rawPayload).digest('hex'), report.sha256);
      assert.match(file.rawPayload.toString('utf8'), /WHITE HANGING HEART T-LIGHT HOLDER/);
      console.log(`POST → 201 in ${createMs} ms; SUCCEEDED seen after ${doneMs} ms; states: ${seen.join(' → ')}`);
    } finally {
      await app.close();
    }
  });
});

void test('generate_at: Temporal holds the run until then (PENDING meanwhile), and a held run can be cancelled', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const runs = new ReportRuns(temporal.env.client, { taskQueue: h.config.taskQueue });
    const at = new Date(Date.now() + 3_000).toISOString();
    const request = invoiceRequest({ generateAt: at });
    await runs.start(request);
    const held = await runs.get('acme', request.id);
    assert.equal(held?.status, 'PENDING');
    const result = await temporal.env.client.workflow.getHandle(request.id).result();
    assert.equal(result.status, 'SUCCEEDED');
    assert.ok(Date.parse(result.stageStartedAt.VALIDATE) >= Date.parse(at) - 50, `started ${result.stageStartedAt.VALIDATE}, asked for ${at}`);

    const later = invoiceRequest({ generateAt: new Date(Date.now() + 60_000).toISOString() });
    await runs.start(later);
    assert.equal(await runs.cancel('globex', later.id), false, 'another tenant cannot cancel it');
    assert.equal(await runs.cancel('acme', later.id), true);
    const cancelled = await waitFinal(runs, later.id);
    assert.equal(cancelled.status, 'CANCELLED');
    assert.deepEqual(await h.exportedFiles(), [`acme/INVOICE/${request.id}/INVOICE_536365_${request.id}.csv`]);
  });
});

async function waitFinal(runs: ReportRuns, id: string): Promise<RunView> {
  for (let i = 0; i < 100; i++) {
    const view = await runs.get('acme', id);
    if (view && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(view.status)) return view;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not finish`);
}
