/**
 * Bulk runs: one request that makes one document per key (e.g. every invoice of a month), each a
 * report run of its own. What the API hands the `bulkReport` workflow, what it reports back, and how
 * its documents are named. Sandbox-safe.
 */
import type { ParameterValue, ReportPeriod, ReportRequest } from './report-request.js';
import type { ReportTemplate } from './subscription-run.js';

/** Workflow type of a bulk run. */
export const BULK_REPORT_WORKFLOW = 'bulkReport';

/** Documents of one bulk run in production at once, unless the request says otherwise. */
export const DEFAULT_BULK_CONCURRENCY = 8;
/** The most a request may ask for: each is a running child workflow, or a document of a batch activity, holding a Chromium page at times. */
export const MAX_BULK_CONCURRENCY = 64;

export interface BulkRequest {
  /** Also the workflow id; a uuidv7 given by the API. */
  id: string;
  tenantId: string;
  /** ISO-8601 instant the API accepted it. */
  requestedAt: string;
  /**
   * What every document is: a report request without the per-document fields; its `parameterValues`
   * are completed with `keyParameter` = the key. `metadata` gets `bulk_request_id` too.
   */
  template: ReportTemplate;
  /** The report parameter each key fills (the definition's `bulk.key_parameter`). */
  keyParameter: string;
  /** The keys query's parameter values (the definition's `bulk.parameters`), typed. */
  keyParameters: Record<string, string | number | boolean | null>;
  /** The keys query's period (from its period parameters, in `template.timezone`), when it has one. */
  period?: ReportPeriod;
  /** Documents in production at once (child workflows, or documents of the open batches), 1 to `MAX_BULK_CONCURRENCY`. */
  concurrency: number;
  /**
   * Where the bulk run's one completion event goes (`bulk_request.succeeded|failed|cancelled`); webhook
   * only. Not passed to the documents, which send no events of their own.
   */
  notify?: { webhookUrl: string };
  /** When true, the run ends by putting every SUCCEEDED document into one ZIP in the report store. */
  zip?: boolean;
}

/**
 * The bulk run's ZIP as the report store holds it: `uri` its key (for `open`), `sizeBytes` in bytes,
 * `sha256` hex, `entries` the documents in it. Only these facts travel through workflow history.
 */
export interface BulkZip {
  uri: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  entries: number;
}

/** The ZIP's file name in the report store (under the bulk id's folder): `<report code>_bulk_<bulk id>.zip`. */
export function bulkZipFileName(reportCode: string, bulkId: string): string {
  return `${reportCode}_bulk_${bulkId}.zip`;
}

/** RUNNING until every document has ended; SUCCEEDED when all succeeded, FAILED when any failed, CANCELLED when cancelled. */
export const BULK_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type BulkStatus = (typeof BULK_STATUSES)[number];

/** A document that failed: its key, its run id and the error code. */
export interface BulkFailure {
  key: string;
  requestId: string;
  code: string;
}

/** What a bulk run has done so far (its status query and its result). Counts are documents. */
export interface BulkState {
  status: BulkStatus;
  /** Keys the keys query returned when the run began; undefined until it has been counted. */
  total?: number;
  /** Documents started (child runs begun). */
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** The first `MAX_LISTED_FAILURES` failures, in the order they ended. */
  failures: BulkFailure[];
  /** The last key started: where the keys query resumes after a continue-as-new. */
  cursor?: string;
  /** The ZIP of the SUCCEEDED documents, once made (requests with `zip` only). */
  zip?: BulkZip;
  /** Why the ZIP could not be made (after its retries); the run then ends FAILED. */
  zipError?: { code: string; message: string };
}

/** How many failures a bulk run's state lists; the count covers all. */
export const MAX_LISTED_FAILURES = 20;

/**
 * How one batch of a bulk run's documents ended (`produceBulkDocuments`). Counts are documents of the
 * batch: `cancelled` are those it did not make because the bulk run was cancelled meanwhile.
 */
export interface BulkBatchResult {
  succeeded: number;
  failed: number;
  cancelled: number;
  /** The batch's failures, at most `MAX_LISTED_FAILURES`, in the order they ended. */
  failures: BulkFailure[];
}

/**
 * Id of the document of `key` in bulk run `bulkId`: `<bulkId>:<key>`, also its report request id,
 * so a document is made once per bulk run however often its start is retried.
 */
export function bulkDocumentId(bulkId: string, key: string): string {
  return `${bulkId}:${key}`;
}

/**
 * The report request of the document of `key`: the bulk run's template with the key filled in, id
 * `bulkDocumentId`, the bulk run's tenant and time, and `metadata.bulk_request_id` naming the bulk run.
 */
export function bulkDocumentRequest(bulk: BulkRequest, key: string): ReportRequest {
  return {
    ...bulk.template,
    parameterValues: documentParameters(bulk, key),
    metadata: { ...bulk.template.metadata, bulk_request_id: bulk.id },
    id: bulkDocumentId(bulk.id, key), tenantId: bulk.tenantId, requestedAt: bulk.requestedAt,
  };
}

/** The report request of one document (everything but its id, tenant and time, which `bulkDocumentId` and the bulk give). */
export function documentParameters(request: BulkRequest, key: string): ParameterValue[] {
  return [...request.template.parameterValues.filter((p) => p.name !== request.keyParameter), { name: request.keyParameter, value: key }];
}
