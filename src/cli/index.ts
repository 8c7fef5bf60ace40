/**
 * The `reportflow` command line: a thin client of the HTTP API (`REPORTFLOW_API_URL`).
 *
 *   reportflow generate INVOICE --param invoice_id=536365 --format pdf --wait
 *   reportflow status <id> | cancel <id> | list [--status RUNNING] [--all]
 *   reportflow download <id> [--out file] | download-url <id> | reports list | reports delete <id>
 *   reportflow definitions | subscriptions … | configurations … | templates … | generate --configuration <id> | generate --template <id>
 *
 * Exit codes: 0 done; 1 the API could not be reached (or another fault); 2 refused or the run failed.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/settings.js';
import { registerCancel } from './commands/cancel.js';
import { registerBulk } from './commands/bulk.js';
import { registerConfigurations } from './commands/configurations.js';
import { registerDefinitions } from './commands/definitions.js';
import { registerDownload } from './commands/download.js';
import { registerDownloadUrl } from './commands/download-url.js';
import { registerGenerate } from './commands/generate.js';
import { registerList } from './commands/list.js';
import { registerReports } from './commands/reports.js';
import { registerStatus } from './commands/status.js';
import { registerSubscriptions } from './commands/subscriptions.js';
import { registerTemplates } from './commands/templates.js';
import { EXIT, type CliIo, type ExitCode } from './io.js';

/**
 * Runs one CLI invocation in-process.
 * @param argv the arguments after the program name, e.g. `['status', '<id>']`.
 * @returns the exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  let code: ExitCode = EXIT.OK;
  const done = (c: ExitCode) => {
    code = c;
  };
  const program = new Command('reportflow')
    .description('Ask reportflow for reports and fetch them.')
    .option('--api-url <url>', `API base URL (default: REPORTFLOW_API_URL or ${io.config.cliApiUrl})`)
    .option('--api-key <key>', 'API key (default: REPORTFLOW_API_KEY, else <var>/api-key written by npm start)')
    .showHelpAfterError()
    // Settings made before the commands are added are inherited by them.
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  registerGenerate(program, io, done);
  registerStatus(program, io, done);
  registerCancel(program, io, done);
  registerList(program, io, done);
  registerDownload(program, io, done);
  registerDownloadUrl(program, io, done);
  registerReports(program, io, done);
  registerDefinitions(program, io, done);
  registerSubscriptions(program, io, done);
  registerConfigurations(program, io, done);
  registerBulk(program, io, done);
  registerTemplates(program, io, done);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.REFUSED;
    throw err;
  }
  return code;
}

/** Entry point: reads settings from the environment once and sets the process exit code. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = EXIT.REFUSED;
    return;
  }
  process.exitCode = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, config });
}

// `tsx src/cli/index.ts …` runs it directly; bin/reportflow.js imports it and calls main().
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void main();
}
