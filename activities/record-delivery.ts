/**
 * The record-webhook-delivery activity (run as a local activity: one short database write): the
 * `deliverWebhook` workflow's own record of its delivery — PENDING when it begins, then DELIVERED or
 * FAILED. Idempotent: the store never moves a final delivery back, nor replaces a DELIVERED one.
 */
import type { WebhookDeliveryUpdate } from '../src/records/records.js';
import type { ActivityDeps } from './deps.js';

/** @throws database faults as plain errors (retried). */
export function recordDeliveryActivity(deps: Pick<ActivityDeps, 'records'>) {
  return async function recordWebhookDelivery(update: WebhookDeliveryUpdate): Promise<void> {
    await deps.records.recordWebhookDelivery(update);
  };
}
