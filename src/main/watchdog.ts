/**
 * `node --import tsx src/main/watchdog.ts <program> [args…]`: runs a program that cannot notice by
 * itself that `npm start` died (the Temporal CLI's dev server, a Go binary we do not build), and stops
 * it when `npm start` dies, even by SIGKILL. Used by src/main/managed-process.ts (`watchdog: true`).
 *
 * - Tells the supervisor the program's PID over the IPC channel (`WatchdogMessage`).
 * - Passes SIGTERM, SIGINT and SIGHUP on to the program.
 * - When the IPC channel closes (the kernel closes it when the supervisor dies): SIGTERM to the
 *   program, SIGKILL after {@link GRACE_MS}.
 * - Exits the way the program exited: the same exit code, or killed by the same signal, so the
 *   supervisor logs what happened to the program.
 *
 * A process rather than a PID file checked at the next start, so the program stops when `npm start`
 * does and not whenever someone next starts it; a Node script rather than Linux's PR_SET_PDEATHSIG
 * (`setpriv --pdeathsig`), so it works on macOS too. It costs one idle Node process (~80 MiB RSS).
 * The program's output goes straight to the supervisor (inherited descriptors, no copying).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { ignoreOutputErrors } from './parent-watch.js';
import type { WatchdogMessage } from './watchdog-message.js';

/** How long the program may take to stop after the supervisor died, in ms. */
const GRACE_MS = 10_000;
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node --import tsx src/main/watchdog.ts <program> [args…]\n');
  process.exit(2);
}

const program = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (program.pid) process.send?.({ type: 'program-pid', pid: program.pid } satisfies WatchdogMessage);

for (const signal of FORWARDED) process.on(signal, () => program.kill(signal));
process.channel?.unref();
process.on('disconnect', () => {
  ignoreOutputErrors();
  program.kill('SIGTERM');
  setTimeout(() => program.kill('SIGKILL'), GRACE_MS).unref();
});

program.on('error', (err) => {
  process.stderr.write(`watchdog: cannot run ${command}: ${err.message}\n`);
  process.exit(127);
});
program.on('exit', (code, signal) => {
  if (!signal) process.exit(code ?? 1);
  for (const s of FORWARDED) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  // A signal whose default action does not end a process: exit as a shell reports a signal death.
  setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
});
