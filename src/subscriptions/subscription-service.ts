/**
 * What the API does with subscriptions: validate, store in PostgreSQL, and keep the Temporal
 * Schedule in step. The row is the source of truth for what the client asked; the schedule is the
 * source of truth for when runs happen (next times, recent runs).
 */
import { DateTime } from 'luxon';
import type { Catalog } from '../catalog/load-catalog.js';
import { validateRequest } from '../catalog/validate-request.js';
import { namedValue, ReportError } from '../domain/errors.js';
import type { ReportPeriod } from '../domain/report-request.js';
import { isValidTimeZone } from '../domain/period.js';
import { missedRuns, type MissedRun } from '../domain/subscription-missed.js';
import { isReportingRun, nominalTimes, subscriptionPeriod, zonedPeriod } from '../domain/subscription-period.js';
import type { ReportTemplate, ScheduledReportInput } from '../domain/subscription-run.js';
import { scheduleProblems, scheduleSummary, type SubscriptionSchedule } from '../domain/subscription-schedule.js';
import type { Page } from '../records/records.js';
import type { ManualRun, ScheduleView, SubscriptionScheduler } from '../temporal/schedules.js';
import { catalogWith, currentTemplate } from '../templates/current-template.js';
import type { TemplateStore } from '../templates/template-store.js';
import type { Subscription, SubscriptionChanges, SubscriptionConfiguration } from './subscription.js';
import type { SubscriptionStore } from './subscription-store.js';

/** A subscription with its schedule's live state. */
export interface SubscriptionView extends Subscription {
  /** Undefined when the schedule could not be found (deleted from outside) or Temporal did not answer (`scheduleUnavailable`). */
  scheduleState?: ScheduleView;
  /**
   * True when Temporal did not answer within `LIVE_STATE_TIMEOUT_MS` (down, or a scheduler busy with
   * thousands of runs), or the database did not answer the missed-period reads in time: the view is
   * then the stored row, and `scheduleState`, `nextRunTimes`, `manualRuns` and `missedPeriods` may be
   * unknown (absent or empty). A change the view follows was made all the same.
   */
  scheduleUnavailable: boolean;
  /**
   * Scheduled times, while the subscription was active, whose runs did not happen because of an
   * outage longer than the catch-up window (see `missedRuns`): oldest first, at most the latest 50,
   * looking back 400 days. Times while paused are not missed.
   */
  missedPeriods: MissedRun[];
  /**
   * The schedule's next times (Temporal lists up to 10) that will produce a report: none while the
   * subscription or its schedule is paused, and for MONTHLY on the LAST day only the months' last
   * days (the spec also fires on days 28–30, whose runs end at once as SKIPPED). UTC instants.
   */
  nextRunTimes: Date[];
  /** The latest runs started outside the schedule (`trigger`), oldest first, at most `MANUAL_RUNS_SHOWN`. */
  manualRuns: ManualRun[];
}

/** How many runs started outside the schedule a subscription's view lists (as Temporal keeps the schedule's latest 10). */
export const MANUAL_RUNS_SHOWN = 10;

/**
 * How long a view waits for each of Temporal's answers about a schedule (its describe, the list of
 * triggered runs), in ms. Short beside the 20 s a change may take: a view's live part is not worth a
 * client's timeout, and a change (at most 20 s) with its view then stays under the 30 s clients wait.
 */
export const LIVE_STATE_TIMEOUT_MS = 5_000;

/** A schedule's live state as a view reads it: `unavailable` when Temporal did not answer in time. */
interface LiveState {
  state?: ScheduleView;
  unavailable: boolean;
}

export interface CreateSubscription {
  name?: string;
  template: ReportTemplate;
  /** The saved report configuration `template` was merged from, and the overrides merged over it. */
  configuration?: SubscriptionConfiguration;
  schedule: SubscriptionSchedule;
  active: boolean;
}

export interface SubscriptionServiceDeps {
  store: SubscriptionStore;
  scheduler: SubscriptionScheduler;
  catalog: Catalog;
  /** Tenant templates, which subscriptions may run (`template.templateId`); unset: such subscriptions are refused TEMPLATE_NOT_FOUND. */
  templates?: Pick<TemplateStore, 'get'>;
  /**
   * `subscriptionCatchupDays`: the window missed periods are judged by when the schedule cannot be
   * described; `subscriptionBackfillMaxRuns`: the most runs one backfill may ask for.
   */
  config: { subscriptionCatchupDays: number; subscriptionBackfillMaxRuns: number };
  newId: () => string;
  now?: () => Date;
}

export class SubscriptionService {
  private readonly now: () => Date;

  constructor(private readonly deps: SubscriptionServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Stores the subscription and creates its schedule; a Temporal fault stores nothing.
   * @throws ReportError SCHEDULE_INVALID / TIMEZONE_UNKNOWN / the report validation codes (400), UNAVAILABLE (503).
   */
  async create(tenantId: string, input: CreateSubscription): Promise<SubscriptionView> {
    await this.check(tenantId, input.template, input.schedule);
    const id = this.deps.newId();
    const row = await this.deps.store.withScheduleLock(id, async (tx) => {
      const row = await this.deps.store.insert({
        id,
        tenantId,
        ...(input.name ? { name: input.name } : {}),
        template: input.template,
        ...(input.configuration ? { configuration: input.configuration } : {}),
        schedule: input.schedule,
        timezone: input.template.timezone,
        active: input.active,
        ...(input.active ? {} : { pausedReason: 'Created inactive.' }),
      }, tx);
      await this.pushSchedule(row);
      return row;
    });
    return this.applied(row);
  }

  async get(tenantId: string, id: string): Promise<SubscriptionView | undefined> {
    const row = await this.deps.store.get(tenantId, id);
    return row && this.view(row);
  }

  /** The stored subscription alone, without asking Temporal (what a change starts from). */
  async find(tenantId: string, id: string): Promise<Subscription | undefined> {
    return this.deps.store.get(tenantId, id);
  }

  /** A page of the tenant's subscriptions, oldest first, with the total count (see `SubscriptionStore.list`). */
  async list(tenantId: string, filter: { reportCode?: string; active?: boolean; limit?: number; cursor?: string }): Promise<Page<Subscription>> {
    return this.deps.store.list(tenantId, filter);
  }

  /**
   * Changes the schedule in place: runs already started keep their snapshot. A Temporal fault changes
   * nothing. @throws like `create`.
   */
  async update(tenantId: string, id: string, changes: SubscriptionChanges): Promise<SubscriptionView | undefined> {
    const before = await this.deps.store.get(tenantId, id);
    if (!before) return undefined;
    const template = changes.template ?? before.template;
    await this.check(tenantId, template, changes.schedule ?? before.schedule);
    const row = await this.deps.store.withScheduleLock(id, async (tx) => {
      const row = await this.deps.store.update(tenantId, id, { ...changes, template, timezone: template.timezone }, tx);
      if (row) await this.pushSchedule(row);
      return row;
    });
    return row && this.applied(row);
  }

  /** Pauses it and its schedule, with `note` as the reason; a Temporal fault changes nothing. */
  async pause(tenantId: string, id: string, note?: string): Promise<SubscriptionView | undefined> {
    const reason = note || 'Paused by the client.';
    const row = await this.deps.store.withScheduleLock(id, async (tx) => {
      const row = await this.deps.store.setActive(tenantId, id, false, reason, tx);
      if (row) await this.deps.scheduler.pause(id, reason);
      return row;
    });
    return row && this.view(row);
  }

  /** Resumes it and its schedule (`note` joins the summary the Web UI shows); a Temporal fault changes nothing. */
  async resume(tenantId: string, id: string, note?: string): Promise<SubscriptionView | undefined> {
    const row = await this.deps.store.withScheduleLock(id, async (tx) => {
      const row = await this.deps.store.setActive(tenantId, id, true, undefined, tx);
      // The note is what the Web UI shows for the schedule: keep the readable summary in it.
      if (row) await this.deps.scheduler.resume(id, `${scheduleSummary(row.schedule, row.timezone)} · ${note || 'resumed by the client'}`);
      return row;
    });
    return row && this.applied(row);
  }

  /**
   * One run now: for the period that ends now (the one a run scheduled now would report; a SCHEDULED
   * run), or for `[from, to)` when given (ISO-8601 dates — local midnight in the subscription's zone —
   * or instants; a BACKFILL run). The period is fixed here, not by when Temporal starts the run, so
   * the run's id (`<subscription>:<period key>`) is known at once.
   * @returns the run's period. @throws ReportError SCHEDULE_INVALID for an empty or reversed range, or
   *   a CUSTOM cron with no time before now.
   */
  async trigger(tenantId: string, id: string, range?: { from: string; to: string }): Promise<{ found: boolean; period?: ReportPeriod }> {
    const row = await this.deps.store.get(tenantId, id);
    if (!row) return { found: false };
    const period = range ? zonedPeriod(...this.range(row, range)) : this.periodEndingNow(row);
    await this.deps.scheduler.runPeriod({ ...snapshot(row, this.deps.catalog), period, runType: range ? 'BACKFILL' : 'SCHEDULED' });
    return { found: true, period };
  }

  /** @throws ReportError SCHEDULE_INVALID when the schedule has no time before now (a CUSTOM cron). */
  private periodEndingNow(row: Subscription): ReportPeriod {
    try {
      return subscriptionPeriod(row.schedule, row.timezone, this.now());
    } catch (err) {
      throw new ReportError('SCHEDULE_INVALID', (err as Error).message, [{ field: 'schedule', code: 'SCHEDULE_INVALID', message: (err as Error).message }]);
    }
  }

  /**
   * One run per nominal time in `[from, to)`, however old. `runs` counts them.
   * @throws ReportError SCHEDULE_INVALID for an empty or reversed range, or one holding more than
   *   `subscriptionBackfillMaxRuns` runs: every run is a report, and one call asking for ten thousand
   *   would keep the worker and Temporal's scheduler busy for hours and slow every other tenant.
   */
  async backfill(tenantId: string, id: string, range: { from: string; to: string }): Promise<{ found: boolean; runs?: number }> {
    const row = await this.deps.store.get(tenantId, id);
    if (!row) return { found: false };
    const [from, to] = this.range(row, range);
    const max = this.deps.config.subscriptionBackfillMaxRuns;
    const runs = nominalTimes(row.schedule, row.timezone, from.toJSDate(), to.toJSDate(), max + 1).length;
    if (runs > max) {
      throw new ReportError('SCHEDULE_INVALID', `The range holds more than ${max} runs; split it into several backfills.`, [
        { field: 'to', code: 'SCHEDULE_INVALID', message: `At most ${max} runs per backfill (REPORTFLOW_SUBSCRIPTION_BACKFILL_MAX_RUNS).` },
      ]);
    }
    // Adding the range to the schedule is a read-modify-write: one change at a time, or a range could be lost.
    const found = await this.deps.store.withScheduleLock(id, async (tx) => {
      const current = await this.deps.store.get(tenantId, id, tx);
      if (current) await this.deps.scheduler.backfill(id, from.toJSDate(), to.toJSDate());
      return current !== undefined;
    });
    if (!found) return { found: false };
    return { found: true, runs };
  }

  /**
   * Deletes the subscription and its schedule; runs already started finish. The row's deletion
   * commits only once the schedule is gone (a Temporal fault leaves both), and no change after it
   * can bring the schedule back.
   */
  async delete(tenantId: string, id: string): Promise<boolean> {
    return this.deps.store.withScheduleLock(id, async (tx) => {
      if (!(await this.deps.store.delete(tenantId, id, tx))) return false;
      await this.deps.scheduler.delete(id);
      return true;
    });
  }

  private range(row: Subscription, range: { from: string; to: string }): [DateTime, DateTime] {
    const from = DateTime.fromISO(range.from, { zone: row.timezone });
    const to = DateTime.fromISO(range.to, { zone: row.timezone });
    const errors = [];
    if (!from.isValid) errors.push({ field: 'from', code: 'SCHEDULE_INVALID', message: 'An ISO-8601 date or instant.' });
    if (!to.isValid) errors.push({ field: 'to', code: 'SCHEDULE_INVALID', message: 'An ISO-8601 date or instant.' });
    if (!errors.length && to <= from) errors.push({ field: 'to', code: 'SCHEDULE_INVALID', message: 'Must be after `from`.' });
    if (errors.length) throw new ReportError('SCHEDULE_INVALID', 'The range is not valid.', errors);
    return [from, to];
  }

  /**
   * The tenant's subscriptions that follow report configuration `configurationId` (rows as stored,
   * oldest first). @throws the database's error.
   */
  followers(tenantId: string, configurationId: string): Promise<Subscription[]> {
    return this.deps.store.following(tenantId, configurationId);
  }

  /**
   * Checks that `template` on `schedule` is a subscription that can be stored and run, as `create`
   * and `update` do before anything is written. A tenant template's is checked against its current version.
   * @throws ReportError TIMEZONE_UNKNOWN, SCHEDULE_INVALID or the report validation codes (400);
   *   TEMPLATE_NOT_FOUND (404) when its template is gone; the database's error when it cannot be read.
   */
  async check(tenantId: string, template: ReportTemplate, schedule: SubscriptionSchedule): Promise<void> {
    if (!isValidTimeZone(template.timezone)) {
      throw new ReportError('TIMEZONE_UNKNOWN', `${namedValue(template.timezone, 'The time zone sent')} is not an IANA time zone.`, [{ field: 'timezone', code: 'TIMEZONE_UNKNOWN', message: 'Use an IANA name such as Europe/Oslo.' }]);
    }
    const problems = scheduleProblems(schedule);
    if (problems.length) throw new ReportError('SCHEDULE_INVALID', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);
    let period: ReportPeriod;
    try {
      period = subscriptionPeriod(schedule, template.timezone, this.now());
    } catch (err) {
      throw new ReportError('SCHEDULE_INVALID', (err as Error).message, [{ field: 'schedule.cron', code: 'SCHEDULE_INVALID', message: 'Matches no time within 400 days.' }]);
    }
    const catalog = template.templateId === undefined
      ? this.deps.catalog
      : catalogWith(this.deps.catalog, (await currentTemplate(this.deps.templates, this.deps.catalog, tenantId, template.templateId)).definition);
    // The same validation a run does, with the period a run now would have.
    validateRequest(catalog, { ...template, id: 'subscription-check', tenantId, requestedAt: this.now().toISOString(), period });
  }

  /**
   * The view after a change that may have opened an active span (create, resume, schedule change).
   * Temporal's scheduler applies a change asynchronously, after the call returned (its first task, or
   * the signal); a describe is answered only after it, so the span starts once that answer is back:
   * the schedule acts on times after it, never on the ones between the database write and then. When
   * no answer comes in time the span starts all the same: the change is made, and a time the
   * scheduler then skips while it catches up is listed as missed, which it is.
   */
  private async applied(row: Subscription): Promise<SubscriptionView> {
    const live = await this.live(row.id);
    // Under the schedule lock, so a change made meanwhile is wholly before or after this (see startOpenSpanNow).
    await this.deps.store.withScheduleLock(row.id, (tx) => this.deps.store.ledger.startOpenSpanNow(row.id, tx));
    return this.view(row, live);
  }

  /** The schedule's description, or `unavailable` when Temporal did not answer within `LIVE_STATE_TIMEOUT_MS`. */
  private async live(id: string): Promise<LiveState> {
    try {
      return { state: await this.deps.scheduler.describe(id, { timeoutMs: LIVE_STATE_TIMEOUT_MS }), unavailable: false };
    } catch (err) {
      if (isUnavailable(err)) return { unavailable: true };
      throw err;
    }
  }

  /** Makes the schedule match `row` (spec, snapshot, paused state and note); called under its schedule lock. */
  private async pushSchedule(row: Subscription): Promise<void> {
    await this.deps.scheduler.upsert(snapshot(row, this.deps.catalog), { paused: !row.active, ...(row.pausedReason ? { note: row.pausedReason } : {}) });
  }

  private async view(row: Subscription, described?: LiveState): Promise<SubscriptionView> {
    const live = described ?? (await this.live(row.id));
    const scheduleState = live.state;
    const nextRunTimes = row.active && scheduleState && !scheduleState.paused
      ? scheduleState.nextRunTimes.filter((t) => isReportingRun(row.schedule, row.timezone, t))
      : [];
    // The database may be slow too (the embedded engine under load): a change already committed is answered all the same.
    const [missedPeriods, manualRuns] = await Promise.all([this.missedPeriods(row, scheduleState).catch(unlessUnavailable), this.manualRuns(row.id)]);
    return {
      ...row,
      ...(scheduleState ? { scheduleState } : {}),
      scheduleUnavailable: live.unavailable || manualRuns === undefined || missedPeriods === undefined,
      nextRunTimes,
      missedPeriods: missedPeriods ?? [],
      manualRuns: manualRuns ?? [],
    };
  }

  /** The latest triggered runs, or undefined when Temporal's visibility did not answer within `LIVE_STATE_TIMEOUT_MS`. */
  private async manualRuns(id: string): Promise<ManualRun[] | undefined> {
    try {
      return await this.deps.scheduler.manualRuns(id, MANUAL_RUNS_SHOWN, { timeoutMs: LIVE_STATE_TIMEOUT_MS });
    } catch (err) {
      if (isUnavailable(err)) return undefined;
      throw err;
    }
  }

  /** From the subscription's active spans and ledger, judged by the schedule's catch-up window. */
  private async missedPeriods(row: Subscription, state: ScheduleView | undefined): Promise<MissedRun[]> {
    const now = this.now();
    const since = new Date(now.getTime() - MISSED_LOOK_BACK_DAYS * 86_400_000);
    const [spans, recorded] = await Promise.all([this.deps.store.ledger.spans(row.id, since), this.deps.store.ledger.runs(row.id, since)]);
    const catchupWindowMs = state?.catchupWindowMs ?? this.deps.config.subscriptionCatchupDays * 86_400_000;
    return missedRuns(spans, recorded, { now, catchupWindowMs, lookBackDays: MISSED_LOOK_BACK_DAYS });
  }
}

/**
 * Whether `err` is Temporal or the database not answering (a fault or a deadline), as
 * `SubscriptionScheduler` and the API's database (src/api/client-faults.ts) report it.
 */
function isUnavailable(err: unknown): boolean {
  return err instanceof ReportError && err.code === 'UNAVAILABLE';
}

/** undefined for an `isUnavailable` error; any other is rethrown. */
function unlessUnavailable(err: unknown): undefined {
  if (isUnavailable(err)) return undefined;
  throw err;
}

/** How far back missed periods are looked for, in days. */
const MISSED_LOOK_BACK_DAYS = 400;

/** The snapshot a schedule's runs are started with; with `catalog`, the report's period parameter names and its run mode. */
export function snapshot(row: Subscription, catalog?: Catalog): ScheduledReportInput {
  const definition = catalog?.get(row.template.reportCode);
  const period = definition?.period;
  // A tenant template's definition is its own (always staged), read when the run begins.
  const inline = row.template.templateId === undefined && definition?.run_mode === 'inline';
  return {
    subscriptionId: row.id, tenantId: row.tenantId, schedule: row.schedule, timezone: row.timezone, template: row.template,
    ...(period ? { periodParameters: { from: period.from_parameter, to: period.to_parameter } } : {}),
    ...(inline ? { runMode: 'inline' as const } : {}),
  };
}
