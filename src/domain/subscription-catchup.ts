/**
 * Catch-up: which late scheduled runs still go ahead. Temporal applies a schedule's catch-up window
 * only to times it could not act on (the server was down); a run it did start on time but that no
 * worker picked up (the workers were down), or that waited in the `BUFFER_ALL` queue behind one, can
 * begin days later. The `scheduledReport` workflow applies the same window to itself so that, after
 * an outage of the workers or of the server alike, a run goes ahead only when it begins within the
 * window of its nominal time — or when a client asked for its time in a backfill. Sandbox-safe.
 */

/** Temporal's smallest catch-up window (it raises smaller ones to this), in milliseconds. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;

/** How many backfill ranges a schedule remembers (newest kept). */
export const MAX_BACKFILL_RANGES = 20;

/** A range a client asked to backfill: `[from, to)`, ISO-8601 instants. */
export interface BackfillRange {
  from: string;
  to: string;
}

/**
 * The catch-up policy a subscription's schedule hands each run it starts (part of the action's
 * argument, so it is the same for every run the schedule starts from then on).
 */
export interface CatchUpPolicy {
  /** The schedule's catch-up window in milliseconds (≥ `MIN_CATCHUP_WINDOW_MS`). */
  windowMs: number;
  /** Ranges clients asked to backfill, oldest first, at most `MAX_BACKFILL_RANGES`. */
  backfills?: BackfillRange[];
}

/**
 * True when a run of nominal time `nominal` that begins at `startedAt` goes ahead: it begins at most
 * `windowMs` after its nominal time, or `nominal` lies in a backfill range.
 */
export function withinCatchUp(nominal: Date, startedAt: Date, policy: CatchUpPolicy): boolean {
  return startedAt.getTime() - nominal.getTime() <= policy.windowMs || inBackfill(nominal, policy);
}

/** True when nominal time `nominal` lies in a range a client asked to backfill. */
export function inBackfill(nominal: Date, policy: CatchUpPolicy | undefined): boolean {
  const t = nominal.getTime();
  return (policy?.backfills ?? []).some((b) => Date.parse(b.from) <= t && t < Date.parse(b.to));
}

/** `policy` with `range` added (the oldest ranges dropped beyond `MAX_BACKFILL_RANGES`). */
export function withBackfill(policy: CatchUpPolicy, range: BackfillRange): CatchUpPolicy {
  return { ...policy, backfills: [...(policy.backfills ?? []), range].slice(-MAX_BACKFILL_RANGES) };
}
