/**
 * Outages against the real Temporal dev server and PostgreSQL: a subscription whose schedule fires
 * every 3 seconds (a six-field CUSTOM cron, through the same spec builder and workflow as every
 * subscription) with a catch-up window of 12 (10) seconds.
 *
 * - Workers down: Temporal starts the first run on time and buffers the rest (BUFFER_ALL); when a
 *   worker comes, they run one after another in nominal-time order, each for its own period, and
 *   exactly those that begin within the window run — the older ones end MISSED.
 * - Server down: Temporal skips the times older than its window when it comes back; the subscription
 *   lists exactly those (and any that began too late) as `missed_periods`, and every other time ran.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { uuidv7 } from '../../src/requests/request-id.js';
import { migrate } from '../../src/data/migrate.js';
import { PgDatabase } from '../../src/data/pg-database.js';
import { periodKey } from '../../src/domain/subscription-period.js';
import { scheduleIdOf, type ScheduledReportResult } from '../../src/domain/subscription-run.js';
import { snapshot, SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import type { Subscription } from '../../src/subscriptions/subscription.js';
import { SubscriptionSchedules } from '../../src/temporal/schedules.js';
import { freePort } from '../helpers/free-port.js';
import { FakeDataRealState } from '../helpers/fake-data-real-state.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { bundleReportWorkflows, startTemporalTestServer } from '../helpers/temporal.js';
import { invoiceCatalog } from '../workflows/fakes.js';
import { withHarness } from '../workflows/harness.js';

const EVERY_3S = '*/3 * * * * *';
const ZONE = 'Europe/Oslo';

let bundle: WorkflowBundleWithSourceMap;
let pgServer: TestPostgres;
let pgDb: PgDatabase;

before(async () => {
  // The bundle first: it also quiets the SDK runtime before any server starts.
  bundle = await bundleReportWorkflows();
  pgServer = await startTestPostgres();
  pgDb = new PgDatabase({ url: pgServer.url, applicationName: 'subscription-outage' });
  await migrate(pgDb, { dataDir: path.resolve(import.meta.dirname, '../../data'), seed: false });
});
after(async () => {
  await pgDb?.close();
  await pgServer?.stop();
});

/** Runs `fn` while one report worker polls `taskQueue` (and records to the real database). */
function withWorker(env: TestWorkflowEnvironment, taskQueue: string, fn: () => Promise<void>): Promise<void> {
  return withHarness(env, bundle, () => fn(), (h) => {
    h.db = new FakeDataRealState(pgDb);
    h.config.taskQueue = taskQueue;
  });
}

/**
 * A subscription firing every 3 seconds, stored and scheduled as `SubscriptionService.create` does;
 * the API itself refuses crons with seconds, so the test stores it directly.
 */
async function everyThreeSeconds(store: SubscriptionStore, schedules: SubscriptionSchedules): Promise<Subscription> {
  const row = await store.insert({
    id: uuidv7(),
    tenantId: 'acme',
    template: { reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', language: 'en', timezone: ZONE },
    schedule: { frequency: 'CUSTOM', timeOfDay: '00:00', cron: EVERY_3S },
    timezone: ZONE,
    active: true,
  });
  await schedules.upsert(snapshot(row), { paused: false });
  await schedules.describe(row.id); // answered once the scheduler has started
  await store.ledger.startOpenSpanNow(row.id);
  return row;
}

interface Run {
  result: ScheduledReportResult;
  nominal: number;
  /** When the run began: its first workflow task (the time the workflow judged its lateness by). */
  begun: number;
  started: number;
  closed: number;
}

/** Every closed scheduled run of the subscription, in nominal-time order. */
async function scheduledRuns(client: Client, subscriptionId: string): Promise<Run[]> {
  const out: Run[] = [];
  const query = `WorkflowType = 'scheduledReport' AND TemporalScheduledById = '${scheduleIdOf(subscriptionId)}' AND ExecutionStatus != 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    const handle = client.workflow.getHandle(wf.workflowId, wf.runId);
    const history = await handle.fetchHistory();
    const firstTask = history.events!.find((e) => e.workflowTaskStartedEventAttributes)!;
    const result = (await handle.result()) as ScheduledReportResult;
    out.push({
      result,
      nominal: Date.parse(result.nominalTime),
      begun: Number(firstTask.eventTime!.seconds) * 1000 + Math.floor((firstTask.eventTime!.nanos ?? 0) / 1e6),
      started: wf.startTime.getTime(),
      closed: wf.closeTime!.getTime(),
    });
  }
  return out.sort((a, b) => a.nominal - b.nominal);
}

/** Polls until `done(runs)`, at most `timeoutMs`. */
async function until(client: Client, subscriptionId: string, done: (runs: Run[]) => boolean, timeoutMs = 60_000): Promise<Run[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await scheduledRuns(client, subscriptionId);
    if (done(runs)) return runs;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${runs.map((r) => `${r.result.nominalTime} ${r.result.outcome}`).join(', ')}`);
    await sleep(500);
  }
}

/** Waits until no scheduled run of the subscription is running. */
async function settled(client: Client, subscriptionId: string): Promise<void> {
  const query = `WorkflowType = 'scheduledReport' AND TemporalScheduledById = '${scheduleIdOf(subscriptionId)}' AND ExecutionStatus = 'Running'`;
  for (let i = 0; i < 60 && (await client.workflow.count(query)).count > 0; i++) await sleep(500);
}

/** Consecutive runs are 3 s apart: no scheduled time was dropped or taken twice. */
function assertEveryTimeOnce(runs: Run[]): void {
  for (let i = 1; i < runs.length; i++) assert.equal(runs[i]!.nominal - runs[i - 1]!.nominal, 3000, `${runs[i - 1]!.result.nominalTime} then ${runs[i]!.result.nominalTime}`);
}

function service(store: SubscriptionStore, schedules: SubscriptionSchedules): SubscriptionService {
  return new SubscriptionService({ store, scheduler: schedules, catalog: invoiceCatalog(), config: { subscriptionCatchupDays: 7, subscriptionBackfillMaxRuns: 366 }, newId: uuidv7 });
}

void test('after a worker outage, the runs within the catch-up window run once each, in order, each for its own period; older ones end MISSED and are listed', async () => {
  const WINDOW_MS = 12_000;
  const env = await startTemporalTestServer();
  try {
    const queue = `outage-${randomUUID()}`;
    const store = new SubscriptionStore(pgDb);
    const schedules = new SubscriptionSchedules(env.client, { taskQueue: queue, catchupWindowMs: WINDOW_MS });
    const sub = await everyThreeSeconds(store, schedules);
    // The scheduler takes the times after its own start (its first task), which it reports as createdAt.
    const created = (await env.client.schedule.getHandle(scheduleIdOf(sub.id)).describe()).info.createdAt.getTime();
    // No worker for 21 s: the first run waits for one, the 6 or so after it wait in the schedule's buffer.
    await sleep(21_000);
    const workerUp = Date.now();
    let runs: Run[] = [];
    await withWorker(env, queue, async () => {
      // Until the backlog is gone: a time after the worker came has run.
      runs = await until(env.client, sub.id, (rs) => rs.some((r) => r.nominal > workerUp + 3000), 90_000);
      await service(store, schedules).pause('acme', sub.id, 'end of test');
      await settled(env.client, sub.id);
    });
    runs = await scheduledRuns(env.client, sub.id);

    const first = `first run ${runs[0]?.result.nominalTime}, schedule created ${new Date(created).toISOString()}`;
    assert.ok(runs[0]!.nominal > created && runs[0]!.nominal <= created + 3000, `the first time after Temporal created the schedule (${first})`);
    assertEveryTimeOnce(runs);
    const backlog = runs.filter((r) => r.nominal < workerUp);
    assert.ok(backlog.length >= 6, `${backlog.length} times passed without a worker`);
    for (const r of runs) {
      const late = r.begun - r.nominal;
      assert.equal(r.result.outcome, late > WINDOW_MS ? 'MISSED' : 'RAN', `${r.result.nominalTime} began ${late} ms late`);
      if (r.result.outcome === 'RAN') assert.equal(r.result.runStatus, 'SUCCEEDED');
    }
    assert.ok(backlog.filter((r) => r.result.outcome === 'MISSED').length >= 2, 'the oldest of the backlog missed the window');
    assert.ok(backlog.filter((r) => r.result.outcome === 'RAN').length >= 2, 'the youngest of the backlog ran');
    // BUFFER_ALL: each run started only after the one before it closed, so they ran in nominal order.
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i]!.started >= runs[i - 1]!.closed, `${runs[i]!.result.nominalTime} started after ${runs[i - 1]!.result.nominalTime} closed`);
    // Each run has its own period, from the time before it to its own; one report run per period that ran.
    for (const r of runs) assert.deepEqual([Date.parse(r.result.period!.from), Date.parse(r.result.period!.to)], [r.nominal - 3000, r.nominal]);
    const ran = runs.filter((r) => r.result.outcome === 'RAN');
    assert.equal(new Set(ran.map((r) => periodKey(r.result.period!))).size, ran.length);
    for (const r of ran) assert.equal((await env.client.workflow.getHandle(r.result.runId!).describe()).status.name, 'COMPLETED');
    for (const r of runs.filter((x) => x.result.outcome === 'MISSED')) {
      await assert.rejects(env.client.workflow.getHandle(r.result.runId!).describe(), /not found/i, 'a missed period has no report run');
    }

    // The subscription lists exactly the runs that began too late as its missed periods.
    const view = await service(store, schedules).get('acme', sub.id);
    const missed = view!.missedPeriods.map((m) => [Date.parse(m.nominalTime), m.reason]);
    assert.deepEqual(missed, runs.filter((r) => r.result.outcome === 'MISSED').map((r) => [r.nominal, 'STARTED_TOO_LATE']));
    await schedules.delete(sub.id);
  } finally {
    await env.teardown();
  }
});

void test('after a server outage, the times Temporal skipped (older than its window) are exactly the missed periods; every other time ran once', async () => {
  const WINDOW_MS = 10_000;
  const dir = await mkdtemp(path.join(tmpdir(), 'reportflow-outage-'));
  const dbFilename = path.join(dir, 'temporal.db');
  const port = await freePort();
  const queue = `outage-${randomUUID()}`;
  const store = new SubscriptionStore(pgDb);
  let env = await startTemporalTestServer({ dbFilename, port });
  try {
    let schedules = new SubscriptionSchedules(env.client, { taskQueue: queue, catchupWindowMs: WINDOW_MS });
    const sub = await everyThreeSeconds(store, schedules);
    await withWorker(env, queue, async () => {
      await until(env.client, sub.id, (rs) => rs.length >= 2);
    });
    await env.teardown();
    const down = Date.now();
    // Server down 20 s: at least 3 times fall outside the 10 s window when it is back.
    await sleep(20_000);
    env = await startTemporalTestServer({ dbFilename, port });
    const up = Date.now();
    schedules = new SubscriptionSchedules(env.client, { taskQueue: queue, catchupWindowMs: WINDOW_MS });
    await withWorker(env, queue, async () => {
      await until(env.client, sub.id, (rs) => rs.some((r) => r.nominal > up + 3000), 90_000);
      await service(store, schedules).pause('acme', sub.id, 'end of test');
      await settled(env.client, sub.id);
    });

    const info = (await env.client.schedule.getHandle(scheduleIdOf(sub.id)).describe()).info;
    const skipped = info.numActionsMissedCatchupWindow;
    // The scheduler decides what to skip when it first runs after the restart, which on a busy machine is
    // seconds after the test got the server back: the first action it took after the outage dates it.
    const resumed = Math.min(...info.recentActions.map((a) => a.takenAt.getTime()).filter((t) => t > down));
    assert.ok(Number.isFinite(resumed), 'the schedule took an action after the outage');
    assert.ok(skipped >= 3, `Temporal skipped ${skipped} times`);
    const runs = await scheduledRuns(env.client, sub.id);
    const view = (await service(store, schedules).get('acme', sub.id))!;
    const notStarted = view.missedPeriods.filter((m) => m.reason === 'NOT_STARTED').map((m) => Date.parse(m.nominalTime));
    const tooLate = view.missedPeriods.filter((m) => m.reason === 'STARTED_TOO_LATE').map((m) => Date.parse(m.nominalTime));
    const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString().slice(11, 23)).join(' ');
    const facts = `not started: ${iso(notStarted)}; runs: ${iso(runs.map((r) => r.nominal))}; down ${iso([down])}, up ${iso([up])}`;
    assert.equal(notStarted.length, skipped, `one missed period per time Temporal skipped (${facts})`);
    for (const t of notStarted) {
      assert.ok(t > down - 3000 && t < Math.max(up, resumed) - WINDOW_MS + 3000, `${new Date(t).toISOString()} fell in the outage, before the scheduler resumed at ${iso([resumed])} (${facts})`);
      assert.ok(!runs.some((r) => r.nominal === t), 'no run of it exists');
    }
    assert.deepEqual(tooLate, runs.filter((r) => r.result.outcome === 'MISSED').map((r) => r.nominal));
    // Every time in between is accounted for: it ran (once), or it is missed.
    const all = [...runs.map((r) => r.nominal), ...notStarted].sort((a, b) => a - b);
    for (let i = 1; i < all.length; i++) assert.equal(all[i]! - all[i - 1]!, 3000);
    assert.equal(new Set(all).size, all.length);
    assert.ok(runs.filter((r) => r.result.outcome === 'RAN').length >= 4);
    await schedules.delete(sub.id);
  } finally {
    await env.teardown();
    await rm(dir, { recursive: true, force: true });
  }
});
