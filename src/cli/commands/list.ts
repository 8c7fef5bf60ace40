/**
 * `reportflow list`: the tenant's report requests, newest first, as a table (id, report code, status,
 * created at); filters map one to one onto the query of `GET /v1/report-generate-requests`.
 */
import type { Command } from 'commander';
import { apiClient, type GlobalOptions } from '../connect.js';
import { reportFailure } from '../format.js';
import { EXIT, type CliIo, type ExitCode } from '../io.js';
import { addPageOptions, fetchPages, printPage, type Column, type PageOptions } from '../pages.js';
import type { RunBody } from '../wire-types.js';

interface ListOptions extends GlobalOptions, PageOptions {
  status?: string;
  reportCode?: string;
  customer?: string;
  createdFrom?: string;
  createdTo?: string;
}

const COLUMNS: Column<RunBody>[] = [
  ['id', (r) => r.id],
  ['report_code', (r) => r.report_code],
  ['status', (r) => r.status],
  ['created_at', (r) => r.created_at],
];

/** Adds `list` to `program`; its action reports its exit code through `done`. */
export function registerList(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const list = program
    .command('list')
    .description('list report requests, newest first')
    .option('--status <statuses>', 'only these statuses, comma-separated, e.g. RUNNING,PENDING')
    .option('--report-code <codes>', 'only these report codes, comma-separated')
    .option('--customer <id>', 'only requests for this customer id')
    .option('--created-from <instant>', 'only requests created at or after this ISO-8601 instant')
    .option('--created-to <instant>', 'only requests created before this ISO-8601 instant');
  addPageOptions(list, 'requests')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<ListOptions>();
      try {
        const client = apiClient(opts, io.config);
        const page = await fetchPages(
          (cursor) =>
            client.listRequests({
              limit: opts.limit,
              cursor,
              status: opts.status?.toUpperCase(),
              report_code: opts.reportCode?.toUpperCase(),
              customer_id: opts.customer,
              created_from: opts.createdFrom,
              created_to: opts.createdTo,
            }),
          opts,
        );
        printPage(page, COLUMNS, opts, io, 'report requests');
        done(EXIT.OK);
      } catch (err) {
        done(reportFailure(err, io.stderr));
      }
    });
}
