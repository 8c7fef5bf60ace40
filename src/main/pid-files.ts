/**
 * PID files of `npm start` and its children in `<var>/run/`: `start.pid` for the supervisor and
 * `<child>.pid` for each child (`temporal`, `embedded-db`, `worker`, `api`), rewritten at each restart.
 * Each holds JSON `{ "pid": 123, "argv": [...] }` (plus `"watchdog"` for a program run under one), so
 * a later start can tell a process it left behind from an unrelated one that reuses its PID.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ProcessIdentity } from './managed-process.js';
import { isAlive } from '../platform/process-alive.js';

/** What one PID file holds. */
export interface PidFile extends ProcessIdentity {
  /** The watchdog the program runs under, if any. */
  watchdog?: ProcessIdentity;
}

/** The supervisor's own file name in the run directory. */
export const SUPERVISOR_PID_FILE = 'start';

/** Writes `<runDir>/<name>.pid` (atomically enough: it is small and rewritten whole). */
export async function writePidFile(runDir: string, name: string, content: PidFile): Promise<void> {
  await mkdir(runDir, { recursive: true });
  await writeFile(path.join(runDir, `${name}.pid`), `${JSON.stringify(content)}\n`);
}

/** Deletes `<runDir>/<name>.pid`; no error when it is missing. */
export async function removePidFile(runDir: string, name: string): Promise<void> {
  await rm(path.join(runDir, `${name}.pid`), { force: true });
}

/** Every readable PID file in `runDir` by name (without `.pid`); unreadable or malformed ones are skipped. */
export async function readPidFiles(runDir: string): Promise<Map<string, PidFile>> {
  const out = new Map<string, PidFile>();
  const names = await readdir(runDir).catch(() => [] as string[]);
  for (const file of names.filter((n) => n.endsWith('.pid'))) {
    try {
      const parsed = JSON.parse(await readFile(path.join(runDir, file), 'utf8')) as PidFile;
      if (isIdentity(parsed) && (parsed.watchdog === undefined || isIdentity(parsed.watchdog))) out.set(file.slice(0, -'.pid'.length), parsed);
    } catch {
      // A file cut short by a crash names nothing we could check: ignore it.
    }
  }
  return out;
}

/**
 * Whether the process `identity` names still runs as that same program: the PID is alive and its
 * command line is the recorded one. `undefined` when the command line cannot be read (neither
 * `/proc` nor `ps`), so the caller can say so instead of guessing.
 */
export async function isRunningAs(identity: ProcessIdentity): Promise<boolean | undefined> {
  if (!isAlive(identity.pid)) return false;
  const cmdline = await readFile(`/proc/${identity.pid}/cmdline`, 'utf8').catch(() => undefined);
  // A zombie (or a process gone meanwhile) has an empty command line.
  if (cmdline !== undefined) return cmdline.replace(/\0$/, '') === identity.argv.join('\0');
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'command=', '-p', String(identity.pid)]);
    return stdout.trim() === identity.argv.join(' ');
  } catch (err) {
    return (err as { code?: unknown }).code === 1 ? false : undefined; // ps exits 1 when the PID is gone
  }
}

/** This process as {@link isRunningAs} will see it later (the command line as the OS shows it, not Node's resolved `process.argv`). */
export async function ownIdentity(): Promise<ProcessIdentity> {
  const cmdline = await readFile('/proc/self/cmdline', 'utf8').catch(() => undefined);
  if (cmdline !== undefined) return { pid: process.pid, argv: cmdline.replace(/\0$/, '').split('\0') };
  const { stdout } = await promisify(execFile)('ps', ['-o', 'command=', '-p', String(process.pid)]).catch(() => ({ stdout: '' }));
  return { pid: process.pid, argv: stdout.trim() ? [stdout.trim()] : [process.execPath, ...process.execArgv, ...process.argv.slice(1)] };
}


function isIdentity(value: unknown): value is ProcessIdentity {
  const v = value as Partial<ProcessIdentity> | null;
  return typeof v === 'object' && v !== null && Number.isInteger(v.pid) && (v.pid ?? 0) > 0 && Array.isArray(v.argv) && v.argv.every((a) => typeof a === 'string');
}
