/**
 * `reportflow cancel <id>`: asks the API to cancel a run that has not finished, and prints the status
 * it answered with (cancellation is asynchronous: a running run may still show RUNNING).
 */
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { reportFailure } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';
import type { RunBody } from '../wire-types.js';

/** Adds `cancel` to `program`; its action reports its exit code through `done`. */
export function registerCancel(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('cancel')
    .description('cancel a report request that has not finished; prints its status')
    .argument('<id>', 'request id printed by `reportflow generate`')
    .option('--json', 'print the API\'s JSON')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      try {
        const run = await apiClient(opts, io.config).cancelRequest(id);
        io.stdout.write(opts.json ? JSON.stringify(run, null, 2) + '\n' : cancelText(run));
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}

/** `<id> CANCELLED`, or `<id> RUNNING (stage RENDER): cancellation requested` while it stops. */
export function cancelText(run: RunBody): string {
  if (run.status === 'CANCELLED') return `${run.id} CANCELLED\n`;
  return `${run.id} ${run.status}${run.stage ? ` (stage ${run.stage})` : ''}: cancellation requested\n`;
}
