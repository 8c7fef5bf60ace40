/**
 * `npm run bench`: starts the service as a user does and prints
 *  1. end-to-end latency of a one-invoice PDF, POST → the `report.succeeded` webhook arriving at a
 *     local receiver (sent as soon as the run is SUCCEEDED; timing by webhook rather than by polling GET
 *     keeps the measurement from loading the 2 cores it measures): p50/p95/max over 50 sequential runs
 *     after 5 warm-up runs;
 *  2. time (POST → webhook) and the worker process's peak RSS (VmHWM from /proc, bytes → MiB) for a
 *     CSV of all 541,909 Online Retail lines.
 * Every run's final status is then checked with GET (SUCCEEDED).
 * Set DATABASE_URL to measure against a real PostgreSQL instead of the embedded PGlite server.
 * Design targets (issue #2): invoice PDF p50 ≤ 300 ms; full CSV ≤ 10 s with worker RSS ≤ 300 MB.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startService } from '../test/helpers/service.js';
import { ApiClient } from '../test/helpers/api-client.js';

const WARMUP = 5;
const RUNS = Number(process.argv[2] ?? 50);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** PID of the worker child of the `npm start` process. */
function workerPid(startPid: number): number {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  const args = new Map<number, string>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [pid, ppid] = [Number(m[1]), Number(m[2])];
    args.set(pid, m[3]!);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const queue = [startPid];
  while (queue.length) {
    const pid = queue.shift()!;
    if (args.get(pid)?.includes('src/main/worker.ts')) return pid;
    queue.push(...(children.get(pid) ?? []));
  }
  throw new Error('worker process not found');
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** A local webhook receiver: resolves `arrival(id)` with the time (performance.now) its event came. */
async function webhookReceiver(): Promise<{ url: string; arrival(id: string): Promise<number>; close(): void }> {
  const waiting = new Map<string, (t: number) => void>();
  const arrived = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = performance.now();
      res.end();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request_id: string; type: string };
      if (event.type !== 'report.succeeded') return;
      arrived.set(event.request_id, t);
      waiting.get(event.request_id)?.(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrival: (id) => new Promise((resolve) => (arrived.has(id) ? resolve(arrived.get(id)!) : waiting.set(id, resolve))),
    close: () => server.close(),
  };
}

async function timeRun(api: ApiClient, hook: Awaited<ReturnType<typeof webhookReceiver>>, body: Record<string, unknown>): Promise<{ ms: number; final: Record<string, unknown> }> {
  const t0 = performance.now();
  const res = await api.post('/v1/report-generate-requests', { ...body, notify: { webhook_url: hook.url } });
  if (res.status !== 201) throw new Error(`POST failed: ${res.status} ${JSON.stringify(res.body)}`);
  const id = String(res.body.id);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no webhook for ${id} in 10 min`)), 600_000).unref());
  const ms = (await Promise.race([hook.arrival(id), timeout])) - t0;
  const { final } = await api.waitForRun(id, { intervalMs: 200, timeoutMs: 60_000 });
  if (final.status !== 'SUCCEEDED') throw new Error(`run failed: ${JSON.stringify(final)}`);
  return { ms, final };
}

const t0 = Date.now();
const hook = await webhookReceiver();
// The receiver is on loopback, which webhooks may reach only when allow-listed.
const service = await startService({ databaseUrl: process.env.DATABASE_URL, echo: false, env: { REPORTFLOW_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
console.log(`service up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${process.env.DATABASE_URL ? 'PostgreSQL via DATABASE_URL' : 'embedded PGlite'})`);
try {
  const api = new ApiClient(service.apiUrl, service.apiKey);
  const invoice = (id: string) => ({ report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: id }], format: 'PDF', language: 'en', timezone: 'Europe/London' });
  const invoices = ['536365', '536366', '536367', '536368', '536369', '536370', '536371', '536372', '536373', '536374'];
  for (let i = 0; i < WARMUP; i++) await timeRun(api, hook, invoice(invoices[i % invoices.length]!));
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) latencies.push((await timeRun(api, hook, invoice(invoices[i % invoices.length]!))).ms);
  latencies.sort((a, b) => a - b);
  console.log(`invoice PDF, POST → report.succeeded webhook over ${RUNS} runs: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms (target p50 ≤ 300 ms)`);

  const pid = workerPid(service.pid);
  const before = memoryMiB(pid);
  let sampledMax = before.rss;
  const sampler = setInterval(() => (sampledMax = Math.max(sampledMax, memoryMiB(pid).rss)), 100);
  const csv = await timeRun(api, hook, {
    report_code: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London',
    parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-31' }],
  });
  clearInterval(sampler);
  const afterMem = memoryMiB(pid);
  const report = csv.final.report as Record<string, number>;
  console.log(`full CSV (${report.rows} rows, ${(report.size_bytes! / 1024 / 1024).toFixed(1)} MiB): ${(csv.ms / 1000).toFixed(2)} s POST → report.succeeded webhook (target ≤ 10 s)`);
  console.log(`worker RSS: ${before.rss.toFixed(0)} MiB before, ${sampledMax.toFixed(0)} MiB max sampled during the CSV run, ${afterMem.peak.toFixed(0)} MiB peak since worker start (VmHWM) (target ≤ 300 MB)`);
} finally {
  await service.stop();
  hook.close();
}
