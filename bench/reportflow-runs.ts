/**
 * reportflow measured as a client sees it: each run is timed from its POST to its final webhook
 * event arriving at a local receiver (the event is sent as soon as the run has ended).
 */
import type { ApiClient } from '../test/helpers/api-client.js';
import type { WebhookReceiver } from './lib/webhook-receiver.js';
import { measure, type MeasureOptions, type Summary } from './lib/stats.js';

/** The invoices every invoice measurement cycles through (one page each), reportflow's and the peers'. */
export const INVOICE_IDS = ['536365', '536366', '536367', '536368', '536369', '536370', '536371', '536372', '536373', '536374'] as const;

/** Language and zone of every benchmark report. */
export const BENCH_LOCALE = { language: 'en', timezone: 'Europe/London' } as const;

/** The full INVOICE_LINES CSV: every line of the Online Retail data (541,909 rows). */
export const FULL_CSV_PERIOD = { from_date: '2010-12-01', to_date: '2011-12-31' } as const;

/** How long one run may take before the benchmark gives up on it, in ms. */
const RUN_TIMEOUT_MS = 600_000;

/** Body of a one-invoice PDF request. */
export function invoiceRequest(invoiceId: string): Record<string, unknown> {
  return { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: invoiceId }], format: 'PDF', ...BENCH_LOCALE };
}

/** Body of the full INVOICE_LINES CSV request (`FULL_CSV_PERIOD`). */
export function fullCsvRequest(): Record<string, unknown> {
  return {
    report_code: 'INVOICE_LINES', format: 'CSV', ...BENCH_LOCALE,
    parameter_values: Object.entries(FULL_CSV_PERIOD).map(([name, value]) => ({ name, value })),
  };
}

/** A run that was POSTed and is not waited for yet. */
export interface StartedRun {
  id: string;
  /** `performance.now()` when its POST was sent, ms. */
  postedAtMs: number;
  /**
   * Resolves with `performance.now()` (ms) at the arrival of its `report.succeeded` event; rejects when it
   * ended otherwise or no event came within 10 minutes. A rejection nobody awaits yet does not crash the
   * process: whoever awaits it later still gets it (several runs are started before any is awaited).
   */
  succeeded: Promise<number>;
}

/**
 * POSTs `body` with the receiver's webhook and returns as soon as the POST is answered.
 * @throws Error when the POST is not answered 201.
 */
export async function startRun(api: Pick<ApiClient, 'post'>, hook: WebhookReceiver, body: Record<string, unknown>): Promise<StartedRun> {
  const postedAtMs = performance.now();
  const res = await api.post('/v1/report-generate-requests', { ...body, notify: { webhook_url: hook.url } });
  if (res.status !== 201) throw new Error(`POST failed: ${res.status} ${JSON.stringify(res.body)}`);
  const id = String(res.body.id);
  const succeeded = hook.arrival(id, RUN_TIMEOUT_MS).then((event) => {
    if (event.type !== 'report.succeeded') throw new Error(`run ${id} ended with ${event.type}`);
    return event.atMs;
  });
  succeeded.catch(() => undefined);
  return { id, postedAtMs, succeeded };
}

/**
 * POSTs `body` with the receiver's webhook and waits for the run's final event.
 * @returns the request id and ms from the POST to the event's arrival.
 * @throws Error when the POST is refused, the run did not succeed, or no event came within 10 minutes.
 */
export async function timeRun(api: Pick<ApiClient, 'post'>, hook: WebhookReceiver, body: Record<string, unknown>): Promise<{ id: string; ms: number }> {
  const run = await startRun(api, hook, body);
  return { id: run.id, ms: (await run.succeeded) - run.postedAtMs };
}

/** Invoice PDFs at `options.concurrency` clients, cycling through `INVOICE_IDS`. */
export async function measureInvoices(api: ApiClient, hook: WebhookReceiver, options: MeasureOptions): Promise<{ summary: Summary; ids: string[] }> {
  const ids: string[] = [];
  const summary = await measure(options, async (i) => {
    ids.push((await timeRun(api, hook, invoiceRequest(INVOICE_IDS[i % INVOICE_IDS.length]!))).id);
  });
  return { summary, ids };
}

/**
 * The full INVOICE_LINES CSV, one warm-up run and then `runs` runs one after another.
 * @returns ms from POST to webhook of each measured run (in order), rows and bytes of the file.
 */
export async function measureFullCsv(api: ApiClient, hook: WebhookReceiver, runs: number): Promise<{ ms: number[]; rows: number; sizeBytes: number }> {
  await timeRun(api, hook, fullCsvRequest());
  const ms: number[] = [];
  let id = '';
  for (let i = 0; i < runs; i++) {
    const run = await timeRun(api, hook, fullCsvRequest());
    ms.push(run.ms);
    id = run.id;
  }
  const report = (await checkSucceeded(api, [id]))[0]!;
  return { ms, rows: report.rows, sizeBytes: report.size_bytes };
}

/**
 * Reads every run back with GET and checks it SUCCEEDED, after the timing (so polling never loads a measurement).
 * @returns each run's `report` (rows, size_bytes, pages…), in order.
 * @throws Error naming the first run that did not succeed.
 */
export async function checkSucceeded(api: ApiClient, ids: readonly string[]): Promise<{ rows: number; size_bytes: number; pages?: number }[]> {
  const reports = [];
  for (const id of ids) {
    const res = await api.get(`/v1/report-generate-requests/${id}`);
    if (res.status !== 200 || res.body.status !== 'SUCCEEDED') throw new Error(`run ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    reports.push(res.body.report as { rows: number; size_bytes: number; pages?: number });
  }
  return reports;
}
