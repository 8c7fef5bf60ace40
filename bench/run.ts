/**
 * `npm run bench [-- options]`: the figures of issue 11, measured side by side in one run, printed as
 * one Markdown table of figures and one of the goals (measured ratio vs target, met or not).
 *
 * Always (reportflow, started as `npm start` does, on `DATABASE_URL` or the embedded engine):
 * - invoice PDF, POST → `report.succeeded` webhook at a local receiver, at 1 request at a time
 *   (p50/p95/max, PDFs/s) and at 8 concurrent clients (PDFs/s, p50/p95), after a warm-up;
 * - the full INVOICE_LINES CSV (541,909 rows), POST → webhook: `--csv-runs` runs (3) after a warm-up, median;
 * - the worker process's resident memory: idle at start, 5 s and 30 s after the runs (`idleRss`), peak (VmHWM);
 * - where the CPU went during the 8-concurrent invoices, in CPU ms per PDF: Chromium, the worker's main,
 *   workflow and other threads, the Temporal server, the API, the database, the benchmark itself, the rest
 *   of the machine (bench/lib/process-cpu.ts).
 * With `--peers`, in the same run (bench/peers/, installed on first use):
 * - PostgreSQL's `COPY (<the report's query>) TO STDOUT (FORMAT csv)` of the same rows (on the embedded
 *   engine too, when its socket server takes COPY; else it says why it is skipped);
 * - jsreport-core in this process (handlebars + chrome-pdf), the same template, helpers and data, at 1 and 8;
 * - raw Puppeteer on reportflow's HTML: a new page per PDF, and page reuse, at 1 and 8;
 * - Temporal's floor: the least durable run (two search-attribute upserts, one local activity) on the
 *   service's Temporal server, 8 at a time, with the server's CPU per run and the client's and worker's
 *   (bench/temporal-floor/), measured while the service is still up and idle.
 * The peers run after the service has stopped, so they have the machine to themselves.
 * `--subscriptions N` instead measures N subscriptions due at the same minute (bench/subscriptions.ts);
 * `--bulk N` a bulk run of N invoice PDFs beside single requests (bench/bulk.ts; with `--peers`, and jsreport-core at 8).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/settings.js';
import { findChromium } from '../src/render/pdf/find-chromium.js';
import { ApiClient } from '../test/helpers/api-client.js';
import { PROJECT_ROOT, type RunningService } from '../test/helpers/service.js';
import { goalRows, type Figures } from './goals.js';
import { buildInvoicePages, type InvoiceTemplate } from './invoice-pages.js';
import { commitLine, machineLine, startBenchService } from './lib/bench-service.js';
import { measure, percentile, type MeasureOptions, type Summary } from './lib/stats.js';
import { cpuWindow, type ServicePids } from './lib/process-cpu.js';
import { fixed, markdownTable } from './lib/table.js';
import { startWebhookReceiver } from './lib/webhook-receiver.js';
import { idleRss, megabytes, processMemory, workerPid } from './lib/worker-memory.js';
import { ensurePeersInstalled } from './peers/install.js';
import { checkSameHtml, startJsreport } from './peers/jsreport.js';
import { copyFullCsv, type CopyFigure } from './peers/pg-copy.js';
import { startRawPuppeteer, type PageMode } from './peers/raw-puppeteer.js';
import { checkSucceeded, measureFullCsv, measureInvoices } from './reportflow-runs.js';
import { runSubscriptionsBench } from './subscriptions.js';
import { runBulkBench } from './bulk.js';
import { measureTemporalFloor } from './temporal-floor/measure.js';

const HELP = `npm run bench [-- options]
  --peers                 also measure jsreport-core, raw Puppeteer and PostgreSQL COPY (installs bench/peers on first use)
  --runs N                invoice PDFs measured at 1 at a time (default 50, after 5 warm-up runs)
  --concurrent-runs N     invoice PDFs measured at 8 concurrent (default 80, after 16 warm-up runs)
  --csv-runs N            full CSVs measured, and COPYs of the same rows (default 3 each, after 1 warm-up; the median is compared)
  --jsreport-browsers N   Chromium instances of jsreport's pool (default: REPORTFLOW_PDF_MAX_PAGES, 4, capped at the concurrency)
  --subscriptions N       instead: N subscriptions due at the same minute (see bench/subscriptions.ts)
  --due-in S              with --subscriptions: seconds from the first creation to the due minute at least (default: estimated)
  --timeout S             with --subscriptions: give up S seconds after the due time (default 900)
  --bulk N                instead: one bulk request of N invoice PDFs, beside single requests (see bench/bulk.ts); with --peers also jsreport-core at 8 concurrent
  --bulk-concurrency N    with --bulk: documents in production at once (default 8)
Set DATABASE_URL to run reportflow on that PostgreSQL instead of the embedded engine.`;

const { values: args } = parseArgs({
  options: {
    peers: { type: 'boolean', default: false },
    runs: { type: 'string', default: '50' },
    'concurrent-runs': { type: 'string', default: '80' },
    'csv-runs': { type: 'string', default: '3' },
    'jsreport-browsers': { type: 'string' },
    subscriptions: { type: 'string' },
    'due-in': { type: 'string' },
    timeout: { type: 'string', default: '900' },
    bulk: { type: 'string' },
    'bulk-concurrency': { type: 'string', default: '8' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const config = loadConfig();
const log = (line: string) => console.log(line);

if (args.subscriptions !== undefined) {
  await runSubscriptionsBench({
    count: positive(args.subscriptions, '--subscriptions'),
    dueInSeconds: args['due-in'] === undefined ? undefined : positive(args['due-in'], '--due-in'),
    timeoutSeconds: positive(args.timeout, '--timeout'),
    databaseUrl: config.databaseUrl,
    log,
  });
} else if (args.bulk !== undefined) {
  const chromium = args.peers ? peersChromium() : undefined;
  const concurrent = concurrentOptions();
  await runBulkBench({
    count: positive(args.bulk, '--bulk'), concurrency: positive(args['bulk-concurrency'], '--bulk-concurrency'), databaseUrl: config.databaseUrl, log,
    ...(chromium ? { peer: { name: `jsreport-core (${jsreportBrowsers(8)} Chromium)`, measure: (template: InvoiceTemplate) => measureJsreport(concurrent, chromium, template) } } : {}),
  });
} else {
  await runBench();
}

/** The 8-concurrent measurement (`--concurrent-runs` after 16 warm-up runs). */
function concurrentOptions(): MeasureOptions {
  return { concurrency: 8, warmup: 16, runs: positive(args['concurrent-runs']!, '--concurrent-runs') };
}

/** The Chromium the peers print with, once they are installed (`--peers`). @throws Error when there is none. */
function peersChromium(): string {
  const chromium = findChromium(config)?.path;
  if (!chromium) throw new Error('no Chromium found for the peers (set PUPPETEER_EXECUTABLE_PATH)');
  ensurePeersInstalled(log);
  return chromium;
}

function positive(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

async function runBench(): Promise<void> {
  const sequential: MeasureOptions = { concurrency: 1, warmup: 5, runs: positive(args.runs!, '--runs') };
  const csvRuns = positive(args['csv-runs']!, '--csv-runs');
  const concurrent = concurrentOptions();
  const chromium = args.peers ? peersChromium() : findChromium(config)?.path;
  const engine = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite';
  log(`reportflow bench · ${commitLine(PROJECT_ROOT)} · ${engine} · Node ${process.version}${chromium ? ` · ${chromiumVersion(chromium)}` : ''}`);
  log(`start: ${new Date().toISOString()}, ${machineLine()}`);

  const hook = await startWebhookReceiver();
  const t0 = Date.now();
  const service = await startBenchService(config.databaseUrl);
  log(`service up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let figures: Figures;
  const rows: string[][] = [];
  let template: InvoiceTemplate | undefined;
  let copy: (Omit<CopyFigure, 'ms'> & { ms: number[] }) | string | undefined;
  let copyLoad = '';
  let cpuRows: string[][] | undefined;
  try {
    const api = new ApiClient(service.apiUrl, service.apiKey);
    const pid = await workerPid(service);
    const idleAtStart = processMemory(pid).rssBytes;
    const rfName = 'reportflow invoice PDF, POST → webhook';
    log('reportflow: invoice PDFs, 1 at a time…');
    const c1 = await recorded(rows, () => measureInvoices(api, hook, sequential), (r) => pdfRow(rfName, r.summary));
    log('reportflow: invoice PDFs, 8 concurrent…');
    const cpu = await cpuObserver(service, pid);
    const c8 = await recorded(rows, () => measureInvoices(api, hook, { ...concurrent, observe: cpu }), (r) => pdfRow(rfName, r.summary));
    cpuRows = cpu.perRun(c8.summary.runs);
    log('reportflow: full CSV…');
    const csv = await recorded(rows, () => measureFullCsv(api, hook, csvRuns), (r) => [
      `reportflow full CSV, POST → webhook (${r.rows.toLocaleString('en')} rows, ${megabytes(r.sizeBytes)} MB)`, '1', String(csvRuns), secondsOf(r.ms),
    ]);
    const idleAfter = await idleRss(pid);
    const after = processMemory(pid);
    rows.push(['reportflow worker RSS: idle at start / 5 s after the runs / 30 s after / peak (VmHWM)', '', '', `${megabytes(idleAtStart)} / ${megabytes(idleAfter.firstBytes)} / ${megabytes(idleAfter.lastBytes)} / ${megabytes(after.peakBytes)} MB`, '']);
    const pages = (await checkSucceeded(api, [...c1.ids, ...c8.ids])).map((r) => r.pages);
    if (pages.some((p) => p !== 1)) throw new Error(`an invoice PDF was not one page: ${JSON.stringify([...new Set(pages)])}`);
    figures = {
      reportflow: { c1: c1.summary, c8: c8.summary, csvMs: medianOf(csv.ms), rssIdleBytes: Math.max(idleAtStart, idleAfter.lastBytes), rssPeakBytes: after.peakBytes },
      copyOnPostgres: config.databaseUrl !== undefined,
    };
    if (args.peers) {
      log('peers: PostgreSQL COPY of the same rows, and the invoices as reportflow renders them…');
      const before = loadNow();
      copy = await copyRuns(service.databaseUrl, csvRuns).catch((err: Error) => `skipped: ${err.message.split('\n')[0]}`);
      copyLoad = `${before} → ${loadNow()}`;
      template = await buildInvoicePages(service.databaseUrl);
      log('Temporal floor: the least durable run, on the service\'s Temporal server…');
      const floorRuns = Math.max(200, concurrent.runs);
      const pids = await servicePids(service, pid);
      await recorded(rows, () => measureTemporalFloor({ address: service.temporalAddress, namespace: config.temporalNamespace, pids }, { ...concurrent, runs: floorRuns }), (r) => [
        'Temporal floor: a workflow of two search-attribute upserts and one local activity, start → result (worker in the benchmark\'s process)',
        '8', String(floorRuns),
        `${fixed(r.summary.perSecond, 1)} runs/s · CPU per run: Temporal server ${fixed(r.serverMs, 1)} ms, client and worker ${fixed(r.clientAndWorkerMs, 1)} ms, every process ${fixed(r.allMs, 1)} ms`,
      ]);
    }
  } finally {
    await service.stop();
    hook.close();
  }

  if (template && chromium) {
    const copyName = `${config.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'} COPY (query) TO STDOUT (FORMAT csv) into a file`;
    if (typeof copy === 'string') rows.push([copyName, '', '', copy, '']);
    else if (copy) {
      rows.push([`${copyName} (${copy.rows.toLocaleString('en')} rows, ${megabytes(copy.sizeBytes)} MB)`, '1', String(csvRuns), secondsOf(copy.ms), copyLoad]);
      figures.copyMs = medianOf(copy.ms);
    }
    const jsreportName = (c: number) => `jsreport-core (handlebars + chrome-pdf), in process, ${jsreportBrowsers(c)} Chromium`;
    figures.jsreport = {
      c1: await recorded(rows, () => measureJsreport(sequential, chromium, template), (r) => pdfRow(jsreportName(1), r)),
      c8: await recorded(rows, () => measureJsreport(concurrent, chromium, template), (r) => pdfRow(jsreportName(8), r)),
    };
    for (const mode of ['new-page', 'reuse'] as const) {
      const name = mode === 'reuse' ? 'raw Puppeteer, page reuse (setContent + pdf)' : 'raw Puppeteer, new page per PDF';
      await recorded(rows, () => measurePuppeteer(mode, sequential, chromium, template), (r) => pdfRow(name, r));
      const c8 = await recorded(rows, () => measurePuppeteer(mode, concurrent, chromium, template), (r) => pdfRow(name, r));
      if (mode === 'reuse') figures.puppeteerReuse = { c8 };
    }
  }
  log(`end: ${new Date().toISOString()}, ${machineLine()}\n`);
  log(markdownTable(['figure', 'concurrency', 'runs', 'result', 'load average'], rows));
  log('');
  log(`Where the CPU went while reportflow made invoice PDFs 8 at a time (${os.cpus().length} cores: at full use, ${os.cpus().length} × 1000 ÷ the total = the most PDFs/s they allow):`);
  log(markdownTable(['part', 'CPU ms per PDF', 'share'], cpuRows ?? []));
  log('');
  log(markdownTable(['goal (issue 11)', 'measured', 'target', 'verdict'], goalRows(figures)));
}

/**
 * Snapshots every process's CPU (and the worker's threads') as the measured runs start and end;
 * `perRun(n)` gives the split as table rows: part, CPU ms per run, share of the total.
 */
async function cpuObserver(service: RunningService, worker: number) {
  const window = cpuWindow(await servicePids(service, worker));
  return {
    start: window.start,
    end: window.end,
    perRun(runs: number): string[][] {
      const shares = window.shares();
      if (!shares.length) return [];
      const total = shares.reduce((sum, s) => sum + s.ms, 0);
      return [
        ...shares.map((s) => [s.part, fixed(s.ms / runs, 1), `${Math.round((100 * s.ms) / total)} %`]),
        ['total', fixed(total / runs, 1), '100 %'],
      ];
    },
  };
}

/** The service's processes by role, and this process as the benchmark's. */
async function servicePids(service: RunningService, worker: number): Promise<ServicePids> {
  const children = await service.children();
  return { worker, bench: process.pid, api: children.get('api')?.pid, temporal: children.get('temporal')?.pid, embeddedDb: children.get('embedded-db')?.pid };
}

/** PostgreSQL's COPY of the full CSV: one warm-up, then `runs` in a row; ms of each, rows and bytes of the last. */
async function copyRuns(databaseUrl: string, runs: number): Promise<Omit<CopyFigure, 'ms'> & { ms: number[] }> {
  await copyFullCsv(databaseUrl);
  const ms: number[] = [];
  let last: CopyFigure | undefined;
  for (let i = 0; i < runs; i++) {
    last = await copyFullCsv(databaseUrl);
    ms.push(last.ms);
  }
  return { ...last!, ms };
}

/** Median (nearest rank) of `values`. @throws RangeError on an empty list. */
function medianOf(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** `1.05 s (median; 0.99–1.10)` of runs in ms. */
function secondsOf(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return ms.length === 1 ? `${fixed(sorted[0]! / 1000, 2)} s` : `${fixed(medianOf(ms) / 1000, 2)} s (median; ${fixed(sorted[0]! / 1000, 2)}–${fixed(sorted.at(-1)! / 1000, 2)})`;
}

/** The 1-minute load average now: how busy the machine was around a figure. */
function loadNow(): string {
  return os.loadavg()[0]!.toFixed(1);
}

/** Runs `fn` and adds `row(its result)` to `rows` with the load average before → after it. */
async function recorded<T>(rows: string[][], fn: () => Promise<T>, row: (value: T) => string[]): Promise<T> {
  const before = loadNow();
  const value = await fn();
  rows.push([...row(value), `${before} → ${loadNow()}`]);
  return value;
}

function pdfRow(name: string, s: Summary): string[] {
  const latency = s.concurrency === 1 ? `p50 ${fixed(s.p50Ms)} / p95 ${fixed(s.p95Ms)} / max ${fixed(s.maxMs)} ms` : `p50 ${fixed(s.p50Ms)} / p95 ${fixed(s.p95Ms)} ms`;
  return [name, String(s.concurrency), String(s.runs), `${fixed(s.perSecond, 2)} PDFs/s · ${latency}`];
}

async function measureJsreport(options: MeasureOptions, chromiumPath: string, template: InvoiceTemplate): Promise<Summary> {
  const browsers = jsreportBrowsers(options.concurrency);
  log(`peers: jsreport-core, ${options.concurrency} at a time, ${browsers} browser${browsers > 1 ? 's' : ''}…`);
  const peer = await startJsreport({ concurrency: options.concurrency, browsers, chromiumPath, template });
  try {
    await checkSameHtml(peer, template);
    return await measure(options, async (i) => {
      await peer.renderPdf(template.pages[i % template.pages.length]!);
    });
  } finally {
    await peer.close();
  }
}

async function measurePuppeteer(mode: PageMode, options: MeasureOptions, chromiumPath: string, template: InvoiceTemplate): Promise<Summary> {
  log(`peers: raw Puppeteer (${mode}), ${options.concurrency} at a time…`);
  const peer = await startRawPuppeteer(chromiumPath, mode);
  try {
    return await measure(options, async (i, slot) => {
      await peer.print(template.pages[i % template.pages.length]!, slot);
    });
  } finally {
    await peer.close();
  }
}

/** Chromium instances jsreport's pool gets at `concurrency` (see bench/peers/jsreport.ts). */
function jsreportBrowsers(concurrency: number): number {
  return Math.min(concurrency, args['jsreport-browsers'] ? positive(args['jsreport-browsers'], '--jsreport-browsers') : config.pdfMaxConcurrentPages);
}

/** `<its --version line> (<path>)`: which binary every PDF of the run printed with (a headless shell or a full browser). */
function chromiumVersion(chromiumPath: string): string {
  try {
    return `${execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()} (${chromiumPath})`;
  } catch {
    return chromiumPath;
  }
}
