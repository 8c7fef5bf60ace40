/**
 * Memory of a process from Linux's /proc/<pid>/status: `VmRSS` (resident now) and `VmHWM` (the
 * high-water mark of resident memory since the process started), both kB in the file.
 */
import { readFileSync } from 'node:fs';
import type { RunningService } from '../../test/helpers/service.js';

/** Resident memory in bytes: now, and the peak since the process started. */
export interface ProcessMemory {
  rssBytes: number;
  peakBytes: number;
}

/** @throws Error when the process does not exist (or this is not Linux). */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') };
}

/** What `idleRss` saw, in bytes. */
export interface IdleRss {
  /** RSS at the first sample, `everyMs` after the call. */
  firstBytes: number;
  /** RSS at the last sample, `forMs` after the call. */
  lastBytes: number;
}

/**
 * The resident memory of a process left idle: sampled every `everyMs` (default 5,000 ms) for `forMs`
 * (default 30,000 ms); the first and the last sample. A Node worker goes on shrinking for a while
 * after its last task: V8's memory reducer collects and gives back heap pages some seconds after
 * allocation stops. Measured here (worker after the bench's runs, one sample every 5 s for two
 * minutes): 307 MB at once, 286 and 285 MB after 5 and 10 s, 237 MB from 15 s on to the end; so 30 s
 * is idle, and two close samples in a row do not yet say so. `read` replaces the /proc reading (tests).
 */
export async function idleRss(pid: number, options: { everyMs?: number; forMs?: number; read?: (pid: number) => number } = {}): Promise<IdleRss> {
  const { everyMs = 5000, forMs = 30_000, read = (p: number) => processMemory(p).rssBytes } = options;
  const samples: number[] = [];
  for (let elapsed = everyMs; elapsed <= Math.max(forMs, everyMs); elapsed += everyMs) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    samples.push(read(pid));
  }
  return { firstBytes: samples[0]!, lastBytes: samples.at(-1)! };
}

/** PID of the service's worker process (from its PID file). @throws Error when it has none. */
export async function workerPid(service: RunningService): Promise<number> {
  const worker = (await service.children()).get('worker');
  if (!worker) throw new Error('the service has no worker PID file');
  return worker.pid;
}

/** Bytes as decimal megabytes (10^6 bytes, the unit of the goals), rounded. */
export function megabytes(bytes: number): number {
  return Math.round(bytes / 1e6);
}
