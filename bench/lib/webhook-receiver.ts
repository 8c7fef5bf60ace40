/**
 * A local receiver of reportflow's webhooks, for timing runs end to end (POST → the run's final event)
 * without polling the API, which would load the cores being measured. Signatures are not checked:
 * the receiver listens on loopback only and serves nothing back.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A run's final event as it arrived: its type and `performance.now()` at arrival (ms). */
export interface Arrival {
  type: string;
  atMs: number;
}

export interface WebhookReceiver {
  /** The URL to give as `notify.webhook_url` (loopback, so the service needs `REPORTFLOW_WEBHOOK_ALLOW_HOSTS=127.0.0.1`). */
  url: string;
  /**
   * Resolves with the final event of request `id` (`report.succeeded`, `report.failed` or `report.cancelled`),
   * also when it arrived before the call.
   * @throws Error when none arrives within `timeoutMs`.
   */
  arrival(id: string, timeoutMs: number): Promise<Arrival>;
  close(): void;
}

/** Starts a receiver on a free loopback port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const waiting = new Map<string, (a: Arrival) => void>();
  const arrived = new Map<string, Arrival>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const atMs = performance.now();
      res.end();
      let event: { request_id?: string; type?: string };
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof event;
      } catch {
        return;
      }
      if (!event.request_id || !event.type) return;
      const arrival = { type: event.type, atMs };
      arrived.set(event.request_id, arrival);
      waiting.get(event.request_id)?.(arrival);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrival: (id, timeoutMs) =>
      new Promise((resolve, reject) => {
        const already = arrived.get(id);
        if (already) return resolve(already);
        const timer = setTimeout(() => reject(new Error(`no webhook for ${id} within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(id, (a) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(a);
        });
      }),
    close: () => server.close(),
  };
}
