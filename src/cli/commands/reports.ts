/**
 * `reportflow reports list|delete`: the report files runs produced (a report's id is its request's
 * id). Deleting removes the file; the record stays with `deleted_at`, shown by `list --include-deleted`.
 */
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { humanSize, reportFailure } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';
import { addPageOptions, fetchPages, printPage, type Column, type PageOptions } from '../pages.js';
import type { ReportBody } from '../wire-types.js';

interface ReportListOptions extends GlobalOptions, PageOptions {
  reportCode?: string;
  customer?: string;
  createdFrom?: string;
  createdTo?: string;
  includeDeleted?: boolean;
}

const COLUMNS: Column<ReportBody>[] = [
  ['id', (r) => r.id],
  ['report_code', (r) => r.report_code],
  ['file_name', (r) => r.file_name],
  ['size', (r) => humanSize(r.size_bytes)],
  ['created_at', (r) => r.created_at],
  ['deleted_at', (r) => r.deleted_at ?? '-'],
];

/** Adds `reports list` and `reports delete` to `program`; their actions report the exit code through `done`. */
export function registerReports(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const reports = program.command('reports').description('report files: list, delete');

  const list = reports
    .command('list')
    .description('list report files, newest first')
    .option('--report-code <codes>', 'only these report codes, comma-separated')
    .option('--customer <id>', 'only reports for this customer id')
    .option('--created-from <instant>', 'only reports created at or after this ISO-8601 instant')
    .option('--created-to <instant>', 'only reports created before this ISO-8601 instant')
    .option('--include-deleted', 'also list deleted reports (their records stay)');
  addPageOptions(list, 'reports')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<ReportListOptions>();
      try {
        const client = apiClient(opts, io.config);
        const page = await fetchPages(
          (cursor) =>
            client.listReports({
              limit: opts.limit,
              cursor,
              report_code: opts.reportCode?.toUpperCase(),
              customer_id: opts.customer,
              created_from: opts.createdFrom,
              created_to: opts.createdTo,
              include_deleted: opts.includeDeleted ? true : undefined,
            }),
          opts,
        );
        printPage(page, COLUMNS, opts, io, 'reports');
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });

  reports
    .command('delete')
    .description('delete a report file (repeatable); its record stays, with deleted_at')
    .argument('<id>', 'report id (the request id)')
    .option('--json', 'print the API\'s JSON')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<GlobalOptions & { json?: boolean }>();
      try {
        const report = await apiClient(opts, io.config).deleteReport(id);
        io.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : `deleted ${report.file_name} (report ${report.id}) at ${report.deleted_at ?? '?'}\n`);
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}
