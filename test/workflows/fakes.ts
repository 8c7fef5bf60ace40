/**
 * Fast stand-ins for the workflow tests: an in-memory catalog with one INVOICE report, a database
 * whose cursor yields fixture rows (and can fail on purpose), a CSV-ish renderer that reads the
 * real staged NDJSON, and a webhook receiver on a real local HTTP port.
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Catalog } from '../../src/catalog/load-catalog.js';
import type { ReportDefinition } from '../../src/catalog/report-definition.js';
import type { Database, Queryable, Row } from '../../src/data/database.js';
import type { Renderer, RenderInput, Renderers } from '../../src/render/renderer.js';
import { readNdjson } from '../../src/staging/ndjson.js';
import type { WebhookEvent } from '../../src/notifiers/notifier.js';

/** Invoices that exist in the fake database, with their lines. */
export const INVOICES: Record<string, Row[]> = {
  '536365': [
    { invoice_no: '536365', description: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, unit_price: '2.55' },
    { invoice_no: '536365', description: 'WHITE METAL LANTERN', quantity: 6, unit_price: '3.39' },
    { invoice_no: '536365', description: 'CREAM CUPID HEARTS COAT HANGER', quantity: 8, unit_price: '2.75' },
    { invoice_no: '536365', description: 'KNITTED UNION FLAG HOT WATER BOTTLE', quantity: 6, unit_price: '3.39' },
    { invoice_no: '536365', description: 'RED WOOLLY HOTTIE WHITE HEART.', quantity: 6, unit_price: '3.39' },
  ],
};

const INVOICE_QUERY = 'SELECT invoice_no, description, quantity, unit_price FROM invoice_line WHERE invoice_no = :invoice_id';
const INVOICE_CHECK = 'SELECT 1 FROM invoice WHERE invoice_no = :invoice_id';

/**
 * A catalog holding one report, INVOICE (parameter `invoice_id`, formats CSV and PDF); `runMode` is its
 * `run_mode` (staged when absent).
 */
export function invoiceCatalog(runMode?: 'inline' | 'staged'): Catalog {
  const def: ReportDefinition = {
    code: 'INVOICE',
    title: { en: 'Invoice', no: 'Faktura' },
    description: 'One invoice with its lines.',
    parameters: { type: 'object', properties: { invoice_id: { type: 'string', pattern: '^[0-9]{6}$' } }, required: ['invoice_id'], additionalProperties: false },
    query: 'query.sql',
    checks: [{ query: 'check.sql', error_code: 'INVOICE_NOT_FOUND', parameter: 'invoice_id', message: 'Invoice {value} does not exist.' }],
    columns: [
      { name: 'invoice_no', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'quantity', type: 'integer' },
      { name: 'unit_price', type: 'decimal' },
    ],
    formats: { CSV: {}, PDF: { template: 'invoice.hbs' } },
    dir: '/nonexistent/templates/invoice',
    querySql: INVOICE_QUERY,
    checkSql: [INVOICE_CHECK],
    ...(runMode ? { run_mode: runMode } : {}),
  };
  return new Map([[def.code, def]]);
}

/**
 * Answers the INVOICE check and query from `INVOICES`. `failStreams`: how many `stream` calls
 * break after their first batch (a dropped connection mid-query).
 */
export class FakeDatabase implements Database {
  streamCalls = 0;
  failStreams = 0;
  /** Unset: the database cannot COPY (as the embedded engine), so CSV rows are staged. */
  copyCsv?: Database['copyCsv'];

  async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    if (sql.includes('FROM invoice WHERE')) {
      return (INVOICES[String(params[0])] ? [{ exists: 1 }] : []) as unknown as R[];
    }
    throw new Error(`FakeDatabase: unexpected query ${sql}`);
  }

  async *stream(sql: string, params: readonly unknown[], batchRows: number): AsyncIterable<Row[]> {
    this.streamCalls++;
    if (!sql.includes('FROM invoice_line')) throw new Error(`FakeDatabase: unexpected stream ${sql}`);
    const rows = INVOICES[String(params[0])] ?? [];
    const failThisCall = this.streamCalls <= this.failStreams;
    for (let i = 0; i < rows.length; i += batchRows) {
      yield rows.slice(i, i + batchRows);
      if (failThisCall) throw new Error('Connection terminated unexpectedly');
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {}
}

/**
 * A CSV renderer reading the real staged rows. `gate`: awaited before writing (lets a test look at
 * the run mid-render). `slow`: never finishes on its own; heartbeats until aborted. `finishesAfterAbort`
 * (with `slow`): then writes its file all the same, as a render whose output was complete when the cancel came.
 */
export class StubRenderer implements Renderer {
  readonly contentType = 'text/csv';
  readonly extension = 'csv';
  renders = 0;
  sawAbort = false;
  gate: Promise<void> | undefined;
  slow = false;
  finishesAfterAbort = false;

  async render(input: RenderInput): Promise<{ pages?: number }> {
    this.renders++;
    if (this.slow) {
      while (!input.signal.aborted) {
        input.onProgress(0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      this.sawAbort = true;
      if (this.finishesAfterAbort) return this.write(input);
      // What a real renderer throws when its browser page is closed under it: not a CancelledFailure.
      throw new Error('Protocol error: Target closed');
    }
    if (this.gate) await this.gate;
    return this.write(input, input.signal);
  }

  private async write(input: RenderInput, signal?: AbortSignal): Promise<{ pages?: number }> {
    const lines = [input.columns.map((c) => c.name).join(',')];
    let done = 0;
    for await (const row of readNdjson(input.rowsPath, signal)) {
      lines.push(input.columns.map((c) => JSON.stringify(row[c.name] ?? '')).join(','));
      input.onProgress(++done);
    }
    await writeFile(input.outPath, lines.join('\n') + '\n');
    return {};
  }
}

/** Every format served by the same stub (the workflow does not care which renderer it is). */
export function stubRenderers(stub: Renderer): Renderers {
  return { PDF: stub, HTML: stub, CSV: stub, XML: stub, XLSX: stub, TXT: stub };
}

/** One request the receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  event: WebhookEvent;
  /** The exact bytes received, as a signature is computed over them. */
  rawBody: string;
  /** The status the receiver answered with. */
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1 (a random port, or the one given to `start`). `statuses`: answers
 * to give in turn; then `defaultStatus` (204).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  statuses: number[] = [];
  defaultStatus = 204;
  private server: Server | undefined;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        res.statusCode = this.statuses.shift() ?? this.defaultStatus;
        this.received.push({ headers: req.headers, event: JSON.parse(rawBody) as WebhookEvent, rawBody, status: res.statusCode, at: Date.now() });
        res.end();
      });
    });
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  /** URL of path `p` on this receiver. */
  url(p = '/hooks/reports'): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}${p}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
