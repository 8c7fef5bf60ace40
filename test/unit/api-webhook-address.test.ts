/**
 * A webhook the notifier would refuse (a private or loopback address not in
 * REPORTFLOW_WEBHOOK_ALLOW_HOSTS) is refused when the request is made, with 400 naming the field and
 * the setting, and nothing is started; the allow-list lets it through.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, startTestApi, type JsonBody, type TestApi } from '../helpers/api-fixture.js';

let strict: TestApi;
let allowing: TestApi;
before(async () => {
  [strict, allowing] = await Promise.all([startTestApi(), startTestApi({ webhookAllowHosts: ['127.0.0.1', 'localhost'] })]);
});
after(async () => {
  await Promise.all([strict.close(), allowing.close()]);
});

const BODY = { report_code: 'INVOICE', format: 'PDF', parameter_values: [{ name: 'invoice_id', value: '536365' }] };

async function post(api: TestApi, webhookUrl: string) {
  const res = await api.app.inject({ method: 'POST', url: '/v1/report-generate-requests', headers: auth(), payload: { ...BODY, notify: { webhook_url: webhookUrl } } });
  return { status: res.statusCode, body: res.json() as JsonBody, raw: res.body };
}

for (const url of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest/meta-data', 'http://localhost:9/hook']) {
  void test(`a webhook to ${url} is refused at request time with 400 naming notify.webhook_url and the allow-list setting`, async () => {
    const startedBefore = strict.runs.runs.size;
    const res = await post(strict, url);
    assert.equal(res.status, 400, res.raw);
    assert.equal(res.body.error.code, 'WEBHOOK_ADDRESS_REFUSED', res.raw);
    assert.match(res.body.error.message, /REPORTFLOW_WEBHOOK_ALLOW_HOSTS/);
    const field = res.body.error.errors.find((e: JsonBody) => e.field === 'notify.webhook_url');
    assert.ok(field, res.raw);
    assert.match(field.message, /REPORTFLOW_WEBHOOK_ALLOW_HOSTS/);
    assert.equal(strict.runs.runs.size, startedBefore, 'nothing was started');
  });
}

void test('the allow-list admits a private webhook host, by address or by name', async () => {
  assert.equal((await post(allowing, 'http://127.0.0.1:9/hook')).status, 201);
  assert.equal((await post(allowing, 'http://localhost:9/hook')).status, 201);
  assert.equal((await post(allowing, 'http://10.1.2.3/hook')).status, 400, 'a private address the list does not name stays refused');
});

void test('a public address and a name that does not resolve now are accepted (the notifier checks again before each delivery)', async () => {
  assert.equal((await post(strict, 'https://93.184.215.14/hook')).status, 201);
  assert.equal((await post(strict, 'https://hooks.example.test/reports')).status, 201);
});
