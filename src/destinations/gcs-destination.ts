/**
 * The GCS destination via @google-cloud/storage. Uploads are resumable (the object appears only when
 * the upload is finalised, so a killed upload leaves none) and conditional: `ifGenerationMatch: 0`
 * when no object exists, or the existing generation when an older, different file is replaced, so two
 * racing attempts cannot both write.
 */
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage, type File } from '@google-cloud/storage';
import type { GcsIntegration } from '../config/integrations.js';
import { keptObject, objectMissing, type BucketDelivery, type BucketDestination, type BucketObject, type DeliverOptions, type ObjectLocation } from './bucket-destination.js';

export class GcsDestination implements BucketDestination {
  private readonly storage: Storage;

  /** @param integration credentials (`keyFile`) and endpoint (`apiEndpoint`, e.g. an emulator). */
  constructor(integration: Omit<GcsIntegration, 'type'>) {
    this.storage = new Storage({
      ...(integration.projectId ? { projectId: integration.projectId } : {}),
      ...(integration.keyFile ? { keyFilename: integration.keyFile } : {}),
      ...(integration.apiEndpoint ? { apiEndpoint: integration.apiEndpoint } : {}),
    });
  }

  /**
   * @returns `gs://bucket/key`; `reused` when the object already held these bytes (same sha256 metadata and size).
   * @throws Error on network faults, a lost precondition race (the next attempt sees the winner), or
   *   a size mismatch after upload.
   */
  async deliver(sourcePath: string, object: BucketObject, options: DeliverOptions = {}): Promise<BucketDelivery> {
    const file = this.storage.bucket(object.bucket).file(object.key);
    const uri = `gs://${object.bucket}/${object.key}`;
    const existing = await currentGeneration(file);
    const keep = options.keepExisting ? keptObject(existing) : undefined;
    if (keep) return { uri, reused: true, kept: keep };
    if (existing && existing.sha256 === object.sha256 && existing.size === object.sizeBytes) return { uri, reused: true };

    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        options.onProgress?.(sent);
        done(null, chunk);
      },
    });
    const write = file.createWriteStream({
      resumable: true,
      contentType: object.contentType,
      // 8 MiB chunks: each is acknowledged, and a failed chunk is resent within this attempt.
      chunkSize: 8 * 1024 * 1024,
      validation: 'crc32c',
      metadata: { contentType: object.contentType, metadata: { ...object.metadata, sha256: object.sha256 } },
      preconditionOpts: { ifGenerationMatch: existing ? existing.generation : 0 },
    });
    try {
      await pipeline(createReadStream(sourcePath), counter, write, ...(options.signal ? [{ signal: options.signal }] : []));
    } catch (err) {
      // Another attempt created the object after our check (the generation precondition failed): keep it.
      const winner = options.keepExisting && (err as { code?: unknown }).code === 412 ? keptObject(await currentGeneration(file)) : undefined;
      if (winner) return { uri, reused: true, kept: winner };
      throw err;
    }

    const after = await currentGeneration(file);
    if (!after || after.size !== object.sizeBytes || after.sha256 !== object.sha256) {
      throw new Error(`GCS object ${uri} does not match the file after upload (size ${after?.size ?? 'none'}, expected ${object.sizeBytes})`);
    }
    // Some GCS-compatible servers (fake-gcs-server) drop the content type of a resumable upload; set it
    // again, only for this generation so a newer object is never touched.
    if (after.contentType !== object.contentType) {
      await file.setMetadata({ contentType: object.contentType }, { ifGenerationMatch: after.generation });
    }
    return { uri, reused: false };
  }

  async withdraw(object: Pick<BucketObject, 'bucket' | 'key'>, reportId: string): Promise<boolean> {
    return deleteIfOwned(this.storage.bucket(object.bucket).file(object.key), reportId);
  }

  async read(object: ObjectLocation): Promise<Readable> {
    const file = this.storage.bucket(object.bucket).file(object.key);
    // The read stream reports a missing object only once read; ask first, so a download answers 404
    // before any header is sent. The generation read is the one streamed, so a replaced object cannot
    // mix two versions.
    const live = await currentGeneration(file);
    if (!live) throw objectMissing(`gs://${object.bucket}/${object.key}`);
    return this.storage.bucket(object.bucket).file(object.key, { generation: live.generation }).createReadStream();
  }

  async remove(object: ObjectLocation): Promise<void> {
    await this.storage.bucket(object.bucket).file(object.key).delete({ ignoreNotFound: true });
  }

  async removeUnder(bucket: string, prefix: string): Promise<number> {
    const [files] = await this.storage.bucket(bucket).getFiles({ prefix });
    await Promise.all(files.map((f) => f.delete({ ignoreNotFound: true })));
    return files.length;
  }

  async checkBucket(bucket: string): Promise<void> {
    await this.storage.bucket(bucket).getMetadata();
  }
}

/** Deletes the live generation of `file` if its `report_id` metadata is `reportId`; false when there is none or it is another's. */
async function deleteIfOwned(file: File, reportId: string): Promise<boolean> {
  try {
    const [meta] = await file.getMetadata();
    if (meta.metadata?.['report_id'] !== reportId) return false;
    // Only that generation: a newer object written meanwhile is not ours to delete.
    await file.delete({ ifGenerationMatch: Number(meta.generation) });
    return true;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 404 || code === 412) return false;
    throw err;
  }
}

/** The live object's generation, size and stored sha256, or undefined when there is none. */
async function currentGeneration(file: File): Promise<{ generation: number; size: number; sha256: string | undefined; contentType: string | undefined } | undefined> {
  try {
    const [meta] = await file.getMetadata();
    const sha = meta.metadata?.['sha256'];
    return { generation: Number(meta.generation), size: Number(meta.size), sha256: typeof sha === 'string' ? sha : undefined, contentType: meta.contentType };
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}
