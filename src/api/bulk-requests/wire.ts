/**
 * A bulk run as the API shows it (`BULK_VIEW`, snake_case): its request, counts, ZIP and links.
 */
import type { BulkView } from '../../temporal/bulk-runs.js';

/** The wire view of `v`; links are absolute under `baseUrl`. */
export function bulkToWire(v: BulkView, baseUrl: string) {
  const { request: r, state } = v;
  const self = `${baseUrl}/v1/report-bulk-requests/${r.id}`;
  const zip = state?.zip;
  return {
    id: r.id,
    report_code: r.template.reportCode,
    format: r.template.format,
    language: r.template.language,
    timezone: r.template.timezone,
    key_parameter: r.keyParameter,
    parameter_values: Object.entries(r.keyParameters).filter(([, value]) => value !== null).map(([name, value]) => ({ name, value })),
    metadata: r.template.metadata ?? {},
    concurrency: r.concurrency,
    status: v.status,
    total: v.total ?? null,
    ended: v.ended,
    started: state?.started ?? null,
    succeeded: state?.succeeded ?? null,
    failed: state?.failed ?? null,
    cancelled: state?.cancelled ?? null,
    failures: (state?.failures ?? []).map((f) => ({ key: f.key, request_id: f.requestId, code: f.code })),
    approximate: !state,
    requested_at: r.requestedAt,
    completed_at: v.completedAt ?? null,
    zip: zip ? { file_name: zip.fileName, size_bytes: zip.sizeBytes, sha256: zip.sha256, entries: zip.entries, download_url: `${self}/zip` } : null,
    zip_error: state?.zipError ?? null,
    notify: r.notify ? { webhook_url: r.notify.webhookUrl } : null,
    links: { self, ...(r.zip ? { zip: `${self}/zip` } : {}) },
    documents_search: { metadata: { bulk_request_id: r.id } },
  };
}
