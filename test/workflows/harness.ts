/**
 * One report worker per test on its own task queue, wired like src/main/worker.ts but with the fakes
 * (fakes.ts) and real LocalStaging / LocalDestination / HttpWebhookNotifier in temporary folders.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { History, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { loadConfig, type Config } from '../../src/config/settings.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { SmtpMailer } from '../../src/notifiers/smtp-mailer.js';
import type { Catalog } from '../../src/catalog/load-catalog.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import type { RecordStore } from '../../src/records/records.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { createReportWorker } from '../../src/temporal/worker.js';
import type { generateReport } from '../../workflows/generate-report.js';
import type { deliverWebhook } from '../../workflows/deliver-webhook.js';
import { DELIVER_WEBHOOK_WORKFLOW, GENERATE_REPORT_WORKFLOW } from '../../workflows/messages.js';
import { MemoryRecordStore } from '../helpers/memory-record-store.js';
import { FakeDatabase, invoiceCatalog, StubRenderer, stubRenderers, WebhookReceiver } from './fakes.js';

export interface Harness {
  client: Client;
  config: Config;
  db: FakeDatabase;
  renderer: StubRenderer;
  receiver: WebhookReceiver;
  staging: LocalStaging;
  destination: LocalDestination;
  /** The records the activities write: in memory unless a test sets a real store (test/integration). */
  records: RecordStore;
  /** Starts a run of `request` on this harness's task queue. */
  start(request: ReportRequest): Promise<WorkflowHandleWithFirstExecutionRunId<typeof generateReport>>;
  /** Every file under the reports directory, relative to it. */
  exportedFiles(): Promise<string[]>;
  /** Activity dependencies to use instead of the defaults (set by `setup`), e.g. real bucket destinations. */
  overrides: Partial<ActivityDeps>;
  /** The catalog the activities read (`invoiceCatalog()` unless `setup` sets another). */
  catalog: Catalog;
}

/** A request for invoice 536365 as CSV; `overrides` change any field. The id is fresh each call. */
export function invoiceRequest(overrides: Partial<ReportRequest> = {}): ReportRequest {
  return {
    id: `rpt-${randomUUID()}`,
    tenantId: 'acme',
    reportCode: 'INVOICE',
    parameterValues: [{ name: 'invoice_id', value: '536365' }],
    format: 'CSV',
    language: 'en',
    timezone: 'Europe/London',
    requestedAt: '2024-03-01T09:00:00.000+00:00',
    ...overrides,
  };
}

/**
 * Runs `fn` while a worker polls a fresh task queue; the worker is shut down and temp folders removed after.
 * `setup` may change the fakes before the worker starts.
 */
export async function withHarness(
  env: TestWorkflowEnvironment,
  workflowBundle: WorkflowBundleWithSourceMap,
  fn: (h: Harness) => Promise<void>,
  setup: (h: Harness) => void = () => undefined,
): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'reportflow-wf-'));
  const config: Config = {
    ...loadConfig({}),
    home: root,
    stagingDir: path.join(root, 'staging'),
    reportsDir: path.join(root, 'reports'),
    taskQueue: `test-${randomUUID()}`,
    queryBatchRows: 2,
    publicUrl: 'https://reports.example.test/',
    webhookTimeoutMs: 2000,
  };
  const receiver = new WebhookReceiver();
  await receiver.start();
  const h: Harness = {
    client: env.client,
    config,
    db: new FakeDatabase(),
    renderer: new StubRenderer(),
    receiver,
    staging: new LocalStaging(config.stagingDir),
    destination: new LocalDestination(config.reportsDir),
    records: new MemoryRecordStore(),
    start: (request) =>
      env.client.workflow.start<typeof generateReport>(GENERATE_REPORT_WORKFLOW, { taskQueue: config.taskQueue, workflowId: request.id, args: [request] }),
    exportedFiles: () => listFiles(config.reportsDir),
    overrides: {},
    catalog: invoiceCatalog(),
  };
  setup(h);
  const activities = createActivities({
    config,
    catalog: h.catalog,
    db: h.db,
    staging: h.staging,
    renderers: stubRenderers(h.renderer),
    destination: h.destination,
    buckets: new BucketDestinations(new Map(), 600),
    // The receiver listens on loopback, which webhooks may reach only when allow-listed.
    notifier: new HttpWebhookNotifier({ timeoutMs: config.webhookTimeoutMs, allowHosts: ['127.0.0.1'] }),
    mailer: new SmtpMailer({ url: undefined, from: config.mailFrom }),
    records: h.records,
    logger: pino({ level: 'silent' }),
    ...h.overrides,
  });
  const worker = await createReportWorker({
    config,
    activities,
    connection: env.nativeConnection,
    workflowBundle,
    // Heartbeats (and so cancellations) reach the server within 200 ms instead of 24 s.
    overrides: { maxHeartbeatThrottleInterval: '200 ms' },
  });
  try {
    await worker.runUntil(fn(h));
  } finally {
    await receiver.stop();
    await rm(root, { recursive: true, force: true });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Handles of the `deliverWebhook` children a report run started (its webhook deliveries), in order,
 * read from the run's history.
 */
export async function deliveryHandles(client: Client, handle: { fetchHistory(): Promise<History> }): Promise<WorkflowHandle<typeof deliverWebhook>[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
    .filter((a) => a?.workflowType?.name === DELIVER_WEBHOOK_WORKFLOW)
    .map((a) => client.workflow.getHandle<typeof deliverWebhook>(a!.workflowId!));
}

/** The run's one webhook delivery: waits until it has ended and returns its handle and its failure (if it failed). */
export async function settledDelivery(client: Client, handle: { fetchHistory(): Promise<History> }): Promise<{ delivery: WorkflowHandle<typeof deliverWebhook>; failure?: Error }> {
  const [delivery, ...more] = await deliveryHandles(client, handle);
  if (!delivery || more.length) throw new Error(`expected one webhook delivery, found ${more.length + (delivery ? 1 : 0)}`);
  try {
    await delivery.result();
    return { delivery };
  } catch (err) {
    return { delivery, failure: err as Error };
  }
}

/** Local activities that only record state, left out of `activityAttempts`. */
const RECORDING = new Set(['recordRunState', 'recordWebhookDelivery']);

/**
 * Activity type → attempts started, from a run's history, local activities included but the
 * recording ones (e.g. `{ validateRequest: 1 }`); with `recording`, those too.
 */
export async function activityAttempts(handle: { fetchHistory(): Promise<History> }, options: { recording?: boolean } = {}): Promise<Record<string, number>> {
  const history = await handle.fetchHistory();
  const typeByScheduledId = new Map<string, string>();
  const attempts: Record<string, number> = {};
  const count = (type: string, attempt: number) => (attempts[type] = Math.max(attempts[type] ?? 0, attempt));
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeByScheduledId.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started) count(typeByScheduledId.get(String(started.scheduledEventId)) ?? '?', started.attempt ?? 1);
    // A local activity leaves a marker with its type and the attempt that produced its result.
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.['data']?.payloads?.[0]?.data : undefined;
    if (data) {
      const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string; activityType?: string; attempt?: number };
      const type = parsed.activity_type ?? parsed.activityType ?? '?';
      if (options.recording || !RECORDING.has(type)) count(type, parsed.attempt ?? 1);
    }
  }
  return attempts;
}
