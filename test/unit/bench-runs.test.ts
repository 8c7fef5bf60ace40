/**
 * How the benchmarks time a run (bench/reportflow-runs.ts): from the POST to its final webhook at the
 * local receiver, and a run started early whose failure is only awaited later neither crashes the
 * benchmark nor gets lost. The service is a fake that answers the POST; the receiver is the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWebhookReceiver, type WebhookReceiver } from '../../bench/lib/webhook-receiver.js';
import { startRun, timeRun } from '../../bench/reportflow-runs.js';
import type { ApiClient } from '../helpers/api-client.js';

/** A service that answers every POST 201 with the next id and sends `type` for it to the webhook after `delayMs`. */
function fakeService(hook: WebhookReceiver, type: string, delayMs: number): Pick<ApiClient, 'post'> & { bodies: unknown[] } {
  const bodies: unknown[] = [];
  return {
    bodies,
    post: async <T>(_path: string, body: unknown) => {
      bodies.push(body);
      const id = `run-${bodies.length}`;
      setTimeout(() => void fetch(hook.url, { method: 'POST', body: JSON.stringify({ request_id: id, type }) }), delayMs);
      return { status: 201, body: { id } as T, headers: new Headers() };
    },
  };
}

test('timeRun measures from the POST to the report.succeeded webhook and sends the receiver as the webhook', async (t) => {
  const hook = await startWebhookReceiver();
  t.after(() => hook.close());
  const api = fakeService(hook, 'report.succeeded', 150);
  const { id, ms } = await timeRun(api, hook, { report_code: 'INVOICE' });
  assert.equal(id, 'run-1');
  assert.ok(ms >= 140 && ms < 5000, `${ms} ms`);
  assert.deepEqual(api.bodies, [{ report_code: 'INVOICE', notify: { webhook_url: hook.url } }]);
});

test('a started run that fails before anyone awaits it rejects when awaited, without an unhandled rejection', async (t) => {
  const hook = await startWebhookReceiver();
  t.after(() => hook.close());
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const run = await startRun(fakeService(hook, 'report.failed', 0), hook, { report_code: 'INVOICE_LINES' });
  await sleep(300);
  assert.deepEqual(unhandled, []);
  await assert.rejects(run.succeeded, /run run-1 ended with report.failed/);
});
