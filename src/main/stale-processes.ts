/**
 * At start, `npm start` looks for processes that an earlier `npm start` on the same var/ left running
 * (from the PID files in `<var>/run`, src/main/pid-files.ts) and stops them before it starts its own:
 * a dev server still holding its port and `dev.db`, an embedded database still holding `pgdata.lock`.
 * Children normally stop by themselves when their `npm start` dies (src/main/parent-watch.ts,
 * src/main/watchdog.ts); this catches the rest (a watchdog killed together with its supervisor, a
 * start made while the old children are still shutting down).
 */
import path from 'node:path';
import { isRunningAs, readPidFiles, removePidFile, SUPERVISOR_PID_FILE } from './pid-files.js';
import type { ProcessIdentity } from './managed-process.js';

/** Options of {@link stopStaleProcesses}; times in ms. */
export interface StaleProcessOptions {
  /** Time left processes get to stop by themselves (they do when their parent died). @default 5000 */
  exitWaitMs?: number;
  /** Time between SIGTERM and SIGKILL. @default 15000 */
  graceMs?: number;
}

interface Stale extends ProcessIdentity {
  /** e.g. `worker`, `temporal (watchdog)`. */
  label: string;
}

/**
 * Stops what an earlier `npm start` on `runDir` left running, telling `say` what it found and did,
 * and deletes its PID files. Processes whose PID now belongs to another program are left alone.
 * @throws Error when the earlier `npm start` itself still runs (two supervisors on one var/ would
 *   fight over ports, the dev server's state and the database directory).
 */
export async function stopStaleProcesses(runDir: string, say: (msg: string) => void, options: StaleProcessOptions = {}): Promise<void> {
  const files = await readPidFiles(runDir);
  const supervisor = files.get(SUPERVISOR_PID_FILE);
  if (supervisor && supervisor.pid !== process.pid && (await isRunningAs(supervisor))) {
    throw new Error(`another npm start (pid ${supervisor.pid}) is running on ${path.dirname(runDir)}: stop it first (Ctrl-C in its terminal, or kill ${supervisor.pid})`);
  }
  const stale: Stale[] = [];
  for (const [name, file] of files) {
    if (name === SUPERVISOR_PID_FILE) continue;
    for (const [identity, label] of [[file, name], [file.watchdog, `${name} (watchdog)`]] as const) {
      if (!identity) continue;
      const running = await isRunningAs(identity);
      if (running) stale.push({ ...identity, label });
      else if (running === undefined) say(`cannot tell whether ${label} (pid ${identity.pid}) of an earlier start still runs: no /proc and no ps; if it does, stop it`);
    }
  }
  if (stale.length) {
    say(`an earlier npm start${supervisor ? ` (pid ${supervisor.pid})` : ''} left running: ${stale.map((s) => `${s.label} (pid ${s.pid})`).join(', ')}; stopping them`);
    let left = await waitForExit(stale, options.exitWaitMs ?? 5_000);
    for (const s of left) signal(s.pid, 'SIGTERM');
    left = await waitForExit(left, options.graceMs ?? 15_000);
    for (const s of left) {
      say(`${s.label} (pid ${s.pid}) did not stop on SIGTERM: SIGKILL`);
      signal(s.pid, 'SIGKILL');
    }
    left = await waitForExit(left, 5_000);
    if (left.length) throw new Error(`could not stop ${left.map((s) => `${s.label} (pid ${s.pid})`).join(', ')} left by an earlier npm start`);
    say(`stopped what the earlier npm start left running`);
  }
  for (const name of files.keys()) await removePidFile(runDir, name);
}

/** Polls every 100 ms until none of `processes` runs or `timeoutMs` passes; returns those still running. */
async function waitForExit(processes: Stale[], timeoutMs: number): Promise<Stale[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processes;
  for (;;) {
    const running = await Promise.all(left.map((p) => isRunningAs(p)));
    left = left.filter((_, i) => running[i]);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone meanwhile.
  }
}
