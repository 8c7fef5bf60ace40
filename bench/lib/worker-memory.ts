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
