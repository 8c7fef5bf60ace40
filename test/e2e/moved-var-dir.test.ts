/**
 * A var/ directory moved to another folder keeps serving its reports: produce reports with the real
 * service (`npm start`, compiled as users run it, on the embedded database), stop it, rename its var/
 * into another folder, start the service there, and download the same bytes through the API and
 * through a signed link made before the move; deleting a report works there too, also for a record an
 * older version wrote. Before report records kept store-relative keys, the records held absolute
 * `file://` URIs of the old folder and these downloads answered 500 INTERNAL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ApiClient } from '../helpers/api-client.js';
import { freeServicePorts, startService, type RunningService, type ServicePorts } from '../helpers/service.js';

/** The report a user asked for before the move, as the service described it then. */
interface Produced {
  id: string;
  sha256: string;
  sizeBytes: number;
  /** A signed download URL handed out before the move (as in a webhook or email). */
  signedUrl: string;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Requests `body`, waits for SUCCEEDED, checks its download and takes a signed link. */
async function produce(api: ApiClient, body: Record<string, unknown>): Promise<Produced> {
  const created = await api.post('/v1/report-generate-requests', { language: 'en', timezone: 'Europe/London', ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body.id);
  const { final } = await api.waitForRun(id, { timeoutMs: 300_000, intervalMs: 200 });
  assert.equal(final.status, 'SUCCEEDED', JSON.stringify(final));
  const report = final.report as { sha256: string; size_bytes: number };
  const file = await api.download(`/v1/reports/${id}/download`);
  assert.equal(file.status, 200);
  assert.equal(sha256(file.bytes), report.sha256);
  const link = await api.get<{ url: string }>(`/v1/reports/${id}/download-url`);
  assert.equal(link.status, 200, JSON.stringify(link.body));
  return { id, sha256: report.sha256, sizeBytes: report.size_bytes, signedUrl: link.body.url };
}

describe('a var/ directory moved to another folder', { timeout: 1_200_000 }, () => {
  let base: string;
  let ports: ServicePorts;
  let service: RunningService | undefined;
  let api: ApiClient;
  let firstVar: string;
  let movedVar: string;
  const produced: Produced[] = [];

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'reportflow-moved-'));
    ports = await freeServicePorts();
    // Signed links made before the move must still be valid after the (slow, on a busy machine) restart.
    const env = { REPORTFLOW_DOWNLOAD_URL_TTL_SECONDS: '3600' };
    firstVar = path.join(base, 'first', 'var');
    await mkdir(firstVar, { recursive: true });
    service = await startService({ reuse: { varDir: firstVar, ports }, env, compiled: true });
    api = new ApiClient(service.apiUrl, service.apiKey);
    produced.push(await produce(api, { report_code: 'INVOICE', parameter_values: [{ name: 'invoice_id', value: '536365' }], format: 'PDF' }));
    produced.push(await produce(api, { report_code: 'INVOICE_LINES', parameter_values: [{ name: 'from_date', value: '2010-12-01' }, { name: 'to_date', value: '2010-12-01' }], format: 'CSV' }));
    assert.equal(await service.stop(), 0);
    service = undefined;

    movedVar = path.join(base, 'elsewhere', 'var');
    await mkdir(path.dirname(movedVar), { recursive: true });
    await rename(firstVar, movedVar);
    service = await startService({ reuse: { varDir: movedVar, ports }, env, compiled: true });
    api = new ApiClient(service.apiUrl, service.apiKey);
  });

  after(async () => {
    const code = await service?.stop();
    await rm(base, { recursive: true, force: true });
    if (code !== undefined) assert.equal(code, 0, 'one SIGINT stops everything cleanly');
  });

  test('serves the same bytes through the API\'s download', async () => {
    for (const report of produced) {
      const file = await api.download(`/v1/reports/${report.id}/download`);
      assert.equal(file.status, 200, `${report.id}: ${file.bytes.toString('utf8').slice(0, 500)}`);
      assert.equal(file.bytes.length, report.sizeBytes);
      assert.equal(sha256(file.bytes), report.sha256);
    }
  });

  test('serves the same bytes through a signed link handed out before the move', async () => {
    for (const report of produced) {
      const res = await fetch(report.signedUrl);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, `${report.id}: ${bytes.toString('utf8').slice(0, 500)}`);
      assert.equal(sha256(bytes), report.sha256);
    }
  });

  test('deletes a report: the file goes from the moved folder and its download answers 410', async () => {
    const report = produced[0]!;
    const deleted = await api.request({ method: 'DELETE', path: `/v1/reports/${report.id}` });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await readdir(path.join(movedVar, 'reports', 'default', 'INVOICE'))).includes(report.id), false, 'the request\'s folder is gone');
    assert.equal((await api.download(`/v1/reports/${report.id}/download`)).status, 410);
  });

  test('a record an older version wrote (an absolute file:// URI into the old folder) downloads and deletes too', async () => {
    const report = produced[1]!;
    const sql = new pg.Client(service!.databaseUrl);
    await sql.connect();
    try {
      // What versions before store-relative keys recorded: the file's absolute URI under the first var/.
      const { rows } = await sql.query<{ file_name: string }>('SELECT file_name FROM reportflow.reports WHERE id = $1', [report.id]);
      const oldUri = pathToFileURL(path.join(firstVar, 'reports', 'default', 'INVOICE_LINES', report.id, rows[0]!.file_name)).href;
      await sql.query('UPDATE reportflow.reports SET uri = $2 WHERE id = $1', [report.id, oldUri]);
    } finally {
      await sql.end();
    }
    const file = await api.download(`/v1/reports/${report.id}/download`);
    assert.equal(file.status, 200, file.bytes.toString('utf8').slice(0, 500));
    assert.equal(sha256(file.bytes), report.sha256);
    const deleted = await api.request({ method: 'DELETE', path: `/v1/reports/${report.id}` });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal((await readdir(path.join(movedVar, 'reports', 'default', 'INVOICE_LINES'))).includes(report.id), false, 'the request\'s folder is gone');
    assert.equal((await api.download(`/v1/reports/${report.id}/download`)).status, 410);
  });
});
