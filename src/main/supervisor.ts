/**
 * `npm start`'s process supervisor: starts children in order, restarts one that dies with a capped
 * exponential backoff while the others keep running (src/main/restart-policy.ts), gives up on a crash
 * loop, records every child's PID in `<var>/run` (src/main/pid-files.ts), and stops them all in
 * reverse order. Modelled on systemd's `Restart=on-failure` with a start limit, and on gotenberg's
 * supervised Chromium.
 *
 * A child is supervised once it has been ready once: one that fails during the first start fails the
 * start (most likely a port in use or a bad setting, which a restart would not mend).
 */
import type { Logger } from './logger.js';
import { describeExit, ManagedProcess, type ManagedProcessOptions, type ProcessExit } from './managed-process.js';
import { removePidFile, writePidFile } from './pid-files.js';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  policy: RestartPolicyOptions;
  /** Where the PID files go (`<var>/run`). */
  runDir: string;
  log: Logger;
  /** Plain lines for the terminal (`[start] …`). */
  say: (msg: string) => void;
  /** Called once when a child crash-loops, with the reason; the caller then stops everything. */
  onCrashLoop: (reason: string) => void;
  /** Clock for the restart policy, ms since the epoch. @default Date.now */
  now?: () => number;
}

interface Child {
  process: ManagedProcess;
  policy: RestartPolicy;
  /** Ready once: from then on a crash is restarted. */
  supervised: boolean;
  /** A pending restart. */
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {}

  /**
   * Starts a child, resolves once it is ready, and from then on restarts it when it dies.
   * @throws Error when it exits before it is ready or is not ready in time.
   */
  async start(spec: ManagedProcessOptions): Promise<void> {
    if (this.stopping) throw new Error(`not starting ${spec.name}: stopping`);
    const child: Child = { process: new ManagedProcess(spec), policy: new RestartPolicy(this.options.policy, this.options.now), supervised: false };
    this.children.push(child);
    child.process.onUnexpectedExit((exit) => this.onCrash(child, exit));
    await child.process.start();
    child.supervised = true;
    await this.record(child);
  }

  /**
   * Stops every child, the last started first (API → worker → database → Temporal), and cancels
   * pending restarts; each is given `graceMs` after SIGTERM before SIGKILL.
   */
  async stopAll(graceMs?: number): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children].reverse()) {
      clearTimeout(child.timer);
      const exit = await child.process.stop(graceMs);
      this.options.say(`${child.process.name} stopped (${exit ? describeExit(exit) : 'was not running'})`);
      await removePidFile(this.options.runDir, child.process.name);
    }
  }

  private onCrash(child: Child, exit: ProcessExit): void {
    if (this.stopping || !child.supervised) return;
    const { name } = child.process;
    const fields = { child: name, childPid: exit.pid, code: exit.code, signal: exit.signal };
    const decision = child.policy.onCrash();
    if (decision.action === 'give-up') {
      const reason = `${name} exited (${describeExit(exit)}) for the ${ordinal(decision.crashes)} time within ${decision.windowMs / 1000} s, `
        + `more than the ${decision.limit} restarts REPORTFLOW_RESTART_LIMIT allows in REPORTFLOW_RESTART_WINDOW_MS: a crash loop; stopping everything`;
      this.options.log.error({ ...fields, crashes: decision.crashes, windowMs: decision.windowMs }, reason);
      this.options.onCrashLoop(reason);
      return;
    }
    this.options.log.warn({ ...fields, attempt: decision.attempt, delayMs: decision.delayMs },
      `${name} exited unexpectedly (${describeExit(exit)}); restart ${decision.attempt} of at most ${this.options.policy.limit} in ${decision.delayMs} ms`);
    child.timer = setTimeout(() => void this.restart(child, decision.attempt), decision.delayMs);
  }

  private async restart(child: Child, attempt: number): Promise<void> {
    child.timer = undefined;
    if (this.stopping) return;
    const { name } = child.process;
    const started = Date.now();
    try {
      await child.process.start();
    } catch (err) {
      // It died before it was ready, or was killed for not being ready in time: onCrash has it.
      this.options.log.warn({ child: name, attempt, err: (err as Error).message }, `${name} did not come back: ${(err as Error).message}`);
      return;
    }
    if (this.stopping) return;
    await this.record(child);
    this.options.log.warn({ child: name, childPid: child.process.program?.pid, attempt, startMs: Date.now() - started }, `${name} restarted (pid ${child.process.program?.pid})`);
  }

  private async record(child: Child): Promise<void> {
    const { program, watchdog } = child.process;
    if (!program) return;
    await writePidFile(this.options.runDir, child.process.name, { ...program, ...(watchdog ? { watchdog } : {}) });
  }
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}
