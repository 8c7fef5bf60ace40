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
  };
  error?: { code: string; message: string; errors: FieldErrorBody[] };
  notify_error?: { code: string; message: string; errors: FieldErrorBody[] };
  links: { self: string; download: string };
}

/** Statuses after which a run changes no more. */
export const FINAL_STATUSES: readonly RunBody['status'][] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
