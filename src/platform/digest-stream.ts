/**
 * A pass-through stream that measures what flows through it: size in bytes and sha256, so a renderer
 * that streams its file knows both once the file is written, without reading it back.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface DigestStream {
  stream: Transform;
  /** Size (bytes) and hex sha256 of everything that passed; call after the pipeline finished. */
  digest(): { sizeBytes: number; sha256: string };
}

export function digestStream(): DigestStream {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: () => ({ sizeBytes, sha256: hash.digest('hex') }) };
}
