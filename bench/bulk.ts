/**
 * `npm run bench -- --bulk N`: a bulk run of N invoice PDFs (one `POST /v1/report-bulk-requests` over the
 * first period of the Online Retail data holding N invoices), POST → status no longer RUNNING, in
 * documents/s, beside the same service's single-request figures in the same run: invoice PDFs one at a
 * time and 8 concurrent, POST → `report.succeeded` webhook. Also the worker's peak RSS (VmHWM). With
 * `--peers`, also jsreport-core at 8 concurrent on the same invoice HTML, after the service has stopped
 * (bench/peers/jsreport.ts), and the bulk run's ratio to it.
 */
import pg from 'pg';
import { ApiClient } from '../test/helpers/api-client.js';
import { PROJECT_ROOT } from '../test/helpers/service.js';
import { commitLine, machineLine, startBenchService } from './lib/bench-service.js';
import { fixed, markdownTable } from './lib/table.js';
import { startWebhookReceiver } from './lib/webhook-receiver.js';
import { megabytes, processMemory, workerPid } from './lib/worker-memory.js';
import { BENCH_LOCALE, checkSucceeded, measureInvoices } from './reportflow-runs.js';
import { buildInvoicePages, type InvoiceTemplate } from './invoice-pages.js';
import type { Summary } from './lib/stats.js';

export interface BulkBenchOptions {
  /** Invoices the bulk run makes (at least; the period ends on the day that reaches it). */
  count: number;
  /** Documents in production at once (the request's `concurrency`). */
  concurrency: number;
  databaseUrl: string | undefined;
  log: (line: string) => void;
  /** The peer to measure after the service stopped, on the bench's invoice pages (with `--peers`), and its table name. */
  peer?: { name: string; measure: (template: InvoiceTemplate) => Promise<Summary> };
}

/** First day of the bulk period: the start of the Online Retail data. */
const FROM_DATE = '2010-12-01';
/** How often the bulk request's progress is read, in ms. */
const POLL_MS = 500;

export async function runBulkBench(options: BulkBenchOptions): Promise<void> {
  const { log } = options;
  log(`reportflow bulk bench · ${commitLine(PROJECT_ROOT)} · ${options.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'} · ${options.count} invoices, concurrency ${options.concurrency}`);
  log(`start: ${new Date().toISOString()}, ${machineLine()}`);
  const hook = await startWebhookReceiver();
  const service = await startBenchService(options.databaseUrl);
  let stopped = false;
  try {
    const api = new ApiClient(service.apiUrl, service.apiKey);
    const pid = await workerPid(service);
    const toDate = await periodEnd(service.databaseUrl, options.count);
    log('single requests: invoice PDFs, 1 at a time and 8 concurrent…');
    const c1 = await measureInvoices(api, hook, { concurrency: 1, warmup: 3, runs: 20 });
    const c8 = await measureInvoices(api, hook, { concurrency: 8, warmup: 8, runs: 40 });
    await checkSucceeded(api, [...c1.ids, ...c8.ids]);

    log(`bulk: every invoice from ${FROM_DATE} to ${toDate}…`);
    const started = Date.now();
    const created = await api.post('/v1/report-bulk-requests', {
      report_code: 'INVOICE', format: 'PDF', ...BENCH_LOCALE, concurrency: options.concurrency,
      parameter_values: [{ name: 'from_date', value: FROM_DATE }, { name: 'to_date', value: toDate }],
    });
    if (created.status !== 202) throw new Error(`bulk request refused: ${created.status} ${JSON.stringify(created.body)}`);
    const id = String(created.body.id);
    let view: Record<string, unknown> = created.body;
    let lastLog = 0;
    while (view.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      view = (await api.get(`/v1/report-bulk-requests/${id}`)).body;
      if (Date.now() - lastLog > 15_000) {
        log(`  ${String(view.ended)} of ${String(view.total)} ended after ${fixed((Date.now() - started) / 1000)} s`);
        lastLog = Date.now();
      }
    }
    const wallMs = Date.now() - started;
    if (view.status !== 'SUCCEEDED') throw new Error(`bulk run ended ${String(view.status)}: ${JSON.stringify(view)}`);
    const docs = Number(view.succeeded);
    const memory = processMemory(pid);
    const template = options.peer ? await buildInvoicePages(service.databaseUrl) : undefined;
    // The peer runs alone on the machine, as in `npm run bench -- --peers`.
    await service.stop();
    stopped = true;
    const peer = options.peer && template ? await options.peer.measure(template) : undefined;
    log(`end: ${new Date().toISOString()}, ${machineLine()}\n`);
    const bulkPerSecond = docs / (wallMs / 1000);
    log(markdownTable(['figure', 'documents', 'wall', 'documents/s', 'ratio to single, 1 at a time'], [
      ['invoice PDF, single requests, 1 at a time (POST → webhook)', String(c1.summary.runs), `${fixed(c1.summary.wallMs / 1000, 1)} s`, fixed(c1.summary.perSecond, 2), '1.00'],
      ['invoice PDF, single requests, 8 concurrent (POST → webhook)', String(c8.summary.runs), `${fixed(c8.summary.wallMs / 1000, 1)} s`, fixed(c8.summary.perSecond, 2), fixed(c8.summary.perSecond / c1.summary.perSecond, 2)],
      [`invoice PDFs, one bulk request, concurrency ${options.concurrency} (POST → SUCCEEDED)`, String(docs), `${fixed(wallMs / 1000, 1)} s`, fixed(bulkPerSecond, 2), fixed(bulkPerSecond / c1.summary.perSecond, 2)],
      ...(peer && options.peer ? [[`${options.peer.name}, 8 concurrent, same invoice HTML`, String(peer.runs), `${fixed(peer.wallMs / 1000, 1)} s`, fixed(peer.perSecond, 2), fixed(peer.perSecond / c1.summary.perSecond, 2)]] : []),
    ]));
    if (peer && options.peer) log(`\nbulk documents/s ÷ ${options.peer.name} PDFs/s at 8 concurrent: ${fixed(bulkPerSecond / peer.perSecond, 2)} ×`);
    log(`\nworker RSS now / peak (VmHWM): ${megabytes(memory.rssBytes)} / ${megabytes(memory.peakBytes)} MB`);
  } finally {
    if (!stopped) await service.stop();
    hook.close();
  }
}

/** The last day of the first period from `FROM_DATE` (UTC days) whose invoices number `count` at least. */
async function periodEnd(databaseUrl: string, count: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const perDay = await client.query<{ day: string; n: number }>(
      `SELECT to_char(invoice_date::date, 'YYYY-MM-DD') AS day, count(DISTINCT invoice_no)::int AS n FROM retail.invoice_line WHERE invoice_date >= $1::date GROUP BY 1 ORDER BY 1`,
      [FROM_DATE],
    );
    let total = 0;
    for (const r of perDay.rows) {
      total += r.n;
      if (total >= count) return r.day;
    }
    throw new Error(`the data holds ${total} invoices from ${FROM_DATE}, fewer than ${count}`);
  } finally {
    await client.end();
  }
}
