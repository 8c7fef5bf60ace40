/**
 * `reportflow configurations list|get|create|update|delete`: saved report configurations (presets)
 * through the HTTP API. A preset is written as a JSON file with the API's field names; run one with
 * `reportflow generate --configuration <id>`.
 *
 *   reportflow configurations create uk-bulk.json     # {"name": "UK bulk", "report_code": "INVOICE_LINES", "format": "CSV", …}
 *   reportflow configurations update <id> changes.json
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../connect.js';
import type { CliIo, ExitCode } from '../io.js';
import { jsonFile } from '../json-file.js';
import { fetchPages } from '../pages.js';
import { resourceActions } from '../resource-action.js';
import { resourceCall, type ResourceJson } from '../resource-call.js';
import type { PageBody } from '../wire-types.js';

type Options = GlobalOptions & { json?: boolean; reportCode?: string; name?: string };

export function registerConfigurations(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const cmd = program.command('configurations').description('saved report configurations (presets): list, get, create, update, delete');
  const act = resourceActions<Options>(io, done);
  const call = (opts: GlobalOptions, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => resourceCall(opts, io.config, method, '/v1/report-configurations', path, body);

  cmd.command('list').description('list configurations, oldest first (every page)')
    .option('--report-code <code>', 'only this report')
    .option('--name <text>', 'only names containing this text (any case)')
    .option('--json', 'print the API\'s JSON (every item in one page)')
    .action(act(async (o) => {
      const query = (cursor: string | undefined) => new URLSearchParams({ limit: '100', ...(o.reportCode ? { report_code: o.reportCode } : {}), ...(o.name ? { name: o.name } : {}), ...(cursor ? { cursor } : {}) }).toString();
      return fetchPages(async (cursor) => (await call(o, 'GET', `?${query(cursor)}`)) as PageBody<ResourceJson>, { all: true });
    }, (r) => ((r?.items ?? []) as ResourceJson[]).map((c) => `${c.id}  v${c.version}  ${c.report_code} ${c.format}  "${c.name}"\n`).join('') || 'no configurations\n'));

  cmd.command('get').description('show one configuration (its preset as saved)').argument('<id>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id]) => call(o, 'GET', `/${encodeURIComponent(id!)}`), (r) => detailText(r!)));

  cmd.command('create').description('save a configuration from a JSON file (name, report_code, format, and any request field)').argument('<file>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [file]) => call(o, 'POST', '', await jsonFile(file!)), (r) => detailText(r!)));

  cmd.command('update').description('change a configuration: each field in the JSON file replaces the saved one').argument('<id>').argument('<file>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id, file]) => call(o, 'PATCH', `/${encodeURIComponent(id!)}`, await jsonFile(file!)), (r) => detailText(r!)));

  cmd.command('delete').description('delete a configuration (runs made from it keep naming it)').argument('<id>')
    .action(act(async (o, [id]) => call(o, 'DELETE', `/${encodeURIComponent(id!)}`), () => 'deleted\n'));
}

/** The configuration as aligned `label  value` lines; its preset's other fields as JSON. */
function detailText(c: ResourceJson): string {
  const { id, name, version, report_code, format, created_at: _c, updated_at: _u, links: _l, ...rest } = c;
  const rows: [string, string][] = [['id', String(id)], ['name', String(name)], ['version', String(version)], ['report', `${report_code} · ${format}`]];
  for (const [key, value] of Object.entries(rest)) rows.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  return rows.map(([k, v]) => `${k.padEnd(16)} ${v}\n`).join('');
}
