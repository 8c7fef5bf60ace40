/**
 * Signed webhooks through a real run on a real Temporal dev server, to a real local HTTP receiver:
 * the signature verifies with the README's recipe, a receiver answering 500 twice then 200 gets the
 * event three times with one event id, and loopback receivers are refused unless allow-listed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportError } from '../../src/domain/errors.js';
import type { RunState } from '../../src/domain/run-status.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import type { WebhookEvent } from '../../src/notifiers/notifier.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { verifyWebhook as verify } from '../helpers/webhook-verify.js';
import { WebhookReceiver } from '../workflows/fakes.js';
import { activityAttempts, invoiceRequest, settledDelivery, withHarness } from '../workflows/harness.js';

const SECRET = 'whsec-test-0123456789';

const temporal = useTemporalTestServer();

void test('a receiver answering 500 twice then 200 gets the signed event three times with the same event id', async () => {
  await withHarness(
    temporal.env,
    temporal.bundle,
    async (h) => {
      h.receiver.statuses = [500, 500, 200];
      const request = invoiceRequest({ notify: { webhookUrl: h.receiver.url() } });
      const handle = await h.start(request);
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED');
      assert.equal(state.notifyError, undefined);
      const { delivery, failure } = await settledDelivery(h.client, handle);
      assert.equal(failure, undefined);
      assert.equal(h.receiver.received.length, 3);
      const ids = h.receiver.received.map((r) => r.headers['x-reportflow-event-id']);
      assert.deepEqual(ids, Array(3).fill(`${request.id}:report.succeeded`));
      const now = Math.floor(Date.now() / 1000);
      for (const r of h.receiver.received) {
        const header = String(r.headers['x-reportflow-signature']);
        assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
        assert.ok(verify(SECRET, header, r.rawBody, now), 'signature verifies with the documented recipe');
        assert.equal(verify('another-secret', header, r.rawBody, now), false);
        assert.equal(verify(SECRET, header, r.rawBody.replace('SUCCEEDED', 'FAILED'), now), false, 'a changed body fails');
        assert.equal(verify(SECRET, header, r.rawBody, now + 3600), false, 'an old signature fails');
      }
      // The run made the first attempt; its delivery workflow the two retries.
      assert.equal((await activityAttempts(handle)).concludeRun, 1);
      assert.equal((await activityAttempts(delivery)).notify, 2);
    },
    (h) => {
      h.overrides.notifier = new HttpWebhookNotifier({ timeoutMs: 2000, secret: SECRET, allowHosts: ['127.0.0.1'] });
    },
  );
});

const event: WebhookEvent = {
  event_id: 'r-1:report.succeeded',
  type: 'report.succeeded',
  occurred_at: '2024-03-01T09:00:05.000Z',
  request_id: 'r-1',
  tenant_id: 'acme',
  report_code: 'INVOICE',
  status: 'SUCCEEDED',
};

void test('loopback and private receivers are refused (WEBHOOK_ADDRESS_REFUSED) unless the allow-list covers them', async () => {
  const receiver = new WebhookReceiver();
  await receiver.start();
  try {
    const port = new URL(receiver.url()).port;
    const strict = new HttpWebhookNotifier({ timeoutMs: 2000 });
    for (const url of [receiver.url(), `http://localhost:${port}/hooks`, `http://[::1]:${port}/hooks`, 'http://10.1.2.3/hooks', 'http://169.254.169.254/latest/meta-data']) {
      await assert.rejects(strict.send(url, event), (err: unknown) => err instanceof ReportError && err.code === 'WEBHOOK_ADDRESS_REFUSED', url);
    }
    assert.equal(receiver.received.length, 0, 'nothing was sent');
    await new HttpWebhookNotifier({ timeoutMs: 2000, allowHosts: ['127.0.0.0/8'] }).send(receiver.url(), event);
    await new HttpWebhookNotifier({ timeoutMs: 2000, allowHosts: ['localhost'] }).send(`http://localhost:${port}/hooks`, event);
    assert.equal(receiver.received.length, 2);
  } finally {
    await receiver.stop();
  }
});
