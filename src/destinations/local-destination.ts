/**
 * The LOCAL export destination: a directory on the worker's filesystem (`config.reportsDir`).
 * Files land at `<root>/<tenant>/<report_code>/<request_id>/<fileName>`; every segment is checked,
 * so no part of a request can climb out of the root. Writes go to a temporary file in the same
 * directory and are renamed into place, so readers see the old file or the new one, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream, openSync } from 'node:fs';
import { access, copyFile, mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { safeSegment } from '../staging/local-staging.js';
import type { Destination, ExportTarget } from './destination.js';

export class LocalDestination implements Destination {
  readonly rootDir: string;

  /** @param rootDir where reports are kept; created on first export. */
  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  /**
   * Copies `sourcePath` to the target's path, replacing any earlier file of the same name atomically.
   * @returns the delivered file's `file://` URI.
   * @throws Error on an unsafe segment (`..`, `/`, empty) or an I/O fault; no temporary file is left behind.
   */
  async put(sourcePath: string, target: ExportTarget): Promise<{ uri: string }> {
    const finalPath = this.pathFor(target);
    const dir = path.dirname(finalPath);
    await mkdir(dir, { recursive: true });
    const tmpPath = path.join(dir, `.${target.fileName}.${randomUUID()}.tmp`);
    try {
      await copyFile(sourcePath, tmpPath);
      // Flush before the rename so a crash cannot leave a renamed but empty file.
      const handle = await open(tmpPath, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmpPath, finalPath);
    } catch (err) {
      await rm(tmpPath, { force: true });
      throw err;
    }
    return { uri: pathToFileURL(finalPath).href };
  }

  /**
   * Opens a delivered file for reading.
   * @throws Error when `uri` is not a `file://` URI inside the root; Error with code ENOENT when the file is gone.
   */
  open(uri: string): Readable {
    // Opening synchronously makes a missing file throw here, not later as a stream 'error' event.
    const fd = openSync(this.pathFromUri(uri), 'r');
    return createReadStream('', { fd });
  }

  /** Creates the root directory when missing and checks that it is writable. @throws Error (EACCES, EROFS …) otherwise. */
  async ping(): Promise<void> {
    await mkdir(this.rootDir, { recursive: true });
    await access(this.rootDir, fsConstants.W_OK);
  }

  /** Deletes a delivered file and its request folder when that is left empty. Missing files are ignored. */
  async remove(uri: string): Promise<void> {
    const file = this.pathFromUri(uri);
    await rm(file, { force: true });
    await rmdir(path.dirname(file)).catch(() => undefined);
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

  /** Path of a delivered file's URI. @throws Error when the URI is not a file URL inside the root. */
  pathFromUri(uri: string): string {
    let p: string;
    try {
      p = path.resolve(fileURLToPath(uri));
    } catch {
      throw new Error(`not a file URI: ${uri}`);
    }
    if (!p.startsWith(this.rootDir + path.sep)) throw new Error(`URI outside the reports directory: ${uri}`);
    return p;
  }
}
