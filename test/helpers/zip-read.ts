/**
 * Reads a ZIP the way Excel, LibreOffice and `unzip` do: from its central directory (yauzl), not in one
 * forward pass. exceljs's streaming WorkbookReader reads forward with unzipper's Parse, which ends its
 * stream when the input is written rather than when the entries are read, so the last entries of a large
 * XLSX (the workbook's rels and sheet names) are sometimes never seen (exceljs#3064): a test reading with it
 * fails by chance, not because the file is wrong.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** An opened ZIP: its entry names in directory order, and each entry's uncompressed bytes as a stream. */
export interface ZipReader {
  names: string[];
  /** The entry's uncompressed bytes; throws when the ZIP has no entry of that name. */
  open(name: string): Promise<Readable>;
  close(): void;
}

export async function openZip(file: string): Promise<ZipReader> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: false, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z))));
  const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
    const all: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => all.push(e)).once('end', () => resolve(all)).once('error', reject);
  });
  return {
    names: entries.map((e) => e.fileName),
    open: (name) => {
      const entry = entries.find((e) => e.fileName === name);
      if (!entry) return Promise.reject(new Error(`${file} has no entry ${name}; it has ${entries.map((e) => e.fileName).join(', ')}`));
      return new Promise((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
    },
    close: () => zip.close(),
  };
}

/** The names of the ZIP's entries, in the order of its central directory. */
export async function zipEntryNames(file: string): Promise<string[]> {
  const zip = await openZip(file);
  zip.close();
  return zip.names;
}
