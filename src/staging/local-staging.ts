/**
 * Staging area for files passed between activities of one run (staged rows, rendered files).
 * A local directory: every worker on a task queue must see the same one (same machine, or a shared
 * mount). Activities pass `file://` URIs through workflow history, never contents.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, rmdir } from 'node:fs/promises';
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

  /** Removes everything staged for `runId`, every attempt's folder included (idempotent). */
  async removeRun(runId: string): Promise<void> {
    await rm(path.join(this.rootDir, safeSegment(runId)), { recursive: true, force: true });
  }

  /**
   * A staging area for one attempt of run `runId`: a folder of its own inside the run's
   * (`<root>/<runId>/attempt-<uuid>/`), so two attempts running at once (a retry beside an attempt still
   * running after its workflow task timed out, on this worker or another) never write or remove each
   * other's files. Its files are inside this root, so `pathFromUri` and `removeRun` here still cover them.
   */
  forAttempt(runId: string): StagingAttempt {
    const runDir = path.join(this.rootDir, safeSegment(runId));
    const staging = new LocalStaging(path.join(runDir, `attempt-${randomUUID()}`));
    return {
      staging,
      async remove() {
        await rm(staging.rootDir, { recursive: true, force: true });
        // The run's folder goes too once no other attempt uses it (ENOTEMPTY: one does; keep it).
        await rmdir(runDir).catch(() => undefined);
      },
    };
  }
}

/** One attempt's staging area (see `LocalStaging.forAttempt`). */
export interface StagingAttempt {
  /** Where the attempt stages: paths and URIs as any staging gives them. */
  staging: LocalStaging;
  /** Removes this attempt's files only (idempotent); the run's folder too when it is then empty. */
  remove(): Promise<void>;
}

/** A single path segment: no separators, no `..`, not empty. @throws Error otherwise. */
export function safeSegment(name: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new Error(`unsafe path segment: ${JSON.stringify(name)}`);
  return name;
}
