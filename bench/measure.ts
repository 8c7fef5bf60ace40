/**
 * What the benchmarks share: percentiles, a local receiver of `report.succeeded` webhooks, and the
 * timing of one run from its POST to that webhook (timing by webhook rather than by polling GET keeps
 * the measurement from loading the 2 cores it measures).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../test/helpers/api-client.js';

/** The `p`-th percentile (nearest rank) of ascending `sorted`; NaN when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `p50 / p95 / max` of `ms` (any order) in whole ms, e.g. `12 / 48 / 310 ms`. */
export function summary(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const f = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(0));
  return `${f(percentile(sorted, 50))} / ${f(percentile(sorted, 95))} / ${f(sorted.at(-1) ?? Number.NaN)} ms`;
}

/**
 * A local webhook receiver: `arrival(id)` resolves with the time (performance.now, ms) the
 * `report.succeeded` event of run `id` came, and rejects when its `report.failed` or `report.cancelled` came.
 */
export interface WebhookReceiver {
  url: string;
  arrival(id: string): Promise<number>;
  close(): void;
}

/** Starts a {@link WebhookReceiver} on a free loopback port (the service must allow-list 127.0.0.1). */
export async function webhookReceiver(): Promise<WebhookReceiver> {
  const waiting = new Map<string, { resolve(t: number): void; reject(err: Error): void }>();
  const arrived = new Map<string, number | Error>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = performance.now();
      res.end();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request_id: string; type: string };
      const outcome = event.type === 'report.succeeded' ? t : new Error(`run ${event.request_id}: ${event.type}`);
      arrived.set(event.request_id, outcome);
      const waiter = waiting.get(event.request_id);
      if (typeof outcome === 'number') waiter?.resolve(outcome);
      else waiter?.reject(outcome);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrival: (id) => new Promise((resolve, reject) => {
      const outcome = arrived.get(id);
      if (outcome === undefined) waiting.set(id, { resolve, reject });
      else if (typeof outcome === 'number') resolve(outcome);
      else reject(outcome);
    }),
    close: () => server.close(),
  };
}

/** A started run: its id, when its POST was sent and answered (performance.now, ms), and its webhook's arrival. */
export interface StartedRun {
  id: string;
  postedAt: number;
  answeredAt: number;
  /** Resolves with the `report.succeeded` webhook's arrival time; rejects on a failure event or after 10 minutes without one. */
  succeeded: Promise<number>;
}

/**
 * POSTs `body` with the receiver's webhook and returns at once with the run's id.
 * @throws Error when the POST is not answered 201.
 */
export async function startRun(api: ApiClient, hook: WebhookReceiver, body: Record<string, unknown>): Promise<StartedRun> {
  const postedAt = performance.now();
  const res = await api.post('/v1/report-generate-requests', { ...body, notify: { webhook_url: hook.url } });
  const answeredAt = performance.now();
  if (res.status !== 201) throw new Error(`POST failed: ${res.status} ${JSON.stringify(res.body)}`);
  const id = String(res.body.id);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no webhook for ${id} in 10 min`)), 600_000).unref());
  return { id, postedAt, answeredAt, succeeded: Promise.race([hook.arrival(id), timeout]) };
}

/**
 * Runs `body` to its webhook and checks its final status with GET.
 * @returns ms from POST to the `report.succeeded` webhook, and the final GET body.
 * @throws Error when the POST fails, no webhook comes within 10 minutes, or the run did not succeed.
 */
export async function timeRun(api: ApiClient, hook: WebhookReceiver, body: Record<string, unknown>): Promise<{ ms: number; final: Record<string, unknown> }> {
  const run = await startRun(api, hook, body);
  const ms = (await run.succeeded) - run.postedAt;
  const { final } = await api.waitForRun(run.id, { intervalMs: 200, timeoutMs: 60_000 });
  if (final.status !== 'SUCCEEDED') throw new Error(`run failed: ${JSON.stringify(final)}`);
  return { ms, final };
}

/** The request body of a CSV of all 541,909 Online Retail lines (INVOICE_LINES over the whole dataset). */
export const FULL_CSV = {
  report_code: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London',
  parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-31' }],
} as const;

/** The request body of a one-invoice PDF. */
export function invoicePdf(invoiceId: string): Record<string, unknown> {
  return { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: invoiceId }], format: 'PDF', language: 'en', timezone: 'Europe/London' };
}
