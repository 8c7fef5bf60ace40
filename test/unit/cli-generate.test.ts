/**
 * `reportflow generate`: prints the id; with --wait prints each stage as it is reached, downloads
 * the report and verifies its checksum; bad input and failed runs exit 2, an unreachable API exits 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseParam, requestBody } from '../../src/cli/commands/generate.js';
import type { RunView } from '../../src/temporal/report-runs.js';
import { startCliHarness, type CliHarness } from '../helpers/cli-fixture.js';
import { freePort } from '../helpers/free-port.js';

let cli: CliHarness;
before(async () => {
  cli = await startCliHarness();
});
after(async () => {
  await cli.close();
});

const PDF = Buffer.from('%PDF-1.7\n' + 'x'.repeat(12_300) + '\n%%EOF\n');
const SHA = createHash('sha256').update(PDF).digest('hex');

/** Makes every run go through the stages one poll at a time, then end as `final`. */
function scriptRuns(final: (id: string) => Omit<RunView, 'request'>): void {
  const steps = new Map<string, number>();
  cli.api.runs.onGet = (id) => {
    const n = steps.get(id) ?? 0;
    steps.set(id, n + 1);
    const stages = ['VALIDATE', 'QUERY_DATA', 'RENDER', 'EXPORT'] as const;
    if (n < stages.length) cli.api.runs.set(id, { status: 'RUNNING', stage: stages[n]! });
    else cli.api.runs.set(id, final(id));
  };
}

function succeeded(id: string): Omit<RunView, 'request'> {
  const uri = `file:///reports/${id}.pdf`;
  cli.api.destination.files.set(uri, PDF);
  return {
    status: 'SUCCEEDED', stage: 'EXPORT', completedAt: new Date().toISOString(),
    report: { uri, fileName: `INVOICE_536365_${id}.pdf`, contentType: 'application/pdf', sizeBytes: PDF.length, sha256: SHA, rows: 3, pages: 1, destination: 'LOCAL', exportedAt: new Date().toISOString() },
  };
}

void test('--param name=value keeps later "=" in the value and refuses a missing name', () => {
  assert.deepEqual(parseParam('invoice_id=536365'), { name: 'invoice_id', value: '536365' });
  assert.deepEqual(parseParam('filter=a=b'), { name: 'filter', value: 'a=b' });
  assert.throws(() => parseParam('=x'), /name=value/);
  assert.throws(() => parseParam('novalue'), /name=value/);
});

void test('without --wait it prints only the id, and sends every option to the API', async () => {
  cli.api.runs.onGet = undefined;
  const res = await cli.run(['generate', 'INVOICE', '--param', 'invoice_id=536365', '--format', 'html', '--language', 'no', '--timezone', 'Europe/London', '--customer', '17850', '--webhook', 'https://hooks.example.test/x']);
  assert.equal(res.code, 0, res.stderr);
  const id = res.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  const request = cli.api.runs.runs.get(id)!.request;
  assert.deepEqual(
    { code: request.reportCode, params: request.parameterValues, format: request.format, language: request.language, tz: request.timezone, customer: request.customerId, hook: request.notify?.webhookUrl, tenant: request.tenantId },
    { code: 'INVOICE', params: [{ name: 'invoice_id', value: '536365' }], format: 'HTML', language: 'no', tz: 'Europe/London', customer: '17850', hook: 'https://hooks.example.test/x', tenant: 'acme' },
  );
});

void test('--wait prints each stage as it is reached, then downloads the report and verifies its sha256', async () => {
  scriptRuns(succeeded);
  const out = path.join(cli.home, 'invoice.pdf');
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--wait', '--out', out, '--poll-ms', '10']);
  assert.equal(res.code, 0, res.stderr);
  const [idLine, progress, saved] = res.stdout.split('\n');
  assert.match(idLine!, /^[0-9a-f-]{36}$/);
  assert.equal(progress, `VALIDATE… QUERY_DATA… RENDER… EXPORT… SUCCEEDED 12.3 kB sha256 ${SHA.slice(0, 12)}… 1 page`);
  assert.match(saved!, /^saved .*invoice\.pdf \(12\.3 kB, sha256 verified\)$/);
  assert.deepEqual(readFileSync(out), PDF);
  assert.deepEqual(readdirSync(cli.home).filter((f) => f.endsWith('.part')), []);
});

void test('stages passed between two polls are still printed, in order', async () => {
  cli.api.runs.onGet = (id) => cli.api.runs.set(id, succeeded(id));
  const out = path.join(cli.home, 'fast.pdf');
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--out', out, '--poll-ms', '10']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout.split('\n')[1]!, /^VALIDATE… QUERY_DATA… RENDER… EXPORT… SUCCEEDED 12\.3 kB/);
});

void test('a failed run prints its code, message and field errors, and exits 2', async () => {
  const polls = new Map<string, number>();
  cli.api.runs.onGet = (id) => {
    const n = (polls.get(id) ?? 0) + 1;
    polls.set(id, n);
    if (n === 1) cli.api.runs.set(id, { status: 'RUNNING', stage: 'VALIDATE' });
    else cli.api.runs.set(id, {
      status: 'FAILED', stage: 'VALIDATE', completedAt: new Date().toISOString(),
      error: { code: 'INVOICE_NOT_FOUND', message: 'Invoice 536366 does not exist.', errors: [{ field: 'parameter_values.invoice_id', code: 'INVOICE_NOT_FOUND', message: 'Invoice 536366 does not exist.' }] },
    });
  };
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536366', '--wait', '--poll-ms', '10']);
  assert.equal(res.code, 2);
  assert.match(res.stdout, /^[0-9a-f-]{36}\nVALIDATE… FAILED INVOICE_NOT_FOUND\n$/);
  assert.equal(res.stderr, 'INVOICE_NOT_FOUND: Invoice 536366 does not exist.\n  parameter_values.invoice_id: INVOICE_NOT_FOUND Invoice 536366 does not exist.\n');
});

void test('bad input is refused by the API: the errors are printed and the exit code is 2', async () => {
  const res = await cli.run(['generate', 'INVOICE', '--format', 'docx']);
  assert.equal(res.code, 2);
  assert.equal(res.stdout, '');
  assert.match(res.stderr, /^FORMAT_UNSUPPORTED: "docx" is not an output format\.\n {2}format: FORMAT_UNSUPPORTED Use one of PDF, HTML, CSV, XML, XLSX, TXT\.\n$/);
  const missing = await cli.run(['generate', 'INVOICE']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /PARAMETER_MISSING/);
  assert.match(missing.stderr, /parameter_values\.invoice_id/);
});

void test('a malformed --param or a missing argument exits 2 with usage help', async () => {
  const bad = await cli.run(['generate', 'INVOICE', '--param', 'oops']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--param expects name=value/);
  const noCode = await cli.run(['generate']);
  assert.equal(noCode.code, 2);
  assert.match(noCode.stderr, /give one of a report code, --configuration <id> and --template <id>/);
  const both = await cli.run(['generate', 'INVOICE', '--configuration', '0193c5e2-7a1b-7c3d-9e4f-0123456789ab']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give one of/);
  const template = await cli.run(['generate', '--template', '0193c5e2-7a1b-7c3d-9e4f-0123456789ab', '--configuration', '0193c5e2-7a1b-7c3d-9e4f-0123456789ab']);
  assert.equal(template.code, 2);
  assert.match(template.stderr, /give one of/);
});

void test('--configuration sends the configuration id and only the fields the options give, so the saved ones stay', () => {
  const id = '0193c5e2-7a1b-7c3d-9e4f-0123456789ab';
  assert.deepEqual(requestBody(undefined, { configuration: id }), { report_configuration_id: id });
  assert.deepEqual(requestBody(undefined, { configuration: id, format: 'xml', param: ['from_date=2011-08-01'] }), { report_configuration_id: id, parameter_values: [{ name: 'from_date', value: '2011-08-01' }], format: 'xml' });
  assert.deepEqual(requestBody('INVOICE', {}), { report_code: 'INVOICE', parameter_values: [], format: 'pdf' }, 'without a configuration: as before');
});

void test('an API that cannot be reached exits 1', async () => {
  const port = await freePort();
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536365'], { REPORTFLOW_API_URL: `http://127.0.0.1:${port}` });
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`cannot reach the API at http://127.0.0.1:${port}: ECONNREFUSED`));
});

void test('a download whose bytes do not match the checksum exits 1 and keeps no file', async () => {
  scriptRuns((id) => {
    const state = succeeded(id);
    cli.api.destination.files.set(state.report!.uri, Buffer.concat([PDF.subarray(0, PDF.length - 1), Buffer.from('!')]));
    return state;
  });
  const out = path.join(cli.home, 'corrupt.pdf');
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--out', out, '--poll-ms', '10']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /checksum mismatch/);
  assert.equal(existsSync(out), false);
  assert.equal(existsSync(out + '.part'), false);
});

void test('--json prints the final run as JSON, with where the file was saved', async () => {
  scriptRuns(succeeded);
  const out = path.join(cli.home, 'json.pdf');
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--out', out, '--json', '--poll-ms', '10']);
  assert.equal(res.code, 0, res.stderr);
  const body = JSON.parse(res.stdout) as { status: string; saved_to: string; report: { sha256: string } };
  assert.equal(body.status, 'SUCCEEDED');
  assert.equal(body.saved_to, out);
  assert.equal(body.report.sha256, SHA);
});
