/** How often streaming renderers report progress (the render activity heartbeats with it). */
export const PROGRESS_EVERY_ROWS = 10_000;

/** Counts rows written batch by batch and reports them as the row-by-row renderers do. */
export interface BatchProgress {
  /** Adds `rows` (a batch just written); reports at each multiple of PROGRESS_EVERY_ROWS passed. */
  add(rows: number): void;
  /** Reports the final count, and returns it (rows). */
  finish(): number;
}

/** @param onProgress the render input's callback (rows written so far). */
export function batchProgress(onProgress: (rowsDone: number) => void): BatchProgress {
  let done = 0;
  return {
    add(rows) {
      const before = done;
      done += rows;
      const step = Math.floor(done / PROGRESS_EVERY_ROWS);
      if (step > Math.floor(before / PROGRESS_EVERY_ROWS)) onProgress(step * PROGRESS_EVERY_ROWS);
    },
    finish() {
      onProgress(done);
      return done;
    },
  };
}
