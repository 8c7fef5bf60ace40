/**
 * `runOrigin`: a run's `run_type` and `report_subscription_id` as recorded, or, for records written
 * before runs carried them, read from the id (a subscription's run is `<subscription id>:<period key>`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOrigin } from '../../src/domain/run-origin.js';
import { withPeriodValues } from '../../src/domain/subscription-run.js';

const SUB = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

void test('a recorded origin is taken as it is', () => {
  assert.deepEqual(runOrigin({ id: `${SUB}:2025-03-01`, runType: 'BACKFILL', reportSubscriptionId: SUB }), { runType: 'BACKFILL', reportSubscriptionId: SUB });
  assert.deepEqual(runOrigin({ id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', runType: 'MANUAL' }), { runType: 'MANUAL', reportSubscriptionId: null });
});

void test('an older record is a SCHEDULED run of the subscription in its id, or else MANUAL', () => {
  assert.deepEqual(runOrigin({ id: `${SUB}:2025-03-01T0630` }), { runType: 'SCHEDULED', reportSubscriptionId: SUB });
  assert.deepEqual(runOrigin({ id: SUB }), { runType: 'MANUAL', reportSubscriptionId: null });
});

void test('a bulk run\'s document is MANUAL, of no subscription, though its id is `<bulk id>:<key>`', () => {
  assert.deepEqual(runOrigin({ id: `${SUB}:536365`, metadata: { bulk_request_id: SUB } }), { runType: 'MANUAL', reportSubscriptionId: null });
});

void test('a run\'s parameter values carry its period under the definition\'s names, replacing any given', () => {
  const period = { from: '2025-03-01T00:00:00.000+01:00', to: '2025-04-01T00:00:00.000+02:00', fromDate: '2025-03-01', toDate: '2025-03-31' };
  const given = [{ name: 'customer_id', value: '12347' }, { name: 'from_date', value: '2000-01-01' }];
  assert.deepEqual(withPeriodValues(given, { from: 'from_date', to: 'to_date' }, period), [
    { name: 'customer_id', value: '12347' }, { name: 'from_date', value: '2025-03-01' }, { name: 'to_date', value: '2025-03-31' },
  ]);
  assert.equal(withPeriodValues(given, undefined, period), given, 'a report without a period keeps its values');
});
