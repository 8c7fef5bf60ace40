/**
 * `npm start` as a process supervisor, through the real thing (src/main/start.ts on free ports and a
 * temporary var/; the first suite runs the compiled JavaScript of `npm run build`, as `npm start` does,
 * and checks that every Node.js child runs it too): each child killed with SIGKILL comes back with a new PID while the others keep
 * theirs and the service keeps producing reports; a run in flight when the worker dies ends
 * SUCCEEDED once; SIGKILL of `npm start` leaves no child running; a later start stops what an
 * earlier one left behind; a crash loop stops everything with a clear message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { ApiClient } from '../helpers/api-client.js';
import { PROJECT_ROOT, startService, type RunningService } from '../helpers/service.js';
import type { PidFile } from '../../src/main/pid-files.js';
import { isAlive } from '../../src/platform/process-alive.js';
import { WORKER_NODE_FLAGS } from '../../src/main/entry-points.js';

const CHILDREN = ['temporal', 'embedded-db', 'worker', 'api'] as const;
/** Quick restarts; a crash loop after 2 restarts within a minute. */
const SUPERVISION_ENV = { REPORTFLOW_RESTART_DELAY_MS: '200', REPORTFLOW_RESTART_LIMIT: '2', REPORTFLOW_RESTART_WINDOW_MS: '60000', REPORTFLOW_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' };

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every PID of the service's children, watchdogs included (not `npm start`'s own, `start.pid`). */
function allPids(children: Map<string, PidFile>): number[] {
  return [...children].filter(([name]) => name !== 'start').flatMap(([, c]) => [c.pid, ...(c.watchdog ? [c.watchdog.pid] : [])]);
}

async function invoiceSucceeds(api: ApiClient): Promise<string> {
  const created = await api.post('/v1/report-generate-requests', {
    report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'PDF', language: 'en', timezone: 'Europe/London',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { final } = await api.waitForRun(String(created.body.id), { timeoutMs: 120_000, intervalMs: 200 });
  assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
  assert.equal((final.report as Record<string, unknown>).rows, 7);
  return String(created.body.id);
}

describe('npm start restarts a child that dies and keeps the others running', { timeout: 900_000 }, () => {
  let service: RunningService;
  let api: ApiClient;
  let firstRun: string;

  before(async () => {
    service = await startService({ env: SUPERVISION_ENV, compiled: true });
    api = new ApiClient(service.apiUrl, service.apiKey);
    firstRun = await invoiceSucceeds(api);
  });

  test('started compiled, every Node.js child runs the compiled JavaScript in dist/, not TypeScript through tsx', async () => {
    const children = await service.children();
    const dist = path.join(PROJECT_ROOT, 'dist', 'src', 'main');
    for (const name of ['start', 'worker', 'api', 'embedded-db'] as const) {
      const argv = children.get(name)?.argv ?? [];
      assert.ok(argv.includes(path.join(dist, `${name}.js`)), `${name}: ${argv.join(' ')}`);
      assert.ok(!argv.includes('tsx'), `${name} runs without tsx: ${argv.join(' ')}`);
    }
    const watchdog = children.get('temporal')?.watchdog?.argv ?? [];
    assert.ok(watchdog.includes(path.join(dist, 'watchdog.js')), `the dev server's watchdog: ${watchdog.join(' ')}`);
  });

  test('the worker runs with its memory settings: a small young generation, a slow-growing old one and few malloc arenas', async () => {
    const worker = (await service.children()).get('worker')!;
    const argv = readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8').split('\0');
    const environ = readFileSync(`/proc/${worker.pid}/environ`, 'utf8').split('\0');
    for (const flag of WORKER_NODE_FLAGS) assert.ok(argv.includes(flag), `${flag}: ${argv.join(' ')}`);
    assert.ok(environ.includes(`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '2'}`), 'MALLOC_ARENA_MAX in the worker\'s environment');
    const api = (await service.children()).get('api')!;
    const apiArgv = readFileSync(`/proc/${api.pid}/cmdline`, 'utf8').split('\0');
    // By name, whatever the value: the API sets none of these V8 settings.
    for (const name of WORKER_NODE_FLAGS.map((flag) => flag.split('=')[0]!)) assert.ok(!apiArgv.some((arg) => arg.split('=')[0] === name), `the API keeps V8's defaults: ${apiArgv.join(' ')}`);
  });

  after(async () => {
    await service?.stop();
  });

  for (const name of ['worker', 'api', 'embedded-db', 'temporal'] as const) {
    test(`${name} killed with SIGKILL comes back with a new PID, the others keep theirs, and an invoice PDF succeeds`, async () => {
      const before = await service.children();
      const victim = before.get(name)!;
      process.kill(victim.pid, 'SIGKILL');
      const restarted = await waitFor(`${name} restarted`, async () => {
        const now = await service.children();
        return now.get(name) && now.get(name)!.pid !== victim.pid ? now : undefined;
      }, 180_000);
      assert.equal(isAlive(restarted.get(name)!.pid), true);
      assert.ok(service.output.some((l) => l.includes(`${name} exited unexpectedly (signal SIGKILL); restart 1 of at most 2 in 200 ms`)), 'the crash is logged with the signal, attempt and delay');

      await invoiceSucceeds(api);
      // The others reconnected by themselves: none of them was restarted along the way.
      const afterRun = await service.children();
      for (const other of CHILDREN.filter((c) => c !== name)) {
        assert.equal(afterRun.get(other)!.pid, before.get(other)!.pid, `${other} kept its PID`);
        assert.equal(isAlive(afterRun.get(other)!.pid), true, `${other} runs`);
      }
      assert.equal(afterRun.get(name)!.pid, restarted.get(name)!.pid, `${name} was restarted once`);
    });
  }

  test('the restarted dev server and database run on the same state: an earlier run is still known to both', async () => {
    const { status, body } = await api.get(`/v1/report-generate-requests/${firstRun}`);
    assert.equal(status, 200);
    assert.equal(body.status, 'SUCCEEDED');
    const connection = await Connection.connect({ address: service.temporalAddress });
    try {
      const described = await new Client({ connection }).workflow.getHandle(firstRun).describe();
      assert.equal(described.status.name, 'COMPLETED');
    } finally {
      await connection.close();
    }
  });

  test('a run in flight when the worker is killed ends SUCCEEDED after the restart, delivered and notified once', async () => {
    const events: { type: string; request_id: string }[] = [];
    const hook: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; request_id: string });
        res.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const connection = await Connection.connect({ address: service.temporalAddress });
    const sql = new pg.Client(service.databaseUrl);
    await sql.connect();
    try {
      // A year of lines: the query stage streams for seconds, so the kill lands in it (it heartbeats).
      const created = await api.post('/v1/report-generate-requests', {
        report_code: 'INVOICE_LINES', format: 'CSV', language: 'en', timezone: 'Europe/London',
        parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2011-12-09' }],
        notify: { webhook_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = String(created.body.id);
      const staging = path.join(service.varDir, 'staging', id);
      await waitFor('rows being staged', async () => {
        const files = await readdir(staging).catch(() => [] as string[]);
        for (const f of files) if ((await stat(path.join(staging, f)).catch(() => undefined))?.size) return true;
        return undefined;
      }, 60_000);
      const worker = (await service.children()).get('worker')!;
      process.kill(worker.pid, 'SIGKILL');

      const { final, seen } = await api.waitForRun(id, { timeoutMs: 300_000, intervalMs: 500 });
      assert.equal(final.status, 'SUCCEEDED', `${JSON.stringify(final)}; seen ${seen.join(' → ')}`);
      assert.notEqual((await service.children()).get('worker')!.pid, worker.pid);
      const { rows } = await sql.query<{ n: number }>(
        `select count(*)::int as n from retail.invoice_line where invoice_date >= '2010-12-01T00:00:00+00:00' and invoice_date < '2011-12-10T00:00:00+00:00'`);
      assert.equal((final.report as Record<string, unknown>).rows, rows[0]!.n);

      const handle = new Client({ connection }).workflow.getHandle(id);
      await handle.result();
      const history = await handle.fetchHistory();
      const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
      assert.ok(attempts.some((a) => a >= 2), `an activity ran again after the kill (attempts ${attempts.join(', ')})`);
      assert.equal((history.events ?? []).filter((e) => e.workflowExecutionCompletedEventAttributes).length, 1);
      const succeeded = events.filter((e) => e.request_id === id && e.type === 'report.succeeded');
      assert.equal(succeeded.length, 1, `one report.succeeded webhook: ${JSON.stringify(events)}`);
    } finally {
      hook.close();
      await sql.end();
      await connection.close();
    }
  });

  test('SIGKILL of npm start leaves none of its children running', async () => {
    const pids = allPids(await service.children());
    assert.equal(pids.length, 5, 'temporal, its watchdog, embedded-db, worker, api');
    process.kill(service.pid, 'SIGKILL');
    await service.exited;
    const left = await waitFor('every child gone', async () => {
      const running = pids.filter(isAlive);
      return running.length === 0 ? running : undefined;
    }, 60_000).catch(() => pids.filter(isAlive));
    assert.deepEqual(left, [], 'no child outlives npm start');
  });
});

describe('a later npm start on the same var/: stale processes, and a crash loop', { timeout: 600_000 }, () => {
  let first: RunningService | undefined;
  let second: RunningService | undefined;

  after(async () => {
    await second?.stop();
    await first?.stop();
  });

  test('a dev server left running by an earlier npm start is found and stopped; the new start comes up on the same ports', async () => {
    first = await startService({ env: { ...SUPERVISION_ENV, REPORTFLOW_SEED_DATA: 'false' } });
    const temporal = (await first.children()).get('temporal')!;
    // Its supervisor and its watchdog die at once: nothing is left to stop the dev server.
    process.kill(first.pid, 'SIGKILL');
    process.kill(temporal.watchdog!.pid, 'SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(isAlive(temporal.pid), true, 'the orphaned dev server still runs');

    second = await startService({ env: { ...SUPERVISION_ENV, REPORTFLOW_SEED_DATA: 'false' }, reuse: first });
    assert.ok(second.output.some((l) => l.includes(`left running: temporal (pid ${temporal.pid})`)), second.output.join('\n'));
    assert.equal(isAlive(temporal.pid), false);
    assert.notEqual((await second.children()).get('temporal')!.pid, temporal.pid);
  });

  test('a child that fails at every start is a crash loop: everything stops with exit code 1 and says why', async () => {
    assert.ok(second, 'started by the previous test');
    const pids = allPids(await second.children());
    // The worker loads this bundle at start; the one running has it already.
    await writeFile(path.join(second.varDir, 'workflow-bundle.js'), 'this is not JavaScript (\n');
    process.kill((await second.children()).get('worker')!.pid, 'SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([second.exited, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), 240_000)))]);
    clearTimeout(timer);
    assert.equal(code, 1);
    const text = second.output.join('\n');
    assert.match(text, /worker exited \(exit code 1\) for the 3rd time within 60 s, more than the 2 restarts REPORTFLOW_RESTART_LIMIT allows in REPORTFLOW_RESTART_WINDOW_MS: a crash loop; stopping everything/);
    assert.match(text, /api stopped[\s\S]*worker stopped[\s\S]*embedded-db stopped[\s\S]*temporal stopped/);
    assert.deepEqual(pids.filter(isAlive), [], 'no child left');
  });
});
