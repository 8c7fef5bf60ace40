/**
 * The report store on a bucket (S3 or GCS, through the export destinations' adapters): what the LOCAL
 * export writes into and the API downloads from when `REPORTFLOW_REPORT_STORE_INTEGRATION` is set, so
 * API and workers on different machines share reports without a shared disk.
 *
 * Objects are named `<prefix>/<tenant>/<report_code>/<request_id>/<fileName>`; records keep the key
 * `store:///<tenant>/<report_code>/<request_id>/<fileName>` (local-key.ts), which names neither bucket
 * nor prefix, so the store can move (objects copied, settings changed) and keep serving every report.
 * Uploads are the adapters' (complete objects only, a retry with the same bytes uploads nothing).
 */
import type { Readable } from 'node:stream';
import { fileDigest } from '../platform/file-digest.js';
import { safeSegment } from '../staging/local-staging.js';
import type { BucketDestination } from './bucket-destination.js';
import type { Destination, ExportTarget, PutOptions, PutResult } from './destination.js';
import { keyFor, segmentsOfKey } from './local-key.js';

/** Where the store lives. `prefix`: object-name prefix without slashes at either end ('' for none). */
export interface BucketStoreLocation {
  bucket: string;
  prefix: string;
}

export class BucketReportStore implements Destination {
  private readonly prefix: string;

  /**
   * @param bucket the adapter (built lazily, so the cloud SDK loads on first use).
   * @param location bucket and prefix (`REPORTFLOW_REPORT_STORE_BUCKET`, `REPORTFLOW_REPORT_STORE_PREFIX`).
   */
  constructor(
    private readonly bucket: () => Promise<BucketDestination>,
    private readonly location: BucketStoreLocation,
  ) {
    this.prefix = location.prefix.replace(/^\/+|\/+$/g, '');
  }

  /**
   * Uploads `sourcePath` as the target's object (metadata `report_id`, `tenant`, `sha256`), or keeps an
   * earlier upload of the same bytes (a retried export).
   * @returns `store:///<tenant>/<code>/<request id>/<file name>`.
   * @throws Error on an unsafe segment, network and server faults; AbortError when `options.signal` aborts.
   */
  async put(sourcePath: string, target: ExportTarget, options: PutOptions = {}): Promise<PutResult> {
    const uri = keyFor(target, 'store');
    const { sizeBytes, sha256 } = options.file ?? await fileDigest(sourcePath);
    const { kept } = await (await this.bucket()).deliver(sourcePath, {
      bucket: this.location.bucket,
      key: this.objectName(segmentsOfKey(uri)),
      contentType: options.file?.contentType ?? 'application/octet-stream',
      sizeBytes,
      sha256,
      metadata: { report_id: target.requestId, tenant: target.tenantId },
    }, { ...options, keepExisting: true });
    options.signal?.throwIfAborted();
    return kept ? { uri, kept } : { uri };
  }

  /** @param uri a `store:///` or `local:///` key (or an old `file://` URI: its last four segments). @throws Error with code ENOENT when the object is gone. */
  async open(uri: string): Promise<Readable> {
    return (await this.bucket()).read({ bucket: this.location.bucket, key: this.objectName(segmentsOfKey(uri)) });
  }

  async ping(): Promise<void> {
    await (await this.bucket()).checkBucket(this.location.bucket);
  }

  /** Deletes the key's object; one already gone is not an error. @throws Error when `uri` is no report key; on network faults. */
  async remove(uri: string): Promise<void> {
    await (await this.bucket()).remove({ bucket: this.location.bucket, key: this.objectName(segmentsOfKey(uri)) });
  }

  /** Deletes every object under the request's folder. Idempotent. */
  async withdraw(target: Omit<ExportTarget, 'fileName'>): Promise<void> {
    const folder = [target.tenantId, target.reportCode, target.requestId].map(safeSegment);
    await (await this.bucket()).removeUnder(this.location.bucket, `${this.objectName(folder)}/`);
  }

  /** Object name of store-relative segments. */
  private objectName(segments: readonly string[]): string {
    return [...(this.prefix ? [this.prefix] : []), ...segments].join('/');
  }
}
