/**
 * The Temporal SDK's own worker metrics (task-queue poll latency, activity schedule-to-start, sticky
 * cache, slots …) come from its Rust Core, which exports them only itself. reportflow has Core's
 * Prometheus exporter listen on a free loopback port and the worker's `/metrics` append that text to
 * its own (see metrics-server.ts), named the Prometheus way (`_total`, `_seconds`).
 */
import type { RuntimeOptions } from '@temporalio/worker';
import { freeLoopbackPort } from './metrics-server.js';

/** Core's exporter: the `telemetryOptions` for `Runtime.install`, and where it answers. */
export interface CoreMetrics {
  telemetryOptions: NonNullable<RuntimeOptions['telemetryOptions']>;
  /** e.g. `http://127.0.0.1:40123/metrics`. */
  url: string;
}

/** Options for Core's exporter on a free loopback port. Call before `Runtime.install`. */
export async function coreMetrics(): Promise<CoreMetrics> {
  const port = await freeLoopbackPort();
  return {
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } },
    url: `http://127.0.0.1:${port}/metrics`,
  };
}
