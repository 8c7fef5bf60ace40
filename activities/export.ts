/**
 * The export activity: delivers the rendered file to the LOCAL destination under its deterministic
 * name (atomic replace, so a retried export leaves exactly one file).
 */
import type { ExportedReport, RenderedFile } from '../src/domain/artifacts.js';
import type { ReportRequest } from '../src/domain/report-request.js';
import type { ActivityDeps } from './deps.js';

/**
 * @returns the rendered file's record with `uri` replaced by the delivered file's URI and
 *   `exportedAt` (ISO-8601 instant, UTC).
 * @throws Error on I/O faults (retried).
 */
export function exportActivity(deps: Pick<ActivityDeps, 'staging' | 'destination'>) {
  return async function exportReport(request: ReportRequest, rendered: RenderedFile): Promise<ExportedReport> {
    const { uri } = await deps.destination.put(deps.staging.pathFromUri(rendered.uri), {
      tenantId: request.tenantId,
      reportCode: request.reportCode,
      requestId: request.id,
      fileName: rendered.fileName,
    });
    return { ...rendered, uri, destination: 'LOCAL', exportedAt: new Date().toISOString() };
  };
}
