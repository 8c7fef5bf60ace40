/**
 * Receivables aging buckets (the AR_AGING report): which day ranges a caller's interval lengths make.
 * Sandbox-safe, pure.
 *
 * The shape follows Amili's "adb" report, whose caller lists `intervals: [{intervalNo, intervalLength}]`
 * (days): here the lengths travel as one text parameter, in `intervalNo` order, e.g. `"30,30,30"`.
 * Lengths L1..Ln make n + 2 buckets of days overdue: `current` (not yet due, ≤ 0), `1..L1`,
 * `L1+1..L1+L2`, …, and the open-ended `over Σ` (> L1+…+Ln), so every open amount falls in exactly one.
 */

/** Most intervals a request may give: 10 bucket columns and the total still fit across a landscape A4 page. */
export const AGING_MAX_INTERVALS = 8;

/**
 * JSON Schema `pattern` of the `intervals` parameter (templates/AR_AGING/report.json carries the same
 * text; a test checks): 1 to `AGING_MAX_INTERVALS` whole day counts from 1 to 999, comma-separated, no
 * spaces. Anything older than their sum falls in the open-ended bucket, so longer intervals are not needed.
 */
export const AGING_INTERVALS_PATTERN = `^[1-9][0-9]{0,2}(,[1-9][0-9]{0,2}){0,${AGING_MAX_INTERVALS - 1}}$`;

/**
 * One bucket: days overdue from `fromDays` to `toDays`, both inclusive; `fromDays` null for `current`
 * (everything not yet due), `toDays` null for the open-ended last bucket. `name` is its column name:
 * `current`, `days_1_30`, `days_over_90`.
 */
export interface AgingBucket {
  name: string;
  fromDays: number | null;
  toDays: number | null;
}

/**
 * `"30,30,30"` → `[30, 30, 30]`.
 * @throws RangeError when the text does not match `AGING_INTERVALS_PATTERN`.
 */
export function parseAgingIntervals(text: string): number[] {
  if (!new RegExp(AGING_INTERVALS_PATTERN).test(text)) {
    throw new RangeError(`intervals must be 1 to ${AGING_MAX_INTERVALS} whole numbers of days from 1 to 999, comma-separated (e.g. 30,30,30), not "${text}"`);
  }
  return text.split(',').map(Number);
}

/** The n + 2 buckets of interval lengths `lengths` (each ≥ 1), in order: current, bounded ones, open-ended. */
export function agingBuckets(lengths: readonly number[]): AgingBucket[] {
  const buckets: AgingBucket[] = [{ name: 'current', fromDays: null, toDays: 0 }];
  let upper = 0;
  for (const length of lengths) {
    const fromDays = upper + 1;
    upper += length;
    buckets.push({ name: `days_${fromDays}_${upper}`, fromDays, toDays: upper });
  }
  buckets.push({ name: `days_over_${upper}`, fromDays: upper + 1, toDays: null });
  return buckets;
}

/** Index in `agingBuckets(lengths)` of an amount `daysOverdue` days past its due date (≤ 0: not yet due). */
export function agingBucketIndex(lengths: readonly number[], daysOverdue: number): number {
  if (daysOverdue <= 0) return 0;
  let upper = 0;
  for (let i = 0; i < lengths.length; i++) {
    upper += lengths[i]!;
    if (daysOverdue <= upper) return i + 1;
  }
  return lengths.length + 1;
}
