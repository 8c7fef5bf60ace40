/**
 * `startAndProduce` with fake steps (the real ones run in test/workflows/inline-runs.test.ts and the
 * integration and e2e tests): the start comes before the data stages, validation's final refusal is
 * answered with its code and field errors and produces nothing, and every other failure is thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { ProducedReport } from '../../activities/produce-report.js';
import { startAndProduceActivity, type StartAndProduceInput } from '../../activities/start-and-produce.js';
import type { ReportRequest, ValidatedRequest } from '../../src/domain/report-request.js';

const request = { id: 'r1', tenantId: 'acme', reportCode: 'INVOICE' } as ReportRequest;
const input: StartAndProduceInput = { request, running: { status: 'RUNNING', stage: 'VALIDATE' }, keepStaging: false };
const validated = { runMode: 'inline' } as ValidatedRequest;
const produced = { local: { fileName: 'INVOICE.pdf' } } as unknown as ProducedReport;

function steps(startFails?: Error) {
  const calls: string[] = [];
  const step = startAndProduceActivity(
    async (req, running) => {
      calls.push(`start ${req.id} ${running.status} ${running.stage}`);
      if (startFails) throw startFails;
      return validated;
    },
    async (produce) => {
      calls.push(`produce ${produce.request.id} ${produce.validated.runMode} keepStaging=${produce.keepStaging}`);
      return produced;
    },
  );
  return { step, calls };
}

void test('starts the run, then produces its report, and returns both results', async () => {
  const { step, calls } = steps();
  assert.deepEqual(await step(input), { validated, produced });
  assert.deepEqual(calls, ['start r1 RUNNING VALIDATE', 'produce r1 inline keepStaging=false']);
});

void test('a request validation refuses for good is answered with the code and field errors, and nothing is produced', async () => {
  const errors = [{ field: 'parameters.invoice_id', code: 'NOT_FOUND', message: 'No invoice 999999.' }];
  const { step, calls } = steps(ApplicationFailure.create({ type: 'INVOICE_NOT_FOUND', message: 'No invoice 999999.', nonRetryable: true, details: [errors] }));
  assert.deepEqual(await step(input), { refused: { code: 'INVOICE_NOT_FOUND', message: 'No invoice 999999.', errors } });
  assert.deepEqual(calls, ['start r1 RUNNING VALIDATE']);
});

void test('a fault of the start that may pass (a database outage, a plain error) is thrown, to be retried', async () => {
  const outage = ApplicationFailure.create({ type: 'UNAVAILABLE', message: 'The database could not be reached.', nonRetryable: false });
  for (const fault of [outage, new Error('connection terminated unexpectedly')]) {
    const { step, calls } = steps(fault);
    await assert.rejects(step(input), (err) => err === fault);
    assert.deepEqual(calls, ['start r1 RUNNING VALIDATE']);
  }
});

void test('a failure of the data stages is thrown as they threw it', async () => {
  const failed = ApplicationFailure.create({ type: 'TEMPLATE_RENDER_FAILED', message: 'missing helper', nonRetryable: true });
  const step = startAndProduceActivity(async () => validated, async () => {
    throw failed;
  });
  await assert.rejects(step(input), (err) => err === failed);
});
