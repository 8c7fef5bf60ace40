/**
 * A child process supervised by `npm start`: its output is prefixed with its name, readiness is
 * detected from a line it prints, and it is stopped with SIGTERM then, after a grace period, SIGKILL.
 * Children run in their own process group so one Ctrl-C reaches only the supervisor, which then stops
 * them in order (API → worker → database → Temporal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** A line matching this marks the process ready. */
  readyLine: RegExp;
  /** Give up waiting for readiness after this many ms. @default 120000 */
  readyTimeoutMs?: number;
  /** Lines matching this are not echoed (noise). */
  quietLine?: RegExp;
}

export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<number>;
  private stopping = false;

  constructor(private readonly options: ManagedProcessOptions) {}

  get name(): string {
    return this.options.name;
  }

  /**
   * Starts the process and resolves once it prints its ready line.
   * @throws Error when it exits first or is not ready within `readyTimeoutMs`.
   */
  async start(onUnexpectedExit: (name: string, code: number) => void): Promise<void> {
    const { name, command, args, env, cwd, readyLine, quietLine } = this.options;
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${this.options.readyTimeoutMs ?? 120_000} ms`)), this.options.readyTimeoutMs ?? 120_000);
      const onLine = (line: string) => {
        if (readyLine.test(line)) {
          clearTimeout(timer);
          resolve();
        }
        if (!quietLine?.test(line)) process.stdout.write(`[${name}] ${line}\n`);
      };
      createInterface({ input: child.stdout! }).on('line', onLine);
      createInterface({ input: child.stderr! }).on('line', onLine);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      void this.exited!.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with code ${code} before it was ready`));
        if (!this.stopping) onUnexpectedExit(name, code);
      });
    });
    await ready;
  }

  /** Stops the process: SIGTERM to its group, SIGKILL after `graceMs`. Resolves with its exit code. */
  async stop(graceMs = 15_000): Promise<number> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return (await this.exited) ?? 0;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    const code = await this.exited!;
    clearTimeout(timer);
    return code;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
