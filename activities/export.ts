/**
 * The export activity: delivers the rendered file to the report store (the LOCAL directory, or the
 * bucket of `REPORTFLOW_REPORT_STORE_INTEGRATION`) under its deterministic name (created once: a retried
 * or racing export keeps the first complete file, so exactly one file stays and the record describes
 * it), then records the report
 * (an upsert keyed by the request id, so a retry never adds a second record).
 */
import { Context } from '@temporalio/activity';
import type { ExportedReport, RenderedFile } from '../src/domain/artifacts.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { PutResult } from '../src/destinations/destination.js';
import type { ActivityDeps } from './deps.js';
import { inSpan } from '../src/observability/span.js';
import { keepAlive } from './keep-alive.js';

/**
 * @returns the rendered file's record with `uri` replaced by the delivered file's key (relative to the
 *   store, `local:///<tenant>/<CODE>/<id>/<file>` or `store:///…` for a bucket store; also what the
 *   report's record keeps) and
 *   `exportedAt` (ISO-8601 instant, UTC).
 * Heartbeats with the bytes copied; a cancel stops the copy (nothing is delivered, no temporary file
 * stays) and is reported as the cancel it is.
 * @throws Error on I/O and database faults (retried); CancelledFailure when the run is cancelled.
 */
export function exportActivity(deps: Pick<ActivityDeps, 'staging' | 'destination' | 'records'>) {
  return async function exportReport(request: ReportRequest, rendered: RenderedFile): Promise<ExportedReport> {
    const ctx = Context.current();
    const alive = keepAlive(ctx, 0);
    let put: PutResult;
    try {
      put = await inSpan('export LOCAL', { 'reportflow.size_bytes': rendered.sizeBytes }, () => deps.destination.put(
        deps.staging.pathFromUri(rendered.uri),
        { tenantId: request.tenantId, reportCode: request.reportCode, requestId: request.id, fileName: rendered.fileName },
        {
          signal: ctx.cancellationSignal,
          onProgress: (bytes) => alive.progress(bytes),
          ...(rendered.sealed ? { sealed: true } : {}),
          file: { contentType: rendered.contentType, sizeBytes: rendered.sizeBytes, sha256: rendered.sha256 },
        },
      ));
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      throw err;
    } finally {
      alive.stop();
    }
    // An earlier attempt's file was kept (a retry, or another worker that ran the same stages): the
    // record and the result describe that file, the one downloads serve.
    const file = { ...rendered, ...(put.kept ?? {}) };
    const { uri } = put;
    const exportedAt = new Date().toISOString();
    await deps.records.upsertReport({
      id: request.id,
      requestId: request.id,
      tenantId: request.tenantId,
      reportCode: request.reportCode,
      ...(request.customerId !== undefined ? { customerId: request.customerId } : {}),
      fileName: rendered.fileName,
      contentType: rendered.contentType,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      rows: rendered.rows,
      ...(rendered.pages !== undefined ? { pages: rendered.pages } : {}),
      uri,
      createdAt: exportedAt,
    });
    return { ...file, uri, destination: 'LOCAL', exportedAt };
  };
}
