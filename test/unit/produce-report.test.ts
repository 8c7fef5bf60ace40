/**
 * `produceReport` (an inline run's query → render → export as one local activity) on a real staging
 * directory: two attempts of one run running at once — a retry started while the first attempt still
 * runs, after its workflow task timed out — each stage and remove only their own files.
 * (Seen in the scale-out test before attempts had folders of their own: the second attempt's query
 * truncated the rows the first was rendering, and an invoice PDF read "No data" in a SUCCEEDED run.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { produceReportActivity, type ProduceStages } from '../../activities/produce-report.js';
import type { ExportedReport, RenderedFile, StagedRows } from '../../src/domain/artifacts.js';
import type { ReportRequest, ValidatedRequest } from '../../src/domain/report-request.js';
import { LocalStaging } from '../../src/staging/local-staging.js';

const ROWS = 50;
const request = { id: 'req-1' } as ReportRequest;
const validated = { request } as ValidatedRequest;

/** A gate a stage waits at until the test opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * Stages shaped like the real ones: the query (re)writes `rows.ndjson` in its staging, the render reads it
 * back after `beforeRender` and writes the "document" (the rows it read), the export reports it.
 */
function fakeStages(beforeRender: () => Promise<void>) {
  return (staging: LocalStaging): ProduceStages => ({
    async queryData(): Promise<StagedRows> {
      const file = await staging.pathFor(request.id, 'rows.ndjson');
      const out = createWriteStream(file); // truncates, as the NDJSON writer does
      for (let i = 1; i <= ROWS; i++) out.write(`${JSON.stringify({ line: i })}\n`);
      out.end();
      await finished(out);
      return { uri: staging.uriFor(file), rows: ROWS, sizeBytes: 0, sha256: '', columns: [] };
    },
    async renderReport(_v: ValidatedRequest, staged: StagedRows): Promise<RenderedFile> {
      await beforeRender();
      const rows = (await readFile(staging.pathFromUri(staged.uri), 'utf8')).split('\n').filter(Boolean).length;
      return { uri: staged.uri, fileName: 'doc.pdf', contentType: 'application/pdf', sizeBytes: 0, sha256: '', rows };
    },
    async exportReport(_r: ReportRequest, rendered: RenderedFile): Promise<ExportedReport> {
      return { ...rendered, destination: 'LOCAL', exportedAt: '2026-12-01T00:00:00Z' };
    },
  });
}

async function withStaging(fn: (staging: LocalStaging) => Promise<void>) {
  const root = await mkdtemp(path.join(tmpdir(), 'reportflow-produce-'));
  try {
    await fn(new LocalStaging(root));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

void test('two attempts of one inline run at once: the first renders its full rows although the second staged and removed its own meanwhile', async () => {
  await withStaging(async (staging) => {
    const firstMayRender = gate();
    const firstAtRender = gate();
    let calls = 0;
    // The first attempt stops before its render until the second attempt has run from start to end.
    const produce = produceReportActivity({ staging }, fakeStages(async () => {
      if (++calls === 1) {
        firstAtRender.open();
        await firstMayRender.opened;
      }
    }));
    const first = produce({ request, validated, keepStaging: false });
    await firstAtRender.opened;
    const second = await produce({ request, validated, keepStaging: false });
    firstMayRender.open();
    const done = await first;
    assert.equal(second.rendered.rows, ROWS);
    assert.equal(done.rendered.rows, ROWS, 'the first attempt read its own staged rows, untouched by the second');
    assert.notEqual(done.staged.uri, second.staged.uri, 'each attempt staged in a folder of its own');
    assert.deepEqual(await readdir(staging.rootDir), [], 'both attempts removed their staging (and the run folder once empty)');
  });
});

void test('an attempt that keeps its staging (bucket exports read it) leaves its files; removeRun removes every attempt', async () => {
  await withStaging(async (staging) => {
    const produce = produceReportActivity({ staging }, fakeStages(async () => undefined));
    const kept = await produce({ request, validated, keepStaging: true });
    const keptRows = await readFile(staging.pathFromUri(kept.staged.uri), 'utf8');
    assert.equal(keptRows.split('\n').filter(Boolean).length, ROWS);
    await staging.removeRun(request.id);
    assert.deepEqual(await readdir(staging.rootDir), []);
  });
});

void test('what an attempt of a dead worker process left in the run folder goes with the run\'s next attempt here', async () => {
  await withStaging(async (staging) => {
    // A process killed mid-render (kill -9) leaves its attempt's folder; its queue died with it.
    const dead = new LocalStaging(staging.rootDir).forAttempt(request.id).staging; // the dead process's staging
    await writeFile(await dead.pathFor(request.id, 'rows.ndjson'), '{"line":1}\n');
    const produce = produceReportActivity({ staging }, fakeStages(async () => undefined));
    await produce({ request, validated, keepStaging: false });
    assert.deepEqual(await readdir(staging.rootDir), [], 'the retry removed the run folder, the dead attempt\'s files included');
  });
});

void test('a failed attempt removes its staging too', async () => {
  await withStaging(async (staging) => {
    const produce = produceReportActivity({ staging }, fakeStages(async () => {
      throw new Error('browser crashed');
    }));
    await assert.rejects(produce({ request, validated, keepStaging: false }), /browser crashed/);
    assert.deepEqual(await readdir(staging.rootDir), []);
  });
});
