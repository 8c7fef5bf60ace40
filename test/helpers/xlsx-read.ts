/**
 * Reads an XLSX file from its central directory (see zip-read.ts for why not exceljs's streaming reader):
 * the sheet names in workbook order, and one sheet's rows streamed with a SAX parser, so a sheet of half a
 * million rows is read in bounded memory.
 */
import { SaxesParser } from 'saxes';
import { openZip, type ZipReader } from './zip-read.js';

/** A cell as stored: its type attribute (`t`: absent or `n` for a number, `str`/`inlineStr`/`s` text, `b`, `e`) and its text. */
export interface XlsxCell { type: string | undefined; text: string }
/** A row as stored: its 1-based number and its cells by column letters (`A`, `H`, `AA`). */
export interface XlsxRow { number: number; cells: Map<string, XlsxCell> }

/** Sheet names and their parts (`xl/worksheets/sheetN.xml`), in the workbook's order. */
async function sheetParts(zip: ZipReader): Promise<{ name: string; part: string }[]> {
  const targets = new Map<string, string>();
  await parseXml(zip, 'xl/_rels/workbook.xml.rels', (tag, attrs) => {
    if (tag === 'Relationship') targets.set(attrs.Id!, attrs.Target!.replace(/^\/?(xl\/)?/, 'xl/'));
  });
  const sheets: { name: string; part: string }[] = [];
  await parseXml(zip, 'xl/workbook.xml', (tag, attrs) => {
    if (tag === 'sheet') sheets.push({ name: attrs.name!, part: targets.get(attrs['r:id']!)! });
  });
  return sheets;
}

async function parseXml(zip: ZipReader, part: string, onOpen: (tag: string, attrs: Record<string, string>) => void): Promise<void> {
  const parser = new SaxesParser();
  parser.on('opentag', (node) => onOpen(node.name, node.attributes as Record<string, string>));
  const stream = await zip.open(part);
  stream.setEncoding('utf8');
  for await (const chunk of stream) parser.write(chunk as string);
  parser.close();
}

/** The workbook's sheet names in order. */
export async function xlsxSheetNames(file: string): Promise<string[]> {
  const zip = await openZip(file);
  try {
    return (await sheetParts(zip)).map((s) => s.name);
  } finally {
    zip.close();
  }
}

/** Every row of the named sheet, in file order; throws when the workbook has no such sheet. */
export async function* xlsxRows(file: string, sheetName: string): AsyncGenerator<XlsxRow> {
  const zip = await openZip(file);
  try {
    const sheet = (await sheetParts(zip)).find((s) => s.name === sheetName);
    if (!sheet) throw new Error(`${file} has no sheet named ${sheetName}`);
    const parser = new SaxesParser();
    const ready: XlsxRow[] = [];
    let row: XlsxRow | undefined;
    let cell: { ref: string; type: string | undefined; text: string } | undefined;
    let inValue = false;
    parser.on('opentag', (node) => {
      const a = node.attributes as Record<string, string>;
      if (node.name === 'row') row = { number: Number(a.r), cells: new Map() };
      else if (node.name === 'c') cell = { ref: a.r!, type: a.t, text: '' };
      else if (node.name === 'v' || node.name === 't') inValue = true;
    });
    parser.on('text', (t) => { if (inValue && cell) cell.text += t; });
    parser.on('closetag', (node) => {
      if (node.name === 'v' || node.name === 't') inValue = false;
      else if (node.name === 'c' && cell && row) {
        row.cells.set(cell.ref.replace(/\d+$/, ''), { type: cell.type, text: cell.text });
        cell = undefined;
      } else if (node.name === 'row' && row) {
        ready.push(row);
        row = undefined;
      }
    });
    const stream = await zip.open(sheet.part);
    stream.setEncoding('utf8');
    for await (const chunk of stream) {
      parser.write(chunk as string);
      yield* ready.splice(0);
    }
    parser.close();
    yield* ready.splice(0);
  } finally {
    zip.close();
  }
}
