/**
 * `snapshot()`: what a subscription's schedule hands each run. A report definition with
 * `run_mode: inline` marks its runs inline (they validate in a local activity); a staged definition
 * and a tenant template (its definition is read when the run begins) do not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '../../src/subscriptions/subscription-service.js';
import type { Subscription } from '../../src/subscriptions/subscription.js';
import { invoiceCatalog } from '../workflows/fakes.js';

function row(template: Partial<Subscription['template']> = {}): Subscription {
  return {
    id: 'sub-1', tenantId: 'acme', schedule: { frequency: 'DAILY', timeOfDay: '06:00' }, timezone: 'Europe/Oslo', active: true, consecutiveFailures: 0,
    createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z',
    template: { reportCode: 'INVOICE', parameterValues: [{ name: 'invoice_id', value: '536365' }], format: 'PDF', language: 'en', timezone: 'Europe/Oslo', ...template },
  };
}

void test('an inline definition marks the snapshot inline; a staged one, a tenant template and no catalog do not', () => {
  assert.equal(snapshot(row(), invoiceCatalog('inline')).runMode, 'inline');
  assert.equal(snapshot(row(), invoiceCatalog('staged')).runMode, undefined);
  assert.equal(snapshot(row({ templateId: 'tpl-1' }), invoiceCatalog('inline')).runMode, undefined);
  assert.equal(snapshot(row()).runMode, undefined);
  assert.deepEqual(snapshot(row(), invoiceCatalog('inline')).template, row().template, 'the stored template, unchanged');
});
