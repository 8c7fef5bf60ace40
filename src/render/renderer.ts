/**
 * Renderers turn staged rows into a report file, one per output format. The registry is a typed
 * `Record<OutputFormat, Renderer>`, so a format without a renderer is a compile error.
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import type { OutputFormat, ValidatedRequest } from '../domain/report-request.js';
import type { ReportDefinition } from '../catalog/report-definition.js';

export interface RenderInput {
  definition: ReportDefinition;
  validated: ValidatedRequest;
  /** Staged rows: newline-delimited JSON, one object per row, keys = `columns` names. */
  rowsPath: string;
  /** Number of rows in `rowsPath`. */
  rowCount: number;
  columns: ColumnSpec[];
  /** Where to write the file (the renderer creates or replaces it). */
  outPath: string;
  /** Aborted when the activity is cancelled; renderers stop promptly and close what they opened. */
  signal: AbortSignal;
  /** Called now and then with rows written so far (the activity heartbeats with it). */
  onProgress(rowsDone: number): void;
}

export interface RenderOutput {
  /** Page count, PDF only. */
  pages?: number;
}

export interface Renderer {
  /** MIME type of the output, e.g. `application/pdf`. */
  readonly contentType: string;
  /** File extension without the dot, e.g. `pdf`. */
  readonly extension: string;
  /**
   * @throws ReportError('REPORT_TOO_LARGE') when the rows exceed what the format allows.
   * @throws Error (retryable) on browser or I/O faults.
   */
  render(input: RenderInput): Promise<RenderOutput>;
}

export type Renderers = Record<OutputFormat, Renderer>;
