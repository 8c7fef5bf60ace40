/**
 * `{{#each (agingBuckets parameters.intervals)}}`: AR_AGING's buckets of days overdue for its
 * `intervals` parameter (src/domain/aging-buckets.ts), each `{name, kind, fromDays, toDays, overDays}`
 * with `kind` `current`, `range` or `over` (`overDays`: the days the open-ended bucket is beyond, e.g.
 * 90), so a template can label its columns and read `(lookup row name)`.
 */
import type { HelperDelegate } from 'handlebars';
import { agingBuckets, parseAgingIntervals } from '../../domain/aging-buckets.js';
import { splitArgs } from './helper-args.js';

/** A bucket as templates see it. */
export interface AgingBucketView {
  name: string;
  kind: 'current' | 'range' | 'over';
  fromDays: number | null;
  toDays: number | null;
  overDays: number | null;
}

export const agingHelpers: Record<string, HelperDelegate> = {
  /** @throws RangeError when the intervals are not valid (validation refuses such requests first). */
  agingBuckets(...args: unknown[]): AgingBucketView[] {
    const { values } = splitArgs(args);
    return agingBuckets(parseAgingIntervals(String(values[0] ?? ''))).map((b) => ({
      ...b,
      kind: b.fromDays === null ? 'current' : b.toDays === null ? 'over' : 'range',
      overDays: b.toDays === null && b.fromDays !== null ? b.fromDays - 1 : null,
    }));
  },
};
