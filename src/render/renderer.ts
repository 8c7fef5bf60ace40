/**
 * Renderers turn staged rows into a report file, one per output format. The registry is a typed
 * `Record<OutputFormat, Renderer>`, so a format without a renderer is a compile error
 * (`createRenderers` in ./index.ts builds it).
 *
 * Staged rows (written by the query activity, read here; src/staging/ndjson.ts reads and writes them):
 * newline-delimited JSON in UTF-8, one object per row, keys = the definition's column names, values
 * JSON-native by column type — `timestamp`: ISO-8601 UTC string (`"2010-12-01T08:26:00.000Z"`);
 * `decimal`: string, exact (`"2.55"`); `integer`: number; `date`: `"YYYY-MM-DD"`; `boolean`: true/false;
 * `string`: string; NULL: null. `toStagedValue` maps node-postgres values to this.
 *
 * What each format prints: PDF/HTML format every value for `language` and convert every instant to
 * `timezone`; CSV/XML print timestamps as ISO-8601 with the zone's offset and everything else as staged.
 */
import type { ColumnSpec } from '../domain/artifacts.js';
import type { OutputFormat, ValidatedRequest } from '../domain/report-request.js';
import type { ReportDefinition } from '../catalog/report-definition.js';

export interface RenderInput {
  definition: ReportDefinition;
  validated: ValidatedRequest;
  /** Staged rows file (format above): newline-delimited JSON, one object per row, keys = `columns` names. */
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
  /** The file's size in bytes and hex sha256, when the renderer computed them while writing (else the file is read back). */
  sizeBytes?: number;
  sha256?: string;
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
  /**
   * Optional (the built-in CSV): the same file from the database's own CSV of the rows
   * (`Database.copyCsv`: no header, LF record ends, cells printed as `render` prints them).
   * @returns the file's size (bytes), sha256 and rows.
   */
  renderCopied?(input: CopiedRenderInput, csv: AsyncIterable<Buffer>): Promise<CopiedRenderOutput>;
}

/** What `renderCopied` needs: a render input without staged rows. */
export type CopiedRenderInput = Omit<RenderInput, 'rowsPath' | 'rowCount'>;

/** What `renderCopied` returns. */
export interface CopiedRenderOutput {
  sizeBytes: number;
  sha256: string;
  rows: number;
}

export type Renderers = Record<OutputFormat, Renderer>;
