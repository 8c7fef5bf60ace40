/**
 * The zipBulk activity: puts every SUCCEEDED document of a bulk run into one ZIP and stores it in the
 * report store (LOCAL, S3 or GCS, through the `Destination` abstraction) as `<code>_bulk_<id>.zip` in
 * the bulk id's folder, created once like every report: a retry (or a second worker) that finds the
 * ZIP stored already keeps it and reports its size and digest. Documents are read one at a time from
 * the store and streamed into a local file of the worker's staging; it heartbeats as it goes (entries
 * done, then bytes stored), and a cancel aborts it. Only the stored ZIP's facts go back to the workflow.
 */
import { Context } from '@temporalio/activity';
import { bulkZipFileName, type BulkZip } from '../src/domain/bulk-request.js';
import { zipWriter } from '../src/platform/zip-writer.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';

/** Which bulk run to zip. */
export interface ZipBulkInput {
  bulkId: string;
  tenantId: string;
  reportCode: string;
}

/** Report records read per page. */
const PAGE = 200;

/**
 * @returns the stored ZIP's key, file name, size (bytes), hex SHA-256 and number of entries.
 * @throws Error on a store or file fault (retried; a document gone from the store fails the attempt).
 */
export function zipBulkActivity(deps: Pick<ActivityDeps, 'records' | 'destination' | 'staging'>) {
  return async function zipBulk(input: ZipBulkInput): Promise<BulkZip> {
    const ctx = Context.current();
    const alive = keepAlive(ctx, { entries: 0 });
    const fileName = bulkZipFileName(input.reportCode, input.bulkId);
    // A folder per attempt: two attempts at once never share a temporary file.
    const attempt = deps.staging.forAttempt(input.bulkId);
    try {
      const local = await attempt.staging.pathFor(input.bulkId, fileName);
      const zip = zipWriter(local, { signal: ctx.cancellationSignal });
      const names = new Set<string>();
      let entries = 0;
      for (let after: string | undefined; ;) {
        const page = await deps.records.bulkDocumentReports(input.tenantId, input.bulkId, PAGE, after);
        for (const report of page) {
          // Each document's own file name; a name met before gets its key in front (order is by request id).
          const name = names.has(report.fileName) ? `${report.requestId.slice(input.bulkId.length + 1)}_${report.fileName}` : report.fileName;
          names.add(name);
          await zip.add(name, await deps.destination.open(report.uri), new Date(report.createdAt));
          alive.progress({ entries: ++entries });
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.requestId;
      }
      const made = await zip.finish();
      const put = await deps.destination.put(
        local,
        { tenantId: input.tenantId, reportCode: input.reportCode, requestId: input.bulkId, fileName },
        { signal: ctx.cancellationSignal, onProgress: (bytes) => alive.progress({ entries, bytes }), file: { contentType: 'application/zip', ...made } },
      );
      const stored = put.kept ?? made;
      return { uri: put.uri, fileName, sizeBytes: stored.sizeBytes, sha256: stored.sha256, entries };
    } finally {
      alive.stop();
      await attempt.remove();
    }
  };
}
