/**
 * The benchmark's CPU split (bench/lib/process-cpu.ts): /proc stat lines are read as proc(5) lays them
 * out, and each process's CPU lands on the part of the service its parent chain leads to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../bench/lib/stats.js';
import { CPU_PARTS, parseStat, splitCpu, type CpuEntry, type CpuSnapshot } from '../../bench/lib/process-cpu.js';

test('parseStat reads comm (spaces and parentheses included), the parent PID, utime + stime and cutime + cstime in ms', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  const line = '4242 (Web Content (x)) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 10 20 0 12 0 9999 1000 100';
  assert.deepEqual(parseStat(line, 100), { comm: 'Web Content (x)', ppid: 17, cpuMs: 3000, childrenMs: 400 });
  assert.deepEqual(parseStat(line, 1000), { comm: 'Web Content (x)', ppid: 17, cpuMs: 300, childrenMs: 40 });
  assert.equal(parseStat('garbage', 100), undefined);
});

test('splitCpu: Chromium under the worker, the worker by thread, the server, API, postgres, the bench and the rest', () => {
  const proc = (entries: [number, string, number, number][]) => new Map<number, CpuEntry>(entries.map(([pid, comm, ppid, cpuMs]) => [pid, { comm, ppid, cpuMs }]));
  const before: CpuSnapshot = {
    processes: proc([[10, 'node', 1, 0], [20, 'node', 10, 1000], [21, 'chromium', 20, 500], [22, 'chromium', 21, 0], [30, 'temporal', 10, 0], [40, 'node', 10, 0], [50, 'postgres', 1, 0], [51, 'postgres', 50, 0], [60, 'node', 1, 0], [70, 'sshd', 1, 0]]),
    threads: proc([[20, 'MainThread', 10, 600], [23, 'WorkerThread', 10, 100], [24, 'tokio-runtime-w', 10, 50], [25, 'V8Worker', 10, 50]]),
  };
  const after: CpuSnapshot = {
    // The worker spent 900 ms: 400 main, 200 workflows, 100 + 50 other threads, 150 in a thread gone since.
    processes: proc([[10, 'node', 1, 5], [20, 'node', 10, 1900], [21, 'chromium', 20, 800], [22, 'chromium', 21, 400], [30, 'temporal', 10, 250], [40, 'node', 10, 60], [50, 'postgres', 1, 30], [51, 'postgres', 50, 20], [60, 'node', 1, 40], [70, 'sshd', 1, 7], [71, 'chromium', 1, 3]]),
    threads: proc([[20, 'MainThread', 10, 1000], [23, 'WorkerThread', 10, 300], [24, 'tokio-runtime-w', 10, 150], [25, 'V8Worker', 10, 100]]),
  };
  const shares = new Map(splitCpu(before, after, { worker: 20, temporal: 30, api: 40, bench: 60 }).map((s) => [s.part, s.ms]));
  assert.deepEqual(Object.fromEntries(shares), {
    [CPU_PARTS.chromium]: 300 + 400,
    [CPU_PARTS.workerMain]: 400,
    [CPU_PARTS.workerWorkflows]: 200,
    [CPU_PARTS.workerOther]: 100 + 50 + 150,
    [CPU_PARTS.temporal]: 250,
    [CPU_PARTS.api]: 60,
    [CPU_PARTS.database]: 50,
    [CPU_PARTS.bench]: 40,
    // The supervisor (pid 10, the parent of all), sshd and a Chromium that is not the worker's.
    [CPU_PARTS.other]: 5 + 7 + 3,
  });
});

test('splitCpu: children reaped meanwhile count where their parent does, less what they had spent before', () => {
  const proc = (entries: [number, string, number, number, number][]) => new Map<number, CpuEntry>(entries.map(([pid, comm, ppid, cpuMs, childrenMs]) => [pid, { comm, ppid, cpuMs, childrenMs }]));
  const before: CpuSnapshot = {
    // The browser (21) has a renderer (22) that will exit; the worker (20) a browser it will recycle (26).
    processes: proc([[20, 'node', 10, 1000, 0], [21, 'chromium', 20, 500, 100], [22, 'chromium', 21, 70, 0], [26, 'chromium', 20, 200, 50], [30, 'temporal', 10, 0, 0]]),
    threads: proc([[20, 'MainThread', 10, 1000, 0]]),
  };
  const after: CpuSnapshot = {
    // Meanwhile the browser reaped the renderer (70 before, 80 in all) and three print compositors that
    // started and ended between the readings (30 ms each); the worker reaped the old browser (200 + 50
    // before, 300 + 60 in all).
    processes: proc([[20, 'node', 10, 1100, 360], [21, 'chromium', 20, 600, 100 + 80 + 90], [30, 'temporal', 10, 10, 0]]),
    threads: proc([[20, 'MainThread', 10, 1100, 0]]),
  };
  const shares = new Map(splitCpu(before, after, { worker: 20, temporal: 30, bench: 60 }).map((s) => [s.part, s.ms]));
  // The browser 100, its renderer 10 and the compositors 90; the recycled browser 100 + 10.
  assert.equal(shares.get(CPU_PARTS.chromium), 100 + 10 + 90 + 110);
  assert.equal(shares.get(CPU_PARTS.workerMain), 100);
  assert.equal(shares.get(CPU_PARTS.temporal), 10);
  assert.equal(shares.get(CPU_PARTS.other), 0);
});

test('measure calls observe.start after the warm-up and observe.end after the last measured operation', async () => {
  const events: string[] = [];
  await measure({ concurrency: 2, warmup: 2, runs: 3, observe: { start: () => events.push('start'), end: () => events.push('end') } }, async (i) => {
    events.push(`op${i}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  });
  assert.deepEqual(events.slice(0, 3).sort(), ['op0', 'op1', 'start'].sort());
  assert.equal(events[2], 'start');
  assert.deepEqual(events.slice(3, 6).sort(), ['op2', 'op3', 'op4']);
  assert.equal(events.at(-1), 'end');
});
