/**
 * Runs started by an earlier release must finish on this one: their histories replay against today's
 * workflow code without a nondeterminism error. The histories in test/fixtures/histories were recorded
 * by the workflow code before inline runs (commit e645f48: validation a remote activity, patches asked
 * where each feature acts): a run with its webhook delivery, a run cancelled in RENDER, a run that
 * failed validation. Two `scheduledReport` histories were recorded by the code before runs carried
 * `runType` and `reportSubscriptionId` (commit 1bfa484): a schedule's backfilled run (with its ledger
 * record) and a run of an explicit period; each starts its report child with the older input. Two
 * staged-run histories were recorded by the code before worker-pinned data stages (main at b36f761: every
 * patch decided at the start, all stages on the shared task queue): a run that succeeded with a webhook
 * and a run cancelled in RENDER. One `bulkReport` history was recorded by the code before bulk runs could zip
 * and announce their end (main at 8d74ec8): customer 17850's invoices of 1 December 2010, as HTML, two at a
 * time, SUCCEEDED. An inline run with a webhook and its `deliverWebhook` history were recorded by the code
 * before runs made their webhook's first attempt themselves (main at 2baf5e4: the run's one workflow task
 * of local activities, then the delivery child, which made every attempt). An inline run with a webhook
 * was recorded by the code before an inline run's start was one local activity (main at 4607ea0: one patch,
 * `run-features-1`, for every feature; its first record and its validation two local activities). An
 * inline run with a webhook was recorded by the code before a run's end was one local activity (main at
 * 588b231: `run-features-2`; its final record and the webhook's first attempt two local activities). An
 * inline run with a webhook was recorded by the code before an inline run's start and data stages were one
 * local activity (main at 942576f: `run-features-3`; `startRun` and `produceReport` two). An inline run
 * with a webhook was recorded by the code before that local activity also ended the run (main at
 * c5f67f6: `run-features-4`; `startAndProduce`, then `concludeRun`). A change that breaks replay of
 * in-flight runs must add a patch, not edit these.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protos from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleReportWorkflows } from '../helpers/temporal.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/histories');

void test('histories recorded by earlier releases replay on today\'s workflow code', async () => {
  const bundle = await bundleReportWorkflows();
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(files, [
    'bulk-succeeded-before-zip.json', 'cancelled-in-render.json', 'failed-validation.json', 'inline-succeeded-with-webhook-before-first-attempt.json', 'inline-succeeded-with-webhook-run-features-1.json', 'inline-succeeded-with-webhook-run-features-2.json',
    'inline-succeeded-with-webhook-run-features-3.json', 'inline-succeeded-with-webhook-run-features-4.json',
    'scheduled-backfill.json', 'scheduled-explicit-period.json', 'staged-cancelled-in-render-before-pinning.json', 'staged-succeeded-before-pinning.json',
    'succeeded-with-webhook.json', 'webhook-delivery-before-first-attempt.json', 'webhook-delivery.json',
  ]);
  for (const file of files) {
    const { workflowId, history } = JSON.parse(await readFile(path.join(DIR, file), 'utf8')) as { workflowId: string; history: unknown };
    // The JSON of protobufjs' toJSON (enum names, 64-bit numbers as strings) is what fromObject reads.
    const events = protos.temporal.api.history.v1.History.fromObject(history as Record<string, unknown>);
    await assert.doesNotReject(Worker.runReplayHistory({ workflowBundle: bundle }, events, workflowId), file);
  }
});
