/**
 * What activities need from the outside world, built once per worker process by the composition
 * root (src/main/worker.ts) and injected into `createActivities` (the samples' dependency-injection
 * pattern), so tests can hand in fakes.
 */
import type { Logger } from 'pino';
import type { Catalog } from '../src/catalog/load-catalog.js';
import type { Config } from '../src/config/settings.js';
import type { Database } from '../src/data/database.js';
import type { TemplateStore } from '../src/templates/template-store.js';
import type { BucketDestinations } from '../src/destinations/bucket-destinations.js';
import type { Destination } from '../src/destinations/destination.js';
import type { WebhookNotifier } from '../src/notifiers/notifier.js';
import type { Mailer } from '../src/notifiers/smtp-mailer.js';
import type { RecordStore } from '../src/records/records.js';
import type { UrlSigner } from '../src/downloads/signed-url.js';
import type { Renderers } from '../src/render/renderer.js';
import type { LocalStaging } from '../src/staging/local-staging.js';
import type { WorkerMetrics } from '../src/observability/worker-metrics.js';
import type { StagingWorker } from '../src/domain/artifacts.js';

export interface ActivityDeps {
  /** Settings; activities read `queryBatchRows`, `publicUrl`, `apiHost` and `apiPort`. */
  config: Config;
  /** Report definitions by code. */
  catalog: Catalog;
  /** Tenant templates, for runs of a template (`request.templateId`); unset: such runs fail TEMPLATE_NOT_FOUND. */
  templates?: TemplateStore;
  /** Report data. */
  db: Database;
  /** Files passed between activities of one run (staged rows, rendered file). */
  staging: LocalStaging;
  /**
   * This worker process's own task queue, which the query activity names in its result so the run's
   * later data stages come to the disk that holds its staging (src/main/worker.ts). Unset (tests): the
   * stages go to the shared task queue, for workers that share one staging directory.
   */
  stagingWorker?: StagingWorker;
  /** One renderer per output format. */
  renderers: Renderers;
  /** Where finished reports go (LOCAL). */
  destination: Destination;
  /** GCS, S3 and BigQuery destinations of the configured integrations. */
  buckets: BucketDestinations;
  /** Webhook sender. */
  notifier: WebhookNotifier;
  /** Email sender (one message per recipient). */
  mailer: Mailer;
  /** The service's records of requests and reports (read by the API). */
  records: RecordStore;
  /** Signs the download links of webhook events and emails; without it they point at the authenticated route. */
  signer?: UrlSigner;
  logger: Logger;
  /** The worker's Prometheus metrics; unset (tests): nothing is counted. */
  metrics?: WorkerMetrics;
}
