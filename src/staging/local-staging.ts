/**
 * Staging area for files passed between activities of one run (staged rows, rendered files).
 * A local directory of one worker process (its own `REPORTFLOW_VAR_DIR`): a run's later stages run on
 * the worker that staged its rows (pinned stages, README "Scaling out"). Activities pass `file://` URIs
 * through workflow history, never contents.
 */
import { randomUUID } from 'node:crypto';
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

  /**
   * A new name beside `finalPath` (`.<uuid>.<file name>`: the same folder, the extension still last)
   * to write a staged file under, then renamed to `finalPath` (`rename`, which replaces an earlier
   * attempt's file at once). Each attempt so writes a new file: a file once handed on, e.g. hard-linked
   * into the report store (`RenderedFile.sealed`), is never truncated and written again by a retry. A
   * part left by a failed attempt goes with the run's staging.
   */
  partPathFor(finalPath: string): string {
    return path.join(path.dirname(finalPath), `.${randomUUID()}.${path.basename(finalPath)}`);
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

  /** Attempts of each run that are under way in this process (see `forAttempt`), by run id. */
  private readonly liveAttempts = new Map<string, number>();

  /**
   * A staging area for one attempt of run `runId`: a folder of its own inside the run's
   * (`<root>/<runId>/attempt-<uuid>/`), so two attempts running at once (a retry beside an attempt still
   * running after its workflow task timed out, on this worker or another) never write or remove each
   * other's files. Its files are inside this root, so `pathFromUri` and `removeRun` here still cover them.
   * Removing the last attempt under way in this process removes the whole run folder, so an attempt
   * whose process died (kill -9 mid-render) leaves nothing once the run's retry here is done. That relies
   * on one worker process per staging directory (README: its own `REPORTFLOW_VAR_DIR`); a process that
   * shared it could lose a live attempt's files, which fails that attempt (ENOENT), never its output.
   */
  forAttempt(runId: string): StagingAttempt {
    const runDir = path.join(this.rootDir, safeSegment(runId));
    const staging = new LocalStaging(path.join(runDir, `attempt-${randomUUID()}`));
    this.liveAttempts.set(runId, (this.liveAttempts.get(runId) ?? 0) + 1);
    let over = false;
    const release = () => {
      if (over) return;
      over = true;
      const left = (this.liveAttempts.get(runId) ?? 1) - 1;
      if (left > 0) this.liveAttempts.set(runId, left);
      else this.liveAttempts.delete(runId);
    };
    return {
      staging,
      release,
      remove: async () => {
        release();
        // Another attempt of the run still runs here: remove only ours.
        if (this.liveAttempts.has(runId)) await rm(staging.rootDir, { recursive: true, force: true });
        else await this.removeRun(runId);
      },
    };
  }
}

/** One attempt's staging area (see `LocalStaging.forAttempt`). */
export interface StagingAttempt {
  /** Where the attempt stages: paths and URIs as any staging gives them. */
  staging: LocalStaging;
  /**
   * Removes this attempt's files (idempotent); when no other attempt of the run is under way in this
   * process, the whole run folder, with what attempts of a dead process left there.
   */
  remove(): Promise<void>;
  /** Ends the attempt and keeps its files (later stages read them; `removeRun` removes them). Idempotent. */
  release(): void;
}

/** A single path segment: no separators, no `..`, not empty. @throws Error otherwise. */
export function safeSegment(name: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new Error(`unsafe path segment: ${JSON.stringify(name)}`);
  return name;
}
