/**
 * Export destinations: where finished report files are delivered. Each delivery uses a deterministic
 * object name and replace semantics, so a retried export never leaves two files.
 */
import type { Readable } from 'node:stream';

/** What identifies a delivered file. All parts become path segments (validated as safe). */
export interface ExportTarget {
  tenantId: string;
  reportCode: string;
  requestId: string;
  /** Deterministic file name, e.g. `INVOICE_536365.pdf`. */
  fileName: string;
}

export interface Destination {
  /**
   * Delivers the local file `sourcePath` as `target` (atomic replace).
   * @returns the URI of the delivered file, e.g. `file:///…/var/reports/default/INVOICE/<id>/INVOICE_536365.pdf`.
   */
  put(sourcePath: string, target: ExportTarget): Promise<{ uri: string }>;
  /** Opens a delivered file for download. @throws Error with code ENOENT when it is gone. */
  open(uri: string): Readable;
  /** Resolves when the destination can be written to now. @throws Error saying why not. */
  ping(): Promise<void>;
  /** Deletes a delivered file; a file already gone is not an error. @throws Error on other I/O faults. */
  remove(uri: string): Promise<void>;
}
