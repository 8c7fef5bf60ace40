/**
 * `reportflow status <id>`: the state of one run, as text or `--json`.
 */
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { errorLines, reportFailure, reportLine } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';
import type { RunBody } from '../wire-types.js';

export function registerStatus(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('status')
    .description('show the state of a report request')
    .argument('<id>', 'request id printed by `reportflow generate`')
    .option('--json', 'print the API\'s JSON')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      try {
        const run = await apiClient(opts, io.config).getRequest(id);
        io.stdout.write(opts.json ? JSON.stringify(run, null, 2) + '\n' : statusText(run));
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}

/** The run as aligned `label  value` lines. */
export function statusText(run: RunBody): string {
  const params = run.parameter_values.map((p) => `${p.name}=${String(p.value)}`).join(' ');
  const rows: [string, string][] = [
    ['id', run.id],
    ['status', run.stage ? `${run.status} (stage ${run.stage})` : run.status],
    ['report', `${run.report_code}${params ? ' ' + params : ''} · ${run.format} ${run.language} ${run.timezone}${run.customer_id ? ` · customer ${run.customer_id}` : ''}`],
    ['created', run.created_at],
  ];
  if (run.completed_at) rows.push(['completed', run.completed_at]);
  if (run.report) {
    rows.push(['file', `${run.report.file_name} ${reportLine(run.report)}`]);
    rows.push(['download', run.report.download_url]);
  }
  let text = rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n') + '\n';
  if (run.error) text += `${'error'.padEnd(10)} ${errorLines(run.error).replace(/\n(?=.)/g, '\n           ')}`;
  if (run.notify_error) text += `${'webhook'.padEnd(10)} ${errorLines(run.notify_error).replace(/\n(?=.)/g, '\n           ')}`;
  return text;
}
