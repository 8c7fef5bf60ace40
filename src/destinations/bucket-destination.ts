/**
 * Bucket destinations (GCS, S3): deliver a rendered file as one object under a deterministic name.
 * Every implementation is retry-safe: the object only becomes visible when the upload is complete
 * (GCS resumable upload finalisation, S3 multipart completion), and a retry that finds the object
 * already there with the same sha256 keeps it instead of uploading again.
 */

import type { Readable } from 'node:stream';

/** Where one object lives. `key`: object name without leading slash. */
export interface ObjectLocation {
  bucket: string;
  key: string;
}

/** One object to deliver. `key`: object name without leading slash. `metadata`: user metadata (string values). */
export interface BucketObject {
  bucket: string;
  key: string;
  contentType: string;
  sizeBytes: number;
  /** Hex sha256 of the file; stored as metadata `sha256` and used to recognise an earlier delivery. */
  sha256: string;
  metadata: Record<string, string>;
}

/** What a delivery left behind. `uri`: `gs://bucket/key` or `s3://bucket/key`. */
export interface BucketDelivery {
  uri: string;
  /** A time-limited download URL when the destination can sign one. */
  downloadUrl?: string;
  /** True when an earlier attempt had already delivered the same bytes, so nothing was uploaded. */
  reused: boolean;
  /** With `keepExisting`: the size (bytes) and hex sha256 of the object found there and kept. */
  kept?: { sizeBytes: number; sha256: string };
}

export interface DeliverOptions {
  /** Aborts the upload (activity cancelled); no object is left by an aborted upload. */
  signal?: AbortSignal;
  /** Called with bytes sent so far, for heartbeats. */
  onProgress?: (bytesSent: number) => void;
  /**
   * Keep an object already at the key (one with our `sha256` metadata) instead of replacing it, and
   * create the object only if none is there (S3 `If-None-Match: *` on a single-part upload, GCS
   * `ifGenerationMatch: 0`), so two racing attempts end with one object both report. The report store
   * asks for this; export destinations replace. A multipart S3 upload (over 8 MiB) is not conditional:
   * only the check before it applies.
   */
  keepExisting?: boolean;
}

export interface BucketDestination {
  /**
   * Uploads the local file `sourcePath` as `object`, or keeps an identical earlier delivery.
   * @throws Error on network and server faults (retried by the activity's retry policy).
   */
  deliver(sourcePath: string, object: BucketObject, options?: DeliverOptions): Promise<BucketDelivery>;
  /**
   * Deletes the object at `bucket`/`key` if this report delivered it (its `report_id` metadata is
   * `reportId`): a path_format without the id may name an object another run delivered, which stays.
   * @returns true when an object was deleted; false when there was none or it was another run's.
   * @throws Error on network and server faults (retried).
   */
  withdraw(object: Pick<BucketObject, 'bucket' | 'key'>, reportId: string): Promise<boolean>;
  /**
   * Streams the object's bytes (the report store's downloads).
   * @throws Error with code ENOENT when there is no such object; Error on other faults.
   */
  read(object: ObjectLocation): Promise<Readable>;
  /** Deletes the object whoever wrote it; one already gone is not an error. @throws Error on network and server faults. */
  remove(object: ObjectLocation): Promise<void>;
  /**
   * Deletes every object whose name starts with `prefix` (which should end with `/`).
   * @returns how many were deleted. @throws Error on network and server faults.
   */
  removeUnder(bucket: string, prefix: string): Promise<number>;
  /** Resolves when `bucket` exists and can be reached with these credentials. @throws Error saying why not. */
  checkBucket(bucket: string): Promise<void>;
}

/** The error `read` throws for a missing object: code ENOENT, as a missing LOCAL file has. */
export function objectMissing(uri: string): Error {
  return Object.assign(new Error(`no object ${uri}`), { code: 'ENOENT' });
}

/**
 * The size (bytes) and hex sha256 to keep of an object found at a key (`keepExisting`), when it has our
 * `sha256` metadata; undefined for no object, or one written by others (that one is replaced).
 */
export function keptObject(head: { size: number; sha256: string | undefined } | undefined): { sizeBytes: number; sha256: string } | undefined {
  return head?.sha256 ? { sizeBytes: head.size, sha256: head.sha256 } : undefined;
}
