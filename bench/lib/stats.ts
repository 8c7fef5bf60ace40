/**
 * Load generation and its figures: `measure` runs an operation at a fixed concurrency (closed loop:
 * each of `concurrency` slots starts its next operation when its last one ends), after a warm-up, and
 * summarises the measured operations' latencies and the throughput over the measured wall time.
 */

/** The latency figures of a set of operations, ms. */
export interface Latencies {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** Figures of one measurement. Times in ms; `perSecond` = completed operations / wall time. */
export interface Summary extends Latencies {
  concurrency: number;
  /** Measured operations (warm-up excluded). */
  runs: number;
  wallMs: number;
  perSecond: number;
}

/** The `p`th percentile (nearest rank) of ascending `sorted`. @throws RangeError on an empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50 (nearest rank), p95 and max of `latenciesMs` (any order). @throws RangeError on an empty list. */
export function latencies(latenciesMs: readonly number[]): Latencies {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1)! };
}

/** Summarises `latenciesMs` measured over `wallMs` at `concurrency`. @throws RangeError when `latenciesMs` is empty. */
export function summarise(concurrency: number, latenciesMs: readonly number[], wallMs: number): Summary {
  return { concurrency, runs: latenciesMs.length, wallMs, perSecond: latenciesMs.length / (wallMs / 1000), ...latencies(latenciesMs) };
}

export interface MeasureOptions {
  concurrency: number;
  /** Operations run first and not counted (at least one per slot is sensible: it opens what each slot needs). */
  warmup: number;
  /** Operations measured. */
  runs: number;
  /** Called as the measured operations start (the warm-up has drained) and once they have all ended. */
  observe?: { start(): void; end(): void };
}

/**
 * Runs `op(i, slot)` `warmup + runs` times, `concurrency` at a time; `i` counts from 0 over all
 * operations (warm-up first), `slot` is 0…concurrency-1. The measured wall time starts when the
 * warm-up has drained, so every measured operation starts on a warm system.
 * @throws the first error an operation throws (the others are awaited first).
 */
export async function measure(options: MeasureOptions, op: (i: number, slot: number) => Promise<void>): Promise<Summary> {
  const { concurrency, warmup, runs } = options;
  await forEachConcurrently(warmup, concurrency, op);
  const latencies: number[] = [];
  options.observe?.start();
  const t0 = performance.now();
  await forEachConcurrently(runs, concurrency, async (i, slot) => {
    const start = performance.now();
    await op(warmup + i, slot);
    latencies.push(performance.now() - start);
  });
  const wallMs = performance.now() - t0;
  options.observe?.end();
  return summarise(concurrency, latencies, wallMs);
}

/**
 * Runs `fn(i, slot)` for i = 0…count-1, `concurrency` at a time: each slot (0…concurrency-1) takes the
 * next i when its last call ends.
 * @throws the first error a call throws, once the other slots have stopped (a failed slot takes no more).
 */
export async function forEachConcurrently(count: number, concurrency: number, fn: (i: number, slot: number) => Promise<void>): Promise<void> {
  let next = 0;
  const slot = async (s: number) => {
    while (next < count) await fn(next++, s);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, Math.max(count, 0)) }, (_, s) => slot(s)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
