/**
 * One run's fault never ends the worker: a real worker process (test/fixtures/faulty-worker.ts, wired
 * like src/main/worker.ts) against a real Temporal dev server and PostgreSQL, whose CSV renderer raises
 * an error outside its promise on a run's first attempt (an 'error' event without a listener, a throw in
 * a timer, an unhandled rejection). Each such activity fails alone and is retried; every run, faulty or
 * not, ends SUCCEEDED with its file; the worker process is the same one throughout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { text } from 'node:stream/consumers';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import { GENERATE_REPORT_WORKFLOW } from '../../workflows/messages.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { useTemporalTestServer } from '../helpers/temporal.js';

const PROJECT = path.resolve(import.meta.dirname, '../..');
const temporal = useTemporalTestServer();
let pgServer: TestPostgres;
let root: string;

before(async () => {
  pgServer = await startTestPostgres();
  const db = new PgDatabase({ url: pgServer.url });
  await migrate(db, { dataDir: '', seed: false });
  await db.close();
  root = await mkdtemp(path.join(tmpdir(), 'reportflow-fault-guard-'));
});
after(async () => {
  await pgServer?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A catalog with one CSV report of 2,000 generated rows (no dataset needed). */
async function seriesCatalog(dir: string): Promise<string> {
  await cp(path.join(PROJECT, 'templates/_shared'), path.join(dir, '_shared'), { recursive: true });
  await mkdir(path.join(dir, 'SERIES'), { recursive: true });
  await writeFile(path.join(dir, 'SERIES', 'report.json'), JSON.stringify({
    code: 'SERIES', title: { en: 'Series', no: 'Serie' }, description: 'Generated rows, for fault tests.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    query: 'query.sql', columns: [{ name: 'n', type: 'integer' }, { name: 'label', type: 'string' }], formats: { CSV: {} },
  }));
  await writeFile(path.join(dir, 'SERIES', 'query.sql'), "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 2000) AS g ORDER BY g");
  return dir;
}

interface FaultyWorker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

async function startWorker(taskQueue: string, templatesDir: string, guard: 'on' | 'off'): Promise<FaultyWorker> {
  const varDir = path.join(root, `var-${taskQueue}`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/fixtures/faulty-worker.ts')], {
    cwd: PROJECT,
    env: { ...process.env, TEMPORAL_ADDRESS: temporal.env.address, DATABASE_URL: pgServer.url, REPORTFLOW_TASK_QUEUE: taskQueue, REPORTFLOW_VAR_DIR: varDir, TEMPLATES_DIR: templatesDir, FAULT_GUARD: guard },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('worker ready')) resolve();
    });
    createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
    void exited.then((code) => reject(new Error(`the worker exited (${code}) before it was ready:\n${lines.join('\n')}`)));
  });
  await ready;
  return { child, lines, exited };
}

function request(fault?: string): ReportRequest {
  return {
    id: `fault-${fault ?? 'none'}-${randomUUID()}`, tenantId: 'acme', reportCode: 'SERIES', parameterValues: [], format: 'CSV',
    language: 'en', timezone: 'UTC', requestedAt: new Date().toISOString(), ...(fault ? { metadata: { fault } } : {}),
  };
}

void test('a fault raised outside an activity\'s promise fails that activity only: it is retried, every run succeeds, the worker lives on', { timeout: 180_000 }, async () => {
  const templatesDir = await seriesCatalog(path.join(root, 'templates'));
  const taskQueue = `fault-guard-${randomUUID()}`;
  const worker = await startWorker(taskQueue, templatesDir, 'on');
  try {
    const client = temporal.env.client;
    const faults = ['error-event', 'timer-throw', 'rejection'];
    const requests = [...faults.map((f) => request(f)), request(), request()];
    const handles = await Promise.all(requests.map((r) => client.workflow.start(GENERATE_REPORT_WORKFLOW, { args: [r], taskQueue, workflowId: r.id })));
    const results = await Promise.all(handles.map((h) => h.result() as Promise<{ status: string; report?: { uri: string; rows: number } }>));

    for (const [i, result] of results.entries()) {
      assert.equal(result.status, 'SUCCEEDED', `${requests[i]!.id}: ${JSON.stringify(result)}`);
      assert.equal(result.report?.rows, 2000);
      const csv = await text(await new LocalDestination(path.join(root, `var-${taskQueue}`, 'reports')).open(result.report!.uri));
      assert.equal(csv.split('\r\n').length, 2002, 'header + 2,000 rows + final empty');
    }
    // Each faulty run's first render attempt failed with its own injected error, then attempt 2 rendered.
    for (const [i, fault] of faults.entries()) {
      const history = await client.workflow.getHandle(requests[i]!.id).fetchHistory();
      const renderStarts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
      assert.ok(renderStarts.includes(2), `${fault}: the render was retried (attempts seen: ${renderStarts.join(',')})`);
    }
    const charged = worker.lines.filter((l) => l.startsWith('{"fault"')).map((l) => JSON.parse(l) as { fault: string; activity: string; workflowId: string });
    assert.deepEqual(charged.map((c) => c.workflowId).sort(), requests.slice(0, 3).map((r) => r.id).sort(), 'each fault was charged to its own run');
    assert.ok(charged.every((c) => c.activity === 'renderReport'));
    assert.deepEqual(charged.map((c) => c.fault).sort(), ['uncaughtException', 'uncaughtException', 'unhandledRejection']);
    assert.equal(worker.child.exitCode, null, 'the worker process is still running');
    assert.ok(!worker.lines.some((l) => l.includes('"unowned"')), worker.lines.join('\n'));
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
});

void test('without the guards the same fault ends the whole worker process (what the guard prevents)', { timeout: 120_000 }, async () => {
  const templatesDir = await seriesCatalog(path.join(root, 'templates-off'));
  const taskQueue = `fault-guard-off-${randomUUID()}`;
  const worker = await startWorker(taskQueue, templatesDir, 'off');
  const handle = await temporal.env.client.workflow.start(GENERATE_REPORT_WORKFLOW, { args: [request('error-event')], taskQueue, workflowId: `off-${randomUUID()}` });
  const code = await Promise.race([worker.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 60_000))]);
  assert.notEqual(code, 'still running', 'the unguarded worker should have died');
  assert.notEqual(code, 0);
  await handle.terminate('test over');
});
