/**
 * `npm run bench:reads`: how fast the API answers reads while large exports stream, and whether ordinary
 * load gets errors. Starts the service as a user does (`npm start`, fresh var/ in a temp dir; set
 * DATABASE_URL for a PostgreSQL instead of the embedded PGlite server), runs 5 invoice PDFs so there are
 * records to read, then prints:
 *  1. idle: API reads from `--readers` clients (default 4) for 3 s with nothing else running;
 *  2. one full CSV (541,909 lines) alone, from POST to its `report.succeeded` webhook;
 *  3. another full CSV, and meanwhile the same reads: GET the CSV's own request (running: record +
 *     Temporal), GET a finished request, list (`GET /v1/report-generate-requests?limit=20`), search
 *     (`POST …/search`);
 *  4. load (skip with `--load-csvs 0`): `--load-csvs` full CSVs (default 20) are posted, then
 *     `--posters` clients (default 40) post invoice PDFs until `--posts` POSTs (default 220) were sent,
 *     while the readers keep reading; prints POST latency and answers by status, the reads, and the time
 *     until the last CSV's webhook.
 * Each reader pauses `--pause-ms` (default 100) between reads, like a client polling. Latencies are
 * p50 / p95 / max in ms, answer to answer; a read that is not 200 counts as an error. The per-key
 * rate limit is lifted for the run (bench/lib/bench-service.ts). Issue "Never down": read p95 ≤ 100 ms
 * during the full CSV.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/settings.js';
import { ApiClient } from '../test/helpers/api-client.js';
import { startBenchService } from './lib/bench-service.js';
import { latencyCell } from './lib/table.js';
import { startWebhookReceiver } from './lib/webhook-receiver.js';
import { checkSucceeded, fullCsvRequest, INVOICE_IDS, invoiceRequest, measureFullCsv, startRun, timeRun, type StartedRun } from './reportflow-runs.js';

const { values: opts } = parseArgs({
  options: {
    readers: { type: 'string', default: '4' },
    'pause-ms': { type: 'string', default: '100' },
    'load-csvs': { type: 'string', default: '20' },
    posters: { type: 'string', default: '40' },
    posts: { type: 'string', default: '220' },
  },
});
const READERS = Number(opts.readers);
const PAUSE_MS = Number(opts['pause-ms']);
const LOAD_CSVS = Number(opts['load-csvs']);
const POSTERS = Number(opts.posters);
const POSTS = Number(opts.posts);

type ReadKind = 'GET running' | 'GET finished' | 'list' | 'search';

/** One read's answer: its kind, HTTP status and ms from send to the whole answer. */
interface Read {
  kind: ReadKind;
  status: number;
  ms: number;
}

/**
 * Runs `READERS` clients reading in turn (GET running when `runningId()` gives one, GET finished, list,
 * search) until `stop()` is called; resolves with every read that was answered before then.
 */
function readers(api: ApiClient, finishedId: string, runningId: () => string | undefined): { stop(): Promise<Read[]> } {
  let stopped = false;
  const reads: Read[] = [];
  const one = async (kind: ReadKind, id?: string): Promise<void> => {
    const t0 = performance.now();
    let status: number;
    try {
      if (kind === 'list') status = (await api.get('/v1/report-generate-requests?limit=20')).status;
      else if (kind === 'search') status = (await api.post('/v1/report-generate-requests/search', { status: ['SUCCEEDED'], report_code: ['INVOICE'], limit: 20 })).status;
      else status = (await api.get(`/v1/report-generate-requests/${id}`)).status;
    } catch {
      status = 0;
    }
    if (!stopped) reads.push({ kind, status, ms: performance.now() - t0 });
  };
  const client = async (offset: number) => {
    for (let i = offset; !stopped; i++) {
      const running = runningId();
      const kinds: ReadKind[] = running ? ['GET running', 'GET finished', 'list', 'search'] : ['GET finished', 'list', 'search'];
      const kind = kinds[i % kinds.length]!;
      await one(kind, kind === 'GET running' ? running : finishedId);
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  };
  const clients = Array.from({ length: READERS }, (_, i) => client(i));
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
      return reads;
    },
  };
}

function printReads(label: string, reads: Read[]): void {
  const errors = reads.filter((r) => r.status !== 200);
  console.log(`  ${label}: ${reads.length} reads, p50 / p95 / max ${latencyCell(reads.map((r) => r.ms))}, ${errors.length} not 200${errors.length ? ` (${countBy(errors.map((r) => r.status))})` : ''}`);
  for (const kind of ['GET running', 'GET finished', 'list', 'search'] as const) {
    const of = reads.filter((r) => r.kind === kind);
    if (of.length) console.log(`    ${kind.padEnd(12)} ${String(of.length).padStart(5)} reads, ${latencyCell(of.map((r) => r.ms))}`);
  }
}

function countBy(values: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([v, n]) => `${v || 'no answer'} ×${n}`).join(', ');
}

/** The service's JSON log lines of level warn or worse, counted by message and error message, most frequent first. */
function logProblems(lines: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const line of lines) {
    let entry: { level?: number; msg?: string; activityType?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line.slice(line.indexOf('{'))) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 40) continue;
    const what = [entry.msg, entry.activityType, entry.err?.message?.slice(0, 120)].filter(Boolean).join(': ');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

const { databaseUrl } = loadConfig();
const t0 = Date.now();
const hook = await startWebhookReceiver();
const service = await startBenchService(databaseUrl);
console.log(`service up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${databaseUrl ? 'PostgreSQL via DATABASE_URL' : 'embedded PGlite'}); ${READERS} readers, ${PAUSE_MS} ms pause`);
try {
  const api = new ApiClient(service.apiUrl, service.apiKey);
  const invoiceIds: string[] = [];
  for (let i = 0; i < 5; i++) invoiceIds.push((await timeRun(api, hook, invoiceRequest(INVOICE_IDS[i]!))).id);
  await checkSucceeded(api, invoiceIds);
  const finishedId = invoiceIds.at(-1)!;

  const idle = readers(api, finishedId, () => undefined);
  await new Promise((r) => setTimeout(r, 3_000));
  printReads('idle, 3 s', await idle.stop());

  const alone = await measureFullCsv(api, hook, 1);
  console.log(`one full CSV alone (after a warm-up run): ${(alone.ms[0]! / 1000).toFixed(2)} s POST → report.succeeded webhook`);

  const csv = await startRun(api, hook, fullCsvRequest());
  const during = readers(api, finishedId, () => csv.id);
  const csvMs = (await csv.succeeded) - csv.postedAtMs;
  const duringReads = await during.stop();
  console.log(`one full CSV with the readers: ${(csvMs / 1000).toFixed(2)} s POST → report.succeeded webhook`);
  printReads('reads during it', duringReads);

  if (LOAD_CSVS > 0) {
    const loadStart = performance.now();
    const csvs: StartedRun[] = [];
    for (let i = 0; i < LOAD_CSVS; i++) csvs.push(await startRun(api, hook, fullCsvRequest()));
    const loadReads = readers(api, finishedId, () => csvs[0]!.id);
    const posts: { status: number; ms: number }[] = [];
    let sent = 0;
    const poster = async () => {
      while (sent < POSTS) {
        const n = sent++;
        const p0 = performance.now();
        const res = await api.post('/v1/report-generate-requests', invoiceRequest(INVOICE_IDS[n % INVOICE_IDS.length]!)).catch(() => ({ status: 0 }));
        posts.push({ status: res.status, ms: performance.now() - p0 });
      }
    };
    await Promise.all(Array.from({ length: POSTERS }, poster));
    const postsDoneMs = performance.now() - loadStart;
    const readsDuringLoad = await loadReads.stop();
    const outcomes = await Promise.allSettled(csvs.map((c) => c.succeeded));
    const lastMs = Math.max(...outcomes.map((o) => (o.status === 'fulfilled' ? o.value : Number.NaN))) - loadStart;
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    console.log(`load: ${LOAD_CSVS} full CSVs posted, then ${POSTERS} clients sent ${posts.length} invoice-PDF POSTs (done ${(postsDoneMs / 1000).toFixed(1)} s after the first CSV's POST)`);
    console.log(`  POSTs: p50 / p95 / max ${latencyCell(posts.map((p) => p.ms))}; answers ${countBy(posts.map((p) => p.status))}`);
    printReads('reads while the POSTs were sent', readsDuringLoad);
    console.log(`  CSVs: last report.succeeded ${(lastMs / 1000).toFixed(1)} s after the first POST${failed ? `; ${failed} without a webhook` : ''}`);
  }
  const problems = logProblems(service.output);
  console.log(`service warnings and errors logged during the run: ${problems.length ? '' : 'none'}`);
  for (const [what, n] of problems) console.log(`  ${n} × ${what}`);
} finally {
  await service.stop();
  hook.close();
}
