/**
 * The service's real parts in the test process, wired as src/main/worker.ts and src/main/api.ts wire
 * them: the report activities (real database, staging, renderers with a real Chromium, the report store of the settings,
 * bucket destinations, webhook notifier), a worker on its own task queue of a Temporal test server, and
 * the HTTP API driven with `inject()`. For tests that need a whole run end to end with a catalog of
 * their own (cancellations at each stage, faults) without spawning `npm start`.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CombinedWorkerRunError, type Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities, type ReportActivities } from '../../activities/index.js';
import { ApiKeys } from '../../src/api/auth.js';
import { buildApiServer } from '../../src/api/server.js';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { loadConfig, type Config } from '../../src/config/settings.js';
import type { Integrations } from '../../src/config/integrations.js';
import type { Database } from '../../src/data/database.js';
import { ReportConfigurationStore } from '../../src/configurations/report-configuration-store.js';
import { TemplateStore } from '../../src/templates/template-store.js';
import { BucketDestinations } from '../../src/destinations/bucket-destinations.js';
import { reportStoreFor } from '../../src/destinations/report-store.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { SmtpMailer } from '../../src/notifiers/smtp-mailer.js';
import { PgRecordStore } from '../../src/records/pg-record-store.js';
import { createRenderers, type Rendering } from '../../src/render/index.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { BulkRuns } from '../../src/temporal/bulk-runs.js';
import { uuidv7 } from '../../src/requests/request-id.js';
import { SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { SubscriptionSchedules } from '../../src/temporal/schedules.js';
import { ReportRuns } from '../../src/temporal/report-runs.js';
import { createReportWorker } from '../../src/temporal/worker.js';
import { TEST_API_CONFIG, TEST_SIGNING_KEY } from './api-fixture.js';
import type { TemporalTestServer } from './temporal.js';

/** The API key of tenant `acme` on the stack's API. */
export const STACK_API_KEY = 'key-a';
/** The API key of a second tenant, `globex`: pass it as the `x-api-key` header of `call` to act as it. */
export const OTHER_TENANT_API_KEY = 'key-b';

export interface RealStackOptions {
  temporal: TemporalTestServer;
  db: Database;
  /** Where var/ (staging, reports) goes; one stack per directory. */
  root: string;
  templatesDir: string;
  /** Settings that differ from the defaults (e.g. `pdfMaxRows`). */
  config?: Partial<Config>;
  integrations?: Integrations;
  /** Serve `/v1/report-subscriptions` too, with real Temporal Schedules on the stack's task queue. */
  subscriptions?: boolean;
  /**
   * Wraps the real activities the worker runs, e.g. to make one fail for good as a fault that outlasts
   * its retries would (the retries themselves take minutes), and see what the workflow does then.
   */
  activities?: (real: ReportActivities) => ReportActivities;
}

export interface RealStack {
  config: Config;
  records: PgRecordStore;
  rendering: Rendering;
  worker: Worker;
  /** One API call as tenant `acme` (unless `headers` carry another `x-api-key`): status and parsed JSON body. */
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, headers?: Record<string, string>): Promise<{ status: number; body: ReturnType<typeof JSON.parse> }>;
  /** The request `id` as tenant `acme` once its run has ended (or as last read after `timeoutMs`, default 60 s). */
  finished(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** One POST as tenant `acme` whose answer may be a file (a template preview): status, headers and the raw bytes. */
  post(url: string, payload: object, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }>;
  /** One GET as tenant `acme` whose answer is a file: status, headers and the raw bytes. */
  download(url: string): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }>;
  /** Starts the API listening on a free port of 127.0.0.1 (for clients over HTTP, e.g. the CLI); its base URL. */
  listen(): Promise<string>;
  /** Runs `fn` while the worker polls; stops the worker, the API and Chromium afterwards. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/** Builds the stack (Chromium launches on the first PDF). */
export async function realStack(options: RealStackOptions): Promise<RealStack> {
  const config: Config = {
    ...loadConfig({}),
    home: options.root,
    stagingDir: path.join(options.root, 'staging'),
    reportsDir: path.join(options.root, 'reports'),
    taskQueue: `test-${randomUUID()}`,
    ...options.config,
  };
  const catalog = loadCatalog(options.templatesDir);
  const records = new PgRecordStore(options.db);
  const templates = new TemplateStore(options.db);
  const integrations = options.integrations ?? new Map();
  const buckets = new BucketDestinations(integrations, 600);
  // The report store the settings choose (the reports directory unless `reportStoreIntegration` is set).
  const destination = reportStoreFor(config, buckets);
  const rendering = await createRenderers(config, { templatesDir: options.templatesDir });
  const realActivities = createActivities({
    config, catalog, db: options.db, records, destination,
    staging: new LocalStaging(config.stagingDir),
    renderers: rendering.renderers,
    buckets,
    notifier: new HttpWebhookNotifier({ timeoutMs: 10_000, allowHosts: ['127.0.0.1'] }),
    mailer: new SmtpMailer({ url: undefined, from: config.mailFrom }),
    logger: pino({ level: 'silent' }),
    templates,
  });
  const app = buildApiServer({
    config: { ...TEST_API_CONFIG, webhookAllowHosts: ['127.0.0.1'], defaultTimeZone: config.defaultTimeZone },
    catalog, db: options.db, records, destination, integrations,
    runs: new ReportRuns(options.temporal.env.client, { taskQueue: config.taskQueue }),
    bulk: new BulkRuns(options.temporal.env.client, { taskQueue: config.taskQueue }),
    signer: new UrlSigner(TEST_SIGNING_KEY),
    logger: pino({ level: 'silent' }),
    apiKeys: ApiKeys.parse(`acme:${STACK_API_KEY},globex:${OTHER_TENANT_API_KEY}`),
    configurations: new ReportConfigurationStore(options.db),
    templates,
    ...(options.subscriptions
      ? {
          subscriptions: new SubscriptionService({
            store: new SubscriptionStore(options.db),
            scheduler: new SubscriptionSchedules(options.temporal.env.client, { taskQueue: config.taskQueue, catchupWindowDays: config.subscriptionCatchupDays }),
            catalog, config, newId: uuidv7, templates,
          }),
        }
      : {}),
  });
  const activities = options.activities ? options.activities(realActivities) : realActivities;
  const worker = await createReportWorker({ config, activities, connection: options.temporal.env.nativeConnection, workflowBundle: options.temporal.bundle });
  return {
    config, records, rendering, worker,
    async call(method, url, payload, headers = {}) {
      const res = await app.inject({ method, url, headers: { 'x-api-key': STACK_API_KEY, ...headers }, ...(payload ? { payload } : {}) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {} };
    },
    async finished(id, timeoutMs = 60_000) {
      let run: Record<string, unknown> = {};
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
        const res = await app.inject({ method: 'GET', url: `/v1/report-generate-requests/${id}`, headers: { 'x-api-key': STACK_API_KEY } });
        run = res.json();
        if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(run.status))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return run;
    },
    async post(url, payload, headers = {}) {
      const res = await app.inject({ method: 'POST', url, headers: { 'x-api-key': STACK_API_KEY, ...headers }, payload });
      return { status: res.statusCode, headers: res.headers, bytes: res.rawPayload };
    },
    async download(url) {
      const res = await app.inject({ method: 'GET', url, headers: { 'x-api-key': STACK_API_KEY } });
      return { status: res.statusCode, headers: res.headers, bytes: res.rawPayload };
    },
    listen: () => app.listen({ host: '127.0.0.1', port: 0 }),
    async run(fn) {
      try {
        return await worker.runUntil(fn);
      } catch (err) {
        // The test's own failure matters more than the worker's slow shutdown that followed it.
        if (err instanceof CombinedWorkerRunError) throw err.cause.innerError;
        throw err;
      } finally {
        await app.close();
        await rendering.close();
      }
    },
  };
}
