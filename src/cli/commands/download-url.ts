/**
 * `reportflow download-url <id>`: a signed link to a report that works without credentials until it
 * expires. The URL alone goes to stdout (for `curl "$(reportflow download-url …)"`), its expiry to stderr.
 */
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { reportFailure } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';

/** Adds `download-url` to `program`; its action reports its exit code through `done`. */
export function registerDownloadUrl(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('download-url')
    .description('print a signed download URL for a report (no credentials needed until it expires)')
    .argument('<id>', 'report id (the request id)')
    .option('--json', 'print the API\'s JSON ({url, expires_at})')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      try {
        const link = await apiClient(opts, io.config).downloadUrl(id);
        if (opts.json) io.stdout.write(JSON.stringify(link, null, 2) + '\n');
        else {
          io.stdout.write(`${link.url}\n`);
          io.stderr.write(`expires ${link.expires_at}\n`);
        }
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}
