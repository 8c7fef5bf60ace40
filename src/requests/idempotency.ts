/**
 * `Idempotency-Key` for report requests (IETF httpapi idempotency-key draft): the key stands for the
 * request body it first came with; the same key with the same body replays the original request, with
 * another body it is refused. The store keeps the claim (src/records); this file says what is claimed.
 */
import { createHash } from 'node:crypto';
import { ReportError } from '../domain/errors.js';
import type { IdempotencyClaim } from '../records/records.js';

/** `Idempotency-Key`: 1–255 visible ASCII characters (as in the IETF httpapi idempotency-key draft's examples). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The claim for `key` sent with `body` (the wire body, with the fields content negotiation chose), kept
 * `ttlHours` hours.
 */
export function idempotencyClaim(key: string, body: unknown, ttlHours: number): IdempotencyClaim {
  return { key, bodySha256: canonicalBodySha256(body), ttlSeconds: ttlHours * 3600 };
}

/** 409: `key` already names request `requestId`, which was asked with another body. */
export function idempotencyKeyReused(requestId: string): ReportError {
  return new ReportError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body.', [
    { field: 'Idempotency-Key', code: 'IDEMPOTENCY_KEY_REUSED', message: `Already names request ${requestId}; use a new key for a new request.` },
  ]);
}

/**
 * SHA-256 (hex) of a JSON body in canonical form (object keys sorted at every level), so the same
 * request sent with its keys in another order counts as the same body for `Idempotency-Key`.
 */
export function canonicalBodySha256(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

