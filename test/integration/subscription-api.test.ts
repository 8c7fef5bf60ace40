/**
 * `/v1/report-subscriptions` end to end in-process: the real API (inject), subscriptions stored in a
 * real PostgreSQL (migrations applied; the report records too), real Temporal Schedules on a dev server, and a worker with
 * the fast fake report activities. Checks what a client and an operator would: the row, the
 * schedule (with the Temporal client), runs per period, auto-pause after repeated failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleNotFoundError, type ScheduleDescription } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import { ApiKeys } from '../../src/api/auth.js';
import { uuidv7 } from '../../src/requests/request-id.js';
import type { Catalog } from '../../src/catalog/load-catalog.js';
import type { ReportDefinition } from '../../src/catalog/report-definition.js';
import { ReportError } from '../../src/domain/errors.js';
import type { ReportTemplate, ScheduledReportInput } from '../../src/domain/subscription-run.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import { buildApiServer } from '../../src/api/server.js';
import { runCli } from '../../src/cli/index.js';
import { loadConfig } from '../../src/config/settings.js';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { PgRecordStore } from '../../src/records/pg-record-store.js';
import { ReportConfigurationStore } from '../../src/configurations/report-configuration-store.js';
import { SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { ReportRuns } from '../../src/temporal/report-runs.js';
import { SubscriptionSchedules } from '../../src/temporal/schedules.js';
import { FakeDataRealState } from '../helpers/fake-data-real-state.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { bundleReportWorkflows, startTemporalTestServer } from '../helpers/temporal.js';
import { invoiceCatalog } from '../workflows/fakes.js';
import { withHarness, type Harness } from '../workflows/harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let pgServer: TestPostgres;
let pgDb: PgDatabase;

before(async () => {
  [env, bundle, pgServer] = await Promise.all([startTemporalTestServer(), bundleReportWorkflows(), startTestPostgres()]);
  pgDb = new PgDatabase({ url: pgServer.url, applicationName: 'subscription-test' });
  await migrate(pgDb, { dataDir: path.resolve(import.meta.dirname, '../../data'), seed: false });
});
after(async () => {
  await pgDb?.close();
  await pgServer?.stop();
  await env?.teardown();
});

const KEY = { acme: 'acme-key-123', globex: 'globex-key-456', acmeViewer: 'acme-viewer-789' };

/** The subscription service as the API builds it, over `scheduler`, with its state in the test's PostgreSQL. */
function serviceOver(scheduler: SubscriptionSchedules, catalog = invoiceCatalog()): SubscriptionService {
  return new SubscriptionService({ store: new SubscriptionStore(pgDb), scheduler, catalog, config: { subscriptionCatchupDays: 7, subscriptionBackfillMaxRuns: 366 }, newId: uuidv7 });
}

/** The first argument of a described schedule's action: the snapshot its runs start with. */
function actionInput(described: ScheduleDescription): Partial<ScheduledReportInput> | undefined {
  return described.action.type === 'startWorkflow' ? (described.action.args?.[0] as ScheduledReportInput | undefined) : undefined;
}

/** The report a service-level test subscribes to: invoice 536365 as CSV, in Oslo time. */
const TEMPLATE: ReportTemplate = { reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', language: 'en', timezone: 'Europe/Oslo' };

/** INVOICE with a period: `from_date`/`to_date`, filled by each subscription run from its period. */
function periodCatalog(): Catalog {
  const def = invoiceCatalog().get('INVOICE')!;
  const date = { type: 'string', format: 'date' };
  const parameters = { ...def.parameters, properties: { ...(def.parameters.properties as object), from_date: date, to_date: date } };
  return new Map([['INVOICE', { ...def, parameters, period: { from_parameter: 'from_date', to_parameter: 'to_date' } }]]);
}

/** The API over a worker, both with `catalog` (INVOICE without a period unless given). */
async function withApi(fn: (api: FastifyInstance, h: Harness) => Promise<void>, catalog = invoiceCatalog()): Promise<void> {
  await withHarness(env, bundle, async (h) => {
    const subscriptions = serviceOver(new SubscriptionSchedules(env.client, { taskQueue: h.config.taskQueue, catchupWindowDays: 7 }), catalog);
    const api = buildApiServer({
      config: { maxBodyBytes: 65536, publicUrl: 'https://reports.example.test', apiHost: '127.0.0.1', apiPort: 8080, downloadUrlTtlSeconds: 900, idempotencyTtlHours: 24 },
      catalog,
      db: h.db,
      runs: new ReportRuns(env.client, { taskQueue: h.config.taskQueue }),
      destination: h.destination,
      logger: pino({ level: 'silent' }),
      apiKeys: ApiKeys.parse(`acme:${KEY.acme},globex:${KEY.globex},acme:${KEY.acmeViewer}:SUBSCRIPTION.VIEW`),
      records: h.records,
      signer: new UrlSigner('subscription-api-test-signing-key'),
      subscriptions,
      configurations: new ReportConfigurationStore(pgDb),
    });
    await api.ready();
    try {
      await fn(api, h);
    } finally {
      await api.close();
    }
  }, (h) => {
    h.db = new FakeDataRealState(pgDb);
    h.records = new PgRecordStore(pgDb);
    h.config.subscriptionMaxFailures = 2;
    h.catalog = catalog;
  });
}

async function call(api: FastifyInstance, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, tenant: keyof typeof KEY = 'acme') {
  const res = await api.inject({ method, url: `/v1${url}`, headers: { 'x-api-key': KEY[tenant] }, ...(payload !== undefined ? { payload: payload as Json } : {}) });
  return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : undefined) as Json };
}

const INVOICE = { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', language: 'en' };

/** Polls GET until `done(body)`, at most `timeoutMs`. */
async function until(api: FastifyInstance, id: string, done: (b: Json) => boolean, timeoutMs = 60_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(api, 'GET', `/report-subscriptions/${id}`);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(body).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Polls a report run until it has SUCCEEDED (at most a minute) and returns its view. */
async function succeededRun(api: FastifyInstance, runId: string): Promise<Json> {
  const deadline = Date.now() + 60_000;
  let run = await call(api, 'GET', `/report-generate-requests/${runId}`);
  while (run.body.status !== 'SUCCEEDED' && Date.now() < deadline) {
    await sleep(200);
    run = await call(api, 'GET', `/report-generate-requests/${runId}`);
  }
  assert.equal(run.body.status, 'SUCCEEDED', JSON.stringify(run.body));
  return run.body;
}

void test('create stores the subscription and its schedule; pause, resume, patch and delete reach the schedule', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', {
      ...INVOICE, timezone: 'Europe/Oslo', name: 'Month-end invoice', schedule: { frequency: 'MONTHLY', time_of_day: '06:00', day_of_month: 'LAST' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal(created.body.summary, 'MONTHLY on the last day at 06:00 Europe/Oslo');
    const [row] = await pgDb.query('SELECT tenant_id, timezone, active, schedule FROM reportflow.subscriptions WHERE id = $1', [id]);
    assert.deepEqual(row, { tenant_id: 'acme', timezone: 'Europe/Oslo', active: true, schedule: { frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 'LAST' } });

    const handle = env.client.schedule.getHandle(`subscription-${id}`);
    const described = await handle.describe();
    assert.equal(described.spec.timezone, 'Europe/Oslo');
    // This catalog's INVOICE says `run_mode: inline` (as the shipped one does): each run's report validates in a local activity too.
    assert.equal(actionInput(described)?.runMode, 'inline');
    // The next runs the API shows are the schedule's times that produce a report: of the spec's days 28–31, only each month's last day at 06:00 Oslo.
    const got = await call(api, 'GET', `/report-subscriptions/${id}`);
    const local = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
    const lastDayOfMonth = (iso: string) => {
      const d = DateTime.fromISO(iso, { zone: 'Europe/Oslo' });
      return d.day === d.daysInMonth && d.toFormat('HH:mm') === '06:00';
    };
    const temporalTimes = described.info.nextActionTimes.map((t) => t.toISOString());
    assert.ok(temporalTimes.some((t) => !lastDayOfMonth(t)), 'Temporal lists days that produce no report too');
    assert.deepEqual(got.body.next_run_times, temporalTimes.filter(lastDayOfMonth));
    assert.equal(got.body.schedule_unavailable, false, 'Temporal answered');
    assert.ok((got.body.next_run_times as string[]).length >= 2, String(got.body.next_run_times));
    assert.equal((await call(api, 'GET', `/report-subscriptions/${id}`, undefined, 'globex')).status, 404);

    const paused = await call(api, 'POST', `/report-subscriptions/${id}/pause`, { note: 'client on holiday' });
    assert.equal(paused.status, 200);
    assert.deepEqual([paused.body.active, paused.body.paused_reason, paused.body.schedule_paused], [false, 'client on holiday', true]);
    assert.deepEqual(paused.body.next_run_times, [], 'a paused subscription has no next runs');
    assert.deepEqual((await call(api, 'GET', `/report-subscriptions/${id}`)).body.next_run_times, []);
    assert.deepEqual([(await handle.describe()).state.paused, (await handle.describe()).state.note], [true, 'client on holiday']);

    const resumed = await call(api, 'POST', `/report-subscriptions/${id}/resume`, { note: 'back' });
    assert.deepEqual([resumed.body.active, resumed.body.schedule_paused], [true, false]);
    assert.deepEqual(resumed.body.next_run_times, got.body.next_run_times, 'resumed, the same reporting times are back');
    assert.deepEqual([(await handle.describe()).state.paused, (await handle.describe()).state.note], [false, 'MONTHLY on the last day at 06:00 Europe/Oslo · back']);

    const patched = await call(api, 'PATCH', `/report-subscriptions/${id}`, { schedule: { frequency: 'DAILY', time_of_day: '05:15' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.ok((patched.body.next_run_times as string[]).every((t) => local(t).endsWith('05:15')));
    // What the Temporal Web UI shows beside the schedule names the new schedule, not the replaced one.
    const note = (await handle.describe()).state.note ?? '';
    assert.ok(note.startsWith(`${patched.body.summary as string} · `), note);
    assert.equal(patched.body.schedule_note, note);

    const listed = await call(api, 'GET', '/report-subscriptions?report_code=INVOICE');
    assert.ok((listed.body.items as Json[]).some((s) => s.id === id));
    assert.equal((await call(api, 'GET', '/report-subscriptions', undefined, 'globex')).body.items.length, 0);

    assert.equal((await call(api, 'DELETE', `/report-subscriptions/${id}`)).status, 204);
    await assert.rejects(handle.describe(), ScheduleNotFoundError);
    assert.equal((await call(api, 'GET', `/report-subscriptions/${id}`)).status, 404);
  }, invoiceCatalog('inline'));
});

void test('reading needs SUBSCRIPTION.VIEW, every change SUBSCRIPTION.MANAGE', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', schedule: { frequency: 'DAILY' }, active: false });
    const id = created.body.id as string;
    assert.equal((await call(api, 'GET', `/report-subscriptions/${id}`, undefined, 'acmeViewer')).status, 200);
    assert.equal((await call(api, 'GET', '/report-subscriptions', undefined, 'acmeViewer')).status, 200);
    const changes: [method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown][] = [
      ['POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', schedule: { frequency: 'DAILY' } }],
      ['PATCH', `/report-subscriptions/${id}`, { name: 'x' }],
      ['POST', `/report-subscriptions/${id}/pause`, {}],
      ['POST', `/report-subscriptions/${id}/resume`, {}],
      ['POST', `/report-subscriptions/${id}/trigger`, {}],
      ['POST', `/report-subscriptions/${id}/backfill`, { from: '2025-01-01', to: '2025-01-02' }],
      ['DELETE', `/report-subscriptions/${id}`],
    ];
    for (const [method, url, body] of changes) {
      const res = await call(api, method, url, body, 'acmeViewer');
      assert.deepEqual([res.status, res.body.error.code], [403, 'FORBIDDEN'], `${method} ${url}`);
    }
    assert.equal((await call(api, 'DELETE', `/report-subscriptions/${id}`)).status, 204);
  });
});

void test('bad schedules and ranges are refused with 400 and the field', async () => {
  await withApi(async (api) => {
    const weeklyWithDay = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', schedule: { frequency: 'WEEKLY', time_of_day: '06:00', day_of_month: 5 } });
    assert.equal(weeklyWithDay.status, 400);
    assert.equal(weeklyWithDay.body.error.code, 'SCHEDULE_INVALID');
    assert.equal(weeklyWithDay.body.error.errors[0].field, 'schedule.day_of_month');
    const zone = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'Mars/Olympus', schedule: { frequency: 'DAILY' } });
    assert.deepEqual([zone.status, zone.body.error.code], [400, 'TIMEZONE_UNKNOWN']);
    const param = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, parameter_values: [], timezone: 'UTC', schedule: { frequency: 'DAILY' } });
    assert.deepEqual([param.status, param.body.error.code], [400, 'PARAMETER_MISSING']);

    const ok = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', schedule: { frequency: 'DAILY' }, active: false });
    const reversed = await call(api, 'POST', `/report-subscriptions/${ok.body.id}/backfill`, { from: '2025-03-01', to: '2025-02-01' });
    assert.deepEqual([reversed.status, reversed.body.error.code, reversed.body.error.errors[0].field], [400, 'SCHEDULE_INVALID', 'to']);
    // 26 years of daily runs (9,497 reports) in one call would keep the worker and the scheduler busy for hours.
    const huge = await call(api, 'POST', `/report-subscriptions/${ok.body.id}/backfill`, { from: '2000-01-01', to: '2026-01-01' });
    assert.deepEqual([huge.status, huge.body.error.code, huge.body.error.errors[0].field], [400, 'SCHEDULE_INVALID', 'to']);
    assert.match(huge.body.error.errors[0].message, /At most 366 runs per backfill \(REPORTFLOW_SUBSCRIPTION_BACKFILL_MAX_RUNS\)/);
    const justOver = await call(api, 'POST', `/report-subscriptions/${ok.body.id}/backfill`, { from: '2024-01-01', to: '2025-01-02' });
    assert.deepEqual([justOver.status, justOver.body.error?.code], [400, 'SCHEDULE_INVALID'], '367 daily runs');
    // Nothing of a refused range reached the schedule.
    const described = await env.client.schedule.getHandle(`subscription-${ok.body.id}`).describe();
    assert.deepEqual(actionInput(described)?.catchUp?.backfills ?? [], []);
    assert.equal(described.info.runningActions.length + described.info.recentActions.length, 0);
    await call(api, 'DELETE', `/report-subscriptions/${ok.body.id}`);
  });
});

void test('a subscription webhook to a loopback or private address is refused at create and patch with 400 naming notify.webhook_url and the allow-list setting', async () => {
  await withApi(async (api) => {
    const refused = (res: { status: number; body: Json }) => {
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'WEBHOOK_ADDRESS_REFUSED');
      assert.match(res.body.error.message, /REPORTFLOW_WEBHOOK_ALLOW_HOSTS/);
      assert.equal(res.body.error.errors[0].field, 'notify.webhook_url');
    };
    const before = await pgDb.query('SELECT count(*)::int AS n FROM reportflow.subscriptions');
    refused(await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', schedule: { frequency: 'DAILY' }, notify: { webhook_url: 'http://127.0.0.1:9/hook' } }));
    assert.deepEqual(await pgDb.query('SELECT count(*)::int AS n FROM reportflow.subscriptions'), before, 'nothing stored');

    const ok = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', schedule: { frequency: 'DAILY' }, active: false, notify: { webhook_url: 'https://hooks.example.test/r' } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    refused(await call(api, 'PATCH', `/report-subscriptions/${ok.body.id}`, { notify: { webhook_url: 'http://10.0.0.7/hook' } }));
    const [row] = await pgDb.query<{ url: string }>("SELECT template->'notify'->>'webhookUrl' AS url FROM reportflow.subscriptions WHERE id = $1", [ok.body.id]);
    assert.equal(row?.url, 'https://hooks.example.test/r', 'the stored webhook is unchanged');
    await call(api, 'DELETE', `/report-subscriptions/${ok.body.id}`);
  });
});

void test('the list pages like the request list (cursor, total, each subscription once) and GET shows the notify and export settings, kept by a PATCH', async () => {
  await withApi(async (api) => {
    const body = {
      ...INVOICE,
      timezone: 'UTC',
      schedule: { frequency: 'DAILY' },
      active: false,
      notify: { webhook_url: 'https://hooks.example.test/r', emails: ['finance@example.com'] },
      export_location: [{ variant: 'S3', integration_id: 'reports-s3', bucket_path: 's3://reports/acme', format_type: 'CSV' }],
    };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await call(api, 'POST', '/report-subscriptions', { ...body, name: `paged ${i}` }, 'globex');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.push(created.body.id as string);
    }
    try {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await call(api, 'GET', `/report-subscriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, undefined, 'globex');
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.equal(page.body.total, 5);
        assert.ok((page.body.items as Json[]).length <= 2);
        seen.push(...(page.body.items as Json[]).map((s) => s.id as string));
        cursor = page.body.next_cursor as string | null;
        pages++;
      } while (cursor !== null && pages < 10);
      assert.deepEqual(seen, ids, 'every subscription once, oldest first');
      assert.equal(pages, 3);
      const bad = await call(api, 'GET', '/report-subscriptions?cursor=bm90LWEtY3Vyc29y', undefined, 'globex');
      assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.errors[0].field], [400, 'REQUEST_INVALID', 'cursor']);
      assert.equal((await call(api, 'GET', '/report-subscriptions?limit=2', undefined, 'acme')).body.items.every((s: Json) => !ids.includes(s.id as string)), true, 'another tenant sees none of them');

      const settings = {
        notify: { webhook_url: 'https://hooks.example.test/r', emails: ['finance@example.com'] },
        // Each location flat and nested both (README "Export destinations").
        export_location: [
          { variant: 'LOCAL' },
          { variant: 'S3', integration_id: 'reports-s3', bucket_path: 's3://reports/acme', format_type: 'CSV', s3: { bucket_path: 's3://reports/acme', format_type: 'CSV' } },
        ],
      };
      const got = await call(api, 'GET', `/report-subscriptions/${ids[0]}`, undefined, 'globex');
      assert.deepEqual({ notify: got.body.notify, export_location: got.body.export_location }, settings);
      const patched = await call(api, 'PATCH', `/report-subscriptions/${ids[0]}`, { language: 'no' }, 'globex');
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.language, 'no');
      assert.deepEqual({ notify: patched.body.notify, export_location: patched.body.export_location }, settings, 'a PATCH of another field keeps them');
      const listed = (await call(api, 'GET', '/report-subscriptions?limit=1', undefined, 'globex')).body.items[0] as Json;
      assert.deepEqual({ notify: listed.notify, export_location: listed.export_location }, settings);
    } finally {
      for (const id of ids) await call(api, 'DELETE', `/report-subscriptions/${id}`, undefined, 'globex');
    }
  });
});

void test('NUL characters and unpaired surrogates in any subscription route are 400 naming the field, and nothing of them is stored', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', name: 'clean', schedule: { frequency: 'DAILY' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const handle = env.client.schedule.getHandle(`subscription-${id}`);
    const stored = async () => [(await pgDb.query('SELECT name, active, paused_reason FROM reportflow.subscriptions WHERE id = $1', [id]))[0], (await handle.describe()).state];
    const before = await stored();
    const cases: [method: 'GET' | 'POST' | 'PATCH', url: string, body: unknown, field: string][] = [
      ['GET', '/report-subscriptions?report_code=%00', undefined, 'report_code'],
      ['GET', '/report-subscriptions?report_code=INVOICE%00', undefined, 'report_code'],
      ['POST', `/report-subscriptions/${id}/pause`, { note: 'on\u0000hold' }, 'note'],
      ['POST', `/report-subscriptions/${id}/resume`, { note: 'back\u0000' }, 'note'],
      ['POST', `/report-subscriptions/${id}/resume`, { note: 'lone \ud800 surrogate' }, 'note'],
      ['PATCH', `/report-subscriptions/${id}`, { name: '\u0000' }, 'name'],
      ['PATCH', `/report-subscriptions/${id}`, { customer_id: 'c\u0000' }, 'customer_id'],
      ['POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', name: 'n\u0000', schedule: { frequency: 'DAILY' } }, 'name'],
      ['POST', `/report-subscriptions/${id}/trigger`, { from: '2025-01-01\u0000', to: '2025-01-02' }, 'from'],
    ];
    for (const [method, url, body, field] of cases) {
      // JSON.stringify writes NUL and a lone surrogate as \u escapes, as a client's JSON would.
      const res = await api.inject({ method, url: `/v1${url}`, headers: { 'x-api-key': KEY.acme, 'content-type': 'application/json' }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
      assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error.code, 'REQUEST_INVALID', res.body);
      assert.deepEqual(res.json().error.errors.map((e: { field: string }) => e.field), [field], res.body);
    }
    assert.deepEqual(await stored(), before, 'the row and the schedule are as they were');
    assert.equal((await pgDb.query("SELECT count(*)::int AS n FROM reportflow.subscriptions WHERE name LIKE 'n%' AND tenant_id = 'acme'"))[0]!.n, 0, 'no subscription created');
    assert.equal((await call(api, 'DELETE', `/report-subscriptions/${id}`)).status, 204);
  });
});

void test('a WEEKLY backfill over three months runs each ISO week once, and GET shows the runs and their status', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'America/New_York', schedule: { frequency: 'WEEKLY', time_of_day: '07:00', day_of_week: 'MONDAY' } });
    const id = created.body.id as string;
    const backfill = await call(api, 'POST', `/report-subscriptions/${id}/backfill`, { from: '2025-01-01', to: '2025-04-01' });
    assert.deepEqual([backfill.status, backfill.body.runs], [202, 13]);
    // The schedule keeps the latest 10 runs: all SUCCEEDED, each for its own week.
    // Monday 31 March 07:00 EDT is the last of the 13 runs.
    const done = await until(api, id, (b) => b.last_runs.at(-1)?.nominal_time === '2025-03-31T11:00:00.000Z' && b.last_runs.every((r: Json) => r.status === 'SUCCEEDED'));
    assert.equal(done.last_runs.length, 10);
    const weeks = (done.last_runs as Json[]).map((r) => r.period.from_date as string);
    assert.equal(new Set(weeks).size, 10);
    assert.equal(weeks.at(-1), '2025-03-24');
    const report = await call(api, 'GET', `/report-subscriptions/${id}`);
    const run = await env.client.workflow.getHandle(report.body.last_runs.at(-1).report_run_id as string).describe();
    assert.equal(run.status.name, 'COMPLETED');

    const explicit = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, { from: '2025-03-24', to: '2025-03-31' });
    assert.equal(explicit.status, 202);
    assert.equal(explicit.body.run_id, `${id}:2025-03-24`);
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('each run of a subscription carries its run_type and report_subscription_id, and the request list filters on them', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'Europe/Oslo', schedule: { frequency: 'DAILY', time_of_day: '06:00' } });
    const id = created.body.id as string;
    const manual = await call(api, 'POST', '/report-generate-requests', { ...INVOICE, timezone: 'Europe/Oslo' });
    assert.equal(manual.status, 201);
    assert.deepEqual([manual.body.run_type, manual.body.report_subscription_id], ['MANUAL', null]);
    assert.equal((await call(api, 'POST', `/report-subscriptions/${id}/backfill`, { from: '2025-01-01', to: '2025-01-03' })).status, 202);
    const explicit = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, { from: '2025-02-01', to: '2025-02-02' });
    assert.equal(explicit.status, 202);
    assert.equal((await call(api, 'POST', `/report-subscriptions/${id}/trigger`, {})).status, 202);
    // The trigger without a range runs the schedule's action now: its period is the day before today, in Oslo.
    const yesterday = DateTime.now().setZone('Europe/Oslo').minus({ days: 1 }).toISODate()!;
    const expected: Record<string, string> = {
      // Runs at 06:00 on 1 and 2 January, each reporting the day before.
      [`${id}:2024-12-31`]: 'BACKFILL', [`${id}:2025-01-01`]: 'BACKFILL', [explicit.body.run_id as string]: 'BACKFILL', [`${id}:${yesterday}`]: 'SCHEDULED',
    };
    for (const [runId, runType] of Object.entries(expected)) {
      const run = await succeededRun(api, runId);
      assert.deepEqual([run.run_type, run.report_subscription_id], [runType, id], runId);
    }
    const listed = await call(api, 'GET', `/report-generate-requests?report_subscription_id=${id}&run_type=BACKFILL`);
    assert.deepEqual((listed.body.items as Json[]).map((r) => r.id).sort(), [`${id}:2024-12-31`, `${id}:2025-01-01`, `${id}:2025-02-01`]);
    const searched = await call(api, 'POST', '/report-generate-requests/search', { run_type: ['MANUAL'] });
    assert.ok((searched.body.items as Json[]).some((r) => r.id === manual.body.id), 'the API request is found as MANUAL');
    assert.ok((searched.body.items as Json[]).every((r) => r.run_type === 'MANUAL' && r.report_subscription_id === null));
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('trigger answers with the run id at once; each run carries its period in parameter_values; triggered runs are listed in last_runs', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'Europe/Oslo', schedule: { frequency: 'WEEKLY', time_of_day: '06:00', day_of_week: 'MONDAY' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    // The week that ends now: the ISO week before this one, in Oslo.
    const lastMonday = DateTime.now().setZone('Europe/Oslo').startOf('week').minus({ weeks: 1 });
    const now = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, {});
    assert.equal(now.status, 202, JSON.stringify(now.body));
    assert.equal(now.body.run_id, `${id}:${lastMonday.toISODate()}`);
    assert.equal(now.body.period.from_date, lastMonday.toISODate());
    const explicit = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, { from: '2025-03-03', to: '2025-03-10' });
    assert.equal(explicit.body.run_id, `${id}:2025-03-03`);
    const runs: Record<string, Json> = {};
    for (const runId of [now.body.run_id as string, explicit.body.run_id as string]) runs[runId] = await succeededRun(api, runId);
    const valuesOf = (run: Json) => Object.fromEntries((run.parameter_values as Json[]).map((p) => [p.name, p.value]));
    assert.deepEqual(valuesOf(runs[now.body.run_id as string]!), { invoice_id: '536365', from_date: lastMonday.toISODate(), to_date: lastMonday.plus({ days: 6 }).toISODate() });
    assert.deepEqual(valuesOf(runs[explicit.body.run_id as string]!), { invoice_id: '536365', from_date: '2025-03-03', to_date: '2025-03-09' });
    assert.deepEqual([runs[now.body.run_id as string]!.run_type, runs[explicit.body.run_id as string]!.run_type], ['SCHEDULED', 'BACKFILL']);
    const detail = await until(api, id, (b) => (b.last_runs as Json[]).filter((r) => r.status === 'SUCCEEDED').length === 2);
    assert.deepEqual((detail.last_runs as Json[]).map((r) => [r.report_run_id, r.period?.from_date, r.status]), [
      [now.body.run_id, lastMonday.toISODate(), 'SUCCEEDED'],
      [explicit.body.run_id, '2025-03-03', 'SUCCEEDED'],
    ]);
    assert.ok((detail.last_runs as Json[]).every((r) => String(r.workflow_id).startsWith(`subscription-${id}-manual-`)));
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  }, periodCatalog());
});

void test('a subscription whose runs fail twice in a row is paused automatically with the reason', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', {
      ...INVOICE, parameter_values: [{ name: 'invoice_id', value: '999999' }], timezone: 'Europe/Oslo', schedule: { frequency: 'DAILY', time_of_day: '06:00' },
    });
    const id = created.body.id as string;
    await call(api, 'POST', `/report-subscriptions/${id}/backfill`, { from: '2025-06-01', to: '2025-06-03' });
    const paused = await until(api, id, (b) => b.active === false);
    assert.match(paused.paused_reason, /^AUTO_PAUSED: 2 runs in a row failed \(last: INVOICE_NOT_FOUND for 2025-06-0\d\.\.2025-06-0\d\)$/);
    assert.equal(paused.consecutive_failures, 2);
    const schedule = await env.client.schedule.getHandle(`subscription-${id}`).describe();
    assert.equal(schedule.state.paused, true);
    assert.match(schedule.state.note ?? '', /^AUTO_PAUSED/);
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('a subscription the client paused keeps its own reason when runs triggered meanwhile fail in a row', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', {
      ...INVOICE, parameter_values: [{ name: 'invoice_id', value: '999999' }], timezone: 'Europe/Oslo', schedule: { frequency: 'DAILY', time_of_day: '06:00' },
    });
    const id = created.body.id as string;
    await call(api, 'POST', `/report-subscriptions/${id}/pause`, { note: 'holiday' });
    for (const [from, to] of [['2025-06-01', '2025-06-02'], ['2025-06-02', '2025-06-03']]) {
      assert.equal((await call(api, 'POST', `/report-subscriptions/${id}/trigger`, { from, to })).status, 202);
    }
    // Until both runs' workflows (which count the failures, then pause at 2) have closed.
    const closed = async () => {
      const manual: string[] = [];
      for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'scheduledReport'` })) {
        if (wf.workflowId.startsWith(`subscription-${id}-manual-`)) manual.push(wf.status.name);
      }
      return manual.length === 2 && manual.every((s) => s === 'COMPLETED');
    };
    for (let i = 0; i < 120 && !(await closed()); i++) await sleep(250);
    assert.ok(await closed(), 'both runs closed');
    const after = (await call(api, 'GET', `/report-subscriptions/${id}`)).body;
    assert.deepEqual([after.active, after.paused_reason, after.consecutive_failures], [false, 'holiday', 2]);
    assert.equal((await env.client.schedule.getHandle(`subscription-${id}`).describe()).state.note, 'holiday');
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('a failed period run again after the subscription is fixed shows the new run: SUCCEEDED with its report, not the old failure', async () => {
  await withApi(async (api, h) => {
    // The fix and the new trigger come while the failed run's parent workflow is still recording it.
    (h.db as FakeDataRealState).outcomeDelayMs = 3000;
    const created = await call(api, 'POST', '/report-subscriptions', {
      ...INVOICE, parameter_values: [{ name: 'invoice_id', value: '999999' }], timezone: 'Europe/Oslo', schedule: { frequency: 'DAILY', time_of_day: '06:00' },
    });
    const id = created.body.id as string;
    const range = { from: '2025-06-01', to: '2025-06-02' };
    const pollRequest = async (runId: string, done: (b: Json) => boolean) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const res = await call(api, 'GET', `/report-generate-requests/${encodeURIComponent(runId)}`);
        if (res.status === 200 && done(res.body)) return res.body;
        if (Date.now() > deadline) throw new Error(`${runId}: ${JSON.stringify(res.body)}`);
        await sleep(200);
      }
    };
    const first = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, range);
    const runId = first.body.run_id as string;
    const failed = await pollRequest(runId, (b) => b.status === 'FAILED');
    assert.equal(failed.error.code, 'INVOICE_NOT_FOUND');

    const patched = await call(api, 'PATCH', `/report-subscriptions/${id}`, { parameter_values: [{ name: 'invoice_id', value: '536365' }] });
    assert.equal(patched.status, 200);
    const second = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, range);
    assert.equal(second.body.run_id, runId, 'the same period, the same report run id');
    const succeeded = await pollRequest(runId, (b) => b.status === 'SUCCEEDED' && b.report !== undefined);
    assert.equal(succeeded.error, undefined);
    assert.deepEqual(succeeded.parameter_values, [{ name: 'invoice_id', value: '536365' }]);
    // Listings read the records alone: they show the new run too.
    const createdTo = new Date(Date.parse(succeeded.created_at as string) + 1).toISOString();
    const listed = await call(api, 'POST', '/report-generate-requests/search', { created_from: succeeded.created_at, created_to: createdTo, limit: 100 });
    assert.equal((listed.body.items as Json[]).find((r) => r.id === runId)?.status, 'SUCCEEDED');
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('a report run Temporal has started but not yet recorded (no worker has taken it) reads as PENDING, not 404, and only for its tenant', async () => {
  await withApi(async (api) => {
    // Started as a subscription starts its report runs: memo and tenant search attribute, no record.
    const id = `${uuidv7()}:2025-06-01`;
    const idle = new ReportRuns(env.client, { taskQueue: `no-worker-${uuidv7()}` });
    await idle.start({ id, tenantId: 'acme', reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', language: 'en', timezone: 'Europe/Oslo', requestedAt: '2025-06-02T04:00:00.000Z' });
    const got = await call(api, 'GET', `/report-generate-requests/${encodeURIComponent(id)}`);
    assert.deepEqual([got.status, got.body.status, got.body.created_at], [200, 'PENDING', '2025-06-02T04:00:00.000Z']);
    assert.equal((await call(api, 'GET', `/report-generate-requests/${encodeURIComponent(id)}`, undefined, 'globex')).status, 404);
    const cancelled = await call(api, 'POST', `/report-generate-requests/${encodeURIComponent(id)}/cancel`);
    assert.equal(cancelled.status, 202);
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    assert.ok(history.events!.some((e) => e.workflowExecutionCancelRequestedEventAttributes), 'Temporal has the cancel request');
    await env.client.workflow.getHandle(id).terminate('end of test');
  });
});

void test('the CLI creates, lists, pauses, resumes, triggers and backfills subscriptions', async () => {
  await withApi(async (api) => {
    const url = await api.listen({ host: '127.0.0.1', port: 0 });
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const config = loadConfig({ REPORTFLOW_API_URL: url, REPORTFLOW_API_KEY: KEY.acme });
      const code = await runCli(argv, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, config });
      return { code, stdout: out.join(''), stderr: err.join('') };
    };
    const created = await cli('subscriptions', 'create', 'INVOICE', '-p', 'invoice_id=536365', '-f', 'csv', '-t', 'Europe/Oslo',
      '--frequency', 'twice_a_month', '--time', '06:30', '--name', 'Halves', '--webhook', 'https://hooks.example.test/halves', '--json');
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).id as string;
    assert.equal(JSON.parse(created.stdout).summary, 'TWICE_A_MONTH on the 1st and 16th at 06:30 Europe/Oslo');

    const listed = await cli('subscriptions', 'list');
    assert.match(listed.stdout, new RegExp(`${id}  active  INVOICE CSV  TWICE_A_MONTH on the 1st and 16th at 06:30 Europe/Oslo  "Halves"`));
    const listedJson = JSON.parse((await cli('subscriptions', 'list', '--json')).stdout) as Json;
    assert.deepEqual([listedJson.next_cursor, listedJson.total, listedJson.items.length], [null, listedJson.items.length, listedJson.items.length], 'every page, in one');
    assert.match((await cli('subscriptions', 'show', id)).stdout, /^webhook +https:\/\/hooks\.example\.test\/halves$/m);

    const paused = await cli('subscriptions', 'pause', id, '--note', 'audit');
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /state +paused \(audit\)/);
    assert.equal((await env.client.schedule.getHandle(`subscription-${id}`).describe()).state.paused, true);
    assert.match((await cli('subscriptions', 'resume', id)).stdout, /state +active/);

    const backfill = await cli('subscriptions', 'backfill', id, '--from', '2025-01-01', '--to', '2025-02-01');
    assert.equal(backfill.stdout, `backfill of ${id}: 2 runs from 2025-01-01 to 2025-02-01\n`);
    const shown = await until(api, id, (b) => b.last_runs.length === 2 && b.last_runs.every((r: Json) => r.status === 'SUCCEEDED'));
    assert.deepEqual(shown.last_runs.map((r: Json) => `${r.period.from_date}..${r.period.to_date}`), ['2024-12-16..2024-12-31', '2025-01-01..2025-01-15']);

    const trigger = await cli('subscriptions', 'trigger', id, '--from', '2025-01-16', '--to', '2025-02-01');
    assert.match(trigger.stdout, new RegExp(`^triggered ${id}:2025-01-16 \\(2025-01-16T00:00:00.000\\+01:00 – 2025-02-01T00:00:00.000\\+01:00\\)`));

    const refused = await cli('subscriptions', 'create', 'INVOICE', '-p', 'invoice_id=536365', '-f', 'csv', '-t', 'Europe/Oslo', '--frequency', 'MONTHLY', '--day-of-month', '31');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /REQUEST_INVALID|SCHEDULE_INVALID/);
    assert.equal((await cli('subscriptions', 'delete', id)).code, 0);
  });
});

void test('scheduled times missed beyond the catch-up window are listed as missed_periods; paused time and times that ran are not', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'Europe/Oslo', schedule: { frequency: 'DAILY', time_of_day: '06:00' } });
    const id = created.body.id as string;
    assert.deepEqual(created.body.missed_periods, []);
    // As if the subscription had been active 30 to 28 days ago, then paused, then active again for the
    // last 20 days, while nothing ran (workers and server down) but one run the ledger has.
    await pgDb.query(`UPDATE reportflow.subscription_spans SET active_from = now() - interval '20 days' WHERE subscription_id = $1`, [id]);
    const local = (daysAgo: number) => DateTime.now().setZone('Europe/Oslo').minus({ days: daysAgo }).set({ hour: 6, minute: 0, second: 0, millisecond: 0 });
    await pgDb.query(
      `INSERT INTO reportflow.subscription_spans (subscription_id, active_from, active_to, schedule, timezone)
       SELECT subscription_id, active_from - interval '10 days', active_from - interval '8 days', schedule, timezone FROM reportflow.subscription_spans WHERE subscription_id = $1`,
      [id],
    );
    const ranAt = local(15);
    await new SubscriptionStore(pgDb).ledger.recordRun({
      subscriptionId: id, nominalTime: ranAt.toISO()!, outcome: 'RAN', runId: `${id}:x`, runStatus: 'SUCCEEDED',
      period: { from: ranAt.minus({ days: 1 }).startOf('day').toISO()!, to: ranAt.startOf('day').toISO()!, fromDate: ranAt.minus({ days: 1 }).toISODate()!, toDate: ranAt.minus({ days: 1 }).toISODate()! },
    });
    const { body } = await call(api, 'GET', `/report-subscriptions/${id}`);
    const missed = body.missed_periods as Json[];
    // Every 06:00 of the two active spans (the last 20 days, and 30 to 28 days ago) older than the
    // 7-day window, but the one that ran.
    const now = Date.now();
    const day = 86_400_000;
    const expected = Array.from({ length: 32 }, (_, d) => local(31 - d))
      .filter((t) => t.toMillis() < now - 7 * day && ((t.toMillis() > now - 20 * day) || (t.toMillis() > now - 30 * day && t.toMillis() < now - 28 * day)))
      .filter((t) => !t.equals(ranAt))
      .map((t) => t.toUTC().toISO());
    assert.deepEqual(missed.map((p) => p.nominal_time), expected);
    assert.ok(expected.length >= 13, String(expected.length));
    for (const p of missed) {
      assert.equal(p.reason, 'NOT_STARTED');
      const hours = (Date.parse(p.to) - Date.parse(p.from)) / 3_600_000;
      assert.ok(hours >= 23 && hours <= 25 && Date.parse(p.to) <= Date.parse(p.nominal_time), 'each reports the day before its run');
    }
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

/** A schedule change a test can intercept. */
type ScheduleChange = 'upsert' | 'pause' | 'resume' | 'delete' | 'describe' | 'manualRuns';

/** Schedules that run `before(change)` ahead of each change they pass to Temporal: to delay it, record it, or fail it. */
class InterceptedSchedules extends SubscriptionSchedules {
  constructor(taskQueue: string, private readonly before: (change: ScheduleChange) => Promise<void>) {
    super(env.client, { taskQueue, catchupWindowDays: 7 });
  }

  override async upsert(...args: Parameters<SubscriptionSchedules['upsert']>): Promise<void> {
    await this.before('upsert');
    return super.upsert(...args);
  }

  override async pause(...args: Parameters<SubscriptionSchedules['pause']>): Promise<void> {
    await this.before('pause');
    return super.pause(...args);
  }

  override async resume(...args: Parameters<SubscriptionSchedules['resume']>): Promise<void> {
    await this.before('resume');
    return super.resume(...args);
  }

  override async delete(...args: Parameters<SubscriptionSchedules['delete']>): Promise<void> {
    await this.before('delete');
    return super.delete(...args);
  }

  override async describe(...args: Parameters<SubscriptionSchedules['describe']>): ReturnType<SubscriptionSchedules['describe']> {
    await this.before('describe');
    return super.describe(...args);
  }

  override async manualRuns(...args: Parameters<SubscriptionSchedules['manualRuns']>): ReturnType<SubscriptionSchedules['manualRuns']> {
    await this.before('manualRuns');
    return super.manualRuns(...args);
  }
}

void test('while Temporal does not answer about a schedule, a change is made and answered, and views are the stored row marked schedule-unavailable', async () => {
  const store = new SubscriptionStore(pgDb);
  // While `silent`, reads of the schedule's state fail as they do when the scheduler does not answer in time (seen under a fuzzer's load).
  let silent = false;
  const schedules = new InterceptedSchedules(`silent-${uuidv7()}`, async (change) => {
    if (silent && (change === 'describe' || change === 'manualRuns')) throw new ReportError('UNAVAILABLE', 'Temporal could not be reached; try again.');
  });
  const service = serviceOver(schedules);
  const sub = await service.create('acme', { template: TEMPLATE, schedule: { frequency: 'DAILY', timeOfDay: '06:00' }, active: true });
  assert.equal(sub.scheduleUnavailable, false);
  assert.ok(sub.nextRunTimes.length > 0, 'next runs while Temporal answers');
  const handle = env.client.schedule.getHandle(`subscription-${sub.id}`);

  silent = true;
  const changed = await service.update('acme', sub.id, { schedule: { frequency: 'DAILY', timeOfDay: '07:00' } });
  assert.ok(changed, 'the change is answered');
  assert.deepEqual([changed.scheduleUnavailable, changed.scheduleState, changed.nextRunTimes, changed.manualRuns], [true, undefined, [], []]);
  assert.equal(changed.schedule.timeOfDay, '07:00');
  assert.equal((await store.get('acme', sub.id))?.schedule.timeOfDay, '07:00', 'stored');
  assert.equal(actionInput(await handle.describe())?.schedule?.timeOfDay, '07:00', 'and on the schedule');
  const spans = await store.ledger.spans(sub.id, new Date(0));
  assert.equal(spans.filter((s) => s.to === undefined).length, 1, 'one open span: the subscription is active');
  const got = await service.get('acme', sub.id);
  assert.deepEqual([got?.scheduleUnavailable, got?.schedule.timeOfDay], [true, '07:00']);

  silent = false;
  const answered = await service.get('acme', sub.id);
  assert.equal(answered?.scheduleUnavailable, false);
  const oslo = (answered?.nextRunTimes ?? []).map((t) => DateTime.fromJSDate(t, { zone: 'Europe/Oslo' }).toFormat('HH:mm'));
  assert.ok(oslo.length > 0 && oslo.every((t) => t === '07:00'), oslo.join());
  assert.equal(await service.delete('acme', sub.id), true);
});

void test('a subscription created while the database is too slow for the missed-period reads is answered once, stored once, marked schedule-unavailable', async () => {
  const store = new SubscriptionStore(pgDb);
  // The reads after the commit fail as the API's database reports a pool timeout (seen under a benchmark on the embedded engine).
  let slow = false;
  const runs = store.ledger.runs.bind(store.ledger);
  store.ledger.runs = async (...args) => {
    if (slow) throw new ReportError('UNAVAILABLE', 'The database did not answer in time; try again.');
    return runs(...args);
  };
  const service = new SubscriptionService({ store, scheduler: new SubscriptionSchedules(env.client, { taskQueue: `slow-db-${uuidv7()}`, catchupWindowDays: 7 }), catalog: invoiceCatalog(), config: { subscriptionCatchupDays: 7, subscriptionBackfillMaxRuns: 366 }, newId: uuidv7 });
  const before = (await store.list('acme', {})).total;
  slow = true;
  const created = await service.create('acme', { name: 'slow database', template: TEMPLATE, schedule: { frequency: 'DAILY', timeOfDay: '06:00' }, active: true });
  assert.deepEqual([created.scheduleUnavailable, created.missedPeriods], [true, []]);
  assert.equal((await store.list('acme', {})).total, before + 1, 'stored once: a client has no reason to send it again');
  slow = false;
  assert.equal((await service.get('acme', created.id))?.scheduleUnavailable, false);
  assert.equal(await service.delete('acme', created.id), true);
});

void test('an active span starts once Temporal has the change (create, resume, new schedule), so no time before the schedule acts counts as missed', async () => {
  const store = new SubscriptionStore(pgDb);
  // Creating, re-specifying and resuming a schedule take 400 ms to reach Temporal; `asked` is when each was asked for (ms since epoch).
  const asked: number[] = [];
  const schedules = new InterceptedSchedules(`spans-${uuidv7()}`, async (change) => {
    if (change !== 'upsert' && change !== 'resume') return;
    asked.push(Date.now());
    await sleep(400);
  });
  const service = serviceOver(schedules);
  const spanStarts = async (id: string) => (await store.ledger.spans(id, new Date(0))).map((s) => [Date.parse(s.from), s.to ? Date.parse(s.to) : undefined] as const);

  const sub = await service.create('acme', { template: TEMPLATE, schedule: { frequency: 'DAILY', timeOfDay: '06:00' }, active: true });
  let spans = await spanStarts(sub.id);
  assert.equal(spans.length, 1);
  assert.ok(spans[0]![0] >= asked[0]! + 400, 'the first span starts after Temporal created the schedule');
  assert.ok(spans[0]![0] > Date.parse(sub.createdAt), 'and after the row was written');
  const handle = env.client.schedule.getHandle(`subscription-${sub.id}`);
  assert.ok(spans[0]![0] >= (await handle.describe()).info.createdAt.getTime(), 'and not before Temporal\'s scheduler started');

  await service.pause('acme', sub.id, 'holiday');
  await service.resume('acme', sub.id, 'back');
  spans = await spanStarts(sub.id);
  assert.equal(spans.length, 2);
  assert.ok(spans[0]![1] !== undefined, 'the pause ended the first span');
  assert.ok(spans[1]![0] >= asked[1]! + 400, 'the resumed span starts after Temporal resumed');

  // A new schedule opens a new span, started when Temporal has it; a change of the name alone moves nothing.
  await service.update('acme', sub.id, { schedule: { frequency: 'WEEKLY', timeOfDay: '07:00', dayOfWeek: 'MONDAY' } });
  spans = await spanStarts(sub.id);
  assert.equal(spans.length, 3);
  assert.ok(spans[2]![0] >= asked[2]! + 400, 'the span of the new schedule starts after Temporal has it');
  assert.ok(spans[2]![0] >= (await handle.describe()).info.lastUpdatedAt!.getTime(), 'and not before its scheduler applied it');
  await service.update('acme', sub.id, { name: 'renamed' });
  assert.deepEqual(await spanStarts(sub.id), spans);
  await service.delete('acme', sub.id);
});

void test('concurrent backfills of one subscription each keep their range on the schedule (none is lost to another\'s update)', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'Europe/Oslo', schedule: { frequency: 'MONTHLY', time_of_day: '06:00', day_of_month: 1 } });
    const id = created.body.id as string;
    const ranges = Array.from({ length: 6 }, (_, i) => ({ from: `201${i}-01-01`, to: `201${i}-01-02` }));
    const answers = await Promise.all(ranges.map((r) => call(api, 'POST', `/report-subscriptions/${id}/backfill`, r)));
    assert.deepEqual(answers.map((a) => a.status), ranges.map(() => 202));
    const described = await env.client.schedule.getHandle(`subscription-${id}`).describe();
    const input = actionInput(described);
    const kept = (input?.catchUp?.backfills ?? []).map((b) => Date.parse(b.from)).sort((a, b) => a - b);
    assert.deepEqual(kept, ranges.map((r) => DateTime.fromISO(r.from, { zone: 'Europe/Oslo' }).toMillis()), 'each range from local midnight');
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('concurrent patches, pauses and resumes of one subscription leave its schedule matching the row they leave', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'Europe/Oslo', schedule: { frequency: 'DAILY', time_of_day: '06:00' } });
    const id = created.body.id as string;
    const handle = env.client.schedule.getHandle(`subscription-${id}`);
    for (let round = 0; round < 5; round++) {
      const changes = [
        ...Array.from({ length: 6 }, (_, i) => () => call(api, 'PATCH', `/report-subscriptions/${id}`, { schedule: { frequency: 'DAILY', time_of_day: `0${i}:1${round}` } })),
        () => call(api, 'POST', `/report-subscriptions/${id}/pause`, { note: `pause ${round}` }),
        () => call(api, 'POST', `/report-subscriptions/${id}/resume`, { note: `resume ${round}` }),
      ];
      const answers = await Promise.all(changes.map((change) => change()));
      assert.deepEqual(answers.map((a) => a.status), changes.map(() => 200));
      const row = (await call(api, 'GET', `/report-subscriptions/${id}`)).body;
      const described = await handle.describe();
      const input = actionInput(described);
      const [hour, minute] = (row.schedule.time_of_day as string).split(':').map(Number);
      const calendar = described.spec.calendars?.[0];
      const facts = `round ${round}: row ${row.schedule.time_of_day} active ${row.active}; schedule ${input?.schedule?.timeOfDay} paused ${described.state.paused}`;
      assert.equal(input?.schedule?.timeOfDay, row.schedule.time_of_day, `the runs' snapshot is the row's (${facts})`);
      assert.deepEqual([calendar?.hour, calendar?.minute], [[{ start: hour, end: hour, step: 1 }], [{ start: minute, end: minute, step: 1 }]], `the spec is the row's (${facts})`);
      assert.equal(described.state.paused, !row.active, `paused as the row says (${facts})`);
    }
    // The active spans follow each other in the order the changes were made: none ends before it starts.
    const spans = await new SubscriptionStore(pgDb).ledger.spans(id, new Date(0));
    const active = (await call(api, 'GET', `/report-subscriptions/${id}`)).body.active as boolean;
    assert.equal(spans.filter((s) => s.to === undefined).length, active ? 1 : 0, 'an open span while active');
    for (const [i, s] of spans.entries()) {
      assert.ok(s.to === undefined || Date.parse(s.to) >= Date.parse(s.from), `span ${i} ends after it starts: ${s.from}..${s.to}`);
      if (i > 0) assert.ok(Date.parse(s.from) >= Date.parse(spans[i - 1]!.to!), `span ${i} starts after span ${i - 1} ended`);
    }
    await call(api, 'DELETE', `/report-subscriptions/${id}`);
  });
});

void test('a change Temporal cannot take changes nothing: create, patch, pause, resume and delete leave the row and its spans as they were', async () => {
  const store = new SubscriptionStore(pgDb);
  // While `down`, every schedule change fails as it does when Temporal cannot be reached.
  let down = false;
  const schedules = new InterceptedSchedules(`flaky-${uuidv7()}`, async () => {
    if (down) throw new ReportError('UNAVAILABLE', 'Temporal could not be reached; try again.');
  });
  const service = serviceOver(schedules);
  const unavailable = (err: unknown) => err instanceof ReportError && err.code === 'UNAVAILABLE';
  const state = async (id: string) => ({ row: await store.get('acme', id), spans: await store.ledger.spans(id, new Date(0)) });

  down = true;
  const before = (await store.list('acme', {})).total;
  await assert.rejects(service.create('acme', { template: TEMPLATE, schedule: { frequency: 'DAILY', timeOfDay: '06:00' }, active: true }), unavailable);
  assert.equal((await store.list('acme', {})).total, before, 'no subscription without a schedule');

  down = false;
  const sub = await service.create('acme', { template: TEMPLATE, schedule: { frequency: 'DAILY', timeOfDay: '06:00' }, active: true });
  const handle = env.client.schedule.getHandle(`subscription-${sub.id}`);
  const active = await state(sub.id);
  down = true;
  await assert.rejects(service.update('acme', sub.id, { schedule: { frequency: 'DAILY', timeOfDay: '07:00' } }), unavailable);
  await assert.rejects(service.pause('acme', sub.id, 'holiday'), unavailable);
  await assert.rejects(service.delete('acme', sub.id), unavailable);
  assert.deepEqual(await state(sub.id), active, 'still active, at 06:00, with the same span');
  assert.equal((await handle.describe()).state.paused, false);

  down = false;
  await service.pause('acme', sub.id, 'holiday');
  const paused = await state(sub.id);
  down = true;
  await assert.rejects(service.resume('acme', sub.id, 'back'), unavailable);
  assert.deepEqual(await state(sub.id), paused, 'still paused, with its span closed');
  assert.equal((await handle.describe()).state.paused, true);

  down = false;
  assert.equal(await service.delete('acme', sub.id), true);
  await assert.rejects(handle.describe(), ScheduleNotFoundError);
});

/**
 * INVOICE with `quantity` filterable, and INVOICE_ALL, the same report without filters: a configuration
 * moved from one to the other leaves a subscription that filters on `quantity` invalid.
 */
function filterCatalog(): Catalog {
  const def = invoiceCatalog().get('INVOICE')!;
  const filtered = { ...def, filters: { quantity: { type: 'integer' as const } }, order_by: ['invoice_no'] };
  return new Map<string, ReportDefinition>([['INVOICE', filtered], ['INVOICE_ALL', { ...def, code: 'INVOICE_ALL' }]]);
}

void test('a subscription follows a report configuration: its fields over the preset, each change of the configuration carried to its schedule, and runs record the version', async () => {
  await withApi(async (api) => {
    const preset = await call(api, 'POST', '/report-configurations', { name: 'Invoice 536365', report_code: 'INVOICE', format: 'CSV', timezone: 'Europe/Oslo', parameter_values: [{ name: 'invoice_id', value: '536365' }] });
    assert.equal(preset.status, 201, JSON.stringify(preset.body));
    const configurationId = preset.body.id as string;

    // Neither a report code nor a configuration: 400 naming the field; an unknown or another tenant's configuration: 404.
    const bare = await call(api, 'POST', '/report-subscriptions', { schedule: { frequency: 'DAILY' } });
    assert.deepEqual([bare.status, bare.body.error?.code, bare.body.error?.errors?.[0]?.field], [400, 'REQUEST_INVALID', 'report_code'], JSON.stringify(bare.body));
    const foreign = await call(api, 'POST', '/report-subscriptions', { report_configuration_id: configurationId, schedule: { frequency: 'DAILY' } }, 'globex');
    assert.deepEqual([foreign.status, foreign.body.error?.code], [404, 'REPORT_CONFIGURATION_NOT_FOUND']);

    const created = await call(api, 'POST', '/report-subscriptions', {
      report_configuration_id: configurationId, name: 'Daily big lines', filters: { quantity: { gte: 6 } }, metadata: { team: 'finance' }, language: 'nb',
      schedule: { frequency: 'DAILY', time_of_day: '04:00' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.deepEqual(
      [created.body.report_code, created.body.format, created.body.timezone, created.body.language, created.body.filters, created.body.metadata, created.body.report_configuration_id, created.body.report_configuration_version],
      ['INVOICE', 'CSV', 'Europe/Oslo', 'nb', { quantity: { gte: 6 } }, { team: 'finance' }, configurationId, 1],
      'the preset gives what the subscription leaves out; its own fields win',
    );
    const handle = env.client.schedule.getHandle(`subscription-${id}`);
    const snapshot = () => handle.describe().then((d) => actionInput(d)?.template);
    assert.deepEqual([(await snapshot())?.reportConfigurationVersion, (await snapshot())?.filters, (await snapshot())?.metadata], [1, { quantity: { gte: 6 } }, { team: 'finance' }], 'the schedule runs the merged report');

    const changed = await call(api, 'PATCH', `/report-configurations/${configurationId}`, { format: 'PDF' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual([changed.body.version, changed.body.subscriptions_updated, changed.body.subscriptions_not_updated], [2, [id], []]);
    const after = (await call(api, 'GET', `/report-subscriptions/${id}`)).body;
    assert.deepEqual([after.format, after.language, after.filters, after.report_configuration_version], ['PDF', 'nb', { quantity: { gte: 6 } }, 2], 'the new preset, the subscription\'s own fields kept');
    assert.deepEqual([(await snapshot())?.format, (await snapshot())?.reportConfigurationVersion], ['PDF', 2], 'carried to the schedule');

    // A change that would leave the subscription invalid (INVOICE_ALL has no `quantity` filter) changes nothing.
    const breaking = await call(api, 'PATCH', `/report-configurations/${configurationId}`, { report_code: 'INVOICE_ALL' });
    assert.deepEqual([breaking.status, breaking.body.error?.code, breaking.body.error?.errors?.[0]?.field], [409, 'REPORT_CONFIGURATION_IN_USE', `subscriptions/${id}`], JSON.stringify(breaking.body));
    assert.equal((await call(api, 'GET', `/report-configurations/${configurationId}`)).body.version, 2);
    assert.equal((await snapshot())?.reportCode, 'INVOICE');
    const refused = await call(api, 'DELETE', `/report-configurations/${configurationId}`);
    assert.deepEqual([refused.status, refused.body.error?.code], [409, 'REPORT_CONFIGURATION_IN_USE']);

    // The subscription's own PATCH changes its overrides; a run records the configuration and its version.
    const patched = await call(api, 'PATCH', `/report-subscriptions/${id}`, { format: 'CSV', filters: {} });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([patched.body.format, patched.body.filters, patched.body.report_configuration_version], ['CSV', {}, 2]);
    const triggered = await call(api, 'POST', `/report-subscriptions/${id}/trigger`, {});
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    const run = await succeededRun(api, triggered.body.run_id as string);
    assert.deepEqual([run.report_configuration_id, run.report_configuration_version, run.format, run.metadata], [configurationId, 2, 'CSV', { team: 'finance' }]);

    assert.equal((await call(api, 'DELETE', `/report-subscriptions/${id}`)).status, 204);
    assert.equal((await call(api, 'DELETE', `/report-configurations/${configurationId}`)).status, 204, 'followed by nothing now, it can go');
  }, filterCatalog());
});

void test('a subscription of its own takes filters and metadata, and shows them', async () => {
  await withApi(async (api) => {
    const created = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', filters: { quantity: { gte: 2 } }, metadata: { batch: 'nightly' }, schedule: { frequency: 'DAILY' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.filters, created.body.metadata, created.body.report_configuration_id], [{ quantity: { gte: 2 } }, { batch: 'nightly' }, null]);
    const unknown = await call(api, 'POST', '/report-subscriptions', { ...INVOICE, timezone: 'UTC', filters: { price: { gte: 2 } }, schedule: { frequency: 'DAILY' } });
    assert.deepEqual([unknown.status, unknown.body.error?.errors?.[0]?.field], [400, 'filters.price'], JSON.stringify(unknown.body));
    const patched = await call(api, 'PATCH', `/report-subscriptions/${created.body.id as string}`, { name: 'renamed' });
    assert.deepEqual([patched.body.filters, patched.body.metadata], [{ quantity: { gte: 2 } }, { batch: 'nightly' }], 'a PATCH of other fields keeps them');
    assert.equal((await call(api, 'DELETE', `/report-subscriptions/${created.body.id as string}`)).status, 204);
  }, filterCatalog());
});
