/**
 * Scale-out proof on one machine (issue 12): machines that share only Temporal, PostgreSQL and a bucket.
 *
 * Started as separate processes, each with a state directory of its own (its own `REPORTFLOW_VAR_DIR`, its
 * own copy of the integrations file and of the pre-built workflow bundle; no directory is shared): one API
 * (`dist/src/main/api.js`) and three workers (`dist/src/main/worker.js`, each its own metrics port), against
 * one Temporal dev server, one fresh PostgreSQL database (migrated and seeded once, beforehand, with
 * `dist/src/main/migrate.js` as `npm run migrate` does) and one bucket server as the report store
 * (`REPORTFLOW_REPORT_STORE_INTEGRATION` naming an S3 or GCS integration). For each store it:
 * - runs a mix of reports through the API (invoice PDFs, a month of invoice lines as CSV, the full CSV of
 *   all 541,909 lines, XML); all end SUCCEEDED, and every worker's metrics show it ran some of them;
 * - downloads each through the API and through its signed link: both are the bucket's object byte for
 *   byte, and the report is the one a single-machine run of the same request produced (one API and one
 *   worker sharing one var/, the embedded default store: the local reports directory). CSV is compared
 *   byte for byte; XML byte for byte but for its `generated_at` attribute; PDFs by their text without
 *   the footer's generation time and request id (a PDF is not byte-stable: Chromium writes its creation
 *   date, and the footer prints when and for which request it was made);
 * - starts a batch of slow runs (full CSVs), kill -9s a worker once it holds some of them in the data
 *   stages (their staged rows in its own staging directory), and shows those runs end SUCCEEDED, their
 *   data stages done over by the surviving workers, with the same bytes as the single-machine run.
 *
 * The mix (`MIX`): 45 invoice PDFs (Chromium, the bulk of what users ask for), 30 months of invoice
 * lines as CSV (~40,000 rows each), 22 XML files (a week of invoice lines, a year of Chinook music sales)
 * and 3 full CSVs only: each full CSV is ~17 s of one core on a quiet machine and 55 MB through every
 * hop (staging, bucket, API, signed link, bucket read, reference), so more would make this test mostly
 * full CSVs on 2 cores; three still put one on most workers at once next to the rest. The GCS variant
 * runs a third of the mix and a smaller kill batch (CI time: its store code is the same but for the
 * adapter, which the mix and the kill already exercise at that size).
 *
 * Waits are generous and only catch hangs; nothing is timed. Each variant prints how long it took.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { ApiClient } from '../helpers/api-client.js';
import { createGcsBucket, gcsClient, startGcsServer } from '../helpers/emulators/gcs-server.js';
import type { Emulator } from '../helpers/emulators/process.js';
import { createS3Bucket, s3Client, S3_TEST_CREDENTIALS } from '../helpers/emulators/s3-server.js';
import { startS3Server } from '../helpers/emulators/s3-server.js';
import { freePort } from '../helpers/free-port.js';
import { pdfText } from '../helpers/pdf-text.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { scrape, type Samples } from '../helpers/prometheus-text.js';
import { startRole, type RoleProcess } from '../helpers/role-process.js';
import { buildDist, PROJECT_ROOT } from '../helpers/service.js';
import { startTemporalTestServer } from '../helpers/temporal.js';

const run = promisify(execFile);
const API_KEY = `scaleout-${randomBytes(8).toString('hex')}`;
const SIGNING_KEY = randomBytes(32).toString('hex');
/** A run that is not final after this long hangs (the machine may be busy: this only catches hangs). */
const RUN_TIMEOUT_MS = 1_200_000;
const FULL_ROWS = 541_909;

/** One report request of the mix, with a key naming it across the single-machine and the scaled-out run. */
interface Ask {
  key: string;
  kind: 'pdf' | 'month-csv' | 'full-csv' | 'xml';
  body: Record<string, unknown>;
}

/** A run that SUCCEEDED: its request, id, and what its record says of the file. */
interface Done {
  ask: Ask;
  id: string;
  rows: number;
  sha256: string;
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * What must be equal between two runs of one request: CSV bytes; XML bytes without `generated_at`;
 * a PDF's text without its footer line (generation time and request id `id`, labelled in the request's
 * language: templates/_shared/i18n).
 */
async function comparable(ask: Ask, bytes: Buffer, id: string): Promise<string> {
  if (ask.kind === 'pdf') return (await pdfText(bytes)).split('\n').filter((l) => !l.includes(id) && !/^\s*(Generated|Generert|Request|Forespørsel)\b/.test(l)).join('\n');
  if (ask.kind === 'xml') return sha256(bytes.toString('utf8').replace(/ generated_at="[^"]*"/, ''));
  return sha256(bytes);
}

const lines = (from: string, to: string, format: string, timezone: string, more: Record<string, unknown> = {}) => ({
  report_code: 'INVOICE_LINES', format, language: 'en', timezone,
  parameter_values: [{ name: 'from_date', value: from }, { name: 'to_date', value: to }, ...Object.entries(more).map(([name, value]) => ({ name, value }))],
});

/** 100 distinct requests (see the file's comment for why this mix); `invoices`: 45 invoice numbers of the database. */
function buildMix(invoices: string[]): Ask[] {
  const mix: Ask[] = [];
  for (const [i, invoice] of invoices.entries()) {
    mix.push({ key: `pdf ${invoice}`, kind: 'pdf', body: { report_code: 'INVOICE', format: 'PDF', language: i % 5 === 4 ? 'no' : 'en', timezone: 'Europe/London', parameter_values: [{ name: 'invoice_id', value: invoice }] } });
  }
  const months = ['2011-01', '2011-02', '2011-03', '2011-04', '2011-05', '2011-06', '2011-07', '2011-08', '2011-09', '2011-10', '2011-11', '2011-12'];
  const lastDay = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0)).toISOString().slice(0, 10);
  for (const month of months) {
    for (const zone of ['Europe/London', 'Europe/Oslo']) mix.push({ key: `csv ${month} ${zone}`, kind: 'month-csv', body: lines(`${month}-01`, lastDay(month), 'CSV', zone) });
  }
  for (const month of months.slice(0, 6)) mix.push({ key: `csv ${month} France`, kind: 'month-csv', body: lines(`${month}-01`, lastDay(month), 'CSV', 'Europe/Paris', { country: 'France' }) });
  for (const zone of ['Europe/London', 'UTC', 'America/New_York']) mix.push({ key: `full csv ${zone}`, kind: 'full-csv', body: lines('2010-11-30', '2011-12-31', 'CSV', zone) });
  for (const [i, week] of ['2011-01-10', '2011-02-14', '2011-03-14', '2011-04-11', '2011-05-09', '2011-06-13', '2011-07-11', '2011-08-08', '2011-09-12', '2011-10-10', '2011-11-14', '2011-12-05'].entries()) {
    const end = new Date(Date.parse(`${week}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
    mix.push({ key: `xml week ${week}`, kind: 'xml', body: lines(week, end, 'XML', i % 2 ? 'Europe/Oslo' : 'Europe/London') });
  }
  for (const year of ['2021', '2022', '2023', '2024', '2025']) {
    for (const zone of ['UTC', 'Asia/Tokyo']) {
      mix.push({ key: `xml music ${year} ${zone}`, kind: 'xml', body: { report_code: 'MUSIC_SALES', format: 'XML', language: 'en', timezone: zone, parameter_values: [{ name: 'from_date', value: `${year}-01-01` }, { name: 'to_date', value: `${year}-12-31` }] } });
    }
  }
  assert.equal(mix.length, 100);
  assert.equal(new Set(mix.map((a) => a.key)).size, 100, 'every request of the mix is distinct');
  return mix;
}

/** Every `step`-th ask of each kind, so a smaller mix keeps every kind (and at least one full CSV). */
function sampleOf(mix: Ask[], step: number): Ask[] {
  const kinds = ['pdf', 'month-csv', 'full-csv', 'xml'] as const;
  return kinds.flatMap((kind) => mix.filter((a) => a.kind === kind).filter((_, i) => i % step === 0));
}

/**
 * POSTs every ask (one after the other, as a client script would), then waits for each to end.
 * @returns the ids and final states, and a line for each run that did not end SUCCEEDED.
 */
async function runAll(api: ApiClient, asks: Ask[]): Promise<{ ids: string[]; finals: Record<string, unknown>[]; failed: string[] }> {
  const ids: string[] = [];
  for (const ask of asks) {
    const created = await api.post('/v1/report-generate-requests', ask.body);
    assert.equal(created.status, 201, `${ask.key}: ${JSON.stringify(created.body)}`);
    ids.push(String(created.body.id));
  }
  const finals: Record<string, unknown>[] = [];
  const failed: string[] = [];
  for (const [i, id] of ids.entries()) {
    const { final, seen } = await api.waitForRun(id, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 1000 });
    if (final.status !== 'SUCCEEDED') failed.push(`${asks[i]!.key} (${id}): ${JSON.stringify(final)}; seen ${seen.join(' → ')}`);
    finals.push(final);
  }
  return { ids, finals, failed };
}

/** Downloads run `id` through the API and checks it against its record. */
async function downloadChecked(api: ApiClient, ask: Ask, id: string, final: Record<string, unknown>): Promise<Done & { bytes: Buffer }> {
  const report = final.report as { sha256: string; size_bytes: number; rows: number };
  const file = await api.download(`/v1/reports/${id}/download`);
  assert.equal(file.status, 200, `${ask.key} (${id}): ${file.bytes.toString('utf8').slice(0, 500)}`);
  assert.equal(file.bytes.length, report.size_bytes, `${ask.key}: size`);
  assert.equal(sha256(file.bytes), report.sha256, `${ask.key}: the download is the file its record describes`);
  return { ask, id, rows: report.rows, sha256: report.sha256, bytes: file.bytes };
}

/** The shared infrastructure: one Temporal, one PostgreSQL (seeded), the built code, a temp root. */
let temporal: TestWorkflowEnvironment;
let database: TestPostgres;
let root: string;
let bundle: string;
let mix: Ask[];
/** The single-machine run's result per ask key: what `comparable` gives, and the row count. */
const reference = new Map<string, { comparable: string; rows: number }>();

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'reportflow-scaleout-'));
  bundle = path.join(root, 'workflow-bundle.js');
  // The workflow bundle is built once, as at deploy time (`npm run bundle`), and each worker gets its own copy.
  [temporal, database] = await Promise.all([
    startTemporalTestServer(),
    startTestPostgres(),
    buildDist(),
    run('npm', ['run', '--silent', 'bundle', bundle], { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 }),
  ]);
  // Migrated and seeded once, before any role starts, as the README says for roles started on their own.
  const migrated = await run(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'main', 'migrate.js')], {
    cwd: root, env: { ...process.env, REPORTFLOW_HOME: PROJECT_ROOT, REPORTFLOW_VAR_DIR: path.join(root, 'migrate-var'), DATABASE_URL: database.url, REPORTFLOW_SEED_DATA: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.match(migrated.stdout, /database up to date/);
  const sql = new pg.Client(database.url);
  await sql.connect();
  try {
    const { rows } = await sql.query<{ invoice_no: string }>(
      `(select invoice_no from retail.invoice_line where invoice_no not like 'C%' group by invoice_no order by invoice_no limit 42)
       union all (select invoice_no from retail.invoice_line where invoice_no like 'C%' group by invoice_no order by invoice_no limit 3)`);
    mix = buildMix(rows.map((r) => r.invoice_no));
    const full = await sql.query<{ n: number }>('select count(*)::int as n from retail.invoice_line');
    assert.equal(full.rows[0]!.n, FULL_ROWS, 'the whole Online Retail dataset is loaded');
  } finally {
    await sql.end();
  }
});

after(async () => {
  await temporal?.teardown();
  await database?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Environment every role of one deployment gets (the contract's "same settings everywhere"). */
function sharedEnv(taskQueue: string): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    REPORTFLOW_TASK_QUEUE: taskQueue,
    REPORTFLOW_URL_SIGNING_KEY: SIGNING_KEY,
    REPORTFLOW_API_KEYS: `default:${API_KEY}`,
    REPORTFLOW_RATE_LIMIT_PER_MINUTE: '0',
    REPORTFLOW_DOWNLOAD_URL_TTL_SECONDS: '3600',
    // Four processes of this file plus other tests share the PostgreSQL cluster's 100 connections.
    REPORTFLOW_WORKER_MAX_ACTIVITIES: '4',
    REPORTFLOW_API_DB_POOL_SIZE: '5',
    LOG_LEVEL: 'warn',
  };
}

/** A role's own directory (`<dir>/var` as its state, its own copy of the bundle and integrations file). */
async function machine(dir: string, integrations?: Record<string, unknown>): Promise<{ varDir: string; env: Record<string, string> }> {
  const varDir = path.join(dir, 'var');
  await mkdir(varDir, { recursive: true });
  const ownBundle = path.join(dir, 'workflow-bundle.js');
  await copyFile(bundle, ownBundle);
  const env: Record<string, string> = { REPORTFLOW_WORKFLOW_BUNDLE: ownBundle };
  if (integrations) {
    const file = path.join(dir, 'integrations.json');
    await writeFile(file, JSON.stringify(integrations, null, 2));
    env.REPORTFLOW_INTEGRATIONS_FILE = file;
  }
  return { varDir, env };
}

describe('a single machine: one API and one worker on one var/, the local report store (the reference)', { timeout: 3_600_000 }, () => {
  const roles: RoleProcess[] = [];
  let started = 0;

  after(async () => {
    for (const role of roles.reverse()) await role.stop();
    process.stdout.write(`scale-out reference (single machine, ${mix?.length ?? 0} reports): ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  });

  test('every report of the mix SUCCEEDED and downloads as its record says', async () => {
    started = Date.now();
    const dir = path.join(root, 'single');
    const { varDir, env } = await machine(dir);
    const shared = { ...sharedEnv('scaleout-single'), ...env };
    roles.push(await startRole({ role: 'worker', name: 'single worker', varDir, env: { ...shared, REPORTFLOW_WORKER_METRICS_PORT: '0' } }));
    const port = await freePort();
    roles.push(await startRole({ role: 'api', name: 'single api', varDir, env: { ...shared, PORT: String(port) } }));
    const api = new ApiClient(`http://127.0.0.1:${port}`, API_KEY);
    const { ids, finals, failed } = await runAll(api, mix);
    assert.deepEqual(failed, [], 'every run SUCCEEDED');
    for (const [i, ask] of mix.entries()) {
      const done = await downloadChecked(api, ask, ids[i]!, finals[i]!);
      reference.set(ask.key, { comparable: await comparable(ask, done.bytes, done.id), rows: done.rows });
      if (ask.kind === 'full-csv') assert.equal(done.rows, FULL_ROWS, `${ask.key}: every line`);
    }
    // The single machine's store is its local reports directory, as before issue 12.
    const local = await readdir(path.join(varDir, 'reports', 'default')).catch(() => [] as string[]);
    assert.deepEqual(local.sort(), ['INVOICE', 'INVOICE_LINES', 'MUSIC_SALES']);
  });
});

/** A bucket server the test can read: every object under a prefix, and one object's bytes. */
interface Store {
  name: 'S3' | 'GCS';
  emulator: Emulator;
  bucket: string;
  /** The integration entry (the integrations file's JSON shape). */
  integration: Record<string, unknown>;
  list(prefix: string): Promise<string[]>;
  read(key: string): Promise<Buffer>;
}

async function s3Store(): Promise<Store> {
  const emulator = await startS3Server();
  const bucket = 'scaleout-reports';
  await createS3Bucket(emulator.url, bucket);
  const client = s3Client(emulator.url);
  return {
    name: 'S3', emulator, bucket,
    integration: { type: 'S3', region: S3_TEST_CREDENTIALS.region, access_key_id: S3_TEST_CREDENTIALS.accessKeyId, secret_access_key: S3_TEST_CREDENTIALS.secretAccessKey, endpoint: emulator.url, force_path_style: true },
    list: async (prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    read: async (key) => Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()),
  };
}

async function gcsStore(): Promise<Store> {
  const emulator = await startGcsServer();
  const bucket = 'scaleout-reports';
  await createGcsBucket(emulator.url, bucket);
  const storage = gcsClient(emulator.url);
  return {
    name: 'GCS', emulator, bucket,
    integration: { type: 'GCS', project_id: 'test', api_endpoint: emulator.url },
    list: async (prefix) => (await storage.bucket(bucket).getFiles({ prefix }))[0].map((f) => f.name),
    read: async (key) => (await storage.bucket(bucket).file(key).download())[0],
  };
}

interface Variant {
  store: () => Promise<Store>;
  /** `REPORTFLOW_REPORT_STORE_PREFIX`; undefined: unset, so the default `reports`. */
  prefix: string | undefined;
  /** Every `step`-th request of each kind of the mix (1: all 100). */
  step: number;
  /** Full CSVs started for the kill. */
  slowRuns: number;
}

const VARIANTS: Variant[] = [
  { store: s3Store, prefix: 'fleet/reports', step: 1, slowRuns: 6 },
  { store: gcsStore, prefix: undefined, step: 3, slowRuns: 3 },
];

for (const variant of VARIANTS) {
  const label = variant === VARIANTS[0] ? 'S3 (moto)' : 'GCS (fake-gcs-server)';
  describe(`scaled out on ${label}: one API and three workers, each with its own state directory, sharing Temporal, PostgreSQL and the bucket`, { timeout: 3_600_000 }, () => {
    let store: Store;
    let api: ApiClient;
    let apiRole: RoleProcess;
    const workers: { role: RoleProcess; metricsUrl: string }[] = [];
    let asks: Ask[];
    const done: Done[] = [];
    let started = 0;
    const prefix = variant.prefix ?? 'reports';
    const taskQueue = `scaleout-${randomBytes(4).toString('hex')}`;

    before(async () => {
      started = Date.now();
      assert.ok(mix && reference.size === mix.length, 'the single-machine reference ran first');
      asks = sampleOf(mix, variant.step);
      store = await variant.store();
      const integrations = { 'report-store': store.integration };
      const storeEnv: Record<string, string> = { REPORTFLOW_REPORT_STORE_INTEGRATION: 'report-store', REPORTFLOW_REPORT_STORE_BUCKET: store.bucket, ...(variant.prefix ? { REPORTFLOW_REPORT_STORE_PREFIX: variant.prefix } : {}) };
      const starting = [1, 2, 3].map(async (n) => {
        const { varDir, env } = await machine(path.join(root, store.name, `worker-${n}`), integrations);
        const metricsPort = await freePort();
        const role = await startRole({ role: 'worker', name: `worker-${n}`, varDir, env: { ...sharedEnv(taskQueue), ...storeEnv, ...env, REPORTFLOW_WORKER_METRICS_PORT: String(metricsPort) } });
        return { role, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
      });
      // Started together; each one that did start is stopped in `after` even if another failed.
      const results = await Promise.allSettled(starting);
      for (const r of results) if (r.status === 'fulfilled') workers.push(r.value);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const { varDir, env } = await machine(path.join(root, store.name, 'api'), integrations);
      const port = await freePort();
      apiRole = await startRole({ role: 'api', name: 'api', varDir, env: { ...sharedEnv(taskQueue), ...storeEnv, ...env, PORT: String(port) } });
      api = new ApiClient(`http://127.0.0.1:${port}`, API_KEY);
    });

    after(async () => {
      await apiRole?.stop();
      await Promise.all(workers.map((w) => w.role.stop()));
      await store?.emulator.stop();
      process.stdout.write(`scale-out ${label}: ${asks?.length ?? 0} reports, then ${variant.slowRuns} full CSVs with a worker killed: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    });

    test(`${variant.step === 1 ? 'all 100' : 'a third (34)'} of the mixed reports SUCCEEDED, and each of the three workers ran some`, async () => {
      const before = await Promise.all(workers.map((w) => scrape(w.metricsUrl)));
      const logMarks = workers.map((w) => w.role.output.length);
      const { ids, finals, failed } = await runAll(api, asks);
      // The next test downloads the runs that succeeded, even when some did not.
      for (const [i, ask] of asks.entries()) {
        const report = finals[i]!.report as { rows: number; sha256: string } | undefined;
        if (finals[i]!.status === 'SUCCEEDED' && report) done.push({ ask, id: ids[i]!, rows: report.rows, sha256: report.sha256 });
      }
      assert.deepEqual(failed, [], `every run SUCCEEDED (${failed.length} of ${asks.length} did not)`);
      const afterRuns = await Promise.all(workers.map((w) => scrape(w.metricsUrl)));
      const share = workers.map((w, i) => ({
        worker: w.role.name,
        stages: stageAttempts(before[i]!, afterRuns[i]!),
        failed: stageAttempts(before[i]!, afterRuns[i]!, 'error'),
        bytes: renderedBytes(afterRuns[i]!) - renderedBytes(before[i]!),
      }));
      process.stdout.write(`  ${label}: ${share.map((s) => `${s.worker} ran ${s.stages} stage attempts (${s.failed} failed) and rendered ${(s.bytes / 1e6).toFixed(1)} MB`).join('; ')}\n`);
      for (const s of share) {
        assert.ok(s.stages > 0, `${s.worker} ran no stage: ${JSON.stringify(share)}`);
        assert.ok(s.bytes > 0, `${s.worker} rendered nothing: ${JSON.stringify(share)}`);
      }
      // With nothing killed, every stage finds its run's staged files on the worker it runs on: a run that
      // succeeds only after stages failed elsewhere and were retried until one landed there is no design.
      // Which stage failed where: the error-outcome counters that moved, by worker.
      // Which stage failed where, and why: the error-outcome counters that moved, and the warnings and
      // errors those workers logged meanwhile.
      const failedStages = workers.flatMap((w, i) => [...stageCounters(before[i]!, afterRuns[i]!, 'error').keys()].map((key) => `${w.role.name}: ${key}`));
      const why = workers.flatMap((w, i) => (share[i]!.failed > 0 ? warningsSince(w.role, logMarks[i]!) : []));
      assert.deepEqual(share.filter((s) => s.failed > 0), [], `no stage attempt failed on a healthy fleet: ${failedStages.join('; ')}\n${why.join('\n')}`);
      // No worker wrote a report into its own disk: the bucket is the store.
      for (const w of workers) assert.deepEqual(await filesUnder(path.join(w.role.varDir, 'reports')), [], `${w.role.name} kept no report on its disk`);
    });

    test('each report downloads through the API and through its signed link as the bucket\'s object, and equals the single-machine run\'s', async () => {
      assert.ok(done.length > 0, 'the runs of the previous test');
      const objects = await store.list(`${prefix}/`);
      for (const d of done) {
        const ask = d.ask;
        const viaApi = await api.download(`/v1/reports/${d.id}/download`);
        assert.equal(viaApi.status, 200, `${ask.key} (${d.id}): ${viaApi.bytes.toString('utf8').slice(0, 500)}`);
        assert.equal(sha256(viaApi.bytes), d.sha256, `${ask.key}: the API's download is the file its record describes`);

        const link = await api.get<{ url: string }>(`/v1/reports/${d.id}/download-url`);
        assert.equal(link.status, 200, `${ask.key}: ${JSON.stringify(link.body)}`);
        const signed = await fetch(link.body.url);
        const signedBytes = Buffer.from(await signed.arrayBuffer());
        assert.equal(signed.status, 200, `${ask.key}: signed link ${signedBytes.toString('utf8').slice(0, 500)}`);
        assert.equal(sha256(signedBytes), d.sha256, `${ask.key}: the signed link serves the same bytes`);

        const mine = objects.filter((k) => k.split('/').includes(d.id));
        assert.equal(mine.length, 1, `${ask.key}: one object of run ${d.id} under ${prefix}/ (found ${JSON.stringify(mine)})`);
        assert.equal(sha256(await store.read(mine[0]!)), d.sha256, `${ask.key}: the bucket's object ${mine[0]} is the downloaded file`);

        const ref = reference.get(ask.key)!;
        assert.equal(d.rows, ref.rows, `${ask.key}: rows as on one machine`);
        assert.equal(await comparable(ask, viaApi.bytes, d.id), ref.comparable, `${ask.key}: the same report as the single-machine run's`);
      }
      await assertStoreRelativeKeys(done.map((d) => d.id), store);
    });

    test(`${variant.slowRuns} slow runs: a worker killed with -9 while it holds some in the data stages; they end SUCCEEDED on the others`, async () => {
      const slow = mix.find((a) => a.kind === 'full-csv')!;
      const ids: string[] = [];
      for (let i = 0; i < variant.slowRuns; i++) {
        const created = await api.post('/v1/report-generate-requests', slow.body);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ids.push(String(created.body.id));
      }
      // The victim: a worker seen holding the staged rows of a run whose query stage is over (RENDER or
      // EXPORT), so the files the rest of that run needs are on its own disk only.
      const status = async (id: string) => (await api.get(`/v1/report-generate-requests/${id}`)).body;
      const isFinal = (s: Record<string, unknown>) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(String(s.status));
      let victim: RoleProcess | undefined;
      let held: string[] = [];
      let states: Record<string, unknown>[] = [];
      while (!victim) {
        states = await Promise.all(ids.map(status));
        assert.ok(!states.every(isFinal), `every slow run ended before a worker was seen holding one past its query stage: ${JSON.stringify(states)}`);
        const pastQuery = ids.filter((_, i) => states[i]!.status === 'RUNNING' && ['RENDER', 'EXPORT'].includes(String(states[i]!.stage)));
        for (const w of pastQuery.length ? workers : []) {
          const holding = await stagedRuns(w.role.varDir, ids);
          if (holding.some((id) => pastQuery.includes(id))) {
            victim = w.role;
            held = holding;
            break;
          }
        }
        if (!victim) await sleep(250);
      }
      await victim.kill9();
      const inFlight = held.filter((id) => !isFinal(states[ids.indexOf(id)]!));
      const stageOf = (id: string) => `${String(states[ids.indexOf(id)]!.status)}:${String(states[ids.indexOf(id)]!.stage)}`;
      process.stdout.write(`  ${label}: killed ${victim.name} (pid ${victim.pid}) holding the staged rows of ${inFlight.length} of ${ids.length} slow runs (${inFlight.map(stageOf).join(', ')})\n`);
      assert.ok(inFlight.length > 0, 'the killed worker held runs in flight');

      const refFull = reference.get(slow.key)!;
      for (const id of ids) {
        const { final, seen } = await api.waitForRun(id, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 1000 });
        assert.equal(final.status, 'SUCCEEDED', `${id}${inFlight.includes(id) ? ' (held by the killed worker)' : ''}: ${JSON.stringify(final)}; seen ${seen.join(' → ')}`);
        const d = await downloadChecked(api, slow, id, final);
        assert.equal(d.rows, FULL_ROWS);
        assert.equal(await comparable(slow, d.bytes, id), refFull.comparable, `${id}: the same CSV as the single-machine run's`);
      }

      // The held runs' data stages were done over by the survivors: their last query, render (if any) and
      // export ran elsewhere. The killed worker's part shows as a stage it completed, or as an attempt of a stage that
      // timed out and was retried (Temporal records only the last attempt of an activity).
      const names = new Map(workers.map((w) => [`${w.role.pid}@`, w.role.name]));
      const who = (identity: string) => names.get(identity.slice(0, identity.indexOf('@') + 1)) ?? identity;
      const connection = await Connection.connect({ address: temporal.address });
      try {
        const client = new Client({ connection });
        for (const id of inFlight) {
          const ran = await activityAttempts(client, id);
          const story = ran.map((r) => `${r.activity}#${r.attempt} ${r.outcome} ${r.identity ? `on ${who(r.identity)}` : 'unstarted'}${r.lastFailure ? ` (after: ${r.lastFailure})` : ''}`).join('; ');
          process.stdout.write(`    ${id} (${stageOf(id)} at the kill): ${story}\n`);
          const victimId = `${victim.pid}@`;
          assert.ok(ran.some((r) => r.identity.startsWith(victimId) || (r.attempt > 1 && /timeout|timed out/i.test(r.lastFailure))), `${id}: the killed worker's part shows in the history: ${story}`);
          // A CSV PostgreSQL printed has no render activity (the query stage wrote the file): its stages are
          // the query and the export; a staged run's render must have ended on a survivor too.
          const stages = ran.some((r) => r.activity === 'renderReport') ? ['queryData', 'renderReport', 'exportReport'] : ['queryData', 'exportReport'];
          for (const stage of stages) {
            const last = ran.filter((r) => r.activity === stage && r.outcome === 'completed').at(-1);
            assert.ok(last, `${id}: ${stage} completed: ${story}`);
            assert.ok(!last.identity.startsWith(victimId), `${id}: ${stage} completed on a surviving worker: ${story}`);
          }
        }
      } finally {
        await connection.close();
      }
      for (const w of workers.filter((x) => x.role !== victim)) assert.deepEqual(await stagedRuns(w.role.varDir, ids), [], `${w.role.name} cleaned up its staging`);
    });
  });
}

/** The stage-attempt counters (of `outcome` when given) that moved between the samples, and by how much. */
function stageCounters(before: Samples, after: Samples, outcome?: 'ok' | 'error'): Map<string, number> {
  const moved = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0 && key.startsWith('reportflow_stage_duration_seconds_count{') && (!outcome || key.includes(`outcome="${outcome}"`))) moved.set(key, delta);
  }
  return moved;
}

/** Stage attempts (activities and local activities) a worker ran between two scrapes; `outcome`: only those that ended so. */
function stageAttempts(before: Samples, after: Samples, outcome?: 'ok' | 'error'): number {
  let n = 0;
  for (const delta of stageCounters(before, after, outcome).values()) n += delta;
  return n;
}

/**
 * The warning and error lines (pino level ≥ 40) `role` printed after its first `from` lines, each cut to
 * 1,000 characters, at most 30, prefixed with its name.
 */
function warningsSince(role: RoleProcess, from: number): string[] {
  const level = (line: string) => {
    try {
      return Number((JSON.parse(line) as { level?: unknown }).level) || 0;
    } catch {
      return 50; // not a log line: a crash's stack trace, say
    }
  };
  return role.output.slice(from).filter((line) => level(line) >= 40).slice(0, 30).map((line) => `${role.name}: ${line.slice(0, 1000)}`);
}

function renderedBytes(samples: Samples): number {
  let n = 0;
  for (const [key, value] of samples) if (key.startsWith('reportflow_report_bytes_total')) n += value;
  return n;
}

/** Files under `dir` (recursively), relative paths; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Of `ids`, the runs with a non-empty staged file in the worker's own staging directory (`<var>/staging/<id>/`). */
async function stagedRuns(varDir: string, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const dir = path.join(varDir, 'staging', id);
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if ((await stat(path.join(dir, f)).catch(() => undefined))?.size) {
        out.push(id);
        break;
      }
    }
  }
  return out;
}

/** One activity of a run's history as it ended: its last attempt, by whom, and what failed the attempt before. */
interface ActivityRun {
  activity: string;
  /** Worker identity, `<pid>@<host>`. */
  identity: string;
  attempt: number;
  outcome: 'completed' | 'failed' | 'timed out';
  /** The previous attempt's failure ('' on a first attempt). */
  lastFailure: string;
}

/** The activities of run `id` (after it ended), in history order. */
async function activityAttempts(client: Client, id: string): Promise<ActivityRun[]> {
  const handle = client.workflow.getHandle(id);
  await handle.result();
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map<string, string>();
  const started = new Map<string, { identity: string; attempt: number; lastFailure: string }>();
  const out: ActivityRun[] = [];
  const ended = (scheduledEventId: unknown, outcome: ActivityRun['outcome'], identity?: string | null) => {
    const key = String(scheduledEventId);
    const s = started.get(key);
    out.push({ activity: scheduled.get(key) ?? '?', identity: identity || s?.identity || '', attempt: s?.attempt ?? 1, outcome, lastFailure: s?.lastFailure ?? '' });
  };
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const s = e.activityTaskStartedEventAttributes;
    if (s) {
      const failure = s.lastFailure;
      const lastFailure = failure ? [failure.message, failure.timeoutFailureInfo ? `timeout ${String(failure.timeoutFailureInfo.timeoutType)}` : '', failure.cause?.message].filter(Boolean).join(' / ') : '';
      started.set(String(s.scheduledEventId), { identity: s.identity ?? '', attempt: s.attempt ?? 1, lastFailure });
    }
    if (e.activityTaskCompletedEventAttributes) ended(e.activityTaskCompletedEventAttributes.scheduledEventId, 'completed', e.activityTaskCompletedEventAttributes.identity);
    if (e.activityTaskFailedEventAttributes) ended(e.activityTaskFailedEventAttributes.scheduledEventId, 'failed', e.activityTaskFailedEventAttributes.identity);
    if (e.activityTaskTimedOutEventAttributes) ended(e.activityTaskTimedOutEventAttributes.scheduledEventId, 'timed out');
  }
  return out;
}

/** Report records keep keys relative to the store: no local path, no `file://`, no bucket endpoint. */
async function assertStoreRelativeKeys(ids: string[], store: Store): Promise<void> {
  const sql = new pg.Client(database.url);
  await sql.connect();
  try {
    const { rows } = await sql.query<{ id: string; uri: string }>('SELECT id, uri FROM reportflow.reports WHERE id = ANY($1)', [ids]);
    assert.equal(rows.length, ids.length, 'one record per run');
    for (const r of rows) {
      assert.ok(!r.uri.startsWith('file:') && !r.uri.includes(root) && !r.uri.includes(store.emulator.url) && !r.uri.includes(`127.0.0.1:${store.emulator.port}`), `${r.id}: record key ${r.uri} is relative to the store`);
    }
  } finally {
    await sql.end();
  }
}
