/**
 * `startAndProduce` with fake steps (the real ones run in test/workflows/inline-runs.test.ts and the
 * integration and e2e tests): the start comes before the data stages, validation's final refusal is
 * answered with its code and field errors and produces nothing, and every other failure is thrown. Given
 * `conclude`, the run's end comes after the data stages: the SUCCEEDED record and the webhook's first
 * attempt, whose failure is answered, not thrown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ConcludeRunInput, ConcludeRunResult } from '../../activities/conclude-run.js';
import type { ProducedReport } from '../../activities/produce-report.js';
import { startAndProduceActivity, type StartAndProduceInput, type StartAndProduceResult } from '../../activities/start-and-produce.js';
import type { ReportRequest, ValidatedRequest } from '../../src/domain/report-request.js';
import { WebhookAttemptError } from '../../src/notifiers/notifier.js';

const request = { id: 'r1', tenantId: 'acme', reportCode: 'INVOICE' } as ReportRequest;
const input: StartAndProduceInput = { request, running: { status: 'RUNNING', stage: 'VALIDATE' }, keepStaging: false };
const validated = { runMode: 'inline' } as ValidatedRequest;
const produced = { local: { fileName: 'INVOICE.pdf' } } as unknown as ProducedReport;

function steps(startFails?: Error, concludeRun: (input: ConcludeRunInput) => Promise<ConcludeRunResult> = async () => ({ recorded: true, answer: undefined })) {
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
    async (end) => {
      calls.push(`conclude ${end.state.status} ${end.state.stage} ${end.notify.type} ${end.notify.delivery?.id}`);
      return concludeRun(end);
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
  const step = startAndProduceActivity(
    async () => validated,
    async () => {
      throw failed;
    },
    async () => assert.fail('not concluded after a failure'),
  );
  await assert.rejects(step(input), (err) => err === failed);
});

const conclude = { delivery: { id: 'exec-1', executionId: 'exec-1', retryInMs: 5000 } };

/** Runs the step as an activity (it reads its cancellation signal before concluding). */
function inActivity(step: ReturnType<typeof startAndProduceActivity>, stepInput: StartAndProduceInput): Promise<StartAndProduceResult> {
  return new MockActivityEnvironment().run(step, stepInput);
}

void test('given conclude, records the run SUCCEEDED and makes the webhook attempt after the data stages, with the event\'s time', async () => {
  let seen: ConcludeRunInput | undefined;
  const answer = { httpStatus: 200, recorded: true as const };
  const { step, calls } = steps(undefined, async (end) => {
    seen = end;
    return { recorded: true, answer };
  });
  const result = await inActivity(step, { ...input, conclude });
  assert.ok('produced' in result);
  assert.ok(result.concluded?.recorded);
  assert.deepEqual(calls, ['start r1 RUNNING VALIDATE', 'produce r1 inline keepStaging=false', 'conclude SUCCEEDED EXPORT report.succeeded exec-1']);
  const { occurredAt } = result.concluded;
  assert.deepEqual(result.concluded, { recorded: true, occurredAt, answer });
  // One instant: the event's time, the link's signing time and the run's end.
  assert.equal(seen!.notify.occurredAt, occurredAt);
  assert.equal(seen!.notify.delivery!.linkSignedAt, occurredAt);
  assert.equal(seen!.state.completedAt, occurredAt);
  assert.equal(seen!.notify.report, produced.local);
  assert.deepEqual(seen!.notify.delivery, { id: 'exec-1', executionId: 'exec-1', retryInMs: 5000, redelivery: false, linkSignedAt: occurredAt });
});

void test('given conclude, a failed webhook attempt is answered with its code and retryability; a record not written says so', async () => {
  const fieldErrors = [{ field: 'notify.webhook_url', code: 'WEBHOOK_REJECTED', message: 'answered 410' }];
  const refused = ApplicationFailure.create({ type: 'WEBHOOK_REJECTED', message: 'answered 410', nonRetryable: true, details: [fieldErrors] });
  const down = new WebhookAttemptError('answered 503', 'answered 503', 503);
  const cases: [ConcludeRunResult | Error, unknown][] = [
    [refused, { type: 'WEBHOOK_REJECTED', message: 'answered 410', nonRetryable: true, details: [fieldErrors] }],
    [down, { type: 'WebhookAttemptError', message: 'answered 503', nonRetryable: false }],
  ];
  for (const [outcome, failure] of cases) {
    const { step } = steps(undefined, async () => {
      throw outcome;
    });
    const result = await inActivity(step, { ...input, conclude });
    assert.ok('produced' in result && result.concluded?.recorded && 'failure' in result.concluded);
    assert.deepEqual(result.concluded.failure, failure);
  }
  const { step } = steps(undefined, async () => ({ recorded: false }));
  const result = await inActivity(step, { ...input, conclude });
  assert.ok('produced' in result);
  assert.deepEqual(result.concluded, { recorded: false });
});

void test('without conclude the run is not ended by the step', async () => {
  const { step, calls } = steps(undefined, async () => assert.fail('not asked to conclude'));
  assert.deepEqual(await step(input), { validated, produced });
  assert.equal(calls.length, 2);
});

void test('given conclude, a step whose cancel came while its data stages ended anyway does not end the run', async () => {
  const env = new MockActivityEnvironment();
  const step = startAndProduceActivity(
    async () => validated,
    async () => {
      // The cancel reaches the activity as the data stages finish their file anyway.
      env.cancel();
      return produced;
    },
    async () => assert.fail('a cancelled step must not record the run SUCCEEDED or tell the receiver'),
  );
  const result = await env.run(step, { ...input, conclude });
  assert.deepEqual(result, { validated, produced });
});
