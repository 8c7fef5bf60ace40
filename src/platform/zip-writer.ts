/**
 * Writes a ZIP file one entry at a time (archiver), hashing it as it is written: at most one entry's
 * source stream is open at once, so a ZIP of thousands of documents holds one file descriptor.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import archiver from 'archiver';

/** An open ZIP being written to a local file. */
export interface ZipWriter {
  /**
   * Adds `source` as entry `name` (a file name, no folders), modified at `date`; resolves once the
   * entry is written. @throws Error when the archive or the file fails (`source`'s own errors included).
   */
  add(name: string, source: Readable, date: Date): Promise<void>;
  /** Ends the archive and the file. @returns its size in bytes and hex SHA-256. @throws Error on I/O faults. */
  finish(): Promise<{ sizeBytes: number; sha256: string }>;
}

/**
 * Opens a ZIP at `filePath` (created or replaced). `onProgress` gets the bytes written so far.
 * `signal` aborts the write (the file is left for the caller to remove).
 */
export function zipWriter(filePath: string, options: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {}): ZipWriter {
  // PDFs are compressed already: deflate at a low level costs little and gains little more.
  const archive = archiver('zip', { zlib: { level: 1 } });
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length;
      hash.update(chunk);
      options.onProgress?.(sizeBytes);
      done(null, chunk);
    },
  });
  const written = pipeline(archive, counting, createWriteStream(filePath), ...(options.signal ? [{ signal: options.signal }] : []));
  // Seen by `add`/`finish` through `written`; no unhandled rejection meanwhile.
  written.catch(() => undefined);
  const failed = written.then(() => new Promise<never>(() => undefined));
  failed.catch(() => undefined);
  return {
    async add(name, source, date) {
      const entry = once(archive, 'entry');
      archive.append(source, { name, date });
      await Promise.race([entry, failed]);
    },
    async finish() {
      await archive.finalize();
      await written;
      return { sizeBytes, sha256: hash.digest('hex') };
    },
  };
}
