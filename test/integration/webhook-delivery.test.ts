/**
 * Webhook deliveries through the real thing: a Temporal dev server, the real activities and
 * `deliverWebhook` workflow, the records in a real PostgreSQL, the HTTP API over them (real
 * `ReportRuns` gateway), and a real local HTTP receiver that is down for a while. A receiver down for
 * a minute gets the event once it is back (the old schedule gave up after ~30 s); the request's view
 * shows the delivery PENDING with the receiver's last answer, then DELIVERED (the run made the first
 * attempt, its delivery workflow the retries, as one schedule); a receiver that never
 * takes it ends FAILED with WEBHOOK_UNDELIVERED (a test-only short schedule stands in for the 24 h);
 * and the redeliver endpoint sends the same event again with a valid signature.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ApiKeys } from '../../src/api/auth.js';
import { uuidv7 } from '../../src/requests/request-id.js';
import { buildApiServer } from '../../src/api/server.js';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import { attemptOffsetsMs, deliveryWorkflowId, WEBHOOK_RETRY_SCHEDULE, type WebhookDeliveryInput, type WebhookRetrySchedule } from '../../src/domain/webhook-delivery.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { PgRecordStore } from '../../src/records/pg-record-store.js';
import { ReportRuns } from '../../src/temporal/report-runs.js';
import type { deliverWebhook } from '../../workflows/deliver-webhook.js';
import { DELIVER_WEBHOOK_WORKFLOW } from '../../workflows/messages.js';
import { TEST_API_CONFIG, TEST_SIGNING_KEY, type JsonBody } from '../helpers/api-fixture.js';
import { freePort } from '../helpers/free-port.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { verifyWebhook } from '../helpers/webhook-verify.js';
import { invoiceCatalog, WebhookReceiver } from '../workflows/fakes.js';
import { activityAttempts, invoiceRequest, withHarness, type Harness } from '../workflows/harness.js';

const SECRET = 'whsec-delivery-test-0123456789';
const temporal = useTemporalTestServer();
let pgServer: TestPostgres;
let db: PgDatabase;
let records: PgRecordStore;

before(async () => {
  pgServer = await startTestPostgres();
  db = new PgDatabase({ url: pgServer.url, applicationName: 'webhook-delivery-test' });
  await migrate(db, { dataDir: '', seed: false });
  records = new PgRecordStore(db);
});
after(async () => {
  await db?.close();
  await pgServer?.stop();
});

/** Records in PostgreSQL and a signing notifier that may reach loopback receivers. */
function realRecordsAndSignedWebhooks(h: Harness): void {
  h.records = records;
  h.overrides.notifier = new HttpWebhookNotifier({ timeoutMs: 2000, secret: SECRET, allowHosts: ['127.0.0.1'] });
}

/** The API over the harness's task queue and the real records; tenants `acme` (key-a) and `globex` (key-g). */
function apiOf(h: Harness): { app: FastifyInstance; call(method: 'GET' | 'POST', url: string, payload?: object, key?: string): Promise<{ status: number; body: JsonBody }> } {
  const app = buildApiServer({
    config: { ...TEST_API_CONFIG, webhookAllowHosts: ['127.0.0.1'] },
    catalog: invoiceCatalog(),
    db: h.db,
    records,
    destination: h.destination,
    runs: new ReportRuns(h.client, { taskQueue: h.config.taskQueue }),
    signer: new UrlSigner(TEST_SIGNING_KEY),
    logger: pino({ level: 'silent' }),
    apiKeys: ApiKeys.parse('acme:key-a,globex:key-g'),
  });
  return {
    app,
    call: async (method, url, payload, key = 'key-a') => {
      const res = await app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload ? { payload } : {}) });
      return { status: res.statusCode, body: res.json() as JsonBody };
    },
  };
}

/** Polls `fn` every 250 ms until it returns something other than undefined. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const sleepUntil = (atMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())));
const INVOICE_BODY = { report_code: 'INVOICE', format: 'CSV', parameter_values: [{ name: 'invoice_id', value: '536365' }] };

void test('a receiver down for a minute (refused, then 503) gets the event once back: the run SUCCEEDED at once, the delivery PENDING with the last answer, then DELIVERED once', { timeout: 240_000 }, async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const { app, call } = apiOf(h);
    const port = await freePort();
    const receiver = new WebhookReceiver();
    try {
      const created = await call('POST', '/v1/report-generate-requests', { ...INVOICE_BODY, notify: { webhook_url: `http://127.0.0.1:${port}/hooks` } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(created.body.id);
      const view = async () => (await call('GET', `/v1/report-generate-requests/${id}`)).body;

      // Nothing listens on the port: the run still ends at once, and its delivery waits.
      const first = await until('first attempt recorded', async () => {
        const v = await view();
        return v.webhook_deliveries?.[0]?.attempts >= 1 ? v : undefined;
      }, 30_000);
      assert.equal(first.status, 'SUCCEEDED');
      assert.equal(first.notify_error, undefined);
      const pending = first.webhook_deliveries[0];
      assert.equal(first.webhook_deliveries.length, 1);
      assert.equal(pending.status, 'PENDING');
      assert.equal(pending.event_id, `${id}:report.succeeded`);
      assert.equal(pending.event_type, 'report.succeeded');
      assert.equal(pending.redelivery, false);
      assert.equal(pending.last_http_status, null);
      assert.equal(pending.last_error, 'connection refused (ECONNREFUSED)');
      assert.ok(Date.parse(pending.next_attempt_at) > Date.parse(pending.last_attempt_at), 'the next attempt is announced');
      const firstAttemptMs = Date.parse(pending.last_attempt_at);
      // The run is over: cancelling it now is refused, and the delivery goes on.
      const cancel = await call('POST', `/v1/report-generate-requests/${id}/cancel`);
      assert.equal(cancel.status, 409);
      assert.equal(cancel.body.error.code, 'RUN_FINISHED');

      // The production schedule tries at +0, 5, 15, 35 and 75 s: refused until +25 s, 503 until +60 s.
      await sleepUntil(firstAttemptMs + 25_000);
      receiver.defaultStatus = 503;
      await receiver.start(port);
      const answered = await until('the 503 recorded', async () => {
        const d = (await view()).webhook_deliveries?.[0];
        return d?.last_http_status === 503 ? d : undefined;
      }, 30_000);
      assert.equal(answered.status, 'PENDING');
      assert.equal(answered.last_error, 'answered 503');
      assert.ok(answered.attempts >= 4, `attempts ${answered.attempts}`);
      assert.equal((await view()).status, 'SUCCEEDED');

      await sleepUntil(firstAttemptMs + 60_000);
      receiver.defaultStatus = 204;
      const done = await until('delivered', async () => {
        const v = await view();
        return v.webhook_deliveries?.[0]?.status === 'DELIVERED' ? v : undefined;
      }, 60_000);
      const delivered = done.webhook_deliveries[0];
      assert.equal(delivered.last_http_status, 204);
      assert.equal(delivered.last_error, null);
      assert.equal(delivered.next_attempt_at, null);
      assert.ok(delivered.delivered_at);
      assert.equal(delivered.error, undefined);
      assert.equal(done.notify_error, undefined);
      assert.equal(done.status, 'SUCCEEDED');

      // Taken exactly once, every attempt the same event, each signed afresh.
      assert.deepEqual(receiver.received.filter((r) => r.status === 204).map((r) => r.event.event_id), [`${id}:report.succeeded`]);
      assert.deepEqual(new Set(receiver.received.map((r) => r.headers['x-reportflow-event-id'])), new Set([`${id}:report.succeeded`]));
      for (const r of receiver.received) assert.ok(verifyWebhook(SECRET, String(r.headers['x-reportflow-signature']), r.rawBody, Math.floor(Date.now() / 1000)));
      assert.equal(delivered.attempts, 3 + receiver.received.length, 'three refused attempts, then the ones the receiver saw');

      // The run made the first attempt; its delivery workflow made the rest under the production
      // schedule, shifted by that attempt: its first retry waits 10 s, and it ends when the 24 h do.
      const handle = h.client.workflow.getHandle<typeof deliverWebhook>(deliveryWorkflowId(id, delivered.id));
      assert.deepEqual(await handle.result(), { status: 'DELIVERED', httpStatus: 204 });
      const scheduled = (await handle.fetchHistory()).events!.map((e) => e.activityTaskScheduledEventAttributes).find((a) => a?.activityType?.name === 'notify')!;
      assert.deepEqual(
        {
          initialMs: Number(scheduled.retryPolicy!.initialInterval!.seconds) * 1000,
          coefficient: scheduled.retryPolicy!.backoffCoefficient,
          maximumMs: Number(scheduled.retryPolicy!.maximumInterval!.seconds) * 1000,
          final: scheduled.retryPolicy!.nonRetryableErrorTypes,
        },
        { initialMs: 10_000, coefficient: 2, maximumMs: 3_600_000, final: ['WEBHOOK_REJECTED', 'WEBHOOK_ADDRESS_REFUSED'] },
      );
      const restMs = Number(scheduled.scheduleToCloseTimeout!.seconds) * 1000;
      assert.ok(restMs > 86_400_000 - 10_000 && restMs <= 86_400_000 - 5_000, `the rest of the 24 h: ${restMs} ms`);
      assert.equal((await activityAttempts(h.client.workflow.getHandle(id))).concludeRun, 1);
      assert.equal((await activityAttempts(handle)).notify, delivered.attempts - 1);
    } finally {
      await receiver.stop();
      await app.close();
    }
  }, realRecordsAndSignedWebhooks);
});

/** A test-only schedule: 0.2 s doubling to 0.8 s apart, 4 s in all (attempts at +0, 0.2, 0.6, 1.4, 2.2, 3.0, 3.8 s). */
const SHORT: WebhookRetrySchedule = { initialIntervalMs: 200, backoffCoefficient: 2, maximumIntervalMs: 800, totalMs: 4_000, attemptTimeoutMs: 2_000 };

/** Records `request` as SUCCEEDED (as its run would) and starts its delivery with `schedule`, as the run does. */
async function startDelivery(h: Harness, request: ReturnType<typeof invoiceRequest>, schedule: WebhookRetrySchedule, more: Partial<WebhookDeliveryInput> = {}) {
  await records.createRequest(request);
  await records.recordRunState(request, { status: 'SUCCEEDED', stage: 'NOTIFY', completedAt: new Date().toISOString() });
  const occurredAt = new Date().toISOString();
  const input: WebhookDeliveryInput = {
    deliveryId: uuidv7(), request, redelivery: false, linkSignedAt: occurredAt, schedule,
    event: { type: 'report.succeeded', status: 'SUCCEEDED', occurredAt },
    ...more,
  };
  return h.client.workflow.start<typeof deliverWebhook>(DELIVER_WEBHOOK_WORKFLOW, {
    taskQueue: h.config.taskQueue,
    workflowId: deliveryWorkflowId(request.id, input.deliveryId),
    args: [input],
  });
}

void test('a receiver answering 503 for the whole schedule: the delivery ends FAILED with WEBHOOK_UNDELIVERED and its last status, and notify_error says so (never INTERNAL)', { timeout: 60_000 }, async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    h.receiver.defaultStatus = 503;
    const request = invoiceRequest({ id: uuidv7(), notify: { webhookUrl: h.receiver.url() } });
    const handle = await startDelivery(h, request, SHORT);
    const err = await handle.result().then(() => assert.fail('not delivered'), (e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'WEBHOOK_UNDELIVERED');

    const { app, call } = apiOf(h);
    try {
      const view = (await call('GET', `/v1/report-generate-requests/${request.id}`)).body;
      assert.equal(view.status, 'SUCCEEDED');
      const message = 'The webhook receiver did not take the event within 4 seconds of attempts; the delivery shows its last answer or error.';
      assert.deepEqual(view.notify_error, { code: 'WEBHOOK_UNDELIVERED', message, errors: [] });
      const [d] = view.webhook_deliveries;
      assert.deepEqual(
        [d.status, d.last_http_status, d.last_error, d.next_attempt_at, d.error],
        ['FAILED', 503, 'answered 503', null, { code: 'WEBHOOK_UNDELIVERED', message, errors: [] }],
      );
      // Every attempt reached the receiver; no more than the schedule allows (slow attempts and task dispatch leave fewer).
      assert.equal(d.attempts, h.receiver.received.length);
      assert.ok(d.attempts >= 2 && d.attempts <= attemptOffsetsMs(SHORT).length, `attempts ${d.attempts}`);
    } finally {
      await app.close();
    }
  }, realRecordsAndSignedWebhooks);
});

void test('a delivery stopped from outside (its workflow cancelled) is recorded FAILED, not left PENDING', { timeout: 60_000 }, async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const request = invoiceRequest({ id: uuidv7(), notify: { webhookUrl: `http://127.0.0.1:${await freePort()}/hooks` } });
    const handle = await startDelivery(h, request, WEBHOOK_RETRY_SCHEDULE);
    await until('first attempt', async () => ((await records.getRequest('acme', request.id))?.webhookDeliveries?.[0]?.attempts ? true : undefined), 20_000);
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    const [d] = (await records.getRequest('acme', request.id))!.webhookDeliveries!;
    assert.deepEqual([d!.status, d!.error?.code, d!.error?.message, d!.nextAttemptAt], ['FAILED', 'WEBHOOK_UNDELIVERED', 'The delivery was stopped before the webhook receiver took the event.', undefined]);
  }, realRecordsAndSignedWebhooks);
});

void test('a delivery stopped while it waits after the run\'s own attempt is recorded FAILED and makes no attempt', { timeout: 60_000 }, async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const request = invoiceRequest({ id: uuidv7(), notify: { webhookUrl: h.receiver.url() } });
    // As the run starts it after its first attempt failed: the schedule's first gap (5 s) comes first.
    const handle = await startDelivery(h, request, WEBHOOK_RETRY_SCHEDULE, { attemptsMade: 1, firstAttemptAt: new Date().toISOString() });
    await until('PENDING recorded', async () => ((await records.getRequest('acme', request.id))?.webhookDeliveries?.[0] ? true : undefined), 20_000);
    await handle.cancel();
    await assert.rejects(handle.result(), WorkflowFailedError);
    const [d] = (await records.getRequest('acme', request.id))!.webhookDeliveries!;
    assert.deepEqual([d!.status, d!.error?.code, d!.attempts], ['FAILED', 'WEBHOOK_UNDELIVERED', 0]);
    assert.equal(h.receiver.received.length, 0);
    assert.equal((await activityAttempts(handle)).notify, undefined);
  }, realRecordsAndSignedWebhooks);
});

void test('POST …/webhook-deliveries/redeliver sends the same event id again with a valid signature as a new delivery; 409 without a webhook or before the end; 404 for another tenant', { timeout: 90_000 }, async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const { app, call } = apiOf(h);
    try {
      const created = await call('POST', '/v1/report-generate-requests', { ...INVOICE_BODY, notify: { webhook_url: h.receiver.url() } });
      const id = String(created.body.id);
      const redeliver = (key?: string, which = id) => call('POST', `/v1/report-generate-requests/${which}/webhook-deliveries/redeliver`, undefined, key);
      await until('delivered', async () => ((await call('GET', `/v1/report-generate-requests/${id}`)).body.webhook_deliveries?.[0]?.status === 'DELIVERED' ? true : undefined), 30_000);

      const asked = await redeliver();
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      assert.equal(asked.body.webhook_deliveries.length, 2);
      const again = asked.body.webhook_deliveries[0];
      assert.equal(again.redelivery, true);
      assert.equal(again.event_id, `${id}:report.succeeded`);
      const done = await until('redelivered', async () => {
        const v = (await call('GET', `/v1/report-generate-requests/${id}`)).body;
        return v.webhook_deliveries.find((d: JsonBody) => d.id === again.id)?.status === 'DELIVERED' ? v : undefined;
      }, 30_000);
      assert.deepEqual(done.webhook_deliveries.map((d: JsonBody) => [d.redelivery, d.status, d.attempts]), [[true, 'DELIVERED', 1], [false, 'DELIVERED', 1]]);

      assert.equal(h.receiver.received.length, 2);
      const [original, resent] = h.receiver.received;
      assert.equal(resent!.headers['x-reportflow-event-id'], `${id}:report.succeeded`);
      assert.equal(resent!.event.event_id, original!.event.event_id);
      assert.deepEqual({ ...resent!.event, report: undefined }, { ...original!.event, report: undefined }, 'the same event (type, time, outcome)');
      assert.deepEqual(resent!.event.report?.sha256, original!.event.report?.sha256);
      assert.ok(verifyWebhook(SECRET, String(resent!.headers['x-reportflow-signature']), resent!.rawBody, Math.floor(Date.now() / 1000)), 'a valid, fresh signature');

      const stranger = await redeliver('key-g');
      assert.deepEqual([stranger.status, stranger.body.error.code], [404, 'NOT_FOUND']);
      const quiet = await call('POST', '/v1/report-generate-requests', INVOICE_BODY);
      await until('quiet run finished', async () => ((await call('GET', `/v1/report-generate-requests/${quiet.body.id}`)).body.status === 'SUCCEEDED' ? true : undefined), 30_000);
      const none = await redeliver(undefined, String(quiet.body.id));
      assert.deepEqual([none.status, none.body.error.code], [409, 'WEBHOOK_NOT_REDELIVERABLE']);
      assert.match(none.body.error.message, /no webhook/);

      // A run still going has no event yet.
      let open!: () => void;
      h.renderer.gate = new Promise((resolve) => (open = resolve));
      const busy = await call('POST', '/v1/report-generate-requests', { ...INVOICE_BODY, notify: { webhook_url: h.receiver.url() } });
      const early = await redeliver(undefined, String(busy.body.id));
      open();
      assert.deepEqual([early.status, early.body.error.code], [409, 'WEBHOOK_NOT_REDELIVERABLE']);
      assert.match(early.body.error.message, /has not finished/);
    } finally {
      await app.close();
    }
  }, realRecordsAndSignedWebhooks);
});
