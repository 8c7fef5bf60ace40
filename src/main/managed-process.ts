/**
 * One child process of `npm start`, started again each time its supervisor (src/main/supervisor.ts)
 * asks: its output is prefixed with its name, readiness is detected from a line it prints, and it is
 * stopped with SIGTERM then, after a grace period, SIGKILL of its whole process group.
 *
 * Children run in their own process group, so one Ctrl-C reaches only the supervisor, which stops them
 * in order. That also means they would outlive a supervisor killed with SIGKILL, so each child gets an
 * IPC channel from the supervisor: the kernel closes it when the supervisor dies, however it dies, and
 * the child then stops itself (src/main/parent-watch.ts). A program that cannot watch the channel (the
 * Temporal CLI) runs under src/main/watchdog.ts, which watches it and stops the program.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nodeArgsFor } from './entry-points.js';
import { isWatchdogMessage } from './watchdog-message.js';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** A line matching this marks the process ready. */
  readyLine: RegExp;
  /** Give up waiting for readiness after this many ms (the process is then killed). @default 120000 */
  readyTimeoutMs?: number;
  /** Lines matching this are not echoed (noise). */
  quietLine?: RegExp;
  /**
   * Run the program under src/main/watchdog.ts, for a program that does not stop by itself when
   * `npm start` dies (anything but reportflow's own Node entry points, which call `exitWhenParentDies`).
   */
  watchdog?: boolean;
}

/** How one run of the process ended. */
export interface ProcessExit {
  /** PID of the program (under a watchdog: the program's, not the watchdog's). */
  pid: number | undefined;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A process as the operating system shows it: enough to recognise it later, when a PID alone may have been reused. */
export interface ProcessIdentity {
  pid: number;
  /** The argument vector it was started with (`/proc/<pid>/cmdline`). */
  argv: string[];
}


export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<ProcessExit>;
  private stopRequested = false;
  /** PID of the program under the watchdog, as the watchdog reported it. */
  private programPid?: number;
  private readonly exitListeners: ((exit: ProcessExit) => void)[] = [];

  constructor(private readonly options: ManagedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  /** True from `start()` until the process exits. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The program (under a watchdog: the program, not the watchdog), while running. */
  get program(): ProcessIdentity | undefined {
    const pid = this.options.watchdog ? this.programPid : this.child?.pid;
    return this.running && pid ? { pid, argv: [this.options.command, ...this.options.args] } : undefined;
  }

  /** The watchdog of a program run under one, while running. */
  get watchdog(): ProcessIdentity | undefined {
    const pid = this.child?.pid;
    return this.running && this.options.watchdog && pid ? { pid, argv: this.argv() } : undefined;
  }

  /** Calls `listener` whenever the process exits without `stop()` having asked it to (a crash). */
  onUnexpectedExit(listener: (exit: ProcessExit) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * Starts the process and resolves once it prints its ready line.
   * @throws Error when it exits first, or is not ready within `readyTimeoutMs` (it is then killed,
   *   which counts as an unexpected exit), or is already running.
   */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const { name, env, cwd, readyLine, quietLine } = this.options;
    const readyTimeoutMs = this.options.readyTimeoutMs ?? 120_000;
    const [command, ...args] = this.argv();
    this.stopRequested = false;
    this.programPid = undefined;
    const child = spawn(command!, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
    this.child = child;
    // A watchdog's program may print its ready line before its PID has come over the channel.
    const programKnown = new Promise<void>((resolve) => {
      if (!this.options.watchdog) resolve();
      child.on('message', (message) => {
        if (!isWatchdogMessage(message)) return;
        this.programPid = message.pid;
        resolve();
      });
    });
    this.exited = new Promise<ProcessExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => resolve({ pid: this.options.watchdog ? this.programPid : child.pid, code, signal });
      child.on('exit', done);
      // A spawn that fails (e.g. ENOENT) may emit only 'error'.
      child.on('error', () => (child.pid === undefined ? done(null, null) : undefined));
    });
    void this.exited.then((exit) => {
      if (this.stopRequested) return;
      // What the child left behind in its process group (e.g. the program under a watchdog killed with SIGKILL).
      signalGroup(child, 'SIGKILL');
      for (const listener of this.exitListeners) listener(exit);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${name} not ready after ${readyTimeoutMs} ms`));
        signalGroup(child, 'SIGKILL');
      }, readyTimeoutMs);
      const onLine = (line: string) => {
        if (readyLine.test(line)) {
          void programKnown.then(() => {
            clearTimeout(timer);
            resolve();
          });
        }
        if (!quietLine?.test(line)) process.stdout.write(`[${name}] ${line}\n`);
      };
      createInterface({ input: child.stdout! }).on('line', onLine);
      createInterface({ input: child.stderr! }).on('line', onLine);
      void this.exited!.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${describeExit(exit)}) before it was ready`));
      });
    });
  }

  /**
   * Stops the process: SIGTERM (a watchdog passes it on to its program), then SIGKILL to its process
   * group after `graceMs`. Resolves with how it ended, or `undefined` when it was not running.
   */
  async stop(graceMs = 15_000): Promise<ProcessExit | undefined> {
    this.stopRequested = true;
    const child = this.child;
    if (!child || !this.running) return undefined;
    child.kill('SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    const exit = await this.exited!;
    clearTimeout(timer);
    return exit;
  }

  private argv(): string[] {
    const { command, args, watchdog } = this.options;
    return watchdog ? [process.execPath, ...nodeArgsFor('watchdog'), command, ...args] : [command, ...args];
  }
}

/** `exit code 1`, `signal SIGKILL`. */
export function describeExit(exit: Pick<ProcessExit, 'code' | 'signal'>): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'failed to start' : `exit code ${exit.code}`;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}
