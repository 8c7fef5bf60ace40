/**
 * Request ids: UUIDv7 (RFC 9562), so ids sort by creation time in listings, logs and the Temporal
 * Web UI. Within one process they are monotonic, also inside one millisecond (the `uuid` package's
 * v7 keeps a counter seeded at random each millisecond: RFC 9562 §6.2, method 1), so requests made in
 * the same millisecond list in the order they were made; 42 bits of each stay random.
 */
import { v7 } from 'uuid';

/** A new UUIDv7, e.g. `0193c5e2-7a1b-7c3d-9e4f-0123456789ab`, greater than every one this process made before. */
export function uuidv7(): string {
  return v7();
}

/** Longest id in a path, in characters (also fastify's `maxParamLength`, so a longer one is a plain 404). */
export const MAX_ID_LENGTH = 200;

/** Ids the API accepts in paths: UUIDs, and the ids schedules give their runs (letters, digits, `._:-`). */
export const RUN_ID_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_ID_LENGTH}}$`);
