/**
 * The LOCAL export destination: a directory on the worker's filesystem (`config.reportsDir`).
 * Files land at `<root>/<tenant>/<report_code>/<request_id>/<fileName>`; every segment is checked,
 * so no part of a request can climb out of the root. Writes go to a temporary file in the same
 * directory and are renamed into place, so readers see the old file or the new one, never half of one.
 * Delivered files are named by keys relative to the root (src/destinations/local-key.ts), never by
 * absolute paths, so the root can be moved, copied or mounted elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream, openSync } from 'node:fs';
import { access, link, mkdir, open, readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { safeSegment } from '../staging/local-staging.js';
import { fileDigest } from '../platform/file-digest.js';
import type { Destination, ExportTarget, PutOptions, PutResult } from './destination.js';
import { keyFor, segmentsOfKey } from './local-key.js';

/**
 * Bytes per read and write of a delivery's copy. Node's default read chunk (64 KiB) made copying the
 * 57.5 MB full INVOICE_LINES CSV take ~140 ms before its fsync; with 1 MiB chunks it takes ~40 ms
 * (a probe on this 2-core machine's ext4, 3 rounds each). It is also how far an abort lags.
 */
const COPY_CHUNK_BYTES = 1024 * 1024;

/** Temporary files of deliveries of `fileName`: `.<fileName>.<uuid>.tmp`. */
const isTemporaryOf = (fileName: string) => (entry: string) => entry.startsWith(`.${fileName}.`) && entry.endsWith('.tmp');

export class LocalDestination implements Destination {
  readonly rootDir: string;

  /** @param rootDir where reports are kept; created on first export. */
  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /**
   * Copies `sourcePath` to the target's path, replacing any earlier file of the same name atomically;
   * a `sealed` source on the same filesystem is flushed and hard-linked to that path instead (no bytes
   * copied: the 57.5 MB full INVOICE_LINES CSV's export took ~75 ms with copy and fsync, ~25 ms linked,
   * probed on this machine's ext4; and no temporary name, which cost an invoice PDF's export a link, an
   * lstat and an unlink more). Temporary files of earlier, interrupted copies (a worker killed mid-copy)
   * are removed once the file has its name: removed before, one could be a racing attempt's copy under
   * way, and two attempts retried at once could each remove the other's again and again.
   * @returns the delivered file's key, `local:///<tenant>/<code>/<request id>/<file name>` (local-key.ts).
   * @throws Error on an unsafe segment (`..`, `/`, empty) or an I/O fault, AbortError when `options.signal`
   *   aborts; no temporary file is left behind either way.
   */
  async put(sourcePath: string, target: ExportTarget, options: PutOptions = {}): Promise<PutResult> {
    const finalPath = this.pathFor(target);
    const dir = path.dirname(finalPath);
    await mkdir(dir, { recursive: true });
    const result = await this.deliver(sourcePath, finalPath, target, options);
    await this.removeTemporaries(dir, target.fileName);
    return result;
  }

  private async deliver(sourcePath: string, finalPath: string, target: ExportTarget, options: PutOptions): Promise<PutResult> {
    if (options.sealed) {
      // Flushed before it gets its name, so a crash cannot leave a named but empty file.
      await syncFile(sourcePath);
      options.signal?.throwIfAborted();
      try {
        return await createdOrKept(target, finalPath, () => link(sourcePath, finalPath));
      } catch (err) {
        // Another filesystem, or one without hard links: copied below.
        if (!CANNOT_LINK.has(String((err as NodeJS.ErrnoException).code))) throw err;
      }
    }
    const tmpPath = path.join(path.dirname(finalPath), `.${target.fileName}.${randomUUID()}.tmp`);
    try {
      await copyFile(sourcePath, tmpPath, options);
      await syncFile(tmpPath);
      options.signal?.throwIfAborted();
      return await createdOrKept(target, finalPath, () => link(tmpPath, finalPath));
    } catch (err) {
      // A racing attempt that finished first removed this one's temporary file: its file stays.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (await exists(finalPath))) return kept(target, finalPath);
      throw err;
    } finally {
      await rm(tmpPath, { force: true });
    }
  }

  /**
   * Opens a delivered file for reading.
   * @param uri its key, or the absolute `file://` URI an older version recorded (found under the current root).
   * @throws Error when `uri` is no such key (see `pathOf`); Error with code ENOENT when the file is gone.
   *   Also reads the bucket store's `store:///` keys, so reports copied out of a bucket stay downloadable.
   */
  async open(uri: string): Promise<Readable> {
    // Opening synchronously makes a missing file throw here, not later as a stream 'error' event.
    const fd = openSync(this.pathOf(uri), 'r');
    return createReadStream('', { fd });
  }

  /** Creates the root directory when missing and checks that it is writable. @throws Error (EACCES, EROFS …) otherwise. */
  async ping(): Promise<void> {
    await mkdir(this.rootDir, { recursive: true });
    await access(this.rootDir, fsConstants.W_OK);
  }

  /**
   * Deletes a delivered file, the temporary files of interrupted deliveries beside it, and its request
   * folder when that is left empty. Missing files are ignored. `uri` as for `open`.
   * @throws Error when `uri` is no such key (see `pathOf`).
   */
  async remove(uri: string): Promise<void> {
    const file = this.pathOf(uri);
    await rm(file, { force: true });
    await this.removeTemporaries(path.dirname(file), path.basename(file));
    await rmdir(path.dirname(file)).catch(() => undefined);
  }

  /** Deletes the request's folder with everything in it (delivered or half-delivered). Idempotent. */
  async withdraw(target: Omit<ExportTarget, 'fileName'>): Promise<void> {
    const dir = path.join(this.rootDir, safeSegment(target.tenantId), safeSegment(target.reportCode), safeSegment(target.requestId));
    await rm(dir, { recursive: true, force: true });
  }

  private async removeTemporaries(dir: string, fileName: string): Promise<void> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(entries.filter(isTemporaryOf(fileName)).map((entry) => rm(path.join(dir, entry), { force: true })));
  }

  /** Absolute path of `target` under the root. @throws Error on an unsafe segment. */
  pathFor(target: ExportTarget): string {
    return path.join(
      this.rootDir,
      safeSegment(target.tenantId),
      safeSegment(target.reportCode),
      safeSegment(target.requestId),
      safeSegment(target.fileName),
    );
  }

  /**
   * Absolute path under the current root of a delivered file's key, or of the absolute `file://` URI an
   * older version recorded (by its last four segments, wherever its root was).
   * @throws Error when `uri` is neither (another scheme, not four segments, an unsafe segment such as `..`).
   */
  pathOf(uri: string): string {
    return path.join(this.rootDir, ...segmentsOfKey(uri));
  }
}

/** The result of a put that found an earlier attempt's file at `finalPath`: its key and digest. */
async function kept(target: ExportTarget, finalPath: string): Promise<PutResult> {
  return { uri: keyFor(target), kept: await fileDigest(finalPath) };
}

/** Whether `filePath` exists (any other error of `stat` than ENOENT is thrown). */
async function exists(filePath: string): Promise<boolean> {
  try {
    await stat(filePath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Flushes `filePath`'s bytes to disk (fsync). */
async function syncFile(filePath: string): Promise<void> {
  const handle = await open(filePath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Gives the delivered file its final name with `linkIt` (link() fails when the name exists: the first
 * attempt to finish keeps its file, an atomic create).
 * @returns the key; with `kept`, the digest of the file an earlier attempt delivered.
 * @throws `linkIt`'s other errors (another filesystem: EXDEV).
 */
async function createdOrKept(target: ExportTarget, finalPath: string, linkIt: () => Promise<void>): Promise<PutResult> {
  try {
    await linkIt();
    return { uri: keyFor(target) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return kept(target, finalPath);
    throw err;
  }
}

/** Copies `sourcePath` to `targetPath` in `COPY_CHUNK_BYTES` pieces, reporting the bytes copied; `options.signal` aborts it. */
async function copyFile(sourcePath: string, targetPath: string, options: Pick<PutOptions, 'signal' | 'onProgress'>): Promise<void> {
  let copied = 0;
  const progress = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      copied += chunk.length;
      options.onProgress?.(copied);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(sourcePath, { highWaterMark: COPY_CHUNK_BYTES }), progress, createWriteStream(targetPath, { highWaterMark: COPY_CHUNK_BYTES }), ...(options.signal ? [{ signal: options.signal }] : []));
}

/** Errors of `link` that mean "not here" (another filesystem, one without hard links, too many links): copy instead. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);
