/**
 * The render activity: staged rows → report file in staging, by the renderer of the requested format.
 * Heartbeats with rows written; a cancelled run aborts the renderer through the activity's
 * cancellation signal. Each attempt writes a new file and renames it to the deterministic name
 * (replacing an earlier attempt's), so a rendered file is never written again once handed on: the
 * report store may hard-link it (`RenderedFile.sealed`).
 */
import { rename, rm } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import type { RenderedFile, StagedRows } from '../src/domain/artifacts.js';
import { copiedReport } from '../src/domain/copied-report.js';
import { reportFileName } from '../src/domain/file-name.js';
import type { ValidatedRequest } from '../src/domain/report-request.js';
import type { RenderOutput } from '../src/render/renderer.js';
import type { ActivityDeps } from './deps.js';
import { definitionOf } from './definition-for.js';
import { fileDigest } from '../src/platform/file-digest.js';
import { keepAlive } from './keep-alive.js';

/**
 * @returns the rendered file: `file://` URI in staging, deterministic `fileName`, size (bytes),
 *   sha256, rows, and pages for PDF; the staged file itself when the query stage wrote the report.
 * @throws ReportError('REPORT_TOO_LARGE') from the renderer (non-retryable); CancelledFailure when
 *   the run is cancelled; plain errors (browser, I/O) are retried.
 */
export function renderActivity(deps: Pick<ActivityDeps, 'catalog' | 'templates' | 'staging' | 'renderers' | 'logger'>) {
  return async function renderReport(validated: ValidatedRequest, staged: StagedRows): Promise<RenderedFile> {
    const ctx = Context.current();
    const { request } = validated;
    // The query stage already wrote the report (a CSV the database printed): nothing to render.
    const copied = copiedReport(staged, request.format);
    if (copied) return copied;
    const renderer = deps.renderers[request.format];
    const fileName = reportFileName(validated, renderer.extension);
    const outPath = await deps.staging.pathFor(request.id, fileName);
    const partPath = deps.staging.partPathFor(outPath);
    const startedMs = Date.now();
    const alive = keepAlive(ctx, 0);
    let output: RenderOutput;
    try {
      output = await renderer.render({
        definition: await definitionOf(deps, request),
        validated,
        rowsPath: deps.staging.pathFromUri(staged.uri),
        rowCount: staged.rows,
        columns: staged.columns,
        outPath: partPath,
        signal: ctx.cancellationSignal,
        onProgress: (rowsDone) => alive.progress(rowsDone),
      });
    } catch (err) {
      await rm(partPath, { force: true });
      // After a cancel, whatever the renderer threw (a closed browser page, an AbortError) is the
      // cancel's doing: report it as cancelled so it is not retried as a fault.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      throw err;
    } finally {
      alive.stop();
    }
    // A renderer that returns normally after the abort must not make a cancelled run look rendered.
    if (ctx.cancellationSignal.aborted) {
      await rm(partPath, { force: true });
      throw ctx.cancellationSignal.reason;
    }
    await rename(partPath, outPath);
    const { sizeBytes, sha256 } = output.sha256 !== undefined && output.sizeBytes !== undefined ? { sizeBytes: output.sizeBytes, sha256: output.sha256 } : await fileDigest(outPath);
    deps.logger.info({ requestId: request.id, format: request.format, rows: staged.rows, pages: output.pages, sizeBytes, ms: Date.now() - startedMs, attempt: ctx.info.attempt }, 'report rendered');
    return {
      uri: deps.staging.uriFor(outPath),
      fileName,
      contentType: renderer.contentType,
      sizeBytes,
      sha256,
      rows: staged.rows,
      ...(output.pages !== undefined ? { pages: output.pages } : {}),
      sealed: true,
    };
  };
}
