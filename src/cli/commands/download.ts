/**
 * `reportflow download <id> [--out file]`: saves a finished report, verifying its sha256.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { humanSize, reportFailure, shortSha } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';

export function registerDownload(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('download')
    .description('save a finished report (sha256 verified)')
    .argument('<id>', 'request id')
    .option('-o, --out <file>', 'where to save it (default: the report\'s file name)')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { out?: string }>();
      try {
        const saved = await apiClient(opts, io.config).download(id, (name) => path.resolve(opts.out ?? name ?? `${id}.report`));
        io.stdout.write(`saved ${path.relative(process.cwd(), saved.path) || saved.path} (${humanSize(saved.sizeBytes)}, sha256 ${shortSha(saved.sha256)} verified)\n`);
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}
