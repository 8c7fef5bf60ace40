/**
 * Fast conversion of staged UTC instants to ISO-8601 with the offset of an IANA zone, e.g.
 * `2011-07-01T08:00:00.000Z` in Europe/London → `2011-07-01T09:00:00+01:00`. CSV, XML and XLSX call it
 * once per timestamp cell (millions of times for a full export), so offsets are cached per 15-minute
 * bucket instead of asking Intl for each value.
 */
import { IANAZone } from 'luxon';

const BUCKET_MS = 15 * 60_000;

/**
 * @param zone IANA zone name (already validated by the request).
 * @returns a function from an instant (epoch ms) to the zone's UTC offset then, in minutes (east
 *   positive, e.g. 60 for Europe/London in July).
 * @throws RangeError when `zone` is not a valid IANA zone.
 */
export function zoneOffsetMinutes(zone: string): (ms: number) => number {
  const tz = IANAZone.create(zone);
  if (!tz.isValid) throw new RangeError(`unknown time zone: ${zone}`);
  const buckets = new Map<number, number | null>();
  // The offset at each bucket's first instant: one bucket's end is the next one's start, so a run of
  // consecutive buckets (timestamps in order) costs one Intl lookup per bucket instead of two.
  const boundaries = new Map<number, number>();
  const atBoundary = (bucket: number): number => {
    let offset = boundaries.get(bucket);
    if (offset === undefined) {
      offset = tz.offset(bucket * BUCKET_MS);
      boundaries.set(bucket, offset);
    }
    return offset;
  };
  return (ms) => {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = buckets.get(bucket);
    if (offset === undefined) {
      // Same offset at the bucket's start and at the next one's → no transition in between (zones
      // change at most once in 15 minutes; a change exactly at the next start shows as a difference);
      // otherwise this bucket is computed exactly every time.
      const start = atBoundary(bucket);
      offset = start === atBoundary(bucket + 1) ? start : null;
      buckets.set(bucket, offset);
    }
    return Math.round(offset ?? tz.offset(ms));
  };
}

/**
 * @param zone IANA zone name (already validated by the request).
 * @returns a function from an instant (ISO string or epoch ms) to local ISO-8601 with `±HH:MM`;
 *   milliseconds appear only when not zero. Unreadable input is returned unchanged.
 * @throws RangeError when `zone` is not a valid IANA zone.
 */
export function zonedIsoFormatter(zone: string): (instant: string | number) => string {
  const offsetMinutes = zoneOffsetMinutes(zone);
  return (instant) => {
    const ms = typeof instant === 'number' ? instant : Date.parse(instant);
    if (Number.isNaN(ms)) return String(instant);
    const offset = offsetMinutes(ms);
    const local = new Date(ms + offset * 60_000);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const millis = local.getUTCMilliseconds();
    return (
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
      `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
      (millis ? `.${pad(millis, 3)}` : '') +
      `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    );
  };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}
