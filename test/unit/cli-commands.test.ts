/**
 * `reportflow status`, `download` and `definitions`, where the CLI finds its API key, and the
 * `bin/reportflow.js` launcher.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startCliHarness, type CliHarness } from '../helpers/cli-fixture.js';
import { KEYS } from '../helpers/api-fixture.js';
import { humanSize } from '../../src/cli/format.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let cli: CliHarness;
let id: string;
const CSV = Buffer.from('stock_code,quantity\n85123A,6\n71053,6\n');

before(async () => {
  cli = await startCliHarness();
  const res = await cli.run(['generate', 'INVOICE', '-p', 'invoice_id=536365', '--format', 'csv', '--customer', '17850']);
  id = res.stdout.trim();
});
after(async () => {
  await cli.close();
});

function finish(): void {
  cli.api.destination.files.set('file:///r/x.csv', CSV);
  cli.api.runs.set(id, {
    status: 'SUCCEEDED', stage: 'EXPORT', completedAt: '2026-01-02T03:04:06.000Z',
    report: { uri: 'file:///r/x.csv', fileName: `INVOICE_536365_${id}.csv`, contentType: 'text/csv; charset=utf-8', sizeBytes: CSV.length, sha256: '0'.repeat(64), rows: 2, destination: 'LOCAL', exportedAt: '2026-01-02T03:04:06.000Z' },
  });
}

void test('status prints the run as aligned text, or the API JSON with --json', async () => {
  cli.api.runs.set(id, { status: 'RUNNING', stage: 'RENDER' });
  const res = await cli.run(['status', id]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, new RegExp(`^id {9}${id}\nstatus {5}RUNNING \\(stage RENDER\\)\nreport {5}INVOICE invoice_id=536365 · CSV en UTC · customer 17850\ncreated {4}\\S+\n$`));
  const json = await cli.run(['status', id, '--json']);
  assert.equal(JSON.parse(json.stdout).stage, 'RENDER');
});

void test('status of an unknown id exits 2 with NOT_FOUND', async () => {
  const res = await cli.run(['status', '0193c5e2-7a1b-7c3d-9e4f-0123456789ab']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /^NOT_FOUND: /);
});

void test('download before the report is ready exits 2 with REPORT_NOT_READY', async () => {
  cli.api.runs.set(id, { status: 'RUNNING', stage: 'RENDER' });
  const res = await cli.run(['download', id, '--out', path.join(cli.home, 'early.csv')]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /^REPORT_NOT_READY: /);
});

void test('download saves the file under its own name by default, checking the checksum header', async () => {
  finish();
  // The header carries the true checksum; the run's recorded one is not consulted by `download`.
  const { createHash } = await import('node:crypto');
  cli.api.runs.set(id, { ...cli.api.runs.runs.get(id)!, report: { ...cli.api.runs.runs.get(id)!.report!, sha256: createHash('sha256').update(CSV).digest('hex') } });
  const cwd = process.cwd();
  process.chdir(cli.home);
  try {
    const res = await cli.run(['download', id]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^saved INVOICE_536365_${id}\\.csv \\(${humanSize(CSV.length).replace('.', '\\.')}, sha256 [0-9a-f]{12}… verified\\)\n$`));
    assert.deepEqual(readFileSync(path.join(cli.home, `INVOICE_536365_${id}.csv`)), CSV);
  } finally {
    process.chdir(cwd);
  }
});

void test('status of a finished run shows the file and its download URL', async () => {
  finish();
  const res = await cli.run(['status', id]);
  assert.match(res.stdout, /status {5}SUCCEEDED \(stage EXPORT\)/);
  assert.match(res.stdout, new RegExp(`file {7}INVOICE_536365_${id}\\.csv \\d+ B sha256 000000000000… 2 rows`));
  assert.match(res.stdout, /download {3}https:\/\/reports\.example\.test\/v1\/reports\/.+\/download/);
});

void test('definitions lists codes, titles, formats and parameters', async () => {
  const res = await cli.run(['definitions']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, [
    'INVOICE  Invoice  [PDF, HTML, CSV]',
    '  --param invoice_id=<string> *',
    '',
    'SALES_SUMMARY  Sales summary  [CSV, XML]',
    '  --param from_date=<date> *',
    '  --param to_date=<date> *',
    '  --param country=<string> (default "United Kingdom")',
    '',
  ].join('\n'));
});

void test('the API key comes from --api-key, else REPORTFLOW_API_KEY, else <var>/api-key; none exits 2', async () => {
  const noKey = { REPORTFLOW_API_KEY: '' };
  const missing = await cli.run(['definitions'], noKey);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no API key: pass --api-key, set REPORTFLOW_API_KEY, or run `npm start`/);

  mkdirSync(path.join(cli.home, 'var'), { recursive: true });
  writeFileSync(path.join(cli.home, 'var', 'api-key'), `${KEYS.acme}\n`);
  assert.equal((await cli.run(['definitions'], noKey)).code, 0);

  const wrong = await cli.run(['definitions'], { REPORTFLOW_API_KEY: 'wrong' });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /^UNAUTHENTICATED: /);
  assert.equal((await cli.run(['--api-key', KEYS.globex, 'definitions'], { REPORTFLOW_API_KEY: 'wrong' })).code, 0);
  assert.equal((await cli.run(['definitions', '--api-key', KEYS.globex], { REPORTFLOW_API_KEY: 'wrong' })).code, 0);
});

void test('bin/reportflow.js runs the CLI through tsx as `npx reportflow` does', async () => {
  const run = promisify(execFile);
  const help = await run(process.execPath, [path.join(ROOT, 'bin/reportflow.js'), '--help'], { cwd: ROOT });
  assert.match(help.stdout, /Usage: reportflow/);
  assert.match(help.stdout, /generate \[options\] \[report_code\]/);
  assert.match(help.stdout, /configurations +saved report configurations/);
  const defs = await run(process.execPath, [path.join(ROOT, 'bin/reportflow.js'), 'definitions'], {
    cwd: cli.home,
    env: { ...process.env, REPORTFLOW_API_URL: cli.url, REPORTFLOW_API_KEY: KEYS.acme, REPORTFLOW_HOME: cli.home },
  });
  assert.match(defs.stdout, /^INVOICE {2}Invoice/);
  const refused = await run(process.execPath, [path.join(ROOT, 'bin/reportflow.js'), 'status', 'nope'], {
    cwd: cli.home,
    env: { ...process.env, REPORTFLOW_API_URL: cli.url, REPORTFLOW_API_KEY: KEYS.acme, REPORTFLOW_HOME: cli.home },
  }).then(() => 0, (err: { code: number }) => err.code);
  assert.equal(refused, 2);
});
