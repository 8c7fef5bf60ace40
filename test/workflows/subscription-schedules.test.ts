/**
 * Subscriptions as Temporal Schedules on a real dev server, with the fake report activities: schedule
 * backfills (no waiting for real days) run exactly the expected periods, each once, in the
 * subscriber's time zone; pause/resume/trigger/delete change the schedule as the API says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ReportRequest } from '../../src/domain/report-request.js';
import type { ScheduledReportInput, ScheduledReportResult } from '../../src/domain/subscription-run.js';
import { scheduleIdOf } from '../../src/domain/subscription-run.js';
import type { SubscriptionSchedule } from '../../src/domain/subscription-schedule.js';
import { SubscriptionSchedules } from '../../src/temporal/schedules.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import type { Row } from '../../src/data/database.js';
import { FakeDatabase, invoiceCatalog } from './fakes.js';
import { activityAttempts, withHarness as withReportHarness, type Harness } from './harness.js';

const temporal = useTemporalTestServer();

/**
 * The report harness with a database that has no subscription rows: recording a run's outcome (its
 * ledger row, its failure count) finds none and does nothing (auto-pause and the ledger are tested
 * against PostgreSQL in test/integration/subscription-api and subscription-outage).
 */
class NoSubscriptionRows extends FakeDatabase {
  override async query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return /reportflow\.subscription/.test(sql) ? [] : super.query<R>(sql, params);
  }
}

function withHarness(e: TestWorkflowEnvironment, b: WorkflowBundleWithSourceMap, fn: (h: Harness) => Promise<void>, setup?: (h: Harness) => void): Promise<void> {
  return withReportHarness(e, b, fn, (h) => {
    h.db = new NoSubscriptionRows();
    setup?.(h);
  });
}

function subscription(schedule: SubscriptionSchedule, timezone: string): ScheduledReportInput {
  return {
    subscriptionId: `sub-${randomUUID()}`,
    tenantId: 'acme',
    schedule,
    timezone,
    template: { reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: '536365' }], format: 'CSV', language: 'en', timezone },
  };
}

/** Results of every scheduledReport run the subscription's schedule started, once `expected` have closed. */
async function scheduledRuns(client: Client, subscriptionId: string, expected: number, timeoutMs = 90_000): Promise<ScheduledReportResult[]> {
  const query = `WorkflowType = 'scheduledReport' AND TemporalScheduledById = '${scheduleIdOf(subscriptionId)}' AND ExecutionStatus != 'Running'`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await client.workflow.count(query);
    if (count >= expected) break;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${expected} runs closed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const out: ScheduledReportResult[] = [];
  for await (const wf of client.workflow.list({ query })) {
    out.push(await client.workflow.getHandle(wf.workflowId, wf.runId).result() as ScheduledReportResult);
  }
  return out.sort((a, b) => a.nominalTime.localeCompare(b.nominalTime));
}

/** `fromDate..toDate` of every report run (generateReport) of the subscription, with how many runs each period had. */
async function reportRunsByPeriod(client: Client, subscriptionId: string): Promise<Map<string, number>> {
  const byPeriod = new Map<string, number>();
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'generateReport'` })) {
    if (!wf.workflowId.startsWith(`${subscriptionId}:`)) continue;
    const described = await client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    const request = described.memo?.['request'] as ReportRequest;
    const key = `${request.period!.fromDate}..${request.period!.toDate}`;
    byPeriod.set(key, (byPeriod.get(key) ?? 0) + 1);
  }
  return byPeriod;
}

function exportedPeriods(h: Harness, files: string[], subscriptionId: string): string[] {
  void h;
  const tag = subscriptionId.replace(/[^A-Za-z0-9._-]/g, '-');
  return files.filter((f) => f.includes(tag)).map((f) => /_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})_/.exec(f)!.slice(1, 3).join('..')).sort();
}

void test('backfilling three months runs every MONTHLY and WEEKLY period once, and a second backfill runs none again', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const schedules = new SubscriptionSchedules(temporal.env.client, { taskQueue: h.config.taskQueue });
    const monthly = subscription({ frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 1 }, 'Europe/Oslo');
    const weekly = subscription({ frequency: 'WEEKLY', timeOfDay: '07:00', dayOfWeek: 'MONDAY' }, 'America/New_York');
    await schedules.upsert(monthly, { paused: false });
    await schedules.upsert(weekly, { paused: false });

    const from = new Date('2025-01-01T00:00:00Z');
    const to = new Date('2025-04-01T00:00:00Z');
    await schedules.backfill(monthly.subscriptionId, from, to);
    await schedules.backfill(weekly.subscriptionId, from, to);

    const monthlyRuns = await scheduledRuns(temporal.env.client, monthly.subscriptionId, 3);
    assert.deepEqual(monthlyRuns.map((r) => r.nominalTime), ['2025-01-01T06:00:00.000+01:00', '2025-02-01T06:00:00.000+01:00', '2025-03-01T06:00:00.000+01:00']);
    assert.deepEqual(monthlyRuns.map((r) => [r.outcome, r.runStatus, r.period?.fromDate, r.period?.toDate]), [
      ['RAN', 'SUCCEEDED', '2024-12-01', '2024-12-31'],
      ['RAN', 'SUCCEEDED', '2025-01-01', '2025-01-31'],
      ['RAN', 'SUCCEEDED', '2025-02-01', '2025-02-28'],
    ]);
    assert.deepEqual(monthlyRuns.map((r) => r.period?.from), ['2024-12-01T00:00:00.000+01:00', '2025-01-01T00:00:00.000+01:00', '2025-02-01T00:00:00.000+01:00']);

    // 13 Mondays from 6 January to 31 March; each reports the ISO week before, in New York time.
    const weeklyRuns = await scheduledRuns(temporal.env.client, weekly.subscriptionId, 13);
    assert.equal(weeklyRuns.length, 13);
    assert.ok(weeklyRuns.every((r) => r.outcome === 'RAN' && r.runStatus === 'SUCCEEDED'));
    assert.equal(weeklyRuns[0]!.period!.from, '2024-12-30T00:00:00.000-05:00');
    assert.equal(weeklyRuns[12]!.period!.to, '2025-03-31T00:00:00.000-04:00');
    // The week of the spring DST change (9 March) is one hour short.
    const dstWeek = weeklyRuns.find((r) => r.period!.fromDate === '2025-03-03')!;
    assert.equal((Date.parse(dstWeek.period!.to) - Date.parse(dstWeek.period!.from)) / 3_600_000, 167);

    // Backfilling an overlapping range again starts runs, but no period is reported twice.
    await schedules.backfill(weekly.subscriptionId, new Date('2025-03-01T00:00:00Z'), to);
    const again = await scheduledRuns(temporal.env.client, weekly.subscriptionId, 18);
    assert.equal(again.filter((r) => r.outcome === 'ALREADY_RAN').length, 5);

    const monthlyPeriods = await reportRunsByPeriod(temporal.env.client, monthly.subscriptionId);
    assert.deepEqual([...monthlyPeriods.entries()].sort(), [['2024-12-01..2024-12-31', 1], ['2025-01-01..2025-01-31', 1], ['2025-02-01..2025-02-28', 1]]);
    const weeklyPeriods = await reportRunsByPeriod(temporal.env.client, weekly.subscriptionId);
    assert.equal(weeklyPeriods.size, 13);
    assert.ok([...weeklyPeriods.values()].every((n) => n === 1));

    // The period is in each exported file's name: one file per period.
    const files = await h.exportedFiles();
    assert.deepEqual(exportedPeriods(h, files, monthly.subscriptionId), ['2024-12-01..2024-12-31', '2025-01-01..2025-01-31', '2025-02-01..2025-02-28']);
    assert.equal(exportedPeriods(h, files, weekly.subscriptionId).length, 13);
  });
});

void test('MONTHLY on the LAST day reports once a month, on 29 February in a leap year', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const schedules = new SubscriptionSchedules(temporal.env.client, { taskQueue: h.config.taskQueue });
    const last = subscription({ frequency: 'MONTHLY', timeOfDay: '06:00', dayOfMonth: 'LAST' }, 'Australia/Sydney');
    await schedules.upsert(last, { paused: false });
    await schedules.backfill(last.subscriptionId, new Date('2024-02-01T00:00:00Z'), new Date('2024-04-01T00:00:00Z'));
    // Fires on 28 and 29 February and on 28–31 March: six runs, two of which report.
    const runs = await scheduledRuns(temporal.env.client, last.subscriptionId, 6);
    const ran = runs.filter((r) => r.outcome === 'RAN');
    assert.deepEqual(ran.map((r) => r.nominalTime), ['2024-02-29T06:00:00.000+11:00', '2024-03-31T06:00:00.000+11:00']);
    assert.deepEqual(ran.map((r) => `${r.period!.fromDate}..${r.period!.toDate}`), ['2024-01-01..2024-01-31', '2024-02-01..2024-02-29']);
    assert.equal(runs.filter((r) => r.outcome === 'SKIPPED').length, 4);
  });
});

void test('a time of day that DST skips or repeats reports each day once (02:30 in Oslo)', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const schedules = new SubscriptionSchedules(temporal.env.client, { taskQueue: h.config.taskQueue });
    const daily = subscription({ frequency: 'DAILY', timeOfDay: '02:30' }, 'Europe/Oslo');
    await schedules.upsert(daily, { paused: false });
    await schedules.backfill(daily.subscriptionId, new Date('2025-03-29T00:00:00Z'), new Date('2025-04-01T00:00:00Z'));
    await scheduledRuns(temporal.env.client, daily.subscriptionId, 3);
    await schedules.backfill(daily.subscriptionId, new Date('2025-10-25T00:00:00Z'), new Date('2025-10-28T00:00:00Z'));
    const runs = await scheduledRuns(temporal.env.client, daily.subscriptionId, 6);
    // The spring day's 02:30 does not exist: it runs at 03:30 CEST; the autumn day's 02:30 happens twice and runs once.
    assert.deepEqual(runs.map((r) => r.nominalTime), [
      '2025-03-29T02:30:00.000+01:00', '2025-03-30T03:30:00.000+02:00', '2025-03-31T02:30:00.000+02:00',
      '2025-10-25T02:30:00.000+02:00', '2025-10-26T02:30:00.000+01:00', '2025-10-27T02:30:00.000+01:00',
    ]);
    assert.deepEqual(runs.map((r) => r.period!.fromDate), ['2025-03-28', '2025-03-29', '2025-03-30', '2025-10-24', '2025-10-25', '2025-10-26']);
    const periods = await reportRunsByPeriod(temporal.env.client, daily.subscriptionId);
    assert.equal(periods.size, 6);
    assert.ok([...periods.values()].every((n) => n === 1));

    // Every recorded run replays without non-determinism (the period comes from the nominal time only).
    for await (const wf of temporal.env.client.workflow.list({ query: `TemporalScheduledById = '${scheduleIdOf(daily.subscriptionId)}'` })) {
      const history = await temporal.env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, history, wf.workflowId);
    }
  });
});

void test('pause, resume, trigger and delete change the Temporal Schedule', async () => {
  await withHarness(temporal.env, temporal.bundle, async (h) => {
    const schedules = new SubscriptionSchedules(temporal.env.client, { taskQueue: h.config.taskQueue });
    const weekly = subscription({ frequency: 'WEEKLY', timeOfDay: '07:00', dayOfWeek: 'FRIDAY' }, 'Europe/Oslo');
    await schedules.upsert(weekly, { paused: false });
    const handle = temporal.env.client.schedule.getHandle(scheduleIdOf(weekly.subscriptionId));

    const created = await handle.describe();
    assert.equal(created.state.paused, false);
    assert.equal(created.policies.overlap, 'BUFFER_ALL');
    assert.equal(created.policies.catchupWindow, 7 * 24 * 3600 * 1000);
    assert.equal(created.spec.timezone, 'Europe/Oslo');
    const next = created.info.nextActionTimes[0]!;
    assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', weekday: 'long', hour: '2-digit', minute: '2-digit' }).format(next), 'Friday 07:00');

    await schedules.pause(weekly.subscriptionId, 'client on holiday');
    let d = await handle.describe();
    assert.deepEqual([d.state.paused, d.state.note], [true, 'client on holiday']);
    assert.equal((await schedules.describe(weekly.subscriptionId))?.paused, true);

    await schedules.resume(weekly.subscriptionId, 'back');
    d = await handle.describe();
    assert.deepEqual([d.state.paused, d.state.note], [false, 'back']);

    await schedules.trigger(weekly.subscriptionId);
    const [run] = await scheduledRuns(temporal.env.client, weekly.subscriptionId, 1);
    assert.equal(run!.outcome, 'RAN');
    assert.equal(run!.runStatus, 'SUCCEEDED');
    // Triggered now: it reports the last full ISO week before now, in Oslo.
    assert.ok(Date.parse(run!.period!.to) <= Date.now() && Date.now() - Date.parse(run!.period!.to) < 8 * 24 * 3600 * 1000);
    d = await handle.describe();
    assert.equal(d.info.numActionsTaken, 1);

    await schedules.upsert({ ...weekly, schedule: { frequency: 'DAILY', timeOfDay: '05:15' } }, { paused: false });
    d = await handle.describe();
    assert.equal(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', minute: '2-digit' }).format(d.info.nextActionTimes[0]!), '05:15');

    await schedules.delete(weekly.subscriptionId);
    await assert.rejects(handle.describe(), ScheduleNotFoundError);
    assert.equal(await schedules.describe(weekly.subscriptionId), undefined);
  });
});

void test('a scheduled run of an inline report is three workflow tasks and no activity task, its report run one', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const schedules = new SubscriptionSchedules(temporal.env.client, { taskQueue: h.config.taskQueue });
      // As `snapshot()` writes it for a definition with `run_mode: inline`.
      const daily: ScheduledReportInput = { ...subscription({ frequency: 'DAILY', timeOfDay: '06:00' }, 'Europe/Oslo'), runMode: 'inline' };
      await schedules.upsert(daily, { paused: false });
      await schedules.trigger(daily.subscriptionId);
      const [run] = await scheduledRuns(temporal.env.client, daily.subscriptionId, 1);
      assert.deepEqual([run!.outcome, run!.runStatus], ['RAN', 'SUCCEEDED']);
      assert.equal(exportedPeriods(h, await h.exportedFiles(), daily.subscriptionId).length, 1);

      const parents = [];
      for await (const wf of temporal.env.client.workflow.list({ query: `WorkflowType = 'scheduledReport' AND TemporalScheduledById = '${scheduleIdOf(daily.subscriptionId)}'` })) parents.push(wf);
      assert.equal(parents.length, 1);
      const parent = parents[0]!;
      const parentHandle = temporal.env.client.workflow.getHandle(parent.workflowId, parent.runId);
      const parentEvents = (await parentHandle.fetchHistory()).events ?? [];
      // Start the child; hear it started; hear it finished, record the outcome (a local activity) and end.
      assert.equal(parentEvents.filter((e) => e.workflowTaskCompletedEventAttributes).length, 3);
      assert.equal(parentEvents.filter((e) => e.activityTaskScheduledEventAttributes).length, 0);
      assert.deepEqual(await activityAttempts(parentHandle), { recordRunOutcome: 1 });
      assert.equal(parentEvents.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length, 1, 'one patch, the ledger included');

      const child = temporal.env.client.workflow.getHandle(run!.runId!);
      const childEvents = (await child.fetchHistory()).events ?? [];
      assert.equal(childEvents.filter((e) => e.workflowTaskCompletedEventAttributes).length, 1);
      assert.equal(childEvents.filter((e) => e.activityTaskScheduledEventAttributes).length, 0);
      assert.deepEqual(await activityAttempts(child), { startAndProduce: 1 });
      console.log(`scheduled inline run: ${parentEvents.length} + ${childEvents.length} history events`);
      await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await parentHandle.fetchHistory(), parent.workflowId);
    },
    (h) => {
      h.catalog = invoiceCatalog('inline');
    },
  );
});
