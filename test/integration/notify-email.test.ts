/**
 * Email notifications through a real run on a real Temporal dev server to a real SMTP server: one
 * message per recipient, a refused address fails alone (EMAIL_REJECTED, not retried) while the others
 * get theirs exactly once, with the download link and the small report attached.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { History, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { RunState } from '../../src/domain/run-status.js';
import { SmtpMailer } from '../../src/notifiers/smtp-mailer.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/emulators/smtp-server.js';
import { bundleReportWorkflows, startTemporalTestServer } from '../helpers/temporal.js';
import { invoiceRequest, withHarness } from '../workflows/harness.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let smtp: TestSmtpServer;
before(async () => {
  [env, bundle, smtp] = await Promise.all([startTemporalTestServer(), bundleReportWorkflows(), startSmtpServer()]);
});
after(async () => {
  await smtp?.stop();
  await env?.teardown();
});

/** Attempts of each `sendEmail` activity, by recipient. */
async function emailAttempts(handle: { fetchHistory(): Promise<History> }): Promise<Record<string, number>> {
  const history = await handle.fetchHistory();
  const recipientByScheduled = new Map<string, string>();
  const out: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'sendEmail') {
      const input = JSON.parse(Buffer.from(s.input!.payloads![0]!.data!).toString('utf8')) as { recipient: string };
      recipientByScheduled.set(String(e.eventId), input.recipient);
    }
    const st = e.activityTaskStartedEventAttributes;
    const recipient = st && recipientByScheduled.get(String(st.scheduledEventId));
    if (recipient) out[recipient] = Math.max(out[recipient] ?? 0, st.attempt ?? 1);
  }
  return out;
}

void test('an email to three recipients where one is refused delivers the other two once each', async () => {
  smtp.refuse.add('refused@example.test');
  await withHarness(
    env,
    bundle,
    async (h) => {
      const emails = ['ana@example.test', 'refused@example.test', 'carl@example.test'];
      const request = invoiceRequest({ notify: { emails } });
      const handle = await h.start(request);
      const state = (await handle.result()) as RunState;
      assert.equal(state.status, 'SUCCEEDED', 'a refused recipient does not fail the run');
      assert.equal(state.notifyError?.code, 'EMAIL_REJECTED');

      const to = smtp.messages.map((m) => m.to.join(',')).sort();
      assert.deepEqual(to, ['ana@example.test', 'carl@example.test']);
      for (const m of smtp.messages) {
        assert.match(m.readable, /^Subject: Report INVOICE is ready/m);
        assert.match(m.readable, new RegExp(`https://reports\\.example\\.test/v1/reports/${request.id}/download`));
        assert.match(m.readable, /Content-Disposition: attachment; filename=INVOICE_536365_rpt-[0-9a-f-]+\.csv/i);
        assert.match(m.readable, new RegExp(`^Message-ID: <${request.id}%3Areport\\.succeeded\\.${m.to[0]!.replace('@', '%40').replace(/\./g, '\\.')}@reportflow>`, 'm'));
      }
      assert.deepEqual(await emailAttempts(handle), { 'ana@example.test': 1, 'refused@example.test': 1, 'carl@example.test': 1 });
    },
    (h) => {
      h.overrides.mailer = new SmtpMailer({ url: smtp.url, from: 'reportflow <reports@example.test>' });
    },
  );
});

void test('a report larger than the attachment limit is sent as a link only', async () => {
  smtp.messages.length = 0;
  await withHarness(
    env,
    bundle,
    async (h) => {
      h.config.mailAttachMaxBytes = 10;
      const handle = await h.start(invoiceRequest({ notify: { emails: ['ana@example.test'] } }));
      assert.equal(((await handle.result()) as RunState).status, 'SUCCEEDED');
      assert.equal(smtp.messages.length, 1);
      assert.doesNotMatch(smtp.messages[0]!.readable, /Content-Disposition: attachment/i);
      assert.match(smtp.messages[0]!.readable, /Download: https:\/\/reports\.example\.test\/v1\/reports\//);
    },
    (h) => {
      h.overrides.mailer = new SmtpMailer({ url: smtp.url, from: 'reportflow <reports@example.test>' });
    },
  );
});
