/**
 * Where the CPU goes: CPU time (user + system) of every process on the machine, and of each thread of the
 * worker, read from Linux's /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat (fields 14 and 15, utime and
 * stime, in clock ticks: proc(5)) before and after a measurement, and grouped by the part of the service
 * each process belongs to. On a machine whose cores are all busy, the sum per PDF bounds the throughput:
 * cores × 1000 / (CPU ms per PDF) PDFs/s.
 *
 * A process that exited between the two readings counts through its parent: Linux adds a reaped child's
 * whole CPU time to its parent's cutime and cstime (fields 16 and 17), so each process's children time
 * is counted too, less what a reaped child had already spent at the first reading. This matters for
 * Chromium, whose full browser starts a print-compositor process for each PDF (~30 ms of CPU each, seen
 * nowhere else). A thread that exited is counted in its process's total but in no thread row.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * One process or thread: its name (`comm`, e.g. `chromium`, `postgres`, `MainThread`), parent PID, CPU ms
 * so far, and (processes) the CPU ms of its children it has reaped.
 */
export interface CpuEntry {
  comm: string;
  ppid: number;
  cpuMs: number;
  childrenMs?: number;
}

/** CPU so far of every process (by PID) and of each thread of one process (by TID), in ms. */
export interface CpuSnapshot {
  processes: Map<number, CpuEntry>;
  threads: Map<number, CpuEntry>;
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`; 100 on Linux when it cannot be asked). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * One line of /proc/…/stat as a `CpuEntry`; undefined when it cannot be parsed. `comm` is between the first
 * `(` and the last `)` (it may hold spaces and parentheses); the fields after it start with field 3 (state).
 */
export function parseStat(line: string, ticks: number): CpuEntry | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = line.slice(close + 2).split(' ');
  const [ppid, utime, stime, cutime, cstime] = [1, 11, 12, 13, 14].map((i) => Number(fields[i])) as [number, number, number, number, number];
  if (![ppid, utime, stime, cutime, cstime].every(Number.isFinite)) return undefined;
  return { comm: line.slice(open + 1, close), ppid, cpuMs: ((utime + stime) * 1000) / ticks, childrenMs: ((cutime + cstime) * 1000) / ticks };
}

function readEntries(dir: string): Map<number, CpuEntry> {
  const ticks = clockTicks();
  const out = new Map<number, CpuEntry>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const entry = parseStat(readFileSync(`${dir}/${name}/stat`, 'utf8'), ticks);
      if (entry) out.set(Number(name), entry);
    } catch {
      // It exited between the listing and the read.
    }
  }
  return out;
}

/** Every process's CPU so far, and each thread's of `threadsOf` (the worker). */
export function cpuSnapshot(threadsOf: number): CpuSnapshot {
  return { processes: readEntries('/proc'), threads: readEntries(`/proc/${threadsOf}/task`) };
}

/** The service's processes by role (`service.children()`), and the process running the benchmark. */
export interface ServicePids {
  worker: number;
  api?: number;
  temporal?: number;
  embeddedDb?: number;
  bench: number;
}

/** One row of the split: what it is and its CPU ms over the measurement. */
export interface CpuShare {
  part: string;
  ms: number;
}

/** Names of the rows, in the order they are printed. */
export const CPU_PARTS = {
  chromium: 'Chromium (the worker\'s browsers, every process of them)',
  workerMain: 'worker: main thread (activities, Puppeteer client, Temporal SDK)',
  workerWorkflows: 'worker: workflow thread(s) (the workflow sandbox)',
  workerOther: 'worker: other threads (Temporal core, V8 GC, libuv pool)',
  temporal: 'Temporal server',
  api: 'API process',
  database: 'PostgreSQL server (every postgres process) / embedded engine',
  bench: 'benchmark client (HTTP client, webhook receiver)',
  other: 'everything else on the machine',
} as const;

/**
 * CPU ms of each part of the service between two snapshots. A process belongs to the first role its
 * parent chain reaches (so Chromium's zygote and renderers count as the worker's Chromium, the Temporal
 * CLI's children as the server); `postgres` processes anywhere count as the database.
 */
export function splitCpu(before: CpuSnapshot, after: CpuSnapshot, pids: ServicePids): CpuShare[] {
  const ms = new Map<string, number>();
  const add = (part: string, v: number) => ms.set(part, (ms.get(part) ?? 0) + Math.max(0, v));
  const roleOf = (pid: number): string => {
    const seen = new Set<number>();
    for (let p = pid; p > 1 && !seen.has(p); p = after.processes.get(p)?.ppid ?? 0) {
      seen.add(p);
      if (p === pids.worker) return p === pid ? 'worker' : CPU_PARTS.chromium;
      if (p === pids.temporal) return CPU_PARTS.temporal;
      if (p === pids.api) return CPU_PARTS.api;
      if (p === pids.embeddedDb) return CPU_PARTS.database;
      if (p === pids.bench) return CPU_PARTS.bench;
    }
    return after.processes.get(pid)?.comm === 'postgres' ? CPU_PARTS.database : CPU_PARTS.other;
  };
  // Reaped children count where their parent does (the worker's, e.g. a recycled browser, as Chromium).
  const childrenPart = (role: string) => (role === 'worker' ? CPU_PARTS.chromium : role);
  // A child reaped meanwhile is in its parent's children time whole: take off what it had spent before.
  for (const [pid, then] of before.processes) {
    if (!after.processes.has(pid) && after.processes.has(then.ppid)) {
      const part = childrenPart(roleOf(then.ppid));
      ms.set(part, (ms.get(part) ?? 0) - then.cpuMs - (then.childrenMs ?? 0));
    }
  }
  for (const [pid, now] of after.processes) {
    const spent = now.cpuMs - (before.processes.get(pid)?.cpuMs ?? 0);
    const role = roleOf(pid);
    add(childrenPart(role), (now.childrenMs ?? 0) - (before.processes.get(pid)?.childrenMs ?? 0));
    if (role !== 'worker') {
      add(role, spent);
      continue;
    }
    let threaded = 0;
    for (const [tid, thread] of after.threads) {
      const t = thread.cpuMs - (before.threads.get(tid)?.cpuMs ?? 0);
      threaded += t;
      add(thread.comm === 'MainThread' || tid === pid ? CPU_PARTS.workerMain : thread.comm === 'WorkerThread' ? CPU_PARTS.workerWorkflows : CPU_PARTS.workerOther, t);
    }
    add(CPU_PARTS.workerOther, spent - threaded); // threads that exited meanwhile
  }
  return Object.values(CPU_PARTS).map((part) => ({ part, ms: ms.get(part) ?? 0 }));
}

/** A measurement window over every process's CPU: `MeasureOptions.observe`'s two calls, and the split between them. */
export interface CpuWindow {
  /** Snapshots every process (and the worker's threads) as the measured operations start. */
  start(): void;
  /** Snapshots them again once the measured operations have ended. */
  end(): void;
  /** CPU ms of each part between the two snapshots (`splitCpu`); empty until both were taken. */
  shares(): CpuShare[];
}

/** A window over `pids`' parts, the worker's threads read from `/proc/<pids.worker>/task`. */
export function cpuWindow(pids: ServicePids): CpuWindow {
  let before: CpuSnapshot | undefined;
  let after: CpuSnapshot | undefined;
  return {
    start: () => void (before = cpuSnapshot(pids.worker)),
    end: () => void (after = cpuSnapshot(pids.worker)),
    shares: () => (before && after ? splitCpu(before, after, pids) : []),
  };
}
