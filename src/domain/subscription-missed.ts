/**
 * A subscription's missed periods, exactly: the scheduled times at which it was active whose runs did
 * not happen because of an outage, from the times its schedule had (active spans) and what its runs
 * recorded (the ledger). Sandbox-safe and pure, so the rule is unit-tested on its own.
 *
 * A time is missed when it is older than the catch-up window (Temporal will not start it any more on
 * its own) and either
 * - `NOT_STARTED`: no run of it is recorded — Temporal skipped it because the server was down longer
 *   than the window (counted by the schedule as `missed_runs_outside_catchup`), or its run is still
 *   waiting for a worker and will end STARTED_TOO_LATE; or
 * - `STARTED_TOO_LATE`: its run began after the window (the workers were down, or it queued behind
 *   others) and did nothing.
 * Times while the subscription was paused are not missed: a pause is the client's choice (backfill
 * fills them if wanted). A later run of the same time (a backfill) clears it.
 */
import type { ReportPeriod } from './report-request.js';
import { nominalTimes, subscriptionPeriod } from './subscription-period.js';
import type { SubscriptionSchedule } from './subscription-schedule.js';

/** What one scheduled run did (SKIPPED runs — MONTHLY LAST before the last day — are not recorded). */
export type LedgerOutcome = 'RAN' | 'ALREADY_RAN' | 'MISSED';

/** An interval `[from, to)` during which a subscription was active (`to` absent: still is), with its schedule then. */
export interface ActiveSpan {
  /** ISO-8601 instants. */
  from: string;
  to?: string;
  schedule: SubscriptionSchedule;
  /** IANA zone of `schedule`. */
  timezone: string;
}

/** A recorded run of one nominal time. */
export interface RecordedRun {
  /** ISO-8601 instant: the schedule's nominal time of the run. */
  nominalTime: string;
  outcome: LedgerOutcome;
  period: ReportPeriod;
}

/** One missed period and why. */
export interface MissedRun {
  /** ISO-8601 instant in the subscription's zone. */
  nominalTime: string;
  period: ReportPeriod;
  reason: 'NOT_STARTED' | 'STARTED_TOO_LATE';
}

export interface MissedRunsOptions {
  now: Date;
  /** The schedule's catch-up window, in milliseconds. */
  catchupWindowMs: number;
  /** At most this many, the latest. @default 50 */
  limit?: number;
  /** How far back to look, in days. @default 400 */
  lookBackDays?: number;
  /** At most this many scheduled times per span are examined (the latest), bounding dense crons. @default 1000 */
  maxTimesPerSpan?: number;
}

/**
 * The missed periods, oldest first: at most `limit`, the latest, looking back `lookBackDays`.
 * @param spans the subscription's active spans, any order.
 * @param recorded its recorded runs in the same look-back (any order; one per nominal time).
 */
export function missedRuns(spans: readonly ActiveSpan[], recorded: readonly RecordedRun[], options: MissedRunsOptions): MissedRun[] {
  const { now, catchupWindowMs, limit = 50, lookBackDays = 400, maxTimesPerSpan = 1000 } = options;
  const horizon = now.getTime() - catchupWindowMs;
  const lookBack = now.getTime() - lookBackDays * 86_400_000;
  const byTime = new Map(recorded.map((r) => [Date.parse(r.nominalTime), r]));
  const missed = new Map<number, MissedRun>();
  for (const span of spans) {
    // A schedule acts on times after it was created or changed, not at that instant.
    const from = Math.max(Date.parse(span.from) + 1, lookBack);
    const to = Math.min(span.to ? Date.parse(span.to) : horizon, horizon);
    if (to <= from) continue;
    for (const t of nominalTimes(span.schedule, span.timezone, new Date(from), new Date(to), maxTimesPerSpan)) {
      if (byTime.has(t.toMillis())) continue;
      let period: ReportPeriod;
      try {
        period = subscriptionPeriod(span.schedule, span.timezone, t.toJSDate());
      } catch {
        continue; // a CUSTOM time with no earlier one: its run could not report either
      }
      missed.set(t.toMillis(), { nominalTime: t.toISO()!, period, reason: 'NOT_STARTED' });
    }
  }
  for (const r of recorded) {
    const t = Date.parse(r.nominalTime);
    if (r.outcome === 'MISSED' && t >= lookBack) missed.set(t, { nominalTime: r.nominalTime, period: r.period, reason: 'STARTED_TOO_LATE' });
  }
  return [...missed.entries()].sort(([a], [b]) => a - b).slice(-limit).map(([, m]) => m);
}
