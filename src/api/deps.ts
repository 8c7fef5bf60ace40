/**
 * What the HTTP API is built from, handed in by the composition root (src/main/api.ts) so tests can
 * pass fakes for the run gateway, the database and the destination.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Catalog } from '../catalog/load-catalog.js';
import type { Config } from '../config/settings.js';
import type { Database } from '../data/database.js';
import type { Destination } from '../destinations/destination.js';
import type { ReportConfigurationStore } from '../configurations/report-configuration-store.js';
import type { TemplateStore } from '../templates/template-store.js';
import type { SubscriptionService } from '../subscriptions/subscription-service.js';
import type { BulkGateway } from '../temporal/bulk-runs.js';
import type { RunGateway } from '../temporal/report-runs.js';
import type { Integrations } from '../config/integrations.js';
import type { UrlSigner } from '../downloads/signed-url.js';
import type { RecordStore } from '../records/records.js';
import type { ApiKeys, JwtVerifier } from './auth.js';
import type { HttpLimits } from './http-limits.js';

export interface ApiDeps {
  /**
   * Settings; the API reads `maxBodyBytes`, `rateLimitPerMinute` (unset: no rate limit), the HTTP
   * bounds (`HttpLimits`, each at its default when unset), for links, `publicUrl`, `apiHost`, `apiPort`,
   * `webhookAllowHosts` (unset: no private webhook address is accepted), as the worker's notifier reads it,
   * and `defaultTimeZone`, the zone of a request without `timezone` (unset: `UTC`).
   */
  config: Pick<Config, 'maxBodyBytes' | 'publicUrl' | 'apiHost' | 'apiPort' | 'downloadUrlTtlSeconds' | 'idempotencyTtlHours'> & Partial<Pick<Config, 'rateLimitPerMinute' | 'webhookAllowHosts' | 'defaultTimeZone'>> & Partial<HttpLimits>;
  /** Report definitions by code. */
  catalog: Catalog;
  /** Report data, for the definitions' data checks (e.g. "the invoice exists"). */
  db: Database;
  /** Starts runs and reads their state (Temporal). */
  runs: RunGateway;
  /** Where finished reports are read from for download. */
  destination: Destination;
  logger: Logger;
  /** Valid API keys, with their tenants and permissions. */
  apiKeys: ApiKeys;
  /** Checks bearer JWTs; unset: only API keys are accepted. */
  jwt?: JwtVerifier;
  /** The service's records of requests and reports: what the API lists, searches and reads. */
  records: RecordStore;
  /** Signs and checks download URLs (`REPORTFLOW_URL_SIGNING_KEY`). */
  signer: UrlSigner;
  /** Configured export integrations; when given, `export_location.integration_id` is checked at request time. */
  integrations?: Integrations;
  /** Opens a trace span per request (src/observability/tracing.ts); unset: no tracing. */
  tracingPlugin?: FastifyPluginCallback;
  /** Prometheus registry of the API's metrics; given, requests are counted and `GET /metrics` serves it. */
  metricsRegistry?: Registry;
  /** Report subscriptions (PostgreSQL + Temporal Schedules); without it `/v1/report-subscriptions` is not served. */
  subscriptions?: SubscriptionService;
  /**
   * Saved report configurations (PostgreSQL); without it `/v1/report-configurations` is not served and
   * a request naming `report_configuration_id` is answered 404 REPORT_CONFIGURATION_NOT_FOUND.
   */
  configurations?: ReportConfigurationStore;
  /** Bulk runs (one document per key, Temporal); without it `/v1/report-bulk-requests` is not served. */
  bulk?: BulkGateway;
  /** Tenant templates (PostgreSQL); without it `/v1/templates` is not served and `template_id` is 404. */
  templates?: TemplateStore;
}

/** Base URL for links: `publicUrl`, else `http://<apiHost>:<apiPort>` (as webhook links use). */
export function baseUrlOf(config: ApiDeps['config']): string {
  return (config.publicUrl ?? `http://${config.apiHost}:${config.apiPort}`).replace(/\/+$/, '');
}
