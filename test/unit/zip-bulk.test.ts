/**
 * The zipBulk activity on a LOCAL report store: exactly the bulk's SUCCEEDED, undeleted documents, one entry
 * each (a repeated file name gets its key in front); a second attempt keeps the stored ZIP and reports its facts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { zipBulkActivity } from '../../activities/zip-bulk.js';
import { LocalDestination } from '../../src/destinations/local-destination.js';
import type { BulkZip } from '../../src/domain/bulk-request.js';
import type { ReportRequest } from '../../src/domain/report-request.js';
import { LocalStaging } from '../../src/staging/local-staging.js';
import { MemoryRecordStore } from '../helpers/memory-record-store.js';
import { zipEntryNames } from '../helpers/zip-read.js';

const BULK = '0193c5e2-7a1b-7c3d-9e4f-0123456789ab';

void test('zipBulk puts each SUCCEEDED document of the bulk in one ZIP, stored once', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'zip-bulk-'));
  try {
    const destination = new LocalDestination(path.join(root, 'reports'));
    const records = new MemoryRecordStore();
    const document = async (key: string, fileName: string, status: 'SUCCEEDED' | 'FAILED', tenantId = 'acme', bulk = BULK) => {
      const request: ReportRequest = { id: `${bulk}:${key}`, tenantId, reportCode: 'INVOICE', parameterValues: [], format: 'PDF', language: 'en', timezone: 'UTC', requestedAt: '2024-03-01T09:00:00.000Z' };
      await records.createRequest(request);
      await records.recordRunState(request, { status, stage: null });
      const source = path.join(root, `${key}.src`);
      const bytes = Buffer.from(`%PDF- document ${key}`);
      await writeFile(source, bytes);
      const { uri } = await destination.put(source, { tenantId, reportCode: 'INVOICE', requestId: request.id, fileName });
      await records.upsertReport({ id: request.id, requestId: request.id, tenantId, reportCode: 'INVOICE', uri, fileName, contentType: 'application/pdf', sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), rows: 1, createdAt: '2024-03-01T09:00:04.000Z' });
    };
    await document('1', 'INVOICE_1.pdf', 'SUCCEEDED');
    await document('2', 'INVOICE_2.pdf', 'SUCCEEDED');
    await document('3', 'INVOICE_2.pdf', 'SUCCEEDED');
    await document('4', 'INVOICE_4.pdf', 'FAILED');
    await document('5', 'INVOICE_5.pdf', 'SUCCEEDED', 'globex');
    await document('6', 'INVOICE_6.pdf', 'SUCCEEDED', 'acme', 'another-bulk');

    const zipBulk = zipBulkActivity({ records, destination, staging: new LocalStaging(path.join(root, 'staging')) });
    const input = { bulkId: BULK, tenantId: 'acme', reportCode: 'INVOICE' };
    const zip: BulkZip = await new MockActivityEnvironment().run(zipBulk, input);
    assert.deepEqual([zip.fileName, zip.entries, zip.uri], [`INVOICE_bulk_${BULK}.zip`, 3, `local:///acme/INVOICE/${BULK}/INVOICE_bulk_${BULK}.zip`]);
    const file = destination.pathOf(zip.uri);
    const bytes = await readFile(file);
    assert.deepEqual([bytes.length, createHash('sha256').update(bytes).digest('hex')], [zip.sizeBytes, zip.sha256]);
    assert.deepEqual((await zipEntryNames(file)).sort(), ['3_INVOICE_2.pdf', 'INVOICE_1.pdf', 'INVOICE_2.pdf']);

    const again = await new MockActivityEnvironment().run(zipBulk, input);
    assert.deepEqual(again, zip, 'a second attempt keeps the stored ZIP');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
