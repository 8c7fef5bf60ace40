/**
 * Bulk runs through the real thing: the HTTP API (inject), a real PostgreSQL holding the Online Retail
 * sample, the shipped INVOICE definition and its keys query, the real activities with Chromium, on a
 * Temporal test server. What a client checks: one PDF per invoice of the period, each its own request
 * holding that invoice, as many as SQL counts; the progress while it runs; a cancel stops the rest;
 * bad requests are 400 naming the field; another tenant sees nothing; with `zip` the ZIP holds exactly
 * the documents (each entry the bytes its report record describes); with `notify` a real HTTP receiver
 * gets exactly one completion event with the counts; a batch that fails for good leaves every document
 * with a final record, counted as that record says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { bulkDocumentRequest, MAX_LISTED_FAILURES } from '../../src/domain/bulk-request.js';
import { loadConfig } from '../../src/config/settings.js';
import { cliRunner } from '../helpers/cli-runner.js';
import { pdfText } from '../helpers/pdf-text.js';
import { OTHER_TENANT_API_KEY, realStack, STACK_API_KEY, type RealStack } from '../helpers/real-stack.js';
import { useRetailDatabase } from '../helpers/retail-database.js';
import { useTemporalTestServer } from '../helpers/temporal.js';
import { openZip } from '../helpers/zip-read.js';

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates');
const temporal = useTemporalTestServer();
const retail = useRetailDatabase('bulk-run');

/** 1 December 2010, London time: the sample's busiest day. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const DAY = [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2010-12-01' }];

/** The invoice numbers with a line on 1 December 2010 (London = UTC in winter), by SQL, sorted. */
async function invoicesOfDay(): Promise<string[]> {
  const rows = await retail.db.query<{ invoice_no: string }>(
    `SELECT DISTINCT invoice_no FROM retail.invoice_line WHERE invoice_date >= '2010-12-01T00:00:00Z' AND invoice_date < '2010-12-02T00:00:00Z' ORDER BY 1`,
  );
  return rows.map((r) => r.invoice_no);
}

/** Polls the bulk request until `done(view)`, at most `timeoutMs`. */
async function until(stack: RealStack, id: string, done: (v: Json) => boolean, timeoutMs = 240_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await stack.call('GET', `/v1/report-bulk-requests/${id}`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    if (done(got.body)) return got.body;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${JSON.stringify(got.body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A real HTTP webhook receiver on 127.0.0.1: every event's parsed body, and its URL. Close it with `close()`. */
async function webhookReceiver(): Promise<{ url: string; events: Json[]; close(): Promise<void> }> {
  const events: Json[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    events,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits until `events` holds one or more events, then a moment more to catch a duplicate; returns them. */
async function settledEvents(events: Json[], timeoutMs = 60_000): Promise<Json[]> {
  for (const deadline = Date.now() + timeoutMs; events.length === 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_500));
  return [...events];
}

/** Starts a bulk request for the day's invoices, one document at a time, announcing its end to `webhookUrl`. */
async function startOneAtATime(stack: RealStack, webhookUrl: string): Promise<{ created: { body: Json }; id: string }> {
  const created = await stack.call('POST', '/v1/report-bulk-requests', { report_code: 'INVOICE', format: 'PDF', timezone: 'Europe/London', parameter_values: DAY, concurrency: 1, notify: { webhook_url: webhookUrl } });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  return { created, id: created.body.id as string };
}

/** A cancelled bulk run `id` that ended as `done`: it cannot be cancelled again, and sent one cancelled event with its counts. */
async function assertCancelledEnd(stack: RealStack, id: string, done: Json, received: Json[]): Promise<void> {
  assert.equal((await stack.call('POST', `/v1/report-bulk-requests/${id}/cancel`)).status, 404, 'an ended bulk run cannot be cancelled');
  const events = await settledEvents(received);
  assert.deepEqual(
    events.map((e) => [e.event_id, e.status, e.total, e.ended, e.succeeded, e.failed, e.cancelled]),
    [[`${id}:bulk_request.cancelled`, 'CANCELLED', done.total, done.ended, done.succeeded, done.failed, done.cancelled]],
    'one cancelled event with the counts',
  );
}

/** The requests of bulk run `id`, by the search the bulk view names. */
async function documents(stack: RealStack, view: Json): Promise<Json[]> {
  const found = await stack.call('POST', '/v1/report-generate-requests/search', { ...view.documents_search, limit: 100 });
  assert.equal(found.status, 200, JSON.stringify(found.body));
  return found.body.items;
}

void test('a bulk request makes one PDF per invoice of the period, each its own request holding that invoice, and reports its progress', { timeout: 300_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'all'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const invoices = await invoicesOfDay();
    assert.ok(invoices.length >= 10, `the day has invoices enough to show concurrency (${invoices.length})`);

    const created = await stack.call('POST', '/v1/report-bulk-requests', { report_code: 'INVOICE', format: 'PDF', timezone: 'Europe/London', parameter_values: DAY, metadata: { run: 'month-end' }, concurrency: 4 });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.deepEqual([created.body.status, created.body.key_parameter, created.body.concurrency], ['RUNNING', 'invoice_id', 4]);

    const running = await until(stack, id, (v) => v.total !== null);
    assert.equal(running.total, invoices.length, 'the total is the keys query\'s count');
    const done = await until(stack, id, (v) => v.status !== 'RUNNING');
    assert.deepEqual(
      [done.status, done.total, done.ended, done.succeeded, done.failed, done.cancelled, done.approximate],
      ['SUCCEEDED', invoices.length, invoices.length, invoices.length, 0, 0, false],
      JSON.stringify(done),
    );
    assert.ok(done.completed_at, 'the end is shown');

    const docs = await documents(stack, done);
    assert.deepEqual(docs.map((d) => d.id).sort(), invoices.map((n) => `${id}:${n}`).sort(), 'one request per invoice, named after the bulk run and the key');
    const scheduled = await stack.call('POST', '/v1/report-generate-requests/search', { ...done.documents_search, run_type: ['SCHEDULED', 'BACKFILL'] });
    assert.equal(scheduled.body.total, 0, 'no document lists as a subscription\'s run');
    const manual = await stack.call('POST', '/v1/report-generate-requests/search', { ...done.documents_search, run_type: ['MANUAL'] });
    assert.equal(manual.body.total, invoices.length, 'every document lists as MANUAL');
    // An inline report's documents are made in batches (activities), not as a workflow each.
    await assert.rejects(temporal.env.client.workflow.getHandle(String(docs[0]!.id)).describe(), WorkflowNotFoundError);
    for (const doc of docs) {
      const invoice = String(doc.id).slice(id.length + 1);
      assert.deepEqual([doc.status, doc.report_code, doc.format, doc.metadata], ['SUCCEEDED', 'INVOICE', 'PDF', { run: 'month-end', bulk_request_id: id }]);
      assert.deepEqual(doc.parameter_values, [{ name: 'invoice_id', value: invoice }]);
      // Asked for through the API, not by a subscription (though its id has the `<a>:<b>` shape of a subscription's run).
      assert.deepEqual([doc.run_type, doc.report_subscription_id], ['MANUAL', null]);
      const file = await stack.download(`/v1/reports/${String(doc.id)}/download`);
      assert.equal(file.status, 200);
      const text = await pdfText(file.bytes);
      assert.ok(text.includes(invoice), `the PDF of ${invoice} shows its number`);
      for (const other of invoices.filter((n) => n !== invoice)) assert.ok(!text.includes(other), `the PDF of ${invoice} holds no other invoice (${other})`);
    }

    // Another tenant: 404 for the bulk run, and none of its documents.
    const foreign = { 'x-api-key': OTHER_TENANT_API_KEY };
    assert.equal((await stack.call('GET', `/v1/report-bulk-requests/${id}`, undefined, foreign)).status, 404);
    assert.equal((await stack.call('POST', `/v1/report-bulk-requests/${id}/cancel`, undefined, foreign)).status, 404);
    const theirs = await stack.call('POST', '/v1/report-generate-requests/search', { metadata: { bulk_request_id: id } }, foreign);
    assert.equal(theirs.body.total, 0);
  });
});

void test('with zip and notify, a bulk request ends with one ZIP of exactly its PDFs and sends one completion event', { timeout: 300_000 }, async () => {
  const root = path.join(retail.root, 'zip');
  const stack = await realStack({ temporal, db: retail.db, root, templatesDir: TEMPLATES });
  const receiver = await webhookReceiver();
  try {
    await stack.run(async () => {
      const params = [...DAY, { name: 'customer_id', value: '17850' }];
      const keys = await retail.db.query<{ invoice_no: string }>(
        `SELECT DISTINCT invoice_no FROM retail.invoice_line WHERE customer_id = 17850 AND invoice_date >= '2010-12-01T00:00:00Z' AND invoice_date < '2010-12-02T00:00:00Z' ORDER BY 1`,
      );
      assert.ok(keys.length >= 2, `customer 17850 has invoices that day (${keys.length})`);

      const created = await stack.call('POST', '/v1/report-bulk-requests', { report_code: 'INVOICE', format: 'PDF', timezone: 'Europe/London', parameter_values: params, concurrency: 4, zip: true, notify: { webhook_url: receiver.url } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.equal(created.body.links.zip, `${created.body.links.self as string}/zip`);
      const done = await until(stack, id, (v) => v.status !== 'RUNNING');
      assert.deepEqual([done.status, done.total, done.succeeded, done.failed, done.zip_error], ['SUCCEEDED', keys.length, keys.length, 0, null], JSON.stringify(done));
      assert.equal(done.zip.entries, keys.length);

      // The ZIP: the bytes the view describes, holding one PDF per invoice, each the file its report record describes.
      const file = await stack.download(`/v1/report-bulk-requests/${id}/zip`);
      assert.equal(file.status, 200, file.bytes.toString('utf8').slice(0, 500));
      assert.equal(file.headers['content-type'], 'application/zip');
      const sha256 = createHash('sha256').update(file.bytes).digest('hex');
      assert.deepEqual([file.bytes.length, sha256, file.headers['x-checksum-sha256']], [done.zip.size_bytes, done.zip.sha256, done.zip.sha256]);
      await mkdir(root, { recursive: true });
      const zipFile = path.join(root, 'bulk.zip');
      await writeFile(zipFile, file.bytes);
      const zip = await openZip(zipFile);
      try {
        const entries = [...zip.names].sort();
        const records = await Promise.all(keys.map(async ({ invoice_no }) => (await stack.records.getReport('acme', `${id}:${invoice_no}`))!));
        assert.deepEqual(entries, records.map((r) => r.fileName).sort(), 'one PDF per invoice of the keys, nothing else');
        assert.equal(entries.length, keys.length);
        for (const r of records) {
          const bytes = await buffer(await zip.open(r.fileName));
          assert.equal(createHash('sha256').update(bytes).digest('hex'), r.sha256, `${r.fileName} is the file its record describes`);
          assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
        }
      } finally {
        zip.close();
      }

      // One completion event, with the counts and the ZIP, under the stable event id; recorded as delivered once.
      const events = await settledEvents(receiver.events);
      assert.equal(events.length, 1, JSON.stringify(events));
      const [event] = events as [Json];
      assert.deepEqual(
        [event.event_id, event.type, event.bulk_request_id, event.tenant_id, event.report_code, event.status, event.total, event.ended, event.succeeded, event.failed, event.cancelled],
        [`${id}:bulk_request.succeeded`, 'bulk_request.succeeded', id, 'acme', 'INVOICE', 'SUCCEEDED', keys.length, keys.length, keys.length, 0, 0],
      );
      assert.deepEqual(event.zip, { size_bytes: done.zip.size_bytes, sha256: done.zip.sha256 });
      assert.ok(String(event.links.self).endsWith(`/v1/report-bulk-requests/${id}`) && String(event.links.zip).endsWith(`/v1/report-bulk-requests/${id}/zip`));
      const deliveries = await retail.db.query<{ event_id: string; status: string }>(`SELECT event_id, status FROM reportflow.webhook_deliveries WHERE tenant_id = $1 AND request_id = $2`, ['acme', id]);
      assert.deepEqual(deliveries, [{ event_id: `${id}:bulk_request.succeeded`, status: 'DELIVERED' }]);

      // Another tenant: the ZIP is not there.
      const foreign = await stack.call('GET', `/v1/report-bulk-requests/${id}/zip`, undefined, { 'x-api-key': OTHER_TENANT_API_KEY });
      assert.equal(foreign.status, 404);
    });
  } finally {
    await receiver.close();
  }
});

void test('a bulk request without zip has no ZIP to download, and refuses emails', { timeout: 120_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'nozip'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const bad = await stack.call('POST', '/v1/report-bulk-requests', { report_code: 'INVOICE', format: 'PDF', parameter_values: DAY, notify: { webhook_url: 'http://127.0.0.1:9/hook', emails: ['a@example.com'] } });
    assert.deepEqual([bad.status, bad.body.error?.code], [400, 'REQUEST_INVALID'], JSON.stringify(bad.body));
    assert.equal((await stack.call('GET', '/v1/report-bulk-requests/0193c5e2-7a1b-7c3d-9e4f-0123456789ab/zip')).status, 404);
  });
});

void test('a cancelled bulk request of an inline report stops the document in production, makes no more, and ends CANCELLED with its counts', { timeout: 300_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'cancel'), templatesDir: TEMPLATES });
  const receiver = await webhookReceiver();
  try {
    await stack.run(async () => {
      const invoices = await invoicesOfDay();
      const { created, id } = await startOneAtATime(stack, receiver.url);
      // The documents are made in one batch (an activity): wait for its first, then hold the next one's
      // query (a table lock) while the cancel reaches the batch, so the cancel lands mid-batch for sure.
      for (const deadline = Date.now() + 120_000; !(await documents(stack, created.body)).some((d) => d.status === 'SUCCEEDED');) {
        assert.ok(Date.now() < deadline, 'a first document within 2 minutes');
        await new Promise((r) => setTimeout(r, 20));
      }
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const lockTaken = new Promise<void>((r) => (locked = r));
      const holder = retail.db.transaction(async (tx) => {
        await tx.query('LOCK TABLE retail.invoice_line IN ACCESS EXCLUSIVE MODE');
        locked();
        await released;
      });
      await lockTaken;
      try {
        // The document held by the lock is RUNNING, with no workflow of its own: it cannot be cancelled alone.
        // A document past its query when the lock was taken may still finish: wait until a query waits on
        // the lock, so that the one document in production (one at a time) is the held one.
        for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 20))) {
          const [waiting] = await retail.db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%invoice_line%'");
          if (Number(waiting?.n) > 0) break;
          assert.ok(Date.now() < deadline, 'the next document\'s query waits on the lock within 30 s');
        }
        const held = (await documents(stack, created.body)).find((d) => d.status === 'RUNNING');
        assert.ok(held, 'the held document is RUNNING');
        const alone = await stack.call('POST', `/v1/report-generate-requests/${String(held.id)}/cancel`);
        assert.deepEqual([alone.status, alone.body.error?.code], [409, 'RUN_IN_BULK_BATCH'], JSON.stringify(alone.body));
        assert.ok(String(alone.body.error?.message).includes(id), 'the error names the bulk request to cancel');
        assert.equal((await stack.call('POST', `/v1/report-bulk-requests/${id}/cancel`)).status, 202);
        // A running activity learns of a cancel from the answer to a heartbeat (sent at most once a second).
        await new Promise((r) => setTimeout(r, 4_000));
      } finally {
        release();
        await holder;
      }
      const done = await until(stack, id, (v) => v.status !== 'RUNNING');
      assert.equal(done.status, 'CANCELLED', JSON.stringify(done));
      assert.ok(done.succeeded >= 1 && done.succeeded < invoices.length, `some made, not all (${done.succeeded} of ${invoices.length})`);
      assert.ok(done.cancelled >= 1, `the documents not made count as cancelled (${done.cancelled})`);
      assert.deepEqual([done.failed, done.succeeded + done.cancelled, done.ended, done.total], [0, invoices.length, invoices.length, invoices.length], JSON.stringify(done));
      const docs = await documents(stack, done);
      const statuses = JSON.stringify(docs.map((d) => [d.id, d.status]));
      // The document in production when the cancel came (its query held by the lock) was stopped and
      // recorded CANCELLED; none was started after it.
      assert.equal(docs.filter((d) => d.status === 'SUCCEEDED').length, done.succeeded, statuses);
      assert.equal(docs.filter((d) => d.status === 'CANCELLED').length, 1, statuses);
      assert.equal(docs.length, done.succeeded + 1, `a record per document made, and the one stopped: ${statuses}`);
      for (const doc of docs) {
        const file = await stack.download(`/v1/reports/${String(doc.id)}/download`);
        if (doc.status === 'CANCELLED') {
          assert.equal(file.status, 409, `${String(doc.id)} was cancelled: no file to download (REPORT_NOT_READY, as for any cancelled run)`);
          assert.equal(await stack.records.getReport('acme', String(doc.id)), undefined, 'and no report record');
          continue;
        }
        assert.equal(file.status, 200, `${String(doc.id)} can be downloaded`);
        assert.ok((await pdfText(file.bytes)).includes(String(doc.id).slice(id.length + 1)), `${String(doc.id)} shows its invoice`);
      }
      await assertCancelledEnd(stack, id, done, receiver.events);
    });
  } finally {
    await receiver.close();
  }
});

void test('a batch that fails for good leaves no document RUNNING or without a record: those it made stay SUCCEEDED, the others end FAILED with its code', { timeout: 300_000 }, async () => {
  let failedBatch: string[] | undefined;
  const stack = await realStack({
    temporal, db: retail.db, root: path.join(retail.root, 'failed-batch'), templatesDir: TEMPLATES,
    // The first batch makes its first two documents, leaves the third in production (RUNNING), then fails
    // as its last attempt would after a fault outlasting its 20 (~14 minutes of retries). The others run as they are.
    activities: (real) => ({
      ...real,
      async produceBulkDocuments(input) {
        if (failedBatch) return real.produceBulkDocuments(input);
        failedBatch = input.keys;
        await real.produceBulkDocuments({ ...input, keys: input.keys.slice(0, 2) });
        await real.recordRunState(bulkDocumentRequest(input.bulk, input.keys[2]!), { status: 'RUNNING', stage: 'VALIDATE' });
        throw ApplicationFailure.create({ type: 'UNAVAILABLE', message: 'The database went away.', nonRetryable: true });
      },
    }),
  });
  await stack.run(async () => {
    const invoices = await invoicesOfDay();
    const created = await stack.call('POST', '/v1/report-bulk-requests', { report_code: 'INVOICE', format: 'PDF', timezone: 'Europe/London', parameter_values: DAY, concurrency: 4 });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const id = created.body.id as string;
    const done = await until(stack, id, (v) => v.status !== 'RUNNING');
    assert.ok(failedBatch && failedBatch.length > 3, 'the failing batch had documents it never reached');
    const made = failedBatch.slice(0, 2);
    const unmade = failedBatch.slice(2);
    assert.deepEqual(
      [done.status, done.total, done.ended, done.succeeded, done.failed, done.cancelled],
      ['FAILED', invoices.length, invoices.length, invoices.length - unmade.length, unmade.length, 0],
      `the two documents the failed batch made count as succeeded: ${JSON.stringify(done)}`,
    );
    assert.deepEqual(
      done.failures.map((f: Json) => [f.request_id, f.code]),
      unmade.slice(0, MAX_LISTED_FAILURES).map((key) => [`${id}:${key}`, 'UNAVAILABLE']),
      'the failures name the documents the batch did not finish, with its code',
    );

    const docs = await documents(stack, { documents_search: done.documents_search });
    assert.equal(docs.length, invoices.length, 'every document has a record, those the batch never started too');
    assert.deepEqual(docs.filter((d) => d.status === 'RUNNING').map((d) => d.id), [], 'none is left RUNNING');
    for (const doc of docs) {
      const key = String(doc.id).slice(id.length + 1);
      const download = await stack.download(`/v1/reports/${String(doc.id)}/download`);
      if (unmade.includes(key)) {
        assert.deepEqual([doc.status, doc.error?.code], ['FAILED', 'UNAVAILABLE'], JSON.stringify(doc));
        assert.equal(download.status, 409, `no file of the FAILED ${key}`);
      } else {
        assert.equal(doc.status, 'SUCCEEDED', JSON.stringify(doc));
        assert.equal(download.status, 200);
        assert.ok((await pdfText(download.bytes)).includes(key), `the PDF of ${key} shows its number`);
      }
    }
    assert.ok(made.every((key) => docs.some((d) => d.id === `${id}:${key}` && d.status === 'SUCCEEDED')), 'what the failed batch made stays made');
  });
});

void test('a staged report\'s bulk request makes each document a child workflow; a cancel cancels those in production and ends CANCELLED with its counts', { timeout: 300_000 }, async () => {
  // The shipped invoice without `run_mode: inline`: its documents are child workflows, one per key.
  const templatesDir = path.join(retail.root, 'staged-templates');
  await cp(TEMPLATES, templatesDir, { recursive: true });
  const definition = path.join(templatesDir, 'INVOICE', 'report.json');
  await writeFile(definition, (await readFile(definition, 'utf8')).replace(/"run_mode": "inline",/, ''));
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'cancel-staged'), templatesDir });
  const receiver = await webhookReceiver();
  try {
    await stack.run(async () => {
      const invoices = await invoicesOfDay();
      const { id } = await startOneAtATime(stack, receiver.url);
      await until(stack, id, (v) => v.succeeded >= 1);
      assert.equal((await stack.call('POST', `/v1/report-bulk-requests/${id}/cancel`)).status, 202);
      const done = await until(stack, id, (v) => v.status !== 'RUNNING');
      assert.equal(done.status, 'CANCELLED', JSON.stringify(done));
      assert.ok(done.succeeded >= 1 && done.succeeded < invoices.length, `some made, not all (${done.succeeded} of ${invoices.length})`);
      assert.equal(done.succeeded + done.failed + done.cancelled, done.ended);
      assert.ok(done.started <= done.succeeded + 1 + done.cancelled, 'nothing started after the cancel but the document in production');
      const docs = await documents(stack, done);
      for (const doc of docs) {
        // Each record says what Temporal says of the run, and a cancelled document leaves no file.
        const inTemporal = (await temporal.env.client.workflow.getHandle(String(doc.id)).describe()).status.name;
        assert.equal(doc.status, inTemporal === 'COMPLETED' ? 'SUCCEEDED' : inTemporal, `${String(doc.id)}: record ${String(doc.status)}, Temporal ${inTemporal}`);
        const file = await stack.download(`/v1/reports/${String(doc.id)}/download`);
        assert.equal(file.status === 200, doc.status === 'SUCCEEDED', `${String(doc.id)} (${String(doc.status)}): download ${file.status}`);
      }
      assert.equal(docs.filter((d) => d.status === 'SUCCEEDED').length, done.succeeded, `the records agree with the counts: ${JSON.stringify(docs.map((d) => [d.id, d.status]))}`);
      assert.ok(docs.length <= done.started, 'no document beyond those started');
      await assertCancelledEnd(stack, id, done, receiver.events);
    });
  } finally {
    await receiver.close();
  }
});

void test('bad bulk requests are 400 naming the field, before anything starts', { timeout: 120_000 }, async () => {
  const stack = await realStack({ temporal, db: retail.db, root: path.join(retail.root, 'bad'), templatesDir: TEMPLATES });
  await stack.run(async () => {
    const cases: [object, string, string][] = [
      [{ report_code: 'INVOICE_LINES', format: 'CSV', parameter_values: DAY }, 'BULK_UNSUPPORTED', 'report_code'],
      [{ report_code: 'NOPE', format: 'PDF', parameter_values: DAY }, 'REPORT_CODE_UNKNOWN', 'report_code'],
      [{ report_code: 'INVOICE', format: 'CSV', parameter_values: DAY }, 'FORMAT_UNSUPPORTED', 'format'],
      [{ report_code: 'INVOICE', format: 'PDF', parameter_values: [DAY[0]] }, 'PARAMETER_MISSING', 'parameter_values.to_date'],
      [{ report_code: 'INVOICE', format: 'PDF', parameter_values: [...DAY, { name: 'invoice_id', value: '536365' }] }, 'PARAMETER_UNKNOWN', 'parameter_values.invoice_id'],
      [{ report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'from_date', value: '2010-12-02' }, { name: 'to_date', value: '2010-12-01' }] }, 'PERIOD_INVALID', 'parameter_values.to_date'],
      [{ report_code: 'INVOICE', format: 'PDF', parameter_values: DAY, concurrency: 0 }, 'REQUEST_INVALID', 'concurrency'],
    ];
    for (const [body, code, field] of cases) {
      const res = await stack.call('POST', '/v1/report-bulk-requests', body);
      assert.deepEqual([res.status, res.body.error?.code, res.body.error?.errors?.[0]?.field], [400, code, field], `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    }
    assert.equal((await stack.call('GET', '/v1/report-bulk-requests/0193c5e2-7a1b-7c3d-9e4f-0123456789ab')).status, 404);
  });
});

void test('the CLI starts a bulk request and follows it to its end, shows it, and refuses to cancel an ended one', { timeout: 300_000 }, async () => {
  const dir = path.join(retail.root, 'cli');
  const stack = await realStack({ temporal, db: retail.db, root: dir, templatesDir: TEMPLATES });
  await stack.run(async () => {
    const config = loadConfig({ REPORTFLOW_API_URL: await stack.listen(), REPORTFLOW_API_KEY: STACK_API_KEY, REPORTFLOW_HOME: dir });
    const cli = cliRunner(config);
    // Customer 17850's invoices of the day: a handful.
    const [row] = await retail.db.query<{ n: number }>(
      `SELECT count(DISTINCT invoice_no)::int AS n FROM retail.invoice_line WHERE customer_id = 17850 AND invoice_date >= '2010-12-01T00:00:00Z' AND invoice_date < '2010-12-02T00:00:00Z'`,
    );
    const n = row!.n;
    assert.ok(n >= 2, `customer 17850 has invoices that day (${n})`);
    const run = await cli('bulk', 'start', 'INVOICE', '-f', 'pdf', '-t', 'Europe/London', '--param', 'from_date=2010-12-01', '--param', 'to_date=2010-12-01', '--param', 'customer_id=17850', '--zip', '--wait', '--poll-ms', '200');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^status +SUCCEEDED$/m);
    assert.match(run.stdout, new RegExp(`^documents +${n} of ${n} ended: ${n} succeeded, 0 failed, 0 cancelled$`, 'm'));
    const id = /^id +(\S+)$/m.exec(run.stdout)![1]!;
    assert.match(run.stdout, /customer_id=17850/);
    const shown = await cli('bulk', 'show', id, '--json');
    const view = JSON.parse(shown.stdout) as Json;
    assert.deepEqual([shown.code, view.succeeded, view.zip?.entries], [0, n, n]);
    const out = path.join(dir, 'bulk.zip');
    const saved = await cli('bulk', 'zip', id, '-o', out);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /verified/);
    assert.equal(createHash('sha256').update(await readFile(out)).digest('hex'), view.zip.sha256, 'the saved ZIP is the one the bulk request shows');
    const cancel = await cli('bulk', 'cancel', id);
    assert.equal(cancel.code, 2, 'an ended bulk request is not found to cancel');
    assert.equal((await cli('bulk', 'start', 'INVOICE', '-f', 'pdf', '--param', 'from_date')).code, 2, 'a malformed --param is a usage error');
  });
});
