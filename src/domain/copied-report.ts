/**
 * A run whose query stage already wrote the finished report (`StagedRows.report`: a CSV PostgreSQL
 * printed, activities/copy-report-csv.ts) has nothing to render. Pure, so the workflow decides with it
 * to skip the render activity (one activity and one workflow task fewer: ~13 ms of the full CSV's
 * ~1.1 s) and the render activity passes such a file on with it.
 */
import type { RenderedFile, StagedRows } from './artifacts.js';

/** @returns the staged file as the rendered report when it is one in `format`, else undefined. */
export function copiedReport(staged: StagedRows, format: string): RenderedFile | undefined {
  if (!staged.report || staged.report.format !== format) return undefined;
  return {
    uri: staged.uri, fileName: staged.report.fileName, contentType: staged.report.contentType, sizeBytes: staged.sizeBytes, sha256: staged.sha256, rows: staged.rows,
    ...(staged.report.sealed ? { sealed: true } : {}),
  };
}
