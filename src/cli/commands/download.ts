/**
 * `reportflow download <id> [--out file]`: saves a finished report, verifying its sha256. Also the
 * action of every command that saves one file by id (`bulk zip`).
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { DownloadResult, ReportflowClient } from '../api-client.js';
import { apiClient, type GlobalOptions } from '../connect.js';
import { humanSize, reportFailure, shortSha } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';

export function registerDownload(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('download')
    .description('save a finished report (sha256 verified)')
    .argument('<id>', 'request id')
    .option('-o, --out <file>', 'where to save it (default: the report\'s file name)')
    .action(saveFileAction(io, done, (client, id, choosePath) => client.download(id, choosePath), (id) => `${id}.report`));
}

/**
 * The action of a command `<id> [-o file]` that saves one file: `save` streams it to the path it is given
 * (`--out`, else the server's file name, else `fallbackName(id)`); prints where, its size and sha256.
 * Exits 0, or with the code of the API's or the network's failure.
 */
export function saveFileAction(
  io: CliIo,
  done: (code: ExitCode) => void,
  save: (client: ReportflowClient, id: string, choosePath: (fileName: string | undefined) => string) => Promise<DownloadResult>,
  fallbackName: (id: string) => string,
) {
  return async (id: string, _opts: unknown, command: Command): Promise<void> => {
    const opts = command.optsWithGlobals<GlobalOptions & { out?: string }>();
    try {
      const saved = await save(apiClient(opts, io.config), id, (name) => path.resolve(opts.out ?? name ?? fallbackName(id)));
      io.stdout.write(`saved ${path.relative(process.cwd(), saved.path) || saved.path} (${humanSize(saved.sizeBytes)}, sha256 ${shortSha(saved.sha256)} verified)\n`);
      done(EXIT.OK);
    } catch (err) {
      done(reportFailure(err, io.stderr));
    }
  };
}
