/**
 * What the HTTP API is built from, handed in by the composition root (src/main/api.ts) so tests can
 * pass fakes for the run gateway, the database and the destination.
 */
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/load-catalog.js';
import type { Config } from '../config/settings.js';
import type { Database } from '../data/database.js';
import type { Destination } from '../destinations/destination.js';
import type { SubscriptionService } from '../subscriptions/subscription-service.js';
import type { RunGateway } from '../temporal/report-runs.js';
import type { ApiKeys } from './auth.js';

export interface ApiDeps {
  /** Settings; the API reads `maxBodyBytes` and, for links, `publicUrl`, `apiHost`, `apiPort`. */
  config: Pick<Config, 'maxBodyBytes' | 'publicUrl' | 'apiHost' | 'apiPort'>;
  /** Report definitions by code. */
  catalog: Catalog;
  /** Report data, for the definitions' data checks (e.g. "the invoice exists"). */
  db: Database;
  /** Starts runs and reads their state (Temporal). */
  runs: RunGateway;
  /** Where finished reports are read from for download. */
  destination: Destination;
  logger: Logger;
  /** Valid API keys and their tenants. */
  apiKeys: ApiKeys;
  /** Report subscriptions (PostgreSQL + Temporal Schedules); without it `/v1/report-subscriptions` is not served. */
  subscriptions?: SubscriptionService;
}

/** Base URL for links: `publicUrl`, else `http://<apiHost>:<apiPort>` (as webhook links use). */
export function baseUrlOf(config: ApiDeps['config']): string {
  return (config.publicUrl ?? `http://${config.apiHost}:${config.apiPort}`).replace(/\/+$/, '');
}
