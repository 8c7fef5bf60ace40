/**
 * `npm run api`: the HTTP starter API process, the composition root of everything the API needs.
 * Builds from config: the report catalog (`<home>/templates`), the database (for data checks), the
 * Temporal client, the report store (for downloads), the API keys and the JWT verifier; listens on
 * `HOST:PORT` and prints `api ready http://host:port` (npm start waits for that line). On
 * SIGINT/SIGTERM (or when the `npm start` that started it dies) it stops accepting connections,
 * finishes in-flight requests, then closes the Temporal connection and the database. A second signal
 * exits at once.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiKeys, JwtVerifier } from '../api/auth.js';
import { withClientFaults } from '../api/client-faults.js';
import { buildApiServer } from '../api/server.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { effectiveDatabaseUrl, loadConfig, type Config } from '../config/settings.js';
import { PgDatabase } from '../data/pg-database.js';
import { PgRecordStore } from '../records/pg-record-store.js';
import { UrlSigner } from '../downloads/signed-url.js';
import { loadIntegrations } from '../config/integrations.js';
import { BucketDestinations } from '../destinations/bucket-destinations.js';
import { reportStoreFor } from '../destinations/report-store.js';
import { connectClient } from '../temporal/connection.js';
import { BulkRuns } from '../temporal/bulk-runs.js';
import { ReportRuns } from '../temporal/report-runs.js';
import { SubscriptionSchedules } from '../temporal/schedules.js';
import { SubscriptionService } from '../subscriptions/subscription-service.js';
import { SubscriptionStore } from '../subscriptions/subscription-store.js';
import { ReportConfigurationStore } from '../configurations/report-configuration-store.js';
import { TemplateStore } from '../templates/template-store.js';
import { uuidv7 } from '../requests/request-id.js';
import { createApiRegistry } from '../observability/http-metrics.js';
import { fastifyTracing, startTracing } from '../observability/tracing.js';
import { createLogger, type Logger } from './logger.js';
import { exitWhenParentDies } from './parent-watch.js';

/** How often expired idempotency keys are deleted, in ms (hourly). */
const PURGE_EVERY_MS = 3_600_000;

/** A running API. */
export interface RunningApi {
  /** e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Finishes in-flight requests, then closes Temporal and the database. */
  stop(): Promise<void>;
}

/**
 * Builds and starts the API.
 * @throws Error when neither an API key nor a JWT key is configured, a key entry or JWT setting is
 *   malformed, the catalog does not load, Temporal cannot be reached, or the port is taken.
 */
export async function startApi(config: Config, log: Logger): Promise<RunningApi> {
  const apiKeys = ApiKeys.fromConfig(config);
  const jwt = await JwtVerifier.fromConfig(config);
  if (apiKeys.size === 0 && !jwt) {
    throw new Error('No API keys or JWT keys configured: set REPORTFLOW_API_KEYS=tenant:key (or REPORTFLOW_API_KEYS_FILE), or a JWT key (REPORTFLOW_JWT_HS256_SECRET, REPORTFLOW_JWT_PUBLIC_KEY_FILE or REPORTFLOW_JWT_JWKS_URL), or run `npm start`, which creates a development key in var/api-key.');
  }
  if (!config.urlSigningKey) {
    throw new Error('No URL-signing key configured: set REPORTFLOW_URL_SIGNING_KEY (16 bytes or more, shared with the workers), or run `npm start`, which creates one in var/url-signing-key.');
  }
  const signingKey = config.urlSigningKey;
  // Before the Temporal client: its interceptor carries each request's trace into the runs it starts.
  const tracing = await startTracing(config, 'reportflow-api');
  const catalog = loadCatalog(path.join(config.home, 'templates'));
  const integrations = loadIntegrations(config.integrationsFile);
  // Downloads come from the store the workers export to (a directory, or a bucket shared by every machine).
  const reportStore = reportStoreFor(config, new BucketDestinations(integrations, config.signedUrlTtlSeconds));
  // Each request waits briefly for a connection and a statement, then answers 503 with Retry-After.
  const db = withClientFaults(new PgDatabase({
    url: effectiveDatabaseUrl(config),
    applicationName: 'reportflow-api',
    maxConnections: config.apiDbPoolSize,
    connectTimeoutMs: config.apiDbConnectTimeoutMs,
    queryTimeoutMs: config.apiDbQueryTimeoutMs,
  }));
  let client: Awaited<ReturnType<typeof connectClient>>;
  try {
    client = await connectClient(config);
  } catch (err) {
    await db.close();
    await tracing?.shutdown();
    throw new Error(`Temporal is not reachable: ${(err as Error).message}`, { cause: err });
  }
  const records = new PgRecordStore(db);
  const templates = new TemplateStore(db);
  const app = buildApiServer({
    config,
    catalog,
    db,
    runs: new ReportRuns(client, { taskQueue: config.taskQueue }),
    bulk: new BulkRuns(client, { taskQueue: config.taskQueue }),
    destination: reportStore,
    records,
    signer: new UrlSigner(signingKey),
    integrations,
    logger: log,
    metricsRegistry: createApiRegistry(),
    ...(tracing ? { tracingPlugin: await fastifyTracing() } : {}),
    apiKeys,
    jwt,
    subscriptions: new SubscriptionService({
      store: new SubscriptionStore(db),
      scheduler: new SubscriptionSchedules(client, { taskQueue: config.taskQueue, catchupWindowDays: config.subscriptionCatchupDays }),
      catalog,
      config,
      newId: uuidv7,
      templates,
    }),
    configurations: new ReportConfigurationStore(db),
    templates,
  });
  // Expired idempotency keys are ignored when claimed again; this only keeps the table small.
  const purge = setInterval(() => {
    records.purgeExpiredKeys().then(
      (n) => n && log.info({ purged: n }, 'expired idempotency keys deleted'),
      (err: unknown) => log.warn({ err }, 'could not delete expired idempotency keys'),
    );
  }, PURGE_EVERY_MS);
  purge.unref();
  const closeClients = async () => {
    clearInterval(purge);
    await client.connection.close();
    await db.close();
    await tracing?.shutdown();
  };
  try {
    await app.listen({ host: config.apiHost, port: config.apiPort });
  } catch (err) {
    await app.close();
    await closeClients();
    throw err;
  }
  const shownHost = config.apiHost === '0.0.0.0' ? '127.0.0.1' : config.apiHost;
  log.info({ host: config.apiHost, port: config.apiPort, apiKeys: apiKeys.size, jwt: jwt !== undefined, rateLimitPerMinute: config.rateLimitPerMinute, reports: [...catalog.keys()] }, 'api started');
  return {
    url: `http://${shownHost}:${config.apiPort}`,
    stop: async () => {
      await app.close();
      await closeClients();
    },
  };
}

async function main(): Promise<void> {
  exitWhenParentDies();
  const config = loadConfig();
  const log = createLogger('api', config.logLevel);
  let api: RunningApi;
  try {
    api = await startApi(config, log);
  } catch (err) {
    log.fatal({ err }, 'api failed to start');
    process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`api ready ${api.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    api.stop().then(
      () => log.info('api stopped'),
      (err: unknown) => {
        log.error({ err }, 'api did not stop cleanly');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Run only as the entry point (`tsx src/main/api.ts`), not when imported (tests, other roots).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void main();
}
