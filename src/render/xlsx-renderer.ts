/**
 * XLSX: an Excel workbook streamed from the staged rows with exceljs's streaming WorkbookWriter, one
 * batch of rows in memory at a time (each row is committed to the zip as soon as it is added; no
 * shared-strings table, which would grow with the rows). Cells are typed (see ./xlsx-cells.ts); the
 * header row (the column names) is bold, frozen and carries an auto-filter.
 *
 * Excel holds at most 1,048,576 rows per sheet (https://support.microsoft.com/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3):
 * a report with more rows continues on further sheets, each with the header row again, named after
 * the report's title: `Invoice lines`, `Invoice lines (2)`, …
 *
 * A last sheet, "About" in the request's language, says what the workbook holds: the report, its
 * period, time zone and filters (one per row), when it was generated and the request id; the
 * workbook's title, subject and description properties carry the same.
 *
 * exceljs is loaded on the first XLSX render, not at start: a worker that never writes a workbook does
 * not hold it (~10 MiB of resident memory, measured by importing it into an empty Node.js 24 process).
 */
import { once, type EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type ExcelJS from 'exceljs';
import { titleIn } from '../catalog/report-definition.js';
import { readNdjsonBatches } from '../staging/ndjson.js';
import { digestStream } from '../platform/digest-stream.js';
import { batchProgress } from './progress.js';
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';
import { xlsxCellFormatter, xlsxColumnLayouts, type XlsxCell, type XlsxColumnLayout } from './xlsx-cells.js';
import { describeFilters } from './applied-filters.js';
import { lookupLabel, type Labels } from './labels.js';
import { zonedIsoFormatter } from './zoned-timestamp.js';
import type { Language } from '../domain/report-request.js';

/** Excel's rows per sheet less the header row. */
export const XLSX_MAX_DATA_ROWS_PER_SHEET = 1_048_575;
/** Excel's longest sheet name, and the characters a sheet name cannot hold. */
const SHEET_NAME_MAX = 31;
const SHEET_NAME_BAD = /[[\]:*?/\\]/g;

/** Options of the renderer. */
export interface XlsxRendererOptions {
  /** Data rows per sheet before the next sheet starts. @default XLSX_MAX_DATA_ROWS_PER_SHEET */
  rowsPerSheet?: number;
  /** Labels of a definition in a language (the template engine's); without it the About sheet shows label keys. */
  labels?: (definitionDir: string, language: Language) => Labels;
  /** Clock for the generated time on the About sheet. @default () => new Date() */
  now?: () => Date;
}

/** The part of exceljs's streaming writer this renderer drives (its zip is an archiver instance). */
type WorkbookWriter = ExcelJS.stream.xlsx.WorkbookWriter & { zip: NodeJS.EventEmitter & { abort(): void } };

export class XlsxRenderer implements Renderer {
  readonly contentType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  readonly extension = 'xlsx';
  private readonly rowsPerSheet: number;

  constructor(private readonly options: XlsxRendererOptions = {}) {
    this.rowsPerSheet = Math.max(1, options.rowsPerSheet ?? XLSX_MAX_DATA_ROWS_PER_SHEET);
  }

  /**
   * @throws AbortError when `input.signal` aborts; the file stream's error when writing fails (the
   *   partial file is left for the caller in both cases).
   */
  async render(input: RenderInput): Promise<RenderOutput> {
    const { request } = input.validated;
    const toCells = xlsxCellFormatter(input.columns, request.timezone);
    const sheetName = sheetNamer(titleIn(input.definition, request.language));
    const progress = batchProgress(input.onProgress);

    // exceljs pipes its zip into `sink`; pipeline owns the file and, on an abort or a failed write,
    // destroys both with their errors handled (a stream error must fail this render, not the worker).
    const sink = new PassThrough();
    const measured = digestStream();
    const written = pipeline(sink, measured.stream, createWriteStream(input.outPath), { signal: input.signal });
    let failure: unknown;
    written.catch((err: unknown) => (failure ??= err));
    const { default: excel } = await import('exceljs');
    const workbook = new excel.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false }) as WorkbookWriter;
    const about = aboutRows(input, this.options.labels?.(input.definition.dir, request.language) ?? {}, (this.options.now ?? (() => new Date()))());
    workbook.creator = 'reportflow';
    workbook.created = new Date(request.requestedAt);
    workbook.title = about.title;
    workbook.subject = about.subject;
    workbook.description = about.description;
    workbook.zip.on('error', (err: Error) => sink.destroy(err));

    try {
      let layouts: XlsxColumnLayout[] | undefined;
      let styles: Partial<ExcelJS.Style>[] = [];
      let sheet: ExcelJS.Worksheet | undefined;
      let sheetRows = 0;
      const addRows = (rows: XlsxCell[][]) => {
        for (const cells of rows) {
          if (!sheet || sheetRows === this.rowsPerSheet) {
            sheet?.commit();
            sheet = addSheet(workbook, sheetName(), layouts!);
            sheetRows = 0;
          }
          const row = sheet.addRow(cells);
          // One style object per column, shared by its cells: exceljs caches a style's id by object, so
          // it is worked out once per column instead of once per cell (measured: most of the render time).
          for (let i = 0; i < styles.length; i++) row.getCell(i + 1).style = styles[i]!;
          row.commit();
          sheetRows++;
        }
      };
      for await (const batch of readNdjsonBatches(input.rowsPath, input.signal)) {
        if (failure) throw failure;
        const rows = batch.map(toCells);
        // Column widths must be known before the first row is written: the first batch sets them.
        if (!layouts) {
          layouts = xlsxColumnLayouts(input.columns, input.definition.formats.XLSX ?? {}, rows);
          styles = layouts.map((l) => (l.numFmt ? { numFmt: l.numFmt } : {}));
        }
        addRows(rows);
        progress.add(batch.length);
        await zipCaughtUp(sheet, input.signal, written);
      }
      input.signal.throwIfAborted();
      // A report without rows still gets its sheet and header row.
      sheet ??= addSheet(workbook, sheetName(), xlsxColumnLayouts(input.columns, input.definition.formats.XLSX ?? {}, []));
      sheet.commit();
      addAboutSheet(workbook, about);
      await Promise.all([workbook.commit(), written]);
    } catch (err) {
      // Stop the zip and the file; wait until pipeline has closed the file before answering.
      workbook.zip.abort();
      sink.destroy();
      await written.catch(() => undefined);
      throw input.signal.aborted ? input.signal.reason : (failure ?? err);
    }
    progress.finish();
    return measured.digest();
  }
}

/**
 * Backpressure: exceljs writes each sheet into the zip without waiting for it, so rows produced
 * faster than they are compressed pile up in memory (measured: 435 MB RSS for all 541,909 lines).
 * The sheet's stream pipes into archiver's input stream (exceljs 4.4 and archiver 5 internals:
 * `stream.pipes`, a readable-stream 2 PassThrough, whose state says `needDrain` once a write found it
 * over its high-water mark); then wait for its 'drain' before adding rows.
 */
async function zipCaughtUp(sheet: ExcelJS.Worksheet | undefined, signal: AbortSignal, written: Promise<void>): Promise<void> {
  type ZipInput = EventEmitter & { _writableState?: { needDrain?: boolean } };
  const pipe = (sheet as unknown as { stream?: { pipes?: ZipInput[] } } | undefined)?.stream?.pipes?.[0];
  if (pipe?._writableState?.needDrain) await Promise.race([once(pipe, 'drain', { signal }), written]);
}

/** What the About sheet and the workbook's properties say. */
interface About {
  sheetName: string;
  rows: [string, string][];
  title: string;
  subject: string;
  description: string;
}

function aboutRows(input: RenderInput, labels: Labels, now: Date): About {
  const { request } = input.validated;
  const period = input.validated.period;
  const filters = describeFilters(input.validated.filters);
  const t = (key: string) => lookupLabel(labels, key);
  const title = input.definition.title[request.language] ?? input.definition.title.en;
  const periodText = period ? `${period.fromDate} – ${period.toDate}` : '';
  const rows: [string, string][] = [[t('report'), `${title} (${input.definition.code})`]];
  if (period) rows.push([t('period'), periodText]);
  rows.push([t('time_zone'), request.timezone]);
  filters.forEach((f, i) => rows.push([i === 0 ? t('filters') : '', f]));
  rows.push([t('generated_at'), zonedIsoFormatter(request.timezone)(now.getTime())], [t('request_id'), request.id]);
  return { sheetName: t('about_sheet').replace(SHEET_NAME_BAD, ' ').slice(0, SHEET_NAME_MAX), rows, title, subject: periodText, description: filters.join('; ') };
}

/** The About sheet: a label column (bold) and a value column, all text. */
function addAboutSheet(workbook: WorkbookWriter, about: About): void {
  const sheet = workbook.addWorksheet(about.sheetName);
  sheet.columns = [{ key: 'label', width: 18 }, { key: 'value', width: 70 }];
  for (const cells of about.rows) {
    const row = sheet.addRow(cells);
    row.getCell(1).font = { bold: true };
    row.commit();
  }
  sheet.commit();
}

/** A sheet with its columns and the bold, frozen header row already committed. */
function addSheet(workbook: WorkbookWriter, name: string, layouts: XlsxColumnLayout[]): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }],
    autoFilter: { from: { row: 1, column: 1 }, to: { row: 1, column: layouts.length } },
  } as Partial<ExcelJS.AddWorksheetOptions>);
  sheet.columns = layouts.map((l, i) => ({ key: `c${i}`, width: l.width }));
  const header = sheet.addRow(layouts.map((l) => l.header));
  const bold = { font: { bold: true } };
  header.eachCell((cell) => (cell.style = bold));
  header.commit();
  return sheet;
}

/** Sheet names from the report title: the title, then `title (2)`, `(3)`, … within Excel's 31 characters. */
function sheetNamer(title: string): () => string {
  const base = title.replace(SHEET_NAME_BAD, ' ').replace(/^'+|'+$/g, '').trim() || 'Report';
  let n = 0;
  return () => {
    n++;
    const suffix = n === 1 ? '' : ` (${n})`;
    return base.slice(0, SHEET_NAME_MAX - suffix.length).trimEnd() + suffix;
  };
}
