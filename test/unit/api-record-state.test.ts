/** What GET shows of a run that is not final: Temporal's live view, unless the record is ahead of it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentState } from '../../src/requests/request-state.js';
import type { RequestRecord } from '../../src/records/records.js';
import type { RunGateway, RunView } from '../../src/temporal/report-runs.js';

const request = { id: 'rpt-1', tenantId: 'acme', reportCode: 'INVOICE', parameterValues: [], format: 'PDF', language: 'en', timezone: 'Europe/London', requestedAt: '2026-12-05T08:00:00.000Z' } as RequestRecord['request'];

function gateway(live: Omit<RunView, 'request'>): RunGateway {
  return { get: async () => ({ request, ...live }) } as unknown as RunGateway;
}

function record(status: RequestRecord['status'], stage: RequestRecord['stage']): RequestRecord {
  return { request, status, stage, createdAt: '2026-12-05T08:00:00.000Z', updatedAt: '2026-12-05T08:00:01.000Z' } as RequestRecord;
}

void test('an inline run whose first workflow task is still open shows the stage its record has, not PENDING', async () => {
  const state = await currentState(gateway({ status: 'PENDING', stage: null }), record('RUNNING', 'RENDER'));
  assert.equal(state.status, 'RUNNING');
  assert.equal(state.stage, 'RENDER');
});

void test('otherwise the live view wins over the record', async () => {
  const state = await currentState(gateway({ status: 'RUNNING', stage: 'EXPORT' }), record('RUNNING', 'RENDER'));
  assert.deepEqual([state.status, state.stage], ['RUNNING', 'EXPORT']);
  const pending = await currentState(gateway({ status: 'PENDING', stage: null }), record('PENDING', null));
  assert.equal(pending.status, 'PENDING');
});
