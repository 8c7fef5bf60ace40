/**
 * The S3 destination via the AWS SDK v3: multipart upload (@aws-sdk/lib-storage), which makes the
 * object visible only when the upload completes, so a killed upload leaves no object (its parts are
 * aborted on error; a bucket lifecycle rule should clean parts of a killed process). Works with any
 * S3-compatible server through `endpoint` and `forcePathStyle`.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Integration } from '../config/integrations.js';
import { keptObject, objectMissing, type BucketDelivery, type BucketDestination, type BucketObject, type DeliverOptions, type ObjectLocation } from './bucket-destination.js';

export interface S3DestinationOptions {
  /** Lifetime of the presigned download URL in seconds (at most 604800 on AWS). */
  signedUrlTtlSeconds: number;
}

export class S3Destination implements BucketDestination {
  readonly client: S3Client;

  constructor(
    integration: Omit<S3Integration, 'type'>,
    private readonly options: S3DestinationOptions,
  ) {
    this.client = new S3Client({
      region: integration.region,
      ...(integration.endpoint ? { endpoint: integration.endpoint } : {}),
      ...(integration.forcePathStyle !== undefined ? { forcePathStyle: integration.forcePathStyle } : {}),
      ...(integration.accessKeyId && integration.secretAccessKey
        ? { credentials: { accessKeyId: integration.accessKeyId, secretAccessKey: integration.secretAccessKey } }
        : {}),
    });
  }

  /**
   * @returns `s3://bucket/key` with a presigned GET URL; `reused` when the object already held these
   *   bytes (metadata sha256 and size match).
   * @throws Error on network and server faults, or when the stored size differs after upload.
   */
  async deliver(sourcePath: string, object: BucketObject, options: DeliverOptions = {}): Promise<BucketDelivery> {
    const uri = `s3://${object.bucket}/${object.key}`;
    const existing = await this.head(object);
    const keep = options.keepExisting ? keptObject(existing) : undefined;
    if (keep) return { uri, downloadUrl: await this.signedUrl(object), reused: true, kept: keep };
    const reused = existing !== undefined && existing.sha256 === object.sha256 && existing.size === object.sizeBytes;
    if (!reused) {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: object.bucket,
          Key: object.key,
          Body: createReadStream(sourcePath),
          ContentType: object.contentType,
          ContentLength: object.sizeBytes,
          Metadata: { ...object.metadata, sha256: object.sha256 },
          ...(options.keepExisting ? { IfNoneMatch: '*' } : {}),
        },
        partSize: 8 * 1024 * 1024,
        queueSize: 4,
        leavePartsOnError: false,
      });
      upload.on('httpUploadProgress', (p) => options.onProgress?.(p.loaded ?? 0));
      const abort = () => void upload.abort().catch(() => undefined);
      options.signal?.addEventListener('abort', abort, { once: true });
      try {
        await upload.done();
      } catch (err) {
        // Another attempt created the object between our check and our upload: keep the winner's.
        const winner = options.keepExisting && preconditionFailed(err) ? keptObject(await this.head(object)) : undefined;
        if (winner) return { uri, downloadUrl: await this.signedUrl(object), reused: true, kept: winner };
        throw err;
      } finally {
        options.signal?.removeEventListener('abort', abort);
      }
      const after = await this.head(object);
      if (!after || after.size !== object.sizeBytes) {
        throw new Error(`S3 object ${uri} does not match the file after upload (size ${after?.size ?? 'none'}, expected ${object.sizeBytes})`);
      }
    }
    return { uri, downloadUrl: await this.signedUrl(object), reused };
  }

  private signedUrl(object: Pick<BucketObject, 'bucket' | 'key'>): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: object.bucket, Key: object.key }), { expiresIn: this.options.signedUrlTtlSeconds });
  }

  async withdraw(object: Pick<BucketObject, 'bucket' | 'key'>, reportId: string): Promise<boolean> {
    const existing = await this.head(object);
    if (existing?.reportId !== reportId) return false;
    // S3 deletes are idempotent; an object another run put there between head and delete is the one
    // risk, and only for a path_format without the report id.
    await this.client.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return true;
  }

  async read(object: ObjectLocation): Promise<Readable> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
      // In Node.js the SDK's body is an http.IncomingMessage, a Readable.
      return got.Body as Readable;
    } catch (err) {
      if (statusOf(err) === 404) throw objectMissing(`s3://${object.bucket}/${object.key}`);
      throw err;
    }
  }

  async remove(object: ObjectLocation): Promise<void> {
    // S3 answers 204 for a key that does not exist.
    await this.client.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
  }

  async removeUnder(bucket: string, prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      // One DeleteObject per key rather than DeleteObjects: a request folder holds one file, and not every
      // S3-compatible server accepts the batch call's checksum headers.
      for (const entry of page.Contents ?? []) {
        if (!entry.Key) continue;
        await this.remove({ bucket, key: entry.Key });
        deleted += 1;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  async checkBucket(bucket: string): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
  }

  private async head(object: Pick<BucketObject, 'bucket' | 'key'>): Promise<{ size: number; sha256: string | undefined; reportId: string | undefined } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }));
      return { size: head.ContentLength ?? -1, sha256: head.Metadata?.['sha256'], reportId: head.Metadata?.['report_id'] };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }
}

/** The HTTP status of an SDK error, when it came from the server. */
function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** True for S3's 412 answer to a conditional write. */
function preconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}
