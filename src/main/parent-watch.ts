/**
 * Lets a child of `npm start` stop when `npm start` dies, however it dies (even SIGKILL, which no
 * handler sees): the supervisor gives each child an IPC channel (src/main/managed-process.ts), and the
 * kernel closes it when the supervisor's process ends.
 */

/** How long the graceful stop may take before the process exits anyway, in ms (the worker's own force time is 45 s). */
const FORCE_EXIT_MS = 60_000;

/**
 * When this process has an IPC channel to a parent (it was started by `npm start`) and the channel
 * closes, sends this process SIGTERM, so it stops through its usual graceful path, and exits with
 * code 1 if that takes longer than 60 s. Does nothing for a process started otherwise (e.g.
 * `npm run worker` under systemd). The channel does not keep the process alive.
 */
export function exitWhenParentDies(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => {
    ignoreOutputErrors();
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
  });
}

/**
 * Makes writes to stdout/stderr harmless once nobody reads them: the supervisor held the other end
 * of both pipes, and without a listener the EPIPE of the next log line is an uncaught exception that
 * would end the graceful stop half-way (tried: a write after the supervisor was SIGKILLed raised one).
 */
export function ignoreOutputErrors(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}
