/**
 * Request ids: UUIDv7 (RFC 9562), so ids sort by creation time (to the millisecond) in listings,
 * logs and the Temporal Web UI, and carry 74 random bits against guessing.
 */
import { randomBytes } from 'node:crypto';

/** A new UUIDv7, e.g. `0193c5e2-7a1b-7c3d-9e4f-0123456789ab`. `nowMs`: Unix time in ms. */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Longest id in a path, in characters (also fastify's `maxParamLength`, so a longer one is a plain 404). */
export const MAX_ID_LENGTH = 200;

/** Ids the API accepts in paths: UUIDs, and the ids schedules give their runs (letters, digits, `._:-`). */
export const RUN_ID_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_ID_LENGTH}}$`);
