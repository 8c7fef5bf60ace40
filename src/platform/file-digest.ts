/**
 * Size and SHA-256 of a file, streamed so memory stays flat for large reports.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** `sizeBytes`: bytes in the file; `sha256`: lowercase hex digest of its contents. @throws Error (ENOENT…) on I/O faults. */
export async function fileDigest(filePath: string): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(filePath)) {
    const buf = chunk as Buffer;
    sizeBytes += buf.length;
    hash.update(buf);
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}
