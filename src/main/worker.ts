/**
 * `npm run worker`: one worker process, the composition root of everything a report run needs.
 * Builds from config: the report catalog (`<home>/templates`), the database, staging, the renderers
 * (with their shared Chromium), the report store (the LOCAL directory or a bucket, `REPORTFLOW_REPORT_STORE_*`), the GCS / S3 / BigQuery integrations
 * (`REPORTFLOW_INTEGRATIONS_FILE`, read and checked here), the signed-webhook notifier and the SMTP
 * mailer; makes sure the search attributes exist; then polls `config.taskQueue`, and its own staging queue for
 * the later data stages of the runs it queried (src/temporal/worker.ts), until SIGINT/SIGTERM, when it stops taking
 * tasks, gives running activities 20 s to finish (then cancels them; they are retried elsewhere),
 * and closes the browser and the database.
 * Prints `worker ready task_queue=<queue>` once polling (npm start waits for that line).
 * Operations (src/observability): Prometheus metrics on `REPORTFLOW_WORKER_METRICS_PORT` (reportflow's
 * and the Temporal SDK's), OTLP traces when an OTLP endpoint is set, run ids on every activity log line.
 */
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { loadConfig } from '../config/settings.js';
import { PgRecordStore } from '../records/pg-record-store.js';
import { TemplateStore } from '../templates/template-store.js';
import { UrlSigner } from '../downloads/signed-url.js';
import { loadIntegrations } from '../config/integrations.js';
import { BucketDestinations } from '../destinations/bucket-destinations.js';
import { reportStoreFor } from '../destinations/report-store.js';
import { HttpWebhookNotifier } from '../notifiers/http-webhook-notifier.js';
import { SmtpMailer } from '../notifiers/smtp-mailer.js';
import { createRenderers } from '../render/index.js';
import { reapOrphanedBrowsers } from '../render/pdf/orphaned-browsers.js';
import { LocalStaging } from '../staging/local-staging.js';
import { connectWorker } from '../temporal/connection.js';
import { registerSearchAttributes } from '../temporal/search-attributes.js';
import { ActivityFaultGuard, installProcessGuards } from '../temporal/activity-fault-guard.js';
import { createReportWorker, createStagingWorker, SHUTDOWN_GRACE, stagingWorkerQueue } from '../temporal/worker.js';
import { workerTracing } from '../temporal/tracing.js';
import { bundleFitsTracing } from '../temporal/workflow-bundle.js';
import { coreMetrics } from '../observability/core-metrics.js';
import { startMetricsServer, type MetricsServer } from '../observability/metrics-server.js';
import { startTracing } from '../observability/tracing.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { createLogger } from './logger.js';
import { exitWhenParentDies } from './parent-watch.js';
import { temporalLogger } from './temporal-logger.js';
import { workerDatabase } from './worker-database.js';

const config = loadConfig();
const log = createLogger('worker', config.logLevel);
exitWhenParentDies();

/** Set once the worker is polling: how a fault outside every activity stops it gracefully. */
let stopWorker: ((reason: string) => void) | undefined;

async function main(): Promise<void> {
  // The SDK's own messages (and activity `log` calls) go to the same JSON log; signals are ours.
  const core = config.workerMetricsPort > 0 ? await coreMetrics() : undefined;
  Runtime.install({ logger: temporalLogger(log.child({ component: 'temporal' })), shutdownSignals: [], ...(core ? { telemetryOptions: core.telemetryOptions } : {}) });
  const tracing = await startTracing(config, 'reportflow-worker');

  // One run's fault fails its activity, never the process (see activity-fault-guard.ts).
  const faultGuard = new ActivityFaultGuard();
  installProcessGuards(faultGuard, {
    onActivityFault: (kind, err, owner) => log.error({ err, kind, ...owner.activity }, 'an activity raised an error outside its promise; that activity fails and is retried'),
    onUnownedFault: (kind, err) => {
      log.fatal({ err, kind }, 'an error outside every activity: stopping gracefully (runs in flight finish or are retried)');
      process.exitCode = 1;
      if (stopWorker) stopWorker(kind);
      else process.exit(1);
    },
  });

  // Browsers a dead worker left running (where the kernel could not take them down with it).
  const reaped = await reapOrphanedBrowsers();
  if (reaped.browsers.length || reaped.profileDirs.length) log.warn(reaped, 'reaped browsers and profile directories of dead workers');

  const catalog = loadCatalog(path.join(config.home, 'templates'));
  const metrics = new WorkerMetrics(catalog.keys());
  const db = workerDatabase(config);
  const browserLog = log.child({ component: 'chromium' });
  const rendering = await createRenderers(config, {
    onBrowserEvent: (event) => {
      metrics.browserEvent(event);
      if (event.type === 'disconnected') browserLog.warn(event, 'browser disconnected');
      else if (event.type === 'relaunch-failed') browserLog.error(event, 'browser relaunch after a crash failed; the next render tries again');
      else browserLog.info(event, `browser ${event.type}`);
    },
  });
  metrics.observeBrowser(rendering.browserPool);
  const connection = await connectWorker(config);
  let mailer: SmtpMailer | undefined;
  let metricsServer: MetricsServer | undefined;
  try {
    if (core) {
      metricsServer = await startMetricsServer({ host: config.workerMetricsHost, port: config.workerMetricsPort, registry: metrics.registry, coreMetricsUrl: core.url });
      log.info({ url: metricsServer.url }, 'metrics endpoint listening');
    }
    try {
      const added = await registerSearchAttributes(connection, config.temporalNamespace);
      if (added.length) log.info({ added }, 'registered search attributes');
    } catch (err) {
      // Temporal Cloud refuses the operator service; there the attributes are created with tcld.
      if (!config.temporalApiKey) throw err;
      log.warn({ err }, 'could not register search attributes; make sure they exist in the namespace');
    }

    mailer = new SmtpMailer({ url: config.smtpUrl, from: config.mailFrom });
    const stagingQueue = stagingWorkerQueue(config.taskQueue);
    const buckets = new BucketDestinations(loadIntegrations(config.integrationsFile), config.signedUrlTtlSeconds);
    const activities = createActivities({
      config,
      catalog,
      db,
      staging: new LocalStaging(config.stagingDir),
      stagingWorker: { taskQueue: stagingQueue, startTimeoutMs: config.pinnedStageStartTimeoutMs },
      renderers: rendering.renderers,
      records: new PgRecordStore(db),
      templates: new TemplateStore(db),
      ...(config.urlSigningKey ? { signer: new UrlSigner(config.urlSigningKey) } : {}),
      destination: reportStoreFor(config, buckets),
      buckets,
      notifier: new HttpWebhookNotifier({ timeoutMs: config.webhookTimeoutMs, secret: config.webhookSecret, allowHosts: config.webhookAllowHosts ?? [] }),
      mailer,
      logger: log.child({ component: 'activities' }),
      metrics,
    });
    // A bundle built for the other tracing setting would lose workflow spans (or make them for nobody).
    let bundlePath = config.workflowBundlePath;
    if (bundlePath && !(await bundleFitsTracing(bundlePath, tracing !== undefined))) {
      log.warn({ bundlePath, tracing: tracing !== undefined }, 'the workflow bundle was built for the other tracing setting; bundling the workflows here instead (rebuild it with `npm run bundle` and the same OTEL_* settings)');
      bundlePath = undefined;
    }
    const traced = tracing ? { tracing: await workerTracing(tracing) } : {};
    const worker = await createReportWorker({
      config, activities, connection, faultGuard,
      workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
      ...traced,
    });
    const stagingWorker = await createStagingWorker({ config, activities, connection, faultGuard, taskQueue: stagingQueue, ...traced });

    const stop = (reason: string) => {
      if (worker.getState() !== 'RUNNING' && stagingWorker.getState() !== 'RUNNING') return;
      log.info({ reason, graceTime: SHUTDOWN_GRACE }, 'shutting down: running activities may finish within the grace time');
      if (worker.getState() === 'RUNNING') worker.shutdown();
      if (stagingWorker.getState() === 'RUNNING') stagingWorker.shutdown();
    };
    stopWorker = stop;
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    // One stops, both stop: a process that polls only one of its queues would strand runs on the other.
    const running = Promise.allSettled([
      worker.run().finally(() => stop('the shared-queue worker stopped')),
      stagingWorker.run().finally(() => stop('the staging worker stopped')),
    ]);
    log.info({ taskQueue: config.taskQueue, stagingQueue, reports: [...catalog.keys()] }, 'worker started');
    process.stdout.write(`worker ready task_queue=${config.taskQueue}\n`);
    // Both have stopped before the clients close; the first failure is the process's.
    const failed = (await running).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    mailer?.close();
    await metricsServer?.close();
    await rendering.close();
    await db.close();
    await connection.close();
    await tracing?.shutdown();
  }
}

main().then(
  () => log.info('worker stopped'),
  (err: unknown) => {
    log.fatal({ err }, 'worker failed');
    process.exitCode = 1;
  },
);
