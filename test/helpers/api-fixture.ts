/**
 * An in-process HTTP API for unit tests: the real server, auth, catalog loader, validation and data
 * checks, with a fake run gateway (Temporal), a fake database (answers the data checks) and an
 * in-memory destination. The catalog is a small fixture written to a temp dir, so the tests do not
 * depend on the shipped templates' parameter names.
 *
 * Tenants: `acme` (key `acme-key-123`) and `globex` (key `globex-key-456`).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { ApiKeys } from '../../src/api/auth.js';
import { buildApiServer } from '../../src/api/server.js';
import { UrlSigner } from '../../src/downloads/signed-url.js';
import type { Integrations } from '../../src/config/integrations.js';
import { MemoryRecordStore } from './memory-record-store.js';
import { loadCatalog, type Catalog } from '../../src/catalog/load-catalog.js';
import type { Database, Queryable, Row } from '../../src/data/database.js';
import type { Destination } from '../../src/destinations/destination.js';
import { ReportError } from '../../src/domain/errors.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import type { RunGateway, RunView } from '../../src/temporal/report-runs.js';
import type { WebhookDeliveryInput } from '../../src/domain/webhook-delivery.js';
import type { SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import type { ReportConfigurationStore } from '../../src/configurations/report-configuration-store.js';
import type { TemplateStore } from '../../src/templates/template-store.js';

/** A parsed JSON response body, read freely by assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = Record<string, any>;

export const KEYS = { acme: 'acme-key-123', globex: 'globex-key-456' } as const;
export const BASE_URL = 'https://reports.example.test';

/** Writes the fixture catalog (INVOICE with a data check, SALES_SUMMARY with a period) and loads it. */
export function fixtureCatalog(): { catalog: Catalog; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'reportflow-api-catalog-'));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  write('INVOICE/report.json', JSON.stringify({
    code: 'INVOICE',
    title: { en: 'Invoice', no: 'Faktura' },
    description: 'One invoice with its lines.',
    parameters: { type: 'object', properties: { invoice_id: { type: 'string', pattern: '^[0-9]{6}$' } }, required: ['invoice_id'], additionalProperties: false },
    query: 'query.sql',
    checks: [{ query: 'check.sql', error_code: 'INVOICE_NOT_FOUND', parameter: 'invoice_id', message: 'Invoice {value} does not exist.' }],
    columns: [{ name: 'stock_code', type: 'string' }, { name: 'quantity', type: 'integer' }],
    formats: { PDF: { template: 'invoice.hbs' }, HTML: { template: 'invoice.hbs' }, CSV: {} },
  }));
  write('INVOICE/query.sql', 'SELECT stock_code, quantity FROM invoice_lines WHERE invoice_no = :invoice_id');
  write('INVOICE/check.sql', 'SELECT 1 FROM invoices WHERE invoice_no = :invoice_id');
  write('INVOICE/invoice.hbs', '<h1>{{title}}</h1>');
  write('SALES_SUMMARY/report.json', JSON.stringify({
    code: 'SALES_SUMMARY',
    title: { en: 'Sales summary', no: 'Salgsoversikt' },
    description: 'Sales per country in a period.',
    parameters: {
      type: 'object',
      properties: { from_date: { type: 'string', format: 'date' }, to_date: { type: 'string', format: 'date' }, country: { type: 'string', default: 'United Kingdom' } },
      required: ['from_date', 'to_date'],
      additionalProperties: false,
    },
    period: { from_parameter: 'from_date', to_parameter: 'to_date' },
    query: 'query.sql',
    columns: [{ name: 'country', type: 'string' }, { name: 'total', type: 'decimal' }],
    formats: { CSV: {}, XML: { xml_root: 'sales', xml_row: 'country' } },
  }));
  write('SALES_SUMMARY/query.sql', 'SELECT country, sum(total) AS total FROM sales WHERE at >= :period_from AND at < :period_to GROUP BY country');
  return { catalog: loadCatalog(dir), dir };
}

/** A run gateway keeping runs in memory; tests set each run's state with `set`. */
export class FakeRuns implements RunGateway {
  readonly runs = new Map<string, RunView>();
  /** When set, every call throws it (e.g. Temporal unreachable). */
  failWith: Error | undefined;

  async start(request: ReportRequest): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.runs.set(request.id, { request, status: 'PENDING', stage: null });
  }

  /** Called on every `get` of a known id before it is answered, to script a run's progress. */
  onGet: ((id: string) => void) | undefined;

  async get(tenantId: string, id: string): Promise<RunView | undefined> {
    if (this.failWith) throw this.failWith;
    if (this.runs.has(id)) this.onGet?.(id);
    const run = this.runs.get(id);
    return run && run.request.tenantId === tenantId ? run : undefined;
  }

  async ping(): Promise<void> {
    if (this.failWith) throw this.failWith;
  }

  /** Ids asked to cancel, in order. The run's state is left to the test (`set`). */
  readonly cancelled: string[] = [];

  async cancel(tenantId: string, id: string): Promise<boolean> {
    if (this.failWith) throw this.failWith;
    const run = this.runs.get(id);
    if (!run || run.request.tenantId !== tenantId || ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status)) return false;
    this.cancelled.push(id);
    return true;
  }

  /** Deliveries started (redeliveries), in order. */
  readonly deliveries: WebhookDeliveryInput[] = [];

  async deliverWebhook(input: WebhookDeliveryInput): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.deliveries.push(input);
  }

  /** Replaces the state of run `id` (keeps its request). */
  set(id: string, state: Omit<RunView, 'request'>): void {
    const run = this.runs.get(id);
    if (!run) throw new Error(`no run ${id}`);
    this.runs.set(id, { request: run.request, ...state });
  }
}

/** A database whose only content is the set of existing invoice numbers; everything else returns no rows. */
export class FakeDatabase implements Database {
  readonly invoices = new Set(['536365', '536366']);
  readonly queries: { sql: string; params: readonly unknown[] }[] = [];
  failWith: Error | undefined;

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    if (this.failWith) throw this.failWith;
    this.queries.push({ sql, params });
    // The fixture's check reads `invoices`, the shipped INVOICE report's `retail.invoice_line`.
    if (/FROM (invoices|retail\.invoice_line)\b/.test(sql)) return (this.invoices.has(String(params[0]).toUpperCase()) ? [{ '?column?': 1 }] : []) as unknown as R[];
    return [{ '?column?': 1 }] as unknown as R[];
  }

  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<Row[]> {
    throw new Error('not used by the API');
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {}
}

/** Report files by URI, in memory. */
export class FakeDestination implements Destination {
  readonly files = new Map<string, Buffer>();

  async put(): Promise<{ uri: string }> {
    throw new Error('not used by the API');
  }

  async open(uri: string): Promise<Readable> {
    const bytes = this.files.get(uri);
    if (!bytes) throw Object.assign(new Error(`ENOENT: ${uri}`), { code: 'ENOENT' });
    return Readable.from([bytes]);
  }

  async remove(uri: string): Promise<void> {
    this.files.delete(uri);
  }

  async withdraw(): Promise<void> {
    throw new Error('not used by the API');
  }

  /** When set, `ping` fails with it (storage unreachable). */
  failWith: Error | undefined;

  async ping(): Promise<void> {
    if (this.failWith) throw this.failWith;
  }
}

/** Settings of the test API: production defaults, links under `BASE_URL`. */
export const TEST_API_CONFIG = { maxBodyBytes: 65536, publicUrl: BASE_URL, apiHost: '127.0.0.1', apiPort: 8080, downloadUrlTtlSeconds: 900, idempotencyTtlHours: 24 };

/** The URL-signing key of the test API. */
export const TEST_SIGNING_KEY = 'test-url-signing-key-0123456789';

export interface TestApi {
  app: FastifyInstance;
  runs: FakeRuns;
  records: MemoryRecordStore;
  signer: UrlSigner;
  db: FakeDatabase;
  destination: FakeDestination;
  catalog: Catalog;
  /** Lines the server logged (JSON). */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Builds the API over the fakes. `maxBodyBytes` defaults to 64 KiB as in production; `catalog`
 * defaults to the fixture catalog; with `integrations`, integration ids are checked at request time;
 * with `subscriptions`, `/v1/report-subscriptions` is served; with `configurations`, `/v1/report-configurations`.
 */
export async function startTestApi(options: { maxBodyBytes?: number; catalog?: Catalog; integrations?: Integrations; subscriptions?: SubscriptionService; configurations?: ReportConfigurationStore; templates?: TemplateStore; webhookAllowHosts?: string[]; defaultTimeZone?: string } = {}): Promise<TestApi> {
  const { catalog, dir } = options.catalog ? { catalog: options.catalog, dir: undefined } : fixtureCatalog();
  const runs = new FakeRuns();
  const db = new FakeDatabase();
  const destination = new FakeDestination();
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const records = new MemoryRecordStore();
  const signer = new UrlSigner(TEST_SIGNING_KEY);
  const app = buildApiServer({
    config: { ...TEST_API_CONFIG, maxBodyBytes: options.maxBodyBytes ?? 65536, ...(options.webhookAllowHosts ? { webhookAllowHosts: options.webhookAllowHosts } : {}), ...(options.defaultTimeZone ? { defaultTimeZone: options.defaultTimeZone } : {}) },
    catalog,
    db,
    runs,
    destination,
    records,
    signer,
    ...(options.integrations ? { integrations: options.integrations } : {}),
    ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}),
    ...(options.configurations ? { configurations: options.configurations } : {}),
    ...(options.templates ? { templates: options.templates } : {}),
    logger,
    apiKeys: ApiKeys.parse(`acme:${KEYS.acme},globex:${KEYS.globex}`),
  });
  await app.ready();
  return {
    app, runs, records, signer, db, destination, catalog, logs,
    close: async () => {
      await app.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A ReportError('UNAVAILABLE') as the real gateway throws when Temporal cannot be reached. */
export function temporalDown(): ReportError {
  return new ReportError('UNAVAILABLE', 'Temporal could not be reached; try again.');
}

/** Headers carrying tenant `acme`'s key (or another tenant's). */
export function auth(tenant: keyof typeof KEYS = 'acme'): Record<string, string> {
  return { 'x-api-key': KEYS[tenant] };
}

/** True when a response body looks like it leaks internals (stack frames, file paths, Node error names). */
export function leaksInternals(body: string): boolean {
  return /\bat .+:\d+:\d+|node_modules|\.ts:\d+|"stack"|ECONNREFUSED|TypeError|ReferenceError/.test(body);
}
