/**
 * `reportflow configurations list|get|create|update|delete`: saved report configurations (presets)
 * through the HTTP API. A preset is written as a JSON file with the API's field names; run one with
 * `reportflow generate --configuration <id>`.
 *
 *   reportflow configurations create uk-bulk.json     # {"name": "UK bulk", "report_code": "INVOICE_LINES", "format": "CSV", …}
 *   reportflow configurations create return.json --template <template id>   # runs the tenant template instead of a report code
 *   reportflow configurations update <id> changes.json
 *   reportflow configurations update <id> --template <template id>          # switch it to (another) template
 */
import type { Command } from 'commander';
import type { GlobalOptions } from '../connect.js';
import { UsageError, type CliIo, type ExitCode } from '../io.js';
import { jsonFile } from '../json-file.js';
import { fetchPages } from '../pages.js';
import { resourceActions } from '../resource-action.js';
import { resourceCall, type ResourceJson } from '../resource-call.js';
import type { PageBody } from '../wire-types.js';

type Options = GlobalOptions & { json?: boolean; reportCode?: string; name?: string; template?: string };

/** `body` running template `template` when given: its `template_id`, in place of any `report_code` of the file. */
function withTemplate(body: Record<string, unknown>, template: string | undefined): Record<string, unknown> {
  if (template === undefined) return body;
  const { report_code: _r, ...rest } = body;
  return { ...rest, template_id: template };
}

export function registerConfigurations(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const cmd = program.command('configurations').description('saved report configurations (presets): list, get, create, update, delete');
  const act = resourceActions<Options>(io, done);
  const call = (opts: GlobalOptions, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => resourceCall(opts, io.config, method, '/v1/report-configurations', path, body);

  cmd.command('list').description('list configurations, oldest first (every page)')
    .option('--report-code <code>', 'only this report')
    .option('--template <id>', 'only configurations of this template')
    .option('--name <text>', 'only names containing this text (any case)')
    .option('--json', 'print the API\'s JSON (every item in one page)')
    .action(act(async (o) => {
      const query = (cursor: string | undefined) => new URLSearchParams({ limit: '100', ...(o.reportCode ? { report_code: o.reportCode } : {}), ...(o.template ? { template_id: o.template } : {}), ...(o.name ? { name: o.name } : {}), ...(cursor ? { cursor } : {}) }).toString();
      return fetchPages(async (cursor) => (await call(o, 'GET', `?${query(cursor)}`)) as PageBody<ResourceJson>, { all: true });
    }, (r) => ((r?.items ?? []) as ResourceJson[]).map((c) => `${c.id}  v${c.version}  ${whatRuns(c)} ${c.format ?? ''}  "${c.name}"\n`).join('') || 'no configurations\n'));

  cmd.command('get').description('show one configuration (its preset as saved)').argument('<id>')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id]) => call(o, 'GET', `/${encodeURIComponent(id!)}`), (r) => detailText(r!)));

  cmd.command('create').description('save a configuration from a JSON file (name, report_code and format or template_id, and any request field)').argument('<file>')
    .option('--template <id>', 'run this tenant template (its current version at each run) instead of the file\'s report_code')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [file]) => call(o, 'POST', '', withTemplate(await jsonFile(file!), o.template)), (r) => detailText(r!)));

  cmd.command('update').description('change a configuration: each field in the JSON file (or --template) replaces the saved one').argument('<id>').argument('[file]')
    .option('--template <id>', 'run this tenant template from now on, in place of its report code or template')
    .option('--json', 'print the API\'s JSON')
    .action(act(async (o, [id, file]) => {
      if (!file && o.template === undefined) throw new UsageError('give a JSON file of changes, --template <id>, or both');
      return call(o, 'PATCH', `/${encodeURIComponent(id!)}`, withTemplate(file ? await jsonFile(file) : {}, o.template));
    }, (r) => detailText(r!)));

  cmd.command('delete').description('delete a configuration (runs made from it keep naming it)').argument('<id>')
    .action(act(async (o, [id]) => call(o, 'DELETE', `/${encodeURIComponent(id!)}`), () => 'deleted\n'));
}

/** What a configuration runs: `template <id>` or its report code. */
function whatRuns(c: ResourceJson): string {
  return c.template_id ? `template ${String(c.template_id)}` : String(c.report_code);
}

/** The configuration as aligned `label  value` lines; its preset's other fields as JSON. */
function detailText(c: ResourceJson): string {
  const { id, name, version, report_code: _r, template_id: _t, format, created_at: _c, updated_at: _u, links: _l, ...rest } = c;
  const rows: [string, string][] = [['id', String(id)], ['name', String(name)], ['version', String(version)], ['report', `${whatRuns(c)} · ${format ?? 'the template\'s format'}`]];
  for (const [key, value] of Object.entries(rest)) rows.push([key, typeof value === 'string' ? value : JSON.stringify(value)]);
  return rows.map(([k, v]) => `${k.padEnd(16)} ${v}\n`).join('');
}
