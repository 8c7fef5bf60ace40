/**
 * Export destinations: where finished report files are delivered. Each delivery uses a deterministic
 * object name and is made once: the first complete delivery of a target stays, and a later attempt (a
 * retry, or a second worker running the same stages after a lost workflow task) keeps it and reports
 * its digest, so the report record always describes the file that is served.
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

/** Options of one delivery. */
export interface PutOptions {
  /** Aborts the copy (activity cancelled): nothing is delivered and nothing temporary is left. */
  signal?: AbortSignal;
  /** Called with bytes copied so far, for heartbeats. */
  onProgress?: (bytesCopied: number) => void;
  /**
   * The source is never written again (`RenderedFile.sealed`): LOCAL then hard-links it when both are
   * on one filesystem, instead of copying its bytes. Ignored by bucket stores.
   */
  sealed?: boolean;
  /**
   * What the caller already knows of the file (the rendered file's record). The bucket store labels the
   * object with it and recognises an earlier upload of the same bytes; without it the file is read once
   * more to hash it, and its type is `application/octet-stream`. LOCAL needs none of it.
   */
  file?: { contentType: string; sizeBytes: number; sha256: string };
}

/** What `put` left in the store; `kept` is set when an earlier delivery of the target was kept. */
export interface PutResult {
  uri: string;
  kept?: { sizeBytes: number; sha256: string };
}

export interface Destination {
  /**
   * Delivers the local file `sourcePath` as `target`, unless a complete file is there already (atomic
   * create: a racing attempt cannot replace the winner's file). Temporary files an earlier, interrupted
   * attempt left for the same target are removed first.
   * @returns `uri`: the delivered file's key for `open` and `remove`, relative to the store so it survives a
   *   move of the store, e.g. `local:///default/INVOICE/<id>/INVOICE_536365.pdf` (src/destinations/local-key.ts);
   *   `kept`: the size (bytes) and hex sha256 of the file an earlier attempt delivered, when that one was kept.
   * @throws AbortError when `options.signal` aborts; Error on I/O faults.
   */
  put(sourcePath: string, target: ExportTarget, options?: PutOptions): Promise<PutResult>;
  /**
   * Opens a delivered file for download; resolves once the file is known to be there, so a missing file
   * rejects here rather than as a stream error after a response began.
   * @throws Error with code ENOENT when it is gone; Error when `uri` is no key of this store.
   */
  open(uri: string): Promise<Readable>;
  /** Resolves when the destination can be written to now. @throws Error saying why not. */
  ping(): Promise<void>;
  /**
   * Deletes a delivered file and whatever temporary files interrupted deliveries left beside it; a file
   * already gone is not an error. @throws Error on other I/O faults.
   */
  remove(uri: string): Promise<void>;
  /**
   * Deletes everything delivered or half-delivered for `target`'s request (its folder), e.g. when the run
   * is cancelled or fails after its export began. Idempotent. @throws Error on I/O faults.
   */
  withdraw(target: Omit<ExportTarget, 'fileName'>): Promise<void>;
}
