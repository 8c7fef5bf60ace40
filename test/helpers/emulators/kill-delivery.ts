/**
 * Kills a delivery mid-way: runs test/helpers/emulators/deliver-child.ts in a child process and
 * SIGKILLs it (a worker host dying, no cleanup) as soon as one of its output lines satisfies `when`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { DeliveryChildInput } from './deliver-child.js';

/** When to kill, after `when` held. */
export interface KillOptions {
  /** Wait this long before the kill (e.g. for sent bytes to reach the server). @default 0 */
  delayMs?: number;
}

/**
 * @param when called with each `progress …` / `stage …` line the child prints; true kills it.
 * @returns the line the child was killed at, once the child has exited.
 * @throws Error when the delivery finishes or fails before `when` held.
 */
export async function killDeliveryWhen(input: DeliveryChildInput, when: (line: string) => boolean, options: KillOptions = {}): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'deliver-child.ts'), JSON.stringify(input)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let killedAt: string | undefined;
  let killed = false;
  let finished: string | undefined;
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('done ')) finished ??= line;
      if (killedAt === undefined && finished === undefined && when(line)) {
        killedAt = line;
        setTimeout(() => {
          killed = child.kill('SIGKILL');
        }, options.delayMs ?? 0);
      }
    }
  });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A `done` line before the kill landed means nothing was killed mid-way.
  if (finished !== undefined || !killed || killedAt === undefined) {
    throw new Error(`the delivery was not killed mid-way (${finished ?? 'exited on its own'}): ${stderr}`);
  }
  return killedAt;
}
