/**
 * The HTTP webhook notifier against a real local HTTP server: what it sends, and how each kind of
 * answer is reported (2xx ok, 4xx non-retryable WEBHOOK_REJECTED, 5xx / 408 / 429 / timeout / no server retryable).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReportError } from '../../src/domain/errors.js';
import { HttpWebhookNotifier } from '../../src/notifiers/http-webhook-notifier.js';
import { WebhookAttemptError, WebhookRejectedError, type WebhookEvent } from '../../src/notifiers/notifier.js';

const event: WebhookEvent = {
  event_id: 'r-1:report.succeeded',
  type: 'report.succeeded',
  occurred_at: '2024-03-01T09:00:05.000Z',
  request_id: 'r-1',
  tenant_id: 'acme',
  report_code: 'INVOICE',
  status: 'SUCCEEDED',
};

let server: Server;
let base: string;
const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const m = /^\/status\/(\d+)/.exec(req.url ?? '');
      if (req.url === '/slow') return void setTimeout(() => res.end(), 2000);
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/status/200' });
        return void res.end();
      }
      res.statusCode = m ? Number(m[1]) : 200;
      res.end('ignored body');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// The test server listens on loopback, which webhooks may reach only when allow-listed.
const notifier = new HttpWebhookNotifier({ timeoutMs: 500, allowHosts: ['127.0.0.1'] });

void test('a 2xx answer delivers: JSON POST with content type, user agent and event id headers', async () => {
  seen.length = 0;
  await notifier.send(`${base}/status/204?token=abc`, event);
  assert.equal(seen.length, 1);
  const req = seen[0]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/status/204?token=abc');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['user-agent'], 'reportflow');
  assert.equal(req.headers['x-reportflow-event-id'], 'r-1:report.succeeded');
  assert.deepEqual(JSON.parse(req.body), event);
});

void test('a 4xx answer is WEBHOOK_REJECTED (not retryable)', async () => {
  for (const status of [400, 404, 410, 422]) {
    const err = await notifier.send(`${base}/status/${status}`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
    assert.ok(err instanceof ReportError);
    assert.equal(err.code, 'WEBHOOK_REJECTED');
    assert.equal(err.message, `The webhook receiver answered ${status} to report.succeeded.`);
  }
});

void test('a redirect is not followed and counts as rejected', async () => {
  seen.length = 0;
  await assert.rejects(notifier.send(`${base}/redirect`, event), (e: unknown) => e instanceof ReportError && e.code === 'WEBHOOK_REJECTED');
  assert.equal(seen.length, 1);
});

void test('a 5xx answer is a plain (retryable) error that does not leak the URL path', async () => {
  const err = await notifier.send(`${base}/status/503/secret-token`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(err instanceof Error && !(err instanceof ReportError));
  assert.equal(err.message, `webhook report.succeeded to ${base} answered 503`);
});

void test('a receiver slower than the timeout is a retryable timeout error', async () => {
  const t0 = Date.now();
  const err = await notifier.send(`${base}/slow`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(err instanceof Error && !(err instanceof ReportError));
  assert.match(err.message, /no answer within 500 ms/);
  assert.ok(Date.now() - t0 < 1500);
});

void test('an unreachable receiver is a retryable network error', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const err = await notifier.send(`http://127.0.0.1:${port}/hook`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(err instanceof Error && !(err instanceof ReportError));
  assert.match(err.message, /ECONNREFUSED/);
});

void test('408 and 429 ask to come back later: retryable, with the status; a 2xx returns its status; a 4xx carries its status', async () => {
  for (const status of [408, 429, 500, 503]) {
    const err = await notifier.send(`${base}/status/${status}`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
    assert.ok(err instanceof WebhookAttemptError, `${status}`);
    assert.deepEqual([err.httpStatus, err.reason], [status, `answered ${status}`]);
  }
  assert.deepEqual(await notifier.send(`${base}/status/202`, event), { httpStatus: 202 });
  const gone = await notifier.send(`${base}/status/410`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(gone instanceof WebhookRejectedError && gone.httpStatus === 410 && gone.code === 'WEBHOOK_REJECTED');
});

void test('no answer is described for the client without the URL: refused connection, timeout', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await notifier.send(`http://127.0.0.1:${port}/hook?token=secret`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(refused instanceof WebhookAttemptError);
  assert.deepEqual([refused.reason, refused.httpStatus], ['connection refused (ECONNREFUSED)', undefined]);
  const slow = await notifier.send(`${base}/slow`, event).then(() => assert.fail('should throw'), (e: unknown) => e);
  assert.ok(slow instanceof WebhookAttemptError);
  assert.equal(slow.reason, 'no answer within 500 ms');
});
