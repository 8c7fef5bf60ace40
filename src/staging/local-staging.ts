/**
 * Staging area for files passed between activities of one run (staged rows, rendered files).
 * A local directory: every worker on a task queue must see the same one (same machine, or a shared
 * mount). Activities pass `file://` URIs through workflow history, never contents.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export class LocalStaging {
  constructor(readonly rootDir: string) {}

  /** Absolute path of `fileName` in run `runId`'s staging folder; the folder is created. */
  async pathFor(runId: string, fileName: string): Promise<string> {
    const dir = path.join(this.rootDir, safeSegment(runId));
    await mkdir(dir, { recursive: true });
    return path.join(dir, safeSegment(fileName));
  }

  uriFor(filePath: string): string {
    return pathToFileURL(filePath).href;
  }

  /**
   * Path of a staged `file://` URI.
   * @throws Error when the URI is not a file URL inside the staging root (never trust a path from history blindly).
   */
  pathFromUri(uri: string): string {
    const p = path.resolve(fileURLToPath(uri));
    if (!p.startsWith(path.resolve(this.rootDir) + path.sep)) throw new Error(`staging URI outside staging root: ${uri}`);
    return p;
  }

  /** Removes everything staged for `runId` (idempotent). */
  async removeRun(runId: string): Promise<void> {
    await rm(path.join(this.rootDir, safeSegment(runId)), { recursive: true, force: true });
  }
}

/** A single path segment: no separators, no `..`, not empty. @throws Error otherwise. */
export function safeSegment(name: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new Error(`unsafe path segment: ${JSON.stringify(name)}`);
  return name;
}
