/**
 * The last step of the renderers that hold their whole file in memory (PDF, HTML, TXT): write it and
 * measure it from the bytes in hand, so the file is never read back.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

/**
 * Writes `bytes` to `outPath` (replacing it).
 * @returns the size in bytes and the hex sha256 of what was written.
 * @throws AbortError when `signal` aborts; the file system's error when the write fails.
 */
export async function writeWholeFile(outPath: string, bytes: Uint8Array, signal: AbortSignal): Promise<{ sizeBytes: number; sha256: string }> {
  await writeFile(outPath, bytes, { signal });
  return { sizeBytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}
