/**
 * The README's webhook signature recipe, written out as a receiver would (not reusing reportflow's
 * code), so tests check what a receiver following the README sees.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** True when `header` (`X-Reportflow-Signature`) signs `rawBody` with `secret` within 5 minutes of `nowSeconds`. */
export function verifyWebhook(secret: string, header: string, rawBody: string, nowSeconds: number): boolean {
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2)));
  const t = Number(fields.t);
  if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${fields.t}.${rawBody}`).digest('hex');
  return fields.v1 !== undefined && fields.v1.length === expected.length && timingSafeEqual(Buffer.from(fields.v1), Buffer.from(expected));
}
