/**
 * References to files that activities hand to each other through workflow history.
 * Rows and file contents never travel through history (payloads are limited to 2 MB); only these
 * small records do. Sandbox-safe.
 */

/** A column of a report's rows, as declared by the report definition. */
export interface ColumnSpec {
  name: string;
  type: 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'timestamp';
}

/**
 * The worker process whose disk holds a run's staged files, as its query activity names it: the run's
 * later data stages (render, exports, staging cleanup) are scheduled on `taskQueue`, which only that
 * process polls (Temporal's worker-specific task queue pattern). `startTimeoutMs`: how long such a stage
 * may wait there to be picked up (its schedule-to-start timeout) before the run takes the worker for
 * lost and starts its data stages over (`REPORTFLOW_PINNED_STAGE_START_TIMEOUT_MS` of that worker).
 */
export interface StagingWorker {
  taskQueue: string;
  startTimeoutMs: number;
}

/**
 * Rows staged by the query activity: newline-delimited JSON, one object per row.
 * `uri` is a `file://` URL; `sizeBytes` the staged file's size; `sha256` its hex digest. `worker`: the
 * worker holding the file (absent from workers of earlier versions and from test workers without a
 * queue of their own: the run's stages then go to the shared task queue, as before).
 */
export interface StagedRows {
  uri: string;
  rows: number;
  sizeBytes: number;
  sha256: string;
  columns: ColumnSpec[];
  worker?: StagingWorker;
  /**
   * Set when the query stage wrote the finished CSV report itself, from the database's own CSV of the
   * rows (PostgreSQL's COPY, see `Database.copyCsv`): the file at `uri` is the report, named `fileName`,
   * and the render stage passes it on. Absent: `uri` holds NDJSON rows. `sealed`: as `RenderedFile.sealed`.
   */
  report?: { format: 'CSV'; fileName: string; contentType: string; sealed?: boolean };
}

/** A rendered report file waiting in staging to be exported. `pages` is set for PDF only. */
export interface RenderedFile {
  uri: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  rows: number;
  pages?: number;
  /**
   * True when the file was written under another name and renamed into place (`LocalStaging.partPathFor`),
   * so it is never written again: the report store may hard-link it instead of copying it. Absent on
   * files rendered by earlier releases, which a retry could rewrite in place.
   */
  sealed?: boolean;
}

/**
 * A report delivered outside LOCAL. `uri`: `gs://bucket/key`, `s3://bucket/key`, or for BIGQUERY
 * `bigquery://project/dataset/table` (the rows carry `_reportflow_request_id`); `downloadUrl`:
 * presigned, when the destination signs. `sizeBytes`/`sha256` are the file's (for BIGQUERY the staged rows').
 */
export interface BucketDelivery {
  variant: 'GCS' | 'S3' | 'BIGQUERY';
  integrationId: string;
  uri: string;
  downloadUrl?: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * A report file delivered to its export destination under a deterministic name. `uri`: the LOCAL
 * destination's key, relative to its root (`local:///<tenant>/<CODE>/<id>/<file>`; runs of older versions
 * hold an absolute `file://` URI). `deliveries`: the request's bucket locations, in request order, once
 * all of them were delivered.
 */
export interface ExportedReport extends RenderedFile {
  destination: 'LOCAL';
  exportedAt: string;
  deliveries?: BucketDelivery[];
}
