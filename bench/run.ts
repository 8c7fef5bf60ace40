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
import { startService } from '../test/helpers/service.js';
import { ApiClient } from '../test/helpers/api-client.js';
import { FULL_CSV, invoicePdf, percentile, timeRun, webhookReceiver } from './measure.js';

const WARMUP = 5;
const RUNS = Number(process.argv[2] ?? 50);

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

const t0 = Date.now();
const hook = await webhookReceiver();
// The receiver is on loopback, which webhooks may reach only when allow-listed.
const service = await startService({ databaseUrl: process.env.DATABASE_URL, echo: false, env: { REPORTFLOW_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
console.log(`service up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${process.env.DATABASE_URL ? 'PostgreSQL via DATABASE_URL' : 'embedded PGlite'})`);
try {
  const api = new ApiClient(service.apiUrl, service.apiKey);
  const invoices = ['536365', '536366', '536367', '536368', '536369', '536370', '536371', '536372', '536373', '536374'];
  for (let i = 0; i < WARMUP; i++) await timeRun(api, hook, invoicePdf(invoices[i % invoices.length]!));
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) latencies.push((await timeRun(api, hook, invoicePdf(invoices[i % invoices.length]!))).ms);
  latencies.sort((a, b) => a - b);
  console.log(`invoice PDF, POST → report.succeeded webhook over ${RUNS} runs: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms (target p50 ≤ 300 ms)`);

  const pid = workerPid(service.pid);
  const before = memoryMiB(pid);
  let sampledMax = before.rss;
  const sampler = setInterval(() => (sampledMax = Math.max(sampledMax, memoryMiB(pid).rss)), 100);
  const csv = await timeRun(api, hook, FULL_CSV);
  clearInterval(sampler);
  const afterMem = memoryMiB(pid);
  const report = csv.final.report as Record<string, number>;
  console.log(`full CSV (${report.rows} rows, ${(report.size_bytes! / 1024 / 1024).toFixed(1)} MiB): ${(csv.ms / 1000).toFixed(2)} s POST → report.succeeded webhook (target ≤ 10 s)`);
  console.log(`worker RSS: ${before.rss.toFixed(0)} MiB before, ${sampledMax.toFixed(0)} MiB max sampled during the CSV run, ${afterMem.peak.toFixed(0)} MiB peak since worker start (VmHWM) (target ≤ 300 MB)`);
} finally {
  await service.stop();
  hook.close();
}
