/**
 * Tracing only where it is asked for, and never at the cost of determinism: the workflow bundle holds
 * the tracing interceptors (@temporalio/interceptors-opentelemetry) only when it is built for tracing,
 * a worker can tell which bundle it was given, and histories of runs made without tracing replay with
 * them (turning tracing on with runs in flight breaks none).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { bundleFitsTracing, writeWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { invoiceRequest, settledDelivery, withHarness } from './harness.js';

const temporal = useTemporalTestServer();

void test('a run recorded without tracing replays on the bundle with the tracing interceptors; each bundle says what it is', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'reportflow-bundles-'));
  try {
    const traced = path.join(dir, 'traced.js');
    const plain = path.join(dir, 'plain.js');
    await writeWorkflowBundle(traced, { tracing: true });
    await writeWorkflowBundle(plain, { tracing: false });
    assert.equal(await bundleFitsTracing(traced, true), true);
    assert.equal(await bundleFitsTracing(traced, false), false);
    assert.equal(await bundleFitsTracing(plain, false), true);
    assert.equal(await bundleFitsTracing(plain, true), false);

    await withHarness(temporal.env, temporal.bundle, async (h) => {
      // A first attempt answered 503 makes the run start a delivery workflow: both histories replay.
      h.receiver.statuses = [503];
      const request = invoiceRequest({ notify: { webhookUrl: h.receiver.url() } });
      const handle = await h.start(request);
      await handle.result();
      const { delivery } = await settledDelivery(h.client, handle);
      const sinks = { exporter: { export: { fn: () => undefined } } };
      await Worker.runReplayHistory({ workflowBundle: { codePath: traced }, sinks }, await handle.fetchHistory(), request.id);
      await Worker.runReplayHistory({ workflowBundle: { codePath: traced }, sinks }, await delivery.fetchHistory(), delivery.workflowId);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
