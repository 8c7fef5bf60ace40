/**
 * The API's JSON bodies as the CLI reads them (snake_case, see src/api/schemas.ts).
 */

export interface FieldErrorBody {
  field: string;
  code: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; errors?: FieldErrorBody[] };
}

/** `201` of POST and `200` of GET /v1/report-generate-requests/{id}. */
export interface RunBody {
  id: string;
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  stage: string | null;
  report_code: string;
  parameter_values: { name: string; value: unknown }[];
  format: string;
  language: string;
  timezone: string;
  customer_id: string | null;
  /** Free client key/values sent with the request. */
  metadata?: Record<string, string>;
  /** ISO-8601 instant the run was asked to start at; null/absent means at once. */
  generate_at?: string | null;
  /** How the run came about: MANUAL, SCHEDULED or BACKFILL (README "Subscriptions"). */
  run_type?: 'MANUAL' | 'SCHEDULED' | 'BACKFILL';
  /** The subscription whose run this is; null for MANUAL runs. */
  report_subscription_id?: string | null;
  /** The saved report configuration this run was made from, and its version then (README "Report configurations"). */
  report_configuration_id?: string;
  report_configuration_version?: number;
  created_at: string;
  completed_at?: string;
  report?: {
    id: string;
    file_name: string;
    content_type: string;
    size_bytes: number;
    sha256: string;
    rows: number;
    pages?: number;
    download_url: string;
    deleted_at?: string | null;
  };
  error?: { code: string; message: string; errors: FieldErrorBody[] };
  notify_error?: { code: string; message: string; errors: FieldErrorBody[] };
  links: { self: string; download: string; cancel?: string };
}

/** Statuses after which a run changes no more. */
export const FINAL_STATUSES: readonly RunBody['status'][] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A page of a listing (`GET /v1/report-generate-requests`, `GET /v1/reports`): newest first. */
export interface PageBody<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
  /** Every match, over all pages. */
  total: number;
}

/** A report file (`GET /v1/reports`, `DELETE /v1/reports/{id}`). Its id is its request's id. */
export interface ReportBody {
  id: string;
  request_id: string;
  report_code: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  created_at: string;
  /** When the file was deleted (the record stays); null while it exists. */
  deleted_at: string | null;
}

/** `GET /v1/reports/{id}/download-url`: a signed URL that works without credentials until `expires_at`. */
export interface DownloadUrlBody {
  url: string;
  expires_at: string;
}
