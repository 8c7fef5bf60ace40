/**
 * Fault injection through `npm start` (Temporal dev server, embedded database, worker with Chromium,
 * API, all supervised): for each of kill -9 of the worker, of Chromium, of the Temporal dev server
 * (restarted by the supervisor on the same state) and of the embedded database, ten runs mixing invoice
 * PDFs and the full 541,909-line CSV are started and the process is killed at random moments while they
 * run. Every run must end SUCCEEDED exactly once: one workflow execution, one report record, one file
 * (a CSV byte for byte the clean run's; a PDF with the clean run's text, its bytes matching its record),
 * one webhook event id, nothing left in staging, and no Chromium without a live worker.
 *
 * The counts (complete / stuck / duplicated / lost) are printed per fault. The seed of the random kill
 * times is printed too; set FAULT_SEED to replay one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { startService, type RunningService } from '../helpers/service.js';
import { isAlive as alive } from '../../src/platform/process-alive.js';

const run = promisify(execFile);
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
const FULL_CSV = { report_code: 'INVOICE_LINES', format: 'CSV', timezone: 'Europe/London', parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-31' }] };
const INVOICES = ['536365', '536366', 'C536379', '536367'];
const invoicePdf = (invoice: string) => ({ report_code: 'INVOICE', format: 'PDF', timezone: 'Europe/London', parameter_values: [{ name: 'invoice_id', value: invoice }] });

/** mulberry32: a small seeded generator, so a failing schedule of kills can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let service: RunningService;
let hook: Server;
let hookUrl: string;
let temporal: Client;
let connection: Connection;
let sql: pg.Pool;
/** Webhook events received: event id and type per request id. */
const events = new Map<string, { eventId: string; type: string }[]>();
/** The clean runs' results: CSV sha256 and each invoice's PDF text. */
const clean = { csvSha256: '', pdfText: new Map<string, string>() };

/** An API call that rides out the faults a client sees meanwhile (503, refused connections), as a careful client does. */
async function api(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: ReturnType<typeof JSON.parse> }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${service.apiUrl}${url}`, {
        method, headers: { 'x-api-key': service.apiKey, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if ((res.status === 503 || res.status === 502) && attempt < 120) {
        await sleep(1000);
        continue;
      }
      return { status: res.status, body: text ? JSON.parse(text) : {} };
    } catch (err) {
      if (attempt >= 120) throw err;
      await sleep(1000);
    }
  }
}

/** Starts a run; retried with one Idempotency-Key, so a retry never makes a second run. */
async function startRun(body: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/v1/report-generate-requests', { ...body, notify: { webhook_url: hookUrl } }, { 'idempotency-key': randomUUID() });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return String(created.body.id);
}

async function finalState(id: string, timeoutMs: number): Promise<ReturnType<typeof JSON.parse> | undefined> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
    const { status, body } = await api('GET', `/v1/report-generate-requests/${id}`);
    if (status === 200 && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(body.status)) return body;
  }
  return undefined;
}

/** The report file's folder: `<var>/reports/default/<code>/<id>`. */
const reportDir = (code: string, id: string) => path.join(service.varDir, 'reports', 'default', code, id);

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** A PDF's text without what differs between two runs of one report: the request id and when it was generated. */
async function pdfText(file: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-layout', file, '-']);
  return stdout.split('\n').filter((l) => !/Generated|Request/.test(l)).join('\n');
}

/** PIDs of Chromium main processes (no `--type=`) launched by reportflow, with the worker PID in their profile directory. */
async function chromiumMains(): Promise<{ pid: number; owner: number }[]> {
  const found: { pid: number; owner: number }[] = [];
  const marker = `--user-data-dir=${path.join(tmpdir(), 'reportflow-chromium-')}`;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const profile = args.find((a) => a.startsWith(marker));
    const owner = profile ? /reportflow-chromium-(\d+)-/.exec(profile)?.[1] : undefined;
    if (!owner || args.some((a) => a.startsWith('--type='))) continue;
    found.push({ pid: Number(entry), owner: Number(owner) });
  }
  return found;
}


/** The process a fault kills, found now. */
async function victim(fault: string): Promise<number | undefined> {
  if (fault === 'chromium') {
    const worker = (await service.children()).get('worker')?.pid;
    return (await chromiumMains()).find((c) => c.owner === worker)?.pid;
  }
  return (await service.children()).get(fault)?.pid;
}

interface Counts {
  complete: number;
  stuck: number;
  duplicated: number;
  lost: number;
}

/** Report records of run `id`, asked until the database answers (it may be restarting). */
async function countRecords(id: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM reportflow.reports WHERE id = $1', [id])).rows[0]!.n;
    } catch (err) {
      if (attempt >= 60) throw err;
      await sleep(1000);
    }
  }
}

/** Checks one run end to end; returns what it came to and why. */
async function verdict(id: string, kind: { code: string; invoice?: string }): Promise<{ outcome: keyof Counts; why: string }> {
  const final = await finalState(id, 360_000);
  if (!final) return { outcome: 'stuck', why: 'no final status within 6 minutes' };
  if (final.status !== 'SUCCEEDED') return { outcome: 'lost', why: `${final.status} ${JSON.stringify(final.error)}` };
  await temporal.workflow.getHandle(id).result().catch(() => undefined);
  const executions: string[] = [];
  for await (const w of temporal.workflow.list({ query: `WorkflowId = '${id}'` })) executions.push(w.status.name);
  const records = await countRecords(id);
  const files = await readdir(reportDir(kind.code, id)).catch(() => [] as string[]);
  const eventIds = new Set((events.get(id) ?? []).filter((e) => e.type === 'report.succeeded').map((e) => e.eventId));
  if (executions.length > 1 || records > 1 || files.length > 1 || eventIds.size > 1) {
    return { outcome: 'duplicated', why: `executions ${executions.join(',')}, records ${records}, files ${files.join(',')}, event ids ${[...eventIds].join(',')}` };
  }
  if (executions[0] !== 'COMPLETED' || records !== 1 || files.length !== 1 || eventIds.size !== 1) {
    return { outcome: 'lost', why: `executions ${executions.join(',')}, records ${records}, files ${files.join(',')}, event ids ${eventIds.size}` };
  }
  const file = path.join(reportDir(kind.code, id), files[0]!);
  const digest = await sha256(file);
  if (digest !== final.report.sha256) return { outcome: 'lost', why: `file sha256 ${digest} is not its record's ${final.report.sha256}` };
  if (kind.code === 'INVOICE_LINES' && digest !== clean.csvSha256) return { outcome: 'lost', why: `CSV sha256 ${digest} is not the clean run's ${clean.csvSha256}` };
  if (kind.invoice && (await pdfText(file)) !== clean.pdfText.get(kind.invoice)) return { outcome: 'lost', why: `invoice ${kind.invoice}: the PDF's text differs from the clean run's` };
  return { outcome: 'complete', why: '' };
}

before(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event_id: string; type: string; request_id: string };
      events.set(event.request_id, [...(events.get(event.request_id) ?? []), { eventId: event.event_id, type: event.type }]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  service = await startService({ env: { REPORTFLOW_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', REPORTFLOW_RATE_LIMIT_PER_MINUTE: '0' } });
  connection = await Connection.connect({ address: service.temporalAddress });
  temporal = new Client({ connection });
  // A pool, which reconnects: the embedded database is killed on purpose below.
  sql = new pg.Pool({ connectionString: service.databaseUrl, max: 2 });
  sql.on('error', () => undefined);

  // Clean runs, no fault: the reference CSV bytes and PDF texts.
  const csv = await startRun(FULL_CSV);
  const pdfs = await Promise.all(INVOICES.map((i) => startRun(invoicePdf(i))));
  const csvFinal = await finalState(csv, 300_000);
  assert.equal(csvFinal?.status, 'SUCCEEDED', JSON.stringify(csvFinal));
  clean.csvSha256 = csvFinal.report.sha256;
  for (const [i, id] of pdfs.entries()) {
    const final = await finalState(id, 120_000);
    assert.equal(final?.status, 'SUCCEEDED', JSON.stringify(final));
    const [file] = await readdir(reportDir('INVOICE', id));
    clean.pdfText.set(INVOICES[i]!, await pdfText(path.join(reportDir('INVOICE', id), file!)));
  }
  console.log(`fault injection: seed ${SEED} (FAULT_SEED=${SEED} replays the kill times)`);
});

after(async () => {
  await sql?.end().catch(() => undefined);
  await connection?.close();
  hook?.close();
  await service?.stop();
});

describe('kill -9 at random moments of 10 runs (8 invoice PDFs, 2 full CSVs): every run ends SUCCEEDED exactly once', { timeout: 1_800_000 }, () => {
  const rand = random(SEED);
  for (const fault of ['worker', 'chromium', 'temporal', 'embedded-db'] as const) {
    test(`kill -9 of the ${fault}`, { timeout: 900_000 }, async () => {
      const kinds: { code: string; invoice?: string }[] = [
        { code: 'INVOICE_LINES' },
        ...INVOICES.map((invoice) => ({ code: 'INVOICE', invoice })),
        { code: 'INVOICE_LINES' },
        ...INVOICES.map((invoice) => ({ code: 'INVOICE', invoice })),
      ];
      const ids: string[] = [];
      // Kills at two random moments within the first ~12 s, while the runs are being started and run.
      const killAt = [500 + rand() * 5000, 6000 + rand() * 6000];
      const started = Date.now();
      const killer = (async () => {
        const killed: number[] = [];
        for (const at of killAt) {
          await sleep(Math.max(0, started + at - Date.now()));
          // A victim killed a moment ago may still be being restarted: the kill lands once it is back
          // (up to 30 s later), so every fault counts its kills.
          let pid = await victim(fault);
          for (const until = Date.now() + 30_000; !(pid && alive(pid)) && Date.now() < until; pid = await victim(fault)) await sleep(250);
          if (pid && alive(pid)) {
            try {
              process.kill(pid, 'SIGKILL');
              killed.push(pid);
            } catch {
              // It exited between the check and the kill.
            }
          }
        }
        return killed;
      })();
      killer.catch(() => undefined); // awaited below, after the runs are started
      for (const kind of kinds) {
        ids.push(await startRun(kind.code === 'INVOICE' ? invoicePdf(kind.invoice!) : FULL_CSV));
        await sleep(200 + rand() * 400);
      }
      const killed = await killer;
      const counts: Counts = { complete: 0, stuck: 0, duplicated: 0, lost: 0 };
      const problems: string[] = [];
      for (const [i, id] of ids.entries()) {
        const { outcome, why } = await verdict(id, kinds[i]!);
        counts[outcome]++;
        if (why) problems.push(`${id} (${kinds[i]!.code}${kinds[i]!.invoice ? ` ${kinds[i]!.invoice}` : ''}): ${outcome}: ${why}`);
      }
      // Once every run is over: nothing staged, and no Chromium without its worker.
      const staged = await readdir(path.join(service.varDir, 'staging')).catch(() => [] as string[]);
      const orphans = (await chromiumMains()).filter((c) => !alive(c.owner));
      console.log(`fault ${fault}: killed ${killed.length} time(s) at ${killAt.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}; runs ${ids.length}: complete ${counts.complete}, stuck ${counts.stuck}, duplicated ${counts.duplicated}, lost ${counts.lost}; staging entries ${staged.length}; orphaned Chromium ${orphans.length}`);
      assert.equal(killed.length, killAt.length, `every planned kill of the ${fault} landed`);
      assert.deepEqual(problems, []);
      assert.deepEqual(counts, { complete: ids.length, stuck: 0, duplicated: 0, lost: 0 });
      assert.deepEqual(staged, [], 'staging is empty');
      assert.deepEqual(orphans, [], 'no Chromium outlives its worker');
    });
  }
});
