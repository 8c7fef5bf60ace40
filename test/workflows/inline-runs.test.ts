/**
 * Inline runs (`run_mode: inline`, e.g. one invoice): the first record, validation, query, render and
 * export are one local activity (`startAndProduce`) of the workflow task, so a run costs no activity round
 * trip to the server and a retry starts from the record on whichever worker runs it; a cancel still
 * aborts the render. Past the step's few attempts the run takes the steps one by one (`startRun`'s two,
 * then `produceReport`), each with its full retries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ReportError } from '../../src/domain/errors.js';
import { SA_STAGE, SA_STATUS } from '../../src/domain/search-attributes.js';
import type { RecordStore } from '../../src/records/records.js';
import { statusQuery } from '../../workflows/messages.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { invoiceCatalog } from './fakes.js';
import { activityAttempts, deliveryHandles, invoiceRequest, settledDelivery, withHarness } from './harness.js';

const temporal = useTemporalTestServer();

/** The run states `records` is asked to write from now on, as `STATUS STAGE`. */
function recordedStates(records: RecordStore): string[] {
  const seen: string[] = [];
  const write = records.recordRunState.bind(records);
  records.recordRunState = async (request, update) => {
    seen.push(`${update.status} ${update.stage}`);
    return write(request, update);
  };
  return seen;
}

const inline = (h: { catalog: unknown }): void => {
  h.catalog = invoiceCatalog('inline');
};

void test('an inline run schedules no activity on the server, yet records each stage and exports its file', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      // As the API starts it: the catalog says inline, so validation is local too.
      const request = invoiceRequest({ runMode: 'inline', notify: { webhookUrl: h.receiver.url() } });
      const recorded = recordedStates(h.records);
      const handle = await h.start(request);
      const result = await handle.result();
      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(result.report!.rows, 5);
      assert.deepEqual(await h.exportedFiles(), [`acme/INVOICE/${request.id}/${result.report!.fileName}`]);

      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
      assert.equal(scheduled, 0, 'no activity task on the server for an inline run');
      // The start (its first record and validation), the data stages and the webhook's attempt are in the
      // history as local activity markers, once each; the records saw the run start, end and notify.
      const attempts = await activityAttempts(handle, { recording: true });
      // The whole run is one local activity (startAndProduce): the start, the data stages, the final state
      // and the webhook's attempt, which stored the delivery DELIVERED itself (no second write of it).
      assert.deepEqual(attempts, { startAndProduce: 1 });
      assert.deepEqual(recorded, ['RUNNING VALIDATE', 'SUCCEEDED EXPORT']);
      const [delivery, ...more] = (await h.records.getRequest('acme', request.id))!.webhookDeliveries!;
      assert.deepEqual([delivery!.status, delivery!.attempts, delivery!.lastHttpStatus, more.length], ['DELIVERED', 1, 204, 0]);
      const tasks = events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
      // Everything, the webhook's first (here its only) attempt included, in the one workflow task.
      assert.equal(tasks, 1, 'one workflow task');
      // One patch marker stands for every feature (each patch is a marker and a search-attribute upsert),
      // and the state's search attributes are upserted once per stage, the identity with the first.
      const markers = events.map((e) => e.markerRecordedEventAttributes?.markerName).filter((m) => m === 'core_patch');
      assert.equal(markers.length, 1, 'one patch marker');
      const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
      assert.equal(upserts, 6, 'the patch, VALIDATE, RENDER, EXPORT, SUCCEEDED, NOTIFY');
      console.log(`inline run: ${events.length} history events, ${tasks} workflow tasks, 0 activity tasks`);

      const state = await handle.query(statusQuery);
      assert.equal(state.status, 'SUCCEEDED');
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(SA_STATUS), 'SUCCEEDED');
      assert.equal((await h.records.getRequest('acme', request.id))!.status, 'SUCCEEDED');
      assert.deepEqual(await deliveryHandles(h.client, handle), []);
      assert.deepEqual(h.receiver.received.map((r) => r.event.event_id), [`${request.id}:report.succeeded`]);
      assert.equal(existsSync(path.join(h.config.stagingDir, request.id)), false);
      // Its history (local-activity markers, patch markers) replays without nondeterminism.
      await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
    },
    inline,
  );
});

/**
 * The query loses its connection `fails` times. Once: the one step's retry starts again from the record.
 * Three times: past the step's three attempts, the record (the fourth RUNNING), validation and the data
 * stages run one by one, each with its full retries. Either way one render and one exported file.
 */
const LOST_QUERIES = [
  { fails: 1, attempts: { startAndProduce: 2 }, recorded: ['RUNNING VALIDATE', 'RUNNING VALIDATE', 'SUCCEEDED EXPORT'] },
  { fails: 3, attempts: { startAndProduce: 3, validateRequest: 1, produceReport: 1 }, recorded: ['RUNNING VALIDATE', 'RUNNING VALIDATE', 'RUNNING VALIDATE', 'RUNNING VALIDATE', 'SUCCEEDED EXPORT'] },
];

for (const lost of LOST_QUERIES) {
  void test(`an inline query that loses its connection ${lost.fails} time(s) is retried from the query and the run exports the full file once`, async () => {
    await withHarness(
      temporal.env,
      temporal.bundle,
      async (h) => {
        const request = invoiceRequest({ runMode: 'inline' });
        const recorded = recordedStates(h.records);
        const handle = await h.start(request);
        const result = await handle.result();
        assert.equal(result.status, 'SUCCEEDED');
        assert.equal(result.report!.rows, 5);
        assert.equal(h.db.streamCalls, lost.fails + 1);
        assert.deepEqual(await activityAttempts(handle), lost.attempts);
        assert.equal(h.renderer.renders, 1, 'the failed attempts rendered nothing');
        assert.deepEqual(await h.exportedFiles(), [`acme/INVOICE/${request.id}/${result.report!.fileName}`]);
        assert.deepEqual(recorded, lost.recorded);
        assert.equal(existsSync(path.join(h.config.stagingDir, request.id)), false);
        await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
      },
      (h) => {
        inline(h);
        h.db.failStreams = lost.fails;
      },
    );
  });
}

void test('cancelling an inline run during its render aborts the renderer, exports nothing and ends CANCELLED', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline' });
      const handle = await h.start(request);
      for (let i = 0; h.renderer.renders === 0; i++) {
        assert.ok(i < 100, 'the render never started');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const cancelledAt = Date.now();
      await handle.cancel();
      const err = await handle.result().then(
        () => assert.fail('the run succeeded'),
        (e: unknown) => e,
      );
      const stopMs = Date.now() - cancelledAt;
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `expected a cancel, got ${String(err)}`);
      assert.equal(h.renderer.sawAbort, true);
      assert.deepEqual(await h.exportedFiles(), []);
      assert.equal(existsSync(path.join(h.config.stagingDir, request.id)), false);
      const state = await handle.query(statusQuery);
      assert.equal(state.status, 'CANCELLED');
      assert.equal(state.stage, 'RENDER');
      assert.equal((await handle.describe()).typedSearchAttributes.get(SA_STAGE), 'RENDER');
      assert.equal((await h.records.getRequest('acme', request.id))!.status, 'CANCELLED');
      // A local activity learns of the cancel when the workflow task it runs in is heartbeated
      // (at 80% of the 10 s task timeout), so this takes longer than a staged run's cancel.
      console.log(`cancel of an inline render → run closed in ${stopMs} ms`);
      assert.ok(stopMs < 20_000, `cancel took ${stopMs} ms`);
    },
    (h) => {
      inline(h);
      h.renderer.slow = true;
    },
  );
});

void test('an inline run cancelled while its render ends anyway is not announced SUCCEEDED: its file is taken back and the webhook says cancelled', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline', notify: { webhookUrl: h.receiver.url() } });
      const handle = await h.start(request);
      for (let i = 0; h.renderer.renders === 0; i++) {
        assert.ok(i < 100, 'the render never started');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await handle.cancel();
      const err = await handle.result().then(
        () => assert.fail('the run succeeded'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `expected a cancel, got ${String(err)}`);
      assert.equal(h.renderer.sawAbort, true);
      // The step saw the cancel before ending the run: no SUCCEEDED record or event; the run's own end instead.
      assert.deepEqual(h.receiver.received.map((r) => r.event.type), ['report.cancelled']);
      assert.equal((await h.records.getRequest('acme', request.id))!.status, 'CANCELLED');
      assert.deepEqual(await h.exportedFiles(), []);
      await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
    },
    (h) => {
      inline(h);
      h.renderer.slow = true;
      h.renderer.finishesAfterAbort = true;
    },
  );
});

void test('a run of an inline report started without knowing it (a subscription\'s) validates in an activity of its own, then runs its stages inline', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const handle = await h.start(invoiceRequest());
      const result = await handle.result();
      assert.equal(result.status, 'SUCCEEDED');
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
      assert.deepEqual(scheduled, ['validateRequest']);
      const attempts = await activityAttempts(handle);
      assert.deepEqual(attempts, { validateRequest: 1, produceReport: 1 });
    },
    inline,
  );
});

void test('an inline run whose data check fails ends at its one start step, FAILED in VALIDATE with the check\'s code', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline', parameterValues: [{ name: 'invoice_id', value: '999999' }] });
      const recorded = recordedStates(h.records);
      const handle = await h.start(request);
      const err = await handle.result().then(() => assert.fail('the run succeeded'), (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'INVOICE_NOT_FOUND');
      const state = await handle.query(statusQuery);
      assert.deepEqual([state.status, state.stage, state.error?.code], ['FAILED', 'VALIDATE', 'INVOICE_NOT_FOUND']);
      // Nothing was staged or exported: no cleanup, no withdrawal.
      assert.deepEqual(await activityAttempts(handle), { startAndProduce: 1 }, 'not retried: a bad request fails for good');
      assert.deepEqual(recorded, ['RUNNING VALIDATE', 'FAILED VALIDATE']);
    },
    inline,
  );
});

void test('a webhook attempt that could not store its delivery leaves the DELIVERED write to the run, which makes it', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline', notify: { webhookUrl: h.receiver.url() } });
      // The records refuse the first delivery write (the attempt's own, best effort), as a database blip would.
      const write = h.records.recordWebhookDelivery.bind(h.records);
      const writes: string[] = [];
      h.records.recordWebhookDelivery = async (update) => {
        writes.push(update.status);
        if (writes.length === 1) throw new Error('connection terminated unexpectedly');
        return write(update);
      };
      const handle = await h.start(request);
      assert.equal((await handle.result()).status, 'SUCCEEDED');
      assert.deepEqual(await activityAttempts(handle, { recording: true }), { startAndProduce: 1, recordWebhookDelivery: 1 });
      assert.deepEqual(writes, ['DELIVERED', 'DELIVERED']);
      const [delivery, ...more] = (await h.records.getRequest('acme', request.id))!.webhookDeliveries!;
      assert.deepEqual([delivery!.status, more.length], ['DELIVERED', 0]);
      assert.equal(h.receiver.received.length, 1, 'one POST');
      await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
    },
    inline,
  );
});

for (const [refusals, steps] of [
  // The step's write failed: the run ends itself with concludeRun (the record, then the attempt).
  [1, { startAndProduce: 1, concludeRun: 1 }],
  // concludeRun's write failed too: the record with its own retries, then the attempt.
  [2, { startAndProduce: 1, concludeRun: 1, recordRunState: 1, notify: 1 }],
] as const) {
  void test(`a run whose end cannot be recorded ${refusals} time(s) with its webhook attempt sends nothing then, records it, then sends it once`, async () => {
    await withHarness(
      temporal.env,
      temporal.bundle,
      async (h) => {
        const request = invoiceRequest({ runMode: 'inline', notify: { webhookUrl: h.receiver.url() } });
        // The records refuse the first writes of the final state, as a database blip would.
        const record = h.records.recordRunState.bind(h.records);
        const finals: string[] = [];
        h.records.recordRunState = async (req, update) => {
          if (update.status !== 'RUNNING') {
            finals.push(`${update.status} at ${h.receiver.received.length} POSTs`);
            if (finals.length <= refusals) throw new Error('connection terminated unexpectedly');
          }
          return record(req, update);
        };
        const handle = await h.start(request);
        assert.equal((await handle.result()).status, 'SUCCEEDED');
        assert.deepEqual(finals, Array(refusals + 1).fill('SUCCEEDED at 0 POSTs'), 'the end is recorded before the receiver hears of it');
        assert.deepEqual(await activityAttempts(handle, { recording: true }), steps);
        assert.equal((await h.records.getRequest('acme', request.id))!.status, 'SUCCEEDED');
        assert.equal(h.receiver.received.length, 1, 'one POST');
        await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
      },
      inline,
    );
  });
}

void test('a run whose webhook\'s first attempt fails records its end once, before that attempt, and leaves the retries to its delivery', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline', notify: { webhookUrl: h.receiver.url() } });
      h.receiver.statuses.push(503);
      const recorded = recordedStates(h.records);
      const handle = await h.start(request);
      assert.equal((await handle.result()).status, 'SUCCEEDED');
      const { failure } = await settledDelivery(h.client, handle);
      assert.equal(failure, undefined);
      assert.deepEqual(h.receiver.received.map((r) => r.status), [503, 204], 'the run\'s attempt, then its delivery\'s retry');
      // One write of the end: a second would count the run's end twice in reportflow_runs_finished_total.
      assert.deepEqual(recorded, ['RUNNING VALIDATE', 'SUCCEEDED EXPORT']);
      assert.deepEqual(await activityAttempts(handle, { recording: true }), { startAndProduce: 1 });
      // The retry is announced on the delivery before it is made, from the event's time.
      const [delivery] = (await h.records.getRequest('acme', request.id))!.webhookDeliveries!;
      assert.deepEqual([delivery!.status, delivery!.attempts], ['DELIVERED', 2]);
      assert.equal(h.receiver.received[0]!.event.occurred_at, h.receiver.received[1]!.event.occurred_at);
    },
    inline,
  );
});

void test('an inline run whose start step keeps failing to record goes on in two steps: recorded, validated, SUCCEEDED', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline' });
      // The records refuse the run's first three writes (the start step's three attempts), as a database blip would.
      const write = h.records.recordRunState.bind(h.records);
      let refused = 0;
      h.records.recordRunState = async (req, update) => {
        if (refused < 3) {
          refused++;
          throw new Error('connection terminated unexpectedly');
        }
        return write(req, update);
      };
      const recorded = recordedStates(h.records);
      const handle = await h.start(request);
      const result = await handle.result();
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(await activityAttempts(handle), { startAndProduce: 3, validateRequest: 1, produceReport: 1 });
      assert.deepEqual(recorded, ['RUNNING VALIDATE', 'RUNNING VALIDATE', 'RUNNING VALIDATE', 'RUNNING VALIDATE', 'SUCCEEDED EXPORT']);
      assert.equal((await h.records.getRequest('acme', request.id))!.status, 'SUCCEEDED');
      await Worker.runReplayHistory({ workflowBundle: temporal.bundle }, await handle.fetchHistory(), request.id);
    },
    inline,
  );
});

void test('an inline run whose render fails for good ends FAILED in RENDER with its code, not retried, and takes back what it may have exported', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      const request = invoiceRequest({ runMode: 'inline' });
      const recorded = recordedStates(h.records);
      const handle = await h.start(request);
      const err = await handle.result().then(() => assert.fail('the run succeeded'), (e: unknown) => e);
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
      assert.equal(err.cause.type, 'TEMPLATE_RENDER_FAILED');
      const state = await handle.query(statusQuery);
      assert.deepEqual([state.status, state.stage, state.error?.code], ['FAILED', 'RENDER', 'TEMPLATE_RENDER_FAILED']);
      assert.equal((await handle.describe()).typedSearchAttributes.get(SA_STAGE), 'RENDER');
      assert.equal(h.renderer.renders, 1, 'a final fault is not retried');
      // The one step's staging went with its attempt; the withdrawal looks for an export (an activity).
      assert.deepEqual(await activityAttempts(handle), { startAndProduce: 1, withdrawReport: 1 });
      assert.deepEqual(recorded, ['RUNNING VALIDATE', 'FAILED RENDER']);
      assert.deepEqual(await h.exportedFiles(), []);
      assert.equal(existsSync(path.join(h.config.stagingDir, request.id)), false);
    },
    (h) => {
      inline(h);
      h.renderer.render = async () => {
        h.renderer.renders++;
        throw new ReportError('TEMPLATE_RENDER_FAILED', 'The template failed on row 1: missing helper "money".');
      };
    },
  );
});
