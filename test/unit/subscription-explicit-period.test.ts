/**
 * A subscription run's request carries an explicit period: validation fills the definition's period
 * parameters from it and keeps its exact instants, and the period is part of the file name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRequest } from '../../src/catalog/validate-request.js';
import { reportFileName } from '../../src/domain/file-name.js';
import { subscriptionPeriod } from '../../src/domain/subscription-period.js';
import { fixtureCatalog } from '../helpers/api-fixture.js';

test('an explicit period fills from_date/to_date and bounds the query with its instants', () => {
  const { catalog } = fixtureCatalog();
  const period = subscriptionPeriod({ frequency: 'MONTHLY', timeOfDay: '06:00' }, 'Europe/Oslo', '2025-04-01T06:00:00+02:00');
  const v = validateRequest(catalog, {
    id: 'sub-1:2025-03-01', tenantId: 'acme', reportCode: 'SALES_SUMMARY', parameterValues: [], format: 'CSV', language: 'en',
    timezone: 'Europe/Oslo', requestedAt: '2025-04-01T06:00:00.000+02:00', period,
  });
  assert.deepEqual([v.parameters['from_date'], v.parameters['to_date']], ['2025-03-01', '2025-03-31']);
  assert.deepEqual(v.period, { from: '2025-03-01T00:00:00.000+01:00', to: '2025-04-01T00:00:00.000+02:00', fromDate: '2025-03-01', toDate: '2025-03-31' });
  assert.equal(reportFileName(v, 'csv'), 'SALES_SUMMARY_2025-03-01_2025-03-31_sub-1-2025-03-01.csv');
});

test('the explicit period wins over period parameters the template carried', () => {
  const { catalog } = fixtureCatalog();
  const period = subscriptionPeriod({ frequency: 'DAILY', timeOfDay: '06:00' }, 'UTC', '2025-01-02T06:00:00Z');
  const v = validateRequest(catalog, {
    id: 'x', tenantId: 'acme', reportCode: 'SALES_SUMMARY', format: 'CSV', language: 'en', timezone: 'UTC', requestedAt: '2025-01-02T06:00:00Z',
    parameterValues: [{ name: 'from_date', value: '2020-01-01' }, { name: 'to_date', value: '2020-12-31' }], period,
  });
  assert.deepEqual([v.parameters['from_date'], v.parameters['to_date']], ['2025-01-01', '2025-01-01']);
});
