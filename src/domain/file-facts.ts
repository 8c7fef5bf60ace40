/**
 * The facts of a report file as clients see them (snake_case), shared by the API's views and the
 * webhook/email event, so the two never describe one file differently. Sandbox-safe.
 */
import type { RenderedFile } from './artifacts.js';

/** `{file_name, content_type, size_bytes (bytes), sha256 (hex), rows, pages? (PDF only)}`. */
export function fileFactsToWire(file: Omit<RenderedFile, 'uri'>) {
  return {
    file_name: file.fileName,
    content_type: file.contentType,
    size_bytes: file.sizeBytes,
    sha256: file.sha256,
    rows: file.rows,
    ...(file.pages !== undefined ? { pages: file.pages } : {}),
  };
}
