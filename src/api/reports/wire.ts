/** The wire form (snake_case) of a report record. */
import { fileFactsToWire } from '../../domain/file-facts.js';
import type { ReportRecord } from '../../records/records.js';
import type { Links } from '../links.js';

/** The wire view of a report (see `REPORT_VIEW`). */
export function reportToWire(report: ReportRecord, links: Links) {
  const enc = encodeURIComponent(report.id);
  return {
    id: report.id,
    request_id: report.requestId,
    report_code: report.reportCode,
    customer_id: report.customerId ?? null,
    ...fileFactsToWire(report),
    created_at: report.createdAt,
    deleted_at: report.deletedAt ?? null,
    links: {
      self: `${links.baseUrl}/v1/reports/${enc}`,
      download: `${links.baseUrl}/v1/reports/${enc}/download`,
      download_url: `${links.baseUrl}/v1/reports/${enc}/download-url`,
      request: `${links.baseUrl}/v1/report-generate-requests/${encodeURIComponent(report.requestId)}`,
    },
  };
}
