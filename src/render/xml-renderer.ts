/**
 * XML: streamed straight to the file, so memory holds one batch of rows whatever the size. Shape
 * (element names from `formats.XML` of the definition):
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <invoice_lines xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" report_code="INVOICE_LINES"
 *       period_from="…" period_to="…" timezone="Europe/London" filters='{"country":{"eq":"France"}}'
 *       generated_at="2011-07-01T09:00:00+01:00">
 *     <line>
 *       <line_no>1</line_no>
 *       …
 *       <customer_id xsi:nil="true"/>
 *     </line>
 *   </invoice_lines>
 *
 * `filters` (only on a filtered report) holds the request's filters as compact JSON in their wire form.
 * One child per column; timestamps as ISO-8601 with the request zone's offset (as in CSV); NULL as an
 * empty element with `xsi:nil="true"` (so it differs from an empty string). Text is escaped;
 * characters XML 1.0 cannot hold (control characters) become U+FFFD.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readNdjson } from '../staging/ndjson.js';
import { filtersJson } from './applied-filters.js';
import { cellTextFormatter } from './cell-text.js';
import { digestStream } from '../platform/digest-stream.js';
import { PROGRESS_EVERY_ROWS } from './progress.js';
import type { Renderer, RenderInput, RenderOutput } from './renderer.js';
import { xmlAttr, xmlName, xmlText } from './xml-text.js';
import { zonedIsoFormatter } from './zoned-timestamp.js';

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
/** Rows serialised into one chunk written to the file. */
const ROWS_PER_CHUNK = 200;

/** Options of the renderer. */
export interface XmlRendererOptions {
  /** Clock for `generated_at`. @default () => new Date() */
  now?: () => Date;
}

export class XmlRenderer implements Renderer {
  readonly contentType = 'application/xml; charset=utf-8';
  readonly extension = 'xml';

  constructor(private readonly options: XmlRendererOptions = {}) {}

  /**
   * @throws RangeError when an element name of the definition is not a valid XML name.
   * @throws AbortError when `input.signal` aborts (the partial file is left for the caller).
   */
  async render(input: RenderInput): Promise<RenderOutput> {
    const spec = input.definition.formats.XML ?? {};
    const { request } = input.validated;
    const period = input.validated.period;
    const root = xmlName(spec.xml_root ?? 'report');
    const rowName = xmlName(spec.xml_row ?? 'row');
    const names = input.columns.map((c) => xmlName(c.name));
    const toCells = cellTextFormatter(input.columns, request.timezone);
    const filters = filtersJson(input.validated.filters);
    const attributes: [string, string][] = [
      ['xmlns:xsi', XSI],
      ['report_code', input.definition.code],
      ...(period ? ([['period_from', period.from], ['period_to', period.to]] as [string, string][]) : []),
      ['timezone', request.timezone],
      ...(filters ? ([['filters', filters]] as [string, string][]) : []),
      ['generated_at', zonedIsoFormatter(request.timezone)((this.options.now ?? (() => new Date()))().getTime())],
    ];

    async function* chunks(): AsyncGenerator<string> {
      yield `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attributes.map(([k, v]) => ` ${k}="${xmlAttr(v)}"`).join('')}>\n`;
      let chunk = '';
      let done = 0;
      for await (const row of readNdjson(input.rowsPath, input.signal)) {
        chunk += `  <${rowName}>\n`;
        toCells(row).forEach((text, i) => {
          const name = names[i]!;
          chunk += text === null ? `    <${name} xsi:nil="true"/>\n` : text === '' ? `    <${name}/>\n` : `    <${name}>${xmlText(text)}</${name}>\n`;
        });
        chunk += `  </${rowName}>\n`;
        done++;
        if (done % ROWS_PER_CHUNK === 0) {
          yield chunk;
          chunk = '';
        }
        if (done % PROGRESS_EVERY_ROWS === 0) input.onProgress(done);
      }
      yield `${chunk}</${root}>\n`;
      input.onProgress(done);
    }

    // pipeline pulls chunks only as fast as the file takes them, and stops everything on abort.
    const measured = digestStream();
    await pipeline(Readable.from(chunks()), measured.stream, createWriteStream(input.outPath), { signal: input.signal });
    return measured.digest();
  }
}
