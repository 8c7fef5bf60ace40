/**
 * `concludeRun` with fake steps (the real ones run in test/workflows/inline-runs.test.ts and the
 * integration tests): the record comes before the webhook, a record that fails sends nothing, and a
 * failed attempt is thrown once the state is recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concludeRunActivity, type ConcludeRunInput } from '../../activities/conclude-run.js';
import type { NotifyInput } from '../../activities/notify.js';
import type { ReportRequest } from '../../src/domain/report-request.js';

const request = { id: 'r1', tenantId: 'acme', reportCode: 'INVOICE' } as ReportRequest;
const input: ConcludeRunInput = {
  state: { status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-12-07T10:00:00.000Z' },
  notify: { request, type: 'report.succeeded', status: 'SUCCEEDED', occurredAt: '2026-12-07T10:00:00.000Z' } as NotifyInput,
};

function steps(options: { recordFails?: boolean; notifyFails?: boolean } = {}) {
  const calls: string[] = [];
  const conclude = concludeRunActivity(
    async (req, update) => {
      calls.push(`record ${req.id} ${update.status}`);
      if (options.recordFails) throw new Error('connection terminated');
    },
    async (send) => {
      calls.push(`notify ${send.type}`);
      if (options.notifyFails) throw new Error('503 from the receiver');
      return { httpStatus: 204, recorded: true };
    },
  );
  return { conclude, calls };
}

void test('records the end, then makes the attempt, and returns its answer', async () => {
  const { conclude, calls } = steps();
  assert.deepEqual(await conclude(input), { recorded: true, answer: { httpStatus: 204, recorded: true } });
  assert.deepEqual(calls, ['record r1 SUCCEEDED', 'notify report.succeeded']);
});

void test('a record that cannot be written sends nothing, and says so', async () => {
  const { conclude, calls } = steps({ recordFails: true });
  assert.deepEqual(await conclude(input), { recorded: false });
  assert.deepEqual(calls, ['record r1 SUCCEEDED']);
});

void test('a failed attempt is thrown, after the record', async () => {
  const { conclude, calls } = steps({ notifyFails: true });
  await assert.rejects(conclude(input), /503 from the receiver/);
  assert.deepEqual(calls, ['record r1 SUCCEEDED', 'notify report.succeeded']);
});
