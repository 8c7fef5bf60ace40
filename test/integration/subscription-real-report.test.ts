/**
 * Subscriptions through the real report activities: a real PostgreSQL holding the Online Retail
 * sample, the shipped INVOICE_LINES definition, the real query/CSV/export activities and a dev
 * server. A schedule backfill produces one CSV per period whose rows all fall inside that period,
 * and together they hold exactly the sample's rows of the backfilled periods.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { loadConfig, type Config } from '../../src/config/settings.js';
import { migration as reportflowSchema } from '../../src/data/migrations/0004-reportflow-schema.js';
import { migration as subscriptionsTable } from '../../src/data/migrations/0005-subscriptions.js';
import { migration as reportRecords } from '../../src/data/migrations/0006-report-records.js';
import { migration as subscriptionLedger } from '../../src/data/migrations/0007-subscription-ledger.js';
import { migration as requestExecution } from '../../src/data/migrations/0008-request-execution.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { PgRecordStore } from '../../src/records/pg-record-store.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import type { ScheduledReportInput, ScheduledReportResult } from '../../src/domain/subscription-run.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { SmtpMailer } from '../../src/notifiers/smtp-mailer.js';
import { createRenderers, type Rendering } from '../../src/render/index.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { SubscriptionSchedules } from '../../src/temporal/schedules.js';
import { createReportWorker } from '../../src/temporal/worker.js';
import { loadOnlineRetailSample, sampleRows } from '../fixtures/online-retail-sample.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { bundleReportWorkflows, startTemporalTestServer } from '../helpers/temporal.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let pgServer: TestPostgres;
let db: PgDatabase;

before(async () => {
  [env, bundle, pgServer] = await Promise.all([startTemporalTestServer(), bundleReportWorkflows(), startTestPostgres()]);
  db = new PgDatabase({ url: pgServer.url, applicationName: 'subscription-real-report' });
  await loadOnlineRetailSample(db);
  await reportflowSchema.up(db, { dataDir: '', log: () => undefined });
  for (const m of [subscriptionsTable, reportRecords, subscriptionLedger, requestExecution]) await m.up(db, { dataDir: '', log: () => undefined });
});
after(async () => {
  await db?.close();
  await pgServer?.stop();
  await env?.teardown();
});

void test('a MONTHLY INVOICE_LINES subscription backfilled over three months exports each month once, with only that month\'s rows', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'reportflow-sub-real-'));
  const config: Config = {
    ...loadConfig({}),
    home: path.resolve(import.meta.dirname, '../..'),
    stagingDir: path.join(root, 'staging'),
    reportsDir: path.join(root, 'reports'),
    taskQueue: `test-${randomUUID()}`,
  };
  let rendering: Rendering | undefined;
  try {
    rendering = await createRenderers(config, { templatesDir: TEMPLATES });
    const activities = createActivities({
      config,
      catalog: loadCatalog(TEMPLATES),
      db,
      staging: new LocalStaging(config.stagingDir),
      renderers: rendering.renderers,
      destination: new LocalDestination(config.reportsDir),
      buckets: new BucketDestinations(new Map(), 600),
      notifier: new HttpWebhookNotifier({ timeoutMs: 2000 }),
      mailer: new SmtpMailer({ url: undefined, from: config.mailFrom }),
      records: new PgRecordStore(db),
      logger: pino({ level: 'silent' }),
    });
    const worker = await createReportWorker({ config, activities, connection: env.nativeConnection, workflowBundle: bundle });
    await worker.runUntil(async () => {
      const zone = 'Europe/Oslo';
      const input: ScheduledReportInput = {
        subscriptionId: `sub-${randomUUID()}`,
        tenantId: 'acme',
        schedule: { frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 1 },
        timezone: zone,
        template: { reportCode: 'INVOICE_LINES', parameterValues: [], format: 'CSV', language: 'en', timezone: zone },
      };
      const schedules = new SubscriptionSchedules(env.client, { taskQueue: config.taskQueue });
      await schedules.upsert(input, { paused: false });
      // Runs on 1 July, 1 August and 1 September 2011: June, July and August.
      await schedules.backfill(input.subscriptionId, new Date('2011-06-15T00:00:00Z'), new Date('2011-09-15T00:00:00Z'));

      const query = `WorkflowType = 'scheduledReport' AND TemporalScheduledById = 'subscription-${input.subscriptionId}' AND ExecutionStatus != 'Running'`;
      const deadline = Date.now() + 120_000;
      while ((await env.client.workflow.count(query)).count < 3) {
        if (Date.now() > deadline) throw new Error('the three runs did not finish in time');
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const results: ScheduledReportResult[] = [];
      for await (const wf of env.client.workflow.list({ query })) results.push(await env.client.workflow.getHandle(wf.workflowId).result() as ScheduledReportResult);
      assert.deepEqual(results.map((r) => `${r.runStatus} ${r.period?.fromDate}..${r.period?.toDate}`).sort(), [
        'SUCCEEDED 2011-06-01..2011-06-30', 'SUCCEEDED 2011-07-01..2011-07-31', 'SUCCEEDED 2011-08-01..2011-08-31',
      ]);

      const files = (await readdir(config.reportsDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      assert.equal(files.length, 3, files.map((f) => f.name).join(', '));
      let exported = 0;
      for (const result of results) {
        const period = result.period!;
        const file = files.find((f) => f.name.includes(`_${period.fromDate}_${period.toDate}_`));
        assert.ok(file, `a file named for ${period.fromDate}..${period.toDate}`);
        const rows = parse(await readFile(path.join(file.parentPath, file.name), 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
        assert.ok(rows.length > 0);
        const dateColumn = Object.keys(rows[0]!).find((k) => /invoice.?date|fakturadato|date/i.test(k))!;
        for (const row of rows) {
          const at = Date.parse(row[dateColumn]!);
          assert.ok(at >= Date.parse(period.from) && at < Date.parse(period.to), `${row[dateColumn]} in [${period.from}, ${period.to})`);
        }
        exported += rows.length;
      }
      // Exactly the sample's lines of June–August 2011 in Oslo time: none lost at a boundary, none twice.
      const from = DateTime.fromISO('2011-06-01', { zone: 'Europe/Oslo' }).toMillis();
      const to = DateTime.fromISO('2011-09-01', { zone: 'Europe/Oslo' }).toMillis();
      const expected = sampleRows().filter((r) => Date.parse(r.invoice_date) >= from && Date.parse(r.invoice_date) < to).length;
      assert.equal(exported, expected);
    });
  } finally {
    await rendering?.close();
    await rm(root, { recursive: true, force: true });
  }
});
