/**
 * Streams a file of the report store as a download: its type, length, name and SHA-256 in the headers.
 * Shared by the report downloads and the bulk ZIP download.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { ReportError } from '../domain/errors.js';
import type { Destination } from '../destinations/destination.js';

/** What a download needs to know of the stored file. `sizeBytes`: bytes; `sha256`: hex. */
export interface StoredFile {
  uri: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Sends `file` from `destination` with `Content-Type`, `Content-Length`, `Content-Disposition` and
 * `X-Checksum-Sha256`.
 * @throws ReportError('NOT_FOUND') when the file is gone from the store (before any byte is sent).
 */
export async function sendFile(reply: FastifyReply, destination: Destination, file: StoredFile) {
  const stream = await openFile(destination, file.uri);
  return reply
    .header('content-type', file.contentType)
    .header('content-length', String(file.sizeBytes))
    .header('content-disposition', `attachment; filename="${file.fileName.replace(/["\\\r\n]/g, '_')}"`)
    .header('x-checksum-sha256', file.sha256)
    .send(stream);
}

/**
 * Opens `uri` and waits until it is readable, so a missing file is a clean 404 rather than a
 * response that breaks after its headers were sent.
 */
async function openFile(destination: Destination, uri: string): Promise<Readable> {
  let stream: Readable;
  try {
    stream = await destination.open(uri);
  } catch (err) {
    throw goneOr(err);
  }
  // File streams open asynchronously (`pending` until then); other streams are taken as they come.
  if ((stream as { pending?: boolean }).pending) {
    try {
      await once(stream, 'ready');
    } catch (err) {
      stream.destroy();
      throw goneOr(err);
    }
  }
  return stream;
}

function goneOr(err: unknown): unknown {
  if ((err as { code?: unknown }).code === 'ENOENT') {
    return new ReportError('NOT_FOUND', 'The report file is no longer available.', [{ field: 'id', code: 'NOT_FOUND', message: 'File missing.' }]);
  }
  return err;
}
